"""Every outbound HTTP request: a whole-request deadline, redirects capped (none with a secret), answers bounded in size.

A request runs under ``deadline(seconds)`` (``deadlines.py``, re-exported here): its connections are
watched, and when the time is up their sockets are shut down; the block then raises ``DeadlineExceeded``
(``cause``: what the request itself raised, e.g. urllib's ``URLError`` when the request was still being
sent). No library offers this (urllib3's and httpx's "total" timeouts are per operation too). DNS
look-ups are the exception: no socket exists yet, so the deadline cannot cut them short.

Redirects: at most ``MAX_REDIRECTS``; none for a request carrying a secret (``follow_redirects=False``,
and ``fetch`` never follows one when an ``Authorization`` header is set), where a 3xx is the answer.

Two ways in: ``opener()`` + ``deadline()`` (and ``meanwhile()``, work to do while an answer is awaited)
for a caller that handles urllib's response itself (mail/send, feeds, link checks), and ``fetch()``, which reads a whole answer of any status into memory within a
deadline and a size limit (SendGrid's suppression and statistics API, and ``get()``, the GET of the
sources on the web: WordPress, its cache).
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .deadlines import Deadline as Deadline
from .deadlines import DeadlineExceeded as DeadlineExceeded
from .deadlines import deadline as deadline
from .deadlines import meanwhile as meanwhile
from .deadlines import started, written
from .errors import SourceError, Where

MAX_REDIRECTS = 5  # for every request that follows redirects
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization"})  # fetch() never follows a redirect carrying one
DEADLINE = 30.0  # get(): seconds for the whole request: connecting, redirects, headers and body
MAX_BYTES = 20 * 1024 * 1024  # get(): the largest answer
_CHUNK = 64 * 1024

class _HTTPConnection(http.client.HTTPConnection):
    """A connection kept to the request's deadline, doing the work ``meanwhile`` asks for once the request is written
    (the HTTPS one too: it comes first in its bases)."""

    def connect(self) -> None:
        limit = started(self)
        super().connect()
        if limit is not None and self.sock is not None:
            limit.watch(self.sock)

    def getresponse(self) -> http.client.HTTPResponse:
        written()
        return super().getresponse()


class _HTTPSConnection(_HTTPConnection, http.client.HTTPSConnection):
    pass


class _HTTPHandler(urllib.request.HTTPHandler):
    def http_open(self, req: urllib.request.Request) -> Any:
        return self.do_open(_HTTPConnection, req)


class _HTTPSHandler(urllib.request.HTTPSHandler):
    def https_open(self, req: urllib.request.Request) -> Any:
        options = {"context": getattr(self, "_context", None)}
        if hasattr(self, "_check_hostname"):  # Python 3.11
            options["check_hostname"] = self._check_hostname
        return self.do_open(_HTTPSConnection, req, **options)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is returned as an HTTPError, never followed."""

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> None:
        return None


def opener(*handlers: urllib.request.BaseHandler, follow_redirects: bool = True) -> urllib.request.OpenerDirector:
    """A urllib opener whose requests keep to ``deadline()``; ``follow_redirects=False`` for requests carrying a secret.

    Redirects followed stop after MAX_REDIRECTS (urllib's HTTPError "...infinite loop..."), a redirect
    handler given here included.
    """
    redirects = [h for h in handlers if isinstance(h, urllib.request.HTTPRedirectHandler)]
    for handler in redirects:
        handler.max_redirections = min(handler.max_redirections, MAX_REDIRECTS)  # type: ignore[misc]  # a ClassVar in typeshed
    if not follow_redirects:
        extra: list[urllib.request.BaseHandler] = [_NoRedirect()]
    else:
        extra = [] if redirects else [_Capped()]
    return urllib.request.build_opener(_HTTPHandler(), _HTTPSHandler(), *extra, *handlers)


class _Capped(urllib.request.HTTPRedirectHandler):
    max_redirections = MAX_REDIRECTS


# --- fetch(): a whole answer in memory ---


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: where it finally came from, its status, its headers (lower-case names) and its body."""

    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @property
    def content_type(self) -> str:
        """The media type without parameters, e.g. ``application/json``."""
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class TooLarge(Exception):
    """The answer is larger than ``limit`` bytes (reading stopped there)."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the answer is larger than {limit} bytes")
        self.limit = limit


class TooManyRedirects(Exception):
    """More than MAX_REDIRECTS redirects; ``first`` is the address asked for."""

    def __init__(self, first: str) -> None:
        super().__init__(f"{first}: more than {MAX_REDIRECTS} redirects")
        self.first = first


