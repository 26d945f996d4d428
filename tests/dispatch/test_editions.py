"""One dispatch for all languages: each subscriber gets the edition in their language (or the default), every
request carries one edition, the ledger records each batch's, and resume, scheduled sends and crashes keep it so."""

from __future__ import annotations

import json
import math
import random
import sqlite3
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html

import bulletin
from fakes.sendgrid_server import FakeSendGrid

from .helpers import SUBJECTS, kill_after, make_trilingual, run, sendgrid_env, start, use_sendgrid, use_subscribers

PEOPLE = """\
email,name,lists,status,language
fr.plain@x.example,Fabienne,members,subscribed,fr
fr.region@x.example,,members,subscribed,fr-BE
fr.upper@x.example,,members,subscribed,FR
fr.underscore@x.example,,members,subscribed,fr_BE
de@x.example,Dieter,members,subscribed,de
blank@x.example,,members,subscribed,
it@x.example,,members,subscribed,it
en.upper@x.example,,members,subscribed,EN
gone@x.example,,members,unsubscribed,fr
press@x.example,,press,subscribed,it
"""
EDITION = {  # who gets which edition
    "fr.plain@x.example": "fr", "fr.region@x.example": "fr", "fr.upper@x.example": "fr", "fr.underscore@x.example": "fr",
    "de@x.example": "en", "blank@x.example": "en", "it@x.example": "it", "en.upper@x.example": "en",
}


@pytest.fixture
def trilingual_send(sendgrid_project: Path) -> Path:
    """The example project in en, fr and it, sending to the fake SendGrid; people.csv has a language column."""
    make_trilingual(sendgrid_project)
    (sendgrid_project / "people.csv").write_text(PEOPLE, encoding="utf-8")
    use_subscribers(sendgrid_project, "people.csv")
    return sendgrid_project


def edition_of(body: dict[str, Any], test: bool = False) -> str:
    """The edition a request carries, from its HTML's lang; its subject must be that edition's."""
    lang = lxml_html.fromstring(body["content"][1]["value"]).get("lang")
    assert body["subject"] == ("[TEST] " if test else "") + SUBJECTS[lang], body["subject"]
    return str(lang)


def ledger_batches(project: Path) -> list[tuple[str, str | None, list[str]]]:
    """(state, language, recipients) of every batch of the real dispatches."""
    with sqlite3.connect(project / ".bulletin" / "ledger.db") as db:
        rows = db.execute("SELECT b.state, b.language, b.recipients FROM batches b JOIN dispatches d ON d.id = b.dispatch"
                          " WHERE d.kind = 'real' ORDER BY b.dispatch, b.seq").fetchall()
    return [(state, language, [r[0].lower() for r in json.loads(recipients)]) for state, language, recipients in rows]


