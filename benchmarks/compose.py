"""Compose latency: a click on a button of the preview page → the page's email shows the change.

Builds a generated 30-item issue, starts the preview (with its file watcher) on a free loopback port, opens
the page in headless Chromium (Debian's, via playwright) and presses "Exclude: <title>" then "Undo" on one
item, ``--clicks`` times each. Each click is timed from just before the click until the email in the page's
frame no longer shows the item (Exclude) or shows it again (Undo), checked every animation frame in the page.
That is: the request, the edit of the issue file, the validating build, the write, and the page's reload.
Prints the median, p95 and min/max of each action, and the server's part alone (POST → answer).

    .venv/bin/python benchmarks/compose.py [--clicks 10] [--items 30] [--browser /usr/bin/chromium]
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

from bulletin.preview import Preview
from bulletin.preview.screenshot import CHROMIUM_ARGS, DEFAULT_BROWSER
from preview import percentile  # noqa: E402

# Resolves once the frame's email does (or does not) contain the text: polled every frame, so the figure is what a reader sees.
SHOWN = """([text, wanted]) => new Promise((resolve) => {
  const check = () => {
    const doc = document.getElementById('email').contentDocument;
    if (doc && doc.body && doc.body.textContent.includes(text) === wanted) resolve(true);
    else requestAnimationFrame(check);
  };
  check();
})"""
TITLE = "Item 5: social services & the recovery plan"


def main() -> int:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clicks", type=int, default=10)
    parser.add_argument("--items", type=int, default=30)
    parser.add_argument("--browser", default=DEFAULT_BROWSER)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    timings: dict[str, list[float]] = {"Exclude": [], "Undo": []}
    server: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        issue = make_project(Path(tmp), args.items)
        with Preview(issue, port=0) as preview, sync_playwright() as playwright:
            count = preview.session.result.manifest["item_count"]  # type: ignore[union-attr]
            browser = playwright.chromium.launch(executable_path=args.browser, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.route("**/*", lambda r: r.continue_() if urlsplit(r.request.url).hostname == "127.0.0.1" else r.abort())
            page = context.new_page()
            sent: dict[str, float] = {}
            page.on("request", lambda r: sent.__setitem__(r.url, time.perf_counter()) if r.method == "POST" else None)
            page.on("requestfinished", lambda r: server.append((time.perf_counter() - sent[r.url]) * 1000) if r.method == "POST" else None)
            page.goto(preview.url)
            page.evaluate(SHOWN, [TITLE, True])
            original = issue.read_text(encoding="utf-8")
            for _ in range(args.clicks):
                for name, shown in ((f"Exclude: {TITLE}", False), ("Undo: Exclude 'Item 5: social services & the recovery plan'", True)):
                    button = page.get_by_role("button", name=name, exact=True)
                    button.wait_for()
                    time.sleep(0.15)  # a person clicks at most a few times a second; let the last change settle
                    start = time.perf_counter()
                    button.click()
                    page.evaluate(SHOWN, [TITLE, shown])
                    timings[name.split(":")[0]].append((time.perf_counter() - start) * 1000)
            assert issue.read_text(encoding="utf-8") == original, "Undo left the issue file changed"
            browser.close()

    print(f"compose latency, {count}-item issue, {args.clicks} clicks each (click → change shown in the page's frame)")
    for name, values in timings.items():
        print(f"  {name:8} median {statistics.median(values):5.0f} ms   p95 {percentile(values, 0.95):5.0f} ms   "
              f"min {min(values):4.0f} ms   max {max(values):4.0f} ms")
    print(f"  of which the server (POST → answer: edit, validating build, write, rebuild): median {statistics.median(server):4.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
