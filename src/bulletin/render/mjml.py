"""MJML stage: compile the rendered MJML source to HTML with mjml-python (MRML, no Node)."""

from __future__ import annotations

from mjml import mjml2html

from ..errors import RenderError
from .inline import Placeholders


def compile_mjml(source: str, origin: str = "email.mjml.j2") -> str:
    """Compile MJML to HTML; no font links (no network, less weight) and no comments."""
    # MRML cannot parse a SendGrid tag such as <%asm_preferences_raw_url%> in text content
    tokens = Placeholders(prefix="zbulletinmjml9c2e")
    try:
        # fonts={} : MRML would otherwise add Google Fonts <link>s for the default font stack
        html = mjml2html(tokens.protect_tags(source), disable_comments=True, fonts={})
    except Exception as exc:  # mjml-python raises ValueError, but wrap anything at the boundary
        raise RenderError(
            f"{origin}: MJML compilation failed: {exc}"
            " (check that the template's MJML/HTML tags are balanced and attributes quoted)"
        ) from exc
    return tokens.restore(html)
