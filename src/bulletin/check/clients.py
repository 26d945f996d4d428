"""Client check (--clients): the HTML and CSS features the email uses that inboxes lack, from caniemail.com's data.

For each client that matters (Outlook for Windows, Outlook.com, Gmail, Apple Mail, Yahoo, Samsung) every
feature used that the client does not or only partly support: how many times, where, and whether the layout
depends on it. The support notes that name elements ("only supported on table cells", "not supported on
``<div>``") are applied to the element each use is on. Data: ``caniemail/support.json`` (MIT, see LICENSE).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import lxml.html
from lxml.etree import _Comment, _Element

from .document import Document
from .findings import Finding

DATA = Path(__file__).resolve().parent / "caniemail" / "support.json"

#: The clients checked, in report order, with their names.
CLIENTS = {
    "outlook-windows": "Outlook for Windows",
    "outlook-com": "Outlook.com",
    "gmail-web": "Gmail (web)",
    "gmail-ios": "Gmail (iOS app)",
    "gmail-android": "Gmail (Android app)",
    "apple-mail-macos": "Apple Mail (macOS)",
    "apple-mail-ios": "Apple Mail (iOS)",
    "yahoo-web": "Yahoo Mail (web)",
    "samsung-email": "Samsung Email",
}

#: CSS properties the arrangement of the email depends on (the rest change only its looks).
LAYOUT = re.compile(r"^(?:padding|margin|width|max-width|min-width|height|float|display|position|border(?!-radius)"
                    r"|box-sizing|flex|grid|gap|table-layout)")
#: Values that are already what the element does without them (p{display:block}).
_DEFAULT_DISPLAY = {"block": {"p", "div", "h1", "h2", "h3", "h4", "ul", "ol", "table"}, "inline": {"a", "span", "b", "em"}}
_TAG = re.compile(r"`<(\w+)>`")
_ONLY = re.compile(r"Only (?:supported|works) on ([^.]*)")
_NOT_ON = re.compile(r"Not supported on ([^.]*)")
_ONLY_VALUE = re.compile(r"Only supports `([\w-]+):([\w-]+)`")
_MSO_OPEN = re.compile(r"\[if [^\]]*mso")
_SEMANTIC = {"article", "aside", "details", "figcaption", "figure", "footer", "header", "main", "mark", "nav",
             "section", "summary", "time"}


@dataclass(frozen=True)
class Use:
    """One use of a feature: on which element (tag name, None for a style block) and the declaration."""

    slug: str
    tag: str | None
    what: str  # "padding:16px 0", "<svg>", "@media"
    where: str  # a snippet of the element, or "<style> block"
    fallback: bool = False  # Outlook for Windows gets other markup here ([if mso] blocks)


@lru_cache(maxsize=1)
def features() -> dict[str, dict[str, Any]]:
    """caniemail's features by slug (only those some checked client lacks)."""
    data = json.loads(DATA.read_text(encoding="utf-8"))
    return {feature["slug"]: feature for feature in data["features"]}


@lru_cache(maxsize=1)
def _by_property() -> dict[str, list[str]]:
    # border-top -> css-border: caniemail lists longhands in a feature's keywords
    found: dict[str, list[str]] = {}
    for slug, feature in features().items():
        if feature["category"] != "css":
            continue
        names = {slug.removeprefix("css-")} | {k.strip() for k in feature["keywords"].split(",")}
        for name in names:
            # a keyword such as "margin" in shape-margin's list is a topic; "border-top" is a property of css-border
            if re.fullmatch(r"[a-z]+(?:-[a-z]+)+", name) or name == slug.removeprefix("css-"):
                found.setdefault(name, []).append(slug)
    return found


def css_features(prop: str, value: str) -> list[str]:
    """The caniemail features a declaration ``prop: value`` uses."""
    prop, value = prop.strip().lower(), value.strip().lower()
    if prop.startswith("mso-") or prop.startswith("-"):
        return []  # vendor properties: meant for the clients that know them
    slugs = [s for s in _by_property().get(prop, []) if not s.startswith("css-display-")]
    if prop == "display" and value in ("none", "flex", "grid"):
        slugs.append(f"css-display-{value}")
    for unit, slug in (("rem", "css-unit-rem"), ("vh", "css-unit-vh"), ("vw", "css-unit-vw"), ("calc(", "css-unit-calc"),
                       ("rgba(", "css-rgba"), ("var(", "css-variables"), ("!important", "css-important")):
        if re.search(rf"\d{re.escape(unit)}\b" if unit.isalpha() else re.escape(unit), value):
            slugs.append(slug)
    if "gradient(" in value:
        slugs.append("css-linear-gradient")
    return [s for s in dict.fromkeys(slugs) if s in features()]


