"""bulletin dispatch-due and bulletin scheduler: exactly one hand-over however many run at once; late and
missed hand-overs; the long-running loop stops cleanly."""

from __future__ import annotations

import datetime as dt
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from bulletin.dispatch.schedule.times import HANDOVER
from bulletin.ledger import Ledger
from dispatch.helpers import run, sendgrid_env, start, use_subscribers
from fakes.sendgrid_server import FakeSendGrid

from .helpers import T0, Clock, dispatches, due, schedule, unix

SEND_AT = T0 + dt.timedelta(days=5)  # "2021-07-06 09:00" in Brussels
WINDOW_OPENS = SEND_AT - HANDOVER


def test_two_dispatch_due_processes_at_once_hand_over_exactly_once(
        fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]], sendgrid_project: Path) -> None:
    members = people(2500)
    schedule("2021-07-06 09:00", clock)
    clock.set(WINDOW_OPENS)
    fake_sendgrid.delay = 0.05  # long enough for the two runs to overlap
    env = sendgrid_env(fake_sendgrid, BULLETIN_NOW=WINDOW_OPENS.isoformat())
    processes = [start(sendgrid_project, env, "dispatch-due") for _ in range(2)]
    outputs = [p.communicate(timeout=60)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    assert sum("Handed over dispatch 1" in out for out in outputs) == 1, outputs
    assert fake_sendgrid.calls("POST", "/v3/mail/batch") == 1 and fake_sendgrid.mail_requests() == 3
    clock.set(SEND_AT)
    assert fake_sendgrid.delivered() == Counter({m: 1 for m in members})


def test_eight_threads_at_once_hand_over_exactly_once(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]]) -> None:
    members = people(2500)
    schedule("2021-07-06 09:00", clock)
    clock.set(WINDOW_OPENS)
    fake_sendgrid.delay = 0.02
    start_together = threading.Barrier(8)
    reports = []

    def one() -> None:
        start_together.wait()
        reports.append(due(clock))

    threads = [threading.Thread(target=one) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(len(r.handed) for r in reports) == [0] * 7 + [1]
    assert not any(r.problems for r in reports)
    assert fake_sendgrid.calls("POST", "/v3/mail/batch") == 1 and fake_sendgrid.mail_requests() == 3
    clock.set(SEND_AT)
    assert fake_sendgrid.delivered() == Counter({m: 1 for m in members})


def test_the_claim_is_atomic_even_without_the_lock(clock: Clock, people: Callable[[int], list[str]], sendgrid_project: Path) -> None:
    people(5)
    schedule("2021-07-06 09:00", clock)
    start_together = threading.Barrier(8)
    won = []

    def claim() -> None:
        with Ledger(sendgrid_project / ".bulletin" / "ledger.db") as ledger:  # a connection of its own, no send lock
            start_together.wait()
            won.append(ledger.move_state(1, ["scheduled"], "handing_over"))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(won) == [False] * 7 + [True]


def test_a_late_hand_over_moves_the_time_15_minutes_ahead(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]],
                                                          sendgrid_project: Path) -> None:
    members = people(5)
    schedule("2021-07-06 09:00", clock)
    clock.set(SEND_AT + dt.timedelta(hours=3))  # dispatch-due did not run in time (the computer was off)
    result = run("dispatch-due")
    assert result.exit_code == 0, result.output
    assert ("Note: Dispatch 1 was due Tue 2021-07-06 09:00 CEST (Europe/Brussels), 07:00 UTC; SendGrid now sends it "
            "Tue 2021-07-06 12:15 CEST (Europe/Brussels), 10:15 UTC (a safe send goes at least 15 minutes ahead") in result.output
    [accepted] = fake_sendgrid.accepted
    assert accepted.body["send_at"] == unix(clock.now + dt.timedelta(minutes=15))
    clock.advance(minutes=15)
    assert fake_sendgrid.delivered() == Counter({m: 1 for m in members})


