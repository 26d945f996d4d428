"""bulletin subscribers suppressed: the list for the member records, in the subscribers file's own dialect."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

from bulletin.ledger_feedback import FeedbackStore, state_db
from dispatch.helpers import run, use_subscribers

DAY = dt.datetime(2021, 7, 1, 12, tzinfo=dt.UTC)


def suppress(project: Path) -> None:
    with FeedbackStore(state_db(project, ".bulletin")) as store, store.transaction():
        store.add([
            ("anna.keller@member-org.example", "bounce", "550 5.1.1 user unknown", int(DAY.timestamp())),
            ("anna.keller@member-org.example", "unsubscribe", "", int(DAY.timestamp()) + 5),  # one row: the most serious kind
            ("joerg@bücher.example", "spam_report", "", int((DAY + dt.timedelta(days=3)).timestamp())),
            ("temp@member-org.example", "block", "452 mailbox full", int(DAY.timestamp())),  # temporary: not listed
        ], source="sync", now=DAY)


def test_csv_in_the_subscribers_files_dialect(tmp_project: Path) -> None:
    (tmp_project / "people.csv").write_bytes("sep=;\r\nE-mail;Name;Lists\r\nx@y.example;Zoë;members\r\n".encode("cp1252"))
    use_subscribers(tmp_project, "people.csv")
    with open(tmp_project / "bulletin.yaml", "a", encoding="utf-8") as handle:
        handle.write("subscribers_encoding: cp1252\n")
    suppress(tmp_project)
    result = run("subscribers", "suppressed", "--csv", "out.csv")
    assert result.exit_code == 0, result.output
    assert "Wrote 2 addresses to out.csv" in result.output
    data = (tmp_project / "out.csv").read_bytes()
    assert data.startswith(b"sep=;\r\nemail;status;kind;reason;date\r\n")
    lines = data.decode("cp1252").splitlines()
    assert lines[2] == "anna.keller@member-org.example;unsubscribed;unsubscribed;;2021-07-01"
    assert lines[3] == "joerg@xn--bcher-kva.example;unsubscribed;spam report;;2021-07-04"
    assert len(lines) == 4


def test_utf8_with_bom_and_commas_and_since(tmp_project: Path) -> None:
    suppress(tmp_project)  # the example file: UTF-8, commas
    (tmp_project / "subscribers.example.csv").write_bytes(b"\xef\xbb\xbf" + (tmp_project / "subscribers.example.csv").read_bytes())
    result = run("subscribers", "suppressed", "--csv", "out.csv", "--since", "2021-07-02")
    assert result.exit_code == 0, result.output
    data = (tmp_project / "out.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfemail,status,kind,reason,date\r\n")
    assert data.decode("utf-8-sig").splitlines()[1:] == ["joerg@xn--bcher-kva.example,unsubscribed,spam report,,2021-07-04"]


def test_without_csv_a_table(tmp_project: Path) -> None:
    assert "Nobody is suppressed" in run("subscribers", "suppressed").output
    suppress(tmp_project)
    output = run("subscribers", "suppressed").output
    assert "anna.keller@member-org.example" in output and "temp@" not in output
    assert io.StringIO(output).read().count("@") == 2