def test_the_plan_says_who_gets_which_edition(trilingual_send: Path, fake_sendgrid: FakeSendGrid) -> None:
    result = run("send", "issues/example.yaml", "--list", "members", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "Recipients: 8 in 3 requests" in result.output
    assert "Editions: 3 en, 4 fr, 1 it (2 fell back to en: 1 de, 1 blank)" in result.output
    assert f"Subject in fr: {SUBJECTS['fr']}" in result.output and f"Subject in it: {SUBJECTS['it']}" in result.output
    assert fake_sendgrid.requests == []
    found = bulletin.plan("issues/example.yaml", "members")
    assert (found.editions, found.fell_back) == ({"en": 3, "fr": 4, "it": 1}, {"de": 1, "blank": 1})
    # what an edition shows in the default language: one line per language, not one per item (manifest.json lists each)
    untranslated = [w for w in found.warnings if "not translated" in w or "translation" in w]
    assert untranslated and all(w.startswith(("fr: ", "it: ")) and w.endswith("shown in en") for w in untranslated)
    assert len(untranslated) <= 2


def test_every_recipient_gets_their_edition_once_one_edition_per_request(trilingual_send: Path, fake_sendgrid: FakeSendGrid) -> None:
    result = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert result.exit_code == 0, result.output
    assert fake_sendgrid.recipients() == Counter(dict.fromkeys(EDITION, 1))
    got = {}
    for accepted in fake_sendgrid.accepted:
        lang = edition_of(accepted.body)
        assert accepted.body["custom_args"]["bulletin_edition"] == lang  # a language code: no personal data
        assert accepted.body["categories"] == ["bulletin", "bulletin-issue-example"]
        got.update(dict.fromkeys((r.lower() for r in accepted.recipients), lang))
    assert got == EDITION
    batches = ledger_batches(trilingual_send)
    assert sorted(language or "" for _, language, _ in batches) == ["en", "fr", "it"]
    for state, language, recipients in batches:
        assert state == "accepted" and {EDITION[r] for r in recipients} == {language}
    [row] = json.loads(run("status", "--json").output)
    assert row["editions"] == {"en": 3, "fr": 4, "it": 1}
    assert "accepted per edition: 3 en, 4 fr, 1 it" in run("status").output


def test_batches_of_one_language_hold_at_most_1000(trilingual_send: Path, fake_sendgrid: FakeSendGrid) -> None:
    rows = [f"p{i}@x.example,,members,,{('fr', 'en', 'FR-be', '')[i % 4]}" for i in range(2600)]
    (trilingual_send / "many.csv").write_text("email,name,lists,status,language\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = run("send", "issues/example.yaml", "--list", "members", "--yes", "--subscribers", "many.csv")
    assert result.exit_code == 0, result.output
    assert "Editions: 1,300 en, 1,300 fr, 0 it (650 fell back to en: 650 blank)" in result.output
    sizes: dict[str, list[int]] = {}
    for accepted in fake_sendgrid.accepted:
        lang = edition_of(accepted.body)
        assert {("fr" if int(r[1:].split("@")[0]) % 4 in (0, 2) else "en") for r in accepted.recipients} == {lang}
        sizes.setdefault(lang, []).append(len(accepted.recipients))
    assert {lang: sorted(s) for lang, s in sizes.items()} == {"en": [300, 1000], "fr": [300, 1000]}
    assert fake_sendgrid.mail_requests() == math.ceil(1300 / 1000) * 2
    assert sum(fake_sendgrid.recipients().values()) == 2600 == len(fake_sendgrid.recipients())


def test_a_test_send_in_a_chosen_language(trilingual_send: Path, fake_sendgrid: FakeSendGrid) -> None:
    result = run("send", "issues/example.yaml", "--test", "me@example.org", "--lang", "fr-BE")
    assert result.exit_code == 0, result.output
    [accepted] = fake_sendgrid.accepted
    assert edition_of(accepted.body, test=True) == "fr" and accepted.recipients == ["me@example.org"]
    assert accepted.body["custom_args"]["bulletin_kind"] == "test"


def test_a_test_send_to_a_subscriber_is_in_their_language(trilingual_send: Path, fake_sendgrid: FakeSendGrid) -> None:
    result = run("send", "issues/example.yaml", "--test", "it@x.example", "--test", "me@example.org")
    assert result.exit_code == 0, result.output
    got = {accepted.recipients[0]: edition_of(accepted.body, test=True) for accepted in fake_sendgrid.accepted}
    assert got == {"it@x.example": "it", "me@example.org": "en"}  # not a subscriber: the default


def test_a_language_the_project_lacks_is_named_with_its_languages(trilingual_send: Path, fake_sendgrid: FakeSendGrid) -> None:
    result = run("send", "issues/example.yaml", "--test", "me@example.org", "--lang", "de")
    assert result.exit_code != 0
    assert "there is no 'de' edition: the project's languages are en, fr, it" in result.output
    result = run("send", "issues/example.yaml", "--list", "members", "--lang", "fr", "--yes")
    assert result.exit_code != 0 and "--lang chooses the edition of a test" in result.output
    assert fake_sendgrid.requests == []


def test_one_language_project_test_with_another_language_is_refused(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    result = run("send", "issues/example.yaml", "--test", "me@example.org", "--lang", "fr")
    assert result.exit_code != 0 and "there is no 'fr' edition: the project has one language, en" in result.output
    assert run("send", "issues/example.yaml", "--test", "me@example.org", "--lang", "EN").exit_code == 0
    [accepted] = fake_sendgrid.accepted
    assert "bulletin_edition" not in accepted.body["custom_args"]  # one language: the requests are as before


def test_resume_across_editions_replans_who_left_and_joined(trilingual_send: Path, fake_sendgrid: FakeSendGrid) -> None:
    fake_sendgrid.fail(2, "401")  # the second request is refused: the run stops with one edition sent
    first = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert first.exit_code != 0
    [sent] = fake_sendgrid.accepted
    done = {r.lower() for r in sent.recipients}
    left = next(address for address in EDITION if address not in done)
    people = trilingual_send / "people.csv"
    lines = [line for line in people.read_text(encoding="utf-8").splitlines() if not line.startswith(left)]
    people.write_text("\n".join(lines) + "\nnew.it@x.example,,members,,it-CH\n", encoding="utf-8")
    again = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert again.exit_code == 0, again.output
    assert "1 not yet mailed have unsubscribed, bounced or left the list since" in again.output
    assert "1 joined the list since" in again.output
    expected = {a: e for a, e in EDITION.items() if a != left} | {"new.it@x.example": "it"}
    assert fake_sendgrid.recipients() == Counter(dict.fromkeys(expected, 1))
    got = {r.lower(): edition_of(a.body) for a in fake_sendgrid.accepted for r in a.recipients}
    assert got == expected


def test_a_dispatch_planned_before_editions_resumes_with_its_one_message(sendgrid_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    (sendgrid_project / "many.csv").write_text(
        "email,lists\n" + "".join(f"p{i}@x.example,members\n" for i in range(1500)), encoding="utf-8")
    use_subscribers(sendgrid_project, "many.csv")
    fake_sendgrid.fail(2, "401")
    assert run("send", "issues/example.yaml", "--list", "members", "--yes").exit_code != 0
    with sqlite3.connect(sendgrid_project / ".bulletin" / "ledger.db") as db:  # as an older bulletin left it
        content = json.loads(db.execute("SELECT content FROM dispatches").fetchone()[0])
        del content["lang"]
        db.execute("UPDATE dispatches SET content = ?", (json.dumps(content),))
        db.execute("UPDATE batches SET language = NULL")
    again = run("send", "issues/example.yaml", "--list", "members", "--yes")
    assert again.exit_code == 0, again.output
    assert fake_sendgrid.recipients() == Counter({f"p{i}@x.example": 1 for i in range(1500)})
    assert {a.body["subject"] for a in fake_sendgrid.accepted} == {SUBJECTS["en"]}


def test_a_scheduled_send_hands_over_every_edition(trilingual_send: Path, fake_sendgrid: FakeSendGrid,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from schedule.helpers import T0, Clock, due, schedule

    clock = Clock(fake_sendgrid, monkeypatch, T0)
    report = schedule("2021-07-06 09:00", clock)
    assert report.outcome == "scheduled" and report.plan.editions == {"en": 3, "fr": 4, "it": 1}
    people = trilingual_send / "people.csv"
    people.write_text(people.read_text(encoding="utf-8") + "late.fr@x.example,,members,,fr_FR\n", encoding="utf-8")
    clock.set(T0 + dt.timedelta(days=5) - dt.timedelta(hours=71))
    [done] = due(clock).handed
    assert done.outcome == "handed over" and done.plan.editions == {"en": 3, "fr": 5, "it": 1}
    [batch_id] = fake_sendgrid.batches
    assert {a.batch_id for a in fake_sendgrid.accepted} == {batch_id}
    clock.set(T0 + dt.timedelta(days=5))
    expected = EDITION | {"late.fr@x.example": "fr"}
    assert fake_sendgrid.delivered() == Counter(dict.fromkeys(expected, 1))
    assert {r.lower(): edition_of(a.body) for a in fake_sendgrid.accepted for r in a.recipients} == expected


def test_a_safe_hand_over_cut_off_sends_every_edition_again_under_a_new_batch(trilingual_send: Path, fake_sendgrid: FakeSendGrid,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import datetime as dt

    from schedule.helpers import T0, Clock, due
    from schedule.test_safe import crash

    clock = Clock(fake_sendgrid, monkeypatch, T0)
    crash(clock, fake_sendgrid, "2021-07-01 11:00", 2, after_sending=True)  # request 2 delivered, its answer never read
    first = next(iter(fake_sendgrid.batches))
    clock.advance(minutes=5)
    [done] = due(clock).handed
    assert done.outcome == "handed over" and fake_sendgrid.batches[first] == "cancel"
    again = [a for a in fake_sendgrid.accepted if a.batch_id != first]
    assert {r.lower(): edition_of(a.body) for a in again for r in a.recipients} == EDITION
    assert sorted(language for state, language, _ in ledger_batches(trilingual_send) if state == "accepted") == ["en", "fr", "it"]
    clock.set(T0 + dt.timedelta(hours=2))
    assert fake_sendgrid.delivered() == Counter(dict.fromkeys(EDITION, 1))


CRASH_MEMBERS = 6000
CRASH_LANGUAGES = ("fr", "it", "", "EN", "de", "fr-BE", "IT_it")


def crash_people(path: Path) -> dict[str, str]:
    """6,000 members in every spelling of a language, plus unsubscribed and off-list rows; their editions."""
    expected, lines = {}, ["email,name,lists,status,language"]
    for i in range(CRASH_MEMBERS):
        cell = CRASH_LANGUAGES[i % len(CRASH_LANGUAGES)]
        expected[f"person{i}@members.example"] = {"fr": "fr", "fr-BE": "fr", "it": "it", "IT_it": "it"}.get(cell, "en")
        lines.append(f"person{i}@members.example,Person {i},members,subscribed,{cell}")
    lines += [f"gone{i}@members.example,,members,unsubscribed,fr" for i in range(200)]
    lines += [f"other{i}@members.example,,press,subscribed,it" for i in range(200)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return expected


@pytest.mark.parametrize("trial", range(3))
def test_sigkill_mid_dispatch_across_editions_then_resume(trial: int, tmp_project: Path) -> None:
    rng = random.Random(100 + trial)
    make_trilingual(tmp_project)
    expected = crash_people(tmp_project / "people.csv")
    use_sendgrid(tmp_project, "people.csv")
    with FakeSendGrid(delay=0.02, read_delay=0.03) as fake:
        env = sendgrid_env(fake)
        args = ("send", "issues/example.yaml", "--list", "members", "--yes")
        kill_after(start(tmp_project, env, *args), fake, rng.randint(1, 6), rng.uniform(0, 0.1))
        for attempt in range(3):  # resume; unknown requests are sent again (the one way someone may get it twice)
            again = start(tmp_project, env, *args, *(("--resend-unknown",) if attempt else ()))
            out, _ = again.communicate(timeout=180)
            if again.returncode == 0:
                break
            assert "unknown" in out, out
        else:
            pytest.fail("the dispatch did not complete")
        assert not fake.invalid
        received = fake.recipients()
        for accepted in fake.accepted:  # one edition per request, the right one for everyone in it
            lang = edition_of(accepted.body)
            assert {expected[r.lower()] for r in accepted.recipients} == {lang}
    batches = ledger_batches(tmp_project)
    where = {address: (state, language) for state, language, recipients in batches for address in recipients}
    assert sum(len(r) for _, _, r in batches) == CRASH_MEMBERS and set(where) == set(expected)  # planned once each
    assert {a: language for a, (_, language) in where.items()} == expected
    with sqlite3.connect(tmp_project / ".bulletin" / "ledger.db") as db:
        unknown = {address for (recipients,) in db.execute("SELECT recipients FROM batches WHERE was_unknown = 1")
                   for address in (r[0].lower() for r in json.loads(recipients))}
    for address in expected:
        assert received[address] == 1 or (received[address] == 2 and address in unknown), (address, received[address])
