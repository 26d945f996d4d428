"""Dispatch benchmark: `bulletin send` to 100,000 and 1,000,000 generated subscribers.

The fake SendGrid server (tests/fakes/sendgrid_server.py) runs as its own process in fast mode: it
checks SendGrid's limits (1000 personalizations, each address once) and counts recipients but skips
the OpenAPI validation (about 40 ms per 1000-recipient request; the tests do validate every request).
`bulletin send` runs as a child process, timed from start to exit: build, checks, reading and
validating the CSV, planning the ledger, 1 request per 1000 recipients, each committed before and
after. Prints wall time and the send process's peak RSS. Targets (issue #4): 1,000,000 recipients in
≤ 20 s, peak RSS ≤ 250 MB.

    .venv/bin/python benchmarks/dispatch.py [--sizes 100000 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
FAKE = REPO / "tests" / "fakes" / "sendgrid_server.py"
KEY = "SG.benchmark-key"


def make_project(folder: Path, count: int) -> None:
    """The example project with ``transport: sendgrid`` and ``count`` subscribers (3% unsubscribed, 1% invalid)."""
    shutil.copytree(REPO / "content", folder / "content")
    shutil.copytree(REPO / "issues", folder / "issues")
    config = (REPO / "bulletin.yaml").read_text(encoding="utf-8")
    config = config.replace("transport: outbox", "transport: sendgrid").replace("subscribers.example.csv", "subscribers.csv")
    (folder / "bulletin.yaml").write_text(config, encoding="utf-8")
    with open(folder / "subscribers.csv", "w", encoding="utf-8", newline="") as handle:
        handle.write("email,name,lists,status,language,organisation\n")
        for i in range(count):
            status = "unsubscribed" if i % 33 == 0 else "subscribed"
            email = f"member.{i}@org{i % 2000}.example" if i % 100 != 1 else f"broken.{i}.example"
            name = f"Member {i}" if i % 4 else ""
            handle.write(f"{email},{name},members;newsletter,{status},en,Organisation {i % 500}\n")


def run_send(project: Path, url: str) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB, exit code, output) of one `bulletin send`."""
    env = {**os.environ, "SENDGRID_API_KEY": KEY, "BULLETIN_SENDGRID_URL": url}
    command = [sys.executable, "-m", "bulletin.cli", "send", "issues/example.yaml", "--list", "members", "--yes"]
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        process = subprocess.Popen(command, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read().decode("utf-8", "replace")
    rss = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
    return seconds, rss, process.returncode, text


def sizes(doc: str) -> list[int]:
    """The --sizes asked for on the command line."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    return list(parser.parse_args().sizes)


def start_fake() -> tuple[subprocess.Popen[str], str]:
    """The fake SendGrid in its own process, fast mode (limits, no OpenAPI validation), and its URL."""
    fake = subprocess.Popen([sys.executable, str(FAKE), "--no-validate", "--api-key", KEY],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert fake.stdout and fake.stdin
    url = fake.stdout.readline().strip()
    print(f"fake SendGrid at {url} (own process, no OpenAPI validation)")
    return fake, url


def fake_totals(fake: subprocess.Popen[str]) -> dict[str, Any]:
    """What the fake received so far: requests, recipients, unique, invalid."""
    assert fake.stdout and fake.stdin
    fake.stdin.write("count\n")
    fake.stdin.flush()
    return dict(json.loads(fake.stdout.readline()))


def main() -> None:
    fake, url = start_fake()
    assert fake.stdin
    print(f"{'subscribers':>12} {'recipients':>11} {'requests':>9} {'wall s':>7} {'peak RSS MB':>12}  check")
    try:
        before = {"requests": 0, "recipients": 0}
        for count in sizes(__doc__ or ""):
            with tempfile.TemporaryDirectory(prefix="bulletin-bench-") as tmp:
                project = Path(tmp)
                make_project(project, count)
                seconds, rss, code, output = run_send(project, url)
                totals = fake_totals(fake)
                requests = totals["requests"] - before["requests"]
                recipients = totals["recipients"] - before["recipients"]
                before = totals
                expected = sum(1 for i in range(count) if i % 33 and i % 100 != 1)
                ok = code == 0 and recipients == expected and not totals["invalid"]
                print(f"{count:>12,} {recipients:>11,} {requests:>9,} {seconds:>7.1f} {rss:>12.0f}  {'ok' if ok else 'FAILED'}")
                if not ok:
                    print(output[-3000:])
        target = "targets for 1,000,000: <= 20 s, <= 250 MB"
        print(target)
    finally:
        fake.stdin.close()
        fake.wait(timeout=10)


if __name__ == "__main__":
    main()
