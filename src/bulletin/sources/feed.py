"""RSS 2.0 and Atom feeds, from a file or a URL; summaries are sanitised HTML."""

from __future__ import annotations

import datetime as dt
import email.utils
import html
import io
import re
import urllib.error
import urllib.request
import zlib
from pathlib import Path
from typing import Any

from .. import web
from ..config import display_path
from ..errors import SourceError, Where
from ..model import Image, Item
from ..spacing import one_line, trim
from . import Fetch, fields

TIMEOUT = 20  # seconds for the whole download (connect, ask, read)
MAX_BYTES = 20 * 1024 * 1024  # a feed bigger than this is not a news feed
SUMMARY_TAGS = {"p", "a", "em", "strong", "b", "i", "ul", "ol", "li", "br"}
# WordPress (Yoast) ends each feed excerpt with "The post <a>X</a> appeared first on <a>Site</a>."
# and cuts it with "[…]": neither belongs in a newsletter, whose "Read more" link follows.
_IN_PARAGRAPH = r"(?:(?!</?p>).){0,2000}?"
_APPEARED_FIRST = re.compile(rf"\s*<p>The post {_IN_PARAGRAPH} appeared first on {_IN_PARAGRAPH}</p>\s*$", re.DOTALL)
_CUT_MARK = re.compile(r"\s*\[(?:…|&#8230;|\.\.\.)\]")


def read(source: str | Path, *, root: Path, fetch: Fetch | None = None) -> list[Item]:
    """Read a feed from a URL (``str`` starting with http) or a file (``Path``)."""
    if isinstance(source, str) and source.lower().startswith(("http://", "https://")):
        return parse(download(source, fetch), name=source, base=source)
    path = Path(source) if isinstance(source, str) else source
    path = path if path.is_absolute() else root / path
    name = display_path(path, root)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}", where=Where(name)) from None
    return parse(data, name=name)


def download(url: str, fetch: Fetch | None = None) -> bytes:
    """The feed's bytes; any network failure becomes a SourceError naming the URL."""
    try:
        return (fetch or fetch_url)(url)
    except SourceError:
        raise
    except urllib.error.HTTPError as exc:
        exc.close()  # it holds the open response
        if "infinite loop" in str(exc.reason):  # urllib's reason runs over three lines
            raise SourceError(
                f"{url}: cannot fetch the feed: HTTP {exc.code}: it redirects in a loop (the server sends it back to itself)"
            ) from None
        raise SourceError(f"cannot fetch the feed: HTTP {exc.code} {exc.reason}", where=Where(url)) from None
    except urllib.error.URLError as exc:
        raise SourceError(f"cannot fetch the feed: {exc.reason}", where=Where(url)) from None
    except TimeoutError:  # a read timing out, or the whole download overrunning (web.DeadlineExceeded)
        raise SourceError(f"cannot fetch the feed: no complete answer within {TIMEOUT} s", where=Where(url)) from None
    except (OSError, ValueError) as exc:
        raise SourceError(f"cannot fetch the feed: {exc}", where=Where(url)) from None


def fetch_url(url: str) -> bytes:
    """GET ``url`` within TIMEOUT seconds altogether, with an honest User-Agent (some hosts refuse Python's default)."""
    accept = "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*;q=0.5"
    request = urllib.request.Request(url, headers={"User-Agent": web.user_agent(), "Accept": accept})
    with web.deadline(TIMEOUT), web.opener().open(request, timeout=TIMEOUT) as response:
        data: bytes = response.read(MAX_BYTES + 1)
        encoding = (response.headers.get("Content-Encoding") or "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):  # not asked for, but some caching plugins send it anyway
        data = _decompress(data, url)
    if len(data) > MAX_BYTES:
        raise SourceError(f"the feed is larger than {MAX_BYTES // (1024 * 1024)} MB", where=Where(url))
    return data


def _decompress(data: bytes, url: str) -> bytes:
    """A gzip or zlib body, unpacked to at most MAX_BYTES + 1 bytes; a body that is not compressed is kept."""
    try:
        return zlib.decompressobj(wbits=zlib.MAX_WBITS | 32).decompress(data, MAX_BYTES + 1)  # | 32: gzip or zlib
    except zlib.error:
        try:
            return zlib.decompressobj(wbits=-zlib.MAX_WBITS).decompress(data, MAX_BYTES + 1)  # raw deflate
        except zlib.error:
            return data  # the header was wrong, not the body


def parse(data: bytes, *, name: str, base: str | None = None) -> list[Item]:
    """Turn feed bytes into items; ``name`` is how messages refer to the feed."""
    import feedparser  # slow to import, and most builds read no feed

    # a stream, not bytes: feedparser would first try the bytes as a file name
    headers = {"content-location": base} if base else None  # base for relative links in summaries
    # nh3 sanitises below (clean_html, plain_text); feedparser's own sanitiser would keep the text of what it drops
    # (a whole page as description, as Mailchimp's archive feed has, would start with the page's <title>)
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers, sanitize_html=False)
    if not parsed.entries and not parsed.get("version"):
        # feedparser reads a web page or an empty file as a feed with no entries: that is no feed at all
        raise SourceError(f"not a readable RSS or Atom feed: {_not_a_feed(data, parsed)}", where=Where(name))
    if parsed.get("bozo") and not parsed.entries:
        raise SourceError(f"not a readable RSS or Atom feed: {_xml_problem(parsed)}", where=Where(name))
    readings = ((f"{name} entry {number}", _entry(entry)) for number, entry in enumerate(parsed.entries, start=1))
    return fields.html_items(readings, f"Invalid items in {name}")


