"""The default theme in the edition's language: texts, dates, lang and dir, rewording in bulletin.yaml, older copies."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import lxml.html
from click.testing import CliRunner

from bulletin.build import prepare
from bulletin.catalogue import fallback_warning
from bulletin.cli import main
from bulletin.config import load_project
from bulletin.render import render_issue
from bulletin.site import publish

ISSUE = "issues/example.yaml"

#: _words.j2 as the theme had it before its texts were per language (a project may have copied it).
OLD_WORDS = """{% set read_more = "Read more" %}
{% set featured = "Featured" %}
{% set in_this_issue = "In this issue" %}
{% set view_in_browser = "View in browser" %}
{% set unsubscribe = "Unsubscribe" %}
{% set why = "You receive this email because you subscribed to news from" %}
{% set all_issues = "All issues" %}
{% set subscribe = "Subscribe" %}
"""


def set_lang(project: Path, lang: str, extra: str = "") -> None:
    config = project / "bulletin.yaml"
    text = config.read_text(encoding="utf-8")
    assert "\nlang: en\n" in text
    config.write_text(text.replace("\nlang: en\n", f"\nlang: {lang}\n") + extra, encoding="utf-8")


def build(project: Path) -> tuple[lxml.html.HtmlElement, str]:
    result = CliRunner().invoke(main, ["build", ISSUE])
    assert result.exit_code == 0, result.output
    html = lxml.html.fromstring((project / "build/example/index.html").read_bytes())
    return html, (project / "build/example/index.txt").read_text(encoding="utf-8")


def words(element: lxml.html.HtmlElement) -> str:
    return " ".join(element.text_content().split())


def test_a_french_edition_has_french_texts_and_dates(tmp_project):
    set_lang(tmp_project, "fr")
    html, text = build(tmp_project)
    assert html.get("lang") == "fr" and html.get("dir") != "rtl"
    links = [words(a) for a in html.iter("a")]
    assert "Lire la suite" in links and "Read more" not in links
    assert {"Voir la version en ligne", "Se désabonner"} <= set(links)
    assert [words(h) for h in html.cssselect("h2.tt")] == ["Dans ce numéro"]
    assert words(html.cssselect(".fl")[0]) == "À la une"
    dates = [words(d) for d in html.cssselect("div.mt")]
    assert any(d.startswith("10 juin 2021") for d in dates), dates
    assert "janvier\u2009–\u2009juin 2021" in [p.text_content() for p in html.iter("p")]  # CLDR's thin spaces
    assert "Vous recevez cet e-mail car vous êtes abonné(e) aux actualités de European Social Network Federation." in words(html)
    assert "\nLire la suite:\n" in text and "\n10 juin 2021" in text and "\nSe désabonner:\n" in text
    assert "\nÀ LA UNE\n" in text and "Read more" not in text


def test_a_german_edition_has_german_dates(tmp_project):
    set_lang(tmp_project, "de")
    html, text = build(tmp_project)
    assert any(words(d).startswith("10. Juni 2021") for d in html.cssselect("div.mt"))
    assert "Weiterlesen" in [words(a) for a in html.iter("a")]
    assert "\n10. Juni 2021" in text


def test_bulletin_yaml_rewords_a_text_without_copying_templates(tmp_project):
    set_lang(tmp_project, "fr-BE", "messages:\n  fr:\n    read_more: \"Lire l'article\"\n")
    html, text = build(tmp_project)
    links = [words(a) for a in html.iter("a")]
    assert "Lire l'article" in links and "Lire la suite" not in links
    assert "Se désabonner" in links  # the others stay the catalogue's
    assert "\nLire l'article:\n" in text
    assert html.get("lang") == "fr-BE"


def test_a_misspelt_text_in_bulletin_yaml_names_its_line(tmp_project):
    set_lang(tmp_project, "fr", "messages:\n  fr:\n    raed_more: Lire l'article\n")
    line = (tmp_project / "bulletin.yaml").read_text(encoding="utf-8").splitlines().index("    raed_more: Lire l'article") + 1
    result = CliRunner().invoke(main, ["build", ISSUE])
    assert result.exit_code != 0
    assert f"bulletin.yaml:{line}: messages.fr.raed_more: unknown key (did you mean 'read_more'?)" in result.output
    assert not (tmp_project / "build/example/index.html").exists()


def test_a_language_outside_the_catalogue_is_right_to_left_in_english_with_a_warning(tmp_project):
    set_lang(tmp_project, "ar")
    html, text = build(tmp_project)
    assert html.get("lang") == "ar" and html.get("dir") == "rtl"
    assert "Read more" in [words(a) for a in html.iter("a")]
    assert "\nRead more:\n" in text
    warning = fallback_warning("ar", load_project(tmp_project).messages)
    assert warning is not None and "'ar'" in warning
    assert f"bulletin.yaml: {warning}" in prepare("issues/example.yaml").warnings  # the build shows it


def test_the_archive_page_speaks_the_site_s_language(tmp_project):
    set_lang(tmp_project, "fr")
    publish(ISSUE)
    page = lxml.html.parse(str(tmp_project / "site" / "index.html")).getroot()
    assert page.get("lang") == "fr"
    intro = page.cssselect("p.sub")[0]
    assert words(intro).startswith("Suivez les nouveaux numéros") or words(intro).startswith("Abonnez-vous")
    assert "feed.xml" in [a.get("href") for a in intro.iter("a")]
    when = words(page.cssselect("main li .mt")[0])
    assert re.fullmatch(r"janvier – juin 2021 · Publié le \d{1,2} [a-zéû]+ \d{4}", when), when


def test_an_older_copy_of_the_templates_follows_each_edition_s_language(project, spec, selection):
    # a template copied before the texts were per language imports _words.j2 without context
    text = Path(project.root) / "templates/default/email.txt.j2"
    text.parent.mkdir(parents=True)
    text.write_text('{% import "_words.j2" as words %}\n{{ words.read_more }} / {{ words.unsubscribe }}\n', encoding="utf-8")
    renders = {lang: render_issue(project, dataclasses.replace(spec, lang=lang), selection).text for lang in ("fr", "de", "fr")}
    assert renders == {"fr": "Lire la suite / Se désabonner\n", "de": "Weiterlesen / Abmelden\n"}
    # and an older copy of _words.j2 itself keeps rewording, in every language
    (text.parent / "_words.j2").write_text(OLD_WORDS.replace("Read more", "Continue reading").replace('"Unsubscribe"', '"Leave"'),
                                           encoding="utf-8")
    assert render_issue(project, dataclasses.replace(spec, lang="fr"), selection).text == "Continue reading / Leave\n"


def test_each_edition_has_its_own_theme_texts_and_dates(trilingual):
    result = CliRunner().invoke(main, ["build", "issues/tri.yaml"])
    assert result.exit_code == 0, result.output
    expected = {"": ("en", "Read more", "10 June 2021"), "fr/": ("fr", "Lire la suite", "10 juin 2021"),
                "it/": ("it", "Leggi tutto", "10 giugno 2021")}
    for folder, (lang, read_more, date) in expected.items():
        html = lxml.html.fromstring((trilingual / f"build/tri/{folder}index.html").read_bytes())
        text = (trilingual / f"build/tri/{folder}index.txt").read_text(encoding="utf-8")
        assert html.get("lang") == lang
        assert read_more in [words(a) for a in html.iter("a")], folder
        assert any(words(d).startswith(date) for d in html.cssselect("div.mt")), folder
        assert f"\n{read_more}:\n" in text and f"\n{date}" in text
