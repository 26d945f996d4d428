"""Link check (--links): every distinct http(s) URL of the email, concurrently, cached for a day.

Only good results are cached (in ``<state>/linkcheck.json``): a broken link is checked again on
every run, so a site that was briefly down, or a fixed page, is seen at once.
Images are fetched (bounded: a deadline for the whole request, a size cap, few redirects) to learn their
byte and pixel size, cached with the result and kept for the build in ``<state>/images.json`` (bulletin.imagesize).
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import socket
import ssl
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from lxml.etree import _Element

from .. import web
from ..atomic import write_atomic
from ..imagesize import ImageSize, load_sizes, pixel_size, save_sizes
from ..render.context import issue_url
from ..site.state import is_published
from .document import Document
from .findings import Finding, by_edition

CACHE_FILE = "linkcheck.json"
CACHE_TTL = dt.timedelta(days=1)
WORKERS = 8
TIMEOUT = 10.0  # seconds per request, all of it (connect, ask, answer)
GET_FALLBACK = {403, 405, 501}  # servers that refuse or do not implement HEAD
REFUSED = {401, 403, 429}  # usually a bot wall, not a broken page: a warning, check by hand
USER_AGENT = "bulletin-linkcheck/1 (+https://example.org; pre-send link check)"
IMAGE_DEADLINE = 20.0  # seconds for a whole image request (each read also waits at most TIMEOUT)
IMAGE_CAP = 10 * 1024 * 1024  # bytes read of an image at most: its size is known from Content-Length or from this
MAX_REDIRECTS = 4  # for an image: an email client will not follow a long chain either
HEAVY_IMAGE = 1024 * 1024  # bytes: an image heavier than this is a warning
CHUNK = 64 * 1024

Clock = Callable[[], dt.datetime]
Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class LinkStatus:
    """What checking one URL gave: the HTTP status (None on a network error) and the final URL."""

    url: str
    status: int | None
    final_url: str
    error: str | None = None
    image: bool = False  # fetched as an image: the sizes below were measured (None: not told)
    bytes: int | None = None
    width: int | None = None
    height: int | None = None

    @property
    def ok(self) -> bool:
        """2xx, possibly after redirects."""
        return self.status is not None and 200 <= self.status < 300


class _KeepMethod(urllib.request.HTTPRedirectHandler):
    """Follow redirects of HEAD requests with HEAD (urllib turns them into GET)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None:
            new.method = req.get_method()
        return new


class _FewRedirects(_KeepMethod):
    max_redirections = MAX_REDIRECTS


