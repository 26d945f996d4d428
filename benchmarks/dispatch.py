"""Dispatch benchmark: `bulletin send` to 200,000 and 1,000,000 generated subscribers, against a bare loop.

The fake SendGrid server (tests/fakes/sendgrid_server.py) runs as its own process in fast mode: it
checks SendGrid's limits (1000 personalizations, each address once) and counts recipients but skips
the OpenAPI validation (about 40 ms per 1000-recipient request; the tests do validate every request).
`bulletin send` runs as a child process, timed from start to exit: build, checks, reading and
validating the CSV, planning the ledger, 1 request per 1000 recipients, each committed before and
after. Prints wall time and the send process's peak RSS.

The reference is a bare loop (``--bare``, also a child process, against the same fake): it streams the
CSV, builds bodies of 1000 one-recipient personalizations (one substitution each, the built HTML and
text) and POSTs them over one keep-alive connection, with no validation and no ledger: what the machine
allows. bulletin's modules are byte-compiled first, as pip does. Targets (issue #11): ``bulletin send`` ≤ 1.5 × the bare loop, peak RSS ≤ 200 MB.

This machine's speed drifts by tens of percent within minutes (a shared virtual machine), so each size
runs ``--runs`` times (5), the bare loop and bulletin one after the other on a new ledger, and the summary
compares the fastest run of each (as ``timeit`` does: the others were slowed by something else).

    .venv/bin/python benchmarks/dispatch.py [--sizes 200000 1000000] [--runs 5]
"""

from __future__ import annotations

import argparse
import compileall
import csv
import http.client
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
TESTS = REPO / "tests"  # the fake runs as the module fakes.sendgrid_server (it imports its sibling modules)
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
    return run_child(command, project, env)


def run_child(command: list[str], project: Path, env: dict[str, str]) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB, exit code, output) of one child process."""
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


def bare_loop(project: Path, url: str) -> None:
    """The reference: stream the CSV, build 1000-personalization bodies, POST them over one keep-alive connection."""
    html = (project / "email.html").read_text(encoding="utf-8")
    text = (project / "email.txt").read_text(encoding="utf-8")
    base = {"from": {"email": "bulletin@example.org"}, "subject": "Bulletin",
            "content": [{"type": "text/plain", "value": text}, {"type": "text/html", "value": html}]}
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port)
    headers = {"Authorization": f"Bearer {KEY}", "Content-Type": "application/json"}

    def post(personalizations: list[dict[str, Any]]) -> None:
        connection.request("POST", "/v3/mail/send", json.dumps({"personalizations": personalizations, **base}).encode(), headers)
        answer = connection.getresponse()
        answer.read()
        if answer.status != 202:
            raise SystemExit(f"bare loop: {answer.status}")

    with open(project / "subscribers.csv", encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle)
        header = next(rows)
        email_at, name_at, lists_at, status_at = (header.index(c) for c in ("email", "name", "lists", "status"))
        batch: list[dict[str, Any]] = []
        for row in rows:
            if row[status_at] != "subscribed" or "@" not in row[email_at] or "members" not in row[lists_at].split(";"):
                continue
            batch.append({"to": [{"email": row[email_at]}], "substitutions": {"*|NAME|*": row[name_at] or "colleague"}})
            if len(batch) == 1000:
                post(batch)
                batch = []
        if batch:
            post(batch)
    connection.close()


def run_bare(project: Path, url: str) -> tuple[float, float, int, str]:
    """(seconds, peak RSS in MB, exit code, output) of the bare loop in its own process."""
    from bulletin.build import prepare

    result = prepare(project / "issues" / "example.yaml")
    (project / "email.html").write_text(result.rendered.html, encoding="utf-8")
    (project / "email.txt").write_text(result.rendered.text, encoding="utf-8")
    command = [sys.executable, str(Path(__file__).resolve()), "--bare", str(project), url]
    return run_child(command, project, dict(os.environ))


def sizes(doc: str) -> list[int]:
    """The --sizes asked for on the command line (benchmarks/schedule.py)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    return list(parser.parse_args().sizes)


def arguments(doc: str) -> argparse.Namespace:
    """The command line: --sizes, or --bare PROJECT URL (the reference loop, run as a child)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=5, help="runs of each, alternating; the fastest of each is compared")
    parser.add_argument("--bare", nargs=2, metavar=("PROJECT", "URL"), help=argparse.SUPPRESS)
    return parser.parse_args()


def start_fake() -> tuple[subprocess.Popen[str], str]:
    """The fake SendGrid in its own process, fast mode (limits, no OpenAPI validation), and its URL."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(TESTS), os.environ.get("PYTHONPATH")]))}
    fake = subprocess.Popen([sys.executable, "-m", "fakes.sendgrid_server", "--no-validate", "--api-key", KEY], env=env,
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
    args = arguments(__doc__ or "")
    if args.bare:
        bare_loop(Path(args.bare[0]), args.bare[1])
        return
    # as pip does when it installs: under PYTHONDONTWRITEBYTECODE an editable install would compile bulletin at every run
    compileall.compile_dir(REPO / "src" / "bulletin", quiet=1)
    fake, url = start_fake()
    assert fake.stdin
    print(f"{'subscribers':>12} {'run':>9} {'recipients':>11} {'requests':>9} {'wall s':>7} {'peak RSS MB':>12} {'ratio':>6}  check")
    try:
        before = fake_totals(fake)
        for count in args.sizes:
            with tempfile.TemporaryDirectory(prefix="bulletin-bench-") as tmp:
                project = Path(tmp)
                make_project(project, count)
                expected = sum(1 for i in range(count) if i % 33 and i % 100 != 1)
                best: dict[str, tuple[float, float]] = {}
                for _ in range(args.runs):
                    shutil.rmtree(project / ".bulletin", ignore_errors=True)  # a new dispatch each time
                    bare = 0.0
                    for name, run in (("bare loop", run_bare), ("bulletin", run_send)):
                        seconds, rss, code, output = run(project, url)
                        totals = fake_totals(fake)
                        requests = totals["requests"] - before["requests"]
                        recipients = totals["recipients"] - before["recipients"]
                        before = totals
                        ok = code == 0 and recipients == expected and not totals["invalid"]
                        bare = bare or seconds
                        ratio = f"{seconds / bare:>6.2f}" if name == "bulletin" else f"{'':>6}"
                        print(f"{count:>12,} {name:>9} {recipients:>11,} {requests:>9,} {seconds:>7.2f} {rss:>12.0f} {ratio}  "
                              f"{'ok' if ok else 'FAILED'}", flush=True)
                        if not ok:
                            print(output[-3000:])
                        fastest = best.get(name)
                        best[name] = (min(seconds, fastest[0]), max(rss, fastest[1])) if fastest else (seconds, rss)
                (bare_s, _), (send_s, send_rss) = best["bare loop"], best["bulletin"]
                print(f"{count:>12,} fastest of {args.runs}: bare loop {bare_s:.2f} s, bulletin {send_s:.2f} s "
                      f"(peak RSS {send_rss:.0f} MB): ratio {send_s / bare_s:.2f}", flush=True)
        print("targets: bulletin <= 1.5 x the bare loop, peak RSS <= 200 MB")
    finally:
        fake.stdin.close()
        fake.wait(timeout=10)


if __name__ == "__main__":
    main()
