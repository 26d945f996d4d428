"""Inline stage: move CSS into style attributes, keeping what email clients need intact.

Both engines keep ``@media`` rules (with ``!important``) in a ``<style>`` block, load nothing
from the network, keep ``<!DOCTYPE html>``, MSO conditional comments, SendGrid tags such as
``<%asm_group_unsubscribe_raw_url%>`` (unescaped, even in ``href``), merge tags ``*|NAME|*`` and
``<style data-embed>`` blocks (not inlined).
"""

from __future__ import annotations

import re
from typing import Literal

from ..errors import RenderError
from . import premail

Engine = Literal["premailer", "css-inline"]

# Tags a mail service substitutes at send time; HTML parsers would escape or percent-encode
# them (lxml turns href="<%x%>" into href="%3C%x%%3E"), so they travel as inert placeholders.
_PROTECTED = re.compile(r"<%[^<>%]*%>|\*\|[A-Za-z0-9_:]+\|\*|\[%[^\[\]%]*%\]")
_DOCTYPE = re.compile(r"^\s*<!doctype[^>]*>\s*", re.IGNORECASE)
# <style media="..."> (MRML's Thunderbird rules) and <style data-embed> (rules for attributes a mail
# service adds, such as Outlook.com's [data-ogsc]; the convention of Juice and Maizzle) are kept as written
_KEPT_STYLE = re.compile(r"<style\b[^>]*\s(?:media=|data-embed\b)[^>]*>.*?</style>", re.IGNORECASE | re.DOTALL)
DOCTYPE = "<!DOCTYPE html>"
_START_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
_STYLE_ATTR = re.compile(r'(\sstyle=")([^"]*)(")')
_CLASS_ATTR = re.compile(r'\sclass="([^"]*)"')
_STYLE_BLOCK = re.compile(r"<style[^>]*>(.*?)</style>", re.IGNORECASE | re.DOTALL)
_STYLE_BLOCK_PARTS = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.IGNORECASE | re.DOTALL)
_IMPORT = re.compile(r"@import\b[^;]*;?", re.IGNORECASE)
_CLASS_SELECTOR = re.compile(r"\.(-?[_a-zA-Z][\w-]*)")
# properties of a table as a whole, which inlining a "table, td {…}" reset also copies onto every cell
_TABLE_ONLY = re.compile(r"(?:^|;)\s*(?:border-collapse|mso-table-[lr]space)\s*:[^;]*", re.IGNORECASE)


def _slim(html: str) -> str:
    """Drop what inlining made useless: spaces in style attributes, classes no rule uses, table properties on cells.

    Classes still named by a kept rule (@media, MSO blocks) stay, so phones and Outlook get them.
    """
    used = {name for css in _STYLE_BLOCK.findall(html) for name in _CLASS_SELECTOR.findall(css)}

    def classes(match: re.Match[str]) -> str:
        kept = [name for name in match.group(1).split() if name in used]
        return f' class="{" ".join(kept)}"' if kept else ""

    def style(match: re.Match[str]) -> str:
        body = re.sub(r"\s*;\s*", ";", match.group(2))
        body = re.sub(r"(?<=[\w-])\s*:\s+", ":", body).strip()
        if body.endswith(";") and not re.search(r"&#?\w+;$", body):  # keep &quot;'s ;
            body = body[:-1]
        return f"{match.group(1)}{body}{match.group(3)}"

    def tag(match: re.Match[str]) -> str:
        text = match.group(0)
        if text.startswith("<td"):
            text = _STYLE_ATTR.sub(lambda m: f"{m[1]}{_TABLE_ONLY.sub('', m[2]).lstrip(';')}{m[3]}", text)
        return _CLASS_ATTR.sub(classes, _STYLE_ATTR.sub(style, text))

    def block(match: re.Match[str]) -> str:
        css = re.sub(r"\s+", " ", match.group(2)).strip()
        return f"{match.group(1)}{css}{match.group(3)}"

    html = _STYLE_BLOCK_PARTS.sub(block, html)
    return _START_TAG.sub(tag, html)


class Placeholders:
    """Swaps text for inert alphanumeric tokens (that no parser touches) and back."""

    def __init__(self, prefix: str = "zbulletinkeep7f3a") -> None:
        self.prefix = prefix
        self.saved: list[str] = []
        self._token = re.compile(rf"{prefix}(\d+)x")

    def __call__(self, match: re.Match[str]) -> str:
        self.saved.append(match.group(0))
        return f"{self.prefix}{len(self.saved) - 1}x"

    def protect_tags(self, text: str) -> str:
        """Replace SendGrid substitution tags and merge tags with tokens."""
        return _PROTECTED.sub(self, text)

    def restore(self, text: str) -> str:
        """Put the saved text back in place of the tokens."""
        return self._token.sub(lambda m: self.saved[int(m.group(1))], text)


def inline(html: str, engine: Engine = "premailer") -> str:
    """Inline the CSS of a complete HTML document with ``engine``."""
    protect = Placeholders()
    body = _DOCTYPE.sub("", protect.protect_tags(html), count=1)
    # kept style blocks match nothing in the document; inliners would drop them, so they sit out the
    # inlining as comments
    body = _KEPT_STYLE.sub(lambda m: f"<!--{protect(m)}-->", body)
    # cssutils (under premailer) would fetch @import-ed sheets: no network at build time
    body = _STYLE_BLOCK_PARTS.sub(lambda m: m[1] + _IMPORT.sub("", m[2]) + m[3], body)
    try:
        if engine == "premailer":
            out = premail.transform(body)
        elif engine == "css-inline":
            out = _css_inline(body)
        else:
            raise RenderError(f"unknown inliner {engine!r} (use premailer or css-inline)")
    except RenderError:
        raise
    except Exception as exc:
        raise RenderError(f"CSS inlining ({engine}) failed: {exc}") from exc
    out = _DOCTYPE.sub("", out, count=1)
    out = re.sub(rf"<!--{protect.prefix}(\d+)x-->", lambda m: protect.saved[int(m[1])], out)
    # slim while the tags are still tokens: '<%...%>' inside a start tag would hide it from _slim
    out = protect.restore(_slim(out))
    return f"{DOCTYPE}\n{out.strip()}\n"


def _css_inline(html: str) -> str:
    try:
        import css_inline
    except ImportError as exc:  # optional dependency: pip install 'bulletin[fast]'
        raise RenderError(
            "the css-inline inliner is not installed (pip install 'bulletin[fast]'),"
            " or set inliner: premailer"
        ) from exc
    return css_inline.inline(
        html,
        keep_style_tags=False,
        keep_at_rules=True,
        load_remote_stylesheets=False,
    )
