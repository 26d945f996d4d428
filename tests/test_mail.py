"""Request bodies, without a server."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import html as lxml_html

from bulletin.audience import substitution_bytes
from bulletin.mail import (
    BodyBuilder,
    Message,
    clean,
    fill,
    messages_from_dict,
    messages_to_dict,
    unsubscribe_headers,
)

MESSAGE = Message(
    slug="s", subject="Hi *|NAME|*", html="<p>Dear *|NAME|*</p>", text="Dear *|NAME|*", from_email="f@x.example",
    from_name=None, reply_to=None, categories=(), group_id=None, fields=("name",), fallbacks=("friend",),
)


def test_one_personalization_per_recipient_with_escaped_html_values() -> None:
    body = BodyBuilder(MESSAGE, custom_args={"bulletin_issue": "s"}).body(
        [["a@x.example", 'O"Neil <script>'], ["b@x.example", "  "], ["c@x.example", "Line\r\nBreak"]], batch=4)
    assert body["personalizations"] == [
        {"to": [{"email": "a@x.example"}], "substitutions": {"*|NAME|*": 'O"Neil <script>', "*|NAME:HTML|*": "O&quot;Neil &lt;script&gt;"}},
        {"to": [{"email": "b@x.example"}], "substitutions": {"*|NAME|*": "friend", "*|NAME:HTML|*": "friend"}},
        {"to": [{"email": "c@x.example"}], "substitutions": {"*|NAME|*": "Line Break", "*|NAME:HTML|*": "Line Break"}},
    ]
    assert body["content"] == [{"type": "text/plain", "value": "Dear *|NAME|*"}, {"type": "text/html", "value": "<p>Dear *|NAME:HTML|*</p>"}]
    assert body["subject"] == "Hi *|NAME|*"
    assert body["custom_args"] == {"bulletin_issue": "s", "bulletin_batch": "4"}
    assert "asm" not in body and "categories" not in body and "reply_to" not in body
    assert body["headers"] == {"List-Unsubscribe": "<mailto:f@x.example?subject=unsubscribe>"}  # no one-click without https


def test_a_batch_whose_values_read_the_same_escaped_sends_one_substitution_each_for_the_same_email() -> None:
    builder = BodyBuilder(MESSAGE, custom_args={})
    plain = builder.body([["a@x.example", "Zoë Müller"], ["b@x.example", ""]], batch=1)
    assert plain["personalizations"] == [
        {"to": [{"email": "a@x.example"}], "substitutions": {"*|NAME|*": "Zoë Müller"}},
        {"to": [{"email": "b@x.example"}], "substitutions": {"*|NAME|*": "friend"}},
    ]
    assert plain["content"][1] == {"type": "text/html", "value": "<p>Dear *|NAME|*</p>"}
    # a value that escaping changes, here a fallback too: the HTML part's own tags, for the whole request
    rows = [["a@x.example", "Zoë Müller"], ["b@x.example", "Tom & Jerry"]]
    escaped = builder.body(rows, batch=2)
    assert escaped["content"][1]["value"] == "<p>Dear *|NAME:HTML|*</p>"
    assert [p["substitutions"]["*|NAME:HTML|*"] for p in escaped["personalizations"]] == ["Zoë Müller", "Tom &amp; Jerry"]
    amp = BodyBuilder(Message(**{**MESSAGE.to_dict(), "fallbacks": ("you & yours",)}), custom_args={}).body([["b@x.example", ""]], batch=1)
    assert amp["personalizations"][0]["substitutions"] == {"*|NAME|*": "you & yours", "*|NAME:HTML|*": "you &amp; yours"}
    # what the first recipient reads is the same either way
    html = [fill(b["content"][1]["value"], b["personalizations"][0]["substitutions"]) for b in (plain, escaped)]
    assert html[0] == html[1] == "<p>Dear Zoë Müller</p>"


def test_scheduled_requests_carry_batch_id_and_send_at() -> None:
    body = BodyBuilder(MESSAGE, custom_args={}).body([["a@x.example", ""]], batch=1, send_at=1625468400, batch_id="b-1")
    assert (body["send_at"], body["batch_id"]) == (1625468400, "b-1")


def test_at_most_1000_per_request() -> None:
    with pytest.raises(ValueError, match="SendGrid allows 1000"):
        BodyBuilder(MESSAGE, custom_args={}).body([[f"p{i}@x.example", ""] for i in range(1001)], batch=1)


def test_one_click_unsubscribe_needs_the_group() -> None:
    with_group = Message(**{**MESSAGE.to_dict(), "group_id": 7, "reply_to": "r@x.example"})  # type: ignore[arg-type]
    assert unsubscribe_headers(with_group) == {
        "List-Unsubscribe": "<mailto:r@x.example?subject=unsubscribe>, <<%asm_group_unsubscribe_raw_url%>>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def test_message_round_trips_through_the_ledger() -> None:
    assert Message.from_dict(MESSAGE.to_dict()) == MESSAGE
    assert MESSAGE.as_test().subject == "[TEST] Hi *|NAME|*"
    assert clean("\tA\x00B\n") == "A B"


def test_a_merge_value_that_looks_like_a_merge_tag_is_not_filled_in() -> None:
    # merge values are data: a name cell holding *|ORGANISATION|* must not become someone's organisation
    message = Message(**{**MESSAGE.to_dict(), "text": "*|NAME|* of *|ORGANISATION|*", "fields": ("name", "organisation"),
                         "fallbacks": ("friend", "")})  # type: ignore[arg-type]
    body = BodyBuilder(message, custom_args={}).body([["a@x.example", "*|ORGANISATION|*", "ACME"]], batch=1)
    subs = body["personalizations"][0]["substitutions"]
    assert fill(body["content"][0]["value"], subs) == "* |ORGANISATION|* of ACME"
    assert fill(body["content"][0]["value"], dict(reversed(subs.items()))) == "* |ORGANISATION|* of ACME"


def test_the_audience_counts_substitutions_at_least_as_large_as_they_are_sent() -> None:
    # audience.py refuses rows over SendGrid's 10,000 bytes with this count: it must never undercount a body
    message = Message(**{**MESSAGE.to_dict(), "fields": ("name", "org"), "fallbacks": ("", "")})  # type: ignore[arg-type]
    values = ['  O"Neil & *|ORG|* <b> 😀\r\n ', "Tom & Jerry's *|NAME:HTML|*"]
    [person] = BodyBuilder(message, custom_args={}).body([["a@x.example", *values]], batch=1)["personalizations"]
    sent = sum(len(k.encode()) + len(v.encode()) for k, v in person["substitutions"].items())
    assert sent <= substitution_bytes(message.fields, [v.strip() for v in values])


def test_each_editions_message_round_trips_through_the_ledger() -> None:
    fr = Message(**{**MESSAGE.to_dict(), "subject": "Salut *|NAME|*", "fallbacks": ("ami",), "lang": "fr"})
    en = Message(**{**MESSAGE.to_dict(), "lang": "en"})
    stored = messages_to_dict({"en": en, "fr": fr})
    assert stored["subject"] == "Hi *|NAME|*" and stored["editions"]["fr"]["subject"] == "Salut *|NAME|*"
    assert messages_from_dict(stored) == {"en": en, "fr": fr}
    assert messages_to_dict({"en": en}) == en.to_dict()  # one language: stored as before editions


def test_a_message_stored_before_editions_is_the_one_edition() -> None:
    stored = {k: v for k, v in MESSAGE.to_dict().items() if k != "lang"}
    assert messages_from_dict(stored) == {"": MESSAGE}


def test_each_edition_has_its_message_with_the_merge_fields_of_all(tmp_project: Path) -> None:
    from bulletin.build import prepare
    from bulletin.mail import message_for, messages_for
    from dispatch.helpers import SUBJECTS, make_trilingual

    make_trilingual(tmp_project)
    result = prepare("issues/example.yaml")
    messages = messages_for(result)
    assert list(messages) == ["en", "fr", "it"] and message_for(result) == messages["en"]
    assert {lang: m.subject for lang, m in messages.items()} == SUBJECTS
    assert [lxml_html.fromstring(m.html).get("lang") for m in messages.values()] == ["en", "fr", "it"]
    assert len({m.fields for m in messages.values()}) == 1 and messages["fr"].fields == ("first_name",)
    assert all(len(m.fallbacks) == len(m.fields) for m in messages.values())
