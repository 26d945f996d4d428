"""Link check (--links): every distinct http(s) URL of the email, concurrently, cached for a day.

Only good results are cached (in ``<state>/linkcheck.json``): a broken link is checked again on
every run, so a site that was briefly down, or a fixed page, is seen at once.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import socket
import ssl
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from lxml.etree import _Element

from .. import web
from ..render.context import issue_url
from ..site.state import is_published
from .document import Document
from .findings import Finding

CACHE_FILE = "linkcheck.json"
CACHE_TTL = dt.timedelta(days=1)
WORKERS = 8
TIMEOUT = 10.0  # seconds per request, all of it (connect, ask, answer)
GET_FALLBACK = {403, 405, 501}  # servers that refuse or do not implement HEAD
REFUSED = {401, 403, 429}  # usually a bot wall, not a broken page: a warning, check by hand
USER_AGENT = "bulletin-linkcheck/1 (+https://example.org; pre-send link check)"

Clock = Callable[[], dt.datetime]
Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class LinkStatus:
    """What checking one URL gave: the HTTP status (None on a network error) and the final URL."""

    url: str
    status: int | None
    final_url: str
    error: str | None = None

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


class HttpProbe:
    """The default fetcher: HEAD, then GET when the server refuses HEAD; redirects followed."""

    def __init__(self, timeout: float = TIMEOUT) -> None:
        self.timeout = timeout
        self._opener = web.opener(_KeepMethod())
        self._direct = web.opener(_KeepMethod(), urllib.request.ProxyHandler({}))

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
        except urllib.error.HTTPError as exc:
            exc.close()
            return LinkStatus(url, exc.code, final(exc.geturl()), f"{exc.code} {exc.reason}")
        except TimeoutError:  # one read, or the whole request (web.DeadlineExceeded)
            return LinkStatus(url, None, url, f"no answer within {self.timeout:g} s")
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, (TimeoutError, socket.timeout)):
                return LinkStatus(url, None, url, f"no answer within {self.timeout:g} s")
            return LinkStatus(url, None, url, _reason(reason))
        except (http.client.HTTPException, ssl.SSLError, OSError, ValueError) as exc:
            return LinkStatus(url, None, url, _reason(exc))


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
    doc: Document,
    *,
    fetch: Callable[[str], LinkStatus] | None = None,
    clock: Clock | None = None,
    progress: Progress | None = None,
    cache: Path | None = None,
    workers: int = WORKERS,
) -> tuple[list[Finding], dict[str, int]]:
    """Check every URL; broken ones are errors naming their items, redirects are warnings."""
    fetch = fetch or HttpProbe()
    now = (clock or _utcnow)()
    project = doc.result.project
    cache = cache or Path(project.root) / project.state_dir / CACHE_FILE
    known = _load(cache, now)
    urls = collect_urls(doc)
    todo = [u for u in urls if u not in known]
    results: dict[str, LinkStatus] = {u: known[u] for u in urls if u in known}
    done = len(results)
    if progress:
        progress(done, len(urls))
    if todo:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(todo)))) as pool:
            futures = {pool.submit(fetch, url): url for url in todo}
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
    web = _web_url(doc)
    findings = [f for url, el in urls.items() if (f := _finding(doc, results[url], el, url == web))]
    stats = {"checked": len(todo), "cached": len(urls) - len(todo), "broken": sum(f.severity == "error" for f in findings)}
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


def _web_url(doc: Document) -> str | None:
    return issue_url(doc.result.project, doc.result.spec.slug)


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
                fresh[url] = LinkStatus(url, int(entry["status"]), entry["final_url"])
        except (KeyError, TypeError, ValueError):
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
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".linkcheck.", dir=path.parent)
    except OSError:
        return  # the cache only saves time; failing to write it must not fail the check
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump({"version": 1, "links": entries}, handle, indent=1, sort_keys=True)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)  # a full disk: no half-written leftover


__all__ = ["HttpProbe", "LinkStatus", "check_links", "collect_urls"]
