"""A fake WordPress site on 127.0.0.1: the REST API's posts and categories routes, validated as WordPress documents them.

    with FakeWordPress(posts=sample_posts()) as wp:     # wp.url
        ... source: {wordpress: wp.url} ...
        assert wp.count("/wp/v2/posts") == 3           # requests to a route (either form)
        assert not wp.invalid                          # no request WordPress would refuse or ignore

Routes (https://developer.wordpress.org/rest-api/reference/posts/#list-posts): ``/wp-json/wp/v2/posts`` and
``/?rest_route=/wp/v2/posts`` (``pretty=False``: only the latter, /wp-json/ is the web server's 404 page, as on
a site without pretty permalinks), ``…/wp/v2/categories``, and ``/`` (the home page, with the API's
``Link: <…>; rel="https://api.w.org/"`` header). Arguments are checked like WordPress: ``per_page`` 1 to
100, ``page`` ≥ 1 and not beyond the last page (400 ``rest_post_invalid_page_number``), ``after``/``before``
ISO 8601 date-times (400 ``rest_invalid_param``), lists of ids; an argument the route does not have is
recorded in ``invalid`` (WordPress ignores it silently: a bug in the client). ``_embed`` adds ``wp:term``
and ``wp:featuredmedia``; ``_fields`` keeps only the fields named (``_embedded`` only when named).

Faults for every request after ``fault(kind)``: "401", "403" (JSON errors as WordPress sends them), "404"
(an HTML page), "html" (200 with a security plugin's check page), "badjson", "huge" (``size`` bytes of JSON),
"slow" (the answer trickles for ``seconds``), "redirects" (a redirect to itself, forever), "down" (HTTP 503).
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qs, urlsplit

PER_PAGE_MAX = 100
_DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}(?::\d{2})?)?$")  # rest_parse_date
_GLOBAL = {"_embed", "_fields", "_envelope", "_jsonp", "_method", "rest_route"}
POSTS_ARGS = {
    "context", "page", "per_page", "search", "after", "modified_after", "author", "author_exclude", "before",
    "modified_before", "exclude", "include", "offset", "order", "orderby", "search_columns", "slug", "status",
    "tax_relation", "categories", "categories_exclude", "tags", "tags_exclude", "sticky", "format",
}
CATEGORIES_ARGS = {"context", "page", "per_page", "search", "exclude", "include", "order", "orderby", "hide_empty",
                   "parent", "post", "slug"}


@dataclass
class Post:
    """A post as the fake stores it; ``title`` and ``excerpt`` are WordPress's rendered HTML."""

    id: int
    date: str  # site time, 2021-03-10T09:30:00
    slug: str
    title: str
    excerpt: str = ""
    categories: list[int] = field(default_factory=lambda: [1])
    tags: list[int] = field(default_factory=list)
    featured_media: int = 0


@dataclass
class Media:
    """An image of the media library."""

    source_url: str
    alt_text: str = ""
    width: int = 1200
    height: int = 800


