"""Helpers for the scheduled-send tests: one clock for bulletin and the fake SendGrid, shortcuts."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest

import bulletin
from bulletin.dispatch.retry import RetryPolicy
from bulletin.dispatch.schedule import DueReport, dispatch_due
from fakes.sendgrid_server import FakeSendGrid

T0 = dt.datetime(2021, 7, 1, 7, 0, tzinfo=dt.UTC)  # Thursday 1 July 2021, 09:00 in Brussels
NO_WAIT = RetryPolicy(attempts=3, sleep=lambda s: None)


class Clock:
    """'Now' for bulletin (called), the fake SendGrid and the command line (BULLETIN_NOW); tests move it."""

    def __init__(self, fake: FakeSendGrid, monkeypatch: pytest.MonkeyPatch, start: dt.datetime) -> None:
        self.fake, self.monkeypatch = fake, monkeypatch
        self.set(start)

    def __call__(self) -> dt.datetime:
        return self.now

    def set(self, when: dt.datetime) -> None:
        self.now = when
        self.fake.set_time(when)
        self.monkeypatch.setenv("BULLETIN_NOW", when.isoformat())

    def advance(self, **delta: float) -> None:
        self.set(self.now + dt.timedelta(**delta))


def schedule(at: str | None, clock: Clock, transport: Any = None, **options: Any) -> bulletin.SendReport:
    """bulletin send issues/example.yaml --list members --at AT (and the other options, by their SendOptions names)."""
    return bulletin.send("issues/example.yaml", list_name="members", options=bulletin.SendOptions(at=at, **options), clock=clock,
                         retry=NO_WAIT, transport=transport)


def due(clock: Clock, **options: Any) -> DueReport:
    """One bulletin dispatch-due run."""
    return dispatch_due(clock=clock, retry=NO_WAIT, **options)


def dispatches(project: Path) -> list[tuple[int, str, str | None, str | None]]:
    """(id, state, send_at, batch_id) of every dispatch in the ledger."""
    with sqlite3.connect(project / ".bulletin" / "ledger.db") as db:
        return list(db.execute("SELECT id, state, send_at, batch_id FROM dispatches ORDER BY id"))


def unix(when: dt.datetime) -> int:
    """SendGrid's send_at."""
    return int(when.timestamp())