class HttpProbe:
    """The default fetcher: HEAD, then GET when the server refuses HEAD; redirects followed.

    :meth:`image` GETs an image instead, to measure it.
    """

    def __init__(self, timeout: float = TIMEOUT, deadline: float = IMAGE_DEADLINE, cap: int = IMAGE_CAP) -> None:
        self.timeout = timeout
        self.deadline, self.cap = deadline, cap
        self._opener = web.opener(_KeepMethod())
        self._direct = web.opener(_KeepMethod(), urllib.request.ProxyHandler({}))
        self._image_opener = web.opener(_FewRedirects())
        self._image_direct = web.opener(_FewRedirects(), urllib.request.ProxyHandler({}))

    def __call__(self, url: str) -> LinkStatus:
        """Check one URL."""
        status = self._request(url, "HEAD")
        if status.status in GET_FALLBACK:
            status = self._request(url, "GET")
        return status

    def _request(self, url: str, method: str) -> LinkStatus:
        host = urlsplit(url).hostname or ""
        opener = self._direct if host in ("127.0.0.1", "localhost", "::1") else self._opener
        wire = _quote(url)
        request = urllib.request.Request(wire, method=method, headers={"User-Agent": USER_AGENT, "Accept": "*/*"})

        def final(reached: str | None) -> str:
            # the address as encoded for the wire is the same page, not a redirect
            return url if not reached or reached == wire else reached

        try:
            with web.deadline(self.timeout), opener.open(request, timeout=self.timeout) as response:
                return LinkStatus(url, response.status, final(response.geturl()))
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            return self._failed(url, exc, final, self.timeout)

    def image(self, url: str) -> LinkStatus:
        """GET an image and measure it: bytes (Content-Length, else as read up to the cap) and pixels (its header).

        Bounded: at most ``deadline`` seconds in all (web.deadline), ``cap`` bytes read, MAX_REDIRECTS redirects.
        """
        host = urlsplit(url).hostname or ""
        opener = self._image_direct if host in ("127.0.0.1", "localhost", "::1") else self._image_opener
        wire = _quote(url)
        accept = "image/png,image/jpeg,image/gif,image/webp,image/*;q=0.8,*/*;q=0.5"
        request = urllib.request.Request(wire, headers={"User-Agent": USER_AGENT, "Accept": accept})

        def final(reached: str | None) -> str:
            return url if not reached or reached == wire else reached

        try:
            with web.deadline(self.deadline), opener.open(request, timeout=self.timeout) as response:
                length = response.headers.get("Content-Length", "").strip()
                total = int(length) if length.isdigit() else None
                head, read, pixels = b"", 0, None
                while read < self.cap and not (pixels and total is not None):
                    chunk = response.read1(min(CHUNK, self.cap - read))
                    if not chunk:
                        break
                    read += len(chunk)
                    if pixels is None:
                        head += chunk
                        pixels = pixel_size(head)
                width, height = pixels or (None, None)
                size = total if total is not None else read
                return LinkStatus(url, response.status, final(response.geturl()), image=True, bytes=size, width=width, height=height)
        except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
            return self._failed(url, exc, final, self.deadline)

    def _failed(self, url: str, exc: Exception, final: Callable[[str | None], str], seconds: float) -> LinkStatus:
        if isinstance(exc, urllib.error.HTTPError):
            exc.close()
            return LinkStatus(url, exc.code, final(exc.geturl()), f"{exc.code} {exc.reason}")
        reason = exc.reason if isinstance(exc, urllib.error.URLError) else exc
        if isinstance(reason, (TimeoutError, socket.timeout)):  # one read, or the whole request (web.DeadlineExceeded)
            return LinkStatus(url, None, url, f"no answer within {seconds:g} s")
        return LinkStatus(url, None, url, _reason(reason))


def _quote(url: str) -> str:
    # non-ASCII paths (é, spaces) are valid in a browser bar but not on the wire; a non-ASCII
    # host name (bücher.example) goes as IDNA, since percent-encoding it would make it unknown
    parts = urlsplit(url)
    if not parts.netloc.isascii():
        userinfo, at, hostport = parts.netloc.rpartition("@")
        host, colon, port = hostport.partition(":")
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            pass  # not a valid name: the request fails and says so
        url = urlunsplit(parts._replace(netloc=f"{userinfo}{at}{host}{colon}{port}"))
    return quote(url, safe=":/?#[]@!$&'()*+,;=%~")


def _reason(exc: object) -> str:
    if isinstance(exc, socket.gaierror):
        return "the site's name cannot be found (DNS)"
    if isinstance(exc, ConnectionRefusedError):
        return "connection refused"
    if isinstance(exc, ssl.SSLError):
        return f"secure connection failed ({getattr(exc, 'reason', None) or exc})"
    return str(exc) or type(exc).__name__


def collect_urls(doc: Document) -> dict[str, _Element]:
    """Every distinct http(s) URL in links and images, with the first element holding it."""
    urls: dict[str, _Element] = {}
    for el in doc.root.iter("a", "img"):
        url = (el.get("href") if el.tag == "a" else el.get("src")) or ""
        url = url.strip()
        if url.lower().startswith(("http://", "https://")) and url not in urls:
            urls[url] = el
    return urls


