"""Build benchmark: generated issues of 30 and 300 items.

Prints ms per stage (load, select, context, Jinja, MJML, inline, text), the in-process total, the
HTML size, and the wall time of the whole `bulletin build` process. Targets (issue #2): 30 items
≤ 60 ms in-process after imports, the whole process ≤ 0.5 s, index.html ≤ 60 KB for 30 items.

``--process``: the whole `bulletin build` process on a 20-item issue against the official node
``mjml`` CLI compiling the same index.mjml, run alternately (median wall time, and CPU time, which a
busy machine disturbs less). node must be installed; the CLI is ``$MJML_BIN`` when set (e.g.
``npm install --prefix /tmp/mjml-cli mjml`` then ``MJML_BIN=/tmp/mjml-cli/node_modules/.bin/mjml``),
else it is installed with npm into ~/.cache/bulletin-bench the first time (the tests never need it).
bulletin's own modules are byte-compiled first, as pip does when it installs a package (an editable
install under PYTHONDONTWRITEBYTECODE would otherwise compile them from source at every run; the
dependencies are compiled already); ``--no-compile`` measures without. Target (issue #11): ratio ≤ 0.5.

    .venv/bin/python benchmarks/build.py [--runs 15] [--inliner premailer|css-inline] [--process [--no-compile]] [--brand]

``--brand`` gives the project a house style (logo, colours, font; README "5. Change the look").
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import resource
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


def node_mjml() -> Path | None:
    """The node mjml CLI: $MJML_BIN, else installed with npm into the benchmark's cache folder if need be; None without node."""
    if os.environ.get("MJML_BIN"):
        exe = Path(os.environ["MJML_BIN"])
        if not exe.exists():
            sys.exit(f"MJML_BIN={exe}: no such file")
        return exe
    if not shutil.which("node"):
        return None
    folder = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "bulletin-bench"
    exe = folder / "node_modules" / ".bin" / "mjml"
    if not exe.exists() and shutil.which("npm"):
        print(f"installing the node mjml CLI into {folder} ...", flush=True)
        folder.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(folder), "mjml@4"], check=False)
    return exe if exe.exists() else None


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """(wall s, CPU s: user + system) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def against_node(runs: int, compile_first: bool = True) -> None:
    """`bulletin build` of a 20-item issue against node mjml on its index.mjml, alternately."""
    mjml = node_mjml()
    if compile_first:
        compileall.compile_dir(Path(sources.__file__).parent.parent, quiet=1)  # src/bulletin/
    with tempfile.TemporaryDirectory() as tmp:
        issue = make_project(Path(tmp), 20)
        bulletin = [str(Path(sys.executable).with_name("bulletin")), "build", str(issue)]
        subprocess.run(bulletin, cwd=issue.parent.parent, check=True, capture_output=True)  # also fills Jinja's cache
        source = issue.parent.parent / "build" / "bench" / "index.mjml"
        ours, theirs = [], []
        for _ in range(runs):
            ours.append(timed(bulletin, issue.parent.parent))
            if mjml:
                theirs.append(timed([str(mjml), str(source), "-o", str(Path(tmp) / "node.html")], Path(tmp)))
    wall, cpu = statistics.median(w for w, _ in ours), statistics.median(c for _, c in ours)
    bytecode = "bytecode compiled first" if compile_first else "bytecode as found"
    print(f"bulletin build (20 items, {bytecode}): {wall:.3f} s wall, {cpu:.3f} s CPU (median of {runs})")
    if not theirs:
        print("node mjml CLI: not available (install node, or set MJML_BIN, to compare)")
        return
    node_wall, node_cpu = statistics.median(w for w, _ in theirs), statistics.median(c for _, c in theirs)
    print(f"node mjml CLI {mjml} (same index.mjml): {node_wall:.3f} s wall, {node_cpu:.3f} s CPU (median of {runs})")
    verdict = "met" if max(wall / node_wall, cpu / node_cpu) <= 0.5 else "NOT met"
    print(f"RATIO bulletin / node mjml: {wall / node_wall:.2f} wall, {cpu / node_cpu:.2f} CPU  (target <= 0.50: {verdict})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--inliner", choices=["premailer", "css-inline"], default=None)
    parser.add_argument("--process", action="store_true", help="the whole process against the node mjml CLI")
    parser.add_argument("--no-compile", action="store_true", help="--process without byte-compiling bulletin first")
    parser.add_argument("--brand", action="store_true", help="with a brand: in bulletin.yaml")
    args = parser.parse_args()
    if args.process:
        against_node(args.runs, compile_first=not args.no_compile)
        return
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
