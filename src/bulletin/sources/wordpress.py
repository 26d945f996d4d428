"""Posts of a WordPress site through its REST API: those of a date range (and the issue's ``include:``), never the site.

``GET /wp-json/wp/v2/posts`` (or ``/?rest_route=/wp/v2/posts`` on sites without pretty links) with
``after``/``before`` from the period, ``per_page=100``, every page up to ``X-WP-TotalPages``, and
``_embed`` for category/tag names and the featured image. Answers go through the cache
(``.bulletin/cache/``); every bad answer is a SourceError naming the URL.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from .. import web
from ..errors import SourceError, Where
from ..model import Image, Item, WordPressSource
from ..yamlfile import hint
from . import fields
from .cache import Cache
from .feed import clean_html

PER_PAGE = 100  # the REST API's maximum
MAX_PAGES = 20  # 2,000 posts: a period holding more is not one bulletin
EMBED = "wp:term,wp:featuredmedia"
POST_FIELDS = "id,date,link,title,excerpt,_links,_embedded"  # _links and _embedded: needed with _embed
ACCEPT = "application/json"

_CUT_MARK = re.compile(r"\s*\[(?:…|&hellip;|&#8230;|\.\.\.)\]")
# themes end an excerpt with a "Continue reading <span>Title</span>" link (Twenty Seventeen and most others)
_MORE_LINK = re.compile(
    r"<a\b[^>]*(?:class=[\"'][^\"']*more-link[^\"']*[\"'][^>]*>|>\s*(?:Continue reading|Read more)\b).*?</a>",
    re.DOTALL | re.IGNORECASE,
)
_APPEARED_FIRST = re.compile(r"<p>\s*The post .{0,2000}? appeared first on .{0,2000}?</p>", re.DOTALL)
_EMPTY = re.compile(r"<(p|div)\b[^>]*>\s*</\1>")
_SPACES = re.compile(r"[ \t\r\n\f\v]+")  # not the no-break space: it is there on purpose


class Site:
    """One WordPress site's REST API, as this build reaches it (the route form found to work is kept)."""

    def __init__(self, source: WordPressSource, cache: Cache) -> None:
        self.source = source
        self.base = source.url.rstrip("/")
        self.cache = cache
        self.pretty: bool | None = None  # /wp-json/… (True) or ?rest_route=… (False); None: not known yet
        if self.base.lower().startswith("http://"):
            cache.warn(self.base, "plain http: its answers travel unencrypted and could be altered on the way; "
                                  "write https:// if the site has it")

    def endpoint(self, route: str, pretty: bool) -> str:
        """The address of ``route`` (``/wp/v2/posts``) in either form."""
        return f"{self.base}/wp-json{route}" if pretty else f"{self.base}/?rest_route={route}"

    def get(self, route: str, params: dict[str, Any], what: str) -> tuple[Any, dict[str, str]]:
        """The decoded JSON of ``route`` and the answer's headers; ``what`` says which request in messages."""
        forms = [self.pretty] if self.pretty is not None else [True, False]
        failure: SourceError | None = None
        for pretty in forms:
            url = self.endpoint(route, pretty)
            query = urlencode(params, safe=",:/")
            answer = self.cache.get(f"{url}{'&' if '?' in url else '?'}{query}", lambda u: web.get(u, accept=ACCEPT))
            shown = url + what
            if _is_json(answer) or answer.status not in (404, 200) or len(forms) == 1:
                self.pretty = pretty
                return _decode(answer, shown, self), answer.headers
            failure = failure or _bad_answer(answer, shown, self)  # try the other form before saying so
        assert failure is not None
        raise failure

    def category_ids(self, names: Sequence[str], key: str) -> list[int]:
        """The ids of categories given by name (or slug); an unknown one is an error listing the site's."""
        known = self._categories()
        ids = []
        for name in names:
            found = [cid for cid, (label, slug) in known.items() if name.casefold() in (label.casefold(), slug.casefold())]
            if not found:
                labels = sorted({label for label, _slug in known.values()})
                raise SourceError(f"{key}: the site has no category '{name}'{hint(name, labels)}", where=Where(self.base))
            ids.extend(found)
        return ids

    def _categories(self) -> dict[int, tuple[str, str]]:
        out: dict[int, tuple[str, str]] = {}
        page, pages = 1, 1
        while page <= min(pages, MAX_PAGES):
            params = {"per_page": PER_PAGE, "page": page, "_fields": "id,name,slug"}
            data, headers = self.get("/wp/v2/categories", params, f" (categories, page {page})")
            for entry in data if isinstance(data, list) else []:
                if isinstance(entry, dict) and isinstance(entry.get("id"), int):
                    out[entry["id"]] = (html.unescape(str(entry.get("name", ""))), str(entry.get("slug", "")))
            pages = _total_pages(headers)
            page += 1
        return out


