"""Resuming a dispatch: never twice, never to who left since, newcomers added, one sender at a time."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

import bulletin
from bulletin.dispatch.retry import RetryPolicy
from bulletin.dispatch.sendgrid import SendGridTransport
from bulletin.errors import AudienceError, DispatchError, LedgerError, Remedy
from bulletin.ledger import Ledger
from fakes.sendgrid_server import FakeSendGrid

from .helpers import batch_states, use_subscribers, write_subscribers

NO_WAIT = RetryPolicy(attempts=2, sleep=lambda s: None)


def send(**options: object) -> bulletin.SendReport:
    return bulletin.send("issues/example.yaml", list_name="members", retry=NO_WAIT, **options)  # type: ignore[arg-type]


def rewrite(path: Path, change: dict[str, str | None], add: list[list[str]] = ()) -> None:  # type: ignore[assignment]
    """Set the status of some addresses (None: delete the row) and append rows."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    out = [rows[0]]
    for row in rows[1:]:
        if row[0] in change:
            if change[row[0]] is None:
                continue
            row[3] = str(change[row[0]])
        out.append(row)
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(out + list(add))


@pytest.fixture
def people(sendgrid_project: Path) -> Path:
    path = sendgrid_project / "people.csv"
    write_subscribers(path, 3000)
    use_subscribers(sendgrid_project, "people.csv")
    return path


def test_resume_drops_who_left_and_adds_who_joined(fake_sendgrid: FakeSendGrid, people: Path) -> None:
    fake_sendgrid.fail(2, "503")
    fake_sendgrid.fail(3, "503")
    with pytest.raises(DispatchError, match="gave up after 2 tries"):
        send()
    assert fake_sendgrid.recipients() == Counter({f"person{i}@members.example": 1 for i in range(1000)})
    rewrite(people, {
        "person5@members.example": "unsubscribed",  # already mailed: nothing to undo, nothing more to do
        "person1500@members.example": "unsubscribed",
        "person1501@members.example": "bounced",
        "person2500@members.example": None,  # removed from the file
    }, add=[["new1@members.example", "New", "members", "subscribed"], ["new2@members.example", "", "members", ""]])
    plan = bulletin.plan("issues/example.yaml", "members")
    assert plan.state == "resume"
    assert plan.resume is not None and (plan.resume.dropped, plan.resume.added) == (3, 2)
    assert plan.recipients == 2000 - 3 + 2
    report = send()
    assert report.outcome == "sent"
    counts = fake_sendgrid.recipients()
    assert max(counts.values()) == 1
    expected = {f"person{i}@members.example" for i in range(3000)} - {
        "person1500@members.example", "person1501@members.example", "person2500@members.example"} | {
        "new1@members.example", "new2@members.example"}
    assert set(counts) == expected


def test_a_request_cut_off_by_a_crash_is_unknown_on_resume(fake_sendgrid: FakeSendGrid, people: Path) -> None:
    # plan the dispatch, then behave like a process killed during request 2: 'sending' in the ledger
    fake_sendgrid.fail(1, "401")
    with pytest.raises(DispatchError):
        send()
    with Ledger(".bulletin/ledger.db") as ledger:
        batch = ledger.batches(1)[1]
        assert ledger.claim(batch.id)
    dry = bulletin.plan("issues/example.yaml", "members")
    assert dry.resume is not None and [b.seq for b in dry.resume.unknown] == [2]
    assert [s for *_, s, _ in batch_states(Path.cwd())] == ["failed", "sending", "pending"]  # the dry run changed nothing
    fake_sendgrid.faults.clear()
    report = send()
    assert report.outcome == "incomplete" and [b.seq for b in report.unknown] == [2]
    assert set(fake_sendgrid.recipients()) == {f"person{i}@members.example" for i in (*range(1000), *range(2000, 3000))}
    assert send(options=bulletin.SendOptions(unknown="skip")).outcome == "sent"
    assert fake_sendgrid.mail_requests() == 3


def test_someone_on_two_lists_gets_the_issue_once(fake_sendgrid: FakeSendGrid, sendgrid_project: Path) -> None:
    board = bulletin.send("issues/example.yaml", list_name="board", retry=NO_WAIT)
    assert board.outcome == "sent" and board.plan.recipients == 1
    members = send()
    assert members.plan.skipped["in another list's dispatch"] == 1
    assert fake_sendgrid.recipients()["anna.keller@member-org.example"] == 1
    assert sum(fake_sendgrid.recipients().values()) == 5


