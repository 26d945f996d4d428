"""Accessibility basics (warnings): heading order, link text, and text contrast (WCAG 2.1 AA).

Contrast is computed from inline styles only, which is what email clients see after inlining:
the text colour is the nearest ``color`` on the element or an ancestor (default black), the
background the nearest ``background-color``/``background``/``bgcolor`` (default white). Text that
is hidden (the preheader) is skipped; images and gradients behind text are not considered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.etree import _Element

from .document import Document, snippet
from .findings import Finding

AA_NORMAL = 4.5
AA_LARGE = 3.0  # ≥ 24px, or ≥ 18.66px bold (WCAG "large text")
GENERIC_LINK_TEXT = frozenset({
    "click here", "here", "read more", "more", "learn more", "link", "this", "continue",
    "continue reading", "details", "more info", "find out more", "this link",
})
NAMED = {
    "white": (255, 255, 255), "black": (0, 0, 0), "red": (255, 0, 0), "green": (0, 128, 0),
    "blue": (0, 0, 255), "gray": (128, 128, 128), "grey": (128, 128, 128), "silver": (192, 192, 192),
    "yellow": (255, 255, 0), "orange": (255, 165, 0), "navy": (0, 0, 128), "maroon": (128, 0, 0),
    "purple": (128, 0, 128), "teal": (0, 128, 128), "lightgray": (211, 211, 211),
    "lightgrey": (211, 211, 211), "darkgray": (169, 169, 169), "darkgrey": (169, 169, 169),
}
_SKIP_TAGS = {"style", "script", "head", "title", "meta", "link"}
_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}\b|rgba?\([^)]*\)|\b[a-zA-Z]+\b")

RGB = tuple[int, int, int]


def check_accessibility(doc: Document) -> list[Finding]:
    """Every accessibility check."""
    return [*check_headings(doc), *check_link_text(doc), *check_contrast(doc)]


def _f(code: str, message: str, where: str) -> Finding:
    return Finding("warning", code, message, where, "accessibility")


def check_headings(doc: Document) -> list[Finding]:
    """Headings must not skip levels (h2 → h4): screen-reader users navigate by them."""
    findings, previous = [], 0
    for el in doc.root.iter("h1", "h2", "h3", "h4", "h5", "h6"):
        level = int(el.tag[1])
        if previous and level > previous + 1:
            findings.append(_f("heading-order", f"heading level skips from h{previous} to h{level}", snippet(el)))
        previous = level
    return findings


def check_link_text(doc: Document) -> list[Finding]:
    """'Read more' alone tells a screen-reader user nothing; add an aria-label with the item title."""
    findings = []
    for link in doc.root.iter("a"):
        if link.get("href") is None:
            continue
        text = _plain(link.text_content())
        label = _plain(link.get("aria-label") or link.get("title") or "")
        if not text and not label and not any((img.get("alt") or "").strip() for img in link.iter("img")):
            findings.append(_f("link-no-name", "link has no text, label or image alt: screen readers read out the URL",
                               doc.where(link.get("href") or "", link)))
        elif text in GENERIC_LINK_TEXT and (not label or label in GENERIC_LINK_TEXT):
            findings.append(_f("vague-link-text",
                               f"link text \"{' '.join(link.text_content().split())}\" says nothing on its own: "
                               "add aria-label=\"Read more: <title>\"", doc.where(link.get("href") or "", link)))
    return findings


@dataclass(frozen=True)
class _Inherited:
    """What an element inherits from its ancestors, for the contrast walk."""

    fg: RGB = (0, 0, 0)
    bg: RGB = (255, 255, 255)
    size: str = "16px"
    weight: str = "normal"
    visibility: str = "visible"
    hidden: bool = False  # the whole subtree is invisible (display:none, opacity:0, max-height:0)

    @property
    def invisible_text(self) -> bool:
        """Text at this level cannot be seen (a child may still set a visible size again)."""
        return self.size in ("0", "0px", "1px") or self.visibility == "hidden"


def check_contrast(doc: Document) -> list[Finding]:
    """Text colour against its background, one warning per failing colour pair."""
    body = doc.root.find("body")
    failing: dict[tuple[RGB, RGB], list] = {}  # (fg, bg) -> [ratio, need, first element, count]
    # one walk from the top, each element computed once from its parent's state
    stack = [(body if body is not None else doc.root, _Inherited())]
    while stack:
        el, parent = stack.pop()
        if not isinstance(el.tag, str) or el.tag in _SKIP_TAGS:
            continue
        state = _inherit(el, parent)
        if state.hidden:
            continue  # nothing inside a hidden element is seen
        if _own_text(el) and not state.invisible_text:
            ratio = contrast(state.fg, state.bg)
            need = AA_LARGE if _large(state) else AA_NORMAL
            if ratio < need:
                entry = failing.setdefault((state.fg, state.bg), [ratio, need, el, 0])
                entry[3] += 1
        stack.extend((child, state) for child in reversed(el))
    findings = []
    for (fg, bg), (ratio, need, el, count) in failing.items():
        more = f" ({count} places)" if count > 1 else ""
        findings.append(_f("low-contrast",
                           f"text {_hex(fg)} on {_hex(bg)} has contrast {ratio:.2f}:1, below WCAG AA {need:g}:1{more}",
                           snippet(el)))
    return findings


def _inherit(el: _Element, parent: _Inherited) -> _Inherited:
    style = _style(el)
    if not style and el.get("bgcolor") is None:
        return parent
    size = style.get("font-size", parent.size).strip()
    visibility = style.get("visibility", parent.visibility).strip()
    # the preheader is hidden on purpose, often in a colour matching the background; font-size
    # and visibility are inherited, so only the nearest declaration counts (MJML puts
    # font-size:0 on layout cells and sets the real size further in)
    hidden = (style.get("display") == "none" or style.get("mso-hide") == "all"
              or style.get("opacity", "1").strip() in ("0", "0.0") or style.get("max-height", "").strip() in ("0", "0px"))
    return _Inherited(
        fg=parse_color(style.get("color", "")) or parent.fg,
        bg=_background(el, style) or parent.bg,
        size=size,
        weight=style.get("font-weight", parent.weight).strip(),
        visibility=visibility,
        hidden=hidden,
    )


def contrast(a: RGB, b: RGB) -> float:
    """WCAG 2.1 contrast ratio of two sRGB colours (1 to 21)."""
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
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


def _luminance(rgb: RGB) -> float:
    def lin(c: int) -> float:
        s = c / 255
        return s / 12.92 if s <= 0.03928 else ((s + 0.055) / 1.055) ** 2.4

    r, g, b = (lin(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _hex(rgb: RGB) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def _style(el: _Element) -> dict[str, str]:
    out = {}
    for decl in (el.get("style") or "").split(";"):
        name, sep, value = decl.partition(":")
        if sep:
            out[name.strip().lower()] = value.replace("!important", "").strip().lower()
    return out


def _background(el: _Element, style: dict[str, str]) -> RGB | None:
    if (c := parse_color(style.get("background-color", ""))) is not None:
        return c
    for token in _COLOR.findall(style.get("background", "")):
        if (c := parse_color(token)) is not None:
            return c
    return parse_color(el.get("bgcolor") or "")


def _large(state: _Inherited) -> bool:
    match = re.match(r"(\d+(?:\.\d+)?|\.\d+)\s*(px|pt)?", state.size)
    if not match:
        return False
    px = float(match.group(1)) * (4 / 3 if match.group(2) == "pt" else 1)
    bold = state.weight == "bold" or (state.weight.isdigit() and int(state.weight) >= 700)
    return px >= 24 or (bold and px >= 18.66)


def _own_text(el: _Element) -> bool:
    if (el.text or "").strip():
        return True
    return any((child.tail or "").strip() for child in el)


def _plain(text: str) -> str:
    return re.sub(r"[^\w\s]", "", " ".join(text.split()).lower()).strip()
