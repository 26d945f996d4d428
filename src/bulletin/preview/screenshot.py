"""Sign-off screenshots: the full email at desktop and mobile widths, and the preview page with its panel
(what is in, what was left out and why, the compose buttons), taken by headless Chromium."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import quote

from ..browser import CHROMIUM_ARGS, DEFAULT_BROWSER, find_browser, in_own_thread, local_only, need_playwright
from ..errors import BulletinError
from .app import Preview

#: (file name, viewport width in CSS px); the image is exactly this wide when the email does not overflow.
WIDTHS = (("desktop", 700), ("mobile", 375))
#: The preview page's screenshot: a laptop screen.
PAGE_SIZE = {"width": 1280, "height": 800}
#: How long remote images may take before the screenshot is taken without them (ms).
IMAGE_WAIT_MS = 10_000

__all__ = ["CHROMIUM_ARGS", "DEFAULT_BROWSER", "find_browser", "take_screenshots"]


def take_screenshots(
    issue: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    browser: str | os.PathLike[str] | None = None,
    as_email: str | None = None,
    remote: bool = True,
    lang: str | None = None,
) -> list[Path]:
    """Build ``issue`` and write out_dir/desktop.png, mobile.png (the email) and preview.png (the page);
    ``remote=False`` blocks non-loopback requests; ``lang``: that edition (else the ``as_email`` person's, else the default)."""
    executable = find_browser(browser)
    need_playwright("screenshots")
    out = Path(out_dir)
    preview = Preview(issue, as_email=as_email, watch=False, read_only=False, lang=lang)
    preview.start()
    try:
        session = preview.session
        assert session is not None
        if session.result is None or session.error:
            raise BulletinError(session.error or "the issue could not be built")
        out.mkdir(parents=True, exist_ok=True)
        # the email as a subscriber sees it: merge tags filled (fallbacks unless --as names someone)
        url = f"{preview.url}email.html?as={quote(as_email or '')}&lang={quote(session.lang or '')}"
        return in_own_thread(lambda: _capture(executable, url, preview.url, out, remote))
    finally:
        preview.close()


def _capture(executable: str, url: str, page_url: str, out: Path, remote: bool) -> list[Path]:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            try:
                shots = [_shoot(chromium, url, width, out / f"{name}.png", remote) for name, width in WIDTHS]
                return [*shots, _shoot_page(chromium, page_url, out / "preview.png", remote)]
            finally:
                chromium.close()
    except PlaywrightError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise BulletinError(f"Chromium ({executable}) failed: {first}") from None


def _shoot(chromium, url: str, width: int, target: Path, remote: bool) -> Path:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    context = chromium.new_context(viewport={"width": width, "height": 900}, device_scale_factor=1)
    try:
        if not remote:
            local_only(context)
        page = context.new_page()
        page.goto(url, wait_until="domcontentloaded")
        try:
            page.wait_for_load_state("load", timeout=IMAGE_WAIT_MS)
        except PlaywrightTimeout:
            pass  # a slow image host must not block sign-off: take what has loaded
        page.screenshot(path=str(target), full_page=True)
        return target
    finally:
        context.close()


def _shoot_page(chromium, url: str, target: Path, remote: bool) -> Path:
    """The preview page as the person composing sees it, once the email and the panel are drawn."""
    context = chromium.new_context(viewport=PAGE_SIZE, device_scale_factor=1)
    try:
        if not remote:
            local_only(context)
        page = context.new_page()
        page.goto(url, wait_until="load", timeout=IMAGE_WAIT_MS * 2)
        page.locator("#sections li").first.wait_for()
        page.wait_for_selector("body[data-build]:not([data-build='-1'])")
        page.screenshot(path=str(target))
        return target
    finally:
        context.close()

