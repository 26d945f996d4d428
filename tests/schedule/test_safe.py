"""--safe: a hand-over cut off with requests of unknown outcome cancels its whole SendGrid batch and sends
everything again under a new one (moving the time when it is too close); without --safe, or too late to
cancel, the user decides. The process "dies" here by an exception at a chosen request (the SIGKILL test
is test_safe_crash.py)."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from bulletin.cli import error_text
from bulletin.dispatch.sendgrid import SendGridTransport
from bulletin.errors import Remedy
from dispatch.helpers import run
from fakes.sendgrid_server import FakeSendGrid

from .helpers import T0, Clock, due, schedule, unix

CANCEL = ("POST", "/v3/user/scheduled_sends")


class Dies:
    """The SendGrid transport, but the process dies at request ``at``: before sending it, or after (its answer lost)."""

    name = "sendgrid"

    def __init__(self, fake: FakeSendGrid, at: int, *, after_sending: bool) -> None:
        self.inner = SendGridTransport(fake.api_key, base_url=fake.url)
        self.at, self.after_sending, self.count = at, after_sending, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def post(self, body: dict[str, Any]) -> str | None:
        self.count += 1
        if self.count == self.at and not self.after_sending:
            raise KeyboardInterrupt
        message_id = self.inner.post(body)
        if self.count == self.at:
            raise KeyboardInterrupt
        return message_id


def crash(clock: Clock, fake: FakeSendGrid, at: str, request: int, *, after_sending: bool, **options: Any) -> None:
    with pytest.raises(KeyboardInterrupt):
        schedule(at, clock, transport=Dies(fake, request, after_sending=after_sending), **options)


def batch_rows(project: Path) -> list[tuple[int, str, str | None]]:
    with sqlite3.connect(project / ".bulletin" / "ledger.db") as db:
        return list(db.execute("SELECT seq, state, batch_id FROM batches ORDER BY seq"))


def test_after_a_crash_the_batch_is_cancelled_and_everyone_sent_again(
        fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]], sendgrid_project: Path) -> None:
    members = people(3000)
    crash(clock, fake_sendgrid, "2021-07-01 11:00", 2, after_sending=True)  # request 2 delivered, its answer never read
    first = next(iter(fake_sendgrid.batches))
    clock.advance(minutes=5)
    [done] = due(clock).handed
    assert done.outcome == "handed over"
    assert any("its whole SendGrid batch was cancelled and all 3,000 recipients are handed over again" in n for n in done.plan.notes)
    second = [b for b in fake_sendgrid.batches if b != first]
    assert fake_sendgrid.batches == {first: "cancel", second[0]: None}
    assert fake_sendgrid.mail_requests() == 2 + 3
    assert batch_rows(sendgrid_project) == [(1, "cancelled", first), (2, "cancelled", first), (3, "cancelled", first),
                                            (4, "accepted", None), (5, "accepted", None), (6, "accepted", None)]
    clock.set(T0 + dt.timedelta(hours=2))
    assert fake_sendgrid.delivered() == Counter({m: 1 for m in members})


def test_an_unanswered_request_is_recovered_in_the_same_run(fake_sendgrid: FakeSendGrid, clock: Clock,
                                                           people: Callable[[int], list[str]]) -> None:
    members = people(3000)
    fake_sendgrid.fail(2, "reset-after-body")  # delivered, then the connection drops: the outcome is unknown
    report = schedule("2021-07-01 11:00", clock)
    assert report.outcome == "handed over" and not report.unknown
    assert list(fake_sendgrid.batches.values()) == ["cancel", None]
    clock.set(T0 + dt.timedelta(hours=2))
    assert fake_sendgrid.delivered() == Counter({m: 1 for m in members})


def test_too_close_to_cancel_safely_the_time_moves_forward(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]]) -> None:
    members = people(2500)
    send_at = T0 + dt.timedelta(hours=1)
    crash(clock, fake_sendgrid, "2021-07-01 10:00", 1, after_sending=True)
    clock.set(send_at - dt.timedelta(minutes=12))  # still cancellable, but a re-send needs 15 minutes
    result = run("dispatch-due")
    assert result.exit_code == 0, result.output
    assert "SendGrid now sends it Thu 2021-07-01 10:03 CEST (Europe/Brussels), 08:03 UTC" in result.output
    later = send_at + dt.timedelta(minutes=3)
    assert [a.body["send_at"] for a in fake_sendgrid.accepted] == [unix(send_at)] + [unix(later)] * 3
    assert fake_sendgrid.delivered(at=unix(send_at)) == Counter()
    clock.set(later)
    assert fake_sendgrid.delivered() == Counter({m: 1 for m in members})


def test_too_late_to_cancel_the_user_decides(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]]) -> None:
    members = people(2500)
    send_at = T0 + dt.timedelta(hours=1)
    crash(clock, fake_sendgrid, "2021-07-01 10:00", 1, after_sending=True)
    clock.set(send_at - dt.timedelta(minutes=5))
    result = run("dispatch-due")
    assert result.exit_code == 1
    assert "1 request (1,000 recipients) has an unknown outcome, and its SendGrid batch can no longer be cancelled" in result.output
    assert fake_sendgrid.calls(*CANCEL) == 0
    # The Activity Feed shows batch 1 arrived: skip it, send the rest under the same batch
    result = run("send", "issues/example.yaml", "--list", "members", "--yes", "--skip-unknown")
    assert result.exit_code == 0, result.output
    clock.set(send_at)
    assert fake_sendgrid.delivered() == Counter({m: 1 for m in members})


def test_without_safe_unknown_requests_wait_for_the_user(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]]) -> None:
    members = people(2500)
    crash(clock, fake_sendgrid, "2021-07-01 11:00", 2, after_sending=False, safe=False)  # request 2 never left
    found = due(clock)
    assert [r.outcome for r in found.handed] == ["incomplete"]
    assert [str(p) for p in found.problems] == [
        "dispatch 1 of 'example' to 'members': 1 request (1,000 recipients) got no answer; run send(issues/example.yaml, "
        "list_name=members). To send them again (they may get it twice) or skip them (they may miss it), say which "
        "(unknown='resend' or unknown='skip')."]
    assert [error_text(p) for p in found.problems] == [  # as bulletin dispatch-due says it
        "dispatch 1 of 'example' to 'members': 1 request (1,000 recipients) got no answer; run bulletin send issues/example.yaml "
        "--list members. To send them again (they may get it twice) or skip them (they may miss it), add --resend-unknown "
        "or --skip-unknown."]
    assert [p.remedy for p in found.problems] == [Remedy.UNKNOWN]
    assert fake_sendgrid.calls(*CANCEL) == 0 and fake_sendgrid.mail_requests() == 2  # batch 3 went on
    assert schedule(None, clock, unknown="resend").outcome == "handed over"
    assert len(fake_sendgrid.batches) == 1
    clock.set(T0 + dt.timedelta(hours=2))
    assert fake_sendgrid.delivered() == Counter({m: 1 for m in members})


def test_cancelling_an_interrupted_hand_over(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]]) -> None:
    people(2500)
    crash(clock, fake_sendgrid, "2021-07-01 11:00", 2, after_sending=True)
    result = run("cancel", "issues/example.yaml")
    assert result.exit_code == 0, result.output
    assert list(fake_sendgrid.batches.values()) == ["cancel"]
    assert due(clock).handed == []
    clock.set(T0 + dt.timedelta(hours=3))
    assert fake_sendgrid.delivered() == Counter()
