"""Language editions: issue texts per language, items in their translation, fallbacks listed and marked."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from lxml import html as lxml_html

from bulletin.build import build, prepare
from bulletin.config import load_issue, load_project
from bulletin.editions import item_in
from bulletin.errors import ConfigError
from bulletin.model import Item, Translation


def test_issue_texts_per_language_fall_back_to_the_default(trilingual: Path) -> None:
    project = load_project()
    assert project.languages == ("en", "fr", "it") and project.lang == "en"
    spec = load_issue("issues/tri.yaml", project)
    assert spec.title == "Bulletin #7" and spec.subject == "Bulletin #7 — H1"
    assert spec.translations["fr"]["title"] == "Bulletin n° 7"
    assert spec.translations["fr"]["section:Events"] == "Événements"
    assert spec.translations["fr"]["note:Events"] == "Tout en ligne."
    assert spec.translations["it"] == {"title": "Bollettino n. 7", "section:Events": "Eventi"}


def test_each_edition_is_built_in_its_own_folder_with_its_texts(trilingual: Path) -> None:
    result = build("issues/tri.yaml")
    assert list(result.editions) == ["en", "fr", "it"]
    out = trilingual / "build" / "tri"
    fr = lxml_html.fromstring((out / "fr" / "index.html").read_text(encoding="utf-8"))
    assert fr.get("lang") == "fr"
    headings = [h.text_content().strip() for h in fr.iter("h2")]
    assert "Événements" in headings
    assert "Tout en ligne." in fr.text_content() and "Six mois de travail." in fr.text_content()
    it = (out / "it" / "index.txt").read_text(encoding="utf-8")
    assert "Bollettino n. 7" in it and "EVENTI" in it and "Six months of work." in it  # intro falls back
    en = lxml_html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    assert en.get("lang") == "en" and "Six months of work." in en.text_content()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["languages"] == ["en", "fr", "it"]
    assert manifest["editions"]["fr"]["subject"] == "Bulletin n° 7 — S1"
    assert manifest["editions"]["it"]["subject"] == "Bulletin #7 — H1"  # none given in Italian: the default's
    fell_back = {entry["what"] for entry in manifest["editions"]["it"]["fell_back"]}
    assert {"intro", "subject", "note of section 'Events'"} <= fell_back
    assert manifest["editions"]["en"]["fell_back"] == []


def test_an_untranslated_item_is_shown_in_the_default_language_and_marked(trilingual: Path) -> None:
    result = prepare("issues/tri.yaml")
    fr = lxml_html.fromstring(result.editions["fr"].rendered.html)
    marked = fr.xpath("//*[@data-item]//h3[@lang='en'] | //*[@data-item]//h2[@lang='en']")
    assert len(marked) == len(result.selection.items)  # the example has no French items
    en = lxml_html.fromstring(result.rendered.html)
    assert not en.xpath("//*[@data-item]//*[@lang]")
    warnings = [str(w) for w in result.content_warnings if "no translation in" in str(w)]
    assert any("no translation in fr, it" in w for w in warnings)


def test_require_translations_makes_a_missing_one_an_error(trilingual: Path) -> None:
    config = trilingual / "bulletin.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "require_translations: true\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        prepare("issues/tri.yaml")
    assert "no translation in fr" in str(caught.value) and "require_translations" in str(caught.value)


def test_a_translation_replaces_what_it_sets_and_keeps_the_rest() -> None:
    item = Item(dt.date(2021, 6, 10), "Strategy & <lessons>", "https://example.org/en", ("News",), "Summary.",
                translations=(Translation("fr", "Stratégie\u00a0& «\u202fleçons\u202f»", url="https://example.org/fr"),))
    fr, found = item_in(item, "fr", "en")
    assert found and fr.title == "Stratégie\u00a0& «\u202fleçons\u202f»" and fr.url == "https://example.org/fr"
    assert fr.summary == "Summary." and fr.tags == ("News",) and fr.lang is None
    it, found = item_in(item, "it", "en")
    assert not found and it.title == item.title and it.lang == "en"


@pytest.mark.parametrize("text, message", [
    ("languages: [en, fr, fr]", "languages[2]: 'fr' is listed twice"),
    ("languages: [en, 'français']", "expected a language code"),
    ("languages: [fr, en]\nlang: en", "'en' is not the first of languages"),
])
def test_bad_languages_are_named_on_their_line(tmp_project: Path, text: str, message: str) -> None:
    config = tmp_project / "bulletin.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("lang: en", text), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_project()
    assert "bulletin.yaml:" in str(caught.value) and message in str(caught.value)


def test_a_text_in_a_language_the_project_lacks_is_named(trilingual: Path, write) -> None:
    issue = (trilingual / "issues" / "tri.yaml").read_text(encoding="utf-8")
    write("issues/bad.yaml", issue.replace('it: "Bollettino n. 7"', 'de: "Bulletin Nr. 7"').replace("{en: \"Bulletin #7\", ", "{"))
    with pytest.raises(ConfigError) as caught:
        load_issue("issues/bad.yaml", load_project())
    text = str(caught.value)
    assert "issues/bad.yaml:1: title.de: 'de' is not one of the project's languages (en, fr, it)" in text
    assert "title: no text in en, the default language" in text
