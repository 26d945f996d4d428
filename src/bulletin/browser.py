"""Headless Chromium, driven by playwright: where it is, how it is started, and its own thread.

Used by the preview's sign-off screenshots and by the PDF of the web edition.
"""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from .errors import BulletinError, Option, Phrase

DEFAULT_BROWSER = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
]

_T = TypeVar("_T")


def find_browser(browser: str | os.PathLike[str] | None = None) -> str:
    """The Chromium executable to use: ``browser``, else /usr/bin/chromium; a clear error if missing."""
    candidate = str(browser) if browser else DEFAULT_BROWSER
    path = Path(candidate) if os.sep in candidate else Path(shutil.which(candidate) or candidate)
    if not path.is_file() or not os.access(path, os.X_OK):
        raise BulletinError(Phrase(
            f"no Chromium browser found at {candidate}: install it (Debian/Ubuntu: sudo apt-get install chromium) "
            "or name its path with ", (Option.BROWSER, "PATH")
        ))
    return str(path)


def need_playwright(what: str) -> None:
    """Fail early, and clearly, when the playwright package is missing."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        raise BulletinError(
            f"{what} need the playwright package: pip install 'bulletin[browser]' (it drives your installed Chromium)"
        ) from None


def in_own_thread(work: Callable[[], _T]) -> _T:
    """Run ``work`` in a thread of its own and return its result (or raise its error)."""
    # playwright's sync API refuses to run where an asyncio loop is running (Jupyter, another
    # playwright session): a thread of its own has none
    box: dict[str, object] = {}

    def target() -> None:
        try:
            box["value"] = work()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller's thread
            box["error"] = exc

    thread = threading.Thread(target=target, name="bulletin-chromium")
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    return box["value"]  # type: ignore[return-value]


def local_only(context: Any) -> None:
    """Let a Playwright browser context load only from this machine (data:, about:, 127.0.0.1, localhost)."""
    context.route("**/*", lambda route: route.continue_() if _local(route.request.url) else route.abort())


def _local(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("data", "about") or parts.hostname in ("127.0.0.1", "localhost")
