"""MJML stage: compile the rendered MJML source to HTML with mjml-python (MRML, no Node)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from mjml import mjml2html

from ..errors import RenderError, Where
from .inline import Placeholders
from .locate import find_problem

_POSITION = re.compile(r" at position (\d+):(\d+)")
_UNKNOWN = re.compile(r"<(mj-[a-z0-9-]+)", re.IGNORECASE)

#: From an offset in the rendered MJML to the template file and line (None when it cannot tell).
Locator = Callable[[int], "Where | None"]


def compile_mjml(source: str, origin: str = "email.mjml.j2", locate: Locator | None = None) -> str:
    """Compile MJML to HTML; no font links (no network, less weight) and no comments."""
    # MRML cannot parse a SendGrid tag such as <%asm_preferences_raw_url%> in text content
    tokens = Placeholders(prefix="zbulletinmjml9c2e")
    protected = tokens.protect_tags(source)

    def where(offset: int) -> Where:
        # offsets into the protected text, back to the rendered MJML and then to the template
        found = locate(len(tokens.restore(protected[:offset]))) if locate else None
        return found or Where(origin)

    safe = mrml_safe(protected)
    try:
        # fonts={} : MRML would otherwise add Google Fonts <link>s for the default font stack
        html = mjml2html(safe, disable_comments=True, fonts={})
    except Exception as exc:  # mjml-python raises ValueError, but wrap anything at the boundary
        # MRML's positions must be in the text the locator knows
        failure = (_error_in(protected) if safe is not protected else None) or exc
        problem = find_problem(protected)
        if problem:
            offset, explanation = problem
            raise RenderError(f"{explanation} (near {_text_at(protected, offset, tokens)!r})", where=where(offset)) from failure
        message, near = _near(str(failure), protected, tokens)
        raise RenderError(
            f"MJML compilation failed: {message} (check that the template's MJML/HTML tags are balanced and attributes quoted)",
            where=where(near) if near is not None else Where(origin),
        ) from failure
    # MRML copies a misspelt component (<mj-colum>) into the HTML as it is instead of failing
    unknown = _UNKNOWN.search(html)
    if unknown:
        found = re.search(rf"<{re.escape(unknown.group(1))}(?![\w-])", protected, re.IGNORECASE)
        raise RenderError(
            f"<{unknown.group(1)}> is not an MJML component (check its spelling at https://documentation.mjml.io)",
            where=where(found.start()) if found else Where(origin),
        )
    return tokens.restore(html)


# Unicode categories whose characters MRML writes into attribute values as Rust escapes ('\u{a0}' for a no-break
# space in an alt text or aria-label): spaces other than ' ', format characters (soft hyphen, zero-width joiner),
# combining marks (a decomposed 'é', an emoji's variation selector), private and unassigned code points.
_MANGLED = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf", "Co", "Cs", "Cn", "Mn", "Me", "Mc"})
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


@lru_cache(maxsize=4096)
def _reference(char: str) -> str:
    return f"&#x{ord(char):x};" if unicodedata.category(char) in _MANGLED else char


def mrml_safe(source: str) -> str:
    """``source`` with those characters written as character references, which MRML passes through unchanged
    (the same object when there are none)."""
    if source.isascii():
        return source
    safe = _NON_ASCII.sub(lambda found: _reference(found.group()), source)
    return source if safe == source else safe


def _error_in(source: str) -> Exception | None:
    """MRML's error for ``source``, None if it compiles."""
    try:
        mjml2html(source, disable_comments=True, fonts={})
    except Exception as exc:  # noqa: BLE001 - whatever MRML raises is the user's template error
        return exc
    return None


def _text_at(source: str, offset: int, tokens: Placeholders, length: int = 40) -> str:
    return " ".join(tokens.restore(source[offset : offset + length]).split())


def _near(message: str, source: str, tokens: Placeholders) -> tuple[str, int | None]:
    """MRML's "at position 317:321" (bytes into the rendered MJML) as the text found there, and its offset."""
    found = _POSITION.search(message)
    if not found:
        return message, None
    data = source.encode()
    start, end = int(found.group(1)), int(found.group(2))
    text = data[start : max(end, start + 1) + 40].decode("utf-8", "replace")
    near = " ".join(tokens.restore(text).split())
    offset = len(data[:start].decode("utf-8", "ignore"))
    return f"{message[: found.start()]}, near {near!r}", offset
