"""Fixtures for the preview tests: a running preview of a tmp_project copy, and headless Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bulletin.preview import Preview
from bulletin.preview.screenshot import CHROMIUM_ARGS, DEFAULT_BROWSER

CHROMIUM = DEFAULT_BROWSER
ISSUE = "issues/example.yaml"


@pytest.fixture
def preview(tmp_project: Path) -> Iterator[Preview]:
    """The example issue served on a free loopback port, watching its files."""
    with Preview(ISSUE, port=0) as running:
        yield running


@pytest.fixture
def still_preview(tmp_project: Path) -> Iterator[Preview]:
    """The example issue served on a free loopback port, rebuilt only when the test says so."""
    with Preview(ISSUE, port=0, watch=False) as running:
        yield running


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by playwright; fails (never skips) when it is not installed."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: the browser tests need Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def page(chromium, preview: Preview):
    """A fresh page on the preview; requests leaving 127.0.0.1 (the items' images) are blocked."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).hostname == "127.0.0.1" else route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(preview.url)
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the preview page: {errors}"
