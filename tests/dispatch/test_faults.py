"""Faults during a dispatch: it completes with no duplicates; ambiguous requests are reported unknown."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest

import bulletin
from bulletin.dispatch.retry import RetryPolicy
from bulletin.errors import DispatchError
from fakes.sendgrid_server import FakeSendGrid, Reply, Request

from .helpers import batch_states, run, use_subscribers, write_subscribers


@pytest.fixture
def members(sendgrid_project: Path) -> list[str]:
    """5,000 members: 5 requests."""
    emails = write_subscribers(sendgrid_project / "members.csv", 5000)
    use_subscribers(sendgrid_project, "members.csv")
    return emails


def send(sleeps: list[float] | None = None, **options: object) -> bulletin.SendReport:
    policy = RetryPolicy(sleep=(sleeps if sleeps is not None else []).append)
    return bulletin.send("issues/example.yaml", list_name="members", retry=policy, **options)  # type: ignore[arg-type]


def test_429_waits_retry_after_then_completes(fake_sendgrid: FakeSendGrid, members: list[str]) -> None:
    fake_sendgrid.fail(2, "429", retry_after=3)
    fake_sendgrid.fail(3, "429")  # its retry; no Retry-After: backoff with jitter (2nd try: up to 2 s)
    sleeps: list[float] = []
    report = send(sleeps)
    assert report.outcome == "sent"
    assert sleeps[0] == 3 and 0 <= sleeps[1] <= 2.0
    assert fake_sendgrid.mail_requests() == 7
    assert fake_sendgrid.recipients() == Counter({m: 1 for m in members})


def test_429_through_the_cli_really_waits(fake_sendgrid: FakeSendGrid, members: list[str]) -> None:
    fake_sendgrid.fail(1, "429", retry_after=1)
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 0, result.output
    assert "SendGrid asks to slow down (429 Too Many Requests); waiting 1 s" in result.output
    assert fake_sendgrid.recipients() == Counter({m: 1 for m in members})


@pytest.mark.parametrize("status", ["500", "503"])
def test_server_errors_are_retried(fake_sendgrid: FakeSendGrid, members: list[str], status: str) -> None:
    fake_sendgrid.fail(1, status)
    fake_sendgrid.fail(4, status)
    fake_sendgrid.fail(5, status)
    report = send()
    assert report.outcome == "sent"
    assert fake_sendgrid.recipients() == Counter({m: 1 for m in members})


def test_retries_are_bounded(fake_sendgrid: FakeSendGrid, members: list[str]) -> None:
    for number in range(2, 20):
        fake_sendgrid.fail(number, "503")
    with pytest.raises(DispatchError, match="gave up after 6 tries") as caught:
        send()
    assert "1,000 recipients were sent before this; run the same command again" in str(caught.value)
    assert [s for *_, s, _ in batch_states(Path.cwd())] == ["accepted", "failed", "pending", "pending", "pending"]
    fake_sendgrid.faults.clear()
    assert send().outcome == "sent"  # the failed batch was never accepted: sending it again is safe
    assert fake_sendgrid.recipients() == Counter({m: 1 for m in members})


def test_a_reset_after_sending_is_unknown_and_not_retried(fake_sendgrid: FakeSendGrid, members: list[str]) -> None:
    fake_sendgrid.fail(2, "reset-after-body")
    report = send()
    assert report.outcome == "incomplete"
    assert [b.seq for b in report.unknown] == [2]
    assert fake_sendgrid.mail_requests() == 5  # no automatic retry
    assert fake_sendgrid.recipients() == Counter({m: 1 for m in members})  # it had arrived
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 1
    assert "1 request with unknown outcome (1,000 recipients; batches 2): left alone" in result.output
    assert "Nothing left to send in dispatch 1." in result.output
    assert "--resend-unknown or --skip-unknown" in result.output
    assert fake_sendgrid.mail_requests() == 5
    done = run("send", "issues/example.yaml", "--list", "members", "--yes", "--skip-unknown")
    assert done.exit_code == 0, done.output
    assert [s for *_, s, _ in batch_states(Path.cwd())] == ["accepted", "skipped", "accepted", "accepted", "accepted"]
    assert fake_sendgrid.recipients() == Counter({m: 1 for m in members})
    assert "Already sent" in run("send", "issues/example.yaml", "--list", "members", "--yes").output


def test_a_stalled_request_is_unknown_then_resent_on_request(fake_sendgrid: FakeSendGrid, members: list[str]) -> None:
    # BULLETIN_SENDGRID_TIMEOUT is the fixture's 5 s for the whole request (validating 1,000 recipients takes a
    # loaded machine a while): the stall outlasts it
    fake_sendgrid.fail(3, "stall", seconds=7.0)
    fake_sendgrid.fail(4, "drop")  # read, lost, connection reset: unknown too, and not delivered
    report = send()
    fake_sendgrid.release()
    assert sorted(b.seq for b in report.unknown) == [3, 4]
    counts = fake_sendgrid.recipients()
    delivered = set(counts)
    assert all(counts[m] == 1 for m in delivered)
    assert set(members[2000:3000]) <= delivered  # the stalled one was delivered in the end
    assert not set(members[3000:4000]) & delivered  # the dropped one was not
    again = send(options=bulletin.SendOptions(unknown="resend"))
    assert again.outcome == "sent"
    counts = fake_sendgrid.recipients()
    assert set(counts) == set(members)
    assert {m for m, c in counts.items() if c > 1} == set(members[2000:3000])  # twice only where unknown and re-sent
    rows = bulletin.status()
    assert rows[0]["resent_after_unknown"] == [3, 4]


def test_three_unanswered_requests_in_a_row_stop_the_run(fake_sendgrid: FakeSendGrid, members: list[str]) -> None:
    for number in (1, 2, 3):
        fake_sendgrid.fail(number, "reset-after-body")
    with pytest.raises(DispatchError, match="3 requests in a row got no answer"):
        send()
    assert fake_sendgrid.mail_requests() == 3
    assert [s for *_, s, _ in batch_states(Path.cwd())] == ["unknown"] * 3 + ["pending"] * 2


def test_a_401_stops_with_sendgrids_message_and_sends_nothing(fake_sendgrid: FakeSendGrid, members: list[str]) -> None:
    fake_sendgrid.fail(1, "401")
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 1
    assert "SendGrid refused the request (401): The provided authorization grant is invalid" in result.output
    assert "check SENDGRID_API_KEY" in result.output
    assert fake_sendgrid.recipients() == Counter()
    assert fake_sendgrid.mail_requests() == 1


def test_a_400_stops_with_sendgrids_messages(fake_sendgrid: FakeSendGrid, members: list[str]) -> None:
    fake_sendgrid.fail(2, "400", message="The from address does not match a verified Sender Identity")
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 1
    assert "(400): The from address does not match a verified Sender Identity" in result.output
    assert fake_sendgrid.mail_requests() == 2
    assert len(fake_sendgrid.recipients()) == 1000


def test_a_batch_waiting_to_be_retried_is_not_marked_as_in_flight(fake_sendgrid: FakeSendGrid, members: list[str]) -> None:
    # killed while waiting after a 429, the batch must come back as pending (certainly not sent), not unknown
    fake_sendgrid.fail(2, "429", retry_after=1)
    seen: list[str] = []

    def sleep(seconds: float) -> None:
        seen.extend(state for *_, state, _ in batch_states(Path.cwd()))

    report = bulletin.send("issues/example.yaml", list_name="members", retry=RetryPolicy(sleep=sleep))
    assert seen == ["accepted", "pending", "pending", "pending", "pending"]
    assert report.outcome == "sent"
    with sqlite3.connect(".bulletin/ledger.db") as db:
        assert db.execute("SELECT attempts FROM batches ORDER BY seq").fetchall() == [(1,), (2,), (1,), (1,), (1,)]


def test_a_proxy_page_instead_of_sendgrids_answer_is_not_taken_as_sent(fake_sendgrid: FakeSendGrid, members: list[str]) -> None:
    fake_sendgrid.routes[("POST", "/v3/mail/send")] = lambda request: Reply(200, "<html>Please log in</html>")
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 1
    assert "answered 200 instead of 202 Accepted" in result.output
    assert fake_sendgrid.mail_requests() == 1  # it will not get better by itself: stop at once
    # listed for the user, never 'accepted'
    assert [state for *_, state, _ in batch_states(Path.cwd())] == ["unknown", "pending", "pending", "pending", "pending"]
    assert "Already sent" not in run("send", "issues/example.yaml", "--list", "members", "--yes").output


def test_an_address_sendgrid_refuses_is_named_and_fixing_the_file_finishes_the_dispatch(
        sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    members = write_subscribers(sendgrid_project / "members.csv", 1500, extra=[["typo@x.example", "", "members", ""]])
    use_subscribers(sendgrid_project, "members.csv")
    accept = fake_sendgrid.routes[("POST", "/v3/mail/send")]

    def refuse_typo(request: Request) -> Reply:  # as SendGrid: a recipient named by its place in the request
        emails = [p["to"][0]["email"] for p in request.json["personalizations"]]
        if "typo@x.example" in emails:
            field = f"personalizations.{emails.index('typo@x.example')}.to.0.email"
            return Reply(400, {"errors": [{"message": "Does not contain a valid address.", "field": field, "help": None}]})
        return accept(request)

    fake_sendgrid.routes[("POST", "/v3/mail/send")] = refuse_typo
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 1
    assert "personalizations.500.to.0.email (typo@x.example): Does not contain a valid address." in result.output
    text = (sendgrid_project / "members.csv").read_text(encoding="utf-8")
    (sendgrid_project / "members.csv").write_text(text.replace("typo@x.example,,members,", "typo@x.example,,members,bounced"), encoding="utf-8")
    again = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert again.exit_code == 0, again.output
    assert fake_sendgrid.recipients() == Counter({m: 1 for m in members})


# --- issue 10: a redirect, an ambiguous 5xx, a trickling answer ------------------------------------


def test_a_redirect_is_refused_and_the_key_never_goes_to_the_other_host(fake_sendgrid: FakeSendGrid, members: list[str]) -> None:
    with FakeSendGrid(validate=False) as portal:  # another loopback port: records every header it gets
        fake_sendgrid.fail(2, "redirect", location=f"{portal.url}/captive/login")
        result = run("send", "issues/example.yaml", "--list", "members", "--yes")
        assert portal.requests == []  # not followed: the key never reached it
    assert result.exit_code == 1
    assert "answered 302 Found (a redirect to " in result.output
    assert "never follows a redirect" in result.output
    assert fake_sendgrid.mail_requests() == 2  # refused: not retried, the run stopped
    assert fake_sendgrid.api_key not in result.output
    assert [s for *_, s, _ in batch_states(Path.cwd())] == ["accepted", "failed", "pending", "pending", "pending"]


def test_a_redirect_of_a_scheduled_send_call_is_refused_too(fake_sendgrid: FakeSendGrid) -> None:
    from bulletin.dispatch.sendgrid import SendGridTransport
    from bulletin.dispatch.transport import Refused

    with FakeSendGrid(validate=False) as portal:
        fake_sendgrid.routes[("POST", "/v3/mail/batch")] = lambda request: Reply(307, None, {"Location": f"{portal.url}/v3/mail/batch"})
        transport = SendGridTransport(fake_sendgrid.api_key, base_url=fake_sendgrid.url, timeout=5)
        with pytest.raises(Refused, match="307"):
            transport.create_batch()
        assert portal.requests == []


def test_a_gateway_504_page_after_acceptance_is_unknown_and_not_retried(fake_sendgrid: FakeSendGrid, members: list[str]) -> None:
    fake_sendgrid.fail(2, "504-html")  # the gateway timed out, but SendGrid had accepted the mail
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 1
    assert "504" in result.output and "may or may not have been sent" in result.output
    assert fake_sendgrid.mail_requests() == 2  # never retried: everyone of batch 2 got it exactly once
    assert fake_sendgrid.recipients() == Counter({m: 1 for m in members[:2000]})
    assert [s for *_, s, _ in batch_states(Path.cwd())] == ["accepted", "unknown", "pending", "pending", "pending"]
    skip = run("send", "issues/example.yaml", "--list", "members", "--yes", "--skip-unknown")
    assert skip.exit_code == 0, skip.output
    assert fake_sendgrid.recipients() == Counter({m: 1 for m in members})


@pytest.mark.parametrize("status", ["502", "503", "504"])
def test_a_5xx_that_is_not_sendgrids_json_is_unknown(fake_sendgrid: FakeSendGrid, members: list[str], status: str) -> None:
    fake_sendgrid.routes[("POST", "/v3/mail/send")] = lambda request: Reply(int(status), "Bad gateway", {"Content-Type": "text/plain"})
    with pytest.raises(DispatchError, match="may or may not have been sent"):
        send()
    assert fake_sendgrid.mail_requests() == 1
    assert [s for *_, s, _ in batch_states(Path.cwd())][0] == "unknown"


def test_a_trickling_answer_ends_at_the_deadline_as_unknown(fake_sendgrid: FakeSendGrid, members: list[str]) -> None:
    # BULLETIN_SENDGRID_TIMEOUT is the fixture's 5 s: the whole request, connect, send and answer
    fake_sendgrid.fail(1, "trickle", length=100_000, seconds=60)  # 202, then one byte a second
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert fake_sendgrid.wait_trickles() == ["client left"]  # cut at the deadline, not when the server stopped
    assert "batch 1" in result.output and "no complete answer within 5 s" in result.output
    assert fake_sendgrid.mail_requests() == 5  # the others went on; the trickled one is not retried
    assert fake_sendgrid.recipients() == Counter({m: 1 for m in members})
    assert [s for *_, s, _ in batch_states(Path.cwd())] == ["unknown", "accepted", "accepted", "accepted", "accepted"]
    assert "Unknown" in result.output or "unknown" in result.output
