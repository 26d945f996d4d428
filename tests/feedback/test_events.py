"""Stored webhook events: deduplicated, suppressing ones applied, no address kept in the events table."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

from bulletin.feedback.events import store_events
from bulletin.ledger_feedback import FeedbackStore

NOW = dt.datetime(2021, 7, 6, tzinfo=dt.UTC)


def event(n: int, kind: str, email: str = "a@example.org", **extra: object) -> dict[str, object]:
    return {"sg_event_id": f"id{n}", "event": kind, "email": email, "timestamp": 1625500000 + n, **extra}


def test_each_suppressing_event_and_only_those(tmp_path: Path) -> None:
    events = [
        event(1, "bounce", "b@example.org", reason="550 no such user", status="5.1.1"),
        event(2, "spamreport", "s@example.org"),
        event(3, "unsubscribe", "u@example.org"),
        event(4, "group_unsubscribe", "g@example.org", asm_group_id=12345),
        event(5, "dropped", "d@example.org", reason="Bounced Address"),
        event(6, "dropped", "c@example.org", reason="Spam Content"),  # the message, not the address
        event(7, "delivered", "ok@example.org"),
        event(8, "open", "ok@example.org"),
        {"event": "click"},  # no id: ignored
    ]
    with FeedbackStore(tmp_path / "state.db") as store:
        stored = store_events(store, events, NOW)
        assert (stored.received, stored.new, stored.suppressions) == (9, 8, 5)
        assert store.suppressed() == {"b@example.org": "bounce", "s@example.org": "spam_report", "u@example.org": "unsubscribe",
                                      "g@example.org": "group_unsubscribe", "d@example.org": "dropped"}
        assert [r.reason for r in store.rows_for("g@example.org")] == ["unsubscribe group 12345"]
        again = store_events(store, events, NOW)
        assert (again.new, again.suppressions) == (0, 0)
    with sqlite3.connect(tmp_path / "state.db") as db:
        dumped = "\n".join(db.iterdump())
    assert "ok@example.org" not in dumped  # events keep a digest, never the address


def test_clicks_by_category(tmp_path: Path) -> None:
    with FeedbackStore(tmp_path / "state.db") as store:
        store_events(store, [event(1, "click", url="https://x.example/a", category="bulletin-issue-a"),
                             event(2, "click", url="https://x.example/b", category=["bulletin", "bulletin-issue-b"])], NOW)
        assert [c.url for c in store.clicks("bulletin-issue-b")] == ["https://x.example/b"]
        assert store.clicks("bulletin-issue-c") == []
