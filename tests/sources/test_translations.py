"""Translation files in a Markdown folder: NAME.fr.md is NAME.md in French when the project has languages."""

from __future__ import annotations

import datetime as dt

import pytest

from bulletin.errors import SourceError
from bulletin.model import Image, Translation
from bulletin.sources import load, markdown
from bulletin.sources.translations import split_name

LANGUAGES = ("en", "fr", "it")

STRATEGY = """\
---
date: 2021-06-10
title: EU Industrial Strategy
url: https://example.org/news/strategy
tags: [News, Position paper]
image: {src: https://example.org/img/s.jpg, alt: A factory}
---
The update recognises the *social economy*.
"""

CARE = "---\ndate: 2021-06-11\ntitle: Care strategy\nurl: https://example.org/news/care\ntags: [Event]\n---\nCare.\n"


def read(tmp_path, languages=LANGUAGES):
    return {item.path: item for item in markdown.read(tmp_path / "content", root=tmp_path, languages=languages)}


def problems(tmp_path, languages=LANGUAGES) -> list[str]:
    with pytest.raises(SourceError) as info:
        markdown.read(tmp_path / "content", root=tmp_path, languages=languages)
    return [str(problem) for problem in info.value.problems]


def test_a_sibling_file_is_the_items_translation_not_an_item(tmp_path, write):
    write("content/strategy.md", STRATEGY)
    write("content/strategy.fr.md", "---\ntitle: Stratégie industrielle de l'UE\n---\nLa mise à jour reconnaît *l'économie sociale*.\n")
    write("content/care.md", CARE)

    items = read(tmp_path)

    assert sorted(items) == ["content/care.md", "content/strategy.md"]
    strategy, care = items["content/strategy.md"], items["content/care.md"]
    assert strategy.translations == (
        Translation(
            lang="fr", title="Stratégie industrielle de l'UE", summary="La mise à jour reconnaît *l'économie sociale*.",
            origin="content/strategy.fr.md:1", path="content/strategy.fr.md",
        ),
    )
    assert care.translations == ()
    # what the translation does not set is the item's: the edition takes it from there
    assert (strategy.date, strategy.url, strategy.tags) == (dt.date(2021, 6, 10), "https://example.org/news/strategy", ("News", "Position paper"))
    assert strategy.image == Image(src="https://example.org/img/s.jpg", alt="A factory")
    assert strategy.notes == ()


def test_own_url_and_image_are_kept_and_translations_come_in_the_projects_order(tmp_path, write):
    write("content/strategy.md", STRATEGY)
    write("content/strategy.it.md", "---\ntitle: Strategia industriale\n---\n")
    write(
        "content/strategy.fr.md",
        "---\ntitle: Stratégie\nurl: https://example.org/fr/strategie\nimage: {src: https://example.org/img/fr.jpg, alt: Une usine}\n---\n",
    )

    [strategy] = read(tmp_path, languages=("en", "it", "fr")).values()

    italian, french = strategy.translations
    assert (french.lang, french.url, french.image) == ("fr", "https://example.org/fr/strategie", Image(src="https://example.org/img/fr.jpg", alt="Une usine"))
    assert (italian.lang, italian.url, italian.image) == ("it", None, None)


def test_no_summary_keeps_the_items_and_an_empty_summary_says_none(tmp_path, write):
    write("content/strategy.md", STRATEGY)
    write("content/strategy.fr.md", "---\ntitle: Stratégie\n---\n\n")
    write("content/strategy.it.md", '---\ntitle: Strategia\nsummary: ""\n---\n')

    [strategy] = read(tmp_path).values()

    assert [(t.lang, t.summary) for t in strategy.translations] == [("fr", None), ("it", "")]


@pytest.mark.parametrize("suffix", ["fr-BE", "FR", "fr_BE", "fr-be"])
def test_a_regional_or_capitalised_suffix_is_the_configured_language(tmp_path, write, suffix):
    write("content/strategy.md", STRATEGY)
    write(f"content/strategy.{suffix}.md", "---\ntitle: Stratégie\n---\n")

    [strategy] = read(tmp_path).values()

    assert [(t.lang, t.origin) for t in strategy.translations] == [("fr", f"content/strategy.{suffix}.md:1")]