def read(source: WordPressSource, *, cache: Cache, start: dt.date | None = None, end: dt.date | None = None,
         include: Sequence[str] = ()) -> list[Item]:
    """The posts published from ``start`` to ``end`` (inclusive, site time), plus those ``include`` links to."""
    site = Site(source, cache)
    params: dict[str, Any] = {}
    if start:
        params["after"] = f"{start - dt.timedelta(days=1)}T23:59:59"  # after and before are exclusive
    if end:
        params["before"] = f"{end + dt.timedelta(days=1)}T00:00:00"
    if source.categories:
        params["categories"] = ",".join(map(str, site.category_ids(source.categories, "categories")))
    if source.exclude_categories:
        params["categories_exclude"] = ",".join(map(str, site.category_ids(source.exclude_categories, "exclude_categories")))
    posts = _pages(site, params, last=MAX_PAGES if (start or end) else 1)
    posts += _included(site, include, {_same(str(post.get("link", ""))) for post in posts})
    return _items(site, posts)


def _pages(site: Site, params: dict[str, Any], last: int) -> list[dict]:
    posts: list[dict] = []
    page, pages = 1, 1
    while page <= pages:
        query = {**params, "per_page": PER_PAGE, "page": page, "_embed": EMBED, "_fields": POST_FIELDS}
        data, headers = site.get("/wp/v2/posts", query, f" (page {page})" if page > 1 else "")
        posts.extend(_post_list(data, site.endpoint("/wp/v2/posts", bool(site.pretty))))
        pages = _total_pages(headers)
        if pages > last and last > 1:
            raise SourceError(
                f"{site.base}: more than {last * PER_PAGE:,} posts in the period ({headers.get('x-wp-total', '?')}): "
                "choose a shorter period, or name categories (source: {wordpress: …, categories: [News]})"
            )
        pages = min(pages, last)
        page += 1
    return posts


def _included(site: Site, include: Sequence[str], have: set[str]) -> list[dict]:
    """The posts of the site that ``include:`` names by their link and the period did not bring."""
    host = urlsplit(site.base).netloc.lower().removeprefix("www.")
    slugs, ids, wanted = [], [], set()
    for link in include:
        parts = urlsplit(link.strip())
        if parts.scheme not in ("http", "https") or parts.netloc.lower().removeprefix("www.") != host or _same(link) in have:
            continue
        wanted.add(_same(link))
        number = parse_qs(parts.query).get("p", [""])[0]
        if number.isdigit():  # a plain permalink: https://example.org/?p=123
            ids.append(number)
        elif parts.path.strip("/"):
            slugs.append(unquote(parts.path.strip("/").rsplit("/", 1)[-1]))
    posts: list[dict] = []
    for key, values in (("slug", slugs), ("include", ids)):
        if values:
            query = {key: ",".join(values), "per_page": PER_PAGE, "_embed": EMBED, "_fields": POST_FIELDS}
            data, _headers = site.get("/wp/v2/posts", query, " (posts named by include:)")
            found = _post_list(data, site.endpoint("/wp/v2/posts", bool(site.pretty)))
            posts += [post for post in found if _same(str(post.get("link", ""))) in wanted or key == "include"]
    return posts