def support(slug: str, client: str, tag: str | None = None, prop: str = "", value: str = "") -> str:
    """'y', 'a' (partly) or 'n' for ``client``, narrowed by the notes that name elements or values."""
    feature = features().get(slug)
    if feature is None or client not in feature["support"]:
        return "y"
    marks = feature["support"][client].split()
    level = marks[0] if marks[0] in ("y", "a", "n") else "y"  # 'u' (unknown): nothing to report
    if level != "a":
        return level
    for mark in marks[1:]:
        note = feature["notes"].get(mark.lstrip("#"), "")
        if tag and (only := _ONLY.search(note)):
            allowed = set(_TAG.findall(only.group(1))) | ({"td", "th"} if "table cell" in only.group(1) else set())
            if allowed:
                return "y" if tag in allowed else "n"
        if tag and (not_on := _NOT_ON.search(note)) and tag in _TAG.findall(not_on.group(1)):
            return "n"
        if prop and (only_value := _ONLY_VALUE.search(note)) and only_value.group(1) == prop:
            return "y" if value == only_value.group(2) and tag != "img" else "n"
    return "a"


def declarations(style: str) -> Iterator[tuple[str, str]]:
    """(property, value) pairs of a style attribute."""
    for part in style.split(";"):
        prop, colon, value = part.partition(":")
        if colon and prop.strip():
            yield prop.strip().lower(), value.strip()


def scan(html: str) -> list[Use]:
    """Every use of a feature caniemail tracks, in document order."""
    root = lxml.html.document_fromstring(html)
    uses: list[Use] = []
    if html.lstrip()[:9].lower() == "<!doctype":
        uses.append(Use("html-doctype", None, "<!DOCTYPE html>", "the first line"))
    for element in root.iter():
        if isinstance(element, _Comment) or not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        where = _short(element)
        covered = _has_mso_fallback(element)
        for prop, value in declarations(element.get("style") or ""):
            if _is_default(tag, prop, value):
                continue
            uses += [Use(s, tag, f"{prop}:{value}", where, covered) for s in css_features(prop, value)]
        uses += [Use(s, tag, what, where, covered) for s, what in _html_features(element, tag)]
        if tag == "style":
            uses += _style_block(element.text or "")
    return [use for use in uses if use.slug in features()]


def _short(element: _Element) -> str:
    """The element's tag with its class (or first attribute): "<td class="it">"."""
    names = [k for k in ("class", "name", "href", "src", "width") if element.get(k) is not None][:1]
    attrs = "".join(f' {k}="{(element.get(k) or "")[:40]}"' for k in names)
    return f"<{element.tag}{attrs}>"


def _html_features(element: _Element, tag: str) -> Iterator[tuple[str, str]]:
    simple = {"svg": "html-svg", "picture": "html-picture", "video": "html-video", "audio": "html-audio",
              "form": "html-form", "abbr": "html-abbr", "wbr": "html-wbr", "object": "html-object"}
    if tag in simple:
        yield simple[tag], f"<{tag}>"
    if tag in _SEMANTIC:
        yield "html-semantics", f"<{tag}>"
    if tag == "meta" and (element.get("name") or "").lower() in ("color-scheme", "supported-color-schemes"):
        yield "html-meta-color-scheme", f'<meta name="{element.get("name")}">'
    if tag == "a" and (element.get("href") or "").startswith("#") and len(element.get("href") or "") > 1:
        yield "html-anchor-links", f'<a href="{element.get("href")}">'
    for attribute, slug in (("dir", "html-dir"), ("srcset", "html-srcset"), ("loading", "html-loading-attribute"),
                            ("width", "html-width"), ("height", "html-height"), ("background", "html-background")):
        if element.get(attribute) is not None and not (attribute in ("width", "height") and tag not in ("img", "table", "td")):
            yield slug, f'{attribute}="{element.get(attribute)}"'
    if tag == "img":
        extension = (element.get("src") or "").split("?")[0].rsplit(".", 1)[-1].lower()
        if extension in ("svg", "webp", "avif", "tiff", "ico", "heif", "apng"):
            yield ("html-svg" if extension == "svg" else f"image-{extension}"), f".{extension} image"


def _style_block(css: str) -> list[Use]:
    uses = []
    where = "<style> block"
    for media in re.findall(r"@media([^{]*)\{", css):
        slug = "css-at-media-prefers-color-scheme" if "prefers-color-scheme" in media else "css-at-media"
        uses.append(Use(slug, None, f"@media{media.rstrip()}", where))
    selectors = re.sub(r"\{[^{}]*\}", "\n", re.sub(r"@media[^{]*\{", "", css))
    for selector in filter(None, (s.strip() for s in re.split(r"[\n,]", selectors))):
        if "[" in selector:
            uses.append(Use("css-selector-attribute", None, selector, where))
        if ">" in selector:
            uses.append(Use("css-selector-child", None, selector, where))
        if ":" in selector:
            uses.append(Use(f"css-pseudo-class-{selector.split(':')[1].split('(')[0]}", None, selector, where))
    for body in re.findall(r"\{([^{}]*)\}", css):
        for prop, value in declarations(body):
            uses += [Use(s, None, f"{prop}:{value}", where) for s in css_features(prop, value)]
    return uses