def test_the_default_language_may_be_written_as_a_suffix(tmp_path, write):
    write("content/strategy.en.md", STRATEGY)
    write("content/strategy.fr.md", "---\ntitle: Stratégie\n---\n")

    [strategy] = read(tmp_path).values()

    assert (strategy.path, strategy.title, [t.lang for t in strategy.translations]) == ("content/strategy.en.md", "EU Industrial Strategy", ["fr"])


def test_a_language_not_configured_is_not_an_item_but_a_warning(tmp_path, write):
    write("content/strategy.md", STRATEGY)
    write("content/strategy.de.md", "---\ntitle: Industriestrategie\n---\n")

    items = read(tmp_path)

    assert list(items) == ["content/strategy.md"]
    assert items["content/strategy.md"].translations == ()
    assert items["content/strategy.md"].notes == (
        ("content/strategy.de.md", "'de' is not one of the languages in bulletin.yaml (en, fr, it), so this file is not read"),
    )


def test_a_translation_without_its_item_is_an_error(tmp_path, write):
    write("content/care.md", CARE)
    write("content/strategy.fr.md", "---\ntitle: Stratégie\n---\n")
    write("content/other.de.md", "---\ntitle: Andere\n---\n")

    found = problems(tmp_path)

    assert found == [
        "content/other.de.md: 'de' is not one of the languages in bulletin.yaml (en, fr, it), and there is no "
        "content/other.md it would translate: add the language to languages: in bulletin.yaml, or rename the file "
        "if it is an item of its own",
        "content/strategy.fr.md: a translation of content/strategy.md, which does not exist "
        "(a translation is named after its item: NAME.md and NAME.fr.md, side by side)",
    ]


def test_two_versions_of_one_language_are_an_error(tmp_path, write):
    write("content/strategy.md", STRATEGY)
    write("content/strategy.en.md", STRATEGY)
    write("content/strategy.fr.md", "---\ntitle: Stratégie\n---\n")
    write("content/strategy.fr-BE.md", "---\ntitle: Stratégie (BE)\n---\n")

    found = problems(tmp_path)

    assert found == [
        "content/strategy.md: the same item as content/strategy.en.md (en is the default language, whose text needs "
        "no suffix); keep one",
        "content/strategy.fr.md: a second fr translation of content/strategy.en.md (the first is "
        "content/strategy.fr-BE.md); keep one",
    ]


def test_a_translation_needs_a_title(tmp_path, write):
    write("content/strategy.md", STRATEGY)
    write("content/strategy.fr.md", "---\nurl: https://example.org/fr\n---\nTexte.\n")

    assert problems(tmp_path) == [
        "content/strategy.fr.md:1: title: required (the item's title in fr; the rest is taken from content/strategy.md)"
    ]


def test_a_translations_mistakes_are_named_by_line(tmp_path, write):
    write("content/strategy.md", STRATEGY)
    write("content/strategy.fr.md", "---\ntitle: Stratégie\nurl: www.example.org/fr\ntilte: x\n---\n")

    assert problems(tmp_path) == [
        "content/strategy.fr.md:3: url: expected an absolute link starting with https:// or http://, got 'www.example.org/fr'",
        "content/strategy.fr.md:4: tilte: unknown key (did you mean 'title'?)",
    ]


def test_a_different_date_or_tags_are_ignored_with_a_warning(tmp_path, write):
    write("content/strategy.md", STRATEGY)
    # a copy of the item, translated: the same date and tags (in another case) say nothing
    write("content/strategy.it.md", "---\ndate: 2021-06-10\ntitle: Strategia\ntags: [news, position paper]\n---\n")
    write("content/strategy.fr.md", "---\ndate: 2021-06-12\ntitle: Stratégie\ntags: [Actualités]\nauthor: Marie\n---\n")

    [strategy] = read(tmp_path).values()

    assert [t.lang for t in strategy.translations] == ["fr", "it"]
    assert strategy.date == dt.date(2021, 6, 10) and strategy.tags == ("News", "Position paper")
    assert strategy.notes == (
        ("content/strategy.fr.md:2", "date: 2021-06-12 is not the date of content/strategy.md (2021-06-10), so it is "
                                     "ignored: a translation is dated as its item"),
        ("content/strategy.fr.md:4", "tags: not those of content/strategy.md (News, Position paper), so they are "
                                     "ignored: a translation goes in its item's section"),
        ("content/strategy.fr.md:5", "'author' is not an item field, so it is ignored"),
    )


