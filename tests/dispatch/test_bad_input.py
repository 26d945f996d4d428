"""Each mistake a user can make gives one clear message, a non-zero exit, and sends nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from fakes.sendgrid_server import FakeSendGrid

from .helpers import run, use_subscribers


def send_with(project: Path, content: bytes, list_name: str = "members") -> str:
    (project / "people.csv").write_bytes(content)
    use_subscribers(project, "people.csv")
    result = run("send", "issues/example.yaml", "--list", list_name, "--yes")
    assert result.exit_code == 2, result.output
    assert result.output.count("Error:") == 1
    return result.output


def assert_nothing_happened(project: Path, fake: FakeSendGrid) -> None:
    assert fake.mail_requests() == 0
    assert not (project / ".bulletin" / "ledger.db").exists() or _dispatches(project) == 0


def _dispatches(project: Path) -> int:
    import sqlite3

    with sqlite3.connect(project / ".bulletin" / "ledger.db") as db:
        return int(db.execute("SELECT count(*) FROM dispatches").fetchone()[0])


@pytest.mark.parametrize(("content", "expected"), [
    (b"emial,name,lists\na@x.example,A,members\n", "people.csv row 1: no 'email' column (did you mean 'emial'?); the header row has: emial, name, lists"),
    (b"", "people.csv: the file is empty; it needs a header row with an 'email' column"),
    (b"\xef\xbb\xbf\r\n\r\n", "people.csv: the file is empty"),
    (b"email,name,lists\na@x.example,A,members\nb@x.example,Smith, Bob,members\n",
     "people.csv row 3: 4 fields but the header has 3; a value holding ',' must be in double quotes"),
    (b"email,name,lists\na@x.example,Andr\xe9,members\n",
     ("people.csv line 2: not UTF-8 text (byte 0xE9 at character 17). Save the file as CSV UTF-8 or, if it is in Windows "
      "encoding, add 'subscribers_encoding: cp1252' to bulletin.yaml")),
    ("email,name,lists\n".encode("utf-16"), "people.csv: the file is UTF-16 ('Unicode Text'), not CSV"),
])
def test_bad_subscribers_files(sendgrid_project: Path, fake_sendgrid: FakeSendGrid, content: bytes, expected: str) -> None:
    output = send_with(sendgrid_project, content)
    assert expected in output
    assert_nothing_happened(sendgrid_project, fake_sendgrid)


def test_a_missing_subscribers_file(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    result = run("send", "issues/example.yaml", "--list", "members", "--yes", "--subscribers", "nope.csv")
    assert result.exit_code == 2
    assert "nope.csv: subscribers file not found" in result.output
    assert_nothing_happened(sendgrid_project, fake_sendgrid)


def test_an_unknown_list_suggests_the_close_one(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    result = run("send", "issues/example.yaml", "--list", "membres", "--yes")
    assert result.exit_code == 2
    assert ("subscribers.example.csv: nobody is on the list 'membres' (did you mean 'members'?); "
            "lists in the file: board, members, partners, press") in result.output
    assert_nothing_happened(sendgrid_project, fake_sendgrid)


def test_a_declared_cp1252_file_is_decoded(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    config = sendgrid_project / "bulletin.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "subscribers_encoding: cp1252\n", encoding="utf-8")
    (sendgrid_project / "people.csv").write_bytes("email;name;lists\r\nandre@x.example;André;members\r\n".encode("cp1252"))
    use_subscribers(sendgrid_project, "people.csv")
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 0, result.output
    [accepted] = fake_sendgrid.accepted
    assert accepted.body["personalizations"][0]["substitutions"]["*|FIRST_NAME|*"] == "André"


def test_a_missing_api_key_is_an_error_before_anything(sendgrid_project: Path, fake_sendgrid: FakeSendGrid,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SENDGRID_API_KEY")
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 2
    assert result.output.startswith("Error: SENDGRID_API_KEY is not set: the SendGrid transport needs an API key")
    assert not (sendgrid_project / ".bulletin").exists()
    assert fake_sendgrid.mail_requests() == 0
    test = run("send", "issues/example.yaml", "--test", "me@org.example")
    assert test.exit_code == 2 and "SENDGRID_API_KEY is not set" in test.output
    dry = run("send", "issues/example.yaml", "--list", "members", "--dry-run")  # the plan still shows, with the problem
    assert dry.exit_code == 0
    assert "Blocks sending: SENDGRID_API_KEY is not set" in dry.output


def test_a_401_from_sendgrid(sendgrid_project: Path, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENDGRID_API_KEY", "SG.revoked")
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 1
    assert result.output.count("Error:") == 1
    assert "Error: SendGrid refused the request (401): The provided authorization grant is invalid, expired, or revoked." in result.output
    assert fake_sendgrid.recipients() == {}


@pytest.mark.parametrize(("args", "expected"), [
    ((), "say who gets it: --list NAME"),
    (("--list", "members", "--test", "a@x.example"), "use either --test ADDRESS or --list NAME"),
    (("--list", "members", "--resend-unknown", "--skip-unknown"), "use either --resend-unknown or --skip-unknown"),
    (("--test", "not an address"), "--test not an address: "),
])
def test_wrong_options(sendgrid_project: Path, fake_sendgrid: FakeSendGrid, args: tuple[str, ...], expected: str) -> None:
    result = run("send", "issues/example.yaml", "--yes", *args)
    assert result.exit_code == 2
    assert expected in result.output
    assert fake_sendgrid.mail_requests() == 0


def test_blocking_checks_refuse_unless_forced(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    config = sendgrid_project / "bulletin.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("  unsubscribe_group_id: 12345\n", ""), encoding="utf-8")
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 1
    assert "issues/example.yaml cannot be sent until these are fixed. To send it anyway, add --force." in result.output
    assert "sendgrid.unsubscribe_group_id is not set, so the unsubscribe link would not work" in result.output
    assert fake_sendgrid.mail_requests() == 0
    forced = run("send", "issues/example.yaml", "--list", "members", "--yes", "--force")
    assert forced.exit_code == 0, forced.output
    [accepted] = fake_sendgrid.accepted
    assert "asm" not in accepted.body and "List-Unsubscribe-Post" not in accepted.body["headers"]


def test_nobody_on_the_list_to_mail(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    output = send_with(sendgrid_project, b"email,lists,status\na@x.example,members,unsubscribed\n")
    assert "people.csv: nobody to send to on the list 'members' (1 unsubscribed)" in output
    assert_nothing_happened(sendgrid_project, fake_sendgrid)


def test_nobody_to_send_to_counts_the_rows_of_that_list_only(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    """Issue 9, defect 7: the unsubscribed, bounced and invalid rows of other lists were counted for --list board."""
    rows = ("email,lists,status\n"
            "chair@x.example,board,unsubscribed\n"
            "a@x.example,members,unsubscribed\nb@x.example,members,unsubscribed\nc@x.example,members,bounced\n"
            "not-an-address,members,\nd@x.example,members,\nodd@x.example,members,unsubscribd\n")
    output = send_with(sendgrid_project, rows.encode(), "board")
    assert "people.csv: nobody to send to on the list 'board' (1 unsubscribed)" in output
    assert_nothing_happened(sendgrid_project, fake_sendgrid)
    plan = run("send", "issues/example.yaml", "--list", "members", "--dry-run").output
    assert "Not mailed: 2 unsubscribed, 1 bounced, 2 invalid, 1 not on list" in plan


def test_a_key_with_a_line_break_is_an_error_before_anything(sendgrid_project: Path, fake_sendgrid: FakeSendGrid,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SENDGRID_API_KEY", "SG.pasted-from\na-document")
    for args in (("--test", "me@org.example"), ("--list", "members", "--yes")):
        result = run("send", "issues/example.yaml", *args)
        assert result.exit_code == 2
        assert result.output.count("Error:") == 1 and "SENDGRID_API_KEY holds a space, a line break" in result.output
        assert "pasted-from" not in result.output and "Internal error" not in result.output
    dry = run("send", "issues/example.yaml", "--list", "members", "--dry-run")
    assert "Blocks sending: SENDGRID_API_KEY holds a space" in dry.output
    assert_nothing_happened(sendgrid_project, fake_sendgrid)


def test_a_row_sendgrid_would_refuse_is_left_out_and_the_rest_is_sent(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    # one recipient's substitutions over 10,000 bytes make SendGrid refuse the whole request (the fake checks it)
    (sendgrid_project / "people.csv").write_text(f"email,name,lists\na@x.example,{'&' * 3000},members\nb@x.example,Bob,members\n",
                                                 encoding="utf-8")
    result = run("send", "issues/example.yaml", "--list", "members", "--yes", "--subscribers", "people.csv")
    assert result.exit_code == 0, result.output
    assert "people.csv row 2: its merge values are too long for SendGrid" in result.output
    assert set(fake_sendgrid.recipients()) == {"b@x.example"}
