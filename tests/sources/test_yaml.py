"""YAML list files: items, entry lines as origins, and validation errors with file:line."""

from __future__ import annotations

import datetime as dt

import pytest

from bulletin.errors import SourceError
from bulletin.model import Image, Translation
from bulletin.sources import yaml as yaml_source

LIST = """\
# news kept in one file
- date: 2021-06-10
  title: "Care workers & the \\"European Care Strategy\\""
  url: https://example.org/news/care-workers
  tags: [Position paper]
  summary: |
    Our *position*.

- date: 2021-06-11 09:00:00
  title: <b>Not HTML</b>
  url: http://example.org/news/b
  tags: Event
  image: https://example.org/img/b.jpg
- {date: 2021-06-12, title: C, url: "https://example.org/c", image: {src: "https://example.org/c.png", alt: Cee}}
"""


def read_error(path, root) -> SourceError:
    with pytest.raises(SourceError) as info:
        yaml_source.read(path, root=root)
    return info.value


def test_reads_a_list_of_items_with_entry_lines(tmp_path, write):
    path = write("data/items.yaml", LIST)

    items = yaml_source.read(path, root=tmp_path)

    assert [i.origin for i in items] == ["data/items.yaml:2", "data/items.yaml:9", "data/items.yaml:14"]
    first, second, third = items
    assert first.date == dt.date(2021, 6, 10)
    assert first.title == 'Care workers & the "European Care Strategy"'
    assert first.tags == ("Position paper",)
    assert first.summary == "Our *position*."
    assert first.path is None
    assert (second.date, second.title, second.tags) == (dt.date(2021, 6, 11), "<b>Not HTML</b>", ("Event",))
    assert second.image == Image(src="https://example.org/img/b.jpg", alt="")
    assert third.image == Image(src="https://example.org/c.png", alt="Cee")


def test_tags_are_trimmed_and_kept_once_whatever_their_case(tmp_path, write):
    path = write("items.yaml", "- {date: 2021-06-10, title: A, url: https://example.org/a, tags: [' Event', event, Position   paper, EVENT]}\n")

    [item] = yaml_source.read(path, root=tmp_path)

    assert item.tags == ("Event", "Position paper")


def test_reads_a_mapping_with_items(tmp_path, write):
    path = write("items.yml", "items:\n  - date: 2021-06-10\n    title: A\n    url: https://example.org/a\n")

    [item] = yaml_source.read(path, root=tmp_path)

    assert (item.title, item.origin) == ("A", "items.yml:2")


def test_empty_file_has_no_items(tmp_path, write):
    assert yaml_source.read(write("items.yaml", "# nothing yet\n"), root=tmp_path) == []


def test_every_problem_is_reported_with_its_line(tmp_path, write):
    text = """\
- date: 2021-06-10
  title: Good
  url: https://example.org/good
- date: soon
  title: Bad date
  url: https://example.org/a
- date: 2021-06-10
  url: news/b
  summray: Typo
- just a string
- date: 2021-06-10
  title: A
  title: B
  url: https://example.org/c
"""
    path = write("items.yaml", text)

    error = read_error(path, tmp_path)

    assert str(error).splitlines() == [
        "Invalid items in items.yaml (6 problems):",
        "  items.yaml:4: date: expected a date like 2021-06-10, got 'soon'",
        "  items.yaml:7: title: required",
        "  items.yaml:8: url: expected an absolute link starting with https:// or http://, got 'news/b'",
        "  items.yaml:9: summray: unknown key (did you mean 'summary'?)",
        "  items.yaml:10: expected an item (date: …, title: …, url: …), got 'just a string'",
        "  items.yaml:13: title: repeated (first on line 12)",
    ]


def test_unknown_top_level_key(tmp_path, write):
    path = write("items.yaml", "itmes: []\n")

    error = read_error(path, tmp_path)

    assert "items.yaml:1: itmes: unknown key (did you mean 'items'?)" in str(error)


def test_not_a_list(tmp_path, write):
    path = write("items.yaml", "items:\n  date: 2021-06-10\n")

    error = read_error(path, tmp_path)

    assert str(error).startswith("items.yaml:2: expected a list of items")


def test_syntax_error_names_the_file_line(tmp_path, write):
    path = write("items.yaml", "- date: 2021-06-10\n  title: A\n  url: https://example.org\n- title: B: C\n")

    error = read_error(path, tmp_path)

    assert str(error) == (
        "items.yaml:4: YAML syntax error: mapping values are not allowed in this context"
        " (a text holding ': ' or starting with a quote or bracket needs double quotes around it: title: \"B: C\")"
    )


def test_not_utf8(tmp_path, write):
    path = write("items.yaml", "- title: Caf\u00e9\n".encode("latin-1"))

    error = read_error(path, tmp_path)

    assert str(error).startswith("items.yaml: not UTF-8 text")


