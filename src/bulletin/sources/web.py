"""A bounded HTTP GET for sources on the web: a whole-request deadline, a size limit and at most 5 redirects.

``get(url)`` returns an :class:`Answer` whatever the status (the caller says what a 404 means for it);
it raises :class:`Unreachable` when no answer came (DNS, refused, deadline) and SourceError for an
answer that is too large or redirects too often. Each message names the URL.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from ..errors import SourceError

DEADLINE = 30.0  # seconds for the whole request: connecting, redirects, headers and body
MAX_BYTES = 20 * 1024 * 1024
MAX_REDIRECTS = 5
_CHUNK = 64 * 1024


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


class Unreachable(SourceError):
    """No answer at all: the name does not resolve, the connection fails, or the deadline passed."""


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follows at most MAX_REDIRECTS redirects, counting every hop (a loop included)."""

    max_repeats = max_redirections = MAX_REDIRECTS + 1  # urllib's own checks never come first

    def __init__(self) -> None:
        self.hops = 0  # one handler per request: build_opener makes a new one each time
        self.first: str | None = None

    def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:  # noqa: D102
        self.first = self.first or req.full_url
        self.hops += 1
        if self.hops > MAX_REDIRECTS:
            fp.close()
            raise SourceError(f"{self.first}: more than {MAX_REDIRECTS} redirects (the site sends it on and on, or in a loop)")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


class _KeepErrors(urllib.request.HTTPErrorProcessor):
    """Hand 4xx/5xx answers back as answers (what they mean depends on the source); redirects are followed."""

    def http_response(self, request: Any, response: Any) -> Any:  # noqa: D102
        if 300 <= response.status < 400:
            return super().http_response(request, response)
        return response

    https_response = http_response


def get(url: str, *, accept: str = "*/*", deadline: float | None = None, max_bytes: int | None = None) -> Answer:
    """GET ``url``: every answer (any status) within ``deadline`` seconds and ``max_bytes``; never hangs."""
    limit = DEADLINE if deadline is None else deadline
    size = MAX_BYTES if max_bytes is None else max_bytes
    outcome: list[Answer | BaseException] = []
    worker = threading.Thread(target=_run, args=(url, accept, limit, size, outcome), daemon=True, name="bulletin-get")
    worker.start()
    worker.join(limit)  # the worker also stops reading at the deadline; this bounds the wait whatever it does
    if not outcome:
        raise Unreachable(f"{url}: no complete answer within {limit:g} s (the site is too slow or does not answer)")
    result = outcome[0]
    if isinstance(result, BaseException):
        raise result
    return result


def _run(url: str, accept: str, limit: float, size: int, outcome: list[Answer | BaseException]) -> None:
    try:
        outcome.append(_fetch(url, accept, time.monotonic() + limit, limit, size))
    except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
        outcome.append(exc)


def _fetch(url: str, accept: str, end: float, limit: float, size: int) -> Answer:
    opener = urllib.request.build_opener(_Redirects, _KeepErrors)
    request = urllib.request.Request(url, headers={"User-Agent": user_agent(), "Accept": accept})
    try:
        response = opener.open(request, timeout=limit)
    except SourceError:
        raise
    except urllib.error.URLError as exc:
        raise Unreachable(f"{url}: cannot reach the site: {_reason(exc.reason)}") from None
    except TimeoutError:
        raise Unreachable(f"{url}: no answer within {limit:g} s (the site is too slow or does not answer)") from None
    except (OSError, ValueError, urllib.error.HTTPError) as exc:
        raise Unreachable(f"{url}: cannot reach the site: {exc}") from None
    with response:
        chunks: list[bytes] = []
        received = 0
        while True:
            if time.monotonic() > end:
                raise Unreachable(f"{url}: no complete answer within {limit:g} s (the site is too slow)")
            try:
                chunk = response.read1(_CHUNK)  # one read at a time: a trickling server cannot hold it past the deadline
            except (OSError, ValueError) as exc:
                raise Unreachable(f"{url}: the answer broke off: {exc}") from None
            if not chunk:
                break
            received += len(chunk)
            if received > size:
                raise SourceError(f"{url}: the answer is larger than {_megabytes(size)}; this is not a list of news items")
            chunks.append(chunk)
        headers = {name.lower(): value for name, value in response.headers.items()}
        return Answer(response.geturl(), response.status, headers, b"".join(chunks))


def _reason(reason: object) -> str:
    text = str(getattr(reason, "strerror", None) or reason)
    if "Name or service not known" in text or "nodename nor servname" in text or "getaddrinfo failed" in text:
        return f"{text} (no such site: check the address)"
    return text


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB" if size >= 1024 * 1024 else f"{size} bytes"


def user_agent() -> str:
    """An honest User-Agent (some hosts refuse Python's default)."""
    try:
        release = version("bulletin")
    except PackageNotFoundError:
        release = "dev"
    return f"bulletin/{release} (newsletter builder)"
