"""The ledger: durable settings, batch state transitions, interrupted requests, the send lock."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from bulletin.errors import LedgerError
from bulletin.ledger import Ledger

NOON = dt.datetime(2021, 7, 5, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def ledger(tmp_path: Path) -> Ledger:
    with Ledger(tmp_path / "state" / "ledger.db", clock=lambda: NOON) as opened:
        yield opened


def plan(ledger: Ledger, rows: list[list[list[str]]], **options: object) -> int:
    with ledger.transaction():
        dispatch = ledger.create_dispatch(kind="real", slug="example", list_name="members", transport="sendgrid",
                                          content_hash="abc", content={"subject": "S"}, fields=["name"], subscribers="s.csv",
                                          **options)  # type: ignore[arg-type]
        ledger.add_batches(dispatch, rows)
    return dispatch


def test_durable_settings(ledger: Ledger) -> None:
    assert ledger.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ledger.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_batch_goes_pending_sending_accepted(ledger: Ledger) -> None:
    dispatch = plan(ledger, [[["a@x.example", "Ann"]], [["b@x.example", ""]]])
    first, second = ledger.batches(dispatch)
    assert (first.seq, first.state, first.size) == (1, "pending", 1)
    assert ledger.recipients(first.id) == [["a@x.example", "Ann"]]
    assert ledger.claim(first.id)
    assert not ledger.claim(first.id)  # nobody else can take it now
    ledger.finish(first.id, "accepted", message_id="m-1")
    ledger.claim(second.id)
    ledger.finish(second.id, "unknown", error="timed out")
    first, second = ledger.batches(dispatch)
    assert (first.state, first.message_id, first.attempts, first.updated) == ("accepted", "m-1", 1, "2021-07-05T12:00:00+00:00")
    assert (second.state, second.was_unknown, second.error) == ("unknown", True, "timed out")
    assert ledger.refresh_state(dispatch) == "incomplete"
    with ledger.transaction():
        assert ledger.settle_unknown(dispatch, "skip") == 1
    assert ledger.refresh_state(dispatch) == "done"


def test_the_state_before_a_request_is_committed_before_it(ledger: Ledger, tmp_path: Path) -> None:
    dispatch = plan(ledger, [[["a@x.example", ""]]])
    [batch] = ledger.batches(dispatch)
    ledger.claim(batch.id)
    # another connection (a process started after a crash) sees 'sending' at once
    with sqlite3.connect(tmp_path / "state" / "ledger.db") as other:
        assert other.execute("SELECT state FROM batches").fetchone()[0] == "sending"


def test_finishing_a_batch_can_claim_the_next_in_the_same_commit(ledger: Ledger, tmp_path: Path) -> None:
    dispatch = plan(ledger, [[["a@x.example", ""]], [["b@x.example", ""]], [["c@x.example", ""]]])
    first, second, third = ledger.batches(dispatch)
    ledger.claim(first.id)
    assert ledger.finish(first.id, "accepted", message_id="m1", claim=second.id)
    with sqlite3.connect(tmp_path / "state" / "ledger.db") as other:  # what another process (or a crash) sees
        assert other.execute("SELECT state, attempts FROM batches ORDER BY seq").fetchall() == [
            ("accepted", 1), ("sending", 1), ("pending", 0)]
    assert not ledger.finish(second.id, "accepted", claim=first.id)  # an accepted batch is never claimed again
    assert not ledger.finish(third.id, "accepted")  # nothing to claim; a batch not 'sending' stays as it is
    assert [b.state for b in ledger.batches(dispatch)] == ["accepted", "accepted", "pending"]


def test_interrupted_requests_become_unknown(ledger: Ledger) -> None:
    dispatch = plan(ledger, [[["a@x.example", ""]], [["b@x.example", ""]]])
    first, _ = ledger.batches(dispatch)
    ledger.claim(first.id)
    with ledger.transaction():
        assert [b.seq for b in ledger.interrupted_to_unknown(dispatch)] == [1]
    assert [(b.state, b.was_unknown) for b in ledger.batches(dispatch)] == [("unknown", True), ("pending", False)]
    with ledger.transaction():
        ledger.settle_unknown(dispatch, "resend")
    assert [b.state for b in ledger.batches(dispatch)] == ["pending", "pending"]


def test_a_failed_plan_leaves_nothing(ledger: Ledger) -> None:
    def rows():
        yield [["a@x.example", ""]]
        raise RuntimeError("the subscribers file broke halfway")

    with pytest.raises(RuntimeError), ledger.transaction():
        dispatch = ledger.create_dispatch(kind="real", slug="s", list_name="l", transport="t", content_hash="h",
                                          content={}, fields=[], subscribers=None)
        ledger.add_batches(dispatch, rows())
    assert ledger.dispatches() == []
    assert ledger.db.execute("SELECT count(*) FROM batches").fetchone()[0] == 0


def test_a_dry_run_transaction_is_rolled_back(ledger: Ledger) -> None:
    with ledger.transaction(commit=False):
        ledger.create_dispatch(kind="real", slug="s", list_name="l", transport="t", content_hash="h", content={}, fields=[],
                               subscribers=None)
    assert ledger.dispatches() == []


def test_finding_the_live_dispatch(ledger: Ledger) -> None:
    first = plan(ledger, [[["a@x.example", ""]]])
    assert ledger.find_dispatch("example", "members", "sendgrid").id == first  # type: ignore[union-attr]
    assert ledger.find_dispatch("example", "members", "outbox") is None
    assert ledger.find_dispatch("example", "board", "sendgrid") is None
    with ledger.transaction():
        ledger.set_dispatch(first, state="superseded")
    assert ledger.find_dispatch("example", "members", "sendgrid") is None


def test_scheduled_dispatches_have_room(ledger: Ledger) -> None:
    dispatch = plan(ledger, [[["a@x.example", ""]]], state="scheduled", send_at="2021-07-05T07:00:00+00:00")
    with ledger.transaction():
        ledger.set_dispatch(dispatch, batch_id="Y2FuY2Vs")
    found = ledger.dispatch(dispatch)
    assert (found.state, found.send_at, found.batch_id) == ("scheduled", "2021-07-05T07:00:00+00:00", "Y2FuY2Vs")
    assert ledger.content(dispatch) == {"subject": "S"}


def test_one_lock_holder(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with Ledger(path) as first, Ledger(path) as second:
        first.lock()
        with pytest.raises(LedgerError, match="another 'bulletin send' is running"):
            second.lock()
        first.unlock()
        second.lock()


def test_a_file_that_is_not_a_ledger(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(LedgerError, match="cannot open the ledger"):
        Ledger(path, shown=".bulletin/ledger.db")


def test_a_ledger_damaged_inside_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with Ledger(path) as ledger:
        plan(ledger, [[[f"p{i}@x.example", "x" * 50] for i in range(1000)]] * 3)
    data = bytearray(path.read_bytes())
    data[3 * 4096:] = b"\xa5" * (len(data) - 3 * 4096)  # the file opens; its pages are garbage
    path.write_bytes(data)
    damaged = r"^\.bulletin/ledger\.db: the ledger is damaged \(.+\)\. It records who was already mailed"
    with pytest.raises(LedgerError, match=damaged), Ledger(path, shown=".bulletin/ledger.db") as ledger:
        for dispatch in ledger.dispatches():
            ledger.batches(dispatch.id)


def test_a_lock_file_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "ledger.lock").mkdir()  # as good as a folder that cannot be written
    no_lock = r"^\.bulletin/ledger\.db: cannot create its lock file ledger\.lock \(Is a directory\)"
    with Ledger(tmp_path / "ledger.db", shown=".bulletin/ledger.db") as ledger, pytest.raises(LedgerError, match=no_lock):
        ledger.lock()


# --- issue 10: a hand-edited or damaged ledger, an extreme BULLETIN_NOW: a clear message, not an internal error -----


DAMAGE = {
    "send_at": "UPDATE dispatches SET send_at = 'soon'",
    "skipped": "UPDATE dispatches SET skipped = '{not json'",
    "recipients": "UPDATE batches SET recipients = '[[\"a@x.example\"'",
    "created": "UPDATE dispatches SET created = 'yesterday'",
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_row_is_a_clear_error_naming_the_ledger(tmp_project: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    from click.testing import CliRunner

    from bulletin.cli import main

    monkeypatch.setenv("BULLETIN_NOW", "2021-07-01T07:00:00Z")
    runner = CliRunner()
    scheduled = runner.invoke(main, ["send", "issues/example.yaml", "--list", "members", "--at", "2021-07-20 09:00", "--yes"])
    assert scheduled.exit_code == 0, scheduled.output
    with sqlite3.connect(tmp_project / ".bulletin" / "ledger.db") as db:
        db.execute(DAMAGE[damage])
    monkeypatch.setenv("BULLETIN_NOW", "2021-07-18T07:00:00Z")  # within SendGrid's window: dispatch-due hands it over
    for args in (["status"], ["schedule", "list"], ["dispatch-due"], ["send", "issues/example.yaml", "--list", "members", "--yes"]):
        if damage == "recipients" and args[0] != "dispatch-due":
            continue  # the others never read who is in a batch
        result = runner.invoke(main, args)
        assert result.exit_code in (1, 2), (args, result.output)  # dispatch-due may report it as a problem of that dispatch
        assert "Internal error" not in result.output
        assert ".bulletin/ledger.db: the ledger is damaged" in result.output, (args, result.output)
        assert "restore it from a backup" in result.output


@pytest.mark.parametrize("now", ["9999-12-31T23:59:59Z", "0001-01-01T00:00:00+14:00", "0001-01-01T00:00:00Z"])
def test_an_extreme_bulletin_now_is_a_clear_error(tmp_project: Path, monkeypatch: pytest.MonkeyPatch, now: str) -> None:
    from click.testing import CliRunner

    from bulletin.cli import main

    monkeypatch.setenv("BULLETIN_NOW", "2021-07-01T07:00:00Z")
    runner = CliRunner()
    scheduled = runner.invoke(main, ["send", "issues/example.yaml", "--list", "members", "--at", "2021-07-20 09:00", "--yes"])
    assert scheduled.exit_code == 0, scheduled.output
    monkeypatch.setenv("BULLETIN_NOW", now)
    for args in (["status"], ["schedule", "list"], ["dispatch-due"], ["cancel", "issues/example.yaml"],
                 ["send", "issues/example.yaml", "--list", "members", "--at", "2021-07-20 09:00", "--yes"]):
        result = runner.invoke(main, args)
        assert "Internal error" not in result.output, (args, result.output)
        if args != ["status"]:  # status does not use the time
            assert result.exit_code == 2, (args, result.output)
            assert "BULLETIN_NOW (used by tests) must be a time like" in result.output


def test_each_batch_records_its_edition(ledger: Ledger) -> None:
    with ledger.transaction():
        dispatch = ledger.create_dispatch(kind="real", slug="example", list_name="members", transport="sendgrid",
                                          content_hash="abc", content={}, fields=[], subscribers=None)
        ledger.add_batches(dispatch, [[["a@x.example"], ["b@x.example"]]], language="fr")
        ledger.add_batches(dispatch, [[["c@x.example"]]], start_seq=2, language="en")
        ledger.add_batches(dispatch, [[["d@x.example"]]], start_seq=3)
    assert [(b.seq, b.language) for b in ledger.batches(dispatch)] == [(1, "fr"), (2, "en"), (3, None)]
    assert ledger.languages(dispatch, ["pending"]) == {"fr": (1, 2), "en": (1, 1), None: (1, 1)}
    first = ledger.batches(dispatch)[0]
    ledger.claim(first.id)
    ledger.finish(first.id, "accepted")
    assert ledger.languages(dispatch, ["pending"]) == {"en": (1, 1), None: (1, 1)}


SCHEMA_2_BATCHES = """
CREATE TABLE batches (id INTEGER PRIMARY KEY, dispatch INTEGER NOT NULL REFERENCES dispatches (id), seq INTEGER NOT NULL,
    state TEXT NOT NULL, size INTEGER NOT NULL, recipients TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, message_id TEXT,
    error TEXT, was_unknown INTEGER NOT NULL DEFAULT 0, send_at TEXT, batch_id TEXT, updated TEXT NOT NULL, UNIQUE (dispatch, seq));
INSERT INTO batches (dispatch, seq, state, size, recipients, updated) VALUES (1, 1, 'pending', 1, '[["a@x.example"]]', '2021-07-05T12:00:00+00:00');
"""


def test_a_schema_2_ledger_gets_the_batches_language(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    with sqlite3.connect(path) as db:
        db.executescript(SCHEMA_2_BATCHES)
        db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO meta VALUES ('schema', '2')")
    with Ledger(path) as ledger:
        [batch] = ledger.batches(1)
        assert (batch.seq, batch.state, batch.language) == (1, "pending", None)  # planned before editions: the default
        assert ledger.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone() == ("3",)
    with Ledger(path) as ledger:  # and opens again as is
        assert len(ledger.batches(1)) == 1