def check_links(
    doc: Document | Sequence[Document],
    *,
    fetch: Callable[[str], LinkStatus] | None = None,
    clock: Clock | None = None,
    progress: Progress | None = None,
    cache: Path | None = None,
    workers: int = WORKERS,
    fetch_image: Callable[[str], LinkStatus] | None = None,
) -> tuple[list[Finding], dict[str, int]]:
    """Check every URL; broken ones are errors naming their items, redirects are warnings.

    ``doc``: one document, or every language edition's (each URL is fetched once; a finding names its edition,
    or none when every edition has it). Images are fetched with ``fetch_image`` (default: the probe's
    :meth:`HttpProbe.image`; another ``fetch`` serves for both); heavy and low-resolution images are warnings,
    and their sizes are kept for the build.
    """
    docs = [doc] if isinstance(doc, Document) else list(doc)
    fetch = fetch or HttpProbe()
    fetch_image = fetch_image or (fetch.image if isinstance(fetch, HttpProbe) else fetch)
    now = (clock or _utcnow)()
    project = docs[0].result.project
    cache = cache or Path(project.root) / project.state_dir / CACHE_FILE
    known = _load(cache, now)
    each = [collect_urls(d) for d in docs]
    urls: dict[str, _Element] = {}
    for found in each:
        for url, el in found.items():
            urls.setdefault(url, el)
    images = {u for u in urls if urls[u].tag == "img"}
    if fetch_image is not fetch:  # an image cached unmeasured (by an older bulletin) is fetched once more
        known = {u: s for u, s in known.items() if s.image or u not in images}
    todo = [u for u in urls if u not in known]
    results: dict[str, LinkStatus] = {u: known[u] for u in urls if u in known}
    done = len(results)
    if progress:
        progress(done, len(urls))
    if todo:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
            futures = {pool.submit(fetch_image if url in images else fetch, url): url for url in todo}
            for future in as_completed(futures):
                url = futures[future]
                try:
                    results[url] = future.result()
                except Exception as exc:  # noqa: BLE001 - a fetcher bug must not hide the other links' results
                    results[url] = LinkStatus(url, None, url, _reason(exc))
                done += 1
                if progress:
                    progress(done, len(urls))
    _save(cache, now, known, {u: s for u, s in results.items() if s.ok and u not in known})
    per_doc = []
    for d, found in zip(docs, each, strict=True):
        web = _web_url(d)
        own = [f for url, el in found.items() if (f := _finding(d, results[url], el, url == web))]
        per_doc.append(own + image_findings(d, {u: results[u] for u in found if u in images}))
    findings = by_edition([d.lang for d in docs], per_doc)
    stats = {"checked": len(todo), "cached": len(urls) - len(todo),
             "broken": len({f.message for f in findings if f.severity == "error"})}
    stats["urls"] = len(urls)
    return findings, stats


def _finding(doc: Document, status: LinkStatus, el: _Element, web_copy: bool) -> Finding | None:
    where = doc.where(status.url, el)
    what = "image" if el.tag == "img" else "link"
    if status.ok:
        if status.final_url and status.final_url.rstrip("/") != status.url.rstrip("/"):
            return Finding("warning", "redirect", f"{what} {status.url} redirects to {status.final_url}: "
                           "link to the final address", where, "links")
        return None
    problem = status.error or f"HTTP {status.status}"
    if web_copy:
        # a warning: the web edition is often uploaded just before sending
        project, spec = doc.result.project, doc.result.spec
        site = f"{project.site_dir}/"
        todo = (f"the web edition is in {site}{spec.slug}/: upload the folder {site} to the website" if is_published(project, spec.slug)
                else f"publish it (bulletin publish {spec.path}) and upload the folder {site} to the website")
        return Finding("warning", "web-copy", f"the 'View in browser' page {status.url} does not answer ({problem}): "
                       f"{todo} before sending", where, "links")
    if status.status in REFUSED:
        return Finding("warning", "link-refused", f"{what} {status.url}: the site refused the check ({problem}); "
                       "open it in a browser to make sure it works", where, "links")
    moved = status.final_url and status.final_url.rstrip("/") != status.url.rstrip("/")
    after = f" (it redirects to {status.final_url})" if moved else ""
    return Finding("error", "broken-link", f"broken {what} {status.url}: {problem}{after}", where, "links")


