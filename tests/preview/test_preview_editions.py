"""The preview of an issue with several languages: each edition served, --lang and --as pick one, the page's
language switcher (headless Chromium) keeps the chosen edition through live reloads, and the compose actions
work on any edition."""

from __future__ import annotations

import http.client
import json
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import lxml.html
import pytest
from playwright.sync_api import Page, expect

from bulletin.errors import ConfigError
from bulletin.preview import Preview

ISSUE = "issues/tri.yaml"
WAIT = 5_000  # ms: bounded waits; they end as soon as the page shows the change
PAY = "Pay transparency and the gender pay gap in care"
EMAIL_DOC = "document.getElementById('email').contentDocument"


def get(preview: Preview, path: str) -> tuple[int, dict[str, str], str]:
    parts = urlsplit(preview.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read().decode("utf-8")
    finally:
        connection.close()


def lang_of(html: str) -> str | None:
    return lxml.html.fromstring(html).get("lang")


@pytest.fixture
def still(trilingual: Path) -> Iterator[Preview]:
    with Preview(ISSUE, port=0, watch=False) as running:
        yield running


def test_each_edition_is_served_and_the_status_lists_them(still: Preview) -> None:
    code, headers, html = get(still, "/email.html?lang=fr")
    assert code == 200 and lang_of(html) == "fr" and headers["Content-Language"] == "fr"
    assert "Six mois de travail." in html
    assert lang_of(get(still, "/email.html")[2]) == "en"  # the default language first
    assert "Bollettino n. 7" in get(still, "/email.txt?lang=IT")[2]  # as people write it
    code, _, message = get(still, "/email.html?lang=de")
    assert code == 404 and "no 'de' edition (its languages: en, fr, it)" in message
    status = json.loads(get(still, "/status.json")[2])
    assert [(e["lang"], e["name"], e["subject"]) for e in status["editions"]] == [
        ("en", "English", "Bulletin #7 — H1"), ("fr", "Français", "Bulletin n° 7 — S1"), ("it", "Italiano", "Bulletin #7 — H1")]
    assert status["lang_default"] == "en"


@pytest.mark.parametrize(("who", "lang"), [
    ("jean.dupont@member-org.example", "fr"),  # language: fr
    ("maria.rossi@member-org.example", "it"),
    ("anna.keller@member-org.example", "en"),  # de: not one of the project's, so the default
])
def test_a_subscriber_sees_their_own_edition(still: Preview, who: str, lang: str) -> None:
    code, headers, html = get(still, f"/email.html?as={who}")
    assert code == 200 and headers["Content-Language"] == lang and lang_of(html) == lang
    # an edition asked for wins over the person's
    assert lang_of(get(still, f"/email.html?as={who}&lang=it")[2]) == "it"


def test_lang_and_as_choose_the_edition_the_preview_starts_with(trilingual: Path) -> None:
    with Preview(ISSUE, port=0, watch=False, lang="fr-BE") as preview:
        assert preview.session is not None and preview.session.lang == "fr"
        assert lang_of(get(preview, "/email.html")[2]) == "fr"
    with Preview(ISSUE, port=0, watch=False, as_email="maria.rossi@member-org.example") as preview:
        assert preview.session is not None and preview.session.lang == "it"
    with pytest.raises(ConfigError) as caught, Preview(ISSUE, port=0, watch=False, lang="de"):
        pass
    assert "lang=de: the issue has no such edition (its languages: en, fr, it" in str(caught.value)  # the CLI says --lang de


@pytest.fixture
def page(open_page, trilingual: Path) -> Iterator[Page]:
    with Preview(ISSUE, port=0) as preview:
        yield from open_page(preview, "Six months of work.")


@pytest.mark.browser
def test_the_switcher_shows_each_edition_and_keeps_it_through_a_reload(page: Page, trilingual: Path) -> None:
    switcher = page.get_by_role("group", name="Edition")
    expect(switcher.get_by_role("button")).to_have_text(["English", "Français", "Italiano"])
    expect(switcher.get_by_role("button", name="English")).to_have_attribute("aria-pressed", "true")
    switcher.get_by_role("button", name="Français").click()
    body = page.frame_locator("#email").locator("body")
    expect(body).to_contain_text("Six mois de travail.", timeout=WAIT)
    expect(page.locator("#subject")).to_have_text("Bulletin n° 7 — S1")
    expect(switcher.get_by_role("button", name="Français")).to_have_attribute("aria-pressed", "true")
    assert page.evaluate(f"{EMAIL_DOC}.documentElement.lang") == "fr"
    # a saved change reloads the email in the same language
    issue = trilingual / ISSUE
    issue.write_text(issue.read_text(encoding="utf-8").replace("Six mois de travail.", "Six mois de travail acharné."), encoding="utf-8")
    expect(body).to_contain_text("Six mois de travail acharné.", timeout=WAIT)
    assert page.evaluate(f"{EMAIL_DOC}.documentElement.lang") == "fr"
    page.click("#mode-text")
    expect(page.locator("#text")).to_contain_text("Six mois de travail acharné.")
    # picking a subscriber shows their edition
    page.select_option("#as", "maria.rossi@member-org.example")
    expect(body).to_contain_text("Bollettino n. 7", timeout=WAIT)
    expect(switcher.get_by_role("button", name="Italiano")).to_have_attribute("aria-pressed", "true")


@pytest.mark.browser
def test_the_compose_actions_work_in_another_edition(page: Page, trilingual: Path) -> None:
    issue = trilingual / ISSUE
    before = issue.read_text(encoding="utf-8")
    page.get_by_role("group", name="Edition").get_by_role("button", name="Italiano").click()
    frame = page.frame_locator("#email")
    expect(frame.locator("body")).to_contain_text("Bollettino n. 7", timeout=WAIT)
    frame.locator("[data-item]", has_text=PAY).hover()
    tools = frame.get_by_role("group", name=f"Compose: {PAY}")
    expect(tools).to_be_visible()
    tools.get_by_role("button", name=f"Exclude: {PAY}").click()
    expect(frame.locator("body")).not_to_contain_text(PAY, timeout=WAIT)
    assert issue.read_text(encoding="utf-8") == before.replace("notes:", "exclude: [content/2021-06-17-pay-transparency.md]\nnotes:")
    assert page.evaluate(f"{EMAIL_DOC}.documentElement.lang") == "it"  # still the Italian edition


def test_preview_lang_names_a_language_the_issue_lacks(trilingual: Path) -> None:
    from click.testing import CliRunner

    from bulletin.cli import main

    result = CliRunner().invoke(main, ["preview", ISSUE, "--lang", "de", "--no-open", "--port", "0"])
    assert result.exit_code == 2 and result.output.count("Error:") == 1
    assert "--lang de: the issue has no such edition (its languages: en, fr, it" in result.output


def test_the_pages_subject_field_edits_the_default_languages_text_and_keeps_the_others(still: Preview, trilingual: Path) -> None:
    from bulletin.preview.server import TOKEN_HEADER

    parts = urlsplit(still.url)
    revision = json.loads(get(still, "/status.json")[2])["revision"]
    body = json.dumps({"action": "subject", "value": "Bulletin #7: spring", "base": revision}).encode()
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("POST", "/compose", body, {"Origin": f"http://{parts.netloc}", "Content-Type": "application/json",
                                                       TOKEN_HEADER: still.token or ""})
        answer = connection.getresponse()
        assert answer.status == 200, answer.read()
    finally:
        connection.close()
    text = (trilingual / ISSUE).read_text(encoding="utf-8")
    assert 'subject: {en: "Bulletin #7: spring", fr: "Bulletin n° 7 — S1"}' in text


@pytest.mark.browser
def test_the_subject_field_edits_the_text_of_the_edition_shown(page: Page, trilingual: Path) -> None:
    page.get_by_role("group", name="Edition").get_by_role("button", name="Français").click()
    expect(page.frame_locator("#email").locator("body")).to_contain_text("Six mois de travail.", timeout=WAIT)
    page.click("#issue-fields summary")
    expect(page.locator("#field-subject")).to_have_value("Bulletin n° 7 — S1")
    expect(page.locator("#field-intro")).to_have_value("Six mois de travail.")
    page.fill("#field-intro", "Six mois de travail, enfin.")
    page.get_by_role("button", name="Save intro").click()
    expect(page.frame_locator("#email").locator("body")).to_contain_text("Six mois de travail, enfin.", timeout=WAIT)
    # the French text changed, the English one stays
    assert 'intro: {en: "Six months of work.", fr: "Six mois de travail, enfin."}\n' in (trilingual / ISSUE).read_text(encoding="utf-8")


def test_a_subscriber_s_edition_comes_from_whichever_language_column_the_file_has(trilingual: Path) -> None:
    people = trilingual / "subscribers.example.csv"
    people.write_text(people.read_text(encoding="utf-8").replace(",language,", ",locale,", 1), encoding="utf-8")
    with Preview(ISSUE, port=0, watch=False) as running:
        code, headers, html = get(running, "/email.html?as=jean.dupont@member-org.example")
    assert code == 200 and headers["Content-Language"] == "fr" and lang_of(html) == "fr"  # as the send reads it
