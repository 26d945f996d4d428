"""MJML stage: compile the rendered MJML source to HTML with mjml-python (MRML, no Node)."""

from __future__ import annotations

import re

from mjml import mjml2html

from ..errors import RenderError
from .inline import Placeholders

_POSITION = re.compile(r" at position (\d+):(\d+)")
_UNKNOWN = re.compile(r"<(mj-[a-z0-9-]+)", re.IGNORECASE)


def compile_mjml(source: str, origin: str = "email.mjml.j2") -> str:
    """Compile MJML to HTML; no font links (no network, less weight) and no comments."""
    # MRML cannot parse a SendGrid tag such as <%asm_preferences_raw_url%> in text content
    tokens = Placeholders(prefix="zbulletinmjml9c2e")
    protected = tokens.protect_tags(source)
    try:
        # fonts={} : MRML would otherwise add Google Fonts <link>s for the default font stack
        html = mjml2html(protected, disable_comments=True, fonts={})
    except Exception as exc:  # mjml-python raises ValueError, but wrap anything at the boundary
        raise RenderError(
            f"{origin}: MJML compilation failed: {_near(str(exc), protected, tokens)}"
            " (check that the template's MJML/HTML tags are balanced and attributes quoted)"
        ) from exc
    # MRML copies a misspelt component (<mj-colum>) into the HTML as it is instead of failing
    unknown = _UNKNOWN.search(html)
    if unknown:
        raise RenderError(f"{origin}: <{unknown.group(1)}> is not an MJML component (check its spelling at https://documentation.mjml.io)")
    return tokens.restore(html)


def _near(message: str, source: str, tokens: Placeholders) -> str:
    """MRML's "at position 317:321" (bytes into the rendered MJML) as the text found there."""
    found = _POSITION.search(message)
    if not found:
        return message
    data = source.encode()
    start, end = int(found.group(1)), int(found.group(2))
    text = data[start : max(end, start + 1) + 40].decode("utf-8", "replace")
    near = " ".join(tokens.restore(text).split())
    return f"{message[: found.start()]}, near {near!r}"