def test_a_hash_in_an_unquoted_title_is_not_silently_cut(tmp_path, write):
    path = write("items.yaml", "- date: 2021-06-10\n  title: Our #1 priority\n  url: https://example.org\n")

    error = read_error(path, tmp_path)

    assert [str(p) for p in error.problems] == [
        "items.yaml:2: title: ' #1 priority' is read as a comment, leaving 'Our'; "
        "put the whole text in double quotes: title: \"Our #1 priority\""
    ]


def test_one_item_written_without_a_dash_is_told_to_start_with_one(tmp_path, write):
    # not "date: unknown key (expected one of: items)": the user wrote an item, not a bad mapping
    path = write("items.yaml", "date: 2021-06-10\ntitle: A\nurl: https://example.org/a\n")

    error = read_error(path, tmp_path)

    assert str(error) == (
        "items.yaml:1: expected a list of items, each starting with '- ' "
        "(- date: 2021-06-10, then title: and url: indented by two spaces), got one item without '- '"
    )


def test_a_second_document_separator_is_explained(tmp_path, write):
    path = write("items.yaml", "- date: 2021-06-10\n  title: A\n  url: https://example.org/a\n---\n- date: 2021-06-11\n  title: B\n  url: https://example.org/b\n")

    error = read_error(path, tmp_path)

    assert str(error).startswith("items.yaml:4: YAML syntax error: but found another document")
    assert "'---'" in str(error)


# ---- translations: title_fr, summary_fr, url_fr (a project with languages: [en, fr, it]) ----

TRANSLATED = """\
- date: 2021-06-10
  title: Industrial strategy
  url: https://example.org/news/strategy
  summary: The update.
  title_fr: 'Stratégie & "économie" <script>x</script>\u00a0!'
  summary_fr: La mise à jour.
  url_fr: https://example.org/fr/strategie
  Title_IT: Strategia
- date: 2021-06-11
  title: Not translated
  url: https://example.org/news/b
"""


def test_fields_in_a_language_are_the_items_translation(tmp_path, write):
    path = write("items.yaml", TRANSLATED)

    first, second = yaml_source.read(path, root=tmp_path, languages=("en", "fr", "it"))

    assert first.title == "Industrial strategy" and first.summary == "The update."
    assert first.translations == (
        Translation(lang="fr", title='Stratégie & "économie" <script>x</script>\u00a0!', summary="La mise à jour.",
                    url="https://example.org/fr/strategie", origin="items.yaml:5"),
        Translation(lang="it", title="Strategia", origin="items.yaml:8"),
    )
    assert first.ignored == () and first.notes == ()
    assert second.translations == ()


def test_the_default_languages_field_is_the_items_own(tmp_path, write):
    path = write("items.yaml", "- {date: 2021-06-10, title_en: Strategy, url: 'https://example.org/s', title_fr: Stratégie}\n")

    [item] = yaml_source.read(path, root=tmp_path, languages=("en", "fr"))

    assert (item.title, [t.title for t in item.translations]) == ("Strategy", ["Stratégie"])


def test_a_language_not_configured_is_a_warning_naming_the_languages(tmp_path, write):
    path = write("items.yaml", "- date: 2021-06-10\n  title: Strategy\n  url: https://example.org/s\n  title_de: Strategie\n")

    [item] = yaml_source.read(path, root=tmp_path, languages=("en", "fr"))

    assert item.translations == () and item.ignored == ()
    assert item.notes == (("items.yaml:4", "title_de: 'de' is not one of the languages in bulletin.yaml (en, fr), so it is not used"),)


def test_translation_mistakes_are_named_by_line(tmp_path, write):
    path = write(
        "items.yaml",
        "- date: 2021-06-10\n  title: Strategy\n  url: https://example.org/s\n  summary_fr: Texte\n"
        "- date: 2021-06-10\n  title: B\n  url: https://example.org/b\n  title_fr: B\n  url_fr: www.example.org\n  titel_fr: x\n"
        "- date: 2021-06-10\n  title: C\n  title_en: C\n  url: https://example.org/c\n  title_fr: Numéro #8\n",
    )

    with pytest.raises(SourceError) as info:
        yaml_source.read(path, root=tmp_path, languages=("en", "fr"))

    assert [str(problem) for problem in info.value.problems] == [
        "items.yaml:4: title_fr: required when summary_fr is given (the title in fr)",
        "items.yaml:9: url_fr: expected an absolute link starting with https:// or http://, got 'www.example.org'",
        "items.yaml:10: titel_fr: unknown key (did you mean 'title_fr'?)",
        "items.yaml:13: title_en: the same field as title (en is the default language); keep one",
        "items.yaml:15: title_fr: ' #8' is read as a comment, leaving 'Numéro'; put the whole text in double quotes: "
        'title_fr: "Numéro #8"',
    ]


def test_a_project_in_one_language_ignores_language_fields_as_before(tmp_path, write):
    path = write("items.yaml", TRANSLATED)

    first, _second = yaml_source.read(path, root=tmp_path)

    assert first.translations == () and first.notes == ()
    assert first.ignored == ("title_fr", "summary_fr", "url_fr", "Title_IT")
