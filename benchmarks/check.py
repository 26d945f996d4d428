"""Pre-send check benchmark: the fast checks on the example issue and on generated issues.

Prints ms for the fast checks (content, size, accessibility) after `prepare`, the HTML size, and
the time of the SpamAssassin score (when installed). The fast checks run before every send, so
they should stay well under the build time.

    .venv/bin/python benchmarks/check.py [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import make_project

from bulletin.build import prepare
from bulletin.check import run_checks
from bulletin.check.spam import check_spam, find_spamassassin

REPO = Path(__file__).resolve().parent.parent


def timed(func, runs: int) -> float:
    """Median ms of ``runs`` calls."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        func()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    """Run and print the figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    cases = [("example", REPO / "issues" / "example.yaml")]
    with tempfile.TemporaryDirectory() as tmp:
        for count in (30, 300):
            folder = Path(tmp, str(count))
            folder.mkdir()
            cases.append((f"{count} items", make_project(folder, count)))
        print(f"{'issue':<10} {'HTML KB':>8} {'fast checks ms':>15} {'findings':>9}")
        for name, issue in cases:
            os.chdir(issue.parent.parent)
            result = prepare(issue)
            report = run_checks(result)
            ms = timed(lambda result=result: run_checks(result), args.runs)
            print(f"{name:<10} {report.stats['html_bytes'] / 1024:>8.1f} {ms:>15.1f} {len(report.findings):>9}")
        if find_spamassassin():
            os.chdir(REPO)
            result = prepare(REPO / "issues" / "example.yaml")
            ms = timed(lambda: check_spam(result), 3)
            _, verdict = check_spam(result)
            print(f"SpamAssassin on the example issue: {ms:.0f} ms, score {verdict.score if verdict else '?'}")
        else:
            print("SpamAssassin not installed: spam score not timed")


if __name__ == "__main__":
    main()
