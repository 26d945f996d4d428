"""Fixtures for the preview tests: a running preview of a tmp_project copy, and headless Chromium."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from bulletin.preview import Preview
from bulletin.preview.screenshot import DEFAULT_BROWSER

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


def _png(width: int, height: int) -> bytes:
    """A plain grey PNG of the given size (stands in for the items' remote photos)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x99" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


PHOTO = _png(1200, 800)  # wider than any layout: the email must scale it down


def offline(route) -> None:
    """Serve loopback; answer image requests with a large local PNG; refuse all other network."""
    if urlsplit(route.request.url).hostname == "127.0.0.1":
        route.continue_()
    elif route.request.resource_type == "image":
        route.fulfill(status=200, content_type="image/png", body=PHOTO)
    else:
        route.abort()


@pytest.fixture
def page(chromium, preview: Preview):
    """A fresh page on the preview; nothing leaves 127.0.0.1 (the items' photos are faked locally)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    context.route("**/*", offline)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(preview.url)
    yield page
    context.close()
    assert not errors, f"JavaScript errors in the preview page: {errors}"


@pytest.fixture
def open_page(chromium):
    """``open_page(preview, ready)``: a page on ``preview`` once its email shows ``ready`` (a generator: iterate it once);
    nothing leaves 127.0.0.1 (the items' photos are not needed), and a JavaScript error fails the test."""

    def start(preview: Preview, ready: str) -> Iterator[Page]:
        context = chromium.new_context(viewport={"width": 1280, "height": 800})
        context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).hostname == "127.0.0.1" else route.abort())
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(preview.url)
        expect(page.frame_locator("#email").locator("body")).to_contain_text(ready, timeout=5_000)
        yield page
        context.close()
        assert not errors, f"JavaScript errors in the preview page: {errors}"

    return start
