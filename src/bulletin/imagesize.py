"""Image sizes: the pixel size read from an image's header, and what ``check --links`` learned, kept for the build.

``check --links`` fetches every image and stores its byte size and pixel size in ``<state>/images.json``.
The build stays offline and deterministic: it only reads that file, to give an item's image the
``width``/``height`` it does not state itself (so the email keeps its shape while images are off or loading).
The entries do not expire (an image at an address keeps its size); each ``check --links`` that fetches
an image again writes what it found.
"""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

from .atomic import write_atomic
from .model import Item, Project

SIZES_FILE = "images.json"
FORMATS = ("PNG", "JPEG", "GIF", "WEBP")  # what email clients show (SVG is refused by check)


@dataclass(frozen=True)
class ImageSize:
    """An image file's size in bytes (None when unknown) and in pixels."""

    bytes: int | None
    width: int
    height: int


def pixel_size(head: bytes) -> tuple[int, int] | None:
    """(width, height) from the first bytes of a PNG, JPEG, GIF or WebP file; None if they do not tell (yet)."""
    from PIL import Image as PILImage  # ~30 ms: only when an image is measured
    from PIL import UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a huge image's DecompressionBombWarning: we only read its header
            with PILImage.open(io.BytesIO(head), formats=FORMATS) as image:
                width, height = image.size
    except (UnidentifiedImageError, PILImage.DecompressionBombError, OSError, SyntaxError, ValueError, EOFError):
        return None
    return (width, height) if width > 0 and height > 0 else None


def sizes_path(project: Project) -> Path:
    """Where the sizes are kept: ``<state>/images.json``."""
    return Path(project.root) / project.state_dir / SIZES_FILE


def load_sizes(project: Project) -> dict[str, ImageSize]:
    """The image sizes a previous ``check --links`` saved, by address; {} when there are none (or the file is damaged)."""
    try:
        entries = json.loads(sizes_path(project).read_text(encoding="utf-8"))["images"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    sizes = {}
    for url, entry in entries.items() if isinstance(entries, dict) else ():
        try:
            size = ImageSize(int(entry["bytes"]) if entry.get("bytes") is not None else None,
                             int(entry["width"]), int(entry["height"]))
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
        if size.width > 0 and size.height > 0:
            sizes[url] = size
    return sizes


def save_sizes(project: Project, new: dict[str, ImageSize]) -> None:
    """Add or update sizes in ``<state>/images.json`` (atomically; a failure to write only costs a fetch later)."""
    if not new:
        return
    path = sizes_path(project)
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))["images"]
        entries = entries if isinstance(entries, dict) else {}
    except (OSError, ValueError, KeyError, TypeError):
        entries = {}
    for url, size in new.items():
        entries[url] = {"bytes": size.bytes, "width": size.width, "height": size.height}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({"version": 1, "images": entries}, indent=1, sort_keys=True))
    except OSError:
        pass


def with_sizes(items: list[Item], sizes: dict[str, ImageSize]) -> list[Item]:
    """The items, each image that states neither width nor height given the saved pixel size of its address."""
    if not sizes:
        return items
    out = []
    for item in items:
        image = item.image
        size = sizes.get(image.src.strip()) if image and image.width is None and image.height is None else None
        out.append(replace(item, image=replace(image, width=size.width, height=size.height)) if image and size else item)
    return out


__all__ = ["ImageSize", "load_sizes", "pixel_size", "save_sizes", "sizes_path", "with_sizes"]
