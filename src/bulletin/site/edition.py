"""The web edition of an issue: the email's look, made for a public page.

The same theme templates render it with ``web`` true (see bulletin.render.context): merge tags give
their neutral fallback, there is no unsubscribe link, no UTM and no "View in browser" link to itself.
Then this module adds what a shared link needs in ``<head>``: description, canonical address, Open Graph
and Twitter card, and the feed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from markupsafe import Markup, escape

from ..build import BuildResult, Edition, render_editions
from ..errors import ConfigError, RenderError
from ..languages import display_name
from ..model import Project
from ..render import HTML_TEMPLATE, Rendered, render_issue, template_line_of
from ..render.context import MERGE_TAG, archive_url, issue_url, site_url
from ..render.jinja import template_origin

FEED_FILE = "feed.xml"
ARCHIVE_FILE = "index.html"
PAGE_FILE = "index.html"
_SENDGRID_TAG = re.compile(r"<%[^<>%]*%>|\[%[^\[\]%]*%\]")
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)
_BODY_START = re.compile(r"<body\b[^>]*>", re.IGNORECASE)


@dataclass(frozen=True)
class SiteUrls:
    """Where the site folder, its archive and its feed are served."""

    site: str  # site/ (ends with /)
    archive: str  # site/index.html, or archive_url
    feed: str  # site/feed.xml

    def issue(self, project: Project, slug: str, lang: str | None = None) -> str:
        """An issue's web edition (web_url with the slug); ``lang``: that language's page (…/<slug>/fr/)."""
        folder = f"{lang}/" if lang and lang in project.languages[1:] else ""
        return issue_url(project, slug, lang) or f"{self.site}{slug}/{folder}"


def site_urls(project: Project) -> SiteUrls:
    """The site's addresses; an error when ``web_url`` cannot tell them."""
    if not project.web_url:
        raise ConfigError(
            "bulletin.yaml: web_url is not set, so nobody would know where the web edition is: add the address "
            "where site/<slug>/ will be served, e.g. web_url: \"https://example.org/bulletin/{slug}/\""
        )
    after = project.web_url.split("{slug}", 1)[1]
    if after not in ("/", "/index.html"):
        raise ConfigError(
            f"bulletin.yaml: web_url '{project.web_url}' must end with {{slug}}/ to publish (each issue is the "
            "folder site/<slug>/ on the website), e.g. https://example.org/bulletin/{slug}/"
        )
    site = site_url(project) or ""
    return SiteUrls(site=site, archive=archive_url(project) or site, feed=f"{site}{FEED_FILE}")


def featured_image(result: BuildResult) -> str | None:
    """The picture a shared link shows: the featured item's, else the first item's (absolute http(s) only)."""
    for item in result.selection.items:
        if item.image and item.image.src.startswith(("https://", "http://")):
            return item.image.src
    return None


def web_edition(result: BuildResult, urls: SiteUrls, *, rendered: Rendered | None = None) -> str:
    """The web edition's HTML (site/<slug>/index.html); ``rendered``: the issue as already rendered with ``web``."""
    project, spec = result.project, result.spec
    rendered = rendered or render_issue(project, spec, result.selection, web=True)
    fallbacks = {**{k.lower(): v for k, v in project.merge_fallbacks.items()}, **rendered.merge_fields}
    # a merge tag typed straight into a template (not through merge()) gets its neutral value too
    html = MERGE_TAG.sub(lambda m: str(escape(fallbacks.get(m.group(1).lower(), ""))), rendered.html)
    tag = _SENDGRID_TAG.search(html)
    if tag:
        origin = template_line_of(project, spec, result.selection, tag.group(0), web=True) or \
            template_origin(project, spec.template or "default", HTML_TEMPLATE)
        raise RenderError(
            f"{origin}: the web edition would show SendGrid's {tag.group(0)}, a personal link that only works in an "
            "email: put it inside {% if not web %} … {% endif %} (as the built-in theme's _footer.mjml.j2 does)"
        )
    return add_to_head(html, head_tags(result, urls))