def test_a_draft_translation_is_not_used(tmp_path, write):
    write("content/strategy.md", STRATEGY)
    write("content/strategy.fr.md", "---\ntitle: Stratégie\ndraft: true\n---\n")

    [strategy] = read(tmp_path).values()

    assert strategy.translations == ()


def test_a_translation_also_given_in_the_items_front_matter_is_an_error(tmp_path, write):
    write("content/strategy.md", STRATEGY.replace("tags:", "title_fr: Stratégie\ntags:"))
    write("content/strategy.fr.md", "---\ntitle: Stratégie\n---\n")

    assert problems(tmp_path) == ["content/strategy.fr.md:1: the fr translation is also given in content/strategy.md:5; keep one"]


TRICKY = "Care & \"repair\" <script>alert(1)</script> l'été\u00a0!"


def test_titles_come_out_exactly_as_written(tmp_path, write):
    write("content/strategy.md", STRATEGY)
    write("content/strategy.fr.md", "---\ntitle: 'Care & \"repair\" <script>alert(1)</script> l''été\u00a0!'\n---\n&amp; <b>x</b>\n")

    [strategy] = read(tmp_path).values()

    [french] = strategy.translations
    assert french.title == TRICKY
    assert french.summary == "&amp; <b>x</b>"


def test_a_title_yaml_would_misread_is_read_as_written(tmp_path, write):
    write("content/strategy.md", STRATEGY)
    write("content/strategy.fr.md", "---\ntitle: Stratégie: notre avis\n---\n")

    [strategy] = read(tmp_path).values()

    assert strategy.translations[0].title == "Stratégie: notre avis"
    assert [where for where, _note in strategy.notes] == ["content/strategy.fr.md:2"]


def test_a_single_file_source_brings_its_translations(tmp_path, write):
    write("content/strategy.md", STRATEGY)
    write("content/strategy.fr.md", "---\ntitle: Stratégie\n---\n")
    write("content/care.md", CARE)

    [strategy] = load("content/strategy.md", root=tmp_path, languages=LANGUAGES)

    assert (strategy.title, [t.lang for t in strategy.translations]) == ("EU Industrial Strategy", ["fr"])


def test_a_project_in_one_language_reads_every_file_as_an_item_as_before(tmp_path, write):
    write("content/strategy.md", STRATEGY)
    write("content/strategy.fr.md", "---\ndate: 2021-06-10\ntitle: Stratégie\nurl: https://example.org/fr\n---\n")

    items = read(tmp_path, languages=())

    assert sorted(items) == ["content/strategy.fr.md", "content/strategy.md"]
    assert all(item.translations == () for item in items.values())
    assert load("content", root=tmp_path) == list(items.values())


@pytest.mark.parametrize(
    ("name", "stem", "code"),
    [("x.md", "x", None), ("x.fr.md", "x", "fr"), ("x.fr-BE.md", "x", "fr-BE"), ("report.v2.md", "report.v2", None),
     (".fr.md", ".fr", None), ("2021-06-10-x.de.md", "2021-06-10-x", "de"), ("notes.bak.md", "notes.bak", None),
     ("x.old.md", "x.old", None)],
)
def test_split_name(tmp_path, name, stem, code):
    assert split_name(tmp_path / name) == (tmp_path / stem, code)


def test_a_three_letter_suffix_is_a_language_only_when_configured(tmp_path):
    assert split_name(tmp_path / "x.fil.md", ("en", "fil")) == (tmp_path / "x", "fil")
    assert split_name(tmp_path / "x.fil.md", ("en", "fr")) == (tmp_path / "x.fil", None)


def test_a_file_with_a_word_before_md_stays_an_item_of_its_own(tmp_path, write):
    write("content/strategy.md", STRATEGY)
    write("content/strategy.old.md", STRATEGY.replace("https://example.org/news/strategy", "https://example.org/news/old"))
    assert sorted(read(tmp_path)) == ["content/strategy.md", "content/strategy.old.md"]
