"""The ledger's durability: commits wait for the disk except in the send loop, where a power cut is made up for by
the horizon (batches claimed since the last write to disk become unknown after the computer restarted)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

import bulletin.ledger
from bulletin.ledger import Ledger
from bulletin.ledger_schema import HORIZON

NOON = dt.datetime(2021, 7, 5, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(bulletin.ledger, "boot_id", lambda: "boot-1")
    return tmp_path / "ledger.db"


@pytest.fixture
def ledger(path: Path) -> Iterator[Ledger]:
    with Ledger(path, clock=lambda: NOON) as opened:
        yield opened


def plan(ledger: Ledger, batches: int) -> tuple[int, list[int]]:
    with ledger.transaction():
        dispatch = ledger.create_dispatch(kind="real", slug="example", list_name="members", transport="sendgrid",
                                          content_hash="abc", content={}, fields=[], subscribers="s.csv")
        ledger.add_batches(dispatch, [[[f"p{i}@x.example"]] for i in range(batches)])
    return dispatch, [b.id for b in ledger.batches(dispatch)]


class Commits:
    """The synchronous level (2 FULL: waits for the disk, 1 NORMAL) of each commit, and whether it wrote the horizon."""

    def __init__(self, ledger: Ledger) -> None:
        self.level, self.horizon, self.seen = 2, False, []
        ledger.db.set_trace_callback(self.statement)

    def statement(self, sql: str) -> None:
        if sql.startswith("PRAGMA synchronous="):
            self.level = {"FULL": 2, "NORMAL": 1}[sql.split("=")[1]]
        elif "horizon" in sql and not sql.startswith("SELECT"):
            self.horizon = True
        elif sql == "COMMIT":
            self.seen.append((self.level, self.horizon))
            self.horizon = False


def send_all(ledger: Ledger, ids: list[int]) -> None:
    """As deliver does: claim the first, then finish each claiming the next in the same commit."""
    ledger.claim(ids[0])
    for batch, following in zip(ids, [*ids[1:], None], strict=True):
        ledger.finish(batch, "accepted", claim=following)


def test_commits_wait_for_the_disk_by_default(ledger: Ledger) -> None:
    assert ledger.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert ledger.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    commits = Commits(ledger)
    plan(ledger, 2)
    assert commits.seen == [(2, False)]  # the plan is on the disk before anything is sent


def test_the_send_loop_waits_for_the_disk_once_per_horizon(ledger: Ledger) -> None:
    dispatch, ids = plan(ledger, 2 * HORIZON + 1)
    commits = Commits(ledger)
    send_all(ledger, ids)
    durable = [i for i, (level, _) in enumerate(commits.seen) if level == 2]
    # the claims of batches 1, HORIZON + 1 and 2 HORIZON + 1 move the horizon on, waiting for the disk
    assert durable == [0, HORIZON, 2 * HORIZON]
    assert all(horizon for level, horizon in commits.seen if level == 2)
    assert ledger.db.execute("SELECT through, boot FROM horizon").fetchall() == [(3 * HORIZON, "boot-1")]
    assert ledger.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # back to FULL outside the loop
    assert ledger.refresh_state(dispatch) == "done"
    assert commits.seen[-1] == (2, True)  # the end of the run is on the disk, and forgets the horizon
    assert ledger.db.execute("SELECT count(*) FROM horizon").fetchone()[0] == 0


def test_after_a_crash_of_the_process_only_the_request_in_flight_is_unknown(ledger: Ledger, path: Path) -> None:
    dispatch, ids = plan(ledger, 5)
    ledger.claim(ids[0])
    ledger.finish(ids[0], "accepted", claim=ids[1])  # then the process dies: batch 2 was in flight
    with Ledger(path, clock=lambda: NOON) as again, again.transaction():
        assert [b.seq for b in again.interrupted_to_unknown(dispatch)] == [2]
        assert [b.state for b in again.batches(dispatch)] == ["accepted", "unknown", "pending", "pending", "pending"]
        assert again.db.execute("SELECT count(*) FROM horizon").fetchone()[0] == 0


def test_after_the_computer_restarted_the_batches_of_the_horizon_are_unknown(
    ledger: Ledger, path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dispatch, ids = plan(ledger, HORIZON + 3)
    ledger.claim(ids[0])
    ledger.finish(ids[0], "accepted", claim=ids[1])
    # a power cut may lose the commits since the last write to disk: batch 2's claim, even batch 1's outcome
    with ledger.transaction():
        ledger.db.execute("UPDATE batches SET state = CASE seq WHEN 1 THEN 'sending' ELSE 'pending' END, attempts = 0")
    monkeypatch.setattr(bulletin.ledger, "boot_id", lambda: "boot-2")
    with Ledger(path, clock=lambda: NOON) as again, again.transaction():
        unknown = again.interrupted_to_unknown(dispatch)
        assert sorted(b.seq for b in unknown) == list(range(1, HORIZON + 1))
        states = [b.state for b in again.batches(dispatch)]
        assert states == ["unknown"] * HORIZON + ["pending"] * 3  # beyond the horizon nothing was claimed
        assert "power cut" in str(again.batches(dispatch)[5].error)


def test_where_the_boot_cannot_be_told_every_commit_waits_for_the_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bulletin.ledger, "boot_id", lambda: None)
    with Ledger(tmp_path / "ledger.db", clock=lambda: NOON) as ledger:
        dispatch, ids = plan(ledger, 3)
        commits = Commits(ledger)
        send_all(ledger, ids)
        assert {level for level, _ in commits.seen} == {2}
        assert ledger.db.execute("SELECT count(*) FROM horizon").fetchone()[0] == 0
        with ledger.transaction():
            assert ledger.interrupted_to_unknown(dispatch) == []
