"""Rich text: an item's summary, the intro and the notes as HTML and plain text (Markdown, or sanitised HTML), links
resolved and given UTM parameters.

What a summary becomes is kept between runs (beside the compiled templates, like the CSS results: ``resultcache``),
keyed by its text and what shapes the result, so a build whose texts did not change imports no Markdown parser.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import nh3
from markupsafe import Markup

from ..model import IssueSpec, Project, Utm
from .resultcache import ResultCache, kept, stamp
from .text import html_to_text

if TYPE_CHECKING:
    from markdown_it import MarkdownIt


# --- UTM -------------------------------------------------------------------------------------

Params = tuple[tuple[str, str], ...]


def utm_params(project: Project, spec: IssueSpec) -> Params:
    """UTM parameters for this issue: spec overrides project field by field; () if none set."""
    if project.utm is None and spec.utm is None:
        return ()
    base, over = project.utm or Utm(), spec.utm or Utm()
    source = over.source or base.source
    medium = over.medium or base.medium
    campaign = over.campaign or base.campaign or spec.slug
    pairs = (("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign))
    return tuple((k, v) for k, v in pairs if v)


def add_utm(url: str, params: Params) -> str:
    """Append UTM parameters to an http(s) URL, keeping its query and any utm_ key it has."""
    if not params:
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if parts.scheme.lower() not in ("http", "https"):
        return url
    present = {key.lower() for key, _ in parse_qsl(parts.query, keep_blank_values=True)}
    extra = [(k, v) for k, v in params if k not in present]
    if not extra:
        return url
    query = f"{parts.query}&{urlencode(extra)}" if parts.query else urlencode(extra)
    return urlunsplit(parts._replace(query=query))


# --- summaries -------------------------------------------------------------------------------

#: The widest a picture in a summary is shown (the content column), also its width in Outlook for Windows.
CONTENT_WIDTH = 552


class RelativeLink(ValueError):
    """A link or picture address without a site, and nothing to resolve it against."""


def resolve(url: str, base: str | None) -> str:
    """``url`` made absolute against ``base`` (as a browser on that page would); in-page and mailto: stay."""
    url = url.strip()
    if not url or url.startswith("#") or urlsplit(url).scheme:
        return url
    if url.startswith("//"):
        return f"https:{url}"
    if not base:
        raise RelativeLink(url)
    return urljoin(base, url)

@lru_cache(maxsize=1)
def _markdown() -> MarkdownIt:
    """The Markdown parser, made on first use: markdown_it takes a while to import, and not every command renders."""
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark", {"html": False})

SUMMARY_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "i", "ins", "li", "ol", "p",
    "pre", "s", "small", "span", "strong", "sub", "sup", "u", "ul",
}  # fmt: skip
SUMMARY_ATTRIBUTES = {"a": {"href", "title"}, "abbr": {"title"}}


def markdown_html(source: str, params: Params, base: str | None = None) -> Markup:
    """Markdown to HTML (raw HTML escaped), adding UTM to links.

    Headings become bold paragraphs (a "# Title" in a summary must not outrank the email's own
    headings) and pictures never get wider than the column (``width`` for Outlook for Windows, which
    ignores CSS widths). Relative addresses are resolved against ``base`` (RelativeLink without one).
    """
    from markdown_it.token import Token

    if not source.strip():
        return Markup("")
    md = _markdown()
    tokens = md.parse(source)
    # block tokens are a flat list (nesting is open/close pairs); only inline tokens have children
    for index, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close"):
            token.tag = "p"
        if token.type != "inline" or not token.children:
            continue
        for child in token.children:
            if child.type == "link_open":
                child.attrSet("href", add_utm(resolve(str(child.attrGet("href") or ""), base), params))
            elif child.type == "image":
                child.attrSet("src", resolve(str(child.attrGet("src") or ""), base))
                child.attrSet("width", str(CONTENT_WIDTH))  # CSS width:auto wins everywhere but in Word
                child.attrSet("style", "width:auto;max-width:100%;height:auto")
        if index and tokens[index - 1].type == "heading_open":
            token.children = [Token("strong_open", "strong", 1), *token.children, Token("strong_close", "strong", -1)]
    return Markup(md.renderer.render(tokens, md.options, {}).strip())


def clean_html(source: str, params: Params, base: str | None = None) -> Markup:
    """Sanitise HTML again (defence in depth), resolve its links against ``base`` and add UTM to them."""

    def on_attribute(tag: str, attr: str, value: str) -> str:
        return add_utm(resolve(value, base), params) if tag == "a" and attr == "href" else value

    html = nh3.clean(
        source,
        tags=SUMMARY_TAGS,
        attributes=SUMMARY_ATTRIBUTES,
        clean_content_tags={"script", "style"},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
        attribute_filter=on_attribute,
    )
    return Markup(html.strip())


def rich_text(source: str, fmt: str, params: Params, base: str | None = None) -> tuple[Markup, str]:
    """(html, plain text) of a Markdown or HTML text; relative addresses resolved against ``base``."""
    html = clean_html(source, params, base) if fmt == "html" else markdown_html(source, params, base)
    return html, html_to_text(html)


@lru_cache(maxsize=4096)
def summary(source: str, fmt: str, params: Params, base: str | None) -> tuple[Markup, str]:
    """:func:`rich_text`, kept: in memory (the preview server rebuilds the same items again and again) and between runs."""
    if not source.strip():
        return Markup(""), ""
    key = json.dumps([fmt, params, base, source], ensure_ascii=False)
    html, text = _kept().get("summary", key, lambda: list(rich_text(source, fmt, params, base)))
    return Markup(html), text


def save() -> None:
    """Keep the summaries made in this run for the next (a render calls it once it has its context)."""
    _kept().save()


@lru_cache(maxsize=1)
def _kept() -> ResultCache:
    """The summaries of earlier runs, in the render caches' folder (in memory only without one); what shapes a result
    (this module, markdown-it, nh3) is its version: a change of any starts afresh."""
    stamps = [stamp(__file__), stamp("markdown_it"), stamp("nh3")]
    # a summary is far longer than a CSS rule: fewer are kept, so reading them stays quick (a few ms)
    return kept("__bulletin_summaries.json", f"summaries {stamps}", limit=1000)