def _items(site: Site, posts: list[dict]) -> list[Item]:
    def readings() -> Iterator[tuple[str, tuple[dict[str, Any], list[str]]]]:
        seen: set[Any] = set()
        for post in posts:
            if post.get("id") in seen:
                continue  # the same post on two pages (one was published while we paged)
            seen.add(post.get("id"))
            yield f"{site.base} post {post.get('id', '?')}", _post(post)

    return fields.html_items(readings(), f"Posts of {site.base} that cannot be used")


def _post(post: dict) -> tuple[dict[str, Any], list[str]]:
    values: dict[str, Any] = {}
    found: list[str] = []
    try:
        values["date"] = dt.date.fromisoformat(str(post.get("date", ""))[:10])  # the site's own time: its day
    except ValueError:
        found.append(f"date: expected a date like 2021-06-10T09:30:00, got {fields.show(post.get('date'))}")
    title = plain_text(_rendered(post.get("title")))
    if title:
        values["title"] = title
    else:
        found.append("title: the post has no title; give it one in WordPress, or add its link to the issue's exclude:")
    try:
        values["url"] = fields.as_url(post.get("link"))
    except fields.Invalid as exc:
        found.append(f"link: {exc}")
    embedded: dict[str, Any] = post["_embedded"] if isinstance(post.get("_embedded"), dict) else {}
    terms = [t for group in embedded.get("wp:term") or [] if isinstance(group, list) for t in group if isinstance(t, dict)]
    names = (html.unescape(str(t.get("name") or "")).strip() for t in sorted(terms, key=lambda t: t.get("taxonomy") != "category"))
    values["tags"] = fields.as_tags([name for name in names if name])
    values["summary"] = excerpt(_rendered(post.get("excerpt")))
    image = _image(embedded.get("wp:featuredmedia"), title)
    if image:
        values["image"] = image
    return values, found


def excerpt(text: str) -> str:
    """An excerpt's HTML, sanitised, without WordPress's "[…]", "Continue reading" link and "The post … appeared first"."""
    text = _APPEARED_FIRST.sub("", _MORE_LINK.sub("", text))
    text = _CUT_MARK.sub("…", text)
    return fields.visible(_EMPTY.sub("", clean_html(text))).strip()


def plain_text(text: str) -> str:
    """A rendered title as plain text: tags dropped, entities decoded, spaces collapsed; no-break spaces kept."""
    import nh3

    stripped = nh3.clean(text, tags=set(), clean_content_tags={"script", "style"})
    # nh3 re-escapes what it keeps ('&' as '&amp;'): one decoding gives the text
    return fields.visible(_SPACES.sub(" ", html.unescape(stripped)).strip(" \t\r\n"))


def _image(media: Any, title: str) -> Image | None:
    first = media[0] if isinstance(media, list) and media and isinstance(media[0], dict) else None
    if first is None or "source_url" not in first:  # none, or a private one (rest_forbidden)
        return None
    try:
        src = fields.as_url(first["source_url"])
    except fields.Invalid:
        return None
    details: dict[str, Any] = first["media_details"] if isinstance(first.get("media_details"), dict) else {}
    size = [value if isinstance(value, int) and value > 0 else None for value in (details.get("width"), details.get("height"))]
    alt = " ".join(str(first.get("alt_text") or "").split()) or title  # no alt text in the media library: the title
    return Image(src=src, alt=alt, width=size[0], height=size[1])


def _rendered(value: Any) -> str:
    return str(value.get("rendered") or "") if isinstance(value, dict) else ""


def _same(link: str) -> str:
    parts = urlsplit(link.strip())
    return f"{parts.netloc.lower().removeprefix('www.')}{parts.path.rstrip('/')}?{parts.query}"


def _total_pages(headers: dict[str, str]) -> int:
    try:
        return max(int(headers.get("x-wp-totalpages", "1")), 1)
    except ValueError:
        return 1


