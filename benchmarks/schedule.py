"""Scheduled-dispatch benchmark: schedule 100,000 / 1,000,000 subscribers days ahead, then hand them over.

Per size, three `bulletin` processes, each timed from start to exit with its peak RSS:
  schedule   `bulletin send ... --at T` beyond SendGrid's window: build, checks, plan into the ledger (no network)
  hand-over  `bulletin dispatch-due` once due: re-read the subscribers, batch id, 1 request per 1000 (send_at + batch_id)
  idle       `bulletin dispatch-due --quiet` with nothing due: what cron pays every 5 minutes
The fake SendGrid runs as its own process in fast mode (limits and the 72-hour rule, no OpenAPI
validation), on the real clock; BULLETIN_NOW puts the scheduling run 3 days in the past so the
dispatch waits, then the hand-over runs at the real now.

    .venv/bin/python benchmarks/schedule.py [--sizes 100000 1000000]
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from dispatch import KEY, fake_totals, make_project, sizes, start_fake


def timed(project: Path, url: str, now: dt.datetime, *args: str) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB, exit code, output) of one bulletin command."""
    env = {**os.environ, "SENDGRID_API_KEY": KEY, "BULLETIN_SENDGRID_URL": url, "BULLETIN_NOW": now.isoformat()}
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen([sys.executable, "-m", "bulletin.cli", *args], cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return seconds, rss, os.waitstatus_to_exitcode(status), text


def main() -> None:
    fake, url = start_fake()
    assert fake.stdin
    print(f"{'subscribers':>12} {'step':>10} {'wall s':>7} {'peak RSS MB':>12}  check")
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    send_at = now + dt.timedelta(days=2)  # 5 days after the scheduling run's "now", 2 days after the real one
    try:
        before = 0
        for count in sizes(__doc__ or ""):
            with tempfile.TemporaryDirectory(prefix="bulletin-bench-") as tmp:
                project = Path(tmp)
                make_project(project, count)
                expected = sum(1 for i in range(count) if i % 33 and i % 100 != 1)
                steps = [
                    ("schedule", now - dt.timedelta(days=3), ("send", "issues/example.yaml", "--list", "members", "--yes",
                                                              "--at", send_at.isoformat()), "Scheduled dispatch 1"),
                    ("hand-over", now, ("dispatch-due",), "Handed over dispatch 1"),
                    ("idle", now + dt.timedelta(minutes=5), ("dispatch-due", "--quiet"), ""),
                ]
                for name, moment, command, says in steps:
                    seconds, rss, code, output = timed(project, url, moment, *command)
                    ok = code == 0 and says in output
                    if name == "hand-over":
                        totals = fake_totals(fake)
                        ok = ok and totals["recipients"] - before == expected and not totals["invalid"]
                        before = totals["recipients"]
                    print(f"{count:>12,} {name:>10} {seconds:>7.1f} {rss:>12.0f}  {'ok' if ok else 'FAILED'}")
                    if not ok:
                        print(output[-3000:])
    finally:
        fake.stdin.close()
        fake.wait(timeout=10)


if __name__ == "__main__":
    main()
