"""The archive page (site/index.html) and the Atom feed (site/feed.xml) of the published issues.

Both are made from the published records only (:mod:`bulletin.site.state`), newest issue first, and
from nothing that changes by itself, so the same records give the same bytes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from lxml import etree
from markupsafe import Markup

from ..catalogue import messages
from ..config import display_path
from ..errors import BulletinError
from ..ledger import Ledger, ledger_path
from ..model import Project
from ..render.brand import brand_view
from ..render.context import OrgView, date_label, text_direction
from ..render.jinja import render_template
from .edition import FEED_FILE, PAGE_FILE, SiteUrls
from .state import Publication, SiteState

ARCHIVE_TEMPLATE = "archive.html.j2"
ATOM = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
NOT_SENT = ("outbox",)  # transports that write files instead of mailing anyone


@dataclass(frozen=True)
class ArchiveEntry:
    """One issue as the archive page lists it."""

    slug: str
    title: str
    period_label: str
    date: dt.date
    date_label: str
    date_kind: str  # "Sent" or "Published", in the site's language ("Envoyé le")
    preheader: str
    href: str  # relative to site/index.html
    pdf_href: str | None


def newest_first(state: SiteState) -> list[Publication]:
    """The published issues, the latest period first (an old issue published late stays in its place)."""
    return sorted(state.issues.values(), key=lambda p: (p.period_end, p.period_start, p.slug), reverse=True)


def sent_dates(project: Project, now: dt.datetime) -> dict[str, dt.datetime]:
    """When each issue was first really mailed to a list (by the ledger), in UTC."""
    path = ledger_path(project.root, project.state_dir)
    if not path.exists():
        return {}
    out: dict[str, dt.datetime] = {}
    with Ledger(path, shown=display_path(path, Path(project.root))) as ledger:
        for dispatch in ledger.dispatches():
            if dispatch.kind != "real" or dispatch.transport in NOT_SENT or dispatch.state not in ("done", "incomplete", "sending"):
                continue
            when = _utc(dispatch.send_at or dispatch.created)
            if when <= now and (dispatch.slug not in out or when < out[dispatch.slug]):
                out[dispatch.slug] = when
    return out


def archive_html(project: Project, state: SiteState, urls: SiteUrls, sent: dict[str, dt.datetime], pdf_name: str) -> str:
    """The archive page, from the theme's archive.html.j2."""
    zone = ZoneInfo(project.timezone)
    lang = project.lang
    texts = messages(lang, project.messages)
    entries = []
    for record in newest_first(state):
        kind, when = (texts["sent"], sent[record.slug]) if record.slug in sent else (texts["published"], _utc(record.published))
        day = when.astimezone(zone).date()
        entries.append(ArchiveEntry(
            slug=record.slug, title=record.title, period_label=record.period_label, date=day, date_label=date_label(day, lang),
            date_kind=kind, preheader=record.preheader, href=f"{record.slug}/{PAGE_FILE}",
            pdf_href=f"{record.slug}/{pdf_name.format(slug=record.slug)}" if record.pdf_hash else None,
        ))
    org = project.organisation
    context = {
        "site": {
            "title": site_title(project), "lang": lang, "dir": text_direction(lang), "url": urls.archive, "feed": FEED_FILE,
            "subscribe_url": project.subscribe_url,
        },
        "messages": texts,
        "org": OrgView(
            name=org.name, address=org.address, website=org.website,
            address_lines=[line.strip() for line in org.address.splitlines() if line.strip()],
        ),
        "brand": brand_view(project.brand),
        "issues": entries,
    }
    return render_template(project, "default", ARCHIVE_TEMPLATE, context)


def site_title(project: Project) -> str:
    """The bulletin's name: the sender's name (e.g. "ESNF Bulletin"), else "<organisation> bulletin"."""
    return project.sender.name or f"{project.organisation.name} bulletin"


def feed_xml(project: Project, state: SiteState, urls: SiteUrls) -> bytes:
    """The Atom feed (RFC 4287): one entry per published issue, newest first."""
    records = newest_first(state)
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})  # None: the default namespace
    feed.set(XML_LANG, project.lang)
    _text(feed, "id", urls.archive)
    _text(feed, "title", site_title(project))
    updated = max([r.updated for r in records] + ([state.changed] if state.changed else []), default=None)
    _text(feed, "updated", _stamp(updated or "1970-01-01T00:00:00+00:00"))
    _link(feed, "self", urls.feed, "application/atom+xml")
    _link(feed, "alternate", urls.archive, "text/html")
    author = etree.SubElement(feed, f"{{{ATOM}}}author")
    _text(author, "name", project.organisation.name)
    if project.organisation.website:
        _text(author, "uri", project.organisation.website)
    _text(feed, "generator", "bulletin")
    for record in records:
        entry = etree.SubElement(feed, f"{{{ATOM}}}entry")
        _text(entry, "id", entry_id(urls, record))
        _text(entry, "title", record.title)
        _text(entry, "published", _stamp(record.published))
        _text(entry, "updated", _stamp(record.updated))
        _link(entry, "alternate", urls.issue(project, record.slug), "text/html")
        if record.preheader:
            _text(entry, "summary", record.preheader)
        _text(entry, "content", entry_content(record)).set("type", "html")
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


def entry_id(urls: SiteUrls, record: Publication) -> str:
    """A permanent id (RFC 4151 tag URI): the site's host, the day it was first published, the slug."""
    host = urlsplit(urls.site).hostname or "localhost"
    return f"tag:{host},{record.published[:10]}:{record.slug}"


def entry_content(record: Publication) -> str:
    """The issue's sections and item titles with their links, as HTML."""
    parts = [Markup("<p>{}</p>").format(record.preheader)] if record.preheader else []
    for section in record.sections:
        links = Markup("").join(Markup('<li><a href="{}">{}</a></li>').format(i.url, i.title) for i in section.items)
        parts.append(Markup("<h2>{}</h2><ul>{}</ul>").format(section.title, links))
    return str(Markup("\n").join(parts))


def _text(parent: etree._Element, name: str, text: str) -> etree._Element:
    element = etree.SubElement(parent, f"{{{ATOM}}}{name}")
    element.text = text
    return element


def _link(parent: etree._Element, rel: str, href: str, kind: str) -> None:
    etree.SubElement(parent, f"{{{ATOM}}}link", rel=rel, type=kind, href=href)


def _utc(stamp: str) -> dt.datetime:
    try:
        when = dt.datetime.fromisoformat(stamp)
    except ValueError:
        raise BulletinError(f"a date in the records is not readable: '{stamp}'") from None
    return when.replace(tzinfo=dt.UTC) if when.tzinfo is None else when.astimezone(dt.UTC)


def _stamp(stamp: str) -> str:
    """RFC 3339 in UTC, like 2021-07-05T07:00:00Z."""
    return _utc(stamp).strftime("%Y-%m-%dT%H:%M:%SZ")
