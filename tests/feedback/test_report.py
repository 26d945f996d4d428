"""bulletin report: the ledger's figures, SendGrid's category statistics for the issue, clicks per item and section."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from bulletin.feedback.events import store_events
from bulletin.ledger_feedback import FeedbackStore, state_db
from dispatch.helpers import run
from fakes.sendgrid_server import FakeSendGrid

CATEGORY = "bulletin-issue-example"
SENT = "2021-07-05T07:00:00+00:00"
UTM = "utm_source=bulletin&utm_medium=email&utm_campaign=example"


@pytest.fixture
def sent(sendgrid_project: Path, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BULLETIN_NOW", SENT)
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 0, result.output
    assert all(CATEGORY in a.body["categories"] for a in fake_sendgrid.accepted)
    monkeypatch.setenv("BULLETIN_NOW", "2021-07-12T07:00:00Z")
    feedback = fake_sendgrid.feedback
    feedback.stats(CATEGORY, "2021-07-04", delivered=100, opens=100)  # before the send: not asked for
    feedback.stats(CATEGORY, "2021-07-05", requests=5, delivered=4, bounces=1, opens=6, unique_opens=3, clicks=4, unique_clicks=2)
    feedback.stats(CATEGORY, "2021-07-06", delivered=0, opens=2, unique_opens=1, clicks=1, unique_clicks=1, unsubscribes=1, spam_reports=1)
    feedback.stats("bulletin-issue-other", "2021-07-05", delivered=50)
    return sendgrid_project


def test_report_numbers_are_the_fakes_statistics(sent: Path, fake_sendgrid: FakeSendGrid) -> None:
    result = run("report", "issues/example.yaml", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {k: data[k] for k in ("recipients", "delivered", "bounces", "blocks", "spam_reports", "unsubscribes", "opens",
                                 "unique_opens", "clicks", "unique_clicks")} == {
        "recipients": 5, "delivered": 4, "bounces": 1, "blocks": 0, "spam_reports": 1, "unsubscribes": 1, "opens": 8,
        "unique_opens": 4, "clicks": 5, "unique_clicks": 3}
    assert data["delivered_rate"] == 0.8 and data["unique_opens_rate"] == 1.0 and data["bounces_rate"] == 0.25
    assert data["requests"] == 1 and data["accepted"] == 5 and data["unknown"] == 0 and data["stats_from"] == "2021-07-05"
    asked = [r.query for r, _ in fake_sendgrid.requests if r.path == "/v3/categories/stats"]
    assert asked == [{"start_date": "2021-07-05", "end_date": "2021-07-12", "categories": CATEGORY}]
    assert data["items"] is None  # no webhook events
    assert "@" not in result.output  # counts, not people
    text = run("report", "issues/example.yaml").output
    assert "Delivered" in text and "80.0%" in text and "Apple Mail Privacy Protection" in text


def test_per_item_and_per_section_clicks_from_webhook_events(sent: Path) -> None:
    def click(n: int, url: str, who: str, category: str = CATEGORY) -> dict[str, object]:
        return {"sg_event_id": f"e{n}", "event": "click", "email": who, "timestamp": 1625468400 + n, "url": url,
                "category": ["bulletin", category]}

    events = [
        click(1, f"https://example.org/news/pay-transparency?{UTM}", "anna.keller@member-org.example"),
        click(2, f"https://example.org/news/pay-transparency?{UTM}#top", "anna.keller@member-org.example"),
        click(3, f"https://EXAMPLE.org/news/pay-transparency/?{UTM}", "jean.dupont@member-org.example"),
        click(4, f"https://example.org/news/industrial-strategy?{UTM}", "jean.dupont@member-org.example"),
        click(5, "https://example.org/bulletin/example/", "jean.dupont@member-org.example"),  # view in browser: no item
        click(6, f"https://example.org/news/industrial-strategy?{UTM}", "x@y.example", category="bulletin-issue-other"),
    ]
    with FeedbackStore(state_db(sent, ".bulletin")) as store:
        store_events(store, events, dt.datetime(2021, 7, 6, tzinfo=dt.UTC))
        store_events(store, events[:2], dt.datetime(2021, 7, 6, tzinfo=dt.UTC))  # a replay changes nothing
    data = json.loads(run("report", "issues/example.yaml", "--json").output)
    items = {i["title"]: (i["clicks"], i["unique_clicks"], i["section"]) for i in data["items"]}
    assert items["Pay transparency and the gender pay gap in care"] == (3, 2, "Position papers")
    assert items["EU Industrial Strategy Update: our reaction & lessons"] == (1, 1, "Position papers")
    assert sum(i["clicks"] for i in data["items"]) == 4 and data["other_clicks"] == 1
    assert data["sections"]["Position papers"] == {"clicks": 4, "unique_clicks": 2}
    text = run("report", "issues/example.yaml").output
    assert "Clicks per item" in text and "anna.keller" not in text


def test_people_only_when_asked(sent: Path) -> None:
    with FeedbackStore(state_db(sent, ".bulletin")) as store, store.transaction():
        store.add([("jean.dupont@member-org.example", "bounce", "550", 1625500000),
                   ("someone.else@example.org", "bounce", "550", 1625500000)], source="sync", now=dt.datetime.now(dt.UTC))
    assert "jean.dupont" not in run("report", "issues/example.yaml").output
    data = json.loads(run("report", "issues/example.yaml", "--json", "--people").output)
    assert data["people"] == {"bounce": ["jean.dupont@member-org.example"]}  # only recipients of the issue


def test_an_issue_never_sent(tmp_project: Path) -> None:
    result = run("report", "issues/example.yaml")
    assert result.exit_code == 2 and "no dispatch of 'example'" in result.output


def test_without_sendgrid_the_ledger_part_only(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run("send", "issues/example.yaml", "--list", "members", "--yes").exit_code == 0
    data = json.loads(run("report", "issues/example.yaml", "--json").output)
    assert data["recipients"] == 5 and data["delivered"] is None and "outbox" in data["stats_note"]
