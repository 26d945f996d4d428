"""bulletin cancel: before the hand-over (ledger only), after it (SendGrid's scheduled_sends), and too late."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bulletin.dispatch.schedule.times import HANDOVER
from dispatch.helpers import run
from fakes.sendgrid_server import FakeSendGrid

from .helpers import T0, Clock, dispatches, due, schedule

TWO_HOURS = T0 + dt.timedelta(hours=2)  # "2021-07-01 11:00" in Brussels
CANCEL = ("POST", "/v3/user/scheduled_sends")


def test_before_the_hand_over_it_is_only_marked_cancelled(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]],
                                                          sendgrid_project: Path) -> None:
    people(1500)
    schedule("2021-07-06 09:00", clock)
    result = run("cancel", "issues/example.yaml")
    assert result.exit_code == 0, result.output
    assert result.output == ("Cancelled dispatch 1 of issues/example.yaml to 'members' (1,500 recipients, for Tue 2021-07-06 09:00 CEST "
                             "(Europe/Brussels), 07:00 UTC): it had not been handed over to SendGrid yet. Nobody gets it.\n")
    assert dispatches(sendgrid_project) == [(1, "cancelled", "2021-07-06T07:00:00+00:00", None)]
    clock.set(T0 + dt.timedelta(days=5) - HANDOVER)
    assert due(clock).handed == []
    assert fake_sendgrid.requests == []  # SendGrid never heard of it
    assert run("schedule", "list").output == "Nothing scheduled.\n"
    again = run("cancel", "issues/example.yaml", "--list", "members")
    assert (again.exit_code, again.output) == (2, "Error: issues/example.yaml to 'members' is already cancelled (dispatch 1)\n")


def test_after_the_hand_over_its_sendgrid_batch_is_cancelled(fake_sendgrid: FakeSendGrid, clock: Clock,
                                                             people: Callable[[int], list[str]], sendgrid_project: Path) -> None:
    people(2500)
    schedule("2021-07-01 11:00", clock)
    [batch_id] = fake_sendgrid.batches
    clock.set(TWO_HOURS - dt.timedelta(minutes=10))  # the last moment SendGrid allows
    result = run("cancel", "issues/example.yaml", "--list", "members")
    assert result.exit_code == 0, result.output
    assert "its SendGrid batch is cancelled. Nobody gets it." in result.output
    assert fake_sendgrid.batches == {batch_id: "cancel"} and fake_sendgrid.calls(*CANCEL) == 1
    [cancel] = [r for r, status in fake_sendgrid.requests if (r.method, r.path) == CANCEL]
    assert cancel.json == {"batch_id": batch_id, "status": "cancel"}
    assert dispatches(sendgrid_project) == [(1, "cancelled", "2021-07-01T09:00:00+00:00", batch_id)]
    clock.set(TWO_HOURS + dt.timedelta(hours=1))
    assert fake_sendgrid.delivered() == Counter()
    assert schedule("2021-07-02 11:00", clock).outcome == "handed over"  # scheduling it again is a new dispatch


def test_cancelling_too_late_is_refused(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]]) -> None:
    members = people(20)
    schedule("2021-07-01 11:00", clock)
    clock.set(TWO_HOURS - dt.timedelta(minutes=9, seconds=30))
    result = run("cancel", "issues/example.yaml")
    assert result.exit_code == 2
    assert result.output == ("Error: too late to cancel: SendGrid sends dispatch 1 of issues/example.yaml Thu 2021-07-01 11:00 CEST "
                             "(Europe/Brussels), 09:00 UTC, in 9 minutes, and takes no cancellation in the last 10 minutes\n")
    assert fake_sendgrid.calls(*CANCEL) == 0
    clock.set(TWO_HOURS + dt.timedelta(minutes=1))
    result = run("cancel", "issues/example.yaml")
    assert result.exit_code == 2
    assert result.output == "Error: too late: dispatch 1 of issues/example.yaml was sent Thu 2021-07-01 11:00 CEST (Europe/Brussels), 09:00 UTC; it cannot be cancelled\n"
    assert fake_sendgrid.delivered() == Counter({m: 1 for m in members})


def test_sendgrid_refusing_the_cancel_is_reported(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]],
                                                  sendgrid_project: Path) -> None:
    people(5)
    schedule("2021-07-01 11:00", clock)
    fake_sendgrid.set_time(TWO_HOURS - dt.timedelta(minutes=5))  # SendGrid's clock is ahead of ours
    result = run("cancel", "issues/example.yaml")
    assert result.exit_code == 1
    assert "SendGrid refused the request (400): batch_id: cannot cancel or pause a scheduled send within 10 minutes" in result.output
    assert dispatches(sendgrid_project)[0][1] == "done"  # still going out: the ledger says so


def test_nothing_to_cancel(clock: Clock, people: Callable[[int], list[str]]) -> None:
    people(5)
    assert run("cancel", "issues/example.yaml").output == (
        "Error: nothing is scheduled for issues/example.yaml: nothing was ever sent or scheduled in this project\n")
    schedule(None, clock)
    result = run("cancel", "issues/example.yaml")
    assert (result.exit_code, result.output) == (
        2, "Error: issues/example.yaml was sent right away (dispatch 1), not scheduled: it cannot be cancelled\n")


def test_several_lists_need_list(fake_sendgrid: FakeSendGrid, clock: Clock, sendgrid_project: Path) -> None:
    (sendgrid_project / "people.csv").write_text("email,lists\na@x.example,members\nb@x.example,press\n", encoding="utf-8")
    for name in ("members", "press"):
        assert run("send", "issues/example.yaml", "--list", name, "--subscribers", "people.csv", "--yes", "--at", "2021-07-06 09:00").exit_code == 0
    result = run("cancel", "issues/example.yaml")
    assert (result.exit_code, result.output) == (2, "Error: issues/example.yaml is scheduled to several lists (members, press). Say which with --list.\n")
    assert run("cancel", "issues/example.yaml", "--list", "press").exit_code == 0
    assert [r["list"] for r in json.loads(run("schedule", "list", "--json").output)] == ["members"]


def test_the_list_name_of_a_cancel_ignores_case(clock: Clock, people: Callable[[int], list[str]], sendgrid_project: Path) -> None:
    people(5)
    schedule("2021-07-06 09:00", clock)
    result = run("cancel", "issues/example.yaml", "--list", "Members")
    assert result.exit_code == 0, result.output
    assert dispatches(sendgrid_project) == [(1, "cancelled", "2021-07-06T07:00:00+00:00", None)]


def test_cancel_works_while_the_issue_file_is_broken_or_gone(clock: Clock, people: Callable[[int], list[str]],
                                                             sendgrid_project: Path) -> None:
    # "quick, cancel it": the issue has a mistake being fixed, or was renamed; the ledger knows the dispatch by its name
    people(5)
    issue = sendgrid_project / "issues" / "example.yaml"
    good = issue.read_text(encoding="utf-8")
    schedule("2021-07-06 09:00", clock)
    issue.write_text(good.replace("period:", "period: oops\nx:"), encoding="utf-8")
    result = run("cancel", "issues/example.yaml")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Cancelled dispatch 1 of issues/example.yaml to 'members'")
    issue.write_text(good, encoding="utf-8")
    schedule("2021-07-07 09:00", clock)
    issue.unlink()
    result = run("cancel", "issues/example.yaml")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Cancelled dispatch 2 of issues/example.yaml to 'members'")
    assert run("cancel", "example").output == "Error: example is already cancelled (dispatch 2)\n"
    assert [d[1] for d in dispatches(sendgrid_project)] == ["cancelled", "cancelled"]


def test_cancelling_with_the_outbox_says_outbox_and_marks_its_folder(tmp_project: Path, clock: Clock) -> None:
    """Issue 9, defect 6: cancel talked about SendGrid with the outbox, and a cancelled dispatch's files looked sent."""
    assert run("send", "issues/example.yaml", "--list", "members", "--yes", "--at", "2021-07-06 09:00").exit_code == 0
    waiting = run("cancel", "issues/example.yaml")
    assert waiting.exit_code == 0 and "SendGrid" not in waiting.output
    assert "it had not been handed over to the outbox yet. Nobody gets it." in waiting.output
    assert not (tmp_project / "outbox" / "example" / "1").exists()
    assert run("send", "issues/example.yaml", "--list", "members", "--yes", "--at", "2021-07-01 12:00").exit_code == 0
    folder = tmp_project / "outbox" / "example" / "2"
    assert sorted(p.name for p in folder.iterdir()) == ["batch-0001.eml", "batch-0001.json"]
    handed = run("cancel", "issues/example.yaml")
    assert handed.exit_code == 0 and "SendGrid" not in handed.output
    assert "its batch in the outbox is cancelled (outbox/example/2/ is marked CANCELLED.txt). Nobody gets it." in handed.output
    assert sorted(p.name for p in folder.iterdir()) == ["CANCELLED.txt", "batch-0001.eml", "batch-0001.json"]
    note = (folder / "CANCELLED.txt").read_text(encoding="utf-8")
    assert "Dispatch 2 of example to 'members' was cancelled" in note and "Nobody got it." in note
