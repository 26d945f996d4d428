"""The fake SendGrid's scheduled-send rules (what the other tests rely on), and the ledger's upgrade to schema 2."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from bulletin.dispatch.sendgrid import SendGridTransport
from bulletin.dispatch.transport import Refused
from bulletin.ledger import SCHEMA_VERSION, Ledger
from fakes.sendgrid_server import FakeSendGrid

from .helpers import T0, unix


def body(to: str, **extra: object) -> dict[str, object]:
    return {"personalizations": [{"to": [{"email": to}]}], "from": {"email": "news@x.example"}, "subject": "S",
            "content": [{"type": "text/plain", "value": "Hello"}], **extra}


@pytest.fixture
def sendgrid(fake_sendgrid: FakeSendGrid) -> SendGridTransport:
    fake_sendgrid.set_time(T0)
    return SendGridTransport(fake_sendgrid.api_key, base_url=fake_sendgrid.url)


def test_batches_cancel_and_the_delivered_set(fake_sendgrid: FakeSendGrid, sendgrid: SendGridTransport) -> None:
    kept, cancelled, paused = sendgrid.create_batch(), sendgrid.create_batch(), sendgrid.create_batch()
    assert len({kept, cancelled, paused}) == 3
    assert sendgrid.request("GET", f"/mail/batch/{kept}")[0] == 200
    when = unix(T0 + dt.timedelta(hours=1))
    for batch_id, to in ((kept, "a@x.example"), (cancelled, "b@x.example"), (paused, "c@x.example")):
        sendgrid.post(body(to, send_at=when, batch_id=batch_id))
    sendgrid.post(body("now@x.example"))
    sendgrid.cancel_batch(cancelled)
    sendgrid.cancel_batch(cancelled)  # again (a lost answer): fine, it is cancelled
    sendgrid.request("POST", "/user/scheduled_sends", {"batch_id": paused, "status": "pause"})
    assert (sendgrid.batch_status(kept), sendgrid.batch_status(cancelled), sendgrid.batch_status(paused)) == (None, "cancel", "pause")
    assert fake_sendgrid.delivered() == Counter({"now@x.example": 1})  # the others wait for send_at
    assert fake_sendgrid.delivered(at=when) == Counter({"now@x.example": 1, "a@x.example": 1})


def test_sendgrid_rules(fake_sendgrid: FakeSendGrid, sendgrid: SendGridTransport) -> None:
    with pytest.raises(Refused, match="invalid batch id"):
        sendgrid.request("GET", "/mail/batch/nosuchbatch")
    with pytest.raises(Refused, match="batch id not found"):
        sendgrid.cancel_batch("nosuchbatch")
    soon = sendgrid.create_batch()
    sendgrid.post(body("a@x.example", send_at=unix(T0 + dt.timedelta(minutes=9)), batch_id=soon))
    with pytest.raises(Refused, match="within 10 minutes of its send_at"):
        sendgrid.cancel_batch(soon)
    with pytest.raises(Refused, match="send_at: cannot be more than 72 hours in the future"):
        sendgrid.post(body("b@x.example", send_at=unix(T0 + dt.timedelta(hours=72, seconds=1)), batch_id=soon))
    with pytest.raises(Refused, match="batch_id: invalid batch id"):
        sendgrid.post(body("c@x.example", send_at=unix(T0 + dt.timedelta(hours=1)), batch_id="madeup"))
    with pytest.raises(Refused, match="status: 'stop' is not one of"):  # the official spec checks every body
        sendgrid.request("POST", "/user/scheduled_sends", {"batch_id": soon, "status": "stop"})
    sendgrid.post(body("d@x.example", send_at=unix(T0 + dt.timedelta(hours=72)), batch_id=soon))  # 72 h exactly is fine
    assert len(fake_sendgrid.invalid) == 3
    fake_sendgrid.invalid.clear()  # refused on purpose


SCHEMA_1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO meta VALUES ('schema', '1');
CREATE TABLE dispatches (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, slug TEXT NOT NULL, list_name TEXT, transport TEXT NOT NULL,
    content_hash TEXT NOT NULL, state TEXT NOT NULL, created TEXT NOT NULL, updated TEXT NOT NULL, subscribers TEXT,
    recipients INTEGER NOT NULL DEFAULT 0, skipped TEXT NOT NULL DEFAULT '{}', fields TEXT NOT NULL DEFAULT '[]',
    content TEXT NOT NULL DEFAULT '{}', send_at TEXT, batch_id TEXT, superseded_by INTEGER);
INSERT INTO dispatches (kind, slug, list_name, transport, content_hash, state, created, updated, recipients)
    VALUES ('real', 'example', 'members', 'sendgrid', 'abc', 'done', '2021-06-01T07:00:00+00:00', '2021-06-01T07:00:00+00:00', 5);
"""


def test_a_schema_1_ledger_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_1)
    with Ledger(path) as ledger:
        [old] = ledger.dispatches()
        assert (old.state, old.recipients, old.safe, old.timezone) == ("done", 5, False, None)
        assert ledger.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == (str(SCHEMA_VERSION),)
    with Ledger(path) as ledger:  # and opens again as is
        assert len(ledger.dispatches()) == 1