def _post_list(data: Any, url: str) -> list[dict]:
    if not isinstance(data, list) or not all(isinstance(post, dict) for post in data):
        raise SourceError("the answer is not a list of posts; is this the address of a WordPress site?", where=Where(url))
    return data


def _is_json(answer: web.Answer) -> bool:
    return answer.content_type.endswith("json") or answer.body.lstrip()[:1] in (b"[", b"{")


def _decode(answer: web.Answer, url: str, site: Site) -> Any:
    if answer.status != 200:
        raise _bad_answer(answer, url, site)
    if not _is_json(answer):
        raise _bad_answer(answer, url, site)
    try:
        return json.loads(answer.body.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise SourceError(f"the answer is not valid JSON (not UTF-8 text at byte {exc.start})", where=Where(url)) from None
    except json.JSONDecodeError as exc:
        start = answer.body[:60].decode("utf-8", "replace")
        raise SourceError(
            f"{url}: the answer is not valid JSON ({exc.msg}, line {exc.lineno} column {exc.colno}); it starts with {start!r} "
            "(a plugin printing warnings into it? ask the site's administrator)"
        ) from None


def _bad_answer(answer: web.Answer, url: str, site: Site) -> SourceError:
    said = _wp_message(answer)
    feed = f"its feed (source: {site.base}/feed/) or a CSV export of its posts"
    if answer.status in (401, 403):
        return SourceError(
            f"{url}: the site refuses access (HTTP {answer.status}{said}): its REST API is private or blocked "
            f"(a security plugin?); ask the site's administrator to allow it, or use {feed}"
        )
    if answer.status == 404:
        return SourceError(f"not found (HTTP 404{said}): {site.base} is not a WordPress site, or its REST API "
                           f"is turned off; use {feed}", where=Where(url))
    if answer.status != 200:
        return SourceError(f"the site answered HTTP {answer.status}{said}", where=Where(url))
    return SourceError(
        f"{url}: the answer is a web page (HTML), not the REST API's JSON: the site is not WordPress, or a security "
        f"plugin or firewall shows programs a check page (ask the site's administrator to allow /wp-json/); or use {feed}"
    )


def _wp_message(answer: web.Answer) -> str:
    """WordPress's own error message (``{"code": …, "message": …}``), as ``: message (code)``."""
    try:
        data = json.loads(answer.body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return ""
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return f": {plain_text(data['message'])} ({data.get('code', '?')})"
    return ""


_API_LINK = re.compile(r"<([^>]+)>\s*;\s*rel=\"?https://api\.w\.org/\"?")
_API_TAG = re.compile(r"<link\b[^>]*rel=[\"']https://api\.w\.org/[\"'][^>]*>", re.IGNORECASE)
_HREF = re.compile(r"href=[\"']([^\"']+)[\"']", re.IGNORECASE)


def discover(website: str, *, deadline: float = 10.0) -> tuple[str | None, str]:
    """Ask ``website`` whether it is WordPress, as its REST API documents (the ``rel="https://api.w.org/"`` link).

    Returns the site's address for ``source: {wordpress: …}`` (None when it is not WordPress) and what was found.
    """
    try:
        answer = web.get(website, accept="text/html", deadline=deadline, max_bytes=2 * 1024 * 1024)
    except SourceError as exc:
        return None, str(exc)
    link = _API_LINK.search(answer.headers.get("link", ""))
    tag = _API_TAG.search(answer.body[:512 * 1024].decode("utf-8", "replace"))
    href = _HREF.search(tag.group(0)) if tag else None
    root = link.group(1) if link else href.group(1) if href else None
    if root is None:
        return None, f"{website} does not announce a WordPress REST API (HTTP {answer.status})"
    root = html.unescape(root)
    base = root.split("/wp-json", 1)[0] if "/wp-json" in root else root.split("?rest_route=", 1)[0]
    return base.rstrip("/") or website.rstrip("/"), f"{website} is a WordPress site (REST API at {root})"
