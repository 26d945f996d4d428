"""Sending at a chosen time, against the fake SendGrid on an injected clock: hand-over within the window,
waiting in the ledger beyond it, re-reading the subscribers, the frozen message, running the same command again."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from bulletin.dispatch.schedule.times import HANDOVER
from bulletin.errors import BulletinError, DispatchError, LedgerError, Remedy
from dispatch.helpers import run, write_subscribers
from fakes.sendgrid_server import FakeSendGrid

from .helpers import T0, Clock, dispatches, due, schedule, unix

MONDAY = dt.datetime(2021, 7, 5, 7, 0, tzinfo=dt.UTC)  # "2021-07-05 09:00" in Brussels: 4 days after T0
SIX_DAYS = dt.datetime(2021, 7, 7, 7, 0, tzinfo=dt.UTC)  # "2021-07-07 09:00"


def test_two_hours_ahead_every_request_carries_the_batch_id_and_send_at(
        fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]], sendgrid_project: Path) -> None:
    members = people(2500)
    report = schedule("2021-07-01 11:00", clock)  # 09:00 UTC
    assert report.outcome == "handed over" and report.accepted == (3, 2500)
    assert fake_sendgrid.calls("POST", "/v3/mail/batch") == 1
    [batch_id] = fake_sendgrid.batches
    when = T0 + dt.timedelta(hours=2)
    assert [(a.body["send_at"], a.body["batch_id"]) for a in fake_sendgrid.accepted] == [(unix(when), batch_id)] * 3
    assert dispatches(sendgrid_project) == [(1, "done", "2021-07-01T09:00:00+00:00", batch_id)]
    assert fake_sendgrid.delivered() == Counter()  # held by SendGrid until its time
    clock.set(when)
    assert fake_sendgrid.delivered() == Counter({m: 1 for m in members})


def test_five_days_ahead_waits_in_the_ledger_until_the_window_opens(
        fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]], sendgrid_project: Path) -> None:
    members = people(1500)
    send_at = T0 + dt.timedelta(days=5)
    report = schedule("2021-07-06 09:00", clock)
    assert report.outcome == "scheduled" and report.plan.recipients == 1500
    assert fake_sendgrid.requests == []  # nothing reached SendGrid, not even a batch id
    assert dispatches(sendgrid_project) == [(1, "scheduled", "2021-07-06T07:00:00+00:00", None)]
    for moment in (T0 + dt.timedelta(days=1), send_at - HANDOVER - dt.timedelta(minutes=1)):
        clock.set(moment)
        found = due(clock)
        assert (found.handed, found.problems, found.waiting) == ([], [], 1)
        assert fake_sendgrid.requests == []
    clock.set(send_at - HANDOVER)  # the window opens
    found = due(clock)
    assert [r.outcome for r in found.handed] == ["handed over"] and not found.problems
    [batch_id] = fake_sendgrid.batches
    assert {(a.body["send_at"], a.body["batch_id"]) for a in fake_sendgrid.accepted} == {(unix(send_at), batch_id)}
    clock.advance(minutes=5)
    again = due(clock)  # idempotent: the next run finds nothing to do
    assert (again.handed, again.problems, fake_sendgrid.mail_requests(), fake_sendgrid.calls("POST", "/v3/mail/batch")) == ([], [], 2, 1)
    clock.set(send_at)
    assert fake_sendgrid.delivered() == Counter({m: 1 for m in members})


@pytest.mark.parametrize(("ahead", "outcome"), [(dt.timedelta(hours=70, minutes=59), "handed over"),
                                                (dt.timedelta(hours=71, minutes=1), "scheduled")])
def test_handed_over_at_once_only_within_71_hours(ahead: dt.timedelta, outcome: str, fake_sendgrid: FakeSendGrid, clock: Clock,
                                                  people: Callable[[int], list[str]]) -> None:
    people(10)
    report = schedule((T0 + ahead).isoformat(), clock)
    assert report.outcome == outcome
    assert fake_sendgrid.mail_requests() == (1 if outcome == "handed over" else 0)


def test_the_hand_over_rereads_the_subscribers(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]],
                                               sendgrid_project: Path) -> None:
    members = people(1200)
    assert schedule("2021-07-06 09:00", clock).outcome == "scheduled"
    path = sendgrid_project / "people.csv"
    text = path.read_text(encoding="utf-8")
    text = text.replace("person5@members.example,Person 5,members,subscribed", "person5@members.example,Person 5,members,unsubscribed")
    text = text.replace("person1100@members.example,Person 1100,members,subscribed\n", "")
    path.write_text(text + "new1@members.example,New,members,\n", encoding="utf-8")
    clock.set(T0 + dt.timedelta(days=5) - HANDOVER)
    [done] = due(clock).handed
    assert any("2 planned recipients unsubscribed, bounced or left the list" in note for note in done.plan.notes)
    assert any("1 joined the list" in note for note in done.plan.notes)
    clock.set(T0 + dt.timedelta(days=5))
    expected = set(members) - {"person5@members.example", "person1100@members.example"} | {"new1@members.example"}
    assert fake_sendgrid.delivered() == Counter({m: 1 for m in expected})


def test_the_message_is_frozen_when_scheduled(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]],
                                              sendgrid_project: Path) -> None:
    people(3)
    schedule("2021-07-06 09:00", clock)
    issue = sendgrid_project / "issues" / "example.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("subject: ", "subject: CHANGED ", 1), encoding="utf-8")
    clock.set(T0 + dt.timedelta(days=5) - HANDOVER)
    due(clock)
    [accepted] = fake_sendgrid.accepted
    assert accepted.body["subject"] == "Bulletin on EU Social Affairs #7 — January to June 2021"
    with sqlite3.connect(sendgrid_project / ".bulletin" / "ledger.db") as db:
        content, content_hash = db.execute("SELECT content, content_hash FROM dispatches").fetchone()
    assert json.loads(content)["subject"] == accepted.body["subject"] and len(content_hash) >= 32


def test_running_the_command_again(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]],
                                   sendgrid_project: Path) -> None:
    people(3)
    assert schedule("2021-07-06 09:00", clock).outcome == "scheduled"
    assert schedule("2021-07-06 09:00", clock).outcome == "already scheduled"
    moved = schedule("2021-07-07 09:00", clock)  # a new time, not handed over yet: it simply replaces it
    assert moved.outcome == "scheduled" and any("replaces dispatch 1" in note for note in moved.plan.notes)
    assert [(d[0], d[1], d[2]) for d in dispatches(sendgrid_project)] == [
        (1, "superseded", "2021-07-06T07:00:00+00:00"), (2, "scheduled", "2021-07-07T07:00:00+00:00")]
    with pytest.raises(LedgerError, match=r"is scheduled to 'members' for Wed 2021-07-07 09:00 CEST .* cancel it first"):
        schedule(None, clock)  # a plain send would mail it now as well
    clock.set(SIX_DAYS - HANDOVER)
    assert [r.outcome for r in due(clock).handed] == ["handed over"]
    assert schedule("2021-07-07 09:00", clock).outcome == "already handed over"
    with pytest.raises(LedgerError, match="already handed over to SendGrid .* cancel it first"):
        schedule("2021-07-07 10:00", clock)
    assert fake_sendgrid.mail_requests() == 1


def test_status_says_a_replaced_or_cancelled_dispatch_is_not_pending(
        fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]], sendgrid_project: Path) -> None:
    """Issue 9, defect 5: a superseded scheduled dispatch showed as '3 pending' (nothing will ever send them)."""
    people(3)
    schedule("2021-07-06 09:00", clock)
    schedule("2021-07-07 09:00", clock)  # a new time: dispatch 2 replaces dispatch 1
    issue = sendgrid_project / "issues" / "example.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("#7", "#8"), encoding="utf-8")
    schedule("2021-07-07 09:00", clock)  # the issue changed: dispatch 3 replaces dispatch 2
    assert run("cancel", "issues/example.yaml").exit_code == 0
    blocks = run("status").output.split("Dispatch ")[1:]
    assert len(blocks) == 3 and all("pending" not in block for block in blocks)
    first, second, third = blocks
    assert ": superseded" in first and "3 recipients: none sent: replaced by dispatch 2 (a new time)" in first
    assert "3 recipients: none sent: replaced by dispatch 3 (the issue changed)" in second
    assert ": cancelled" in third and "3 recipients: none sent: cancelled" in third
    rows = json.loads(run("status", "--json").output)
    assert [sorted(row["batches"]) for row in rows] == [["superseded"], ["superseded"], ["cancelled"]]
    assert fake_sendgrid.requests == []


def test_a_plain_send_after_a_scheduled_one_is_already_sent(fake_sendgrid: FakeSendGrid, clock: Clock,
                                                           people: Callable[[int], list[str]]) -> None:
    people(3)
    assert schedule(None, clock).outcome == "sent"
    assert schedule("2021-07-06 09:00", clock).outcome == "already sent"
    assert fake_sendgrid.mail_requests() == 1


def test_once_a_scheduled_dispatch_has_gone_it_is_sent_like_any_other(
        fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]], sendgrid_project: Path) -> None:
    members = people(3)
    assert schedule("2021-07-01 11:00", clock).outcome == "handed over"
    clock.set(T0 + dt.timedelta(hours=3))  # SendGrid sent it an hour ago
    assert fake_sendgrid.delivered() == Counter({m: 1 for m in members})
    assert schedule(None, clock).outcome == "already sent"  # not "handed over ... to cancel it: ..."
    assert schedule("2021-07-02 09:00", clock).outcome == "already sent"  # not "cancel it first" (too late for that)
    issue = sendgrid_project / "issues" / "example.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("#7", "#8"), encoding="utf-8")
    with pytest.raises(LedgerError) as caught:
        schedule(None, clock)
    assert "was sent to 'members' on " in str(caught.value) and "(dispatch 1, 3 recipients mailed)" in str(caught.value)
    assert "has changed since" in str(caught.value) and caught.value.remedy is Remedy.NEW_DISPATCH
    assert "To send the new version to the whole list again, send it as a new dispatch" in str(caught.value)
    assert "cancel" not in str(caught.value)
    again = schedule(None, clock, new_dispatch=True)  # the corrected issue, to the whole list, as the README says
    assert again.outcome == "sent" and again.accepted == (1, 3)
    assert [(d[0], d[1]) for d in dispatches(sendgrid_project)] == [(1, "superseded"), (2, "done")]
    assert fake_sendgrid.delivered() == Counter({m: 2 for m in members})


def test_scheduling_an_issue_edited_after_it_was_sent_says_it_changed(
        fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]], sendgrid_project: Path) -> None:
    """Issue 9, defect 1: sent, title edited, then --at: it crashed with a TypeError (_changed_message without its zone)."""
    people(3)
    assert schedule(None, clock).outcome == "sent"
    issue = sendgrid_project / "issues" / "example.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("#7", "#8"), encoding="utf-8")
    with pytest.raises(LedgerError) as caught:
        schedule("2021-07-06 09:00", clock)
    message = str(caught.value)
    assert "was sent to 'members' on Thu 2021-07-01 09:00 CEST" in message and "(dispatch 1, 3 recipients mailed)" in message
    assert "has changed since" in message and caught.value.remedy is Remedy.NEW_DISPATCH
    assert fake_sendgrid.mail_requests() == 1 and [d[1] for d in dispatches(sendgrid_project)] == ["done"]


def test_safe_without_a_time_sends_15_minutes_from_now(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]]) -> None:
    people(3)
    report = schedule(None, clock, safe=True)
    assert report.outcome == "handed over"
    [accepted] = fake_sendgrid.accepted
    assert accepted.body["send_at"] == unix(T0 + dt.timedelta(minutes=15))


def test_a_safe_send_needs_15_minutes(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]]) -> None:
    people(3)
    with pytest.raises(BulletinError, match="less than 15 minutes away.*choose a later time") as caught:
        schedule("2021-07-01 09:10", clock)
    assert caught.value.remedy is Remedy.NOT_SAFE
    assert schedule("2021-07-01 09:10", clock, safe=False).outcome == "handed over"


def test_the_outbox_writes_send_at_batch_id_and_the_cancel(tmp_project: Path, clock: Clock) -> None:
    result = run("send", "issues/example.yaml", "--list", "members", "--yes", "--at", "2021-07-01 12:00")
    assert result.exit_code == 0, result.output
    [body] = [json.loads(p.read_text()) for p in (tmp_project / "outbox" / "example" / "1").glob("*.json")]
    assert body["send_at"] == unix(T0 + dt.timedelta(hours=3)) and body["batch_id"].startswith("outbox")
    assert "Handed over dispatch 1" in result.output
    result = run("cancel", "issues/example.yaml")
    assert result.exit_code == 0, result.output
    cancel = json.loads((tmp_project / "outbox" / "scheduled_sends" / f"{body['batch_id']}.json").read_text())
    assert cancel == {"batch_id": body["batch_id"], "status": "cancel"}


def test_schedule_list(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]], sendgrid_project: Path) -> None:
    write_subscribers(sendgrid_project / "people.csv", 4, extra=[["press@x.example", "", "press", ""]])
    (sendgrid_project / "bulletin.yaml").write_text(
        (sendgrid_project / "bulletin.yaml").read_text(encoding="utf-8").replace("subscribers.example.csv", "people.csv"), encoding="utf-8")
    assert run("send", "issues/example.yaml", "--list", "members", "--yes", "--at", "2021-07-06 09:00").exit_code == 0
    assert run("send", "issues/example.yaml", "--list", "press", "--yes", "--at", "2021-07-01 13:30", "--tz", "UTC").exit_code == 0
    result = run("schedule", "list", "--json")
    rows = json.loads(result.output)
    assert [(r["list"], r["state"], r["recipients"], r["send_at"], r["local"]) for r in rows] == [
        ("press", "done", 1, "2021-07-01T13:30:00+00:00", "Thu 2021-07-01 13:30 UTC"),
        ("members", "scheduled", 4, "2021-07-06T07:00:00+00:00", "Tue 2021-07-06 09:00 CEST (Europe/Brussels), 07:00 UTC"),
    ]
    assert rows[0]["batch_id"] == next(iter(fake_sendgrid.batches)) and rows[1]["handover_from"] == "2021-07-03T08:00:00+00:00"
    text = run("schedule", "list").output
    assert "Tue 2021-07-06 09:00 CEST (Europe/Brussels), 07:00 UTC: example to 'members', 4 recipients" in text
    assert "handed over to SendGrid from Sat 2021-07-03 10:00 CEST" in text
    assert "1 recipient (dispatch 2, handed over, safe)" in text and "4 recipients (dispatch 1, waiting, safe)" in text
    clock.set(dt.datetime(2021, 7, 1, 14, 0, tzinfo=dt.UTC))
    assert [r["list"] for r in json.loads(run("schedule", "list", "--json").output)] == ["members"]  # press was sent


def test_the_key_never_shows(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]], sendgrid_project: Path) -> None:
    people(1500)
    key = fake_sendgrid.api_key
    outputs = [run("send", "issues/example.yaml", "--list", "members", "--yes", "--at", "2021-07-06 09:00").output,
               run("schedule", "list", "--json").output]
    clock.set(T0 + dt.timedelta(days=5) - HANDOVER)
    fake_sendgrid.fail(1, "reset-after-body")  # a safe restart: batch status, cancel, a new batch
    outputs += [run("dispatch-due").output, run("status", "--json").output, run("cancel", "issues/example.yaml").output]
    assert list(fake_sendgrid.batches.values()) == ["cancel", "cancel"]
    assert all(key not in out for out in outputs)
    stored = b"".join(p.read_bytes() for p in sorted(sendgrid_project.rglob("*")) if p.is_file())
    assert key.encode() not in stored


def test_finishing_an_interrupted_hand_over_rereads_the_subscribers(fake_sendgrid: FakeSendGrid, clock: Clock,
                                                                   people: Callable[[int], list[str]], sendgrid_project: Path) -> None:
    # the key was revoked mid-hand-over; by the time it is fixed, someone not yet handed over has unsubscribed
    members = people(2500)
    fake_sendgrid.fail(2, "401")
    with pytest.raises(DispatchError, match="401"):
        schedule("2021-07-01 11:00", clock, safe=False)
    path = sendgrid_project / "people.csv"
    text = path.read_text(encoding="utf-8").replace("person2101@members.example,Person 2101,members,subscribed",
                                                    "person2101@members.example,Person 2101,members,unsubscribed")
    path.write_text(text + "new1@members.example,New,members,\n", encoding="utf-8")
    clock.advance(minutes=5)
    [done] = due(clock).handed
    assert done.outcome == "handed over"
    clock.set(T0 + dt.timedelta(hours=2))
    expected = set(members) - {"person2101@members.example"} | {"new1@members.example"}
    assert fake_sendgrid.delivered() == Counter({m: 1 for m in expected})
