"""The web edition of an issue: the email's look, made for a public page.

The same theme templates render it with ``web`` true (see bulletin.render.context): merge tags give
their neutral fallback, there is no unsubscribe link, no UTM and no "View in browser" link to itself.
Then this module adds what a shared link needs in ``<head>``: description, canonical address, Open Graph
and Twitter card, and the feed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..build import BuildResult
from ..errors import ConfigError, RenderError
from ..model import Project
from ..render import HTML_TEMPLATE, render_issue, template_line_of
from ..render.context import MERGE_TAG, archive_url, issue_url, site_url
from ..render.jinja import template_origin

FEED_FILE = "feed.xml"
ARCHIVE_FILE = "index.html"
PAGE_FILE = "index.html"
_SENDGRID_TAG = re.compile(r"<%[^<>%]*%>|\[%[^\[\]%]*%\]")
_HEAD_END = re.compile(r"</head\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class SiteUrls:
    """Where the site folder, its archive and its feed are served."""

    site: str  # site/ (ends with /)
    archive: str  # site/index.html, or archive_url
    feed: str  # site/feed.xml

    def issue(self, project: Project, slug: str) -> str:
        """An issue's web edition (web_url with the slug)."""
        return issue_url(project, slug) or f"{self.site}{slug}/"


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


def web_edition(result: BuildResult, urls: SiteUrls) -> str:
    """The web edition's HTML (site/<slug>/index.html)."""
    project, spec = result.project, result.spec
    rendered = render_issue(project, spec, result.selection, web=True)
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


def head_tags(result: BuildResult, urls: SiteUrls) -> str:
    """description, canonical, Open Graph, Twitter card and the feed link of an issue's page."""
    project, spec = result.project, result.spec
    url = urls.issue(project, spec.slug)
    description = spec.preheader or spec.subject
    image = featured_image(result)
    site_name = project.sender.name or project.organisation.name
    tags = [
        ("meta", {"name": "description", "content": description}),
        ("link", {"rel": "canonical", "href": url}),
        ("link", {"rel": "alternate", "type": "application/atom+xml", "title": site_name, "href": f"../{FEED_FILE}"}),
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
    return "".join(
        Markup("<{}{}>").format(name, Markup("").join(Markup(' {}="{}"').format(k, v) for k, v in attrs.items()))
        for name, attrs in tags
    )


def add_to_head(html: str, tags: str) -> str:
    """Insert ``tags`` at the end of ``<head>``."""
    end = _HEAD_END.search(html)
    if end is None:
        raise RenderError("the web edition has no <head>: its template must produce a whole HTML page (an <mjml> document)")
    return html[: end.start()] + tags + html[end.start():]
