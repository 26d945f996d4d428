"""Preview reload latency: save a file → the open page's email shows the new text.

Builds a generated 30-item issue, starts the preview with its file watcher on a free loopback port,
opens the page in headless Chromium (Debian's, via playwright), then edits an item's title on disk
``--edits`` times. Each edit is timed from just before the write until the email in the page's frame
contains the new title (checked every animation frame, in the page). Prints median and p95, plus the
rebuild time alone. Target (issue #3): ≤ 300 ms for a 30-item issue.

    .venv/bin/python benchmarks/preview.py [--edits 20] [--items 30] [--browser /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from build import make_project  # noqa: E402  (the same generated project as the build benchmark)

from bulletin.build import BuildResult, prepare
from bulletin.preview import Preview
from bulletin.preview.screenshot import CHROMIUM_ARGS, DEFAULT_BROWSER

# Resolves once the frame's email contains the text: polled every frame, so the figure is what a reader sees.
SHOWN = """(token) => new Promise((resolve) => {
  const check = () => {
    const doc = document.getElementById('email').contentDocument;
    if (doc && doc.body && doc.body.textContent.includes(token)) resolve(true);
    else requestAnimationFrame(check);
  };
  check();
})"""


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered) + 0.5) - 1))]


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--browser", default=DEFAULT_BROWSER)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        issue = make_project(Path(tmp), args.items)
        builds: list[float] = []

        def timed() -> BuildResult:
            start = time.perf_counter()
            try:
                return prepare(issue)
            finally:
                builds.append((time.perf_counter() - start) * 1000)

        with Preview(issue, port=0, builder=timed) as preview, sync_playwright() as playwright:
            count = preview.session.result.manifest["item_count"]  # type: ignore[union-attr]
            browser = playwright.chromium.launch(executable_path=args.browser, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            # the items' images are on example.org: keep the measurement on loopback only
            context.route("**/*", lambda r: r.continue_() if urlsplit(r.request.url).hostname == "127.0.0.1" else r.abort())
            page = context.new_page()
            page.goto(preview.url)
            page.evaluate(SHOWN, "Item 0:")
            item = next((Path(tmp) / "content").glob("*-item-5.md"))
            original = item.read_text(encoding="utf-8")
            builds.clear()
            latencies = []
            for n in range(args.edits):
                token = f"Edited title number {n}"
                text = original.replace("Item 5: social services", token)
                time.sleep(0.15)  # a person saves at most a few times a second; let the last save settle
                start = time.perf_counter()
                item.write_text(text, encoding="utf-8")
                page.evaluate(SHOWN, token)
                latencies.append((time.perf_counter() - start) * 1000)
            browser.close()

    print(f"preview reload latency, {count}-item issue, {len(latencies)} edits (save → text shown in the page's frame)")
    print(f"  median {statistics.median(latencies):6.0f} ms   p95 {percentile(latencies, 0.95):6.0f} ms   "
          f"min {min(latencies):4.0f} ms   max {max(latencies):4.0f} ms   target ≤ 300 ms")
    print(f"  of which rebuild (prepare): median {statistics.median(builds):4.0f} ms over {len(builds)} rebuilds")
    return 0


if __name__ == "__main__":
    sys.exit(main())
