"""Retrying a request that certainly did not go through: Retry-After, or exponential backoff with jitter."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from ..errors import DispatchError
from .transport import Retryable

T = TypeVar("T")

#: Called before each wait: (seconds, why), so progress can say "waiting 30 s: SendGrid asks to slow down".
OnWait = Callable[[float, str], None]


@dataclass
class RetryPolicy:
    """At most ``attempts`` tries; waits ``Retry-After`` when given (up to ``max_wait``), else backs off."""

    attempts: int = 6
    base: float = 1.0  # first backoff, doubled each time, with full jitter
    cap: float = 60.0
    max_wait: float = 900.0  # a Retry-After beyond this is not waited for
    sleep: Callable[[float], None] = time.sleep
    rng: random.Random = field(default_factory=random.Random)

    def call(self, send: Callable[[], T], on_wait: OnWait | None = None) -> T:
        """``send()``, retried on Retryable; raise DispatchError when the tries are used up."""
        for attempt in range(1, self.attempts + 1):
            try:
                return send()
            except Retryable as exc:
                if attempt == self.attempts:
                    raise DispatchError(f"{exc} (gave up after {self.attempts} tries)") from None
                wait = self.delay(attempt, exc.retry_after)
                if wait > self.max_wait:
                    raise DispatchError(f"{exc}: asked to wait {wait:.0f} s; try again later") from None
                if on_wait:
                    on_wait(wait, str(exc))
                self.sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before try ``attempt + 1``."""
        if retry_after is not None:
            return max(0.0, retry_after)
        return self.rng.uniform(0, min(self.cap, self.base * 2 ** (attempt - 1)))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))