def web_editions(result: BuildResult, urls: SiteUrls) -> dict[str, str]:
    """Every language's web edition by its folder under site/<slug>/ ("" the default language's, "fr", …); with
    several, each page links to the others (a line of language names, ``hreflang`` alternates in its head)."""
    if len(result.editions) <= 1:
        return {"": web_edition(result, urls)}
    project, spec = result.project, result.spec
    editions = render_editions(project, spec, result.selection, web=True)
    pages = {}
    for lang, edition in editions.items():
        view = replace(result, spec=edition.spec, selection=edition.selection, rendered=edition.rendered)
        html = web_edition(view, urls, rendered=edition.rendered)
        alternates = [("link", {"rel": "alternate", "hreflang": other, "href": urls.issue(project, spec.slug, other)})
                      for other in editions]
        alternates.append(("link", {"rel": "alternate", "hreflang": "x-default", "href": urls.issue(project, spec.slug)}))
        pages[edition.folder] = add_to_body(add_to_head(html, _tags(alternates)), language_links(list(editions), lang, editions))
    return pages


def language_links(langs: list[str], current: str, editions: dict[str, Edition]) -> str:
    """The line of language names atop a web edition: the others link to their page (relative: the site works from
    any folder), the current one is marked; each name in its own language."""
    default = langs[0]
    up = "../" if current != default else ""
    parts = []
    for lang in langs:
        name = display_name(lang)
        if lang == current:
            parts.append(Markup('<strong lang="{}" aria-current="page">{}</strong>').format(lang, name))
        else:
            href = f"{up}{editions[lang].folder}/" if editions[lang].folder else (up or "./")
            parts.append(Markup('<a href="{}" hreflang="{}" lang="{}" style="color:inherit">{}</a>').format(href, lang, lang, name))
    return str(Markup('<nav class="bulletin-languages" style="{}">{}</nav>').format(
        "max-width:600px;margin:0 auto;padding:8px 16px;font:14px/1.5 Arial,Helvetica,sans-serif;text-align:center;color:#374151",
        Markup(" · ").join(parts)))


def head_tags(result: BuildResult, urls: SiteUrls) -> str:
    """description, canonical, Open Graph, Twitter card and the feed link of an issue's page."""
    project, spec = result.project, result.spec
    url = urls.issue(project, spec.slug, spec.lang)
    feed = f"../../{FEED_FILE}" if spec.lang in project.languages[1:] else f"../{FEED_FILE}"  # from site/<slug>/fr/
    description = spec.preheader or spec.subject
    image = featured_image(result)
    site_name = project.sender.name or project.organisation.name
    tags = [
        ("meta", {"name": "description", "content": description}),
        ("link", {"rel": "canonical", "href": url}),
        ("link", {"rel": "alternate", "type": "application/atom+xml", "title": site_name, "href": feed}),
        ("meta", {"property": "og:type", "content": "article"}),
        ("meta", {"property": "og:site_name", "content": site_name}),
        ("meta", {"property": "og:title", "content": spec.title}),
        ("meta", {"property": "og:description", "content": description}),
        ("meta", {"property": "og:url", "content": url}),
        *([("meta", {"property": "og:image", "content": image})] if image else []),
        ("meta", {"name": "twitter:card", "content": "summary_large_image" if image else "summary"}),
        ("meta", {"name": "twitter:title", "content": spec.title}),
        ("meta", {"name": "twitter:description", "content": description}),
        *([("meta", {"name": "twitter:image", "content": image})] if image else []),
    ]
    return _tags(tags)


def _tags(tags: list[tuple[str, dict[str, str]]]) -> str:
    return "".join(
        Markup("<{}{}>").format(name, Markup("").join(Markup(' {}="{}"').format(k, v) for k, v in attrs.items()))
        for name, attrs in tags
    )


def add_to_body(html: str, block: str) -> str:
    """Insert ``block`` at the start of ``<body>``."""
    start = _BODY_START.search(html)
    if start is None:
        raise RenderError("the web edition has no <body>: its template must produce a whole HTML page (an <mjml> document)")
    return html[: start.end()] + block + html[start.end():]


def add_to_head(html: str, tags: str) -> str:
    """Insert ``tags`` at the end of ``<head>``."""
    end = _HEAD_END.search(html)
    if end is None:
        raise RenderError("the web edition has no <head>: its template must produce a whole HTML page (an <mjml> document)")
    return html[: end.start()] + tags + html[end.start():]
