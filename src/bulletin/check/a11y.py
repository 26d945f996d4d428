"""Accessibility basics (warnings): heading order, link text, and text contrast (WCAG 2.1 AA, bulletin.colours).

Contrast is computed from inline styles only, which is what email clients see after inlining:
the text colour is the nearest ``color`` on the element or an ancestor (default black), the
background the nearest ``background-color``/``background``/``bgcolor`` (default white). Text that
is hidden (the preheader) is skipped; images and gradients behind text are not considered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.etree import _Element

from ..colours import AA_LARGE, AA_NORMAL, RGB, contrast, parse_color, to_hex
from .document import Document, snippet
from .findings import Finding

GENERIC_LINK_TEXT = frozenset({
    "click here", "here", "read more", "more", "learn more", "link", "this", "continue",
    "continue reading", "details", "more info", "find out more", "this link",
})
_SKIP_TAGS = {"style", "script", "head", "title", "meta", "link"}
_COLOR = re.compile(r"#[0-9a-fA-F]{3,8}\b|rgba?\([^)]*\)|\b[a-zA-Z]+\b")


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
                           f"text {to_hex(fg)} on {to_hex(bg)} has contrast {ratio:.2f}:1, below WCAG AA {need:g}:1{more}",
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
