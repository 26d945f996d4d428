"""Outbound HTTP with a whole-request deadline: connecting, sending and reading the answer together.

urllib's ``timeout`` applies to each socket operation, so a server trickling one byte a second
keeps a request alive for ever. Here a request runs under ``deadline(seconds)``: its connections
are watched, and when the time is up their sockets are shut down, which ends any blocked read or
write; the block then raises ``DeadlineExceeded`` (``cause``: what the request itself raised, e.g.
urllib's ``URLError`` when the request was still being sent). No library offers this (urllib3's
and httpx's "total" timeouts are per operation too), hence these few lines.

Every feed fetch, link check and SendGrid call opens its URLs with an ``opener()`` from here.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_active = threading.local()  # the deadline of the request this thread is making


class DeadlineExceeded(TimeoutError):
    """The whole request took longer than its deadline; ``cause`` is what the cut-off request raised, if anything."""

    def __init__(self, seconds: float, cause: BaseException | None = None) -> None:
        super().__init__(f"no complete answer within {seconds:g} s")
        self.seconds = seconds
        self.cause = cause


class Deadline:
    """The end of one request's time; shuts down the sockets it watches when it passes."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.ends = time.monotonic() + seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def remaining(self) -> float:
        """Seconds left (0 or less once passed)."""
        return self.ends - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        """Cut this socket when the deadline passes (it outlives its connection: the answer reads from it)."""
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _cut(sock)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                _cut(sock)


def _cut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)  # a blocked recv/send returns at once
    except OSError:
        pass  # closed already


@contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Run the requests opened (and answers read) inside the block within ``seconds`` altogether."""
    limit = Deadline(seconds)
    previous = getattr(_active, "deadline", None)
    _active.deadline = limit
    limit._timer.start()
    try:
        yield limit
    except Exception as exc:
        if limit.expired:
            raise DeadlineExceeded(seconds, exc) from None
        raise
    finally:
        limit._timer.cancel()
        _active.deadline = previous
    if limit.expired:  # an answer cut short may still have "ended" without an error
        raise DeadlineExceeded(seconds)


def _start(connection: http.client.HTTPConnection) -> Deadline | None:
    """Before connecting: socket timeouts no longer than the time left (connecting and a TLS handshake keep to them)."""
    limit: Deadline | None = getattr(_active, "deadline", None)
    if limit is None:
        return None
    left = limit.remaining()
    if left <= 0:
        raise TimeoutError("timed out")
    if not isinstance(connection.timeout, (int, float)) or connection.timeout > left:
        connection.timeout = left
    return limit


class _HTTPConnection(http.client.HTTPConnection):
    def connect(self) -> None:
        limit = _start(self)
        super().connect()
        if limit is not None and self.sock is not None:
            limit.watch(self.sock)


class _HTTPSConnection(http.client.HTTPSConnection):
    def connect(self) -> None:
        limit = _start(self)
        super().connect()
        if limit is not None and self.sock is not None:
            limit.watch(self.sock)


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
    """A urllib opener whose requests keep to ``deadline()``; ``follow_redirects=False`` for requests carrying a secret."""
    extra = [] if follow_redirects else [_NoRedirect()]
    return urllib.request.build_opener(_HTTPHandler(), _HTTPSHandler(), *extra, *handlers)