def _is_default(tag: str, prop: str, value: str) -> bool:
    return prop == "display" and tag in _DEFAULT_DISPLAY.get(value.lower(), set())


_ZERO = re.compile(r"^(?:0(?:px)?\s*)+$")


def _has_mso_fallback(element: _Element) -> bool:
    # MJML gives Outlook for Windows its own table markup ("ghost tables") in [if mso] comments right before
    # the element; attributes (width="552" on an image) are the fallback for CSS widths
    previous = element.getprevious()
    return isinstance(previous, _Comment) and bool(_MSO_OPEN.search(previous.text or ""))


def layout_breaking(use: Use, client: str) -> bool:
    """True when the layout depends on the feature and the client lacks it, with no fallback in place."""
    if support(use.slug, client, use.tag, *use.what.split(":", 1)) != "n" or use.tag is None:
        return False
    prop = use.what.split(":", 1)[0]
    if not LAYOUT.match(prop) or (client == "outlook-windows" and use.fallback):
        return False
    value = use.what.split(":", 1)[-1].replace("!important", "").strip()
    if _ZERO.match(value):
        return False  # a reset to zero: without it the client keeps its own small default
    if use.tag == "img" and prop in ("width", "height", "max-width", "display"):
        return False  # the width/height attributes are the fallback; a block image sits alone in its cell
    return True


def check_clients(doc: Document) -> tuple[list[Finding], dict[str, dict[str, int]]]:
    """Findings per client and feature; stats: per client, features breaking the layout, unsupported, partial."""
    uses = scan(doc.result.rendered.html)
    findings: list[Finding] = []
    stats: dict[str, dict[str, int]] = {}
    for client, name in CLIENTS.items():
        grouped: dict[tuple[str, str, bool], list[Use]] = {}
        for use in uses:
            level = support(use.slug, client, use.tag, *use.what.split(":", 1))
            if level != "y":
                grouped.setdefault((use.slug, level, layout_breaking(use, client)), []).append(use)
        counts = {
            "layout": len({slug for slug, _, breaking in grouped if breaking}),
            "unsupported": len({slug for slug, level, _ in grouped if level == "n"}),
            "partial": len({slug for slug, level, _ in grouped if level == "a"}),
        }
        for (slug, level, breaking), found in sorted(grouped.items(), key=lambda entry: not entry[0][2]):
            findings.append(_finding(name, slug, level, found, breaking))
        stats[client] = counts
    return findings, stats


def _finding(client: str, slug: str, level: str, found: list[Use], breaking: bool) -> Finding:
    feature = features()[slug]
    places = list(dict.fromkeys(f"{use.what} on {use.where}" if use.tag else f"{use.what} in {use.where}" for use in found))
    shown = "; ".join(places[:2]) + (f"; and {len(places) - 2} more" if len(places) > 2 else "")
    state = "not supported" if level == "n" else "partly supported"
    effect = "the layout depends on it" if breaking else "only the looks depend on it"
    code = "client-layout" if breaking else ("client-unsupported" if level == "n" else "client-partial")
    return Finding("warning" if breaking else "note", code,
                   f"{client}: {feature['title']} {state}, used {len(found)}× ({shown}); {effect} ({feature['url']})",
                   "", "clients")


def outlook_view(html: str) -> str:
    """The HTML as a simulation of Outlook for Windows sees it: [if mso] blocks on, [if !mso] blocks off, and every
    CSS declaration caniemail marks unsupported there (for that element) removed, as are <style> blocks' @media rules."""
    html = re.sub(r"<!--\[if !mso[^\]]*\]><!-->.*?<!--<!\[endif\]-->", "", html, flags=re.DOTALL)
    html = re.sub(r"<!--\[if [^\]]*mso[^\]]*\]>(.*?)<!\[endif\]-->", r"\1", html, flags=re.DOTALL)
    root = lxml.html.document_fromstring(html)
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = element.tag.lower()
        if tag == "style" and element.text:
            element.text = re.sub(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*[^{}]*\}", "", element.text)
        style = element.get("style")
        if style is None:
            continue
        kept = [f"{p}:{v}" for p, v in declarations(style)
                if all(support(s, "outlook-windows", tag, p, v) != "n" for s in css_features(p, v))]
        element.set("style", ";".join(kept))
    return "<!DOCTYPE html>\n" + lxml.html.tostring(root, encoding="unicode")


__all__ = ["CLIENTS", "Use", "check_clients", "css_features", "layout_breaking", "outlook_view", "scan", "support"]
