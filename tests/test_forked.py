"""Work in a forked child, streamed back: items in order, then the result or the child's exception; stopping early
ends the child."""

from __future__ import annotations

import os
from typing import Any

import pytest

from bulletin import forked
from bulletin.errors import AudienceError


def test_items_arrive_in_order_then_the_result() -> None:
    def work(send: forked.Send) -> dict[str, Any]:
        for i in range(5000):
            send([i, f"row {i}"])
        return {"rows": 5000, "pid": os.getpid()}

    child = forked.Forked(work)
    assert list(child) == [[i, f"row {i}"] for i in range(5000)]
    assert child.result["rows"] == 5000 and child.result["pid"] == child.pid != os.getpid()


def test_an_exception_in_the_child_is_raised_after_what_it_sent() -> None:
    def work(send: forked.Send) -> None:
        send("first")
        raise AudienceError("people.csv row 7: a double quote opens a value that is never closed")

    got = []
    with pytest.raises(AudienceError, match="row 7"):
        for item in forked.Forked(work):
            got.append(item)
    assert got == ["first"]


def test_an_exception_that_does_not_pickle_arrives_as_its_text() -> None:
    class Local(Exception):  # a class defined in a function cannot be pickled
        pass

    def work(send: forked.Send) -> None:
        raise Local("it broke")

    with pytest.raises(RuntimeError, match="Local: it broke"):
        list(forked.Forked(work))


def test_stopping_early_ends_the_child() -> None:
    def work(send: forked.Send) -> None:
        while True:
            send("x" * 1000)

    child = forked.Forked(work)
    iterator = iter(child)
    assert next(iterator) == "x" * 1000
    iterator.close()  # kills and reaps it: no child left behind
    with pytest.raises(ChildProcessError):
        os.waitpid(child.pid, os.WNOHANG)
    unread = forked.Forked(work)
    unread.stop()
    with pytest.raises(ChildProcessError):
        os.waitpid(unread.pid, os.WNOHANG)
