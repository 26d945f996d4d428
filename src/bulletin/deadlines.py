"""The deadline of a whole request, and work to do while its answer is awaited (for ``web.py``'s connections).

urllib's ``timeout`` applies to each socket operation, so a server trickling one byte a second keeps a
request alive for ever. A request made under ``deadline(seconds)`` has its connections watched: one
thread (``_Watcher``) shuts their sockets down when the time is up, which ends any blocked read or write,
and the block raises ``DeadlineExceeded``. ``meanwhile(work)``: the first request made inside the block
calls ``work()`` once it is written, before its answer is read (the send loop builds the next body then).
"""

from __future__ import annotations

import heapq
import http.client
import itertools
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

_active = threading.local()  # this thread's request: its deadline, and the work to do once it is written


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
        self.done = False  # the block ended: the watcher forgets it
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()

    def remaining(self) -> float:
        """Seconds left (0 or less once passed)."""
        return self.ends - time.monotonic()

    def watch(self, sock: socket.socket) -> None:
        """Cut this socket when the deadline passes (it outlives its connection: the answer reads from it)."""
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                _cut(sock)

    def end(self) -> None:
        """The block is over: nothing is cut from now on."""
        with self._lock:
            self.done = True

    def expire(self) -> None:
        """The time is up: cut every socket watched (the watcher calls this)."""
        with self._lock:
            if self.done:
                return
            self.expired = True
            for sock in self._sockets:
                _cut(sock)


def _cut(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)  # a blocked recv/send returns at once
    except OSError:
        pass  # closed already


class _Watcher:
    """One thread expiring every deadline when it passes.

    Not a ``threading.Timer`` per request: starting a thread waits for the interpreter, which the send loop's body
    builder holds, and that cost a few milliseconds at every request.
    """

    def __init__(self) -> None:
        self._wake = threading.Condition()
        self._due: list[tuple[float, int, Deadline]] = []  # a heap by end time
        self._count = itertools.count()
        self._thread: threading.Thread | None = None

    def add(self, limit: Deadline) -> None:
        """Expire ``limit`` when it passes (unless it is done by then)."""
        with self._wake:
            heapq.heappush(self._due, (limit.ends, next(self._count), limit))
            if self._thread is None or not self._thread.is_alive():  # the first, or the first in a forked child
                self._thread = threading.Thread(target=self._run, name="bulletin-deadlines", daemon=True)
                self._thread.start()
            elif self._due[0][2] is limit:  # sooner than the watcher's next wake-up
                self._wake.notify()

    def _run(self) -> None:
        with self._wake:
            while True:
                while self._due and self._due[0][2].done:
                    heapq.heappop(self._due)
                if not self._due:
                    self._wake.wait()
                    continue
                left = self._due[0][0] - time.monotonic()
                if left > 0:
                    self._wake.wait(left)
                    continue
                heapq.heappop(self._due)[2].expire()


_watcher = _Watcher()


@contextmanager
def deadline(seconds: float) -> Iterator[Deadline]:
    """Run the requests opened (and answers read) inside the block within ``seconds`` altogether."""
    limit = Deadline(seconds)
    previous = getattr(_active, "deadline", None)
    _active.deadline = limit
    _watcher.add(limit)
    try:
        yield limit
    except Exception as exc:
        if limit.expired:
            raise DeadlineExceeded(seconds, exc) from None
        raise
    finally:
        limit.end()
        _active.deadline = previous
    if limit.expired:  # an answer cut short may still have "ended" without an error
        raise DeadlineExceeded(seconds)


def started(connection: http.client.HTTPConnection) -> Deadline | None:
    """The deadline a connection keeps to, if any. Before connecting: socket timeouts no longer than the time left (connecting and a TLS handshake keep to them)."""
    limit: Deadline | None = getattr(_active, "deadline", None)
    if limit is None:
        return None
    left = limit.remaining()
    if left <= 0:
        raise TimeoutError("timed out")
    if not isinstance(connection.timeout, (int, float)) or connection.timeout > left:
        connection.timeout = left
    return limit


@contextmanager
def meanwhile(work: Callable[[], object] | None) -> Iterator[None]:
    """Inside the block, the first request made through ``opener()`` calls ``work()`` (if given) once it is written,
    before its answer is read (the send loop builds the next body while SendGrid works on this one)."""
    previous = getattr(_active, "meanwhile", None)
    _active.meanwhile = work
    try:
        yield
    finally:
        _active.meanwhile = previous


def written() -> None:
    """A request is written: do the work waiting for that, once."""
    work = getattr(_active, "meanwhile", None)
    if work is not None:
        _active.meanwhile = None
        work()
