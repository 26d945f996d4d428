"""End to end through the CLI: `bulletin send` to the fake SendGrid, which validates every request."""

from __future__ import annotations

import email
import email.policy
import io
import json
import sqlite3
from collections import Counter
from pathlib import Path

import pytest
from lxml import html as lxml_html

from bulletin.cli import main  # noqa: F401 - imported for CliRunner in helpers
from fakes.sendgrid_server import FakeSendGrid

from .helpers import batch_states, run, use_subscribers, write_subscribers

MEMBERS = {  # eligible members of subscribers.example.csv, as sent
    "anna.keller@member-org.example", "jean.dupont@member-org.example", "maria.rossi@member-org.example",
    "piet.jansen@member-org.example", "eva.novak@member-org.example",
}


def test_every_eligible_member_is_mailed_once_and_nobody_else(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 0, result.output
    assert fake_sendgrid.recipients() == Counter({address: 1 for address in MEMBERS})
    received = set(fake_sendgrid.recipients())
    for never in ("old.member@member-org.example", "bounced@member-org.example", "press@newsroom.example", "not-an-address"):
        assert never not in received
    assert "Sent dispatch 1: 5 recipients in 1 request" in result.output
    assert "1 unsubscribed, 1 bounced, 1 invalid, 1 duplicate, 1 not on list" in result.output
    assert "row 10: Anna.Keller@member-org.example appears in an earlier row" in result.output
    assert "row 11: 'not-an-address' is not a valid email address" in result.output
    assert batch_states(sendgrid_project) == [(1, 1, "accepted", 5)]


def test_a_later_row_with_a_mistyped_unsubscribe_withdraws_the_address(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    members = write_subscribers(sendgrid_project / "people.csv", 3, extra=[["PERSON1@members.example", "", "members", "unsubscibed"]])
    use_subscribers(sendgrid_project, "people.csv")
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 0, result.output
    assert fake_sendgrid.recipients() == Counter({members[0]: 1, members[2]: 1})
    assert "row 5: unknown status 'unsubscibed' (did you mean 'unsubscribed'?)" in result.output


def test_request_body_one_recipient_per_personalization_with_merge_fields(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    (sendgrid_project / "people.csv").write_text(
        'email,name,lists\nann@x.example,"Tom & Jerry <b>",members\nbob@x.example,,members\n', encoding="utf-8"
    )
    result = run("send", "issues/example.yaml", "--list", "members", "--yes", "--subscribers", "people.csv")
    assert result.exit_code == 0, result.output
    [accepted] = fake_sendgrid.accepted
    body = accepted.body
    assert [p["to"] for p in body["personalizations"]] == [[{"email": "ann@x.example"}], [{"email": "bob@x.example"}]]
    ann, bob = (p["substitutions"] for p in body["personalizations"])
    assert ann == {"*|FIRST_NAME|*": "Tom & Jerry <b>", "*|FIRST_NAME:HTML|*": "Tom &amp; Jerry &lt;b&gt;"}
    assert bob == {"*|FIRST_NAME|*": "colleague", "*|FIRST_NAME:HTML|*": "colleague"}  # merge_fallbacks in bulletin.yaml
    text, html = body["content"]
    assert text["type"] == "text/plain" and html["type"] == "text/html"
    assert "*|FIRST_NAME|*" in text["value"] and "*|FIRST_NAME:HTML|*" in html["value"] and "*|FIRST_NAME|*" not in html["value"]
    lxml_html.fromstring(html["value"])  # still a parseable document
    assert body["custom_args"] == {"bulletin_issue": "example", "bulletin_dispatch": "1", "bulletin_batch": "1"}
    assert body["categories"] == ["bulletin", "bulletin-issue-example"]  # the issue's own, for bulletin report
    assert body["asm"] == {"group_id": 12345}
    assert body["from"] == {"email": "bulletin@example.org", "name": "ESNF Bulletin"}
    assert body["reply_to"] == {"email": "communications@example.org"}
    assert body["headers"] == {
        "List-Unsubscribe": "<mailto:communications@example.org?subject=unsubscribe>, <<%asm_group_unsubscribe_raw_url%>>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }
    assert body["subject"] == "Bulletin on EU Social Affairs #7 — January to June 2021"
    request = next(r for r, status in fake_sendgrid.requests if status == 202)
    assert request.headers["authorization"] == f"Bearer {fake_sendgrid.api_key}"


def test_2500_recipients_arrive_in_3_requests(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    members = write_subscribers(sendgrid_project / "many.csv", 2500)
    use_subscribers(sendgrid_project, "many.csv")
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 0, result.output
    assert fake_sendgrid.mail_requests() == 3
    assert [len(a.recipients) for a in fake_sendgrid.accepted] == [1000, 1000, 500]
    assert fake_sendgrid.recipients() == Counter({m: 1 for m in members})
    assert [state for *_, state, _ in batch_states(sendgrid_project)] == ["accepted"] * 3


def test_running_a_finished_dispatch_again_sends_nothing(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    assert run("send", "issues/example.yaml", "--list", "members", "--yes").exit_code == 0
    again = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert again.exit_code == 0
    assert "Already sent: dispatch 1" in again.output and "Nothing was sent" in again.output
    assert fake_sendgrid.mail_requests() == 1


def test_a_changed_issue_needs_new_dispatch(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    assert run("send", "issues/example.yaml", "--list", "members", "--yes").exit_code == 0
    spec = sendgrid_project / "issues" / "example.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("Six months of work", "Half a year of work"), encoding="utf-8")
    refused = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert refused.exit_code == 2
    assert "issues/example.yaml was sent to 'members' on " in refused.output and "(dispatch 1, 5 recipients mailed)" in refused.output
    assert "has changed since: the issue, one of its items, a template or bulletin.yaml was edited" in refused.output
    assert "add --new-dispatch." in refused.output and "undo" not in refused.output  # it was finished: nothing to finish
    assert fake_sendgrid.mail_requests() == 1
    again = run("send", "issues/example.yaml", "--list", "members", "--yes", "--new-dispatch")
    assert again.exit_code == 0, again.output
    assert fake_sendgrid.recipients() == Counter({address: 2 for address in MEMBERS})
    rows = json.loads(run("status", "--json").output)
    assert [(r["dispatch"], r["state"], r["superseded_by"]) for r in rows] == [(1, "superseded", 2), (2, "done", None)]


def test_no_terminal_and_no_yes_is_refused_before_anything(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    result = run("send", "issues/example.yaml", "--list", "members")
    assert result.exit_code == 2
    assert "add --yes" in result.output
    assert fake_sendgrid.mail_requests() == 0
    assert json.loads(run("status", "--json").output) == []  # nothing recorded either


def test_without_a_terminal_a_mistake_in_the_input_is_named_before_asking_for_yes(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    result = run("send", "issues/example.yaml", "--list", "members", "--at", "2021-07-05 09:00")
    assert result.exit_code == 2 and "in the past" in result.output and "--yes" not in result.output
    result = run("send", "issues/example.yaml", "--list", "nobody-list")
    assert result.exit_code == 2 and "nobody is on the list 'nobody-list'" in result.output
    assert fake_sendgrid.requests == []


@pytest.mark.parametrize(("answer", "sent"), [("n\n", 0), ("y\n", 5)])
def test_confirmation_shows_the_plan(sendgrid_project: Path, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch,
                                     answer: str, sent: int) -> None:
    monkeypatch.setattr("bulletin.cli.terminal.interactive", lambda: True)
    result = run("send", "issues/example.yaml", "--list", "members", input=answer)
    assert result.exit_code == 0, result.output
    assert "Recipients: 5 in 1 request" in result.output and "Send to 5 recipients now?" in result.output
    assert sum(fake_sendgrid.recipients().values()) == sent
    with sqlite3.connect(sendgrid_project / ".bulletin" / "ledger.db") as db:
        assert db.execute("SELECT count(*) FROM dispatches").fetchone()[0] == (1 if sent else 0)


def test_dry_run_shows_the_plan_and_sends_and_records_nothing(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    write_subscribers(sendgrid_project / "many.csv", 2500, extra=[["gone@x.example", "", "members", "unsubscribed"]])
    use_subscribers(sendgrid_project, "many.csv")
    result = run("send", "issues/example.yaml", "--list", "members", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Recipients: 2,500 in 3 requests" in result.output
    assert "1 unsubscribed" in result.output
    assert "Transport: SendGrid (http://127.0.0.1:" in result.output
    assert "Dry run: nothing was written or sent." in result.output
    assert fake_sendgrid.mail_requests() == 0
    assert run("status", "--json").output.strip() == "[]"


def test_test_send_marks_the_subject_and_never_counts_as_the_real_one(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    result = run("send", "issues/example.yaml", "--test", "Anna.Keller@member-org.example", "--test", "me@org.example")
    assert result.exit_code == 0, result.output
    [test] = fake_sendgrid.accepted
    assert test.body["subject"].startswith("[TEST] Bulletin on EU Social Affairs #7")
    subs = {p["to"][0]["email"]: p["substitutions"]["*|FIRST_NAME|*"] for p in test.body["personalizations"]}
    assert subs == {"Anna.Keller@member-org.example": "Anna Keller", "me@org.example": "colleague"}
    assert test.body["custom_args"]["bulletin_kind"] == "test"
    real = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert real.exit_code == 0, real.output
    assert fake_sendgrid.recipients()["anna.keller@member-org.example"] == 2  # the test, then the real one
    rows = json.loads(run("status", "--json").output)
    assert [(r["kind"], r["state"], r["accepted"]) for r in rows] == [("test", "done", 2), ("real", "done", 5)]


def test_a_test_is_never_sent_to_an_address_that_unsubscribed_or_bounced(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    for args in (("--test", "me@org.example", "--test", "Old.Member@member-org.example", "--test", "<bounced@member-org.example>"),
                 ("--test", "old.member@member-org.example", "--dry-run")):
        result = run("send", "issues/example.yaml", *args)
        assert result.exit_code == 2, result.output
        assert result.output.startswith("Error: Not sent: a test address may not be mailed (")
        assert "--test Old.Member@member-org.example: unsubscribed in subscribers.example.csv" in result.output or \
            "--test old.member@member-org.example: unsubscribed in subscribers.example.csv" in result.output
    assert "--test <bounced@member-org.example>: bounced in subscribers.example.csv" in run(
        "send", "issues/example.yaml", "--test", "<bounced@member-org.example>").output
    (sendgrid_project / "people.csv").write_text("email,lists,status\nwho@x.example,members,unsubscibed\n", encoding="utf-8")
    result = run("send", "issues/example.yaml", "--subscribers", "people.csv", "--test", "who@x.example")
    assert result.exit_code == 2 and "--test who@x.example: has a status bulletin does not know in people.csv" in result.output
    assert fake_sendgrid.requests == []
    assert not (sendgrid_project / ".bulletin" / "ledger.db").exists() or batch_states(sendgrid_project) == []


def test_one_recipient_is_written_in_the_singular(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    result = run("send", "issues/example.yaml", "--test", "me@org.example")
    assert result.exit_code == 0, result.output
    assert "1 recipient in 1 request" in result.output and "1 recipients" not in result.output
    status = run("status").output
    assert "1 recipient: 1 accepted (1 request)" in status and "1 recipients" not in status


def test_a_warning_about_the_inputs_is_shown_once(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    item = sendgrid_project / "content" / "2021-06-17-pay-transparency.md"
    item.write_text(item.read_text(encoding="utf-8").replace("---\n", "---\nauthor: Ann\n", 1), encoding="utf-8")
    result = run("send", "issues/example.yaml", "--list", "members", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.output.count("'author' is not an item field") == 1


def test_status_lists_dispatches(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    run("send", "issues/example.yaml", "--list", "members", "--yes")
    table = run("status", "issues/example.yaml")
    assert table.exit_code == 0
    assert "members" in table.output and "done" in table.output
    assert "(Europe/Brussels)" in table.output and " UTC" in table.output  # times as bulletin.yaml's zone, and UTC
    [row] = json.loads(run("status", "issues/example.yaml", "--json").output)
    assert row["batches"] == {"accepted": {"requests": 1, "recipients": 5}}
    assert row["list"] == "members" and row["transport"] == "sendgrid" and row["recipients"] == 5


def test_status_of_an_issue_whose_file_now_has_a_mistake_or_is_gone(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    assert run("send", "issues/example.yaml", "--list", "members", "--yes").exit_code == 0
    issue = sendgrid_project / "issues" / "example.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("period:", "period: oops\nx:"), encoding="utf-8")
    for args in (("issues/example.yaml",), ("example",)):
        result = run("status", *args)
        assert result.exit_code == 0, result.output
        assert result.output.startswith("Dispatch 1: example to 'members' via sendgrid")
    issue.unlink()
    assert [row["dispatch"] for row in json.loads(run("status", "issues/example.yaml", "--json").output)] == [1]
    typo = run("status", "issues/exampel.yaml")  # nothing of that name: says so, with the file's own error
    assert (typo.exit_code, typo.output) == (2, "Error: no dispatches of 'exampel' in the ledger; issues/exampel.yaml: file not found\n")


def test_outbox_writes_the_exact_bodies_and_a_sample_message(tmp_project: Path) -> None:
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 0, result.output
    folder = tmp_project / "outbox" / "example" / "1"
    body = json.loads((folder / "batch-0001.json").read_text(encoding="utf-8"))
    assert {p["to"][0]["email"] for p in body["personalizations"]} == MEMBERS
    # the body is what SendGrid would get: the fake validates it against the official spec
    with FakeSendGrid() as fake:
        from fakes.sendgrid_server import Request

        raw = json.dumps(body).encode()
        check = fake.check(Request(1, "POST", "/v3/mail/send", {"authorization": f"Bearer {fake.api_key}",
                                                                "content-type": "application/json"}, raw))
        assert check is None, fake.invalid
    message = email.message_from_bytes((folder / "batch-0001.eml").read_bytes(), policy=email.policy.default)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    assert message["To"] == "anna.keller@member-org.example"
    assert message["From"] == "ESNF Bulletin <bulletin@example.org>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Subject"] == body["subject"]
    text = message.get_body(("plain",)).get_content()
    page = message.get_body(("html",)).get_content()
    assert "Anna Keller" in text and "Anna Keller" in page and "*|NAME" not in text + page
    assert "outbox (files in outbox/, nothing is sent)" in result.output


def test_ctrl_c_at_the_confirmation_is_a_no(sendgrid_project: Path, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("bulletin.cli.terminal.interactive", lambda: True)
    result = run("send", "issues/example.yaml", "--list", "members", input="")  # end of input, as with Ctrl-D/Ctrl-C
    assert result.exit_code == 0
    assert "Not sent: nothing was written or sent." in result.output
    assert fake_sendgrid.mail_requests() == 0


def test_ctrl_c_while_sending_gives_the_terminal_its_cursor_back(sendgrid_project: Path, fake_sendgrid: FakeSendGrid,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from rich.console import Console

    terminal = io.StringIO()
    monkeypatch.setattr("bulletin.cli.terminal.console", lambda stderr=False: Console(file=terminal, force_terminal=True))
    monkeypatch.setattr("bulletin.cli.terminal.live_progress", lambda: True)

    def interrupted(self: object, body: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr("bulletin.dispatch.sendgrid.SendGridTransport.post", interrupted)
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 130 and "Interrupted." in result.output
    shown = terminal.getvalue()
    assert "\x1b[?25l" in shown  # the progress bar hid the cursor...
    assert shown.rindex("\x1b[?25h") > shown.rindex("\x1b[?25l")  # ...and showed it again
    assert [state for *_, state, _ in batch_states(sendgrid_project)] == ["unknown"]  # resumable: listed on the next run


BROKEN_ROWS = {
    "too wide": "old.member@member-org.example,Old Member,members,unsubscribed,en,Former Org, Ltd\n",
    "not UTF-8": "caf\xe9@x.example,Caf\xe9,members,subscribed,fr,Org\nold.member@member-org.example,Old Member,members,unsubscribed,en,Former Org\n",
    "unclosed quote": 'x@x.example,"Open quote,members,subscribed,en,Org\nold.member@member-org.example,Old Member,members,unsubscribed,en,Former Org\n',
}


@pytest.mark.parametrize("broken", BROKEN_ROWS)
def test_a_broken_subscribers_file_refuses_a_test_send(sendgrid_project: Path, fake_sendgrid: FakeSendGrid, broken: str) -> None:
    # when the file cannot be read whole, nobody can tell whether a test address unsubscribed: refuse
    people = sendgrid_project / "people.csv"
    head = "email,name,lists,status,language,organisation\nme@org.example,Me,members,subscribed,en,Org\n"
    people.write_bytes((head + BROKEN_ROWS[broken]).encode("cp1252" if broken == "not UTF-8" else "utf-8"))
    result = run("send", "issues/example.yaml", "--subscribers", "people.csv", "--test", "old.member@member-org.example")
    assert result.exit_code == 2, result.output
    assert result.output.startswith("Error: Not sent: people.csv cannot be read whole")
    assert "people.csv" in result.output and ("row" in result.output or "line" in result.output)
    assert fake_sendgrid.requests == []
    other = run("send", "issues/example.yaml", "--subscribers", "people.csv", "--test", "me@org.example")
    assert other.exit_code == 2 and fake_sendgrid.requests == []  # nobody's test goes while the file is broken


def test_a_full_disk_while_writing_the_outbox_leaves_no_temporary_file(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno
    import io
    import os

    from bulletin.dispatch import outbox

    real = os.fdopen

    class Full(io.TextIOWrapper):
        def write(self, text: str) -> int:
            super().write(text[: len(text) // 2])  # half of it reaches the disk, then it is full
            self.flush()
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def fdopen(fd: int, *args: object, **kwargs: object) -> io.TextIOWrapper:
        handle = real(fd, "wb")
        return Full(handle, encoding="utf-8", newline="")

    monkeypatch.setattr(outbox.os, "fdopen", fdopen)
    result = run("send", "issues/example.yaml", "--test", "me@org.example")
    assert result.exit_code == 1, result.output
    assert "cannot write to the outbox" in result.output and "No space left on device" in result.output
    assert [p.name for p in (tmp_project / "outbox").rglob("*") if p.is_file()] == []  # no .batch-0001.json.xxxx left


PEOPLE = (  # a first name, only a full name, nothing: a greeting each
    "email,First Name,name,lists\n"
    "zoe@x.example,Zoë,Zoë Müller,members\n"
    "jean@x.example,,Jean Dupont,members\n"
    "piet@x.example,,,members\n"
)


def greetings(body: dict) -> dict[str, tuple[str, str]]:
    """Each recipient's greeting in the text and HTML parts, filled in as SendGrid does."""
    from bulletin.mail import fill

    text, html = (part["value"] for part in body["content"])
    out = {}
    for person in body["personalizations"]:
        subs = person["substitutions"]
        line = next(ln for ln in fill(text, subs).splitlines() if ln.startswith(("Dear", "Hello")))
        page = lxml_html.fromstring(fill(html, subs))
        [html_line] = [p.text_content() for p in page.iter("p") if p.text_content().startswith(("Dear", "Hello"))]
        out[person["to"][0]["email"]] = (line, html_line)
    return out


def test_the_greeting_uses_the_first_name_then_the_name_then_the_fallback(tmp_project: Path) -> None:
    (tmp_project / "people.csv").write_text(PEOPLE, encoding="utf-8")
    use_subscribers(tmp_project, "people.csv")
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 0, result.output
    folder = tmp_project / "outbox" / "example" / "1"
    body = json.loads((folder / "batch-0001.json").read_text(encoding="utf-8"))
    assert greetings(body) == {
        "zoe@x.example": ("Dear Zoë,", "Dear Zoë,"),
        "jean@x.example": ("Dear Jean Dupont,", "Dear Jean Dupont,"),
        "piet@x.example": ("Dear colleague,", "Dear colleague,"),  # merge_fallbacks: {name: colleague}
    }
    sample = email.message_from_bytes((folder / "batch-0001.eml").read_bytes(), policy=email.policy.default)
    assert "\nDear Zoë,\n" in sample.get_body(("plain",)).get_content()


def test_the_greeting_s_words_from_bulletin_yaml_reach_sendgrid(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    config = sendgrid_project / "bulletin.yaml"
    settings = config.read_text(encoding="utf-8").replace("merge_fallbacks: {name: colleague}", "merge_fallbacks: {org: friends}")
    config.write_text(settings + 'greeting: "Hello {first_name} & {org},"\n', encoding="utf-8")
    (sendgrid_project / "people.csv").write_text(PEOPLE.replace("lists\n", "lists,org\n").replace("members\n", "members,<Coop>\n", 1),
                                                 encoding="utf-8")
    use_subscribers(sendgrid_project, "people.csv")
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 0, result.output
    [accepted] = fake_sendgrid.accepted
    assert greetings(accepted.body) == {
        "zoe@x.example": ("Hello Zoë & <Coop>,", "Hello Zoë & <Coop>,"),  # escaped in the HTML part, so shown as written
        "jean@x.example": ("Hello Jean Dupont & friends,", "Hello Jean Dupont & friends,"),
        "piet@x.example": ("Hello colleague & friends,", "Hello colleague & friends,"),  # no fallback set for names: colleague
    }
    zoe = accepted.body["personalizations"][0]["substitutions"]
    assert zoe == {"*|FIRST_NAME|*": "Zoë", "*|FIRST_NAME:HTML|*": "Zoë", "*|ORG|*": "<Coop>", "*|ORG:HTML|*": "&lt;Coop&gt;"}


def test_the_plan_says_when_no_column_holds_a_name_for_the_greeting(tmp_project: Path) -> None:
    (tmp_project / "people.csv").write_text("email,lists\nzoe@x.example,members\n", encoding="utf-8")
    use_subscribers(tmp_project, "people.csv")
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 0, result.output
    assert "Merge field 'first_name' has no column (nor 'name') in people.csv: everyone gets the fallback" in " ".join(result.output.split())


def test_a_test_send_shows_what_check_finds_then_sends_the_test(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    """Issue 9, defect 4: a test send said nothing about the errors that make a real send refuse."""
    item = sendgrid_project / "content" / "2021-05-20-congress-2021.md"
    item.write_text(item.read_text(encoding="utf-8").replace('alt: "Participants in the plenary hall at the 2019 Congress"', 'alt: ""'),
                    encoding="utf-8")
    checked = run("check", "issues/example.yaml")
    assert checked.exit_code == 1
    finding = "content/2021-05-20-congress-2021.md:1: image https://example.org/img/congress-2021.jpg has no alt text"
    assert " ".join(finding.split(": ", 1)[1].split()) in " ".join(checked.output.split())
    result = run("send", "issues/example.yaml", "--test", "me@org.example")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    error = next(i for i, line in enumerate(lines) if finding in line)
    assert "✗ error" in lines[error]
    assert "Checks: 1 error, " in result.output and "a real send refuses" in result.output
    assert result.output.count("has no alt text") == 1  # as check says it, not also in the build's own words
    sent = next(i for i, line in enumerate(lines) if line.startswith("Sent test message"))
    assert error < sent  # shown first, then the test is sent all the same
    assert fake_sendgrid.mail_requests() == 1
    refused = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert refused.exit_code == 1 and finding in refused.output and fake_sendgrid.mail_requests() == 1
