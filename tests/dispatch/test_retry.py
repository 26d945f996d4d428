"""Retry timing: Retry-After, backoff with jitter, bounds."""

from __future__ import annotations

import datetime as dt
import email.utils

import pytest

from bulletin.dispatch.retry import RetryPolicy, parse_retry_after
from bulletin.dispatch.transport import Retryable
from bulletin.errors import DispatchError


def test_retry_waits_as_told_then_backs_off_with_jitter() -> None:
    sleeps: list[float] = []
    calls = iter([Retryable("429", retry_after=5), Retryable("503"), Retryable("503"), "ok"])

    def attempt() -> str:
        outcome = next(calls)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    policy = RetryPolicy(sleep=sleeps.append, base=1.0)
    assert policy.call(attempt) == "ok"
    assert sleeps[0] == 5 and 0 <= sleeps[1] <= 2 and 0 <= sleeps[2] <= 4


def test_retry_is_bounded() -> None:
    def attempt() -> None:
        raise Retryable("SendGrid had an error (503)")

    with pytest.raises(DispatchError, match=r"503\) \(gave up after 3 tries\)"):
        RetryPolicy(attempts=3, sleep=lambda s: None).call(attempt)
    with pytest.raises(DispatchError, match="asked to wait 3600 s"):
        RetryPolicy(sleep=lambda s: None).call(lambda: (_ for _ in ()).throw(Retryable("429", retry_after=3600)))


def test_retry_after_headers() -> None:
    assert parse_retry_after("120") == 120
    now = dt.datetime(2021, 7, 5, 12, 0, tzinfo=dt.UTC)
    later = email.utils.format_datetime(now + dt.timedelta(seconds=30), usegmt=True)
    assert parse_retry_after(later, now=now.timestamp()) == 30
    assert parse_retry_after(None) is None and parse_retry_after("soon") is None
