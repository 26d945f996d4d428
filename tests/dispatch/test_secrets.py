"""The API key never appears in output, logs, the ledger, the outbox or exception text."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

import pytest

import bulletin
from bulletin.dispatch.retry import RetryPolicy
from bulletin.errors import BulletinError
from fakes.sendgrid_server import FakeSendGrid

from .helpers import run, use_subscribers, write_subscribers


def every_file(root: Path) -> bytes:
    """The bytes of every file under root (ledger, its WAL, outbox, build...)."""
    return b"".join(path.read_bytes() for path in sorted(root.rglob("*")) if path.is_file())


def test_the_key_is_never_written_or_shown(sendgrid_project: Path, fake_sendgrid: FakeSendGrid,
                                           monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    key = fake_sendgrid.api_key
    monkeypatch.setenv("BULLETIN_SENDGRID_TIMEOUT", "3")  # only the stalled request (never answered) reaches it
    write_subscribers(sendgrid_project / "people.csv", 3500)
    use_subscribers(sendgrid_project, "people.csv")
    fake_sendgrid.fail(1, "429", retry_after=0)
    fake_sendgrid.fail(2, "reset-after-body")
    fake_sendgrid.fail(3, "stall")
    fake_sendgrid.fail(6, "400", message=f"SendGrid echoing the header: Bearer {key}")
    outputs = []
    errors: list[BaseException] = []
    with caplog.at_level(logging.DEBUG):
        outputs.append(run("send", "issues/example.yaml", "--test", "me@org.example").output)
        outputs.append(run("send", "issues/example.yaml", "--list", "members", "--dry-run").output)
        outputs.append(run("send", "issues/example.yaml", "--list", "members", "--yes").output)
        outputs.append(run("send", "issues/example.yaml", "--list", "members", "--yes", "--resend-unknown").output)
        outputs.append(run("--debug", "status", "--json").output)
        try:
            bulletin.send("issues/example.yaml", list_name="members", retry=RetryPolicy(attempts=1, sleep=lambda s: None))
        except BulletinError as exc:
            errors.append(exc)
        monkeypatch.setenv("BULLETIN_SENDGRID_URL", "http://127.0.0.1:9")  # nothing listens: connection refused
        try:
            bulletin.send("issues/example.yaml", list_name="members", options=bulletin.SendOptions(unknown="resend"),
                          retry=RetryPolicy(attempts=2, sleep=lambda s: None))
        except BulletinError as exc:
            errors.append(exc)
    assert "[redacted]" in "".join(outputs)  # the echoed key was caught
    assert fake_sendgrid.accepted  # things did happen
    texts = [*outputs, caplog.text, *(str(e) for e in errors), *("".join(traceback.format_exception(e)) for e in errors)]
    for text in texts:
        assert key not in text
    assert key.encode() not in every_file(sendgrid_project)


def test_the_outbox_never_holds_the_key(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENDGRID_API_KEY", "SG.outbox-must-not-keep-this")
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 0, result.output
    assert (tmp_project / "outbox" / "example" / "1" / "batch-0001.json").exists()
    assert b"SG.outbox-must-not-keep-this" not in every_file(tmp_project)
    assert "SG.outbox" not in result.output
