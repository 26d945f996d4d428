"""Scheduled-send fixtures: the shared clock, subscribers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dispatch.helpers import use_subscribers, write_subscribers
from fakes.sendgrid_server import FakeSendGrid

from .helpers import T0, Clock


@pytest.fixture
def clock(fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Now is T0 for everyone."""
    return Clock(fake_sendgrid, monkeypatch, T0)


@pytest.fixture
def people(sendgrid_project: Path) -> Callable[[int], list[str]]:
    """people(n): a subscribers file of n members, used by the project; returns their addresses."""

    def make(count: int) -> list[str]:
        members = write_subscribers(sendgrid_project / "people.csv", count)
        use_subscribers(sendgrid_project, "people.csv")
        return members

    return make
