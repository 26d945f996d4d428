"""The PDF of a web edition: printed to A4 by headless Chromium (playwright), links kept, text selectable.

Items are not split across pages (the theme's ``@media print`` rules, web edition only), and each page
has a footer with the issue's title and the page number.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from markupsafe import Markup

from ..browser import CHROMIUM_ARGS, find_browser, in_own_thread, local_only, need_playwright
from ..errors import BulletinError

#: How long remote images may take before the page is printed without them (ms).
IMAGE_WAIT_MS = 10_000
MARGINS = {"top": "12mm", "bottom": "16mm", "left": "10mm", "right": "10mm"}
FOOTER = (
    '<div style="width:100%;margin:0 10mm;font:8px Helvetica,Arial,sans-serif;color:#4b5563;'
    'display:flex;justify-content:space-between"><span>{}</span>'
    '<span><span class="pageNumber"></span> / <span class="totalPages"></span></span></div>'
)
_HEAD = re.compile(r"<head\b[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class Page:
    """A web edition to print: its HTML, the address it is served at (links resolve against it), its title."""

    html: str
    url: str
    title: str


def print_pdfs(pages: list[Page], *, browser: str | os.PathLike[str] | None = None, remote: bool = True) -> list[bytes]:
    """Each page as PDF bytes; ``remote=False`` loads nothing but loopback (tests)."""
    if not pages:
        return []
    executable = find_browser(browser)
    need_playwright("PDFs")
    return in_own_thread(lambda: _print_all(executable, pages, remote))


def with_base(html: str, url: str) -> str:
    """The page with ``<base href=url>``, so its relative links ("../index.html") lead to the website, not to a file."""
    head = _HEAD.search(html)
    if head is None:
        raise BulletinError("the web edition has no <head>, so it cannot be printed")
    return html[: head.end()] + str(Markup('<base href="{}">').format(url)) + html[head.end():]


def _print_all(executable: str, pages: list[Page], remote: bool) -> list[bytes]:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                return [_print(chromium, page, remote) for page in pages]
            finally:
                chromium.close()
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BulletinError(f"Chromium ({executable}) failed to print the PDF: {first}") from None


def _print(chromium, page: Page, remote: bool) -> bytes:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = chromium.new_context()
    try:
        if not remote:
            local_only(context)
        tab = context.new_page()
        tab.set_content(with_base(page.html, page.url), wait_until="domcontentloaded")
        try:
            tab.wait_for_load_state("load", timeout=IMAGE_WAIT_MS)
        except PlaywrightTimeout:
            pass  # a slow image host must not block publishing: print what has loaded
        return bytes(tab.pdf(
            format="A4", print_background=True, margin=MARGINS, display_header_footer=True,
            header_template="<span></span>", footer_template=str(Markup(FOOTER).format(page.title)),
        ))
    finally:
        context.close()