def test_a_missed_hand_over_waits_for_the_user(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]],
                                               sendgrid_project: Path) -> None:
    people(5)
    schedule("2021-07-06 09:00", clock)
    clock.set(SEND_AT + dt.timedelta(days=2))
    result = run("dispatch-due")
    assert result.exit_code == 1
    assert "was due Tue 2021-07-06 09:00 CEST (Europe/Brussels), 07:00 UTC and was never handed over" in result.output
    assert 'schedule it again with bulletin send issues/example.yaml --list members --at "...", or cancel it with bulletin cancel.' \
        in result.output
    assert fake_sendgrid.requests == [] and dispatches(sendgrid_project)[0][1] == "scheduled"
    assert run("cancel", "issues/example.yaml").exit_code == 0
    assert run("dispatch-due").exit_code == 0


def test_dispatch_due_says_what_waits(clock: Clock, people: Callable[[int], list[str]]) -> None:
    people(5)
    assert run("dispatch-due").output == "Nothing scheduled.\n"  # no ledger yet
    schedule("2021-07-06 09:00", clock)
    assert run("dispatch-due").output == (
        "Nothing due (1 scheduled for later; the next hand-over is from Sat 2021-07-03 10:00 CEST (Europe/Brussels), 08:00 UTC).\n")
    assert run("dispatch-due", "--quiet").output == ""


def test_the_scheduler_hands_over_then_stops_on_sigterm(fake_sendgrid: FakeSendGrid, clock: Clock, people: Callable[[int], list[str]],
                                                        sendgrid_project: Path) -> None:
    members = people(1500)
    schedule("2021-07-06 09:00", clock)
    clock.set(WINDOW_OPENS)
    process = start(sendgrid_project, sendgrid_env(fake_sendgrid, BULLETIN_NOW=WINDOW_OPENS.isoformat()), "scheduler", "--interval", "0.2")
    deadline = time.monotonic() + 30
    while fake_sendgrid.mail_requests() < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.5)  # a few more (empty) runs
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=20)
    assert process.returncode == 0, output
    assert "Handed over dispatch 1 of 'example' to 'members': 1,500 recipients in 2 requests" in output
    assert output.rstrip().endswith("Stopped.")
    assert fake_sendgrid.mail_requests() == 2
    clock.set(SEND_AT)
    assert fake_sendgrid.delivered() == Counter({m: 1 for m in members})


def test_the_scheduler_stops_on_ctrl_c(clock: Clock, people: Callable[[int], list[str]], sendgrid_project: Path) -> None:
    people(5)
    process = start(sendgrid_project, sendgrid_env(clock.fake), "scheduler", "--interval", "30")
    assert process.stdout is not None
    banner = process.stdout.readline()  # printed once it listens for signals
    assert banner.startswith("Handing over scheduled dispatches every 30 s"), banner
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=20)
    assert process.returncode == 0 and output.rstrip().endswith("Stopped."), output


# --- issue 10: someone on two lists, left out of one dispatch because the other held them -------------


def two_lists(project: Path, both_lists: str = "members;board") -> None:
    (project / "people.csv").write_text(
        f"email,name,lists,status\nboth@x.example,Both,{both_lists},subscribed\nm1@x.example,M,members,subscribed\n"
        "b1@x.example,B,board,subscribed\n", encoding="utf-8")


def test_someone_the_other_list_lets_go_is_owed_the_issue_and_gets_it_once(
        fake_sendgrid: FakeSendGrid, clock: Clock, sendgrid_project: Path) -> None:
    two_lists(sendgrid_project)
    use_subscribers(sendgrid_project, "people.csv")
    scheduled = run("send", "issues/example.yaml", "--list", "members", "--at", "2021-07-06 09:00", "--yes")
    assert scheduled.exit_code == 0, scheduled.output
    board = run("send", "issues/example.yaml", "--list", "board", "--yes")
    assert board.exit_code == 0, board.output
    assert "1 in another list's dispatch" in board.output
    two_lists(sendgrid_project, both_lists="board")  # both@ leaves members before the hand-over
    clock.set(WINDOW_OPENS)
    handed = run("dispatch-due")
    assert handed.exit_code == 0, handed.output
    assert "board" in handed.output and "both@x.example" not in handed.output  # says so, without personal data
    again = run("send", "issues/example.yaml", "--list", "board", "--yes")
    assert "Already sent" in again.output
    clock.set(SEND_AT)
    assert fake_sendgrid.delivered() == Counter({"both@x.example": 1, "m1@x.example": 1, "b1@x.example": 1})
    assert run("dispatch-due").exit_code == 0 and sum(fake_sendgrid.delivered().values()) == 3  # exactly once


