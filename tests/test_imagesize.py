"""Image sizes: read from the first bytes of real PNG, JPEG, GIF and WebP files; saved and given to items without one."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from PIL import Image

from bulletin.imagesize import ImageSize, load_sizes, pixel_size, save_sizes, sizes_path, with_sizes
from bulletin.model import Image as ItemImage
from bulletin.model import Item


def encoded(fmt: str, size: tuple[int, int] = (640, 360)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 40, 40)).save(out, fmt)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "GIF", "WEBP"])
def test_the_pixel_size_comes_from_the_file(fmt):
    assert pixel_size(encoded(fmt)) == (640, 360)


@pytest.mark.parametrize("fmt, head", [("PNG", 64), ("GIF", 64), ("JPEG", 1024)])
def test_the_first_bytes_are_enough_for_png_gif_and_jpeg(fmt, head):
    data = encoded(fmt, (1600, 900))
    assert len(data) > head
    assert pixel_size(data[:head]) == (1600, 900)  # the rest of the file need not be fetched


def test_what_is_not_a_picture_has_no_size():
    assert pixel_size(b"<!doctype html><title>Login</title>") is None
    assert pixel_size(b"") is None
    assert pixel_size(encoded("PNG")[:10]) is None  # not even the header yet
    assert pixel_size(b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>') is None


def project(tmp_path: Path) -> Any:
    return SimpleNamespace(root=str(tmp_path), state_dir=".bulletin")  # all a Project gives these functions


def item(src: str, width: int | None = None, height: int | None = None) -> Item:
    return Item(date=dt.date(2022, 3, 1), title="Photo", url="https://example.org/a", image=ItemImage(src, "A photo", width, height))


def test_sizes_are_saved_merged_and_read_back(tmp_path):
    p = project(tmp_path)
    assert load_sizes(p) == {}
    save_sizes(p, {"https://example.org/a.png": ImageSize(1000, 640, 360)})
    save_sizes(p, {"https://example.org/b.jpg": ImageSize(None, 800, 600)})
    assert load_sizes(p) == {"https://example.org/a.png": ImageSize(1000, 640, 360), "https://example.org/b.jpg": ImageSize(None, 800, 600)}
    sizes_path(p).write_text("{not json", encoding="utf-8")
    assert load_sizes(p) == {}  # a damaged file costs a fetch, not an error


def test_only_images_stating_no_size_take_the_saved_one():
    sizes = {"https://example.org/a.png": ImageSize(1000, 640, 360)}
    plain, stated, other = item("https://example.org/a.png"), item("https://example.org/a.png", 300, 200), item("https://example.org/c.png")
    got = with_sizes([plain, stated, other, Item(date=dt.date(2022, 3, 1), title="No image", url="https://example.org/n")], sizes)
    assert got[0].image == ItemImage("https://example.org/a.png", "A photo", 640, 360)
    assert got[1:] == [stated, other, got[3]] and got[3].image is None