class FakeWordPress:
    """The fake site; start it with ``with`` (or start()/stop())."""

    def __init__(self, posts: list[Post] | None = None, *, categories: dict[int, str] | None = None,
                 tags: dict[int, str] | None = None, media: dict[int, Media] | None = None, pretty: bool = True) -> None:
        self.posts = posts or []
        self.categories = categories or {1: "Uncategorized"}
        self.tags = tags or {}
        self.media = media or {}
        self.pretty = pretty
        self.requests: list[tuple[str, dict[str, list[str]]]] = []  # (route, arguments)
        self.invalid: list[str] = []
        self.faults: dict[str, Any] = {}
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)

    def __enter__(self) -> Self:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        """Stop serving: the site can no longer be reached."""
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)

    def fault(self, kind: str | None, **options: Any) -> None:
        """Answer every following request with this fault (None: answer normally again)."""
        self.faults = {"kind": kind, **options} if kind else {}

    def count(self, route: str) -> int:
        """Requests to ``route`` (e.g. ``/wp/v2/posts``) in either form."""
        return sum(1 for seen, _args in self.requests if seen == route)

    def link(self, post: Post) -> str:
        """The post's permalink."""
        return f"{self.url}/{post.date[:4]}/{post.date[5:7]}/{post.slug}/"

    # --- the routes ---

    def answer(self, route: str, args: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        """Status, extra headers and JSON of a REST request."""
        if route == "/wp/v2/posts":
            return self._posts(args)
        if route == "/wp/v2/categories":
            return self._categories(args)
        return 404, {}, {"code": "rest_no_route", "message": "No route was found matching the URL and request method.",
                         "data": {"status": 404}}

    def _check(self, route: str, args: dict[str, list[str]], allowed: set[str]) -> dict[str, str] | None:
        problems = {}
        for name in args:
            if name not in allowed | _GLOBAL:
                self.invalid.append(f"{route}: unknown argument {name!r} (WordPress ignores it)")
        for name in ("page", "per_page", "offset"):
            if name in args:
                value = args[name][-1]
                low, high = (1, PER_PAGE_MAX) if name == "per_page" else (0 if name == "offset" else 1, None)
                if not value.isdigit() or int(value) < low or (high and int(value) > high):
                    problems[name] = f"{name} must be between {low} (inclusive) and {high or 'any'} (inclusive)"
        for name in ("after", "before", "modified_after", "modified_before"):
            if name in args and not _DATE_TIME.match(args[name][-1]):
                problems[name] = "Invalid date."
        for name in ("include", "exclude", "categories", "categories_exclude", "tags", "tags_exclude"):
            if name in args and not all(part.strip().isdigit() for part in args[name][-1].split(",")):
                problems[name] = f"{name}[0] is not of type integer."
        if problems:
            self.invalid.append(f"{route}: {problems}")
        return problems or None

    def _posts(self, args: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        problems = self._check("/wp/v2/posts", args, POSTS_ARGS)
        if problems:
            return 400, {}, _invalid_params(problems)
        one = {name: values[-1] for name, values in args.items()}
        found = sorted(self.posts, key=lambda p: p.date, reverse=one.get("order", "desc") == "desc")
        if "after" in one:
            found = [p for p in found if p.date > _naive(one["after"])]
        if "before" in one:
            found = [p for p in found if p.date < _naive(one["before"])]
        for name, keep in (("categories", True), ("categories_exclude", False), ("tags", True), ("tags_exclude", False)):
            if name in one:
                ids = {int(part) for part in one[name].split(",")}
                attr = "categories" if name.startswith("categories") else "tags"
                found = [p for p in found if bool(ids & set(getattr(p, attr))) == keep]
        if "slug" in one:
            found = [p for p in found if p.slug in one["slug"].split(",")]
        if "include" in one:
            found = [p for p in found if str(p.id) in one["include"].split(",")]
        per_page, page = int(one.get("per_page", 10)), int(one.get("page", 1))
        total = len(found)
        pages = -(-total // per_page)
        if page > pages and total > 0:
            self.invalid.append(f"/wp/v2/posts: page {page} of {pages}")
            return 400, {}, {"code": "rest_post_invalid_page_number",
                             "message": "The page number requested is larger than the number of pages available.",
                             "data": {"status": 400}}
        chosen = found[(page - 1) * per_page: page * per_page]
        body = [self._fields(self._post_json(p, "_embed" in one), one.get("_fields")) for p in chosen]
        return 200, {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}, body

    def _categories(self, args: dict[str, list[str]]) -> tuple[int, dict[str, str], Any]:
        problems = self._check("/wp/v2/categories", args, CATEGORIES_ARGS)
        if problems:
            return 400, {}, _invalid_params(problems)
        one = {name: values[-1] for name, values in args.items()}
        per_page, page = int(one.get("per_page", 10)), int(one.get("page", 1))
        everything = [self._term(cid, name, "category") for cid, name in sorted(self.categories.items())]
        pages = -(-len(everything) // per_page)
        if page > pages and everything:
            self.invalid.append(f"/wp/v2/categories: page {page} of {pages}")
            return 400, {}, {"code": "rest_term_invalid_page_number", "message": "The page number requested is larger "
                             "than the number of pages available.", "data": {"status": 400}}
        chosen = everything[(page - 1) * per_page: page * per_page]
        body = [self._fields(term, one.get("_fields")) for term in chosen]
        return 200, {"X-WP-Total": str(len(everything)), "X-WP-TotalPages": str(pages)}, body

    def _post_json(self, post: Post, embed: bool) -> dict[str, Any]:
        data: dict[str, Any] = {
            "id": post.id, "date": post.date, "date_gmt": post.date, "slug": post.slug, "status": "publish", "type": "post",
            "link": self.link(post), "title": {"rendered": post.title},
            "content": {"rendered": "<p>" + "The whole post. " * 200 + "</p>", "protected": False},
            "excerpt": {"rendered": post.excerpt, "protected": False}, "featured_media": post.featured_media,
            "categories": post.categories, "tags": post.tags,
            "_links": {"self": [{"href": f"{self.url}/wp-json/wp/v2/posts/{post.id}"}]},
        }
        if embed:
            terms = [[self._term(c, self.categories[c], "category") for c in post.categories],
                     [self._term(t, self.tags[t], "post_tag") for t in post.tags]]
            data["_embedded"] = {"wp:term": terms}
            if post.featured_media in self.media:
                m = self.media[post.featured_media]
                data["_embedded"]["wp:featuredmedia"] = [{
                    "id": post.featured_media, "source_url": m.source_url, "alt_text": m.alt_text, "media_type": "image",
                    "media_details": {"width": m.width, "height": m.height, "file": "x.jpg", "sizes": {}},
                }]
        return data

    def _term(self, tid: int, name: str, taxonomy: str) -> dict[str, Any]:
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        return {"id": tid, "name": html.escape(name, quote=False), "slug": slug, "taxonomy": taxonomy,
                "link": f"{self.url}/{taxonomy}/{slug}/"}

    @staticmethod
    def _fields(data: dict[str, Any], fields: str | None) -> dict[str, Any]:
        if not fields:
            return data
        wanted = {name.split(".")[0] for name in fields.split(",")}
        return {key: value for key, value in data.items() if key in wanted}


def _naive(value: str) -> str:
    """A date-time argument as the site's local time, comparable with ``Post.date``."""
    return dt.datetime.fromisoformat(value.replace(" ", "T")[:19]).isoformat()


def _invalid_params(problems: dict[str, str]) -> dict[str, Any]:
    return {"code": "rest_invalid_param", "message": f"Invalid parameter(s): {', '.join(problems)}",
            "data": {"status": 400, "params": problems}}


def _handler(site: FakeWordPress) -> type[BaseHTTPRequestHandler]:
    class Handle(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
            pass

        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            parts = urlsplit(self.path)
            args = parse_qs(parts.query, keep_blank_values=True)
            route: str | None = None
            if parts.path.startswith("/wp-json/") and site.pretty:
                route = parts.path.removeprefix("/wp-json")
            elif parts.path == "/" and "rest_route" in args:
                route = args["rest_route"][-1]
            if route is None:
                self._page(parts.path)
                return
            args.pop("rest_route", None)
            with site.lock:
                site.requests.append((route, args))
            if site.faults and self._fault(site.faults):
                return
            status, headers, body = site.answer(route, args)
            self._send(status, "application/json; charset=UTF-8", json.dumps(body).encode(), headers)

        def _page(self, path: str) -> None:
            if path != "/":
                self._send(404, "text/html; charset=UTF-8", b"<!DOCTYPE html><html><body><h1>Not Found</h1></body></html>")
                return
            root = f"{site.url}/wp-json/" if site.pretty else f"{site.url}/?rest_route=/"
            page = f'<!DOCTYPE html><html><head><link rel="https://api.w.org/" href="{root}"></head><body>Home</body></html>'
            self._send(200, "text/html; charset=UTF-8", page.encode(), {"Link": f'<{root}>; rel="https://api.w.org/"'})

        def _fault(self, fault: dict[str, Any]) -> bool:
            kind = fault["kind"]
            if kind in ("401", "403"):
                code = "rest_not_logged_in" if kind == "401" else "rest_forbidden"
                body = {"code": code, "message": "Sorry, you are not allowed to do that.", "data": {"status": int(kind)}}
                self._send(int(kind), "application/json; charset=UTF-8", json.dumps(body).encode())
            elif kind == "404":
                self._send(404, "text/html; charset=UTF-8", b"<!DOCTYPE html><html><body>Page not found</body></html>")
            elif kind == "html":
                self._send(200, "text/html; charset=UTF-8", b"<!DOCTYPE html><html><head><title>Just a moment...</title>"
                           b"</head><body>Checking your browser before accessing the site.</body></html>")
            elif kind == "badjson":
                self._send(200, "application/json; charset=UTF-8", b'<br />\n<b>Warning</b>: Undefined variable $x<br />[{"id": 1')
            elif kind == "huge":
                self._send(200, "application/json; charset=UTF-8", b"[" + b'"x",' * (fault.get("size", 1 << 20) // 4) + b'"x"]')
            elif kind == "slow":
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "1000")
                self.end_headers()
                end = time.monotonic() + fault.get("seconds", 5)
                try:
                    while time.monotonic() < end:
                        self.wfile.write(b" ")
                        self.wfile.flush()
                        time.sleep(0.05)
                except OSError:
                    pass
            elif kind == "redirects":
                self.send_response(302)
                self.send_header("Location", self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
            elif kind == "down":
                self._send(503, "text/html", b"<html><body>Service Unavailable</body></html>")
            else:
                return False
            return True

        def _send(self, status: int, kind: str, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            try:
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up (a size or time limit)

    return Handle


CATEGORIES = {1: "Uncategorized", 2: "News", 3: "Events", 4: "Jobs", 5: "Policy & Advocacy"}
TAGS = {10: "Position paper", 11: "Event", 12: "Publication"}
EXCERPTS = [
    "<p>Our view on the plan, in three points [&hellip;]</p>\n",
    '<p>What the study found.</p>\n<p class="link-more"><a href="https://x.example/p" class="more-link">Continue reading'
    '<span class="screen-reader-text"> &#8220;The study&#8221;</span></a></p>\n',
    '<p>Join us <strong>online</strong>.<script>alert(1)</script></p>\n<p>The post <a href="https://x.example/p">Join us</a> '
    'appeared first on <a href="https://x.example">Example</a>.</p>\n',
]


def sample_site(*, start: dt.date = dt.date(2021, 1, 1), days: int = 365, per_day: int = 3) -> dict[str, Any]:
    """Keyword arguments of FakeWordPress for a busy site: ``per_day`` posts a day from ``start``, in every category.

    Post 1 (the first, at 08:00 on ``start``) has a title with entities, a no-break space and a tag; every post has an
    excerpt in one of WordPress's shapes (EXCERPTS); every fifth has a featured image, every tenth one without alt text.
    """
    posts = []
    media = {}
    for number in range(days * per_day):
        day = start + dt.timedelta(days=number // per_day)
        hour = 8 + 5 * (number % per_day)
        pid = number + 1
        title = f"News item {pid}"
        if pid == 1:
            title = "Care &amp; Repair&nbsp;Day: &#8220;quoted&#8221; <em>now</em> &lt;script&gt;"
        category = [2, 3, 4, 5, 1][number % 5]
        tags = [[10], [11], [12], [], [10, 12]][number % 5]
        featured = 0
        if number % 5 == 0:
            featured = 1000 + pid
            media[featured] = Media(f"https://cdn.example.org/uploads/{pid}.jpg", "" if number % 10 == 5 else f"Photo {pid}",
                                    800, 533)
        posts.append(Post(pid, f"{day}T{hour:02d}:00:00", f"news-item-{pid}", title, EXCERPTS[number % 3],
                          [category], tags, featured))
    return {"posts": posts, "categories": dict(CATEGORIES), "tags": dict(TAGS), "media": media}
