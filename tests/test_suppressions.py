"""SendGrid's suppressions, once synced, keep their addresses out of every recipient choice: the send plan,
a real and a scheduled send, --test, subscribers check and the preview's picker; blocks do not."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from bulletin.config import load_project
from bulletin.dispatch.retry import RetryPolicy
from bulletin.feedback.api import SendGridAPI
from bulletin.feedback.sync import sync
from bulletin.ledger_feedback import FeedbackStore, state_db
from bulletin.preview.personal import find_subscriber, picker_emails
from dispatch.helpers import run, use_subscribers
from fakes.sendgrid_server import FakeSendGrid
from schedule.helpers import T0, Clock, due, schedule

NOW = int(T0.timestamp()) - 86400
KINDS = {  # subscriber -> the SendGrid list it is on
    "bounced@members.example": "bounces",
    "Spam@Members.example": "spam_reports",
    "left@members.example": "unsubscribes",
    "invalid@members.example": "invalid_emails",
    "blocked@members.example": "blocks",  # temporary: still mailed
}
GROUPED = "grouped@members.example"
KEPT = ["keep1@members.example", "keep2@members.example", "blocked@members.example"]


@pytest.fixture
def project(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> Path:
    people = [*KINDS, GROUPED, "keep1@members.example", "KEEP2@members.example"]
    lines = ["email,name,lists,status"] + [f"{p},,members,subscribed" for p in people] + ["spam@members.example,,members,subscribed"]
    (sendgrid_project / "people.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    use_subscribers(sendgrid_project, "people.csv")
    for email, name in KINDS.items():
        fake_sendgrid.feedback.add(name, email.upper() if name == "unsubscribes" else email, created=NOW)
    fake_sendgrid.feedback.group(12345, [GROUPED])
    sync(sendgrid_project, api=SendGridAPI(fake_sendgrid.api_key, base_url=fake_sendgrid.url, page_size=2,
                                           retry=RetryPolicy(attempts=2, sleep=lambda s: None)))
    return sendgrid_project


def test_the_plan_counts_each_kind_and_the_send_leaves_them_out(project: Path, fake_sendgrid: FakeSendGrid) -> None:
    plan = run("send", "issues/example.yaml", "--list", "members", "--dry-run")
    assert plan.exit_code == 0, plan.output
    assert "Recipients: 3 in 1 request" in plan.output
    assert ("5 suppressed at SendGrid (1 spam report, 1 unsubscribed, 1 unsubscribed from the group, 1 bounced, 1 invalid address)"
            in plan.output)
    assert "1 duplicate" in plan.output  # the second spam@ row
    assert "never fetched" not in plan.output
    sent = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert sent.exit_code == 0, sent.output
    assert fake_sendgrid.recipients() == Counter({k.lower(): 1 for k in KEPT})
    with sqlite3.connect(project / ".bulletin" / "ledger.db") as db:
        skipped = db.execute("SELECT skipped FROM dispatches").fetchone()[0]
    assert '"suppressed at SendGrid": 5' in skipped


def test_a_test_send_to_a_suppressed_address_is_refused_with_the_reason(project: Path, fake_sendgrid: FakeSendGrid) -> None:
    result = run("send", "issues/example.yaml", "--test", "Bounced@members.example")
    assert result.exit_code == 2
    assert "bounced at SendGrid on" in result.output and "550 5.1.1 user unknown" in result.output
    assert fake_sendgrid.mail_requests() == 0
    assert run("send", "issues/example.yaml", "--test", "blocked@members.example").exit_code == 0  # a block is temporary


def test_a_scheduled_dispatch_leaves_out_who_was_suppressed_before_its_hand_over(
        project: Path, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(fake_sendgrid, monkeypatch, T0)
    schedule("2021-07-06 09:00", clock)  # beyond 71 h: waits in the ledger
    with FeedbackStore(state_db(project, ".bulletin")) as store, store.transaction():
        store.add([("keep1@members.example", "bounce", "550 gone", NOW)], source="webhook", now=T0)
    clock.set(T0 + dt.timedelta(days=5) - dt.timedelta(hours=70))
    report = due(clock)
    assert report.handed and not report.problems
    clock.set(T0 + dt.timedelta(days=5))
    assert fake_sendgrid.delivered() == Counter({"keep2@members.example": 1, "blocked@members.example": 1})


def test_subscribers_check_and_the_preview_picker(project: Path) -> None:
    result = run("subscribers", "check")
    assert "suppressed at SendGrid: 5 addresses" in result.output
    emails, total = picker_emails(load_project(project))
    assert sorted(e.lower() for e in emails) == sorted(KEPT) and total == 3
    with pytest.raises(Exception, match="SendGrid suppresses"):
        find_subscriber(load_project(project), "left@members.example")


def test_send_warns_when_sync_never_ran_or_is_old(sendgrid_project: Path, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run("send", "issues/example.yaml", "--list", "members", "--dry-run")
    assert "were never fetched: run bulletin sync" in result.output
    with FeedbackStore(state_db(sendgrid_project, ".bulletin")) as store:
        store.mark_synced("*", None, T0)
    monkeypatch.setenv("BULLETIN_NOW", (T0 + dt.timedelta(days=6)).isoformat())
    assert "bulletin sync" not in run("send", "issues/example.yaml", "--list", "members", "--dry-run").output
    monkeypatch.setenv("BULLETIN_NOW", (T0 + dt.timedelta(days=8)).isoformat())
    assert "last fetched 8 days ago" in run("send", "issues/example.yaml", "--list", "members", "--dry-run").output


def test_the_outbox_transport_does_not_warn(tmp_project: Path) -> None:
    result = run("send", "issues/example.yaml", "--list", "members", "--dry-run")
    assert result.exit_code == 0 and "bulletin sync" not in result.output


def test_the_audience_counts_a_suppressed_address_once_and_never_as_withdrawn(tmp_path: Path) -> None:
    from bulletin.audience import Audience

    csv = tmp_path / "people.csv"
    csv.write_text("email,lists,status\nA@x.example,members,\nb@x.example,members,\na@x.example,members,\n"
                   "a@x.example,members,unsubscribed\nc@x.example,press,\n", encoding="utf-8")
    audience = Audience(csv, list_name="members", sendgrid={"a@x.example": "bounce", "c@x.example": "spam_report"})
    assert [r.email for r in audience] == ["b@x.example"]
    report = audience.report
    assert report.sendgrid == Counter({"bounce": 1})  # c@ is not on the list: not counted
    assert report.skipped["suppressed at SendGrid"] == 1 and report.skipped["duplicate"] == 1
    assert report.skipped["unsubscribed"] == 1 and not report.withdrawn and report.recipients == 1
