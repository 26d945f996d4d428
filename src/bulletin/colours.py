"""Colours: parsing, WCAG 2.1 contrast, and the default theme's palette derived from a brand.

The one contrast function of bulletin: bulletin.yaml's ``brand:`` is checked with it when the project
is loaded, the palette is derived with it, and ``check``'s accessibility warnings use it on the HTML.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

RGB = tuple[int, int, int]

AA_NORMAL = 4.5
AA_LARGE = 3.0  # ≥ 24px, or ≥ 18.66px bold (WCAG "large text")
NAMED = {
    "white": (255, 255, 255), "black": (0, 0, 0), "red": (255, 0, 0), "green": (0, 128, 0),
    "blue": (0, 0, 255), "gray": (128, 128, 128), "grey": (128, 128, 128), "silver": (192, 192, 192),
    "yellow": (255, 255, 0), "orange": (255, 165, 0), "navy": (0, 0, 128), "maroon": (128, 0, 0),
    "purple": (128, 0, 128), "teal": (0, 128, 128), "lightgray": (211, 211, 211),
    "lightgrey": (211, 211, 211), "darkgray": (169, 169, 169), "darkgrey": (169, 169, 169),
}
#: What bulletin.yaml accepts as a colour: #rgb or #rrggbb.
HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")


def contrast(a: RGB, b: RGB) -> float:
    """WCAG 2.1 contrast ratio of two sRGB colours (1 to 21)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def parse_color(value: str) -> RGB | None:
    """#rgb, #rrggbb, rgb()/rgba() or a common colour name; None for anything else (or transparent)."""
    value = value.strip().lower().replace("!important", "").strip()
    if value.startswith("#"):
        digits = value[1:]
        if len(digits) in (3, 4):
            digits = "".join(ch * 2 for ch in digits[:3])
        if len(digits) in (6, 8) and all(ch in "0123456789abcdef" for ch in digits):
            return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)
        return None
    if value.startswith("rgb"):
        parts = re.findall(r"[\d.]+%?", value)
        if len(parts) >= 3:
            try:
                if len(parts) == 4 and float(parts[3].rstrip("%")) == 0:
                    return None  # fully transparent
                return tuple(_channel(p) for p in parts[:3])  # type: ignore[return-value]
            except ValueError:  # a typo in a template's CSS, such as rgb(1..2, 3, 4)
                return None
        return None
    return NAMED.get(value)


def _channel(part: str) -> int:
    return round(float(part[:-1]) * 2.55) if part.endswith("%") else min(255, round(float(part)))


def luminance(rgb: RGB) -> float:
    """WCAG relative luminance (0 black to 1 white)."""
    def lin(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def to_hex(rgb: RGB) -> str:
    """'#1d4ed8'."""
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def worst(colour: str, backgrounds: Sequence[str]) -> float:
    """The lowest contrast of ``colour`` against any of ``backgrounds`` (hex colours)."""
    fg = _rgb(colour)
    return min(contrast(fg, _rgb(bg)) for bg in backgrounds)


def towards(colour: str, target: str, backgrounds: Sequence[str], need: float = AA_NORMAL) -> str:
    """``colour`` mixed with ``target`` (white or black) just enough to reach ``need`` on every background."""
    start, end = _rgb(colour), _rgb(target)
    for step in range(21):
        share = step / 20
        mixed = to_hex(tuple(round(a + (b - a) * share) for a, b in zip(start, end, strict=True)))  # type: ignore[arg-type]
        if worst(mixed, backgrounds) >= need:
            return mixed
    return target


def _rgb(colour: str) -> RGB:
    rgb = parse_color(colour)
    if rgb is None:
        raise ValueError(f"not a colour: {colour!r}")
    return rgb


# --- the default theme's palette ------------------------------------------------------------

WHITE = "#ffffff"
#: Backgrounds of the default theme's text: light (the card, the featured box) and dark mode (the card, the page and featured box).
LIGHT = (WHITE, "#eef2f7")
DARK = ("#1f2937", "#111827")
DEFAULT_BAND = "#1e3a5f"
DEFAULT_ACCENT = "#1d4ed8"


@dataclass(frozen=True)
class Palette:
    """The default theme's colours; without a brand, its own; with one, the brand's or colours derived from it.

    ``band`` is the header's background (white text on it), ``heading`` section headings and labels on the
    light backgrounds, ``link`` links and the button (white text on it); the ``dark_`` ones are for dark mode
    (the band and the button keep their colours there).
    """

    band: str = DEFAULT_BAND
    band_muted: str = "#dbe4ef"  # the period under the title
    heading: str = DEFAULT_BAND
    link: str = DEFAULT_ACCENT
    dark_heading: str = "#bfdbfe"
    dark_link: str = "#93c5fd"


def palette(colour: str | None = None, accent: str | None = None) -> Palette:
    """The palette for a brand colour and accent (both optional, as checked by :func:`brand_problems`)."""
    base = Palette()
    band = colour or base.band
    heading = colour if colour and worst(colour, LIGHT) >= AA_NORMAL else base.heading
    return Palette(
        band=band,
        band_muted=base.band_muted if worst(base.band_muted, [band]) >= AA_NORMAL else WHITE,
        heading=heading,
        link=accent or base.link,
        dark_heading=towards(colour, WHITE, DARK) if colour else base.dark_heading,
        dark_link=towards(accent, WHITE, DARK) if accent else base.dark_link,
    )


def brand_problems(colour: str | None, accent: str | None) -> list[tuple[str, str]]:
    """(key, message) for each brand colour the default theme cannot use at WCAG AA contrast."""
    out = []
    if colour:
        ratio = worst(WHITE, [colour])
        if ratio < AA_NORMAL:
            out.append(("colour", f"white header text on {colour} has contrast {ratio:.2f}:1, below WCAG AA {AA_NORMAL:g}:1;"
                                  f" use a darker colour, e.g. {towards(colour, '#000000', [WHITE])}"))
    if accent:
        ratio = min(worst(accent, LIGHT), worst(WHITE, [accent]))
        if ratio < AA_NORMAL:
            out.append(("accent", f"links in {accent} on the white page and the light grey featured box, and white button text on it,"
                                   f" have contrast down to {ratio:.2f}:1,"
                                  f" below WCAG AA {AA_NORMAL:g}:1; use a darker colour, e.g. {towards(accent, '#000000', LIGHT)}"))
    return out
