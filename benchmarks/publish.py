"""Publishing: the time to make the web edition, archive and feed, and the PDF's size and pages.

Builds the generated 30-item issue of the build benchmark (a third of the items have a picture), serves
its pictures from 127.0.0.1 (photo-like JPEGs, 800×450, made by Chromium from noise so they do not
compress away), publishes it with ``--pdf`` and prints: the publish time without and with the PDF, the
time of a second publish (nothing changes), the PDF's size and page count, with and without pictures.
Target (issue #15): 30 items ≤ 2 MB.

    .venv/bin/python benchmarks/publish.py [--items 30] [--browser /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import functools
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import make_project  # noqa: E402  (the same generated project as the build benchmark)

from bulletin.browser import CHROMIUM_ARGS, DEFAULT_BROWSER
from bulletin.site import publish

NOISE = """<body style="margin:0"><canvas id="c" width="800" height="450"></canvas><script>{
const c = document.getElementById('c').getContext('2d'), img = c.createImageData(800, 450);
let seed = SEED;
const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
for (let y = 0; y < 450; y++) for (let x = 0; x < 800; x++) {
  const i = (y * 800 + x) * 4, v = 110 * rnd();
  img.data[i] = 90 + x / 8 + v; img.data[i + 1] = 80 + y / 4 + v; img.data[i + 2] = 140 + v; img.data[i + 3] = 255;
}
c.putImageData(img, 0, 0);
}</script></body>"""


def make_pictures(folder: Path, count: int, browser: str) -> None:
    """``count`` photo-like JPEGs (quality 80) in ``folder``: <n>.jpg."""
    from playwright.sync_api import sync_playwright

    folder.mkdir()
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser, args=CHROMIUM_ARGS)
        page = chromium.new_page(viewport={"width": 800, "height": 450})
        for n in range(count):
            page.set_content(NOISE.replace("SEED", str(n + 1)))
            page.evaluate("new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")  # painted
            page.screenshot(path=str(folder / f"{n}.jpg"), type="jpeg", quality=80)
        chromium.close()


class Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def pages_of(pdf: Path) -> int:
    found = re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout)
    return int(found.group(1)) if found else -1


def timed(**kwargs: object) -> float:
    start = time.perf_counter()
    publish(**kwargs)  # type: ignore[arg-type]
    return time.perf_counter() - start


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--browser", default=DEFAULT_BROWSER)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        issue = make_project(root, args.items)
        pictures = root / "img"
        make_pictures(pictures, args.items, args.browser)
        handler = functools.partial(Quiet, directory=str(pictures))
        jpeg = sum(p.stat().st_size for p in pictures.iterdir()) / args.items
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        for item in (root / "content").glob("*.md"):
            text = item.read_text(encoding="utf-8")
            item.write_text(text.replace("https://example.org/img/", f"http://127.0.0.1:{server.server_address[1]}/"), encoding="utf-8")
        os.chdir(root)
        web = timed(issue=issue)
        again = timed(issue=issue)
        with_pdf = timed(issue=issue, pdf=True, browser=args.browser, remote=False)
        pdf = root / "site" / "bench" / "bench.pdf"
        size, pages = pdf.stat().st_size, pages_of(pdf)
        server.shutdown()
        (root / "site" / "bench" / "bench.pdf").unlink()
        for item in (root / "content").glob("*.md"):  # the same issue without pictures (a changed page: printed again)
            item.write_text(re.sub(r"image: .*\n", "", item.read_text(encoding="utf-8")), encoding="utf-8")
        timed(issue=issue, pdf=True, browser=args.browser, remote=False)
        bare, bare_pages = pdf.stat().st_size, pages_of(pdf)
    print(f"publish, {args.items} items: web edition + archive + feed {web * 1000:.0f} ms; again, nothing changed: "
          f"{again * 1000:.0f} ms; with the PDF: {with_pdf:.1f} s")
    print(f"PDF with {args.items // 3 + (args.items % 3 > 0)} pictures (800×450 JPEG, {jpeg / 1024:.0f} KB each): "
          f"{size / 1024:.0f} KB, {pages} pages (target ≤ 2048 KB)")
    print(f"PDF without pictures: {bare / 1024:.0f} KB, {bare_pages} pages")
    return 0 if size <= 2 * 1024 * 1024 else 1


if __name__ == "__main__":
    sys.exit(main())
