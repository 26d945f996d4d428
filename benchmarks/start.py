"""Start-your-own benchmark: from an empty folder to a previewable build of a WordPress site's posts.

Runs the README's commands as separate `bulletin` processes against the loopback fake WordPress of the
tests (3 posts a day for a year), and prints the wall time of each: `init` (with the website),
`new-issue`, the first `build` (fetches the period's posts, two pages), a second `build` (from the cache),
`build --refresh`, and the number of REST requests. What a user types is printed too.

    .venv/bin/python benchmarks/start.py [--runs 3] [--from 2021-03-10 --to 2021-04-20]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from fakes.wordpress_server import FakeWordPress, sample_site  # noqa: E402

BULLETIN = str(Path(sys.executable).with_name("bulletin"))


def once(start: str, end: str) -> dict[str, float]:
    """One run from nothing; seconds per command and the number of REST requests."""
    with FakeWordPress(**sample_site()) as site, tempfile.TemporaryDirectory(prefix="bulletin-start-") as scratch:
        steps = [
            ("init", Path(scratch), ["init", "cecop-bulletin", "--name", "CECOP", "--address", "Avenue Milcamps 105, Brussels",
                                     "--email", "news@cecop.coop", "--website", site.url, "--timezone", "Europe/Brussels", "--yes"]),
            ("new-issue", Path(scratch) / "cecop-bulletin", ["new-issue", "2021-h1", "--from", start, "--to", end]),
            ("build (fetch)", Path(scratch) / "cecop-bulletin", ["build", "issues/2021-h1.yaml"]),
            ("build (cache)", Path(scratch) / "cecop-bulletin", ["build", "issues/2021-h1.yaml"]),
            ("build --refresh", Path(scratch) / "cecop-bulletin", ["build", "issues/2021-h1.yaml", "--refresh"]),
        ]
        times: dict[str, float] = {}
        for name, folder, args in steps:
            began = time.perf_counter()
            done = subprocess.run([BULLETIN, *args], cwd=folder, capture_output=True, text=True)
            times[name] = time.perf_counter() - began
            if done.returncode:
                raise SystemExit(f"bulletin {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
        times["requests"] = float(site.count("/wp/v2/posts"))
        items = sum(1 for p in site.posts if start <= p.date[:10] <= end)
        times["items"] = float(items)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--from", dest="start", default="2021-03-10")
    parser.add_argument("--to", dest="end", default="2021-04-20")
    options = parser.parse_args()
    runs = [once(options.start, options.end) for _ in range(options.runs)]
    print("What a new user types, from nothing to a preview:")
    print("  pipx install ./bulletin")
    print("  bulletin init cecop-bulletin          # 6 questions (or the answers as options: --name ... --yes)")
    print("  cd cecop-bulletin")
    print(f"  bulletin new-issue 2021-h1 --from {options.start} --to {options.end}")
    print("  bulletin preview issues/2021-h1.yaml")
    print(f"{int(runs[0]['items'])} posts in the period; median of {options.runs} runs (s):")
    for name in ("init", "new-issue", "build (fetch)", "build (cache)", "build --refresh"):
        print(f"  {name:<16} {statistics.median(r[name] for r in runs):6.2f}")
    total = sum(statistics.median(r[name] for r in runs) for name in ("init", "new-issue", "build (fetch)"))
    print(f"  {'init to build':<16} {total:6.2f}")
    print(f"REST requests to /wp/v2/posts per run: {int(runs[0]['requests'])} (fetch, cache, refresh)")


if __name__ == "__main__":
    main()