def test_someone_left_to_a_cancelled_dispatch_gets_it_from_the_next_send_to_their_other_list(
        fake_sendgrid: FakeSendGrid, clock: Clock, sendgrid_project: Path) -> None:
    two_lists(sendgrid_project)
    use_subscribers(sendgrid_project, "people.csv")
    assert run("send", "issues/example.yaml", "--list", "members", "--at", "2021-07-06 09:00", "--yes").exit_code == 0
    assert run("send", "issues/example.yaml", "--list", "board", "--yes").exit_code == 0
    assert fake_sendgrid.delivered() == Counter({"b1@x.example": 1})
    cancelled = run("cancel", "issues/example.yaml", "--list", "members")
    assert cancelled.exit_code == 0, cancelled.output
    owed = run("send", "issues/example.yaml", "--list", "board", "--yes")
    assert owed.exit_code == 0, owed.output
    assert "Already sent" not in owed.output and "1 recipient" in owed.output
    assert fake_sendgrid.delivered() == Counter({"b1@x.example": 1, "both@x.example": 1})
    assert "Already sent" in run("send", "issues/example.yaml", "--list", "board", "--yes").output
    assert run("dispatch-due").exit_code == 0
    assert fake_sendgrid.delivered() == Counter({"b1@x.example": 1, "both@x.example": 1})


# --- issue 10: a lost ledger does not make a scheduled dispatch vanish silently ----------------------------------


def test_a_deleted_or_emptied_ledger_after_scheduling_is_noticed(fake_sendgrid: FakeSendGrid, clock: Clock,
                                                                 people: Callable[[int], list[str]], sendgrid_project: Path) -> None:
    people(10)
    assert run("send", "issues/example.yaml", "--list", "members", "--at", "2021-07-06 09:00", "--yes").exit_code == 0
    ledger = sendgrid_project / ".bulletin" / "ledger.db"
    for lose in ("delete", "empty"):
        for suffix in ("", "-wal", "-shm"):
            Path(f"{ledger}{suffix}").unlink(missing_ok=True)
        if lose == "empty":
            Ledger(ledger).close()
        due_run = run("dispatch-due")
        assert due_run.exit_code == 1, due_run.output
        assert "Nothing scheduled" not in due_run.output
        assert "has lost dispatch 1 of 'example' to 'members', scheduled for Tue 2021-07-06 09:00 CEST" in due_run.output
        assert "Restore the ledger from a backup" in due_run.output
        status = run("status")
        assert "has lost dispatch 1 of 'example' to 'members'" in status.output
        for output in (due_run.output, status.output):  # the command to run, with its flags
            assert "schedule it again (bulletin send issues/example.yaml --list members --at ...) and delete" in output
    assert fake_sendgrid.mail_requests() == 0


def test_the_second_record_goes_when_the_dispatch_is_cancelled_or_sent(fake_sendgrid: FakeSendGrid, clock: Clock,
                                                                       people: Callable[[int], list[str]]) -> None:
    people(10)
    assert run("send", "issues/example.yaml", "--list", "members", "--at", "2021-07-06 09:00", "--yes").exit_code == 0
    assert run("cancel", "issues/example.yaml", "--list", "members").exit_code == 0
    assert run("dispatch-due").output.startswith("Nothing scheduled")
    assert run("send", "issues/example.yaml", "--list", "members", "--at", "2021-07-06 09:00", "--yes").exit_code == 0
    clock.set(WINDOW_OPENS)
    assert "Handed over" in run("dispatch-due").output
    clock.set(SEND_AT + dt.timedelta(minutes=1))
    assert run("dispatch-due").output.startswith("Nothing scheduled")
    assert "lost" not in run("status").output
