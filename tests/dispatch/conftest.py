"""Fixtures for sending: the fake SendGrid server, a project set up to use it, subscriber files."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fakes.sendgrid_server import FakeSendGrid


@pytest.fixture
def fake_sendgrid() -> Iterator[FakeSendGrid]:
    """A validating fake SendGrid on 127.0.0.1; the test fails if any request broke the spec or the limits."""
    with FakeSendGrid() as fake:
        yield fake
    assert not fake.invalid, f"requests that SendGrid would reject: {fake.invalid[:3]}"


@pytest.fixture
def sendgrid_project(tmp_project: Path, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example project with ``transport: sendgrid``, pointed at the fake with its key."""
    config = tmp_project / "bulletin.yaml"
    text = config.read_text(encoding="utf-8")
    assert "transport: outbox" in text
    config.write_text(text.replace("transport: outbox", "transport: sendgrid"), encoding="utf-8")
    monkeypatch.setenv("SENDGRID_API_KEY", fake_sendgrid.api_key)
    monkeypatch.setenv("BULLETIN_SENDGRID_URL", fake_sendgrid.url)
    monkeypatch.setenv("BULLETIN_SENDGRID_TIMEOUT", "5")
    return tmp_project