def image_findings(doc: Document, measured: dict[str, LinkStatus]) -> list[Finding]:
    """Warnings for images over 1 MB or narrower than twice their display width; their sizes saved for the build.

    A note says when the build will give images a height they lack now (their sizes were not known before).
    """
    project = doc.result.project
    saved = load_sizes(project)
    new: dict[str, ImageSize] = {}
    findings: list[Finding] = []
    for url, status in measured.items():
        if not status.ok:
            continue
        shown = display_width(doc, url)
        names = " and ".join(dict.fromkeys(f'"{item.title}"' for item in doc.owners(url)))
        of = f" (of {names})" if names else ""
        where = doc.where(url)
        if status.bytes is not None and status.bytes > HEAVY_IMAGE:
            advice = f"at most {2 * shown} px wide, JPEG for photos" if shown else "JPEG for photos"
            findings.append(Finding("warning", "image-heavy", f"image {url}{of} weighs {status.bytes / 1024 / 1024:.1f} MB: over 1 MB "
                                    f"it loads slowly on phones; save it smaller ({advice})", where, "links"))
        if status.width and status.height:
            if shown and status.width < 2 * shown:
                findings.append(Finding("warning", "image-low-resolution", f"image {url}{of} is {status.width} px wide and shown "
                                        f"{shown} px wide: under {2 * shown} px it looks blurry on high-density screens (most "
                                        f"phones); use a picture at least {2 * shown} px wide", where, "links"))
            size = ImageSize(status.bytes, status.width, status.height)
            if saved.get(url) != size:
                new[url] = size
    save_sizes(project, new)
    unsized = [url for url in new if url not in saved and any(not img.get("height") for img in _images(doc, url))]
    if unsized:
        findings.append(Finding("note", "image-sizes-saved", f"the size of {len(unsized)} image{'s' * (len(unsized) != 1)} without "
                                f"width and height is now saved in {project.state_dir}/images.json: build again to give "
                                "them their height (the email keeps its shape while images are off)", doc.result.spec.path, "links"))
    return findings


def display_width(doc: Document, url: str) -> int | None:
    """The widest ``width`` attribute of the email's images with this address (None if none has one)."""
    widths = [int(w) for img in _images(doc, url) if (w := (img.get("width") or "").strip()).isdigit()]
    return max(widths) if widths else None


def _images(doc: Document, url: str) -> list[_Element]:
    return [img for img in doc.root.iter("img") if (img.get("src") or "").strip() == url]


def _web_url(doc: Document) -> str | None:
    return issue_url(doc.result.project, doc.result.spec.slug, doc.result.spec.lang)


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _load(path: Path, now: dt.datetime) -> dict[str, LinkStatus]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entries = data["links"] if isinstance(data, dict) else {}
    except (OSError, ValueError, KeyError, TypeError):
        return {}  # no cache, or a damaged one: check everything again
    fresh = {}
    for url, entry in entries.items():
        try:
            checked = dt.datetime.fromisoformat(entry["checked"])
            if dt.timedelta(0) <= now - checked < CACHE_TTL:
                size, width, height = (int(entry[k]) if entry.get(k) is not None else None for k in ("bytes", "width", "height"))
                fresh[url] = LinkStatus(url, int(entry["status"]), entry["final_url"], None, "bytes" in entry, size, width, height)
        except (KeyError, TypeError, ValueError, AttributeError):
            continue
    return fresh


def _save(path: Path, now: dt.datetime, known: dict[str, LinkStatus], new: dict[str, LinkStatus]) -> None:
    if not new:
        return
    stamp = now.isoformat()
    try:
        old = json.loads(path.read_text(encoding="utf-8")).get("links", {})
    except (OSError, ValueError, AttributeError):
        old = {}
    entries = {u: e for u, e in old.items() if u in known}  # drop stale entries
    for url, status in new.items():
        entries[url] = {"checked": stamp, "status": status.status, "final_url": status.final_url}
        if status.image:
            entries[url].update(bytes=status.bytes, width=status.width, height=status.height)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps({"version": 1, "links": entries}, indent=1, sort_keys=True))
    except OSError:
        return  # the cache only saves time; failing to write it must not fail the check (and leaves no half-written file)


__all__ = ["HttpProbe", "LinkStatus", "check_links", "collect_urls", "display_width", "image_findings"]
