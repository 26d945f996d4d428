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


def test_three_editions_each_with_its_titles_fallbacks_texts_and_dates(trilingual: Path, write) -> None:
    write("content/2021-06-10-industrial-strategy.fr.md", '---\ntitle: "Stratégie industrielle\u00a0: notre réaction & <leçons>"\n'
          "url: https://example.org/fr/news/industrial-strategy\n---\nLa stratégie reconnaît l'économie sociale.\n")
    write("content/2021-06-10-industrial-strategy.it.md", '---\ntitle: "Strategia industriale: la nostra reazione"\n---\n')
    result = build("issues/tri.yaml")
    out = trilingual / "build" / "tri"

    def item_block(page, url_part: str):
        return [block for block in page.xpath("//*[@data-item]") if any(url_part in a.get("href", "") for a in block.iter("a"))][0]

    fr = lxml_html.fromstring((out / "fr" / "index.html").read_text(encoding="utf-8"))
    block = item_block(fr, "/fr/news/industrial-strategy")
    heading = block.xpath(".//h3|.//h2")[0]
    assert heading.text_content().strip() == "Stratégie industrielle\u00a0: notre réaction & <leçons>"
    assert heading.get("lang") is None  # translated: in the edition's language
    assert "10 juin 2021" in block.text_content() and "Lire la suite" in block.text_content()
    other = item_block(fr, "annual-report")  # not translated: English, marked so
    assert other.xpath(".//h3|.//h2")[0].get("lang") == "en" and "Lire la suite" in other.text_content()

    it = lxml_html.fromstring((out / "it" / "index.html").read_text(encoding="utf-8"))
    assert it.get("lang") == "it"
    block = item_block(it, "industrial-strategy")
    assert block.xpath(".//h3|.//h2")[0].text_content().strip() == "Strategia industriale: la nostra reazione"
    assert "10 giugno 2021" in block.text_content() and "Leggi tutto" in block.text_content()
    assert "The updated Industrial Strategy" in block.text_content()  # no Italian summary: the item's own

    en = lxml_html.fromstring((out / "index.html").read_text(encoding="utf-8"))
    block = item_block(en, "example.org/news/industrial-strategy")
    assert "EU Industrial Strategy Update: our reaction & lessons" in block.text_content()
    assert "10 June 2021" in block.text_content() and "Read more" in block.text_content()
    fr_text = (out / "fr" / "index.txt").read_text(encoding="utf-8")
    assert "Stratégie industrielle\u00a0: notre réaction & <leçons>" in fr_text and "Lire la suite:" in fr_text
    assert "Se désabonner" in fr_text
    fell_back = [entry["where"] for entry in result.manifest["editions"]["fr"]["fell_back"]]
    assert not any("industrial-strategy" in where for where in fell_back)
    assert any("annual-report" in where for where in fell_back)


def test_each_edition_greets_in_its_language_with_its_own_word_for_someone_without_a_name(trilingual: Path) -> None:
    config = trilingual / "bulletin.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("merge_fallbacks: {name: colleague}\n", ""), encoding="utf-8")
    result = prepare("issues/tri.yaml")
    assert "Dear *|FIRST_NAME|*," in result.editions["en"].rendered.text
    assert "Bonjour *|FIRST_NAME|*," in result.editions["fr"].rendered.text
    assert "Gentile *|FIRST_NAME|*," in result.editions["it"].rendered.text
    assert result.editions["fr"].rendered.merge_fields["first_name"] == "à toutes et à tous"
    assert result.editions["en"].rendered.merge_fields["first_name"] == "colleague"


def test_a_greeting_reworded_per_language_is_checked_like_bulletin_yaml_s(trilingual: Path) -> None:
    config = trilingual / "bulletin.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text + 'messages: {fr: {greeting: "Chère, cher {prenom},"}}\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_project()
    assert "messages.fr.greeting: unknown field {prenom}" in str(caught.value) and "bulletin.yaml:" in str(caught.value)
    config.write_text(text + 'messages: {fr: {greeting: "Chère, cher {first_name},"}}\n', encoding="utf-8")
    assert "Chère, cher *|FIRST_NAME|*," in prepare("issues/tri.yaml").editions["fr"].rendered.text
