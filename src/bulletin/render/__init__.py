"""Render an issue: Jinja2 → MJML → HTML → CSS inlined, plus the plain-text part.

Public API: :class:`Rendered`, :func:`render_issue`, :func:`render_context`,
:func:`template_dirs`. The template context is documented in :mod:`bulletin.render.context`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import RenderError, Where
from ..model import IssueSpec, Project, Selection
from .context import build_context
from .inline import inline
from .jinja import render_template, source_locator, template_dirs, template_origin
from .mjml import compile_mjml
from .text import tidy

__all__ = ["Rendered", "render_context", "render_issue", "template_dirs", "template_line_of"]

HTML_TEMPLATE = "email.mjml.j2"
TEXT_TEMPLATE = "email.txt.j2"


@dataclass
class Rendered:
    """A rendered issue, ready to write to build/ or to send."""

    html: str  # final: MJML compiled + CSS inlined
    text: str  # plain-text part from the text template
    mjml: str  # the MJML source (for debugging)
    merge_fields: dict[str, str] = field(default_factory=dict)  # tag name -> fallback


def render_context(project: Project, spec: IssueSpec, selection: Selection, *, web: bool = False) -> dict:
    """The template context for an issue (contract: see bulletin.render.context)."""
    return build_context(project, spec, selection, web=web)


def render_issue(project: Project, spec: IssueSpec, selection: Selection, *, web: bool = False) -> Rendered:
    """Render the HTML and text parts of an issue; every failure is a RenderError.

    ``web``: the web edition (no merge tags, no personal links, no UTM); it has no text part.
    """
    context = render_context(project, spec, selection, web=web)
    theme = spec.template or "default"
    source = render_template(project, theme, HTML_TEMPLATE, context)
    origin = template_origin(project, theme, HTML_TEMPLATE)
    _not_empty(source, origin)
    locate = source_locator(project, theme, HTML_TEMPLATE, context, source)
    html = inline(compile_mjml(source, origin, locate), project.inliner)
    if web:
        return Rendered(html=html, text="", mjml=source, merge_fields=dict(context["merge"].fields))
    text = render_template(project, theme, TEXT_TEMPLATE, context)
    _not_empty(text, template_origin(project, theme, TEXT_TEMPLATE))
    text = tidy(text)
    return Rendered(html=html, text=text, mjml=source, merge_fields=dict(context["merge"].fields))


def template_line_of(project: Project, spec: IssueSpec, selection: Selection, text: str, *, web: bool = False) -> str | None:
    """'template file:line' that wrote ``text`` into the issue's MJML first, or None (for messages)."""
    context = render_context(project, spec, selection, web=web)
    theme = spec.template or "default"
    source = render_template(project, theme, HTML_TEMPLATE, context)
    offset = source.find(text)
    found = source_locator(project, theme, HTML_TEMPLATE, context, source)(offset) if offset >= 0 else None
    return str(found) if found else None


def _not_empty(output: str, origin: str) -> None:
    # an empty text part would reach text-only readers as a blank email; an empty MJML part
    # would only get MRML's "unable to find mjml element"
    if not output.strip():
        raise RenderError(
            "the template produced nothing (is it empty, or is everything inside an {% if %} that is false?)",
            where=Where(origin, 1),
        )

