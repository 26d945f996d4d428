"""deliver(): the send loop over a planned dispatch, driven directly (the CLI tests cover it end to end)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from bulletin.dispatch.deliver import deliver
from bulletin.dispatch.plan import SendPlan
from bulletin.dispatch.retry import RetryPolicy
from bulletin.errors import LedgerError
from bulletin.ledger import Ledger
from bulletin.mail import Message

NOON = dt.datetime(2021, 7, 5, 12, 0, tzinfo=dt.UTC)
MESSAGE = Message(slug="example", subject="S", html="<p>Hi *|NAME|*</p>", text="Hi *|NAME|*", from_email="news@example.org",
                  from_name=None, reply_to=None, categories=(), group_id=None, fields=("name",), fallbacks=("colleague",))


class Recorder:
    name = "recorder"

    def __init__(self) -> None:
        self.bodies: list[Mapping[str, Any]] = []

    def post(self, body: Mapping[str, Any]) -> str | None:
        self.bodies.append(body)
        return f"m{len(self.bodies)}"

    def describe(self) -> str:
        return "recorder"


def test_a_batch_whose_body_cannot_be_built_leaves_the_one_before_it_recorded(tmp_path: Path) -> None:
    with Ledger(tmp_path / "ledger.db", clock=lambda: NOON) as ledger:
        with ledger.transaction():
            dispatch = ledger.create_dispatch(kind="real", slug="example", list_name="members", transport="recorder",
                                              content_hash="abc", content=MESSAGE.to_dict(), fields=MESSAGE.fields, subscribers="s.csv")
            ledger.add_batches(dispatch, [[["a@x.example", "Ann"]], [["b@x.example", "Bo"]], [["c@x.example", ""]]])
            ledger.db.execute("UPDATE batches SET recipients = 'not json' WHERE seq = 2")  # damaged by hand
        transport = Recorder()
        plan = SendPlan(issue="issues/example.yaml", slug="example", subject="S", list_name="members", transport="recorder",
                        subscribers="s.csv")
        with pytest.raises(LedgerError, match="damaged"):
            deliver(ledger, dispatch, plan, kind="real", transport=transport, retry=RetryPolicy(sleep=lambda _: None))
        assert len(transport.bodies) == 1
        assert [b.state for b in ledger.batches(dispatch)] == ["accepted", "pending", "pending"]  # batch 2 never claimed


def test_the_next_body_is_built_while_a_request_waits_for_sendgrid(tmp_path: Path, fake_sendgrid, monkeypatch: pytest.MonkeyPatch) -> None:
    from bulletin.dispatch.sendgrid import SendGridTransport
    from bulletin.mail import BodyBuilder

    seen: list[list[str]] = []  # the batches' states when each body is built
    real_body = BodyBuilder.body

    def body(self: BodyBuilder, rows: Any, **options: Any) -> Any:
        seen.append([b.state for b in ledger.batches(dispatch)])
        return real_body(self, rows, **options)

    monkeypatch.setattr(BodyBuilder, "body", body)
    with Ledger(tmp_path / "ledger.db", clock=lambda: NOON) as ledger:
        with ledger.transaction():
            dispatch = ledger.create_dispatch(kind="real", slug="example", list_name="members", transport="sendgrid",
                                              content_hash="abc", content=MESSAGE.to_dict(), fields=MESSAGE.fields, subscribers="s.csv")
            ledger.add_batches(dispatch, [[[f"p{i}@x.example", "P"]] for i in range(3)])
        plan = SendPlan(issue="issues/example.yaml", slug="example", subject="S", list_name="members", transport="sendgrid",
                        subscribers="s.csv")
        report = deliver(ledger, dispatch, plan, kind="real", transport=SendGridTransport(fake_sendgrid.api_key, base_url=fake_sendgrid.url),
                         retry=RetryPolicy(sleep=lambda _: None))
    assert report.accepted == (3, 3) and fake_sendgrid.mail_requests() == 3
    # the first before any request; each next one once the request before it was written, its batch still 'sending'
    assert seen == [["pending"] * 3, ["sending", "pending", "pending"], ["accepted", "sending", "pending"]]