def test_people_an_unfinished_dispatch_to_another_list_will_mail_are_not_called_already_mailed(
        fake_sendgrid: FakeSendGrid, sendgrid_project: Path) -> None:
    write_subscribers(sendgrid_project / "people.csv", 2500, list_name="members;board")
    use_subscribers(sendgrid_project, "people.csv")
    fake_sendgrid.fail(2, "503")
    fake_sendgrid.fail(3, "503")
    with pytest.raises(DispatchError, match="run the same command again to send the rest"):
        send()
    assert sum(fake_sendgrid.recipients().values()) == 1000  # 1,500 are still to come from the members dispatch
    with pytest.raises(AudienceError) as caught:
        bulletin.send("issues/example.yaml", list_name="board", retry=NO_WAIT)
    assert str(caught.value) == "people.csv: nobody to send to on the list 'board' (2500 in another list's dispatch)"
    assert send().outcome == "sent"
    assert set(fake_sendgrid.recipients().values()) == {1} and len(fake_sendgrid.recipients()) == 2500


def test_an_unsubscribe_in_a_later_row_wins(fake_sendgrid: FakeSendGrid, sendgrid_project: Path) -> None:
    (sendgrid_project / "people.csv").write_text(
        "email,lists,status\nkeep@x.example,members,\nleft@x.example,members,subscribed\nLEFT@x.example,members,unsubscribed\n",
        encoding="utf-8",
    )
    use_subscribers(sendgrid_project, "people.csv")
    report = send()
    assert report.plan.recipients == 1 and report.plan.skipped == {"unsubscribed": 2}
    assert set(fake_sendgrid.recipients()) == {"keep@x.example"}


def test_one_sender_at_a_time(fake_sendgrid: FakeSendGrid, sendgrid_project: Path) -> None:
    with Ledger(".bulletin/ledger.db") as other:
        other.lock()
        with pytest.raises(LedgerError, match="another 'bulletin send' is running in this project"):
            send()
    assert fake_sendgrid.mail_requests() == 0
    assert send().outcome == "sent"  # the lock went with the other process


def test_a_scheduled_dispatch_sends_batch_id_and_send_at(fake_sendgrid: FakeSendGrid, sendgrid_project: Path) -> None:
    # a dispatch cut off while being handed over to SendGrid (tests/schedule/) carries on under its batch id and time
    fake_sendgrid.fail(1, "401")
    with pytest.raises(DispatchError):
        send()
    send_at = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).replace(microsecond=0)
    batch_id = SendGridTransport(fake_sendgrid.api_key, base_url=fake_sendgrid.url).create_batch()
    with Ledger(".bulletin/ledger.db") as ledger, ledger.transaction():
        ledger.set_dispatch(1, send_at=send_at.isoformat(), batch_id=batch_id)
    fake_sendgrid.faults.clear()
    assert send().outcome == "handed over"
    [accepted] = fake_sendgrid.accepted
    assert (accepted.body["send_at"], accepted.body["batch_id"]) == (int(send_at.timestamp()), batch_id)


def test_a_list_is_the_same_list_whatever_its_case(fake_sendgrid: FakeSendGrid, sendgrid_project: Path) -> None:
    # the subscribers file matches list names ignoring case, so the ledger must too: no second dispatch
    fake_sendgrid.fail(1, "401")
    with pytest.raises(DispatchError):
        bulletin.send("issues/example.yaml", list_name="Members", retry=NO_WAIT)
    fake_sendgrid.faults.clear()
    resumed = send()  # --list members
    assert resumed.plan.state == "resume" and resumed.dispatch == 1 and resumed.outcome == "sent"
    again = bulletin.send("issues/example.yaml", list_name="MEMBERS", retry=NO_WAIT)
    assert again.outcome == "already sent"
    assert sum(fake_sendgrid.recipients().values()) == 5 and fake_sendgrid.mail_requests() == 2


def test_an_edit_before_finishing_says_how_to_finish_or_start_again(fake_sendgrid: FakeSendGrid, people: Path) -> None:
    fake_sendgrid.fail(2, "503")
    fake_sendgrid.fail(3, "503")
    with pytest.raises(DispatchError, match="gave up after 2 tries"):
        send()
    item = Path("content") / "2021-06-17-pay-transparency.md"
    item.write_text(item.read_text(encoding="utf-8").replace("title: Pay", "title: Fair pay", 1), encoding="utf-8")
    with pytest.raises(LedgerError) as caught:
        send()
    message = str(caught.value)
    assert "was being sent to 'members' on " in message and "(dispatch 1, 1,000 recipients mailed, not finished)" in message
    assert "one of its items" in message and "undo that edit" in message and caught.value.remedy is Remedy.NEW_DISPATCH
    assert message.endswith("To send the new version to the whole list instead, send it as a new dispatch (new_dispatch=True).")
    assert fake_sendgrid.mail_requests() == 3  # the refused run sent nothing
