"""Build benchmark: generated issues of 30 and 300 items.

Prints ms per stage (load, select, context, Jinja, MJML, inline, text), the in-process total, the
HTML size, and the wall time of the whole `bulletin build` process. Targets (issue #2): 30 items
≤ 60 ms in-process after imports, the whole process ≤ 0.5 s, index.html ≤ 60 KB for 30 items.

    .venv/bin/python benchmarks/build.py [--runs 15] [--inliner premailer|css-inline] [--brand]

``--brand`` gives the project a house style (logo, colours, font; README "5. Change the look").
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bulletin import sources
from bulletin.config import load_issue, load_project
from bulletin.render.context import build_context
from bulletin.render.inline import inline
from bulletin.render.jinja import render_template
from bulletin.render.mjml import compile_mjml
from bulletin.render.text import tidy
from bulletin.select import select

REPO = Path(__file__).resolve().parent.parent
TAGS = [["News"], ["Event"], ["Publication"], ["Position paper"], ["Press release", "News"], ["Position paper", "Event"]]
SUMMARY = (
    "The federation's members met with the Commission to discuss *how the European Pillar of Social Rights* "
    "is put into practice in social services, with a focus on staff shortages, fair funding and the role "
    "of not-for-profit providers. Read our [full statement](https://example.org/statement) for details."
)


BRAND = """brand:
  logo: {src: "https://example.org/logo.png", alt: ESNF, width: 160}
  colour: "#7a1f3d"
  accent: "#0b6e4f"
  font: Georgia, serif
"""


def make_project(folder: Path, count: int, brand: bool = False) -> Path:
    """A project like the example one, with ``count`` generated items in the period (and a brand)."""
    for name in ("bulletin.yaml", "subscribers.example.csv"):
        shutil.copy(REPO / name, folder / name)
    if brand:
        with open(folder / "bulletin.yaml", "a", encoding="utf-8") as settings:
            settings.write(BRAND)
    content = folder / "content"
    content.mkdir()
    start = dt.date(2021, 1, 1)
    for n in range(count):
        day = start + dt.timedelta(days=(n * 181) // count)
        image = f"image: {{src: https://example.org/img/{n}.jpg, alt: \"Photo {n}\"}}\n" if n % 3 == 0 else ""
        (content / f"{day}-item-{n}.md").write_text(
            f"---\ndate: {day}\ntitle: \"Item {n}: social services & the recovery plan\"\n"
            f"url: https://example.org/news/item-{n}\ntags: {TAGS[n % len(TAGS)]}\n{image}---\n{SUMMARY}\n",
            encoding="utf-8",
        )
    (folder / "issues").mkdir()
    spec = (REPO / "issues" / "example.yaml").read_text(encoding="utf-8")
    keep = [line for line in spec.splitlines() if not line.startswith(("featured:", "pin:", "exclude:"))]
    (folder / "issues" / "bench.yaml").write_text("\n".join(keep) + "\n", encoding="utf-8")
    return folder / "issues" / "bench.yaml"


def stages(issue: Path, inliner: str | None) -> tuple[dict[str, float], int]:
    """One in-process build, timed per stage (ms); returns the timings and the HTML size."""
    times: dict[str, float] = {}
    mark = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        times[name] = (now - mark) * 1000
        mark = now

    project = load_project(issue)
    if inliner:
        project.inliner = inliner  # type: ignore[assignment]
    spec = load_issue(issue, project)
    items = [item for source in spec.sources for item in sources.load(source, root=Path(project.root))]
    lap("load")
    selection = select(spec, items)
    lap("select")
    context = build_context(project, spec, selection)
    lap("context")
    mjml = render_template(project, spec.template, "email.mjml.j2", context)
    lap("jinja")
    html = compile_mjml(mjml, "email.mjml.j2")
    lap("mjml")
    html = inline(html, project.inliner)
    lap("inline")
    tidy(render_template(project, spec.template, "email.txt.j2", context))
    lap("text")
    times["total"] = sum(times.values())
    return times, len(html.encode())


def process_time(issue: Path, runs: int) -> float:
    """Median wall time (s) of the whole `bulletin build` process."""
    exe = Path(sys.executable).with_name("bulletin")
    walls = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([str(exe), "build", str(issue)], cwd=issue.parent.parent, check=True, capture_output=True)
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--inliner", choices=["premailer", "css-inline"], default=None)
    parser.add_argument("--brand", action="store_true", help="with a brand: in bulletin.yaml")
    args = parser.parse_args()
    names = ["load", "select", "context", "jinja", "mjml", "inline", "text", "total"]
    print(f"{'items':>6} " + " ".join(f"{n:>8}" for n in names) + f" {'HTML KB':>8} {'process s':>9}")
    for count in (30, 300):
        with tempfile.TemporaryDirectory() as tmp:
            issue = make_project(Path(tmp), count, args.brand)
            stages(issue, args.inliner)  # warm up: imports, template compilation
            runs = [stages(issue, args.inliner) for _ in range(args.runs)]
            med = {n: statistics.median(r[0][n] for r in runs) for n in names}
            size = runs[0][1]
            wall = process_time(issue, max(3, args.runs // 3))
            print(f"{count:>6} " + " ".join(f"{med[n]:>8.1f}" for n in names) + f" {size / 1024:>8.1f} {wall:>9.3f}")
    print("ms per stage, median of", args.runs, "in-process runs; process = median wall time of `bulletin build`")


if __name__ == "__main__":
    main()