class BrokenOff(ConnectionError):
    """The answer started, then ended before all of it came (the connection broke)."""


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows at most MAX_REDIRECTS redirects, counting every hop (a loop included)."""

    max_repeats = max_redirections = MAX_REDIRECTS + 1  # urllib's own checks never come first

    def __init__(self) -> None:
        self.hops = 0  # one handler per request
        self.first: str | None = None

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:  # noqa: D102
        self.first = self.first or req.full_url
        self.hops += 1
        if self.hops > MAX_REDIRECTS:
            fp.close()
            raise TooManyRedirects(self.first)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _KeepAnswers(urllib.request.HTTPErrorProcessor):
    """Every answer is an answer (what a 404 means is the caller's to say); a 3xx is followed only when ``follow``."""

    def __init__(self, follow: bool) -> None:
        self.follow = follow

    def http_response(self, request: Any, response: Any) -> Any:  # noqa: D102
        if self.follow and 300 <= response.status < 400:
            return super().http_response(request, response)
        return response

    https_response = http_response


def fetch(url: str, *, seconds: float, max_bytes: int, headers: Mapping[str, str] | None = None,
          follow_redirects: bool = True) -> Answer:
    """GET ``url`` and read its whole answer, whatever its status, within ``seconds`` altogether and ``max_bytes``.

    Redirects are followed up to MAX_REDIRECTS (more: TooManyRedirects), never when ``follow_redirects``
    is False or a secret header is sent (the 3xx is then the answer). Raises DeadlineExceeded, TooLarge,
    BrokenOff, urllib's URLError (no connection) or http.client's HTTPException (not HTTP).
    """
    sent = dict(headers or {})
    follow = follow_redirects and not any(name.lower() in SECRET_HEADERS for name in sent)
    director = opener(_KeepAnswers(follow), _Redirects() if follow else _NoRedirect(), follow_redirects=follow)
    request = urllib.request.Request(url, headers=sent)
    with deadline(seconds), director.open(request, timeout=seconds) as response:
        chunks: list[bytes] = []
        received = 0
        try:
            while chunk := response.read1(_CHUNK):
                received += len(chunk)
                if received > max_bytes:
                    raise TooLarge(max_bytes)
                chunks.append(chunk)
        except (OSError, http.client.HTTPException) as exc:
            raise BrokenOff(str(exc) or type(exc).__name__) from exc
        if response.length:  # fewer bytes than Content-Length announced: the connection ended early
            raise BrokenOff(f"{received} bytes of {received + response.length} came")
        answer_headers = {name.lower(): value for name, value in response.headers.items()}
        return Answer(response.geturl(), response.status, answer_headers, b"".join(chunks))


# --- get(): the GET of the sources on the web ---


class Unreachable(SourceError):
    """No answer at all: the name does not resolve, the connection fails, or the deadline passed."""


def get(url: str, *, accept: str = "*/*", deadline: float | None = None, max_bytes: int | None = None) -> Answer:
    """A source's GET of ``url``: every answer (any status) within ``deadline`` seconds and ``max_bytes``, or a SourceError naming the URL.

    Unreachable when no answer came (DNS, refused, deadline); SourceError for an answer that is too
    large or redirects too often.
    """
    limit = DEADLINE if deadline is None else deadline
    size = MAX_BYTES if max_bytes is None else max_bytes
    too_slow = f"no complete answer within {limit:g} s (the site is too slow or does not answer)"
    try:
        return fetch(url, seconds=limit, max_bytes=size, headers={"User-Agent": user_agent(), "Accept": accept})
    except TooManyRedirects as exc:
        raise SourceError(f"more than {MAX_REDIRECTS} redirects (the site sends it on and on, or in a loop)", where=Where(exc.first)) from None
    except TooLarge:
        raise SourceError(f"the answer is larger than {_megabytes(size)}; this is not a list of news items", where=Where(url)) from None
    except TimeoutError:  # DeadlineExceeded, or a socket timeout just before it
        raise Unreachable(too_slow, where=Where(url)) from None
    except BrokenOff as exc:
        raise Unreachable(f"the answer broke off: {exc}", where=Where(url)) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, TimeoutError):
            raise Unreachable(too_slow, where=Where(url)) from None
        raise Unreachable(f"cannot reach the site: {_reason(exc.reason)}", where=Where(url)) from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise Unreachable(f"cannot reach the site: {exc}", where=Where(url)) from None


def _reason(reason: object) -> str:
    text = str(getattr(reason, "strerror", None) or reason)
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo failed" in text:
        return f"{text} (no such site: check the address)"
    return text


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB" if size >= 1024 * 1024 else f"{size} bytes"


def user_agent() -> str:
    """An honest User-Agent (some hosts refuse Python's default)."""
    from importlib.metadata import PackageNotFoundError, version  # ~20 ms: only when something is fetched

    try:
        release = version("bulletin")
    except PackageNotFoundError:
        release = "dev"
    return f"bulletin/{release} (newsletter builder)"
