"""bulletin sync against the fake SendGrid: every list paged, incremental, 429 honoured, idempotent; the key never leaves."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from bulletin.dispatch.retry import RetryPolicy
from bulletin.feedback.api import SendGridAPI
from bulletin.feedback.sync import OVERLAP, sync
from bulletin.ledger import utc_now
from dispatch.helpers import run
from fakes.sendgrid_server import FakeSendGrid

NOW = 1_700_000_000  # the fake's entries are dated relative to this
LISTS = {"bounces": "bounce", "unsubscribes": "unsubscribe", "spam_reports": "spam_report", "invalid_emails": "invalid_email",
         "blocks": "block"}


def fill(fake: FakeSendGrid, per_list: int = 5, start: int = 0, created: int = NOW - 10 * 86400) -> None:
    """``per_list`` entries per list, two days apart, the newest at ``created``."""
    for name in LISTS:
        for i in range(start, start + per_list):
            fake.feedback.add(name, f"{name}{i}@Example.ORG", created=created - (i - start) * 2 * 86400)
    fake.feedback.group(12345, ["grouped@example.org", "grouped2@example.org"])


def api(fake: FakeSendGrid, page_size: int = 2, sleeps: list[float] | None = None) -> SendGridAPI:
    waits = sleeps if sleeps is not None else []
    return SendGridAPI(fake.api_key, base_url=fake.url, page_size=page_size, deadline=5,
                       retry=RetryPolicy(attempts=3, sleep=waits.append))


def stored(project: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(project / ".bulletin" / "ledger.db") as db:
        return list(db.execute("SELECT key, email, kind, source FROM suppressions ORDER BY kind, key"))


def queries(fake: FakeSendGrid, path: str) -> list[dict[str, str]]:
    return [r.query for r, _ in fake.requests if r.path == path]


def test_every_list_is_fetched_page_by_page(tmp_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    fill(fake_sendgrid)
    report = sync(tmp_project, api=api(fake_sendgrid))
    for name, kind in LISTS.items():
        assert report.kinds[kind].fetched == 5 and report.kinds[kind].pages == 3  # 2 + 2 + 1
        assert [q["offset"] for q in queries(fake_sendgrid, f"/v3/suppression/{name}")] == ["0", "2", "4"]
        assert all(q["limit"] == "2" and "start_time" not in q for q in queries(fake_sendgrid, f"/v3/suppression/{name}"))
    assert report.kinds["group_unsubscribe"].fetched == 2
    rows = stored(tmp_project)
    assert len(rows) == 5 * 5 + 2
    assert ("bounces3@example.org", "bounces3@example.org", "bounce", "sync") in rows  # the sending normal form
    assert report.stored == {"bounce": 5, "unsubscribe": 5, "spam_report": 5, "invalid_email": 5, "block": 5, "group_unsubscribe": 2}


def test_a_second_sync_fetches_only_what_is_new_and_changes_nothing_known(tmp_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    fill(fake_sendgrid, created=NOW - 10 * 86400)
    sync(tmp_project, api=api(fake_sendgrid))
    before = stored(tmp_project)
    returned = dict(fake_sendgrid.feedback.returned)
    fill(fake_sendgrid, per_list=3, start=100, created=NOW)  # 3 new ones per list, ten days later
    report = sync(tmp_project, api=api(fake_sendgrid))
    for name, kind in LISTS.items():
        # the new ones, and the one old entry inside the overlap (a day before the newest seen)
        assert fake_sendgrid.feedback.returned[name] - returned[name] == 3 + 1
        assert report.kinds[kind].new == 3
        newest_before = NOW - 10 * 86400
        assert queries(fake_sendgrid, f"/v3/suppression/{name}")[-1]["start_time"] == str(newest_before - OVERLAP)
    assert set(before) < set(stored(tmp_project))
    assert len(stored(tmp_project)) == len(before) + 15
    again = sync(tmp_project, api=api(fake_sendgrid))  # idempotent: nothing new, nothing lost
    assert all(result.new == 0 for result in again.kinds.values())
    assert len(stored(tmp_project)) == len(before) + 15


def test_a_group_resubscription_is_dropped(tmp_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    fill(fake_sendgrid, per_list=0)
    sync(tmp_project, api=api(fake_sendgrid))
    fake_sendgrid.feedback.group(12345, ["grouped2@example.org"])
    report = sync(tmp_project, api=api(fake_sendgrid))
    assert report.kinds["group_unsubscribe"].removed == 1
    assert [r[0] for r in stored(tmp_project)] == ["grouped2@example.org"]


def test_429_waits_for_retry_after_then_carries_on(tmp_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    fill(fake_sendgrid)
    fake_sendgrid.fail_call("GET", "/v3/suppression/bounces", 2, 429, retry_after=7)
    sleeps: list[float] = []
    report = sync(tmp_project, api=api(fake_sendgrid, sleeps=sleeps))
    assert sleeps == [7]
    assert report.kinds["bounce"].fetched == 5
    assert [q["offset"] for q in queries(fake_sendgrid, "/v3/suppression/bounces")] == ["0", "2", "2", "4"]


def test_sync_command_prints_counts_and_json(tmp_project: Path, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(fake_sendgrid, per_list=600)  # more than one page of SendGrid's 500
    monkeypatch.setenv("SENDGRID_API_KEY", fake_sendgrid.api_key)
    monkeypatch.setenv("BULLETIN_SENDGRID_URL", fake_sendgrid.url)
    result = run("sync", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["stored"]["bounce"] == 600 and data["kinds"]["bounce"]["pages"] == 2
    assert "@" not in result.output  # counts, not addresses
    result = run("sync")
    assert result.exit_code == 0 and "bounced" in result.output and "never mailed" in result.output
    assert fake_sendgrid.api_key not in result.output


def test_without_a_key_sync_says_how_to_set_it(tmp_project: Path) -> None:
    result = run("sync")
    assert result.exit_code == 2 and "SENDGRID_API_KEY is not set" in result.output


def test_last_sync_is_recorded(tmp_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    from bulletin.suppressions import last_sync

    fill(fake_sendgrid, per_list=1)
    assert last_sync(tmp_project, ".bulletin") is None
    sync(tmp_project, api=api(fake_sendgrid))
    last = last_sync(tmp_project, ".bulletin")
    assert last is not None and abs((utc_now() - last).total_seconds()) < 3600
