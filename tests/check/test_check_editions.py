"""check runs on every language edition: findings name their edition, missing translations are warnings (errors
with require_translations), links of all editions are fetched once, and an error of any edition blocks a send."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

from click.testing import CliRunner

from bulletin.build import prepare
from bulletin.check import LinkStatus, run_checks
from bulletin.cli import main
from bulletin.dispatch.plan import blocking_checks

T0 = dt.datetime(2021, 7, 1, 9, 0, tzinfo=dt.UTC)


def _issue(trilingual: Path, old: str, new: str) -> None:
    path = trilingual / "issues" / "tri.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_each_edition_is_checked_and_a_finding_names_its_edition(trilingual: Path) -> None:
    _issue(trilingual, 'fr: "Bulletin n° 7"', 'fr: "Bulletin n° 7 {{ oubli }}"')  # a leftover only the French title has
    report = run_checks(prepare("issues/tri.yaml"))
    assert report.editions == ["en", "fr", "it"]
    placeholders = [f for f in report.errors if f.code == "placeholder"]
    assert placeholders and all(f.edition == "fr" and str(f).startswith("[fr] ") for f in placeholders)
    # the same in every edition: once, naming none
    [preheader] = [f for f in report.findings if f.code == "no-preheader"]
    assert preheader.edition == ""
    published = {f.edition: f.message for f in report.findings if f.code == "not-published"}
    assert "https://example.org/bulletin/tri/fr/" in published["fr"] and "/tri/it/" in published["it"]
    assert report.stats["editions"]["fr"]["html_bytes"] == len(prepare("issues/tri.yaml").editions["fr"].rendered.html.encode())


def test_missing_translations_are_warnings_naming_file_and_edition(trilingual: Path) -> None:
    report = run_checks(prepare("issues/tri.yaml"))
    missing = [f for f in report.findings if f.code == "untranslated"]
    assert missing and all(f.severity == "warning" for f in missing)
    intro = [f for f in missing if f.message.startswith("intro ")]
    assert [(f.edition, f.where) for f in intro] == [("it", "issues/tri.yaml")]
    assert "the it edition shows it in en" in intro[0].message
    items = {f.edition for f in missing if f.where.startswith("content/")}
    assert items == {"fr", "it"}  # no item of the example has a translation
    # the build's own warning about them is not repeated
    assert not [f for f in report.findings if f.code == "build-warning" and "no translation in" in f.message]
    assert report.ok


def test_require_translations_makes_them_errors_reported_by_check(trilingual: Path) -> None:
    config = trilingual / "bulletin.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "require_translations: true\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["check", "issues/tri.yaml", "--json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.output[: result.output.rindex("}") + 1])
    errors = [f for f in data["findings"] if f["code"] == "untranslated"]
    assert errors and all(f["severity"] == "error" and f["edition"] in ("fr", "it") for f in errors)
    assert "require_translations: true in bulletin.yaml" in errors[0]["message"]
    text = CliRunner().invoke(main, ["check", "issues/tri.yaml"])
    assert text.exit_code == 1 and "Internal error" not in text.output
    assert "[fr] " in text.output and "texts not translated" in text.output  # many: a count per edition
    assert "(3 editions, the largest " in text.output


def test_json_gives_each_findings_edition(trilingual: Path) -> None:
    data = json.loads(CliRunner().invoke(main, ["check", "issues/tri.yaml", "--json"]).output)
    assert data["editions"] == ["en", "fr", "it"]
    assert all("edition" in f for f in data["findings"])
    assert {f["edition"] for f in data["findings"] if f["code"] == "no-preheader"} == {None}


def test_a_one_language_report_is_unchanged(tmp_project: Path) -> None:
    single = json.loads(CliRunner().invoke(main, ["check", "issues/example.yaml", "--json"]).output)
    assert "editions" not in single and all("edition" not in f for f in single["findings"])


def test_links_of_every_edition_are_fetched_once(trilingual: Path) -> None:
    _issue(trilingual, 'intro: {en: "Six months of work.", fr: "Six mois de travail."}',
           'intro: {en: "See [the report](https://example.org/report).", fr: "Voir [le rapport](https://example.org/rapport)."}')
    calls: list[str] = []
    lock = threading.Lock()

    def fetch(url: str) -> LinkStatus:
        with lock:
            calls.append(url)
        return LinkStatus(url, 404 if "rapport" in url else 200, url)

    report = run_checks(prepare("issues/tri.yaml"), links=True, fetch=fetch, clock=lambda: T0)
    assert len(calls) == len(set(calls))  # each URL once, for all three editions
    assert any(u.startswith("https://example.org/report?") for u in calls)
    assert any(u.startswith("https://example.org/rapport?") for u in calls)
    [broken] = [f for f in report.errors if f.code == "broken-link"]
    assert broken.edition == "fr" and "https://example.org/rapport" in broken.message
    assert report.stats["links"]["urls"] == len(calls)


def test_an_error_in_one_edition_blocks_a_send(trilingual: Path) -> None:
    _issue(trilingual, 'fr: "Bulletin n° 7"', 'fr: "Bulletin n° 7 {{ oubli }}"')
    errors, _warnings = blocking_checks(prepare("issues/tri.yaml"), "outbox")
    assert any(e.startswith("[fr] ") and "{{ oubli }}" in e for e in errors)
    sent = CliRunner().invoke(main, ["send", "issues/tri.yaml", "--list", "members", "--yes"])
    assert sent.exit_code != 0 and "{{ oubli }}" in sent.output
    outbox = trilingual / ".bulletin" / "outbox"
    assert not outbox.exists() or not any(outbox.rglob("*.eml"))


def test_spam_scores_each_editions_message(trilingual: Path, monkeypatch) -> None:
    import email
    import email.policy

    from bulletin.check import spam

    subjects: list[str] = []

    def score(raw: bytes, program: str) -> spam.SpamScore:
        subjects.append(str(email.message_from_bytes(raw, policy=email.policy.default)["Subject"]))
        return spam.SpamScore(6.0 if "n° 7" in subjects[-1] else 0.5, 5.0)

    monkeypatch.setattr(spam, "score_message", score)
    monkeypatch.setattr(spam, "find_spamassassin", lambda: "/usr/bin/spamassassin")
    report = run_checks(prepare("issues/tri.yaml"), spam=True)
    assert subjects == ["Bulletin #7 — H1", "Bulletin n° 7 — S1", "Bulletin #7 — H1"]  # en, fr, it (none of its own)
    [error] = [f for f in report.errors if f.code == "spam-score"]
    assert error.edition == "fr"
    assert {lang: e["spam_score"] for lang, e in report.stats["editions"].items()} == {"en": 0.5, "fr": 6.0, "it": 0.5}
    assert report.stats["spam"]["score"] == 0.5  # the default edition's, as before


def test_client_findings_every_edition_shares_are_reported_once(trilingual: Path) -> None:
    report = run_checks(prepare("issues/tri.yaml"), clients=True)
    found = [f for f in report.findings if f.group == "clients"]
    assert found and all(f.edition == "" for f in found)
    assert len({(f.code, f.message) for f in found}) == len(found)
