"""Theme texts and dates per language: what an edition in another language than English costs.

Runs the whole `bulletin build` process on the example project with ``lang: en`` and ``lang: fr``,
alternately, and prints the median wall and CPU time of each, and whether Babel was imported (it must not be
for English: dates in English are written without it). Also the in-process cost of the first French date
(Babel's import and its CLDR data) and of reading the message catalogue.

    .venv/bin/python benchmarks/languages.py [--runs 9]
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUN = "import sys; from bulletin.cli import main; main(['build', 'issues/example.yaml'], standalone_mode=False);" \
      " print('babel' in sys.modules)"


def project(folder: Path, lang: str) -> Path:
    root = folder / lang
    root.mkdir()
    for name in ("bulletin.yaml", "subscribers.example.csv"):
        shutil.copy(REPO / name, root / name)
    for name in ("content", "issues"):
        shutil.copytree(REPO / name, root / name)
    config = root / "bulletin.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("\nlang: en\n", f"\nlang: {lang}\n"), encoding="utf-8")
    return root


def once(root: Path) -> tuple[float, float, bool]:
    """(wall s, CPU s of the child, Babel imported) of one whole build process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", RUN], cwd=root, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout.strip().endswith("True")


def in_process() -> None:
    code = (
        "import time, datetime as dt\n"
        "from bulletin import catalogue\n"
        "from bulletin.render import dates\n"
        "t = time.perf_counter(); catalogue.messages('fr'); t1 = time.perf_counter()\n"
        "dates.date_label(dt.date(2021, 6, 10), 'fr'); t2 = time.perf_counter()\n"
        "dates.period_label(dt.date(2021, 1, 1), dt.date(2021, 3, 15), 'de'); t3 = time.perf_counter()\n"
        "print(f'catalogue (en + fr files): {(t1 - t) * 1000:.1f} ms; first French date (Babel import + CLDR data):'\n"
        "      f' {(t2 - t1) * 1000:.1f} ms; first German period: {(t3 - t2) * 1000:.1f} ms')\n"
    )
    print(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        roots = {lang: project(Path(tmp), lang) for lang in ("en", "fr")}
        for root in roots.values():
            once(root)  # Jinja's compiled templates cached, files in the page cache
        results: dict[str, list[tuple[float, float, bool]]] = {lang: [] for lang in roots}
        for _ in range(args.runs):
            for lang, root in roots.items():
                results[lang].append(once(root))
        for lang, runs in results.items():
            wall = statistics.median(r[0] for r in runs)
            cpu = statistics.median(r[1] for r in runs)
            print(f"lang: {lang}  whole build: median wall {wall * 1000:.0f} ms, CPU {cpu * 1000:.0f} ms;"
                  f" Babel imported: {any(r[2] for r in runs)}")
    in_process()
    print(f"({args.runs} runs each, {dt.datetime.now(dt.timezone.utc):%Y-%m-%d %H:%M} UTC)")


if __name__ == "__main__":
    main()
