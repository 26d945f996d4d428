"""Work done in a forked child process, its results streamed back to the parent as it goes.

A large subscribers file is read on two cores this way (``audience_forked``): the child reads and checks
the rows while the parent dedupes them and writes the ledger. Items cross a pipe, pickled, so the child
runs ahead of the parent by no more than the pipe holds: memory stays flat whatever the file's size. Only
where ``fork`` is safe and cheap (Linux); elsewhere ``available()`` is False and callers do the work themselves.
"""

from __future__ import annotations

import fcntl
import os
import pickle
import signal
import sys
from collections.abc import Callable, Iterator
from typing import Any, NoReturn

Send = Callable[[Any], None]
PIPE_BYTES = 1 << 20  # what a child may send ahead of the parent (Linux's default limit for a pipe's size)


def available() -> bool:
    """Whether work can be forked here."""
    return sys.platform == "linux" and hasattr(os, "fork")


class Forked:
    """``work(send)`` started in a forked child: iterate to get what it sends, in order; then ``result`` is what it
    returned.

    An exception raised by ``work`` is raised by the iteration, after everything sent before it. Stopping
    early (an error in the parent, the iteration closed, ``stop()``) kills the child.
    """

    def __init__(self, work: Callable[[Send], Any]) -> None:
        self.result: Any = None
        self.finished = False
        read_end, write_end = os.pipe()
        _widen(write_end)
        self.pid = os.fork()
        if self.pid == 0:  # the child: never returns
            os.close(read_end)
            _child(work, write_end)
        os.close(write_end)
        self._read_end = read_end

    def __iter__(self) -> Iterator[Any]:
        try:
            answers = os.fdopen(self._read_end, "rb", buffering=1 << 16)
            self._read_end = -1  # closed with ``answers``
            with answers:
                while True:
                    try:
                        kind, value = pickle.load(answers)
                    except EOFError:
                        raise RuntimeError("a process reading in parallel ended without an answer") from None
                    if kind == "item":
                        yield value
                        continue
                    if kind == "error":
                        raise value
                    self.result = value
                    return
        finally:
            self.stop()

    def stop(self) -> None:
        """End the child if it is still running, and reap it."""
        if self.finished:
            return
        self.finished = True
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        os.waitpid(self.pid, 0)
        if self._read_end >= 0:  # never iterated
            os.close(self._read_end)
            self._read_end = -1


def _widen(pipe: int) -> None:
    """Let the child run ahead by up to PIPE_BYTES (a pipe holds 64 KiB by default: the two would take turns)."""
    try:
        fcntl.fcntl(pipe, fcntl.F_SETPIPE_SZ, PIPE_BYTES)
    except (AttributeError, OSError):  # not Linux, or a system limit below it: slower, not wrong
        pass


def _child(work: Callable[[Send], Any], write_end: int) -> NoReturn:
    """Run ``work`` and send its items, then its result or its exception; exit without cleaning up the parent's state."""
    code = 0
    try:
        with os.fdopen(write_end, "wb", buffering=1 << 16) as out:
            def send(item: Any) -> None:
                pickle.dump(("item", item), out, protocol=pickle.HIGHEST_PROTOCOL)

            try:
                message: tuple[str, Any] = ("done", work(send))
            except BaseException as exc:  # noqa: BLE001 - every exception goes to the parent
                message = ("error", exc)
            try:
                pickle.dump(message, out, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception as exc:  # noqa: BLE001 - an exception that does not pickle: its text does
                pickle.dump(("error", RuntimeError(f"{type(message[1]).__name__}: {message[1]} ({exc})")), out)
    except BaseException:  # noqa: BLE001 - the parent is gone: nothing to tell
        code = 1
    finally:
        os._exit(code)  # not sys.exit: no atexit handlers, no flushing of the parent's buffers