def _not_a_feed(data: bytes, parsed: Any) -> str:
    head = data[:4096].lstrip().lower()
    if not head:
        return "it is empty"
    if head.startswith((b"<!doctype html", b"<html")) or b"<html" in head:
        return "it is a web page (HTML); give the address of the site's RSS or Atom feed instead"
    if parsed.get("bozo"):
        return _xml_problem(parsed)
    return "it has no <rss> or <feed> element"


def _xml_problem(parsed: Any) -> str:
    # the XML parser names no file: "<unknown>:2:0: syntax error" -> "line 2: syntax error"
    return re.sub(r"^<unknown>:(\d+):\d+: ", r"line \1: ", str(parsed.get("bozo_exception")))


def _entry(entry: Any) -> tuple[dict[str, Any], list[str]]:
    found: list[str] = []
    values: dict[str, Any] = {}
    # plain dict lookups: feedparser's own maps "updated" to "published" with a DeprecationWarning
    raw = dict.get(entry, "published") or dict.get(entry, "updated")
    stamp = dict.get(entry, "published_parsed") or dict.get(entry, "updated_parsed")
    day = _local_date(raw)  # also reads an RFC 822 date without its zone, which feedparser gives up on
    if day:
        values["date"] = day
    elif stamp:
        values["date"] = dt.date(stamp.tm_year, stamp.tm_mon, stamp.tm_mday)
    elif raw:
        found.append(f"date: expected a date, got {fields.show(raw)}")
    else:
        found.append("date: required (the entry has no published or updated date)")
    title = fields.visible(plain_text(entry.get("title") or ""))  # a feed that is not quite XML may carry &#1;
    if title:
        values["title"] = title
    else:
        found.append("title: required")
    link = entry.get("link")
    try:
        values["url"] = fields.as_url(link)
    except fields.Invalid as exc:
        found.append(f"url: {exc}" if link else "url: required (the entry has no link)")
    terms = ((tag.get("term") or "").strip() for tag in entry.get("tags", []))
    values["tags"] = tuple(dict.fromkeys(term for term in terms if term))
    content = entry.get("content") or []
    body = entry.get("summary") or (content[0].get("value") if content else "") or ""
    values["summary"] = fields.visible(_CUT_MARK.sub("…", _APPEARED_FIRST.sub("", clean_html(body))))
    src = _image(entry)
    if src:
        values["image"] = Image(src=src, alt=title)
    return values, found


def clean_html(text: str) -> str:
    """Keep only basic formatting and links; scripts and styles go with their content."""
    import nh3

    cleaned = nh3.clean(
        text,
        tags=SUMMARY_TAGS,
        # a description may be a whole page (Mailchimp's archive feed): its <title> is not part of the summary
        clean_content_tags={"script", "style", "title", "noscript", "template"},
        attributes={"a": {"href"}},
        url_schemes={"http", "https", "mailto"},
        link_rel=None,
    )
    return trim(cleaned)


def plain_text(text: str) -> str:
    """A title as plain text: tags dropped, entities decoded, ordinary whitespace collapsed (no-break spaces kept)."""
    import nh3

    # feedparser has decoded entities already; nh3 strips any tags and re-escapes, so decode once more
    return one_line(html.unescape(nh3.clean(text, tags=set(), clean_content_tags={"script", "style"})))


def _local_date(raw: str | None) -> dt.date | None:
    """The day as the publisher wrote it; feedparser's parsed time is UTC, a day off late at night."""
    if not raw:
        return None
    try:
        return email.utils.parsedate_to_datetime(raw).date()  # RSS: RFC 822
    except (TypeError, ValueError, IndexError):
        pass
    try:
        return dt.datetime.fromisoformat(raw.strip()).date()  # Atom: RFC 3339
    except ValueError:
        return None


def _image(entry: Any) -> str | None:
    candidates = [m for m in entry.get("media_content", []) if _is_image(m.get("type"), m.get("medium"))]
    candidates += entry.get("media_thumbnail", [])
    candidates += [{"url": e.get("href")} for e in entry.get("enclosures", []) if _is_image(e.get("type"), None)]
    for candidate in candidates:
        try:
            return fields.as_url(candidate.get("url"))
        except fields.Invalid:
            continue  # a feed's broken picture is not worth failing the build for
    return None


def _is_image(mime: str | None, medium: str | None) -> bool:
    return (mime or "").startswith("image/") or medium == "image"

