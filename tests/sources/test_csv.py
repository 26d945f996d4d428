"""CSV files as spreadsheets export them: delimiters, encodings, rows and their numbers."""

from __future__ import annotations

import datetime as dt

import pytest

from bulletin.errors import SourceError
from bulletin.model import Image, Translation
from bulletin.sources import csv as csv_source


def read_error(path, root) -> SourceError:
    with pytest.raises(SourceError) as info:
        csv_source.read(path, root=root)
    return info.value


def test_reads_comma_separated_rows(tmp_path, write):
    text = (
        "date,title,url,tags,summary,image,image_alt\r\n"
        '2021-06-10,"EU Strategy: our reaction & lessons",https://example.org/a,"News; Position paper","Line one\nline *two*",'
        "https://example.org/a.jpg,A picture\r\n"
        "2021-06-11,&amp; stays,https://example.org/b,Event,,,\r\n"
    )
    path = write("lists/items.csv", text.encode("utf-8-sig"))

    first, second = csv_source.read(path, root=tmp_path)

    assert first.date == dt.date(2021, 6, 10)
    assert first.title == "EU Strategy: our reaction & lessons"
    assert first.tags == ("News", "Position paper")
    assert first.summary == "Line one\nline *two*"
    assert first.image == Image(src="https://example.org/a.jpg", alt="A picture")
    assert first.origin == "lists/items.csv row 2"
    assert first.path is None
    assert (second.title, second.tags, second.image, second.summary) == ("&amp; stays", ("Event",), None, "")
    assert second.origin == "lists/items.csv row 3"


def test_reads_semicolon_separated_rows_with_comma_tags(tmp_path, write):
    text = "date;title;url;tags\n2021-06-10;Hello, world;https://example.org/a;News, Event\n"
    path = write("items.csv", text)

    [item] = csv_source.read(path, root=tmp_path)

    assert (item.title, item.tags) == ("Hello, world", ("News", "Event"))


def test_blank_rows_are_skipped_but_counted_and_short_rows_are_padded(tmp_path, write):
    text = "date,title,url,tags\n\n,,,\n2021-06-10,A,https://example.org/a\n"
    path = write("items.csv", text)

    [item] = csv_source.read(path, root=tmp_path)

    assert (item.origin, item.tags) == ("items.csv row 4", ())


def test_bad_values_name_their_row(tmp_path, write):
    text = (
        "date,title,url\n"
        "2021-06-10,Good,https://example.org/a\n"
        "10/06/2021,Bad date,https://example.org/b\n"
        "2021-06-12,,https://example.org/c\n"
        "2021-06-13,Relative,/news/d\n"
    )
    path = write("items.csv", text)

    error = read_error(path, tmp_path)

    assert str(error).splitlines() == [
        "Invalid items in items.csv (3 problems):",
        "  items.csv row 3: date: expected a date like 2021-06-10, got '10/06/2021' (year-month-day: in a spreadsheet, "
        "format the column as YYYY-MM-DD before saving)",
        "  items.csv row 4: title: required",
        "  items.csv row 5: url: expected an absolute link starting with https:// or http://, got '/news/d'",
    ]


def test_row_with_too_many_fields(tmp_path, write):
    text = "date,title,url\n2021-06-10,A,https://example.org/a\n2021-06-11,Hello, world,https://example.org/b\n"
    path = write("items.csv", text)

    error = read_error(path, tmp_path)

    assert "items.csv row 3: 4 fields but the header has 3" in str(error)


def test_unknown_and_missing_columns_are_reported_on_row_1(tmp_path, write):
    path = write("items.csv", "date,titel,url,Tagz\n2021-06-10,A,https://example.org/a,News\n")

    error = read_error(path, tmp_path)

    assert [str(p) for p in error.problems] == [
        "items.csv row 1: unknown column 'titel' (did you mean 'title'?)",
        "items.csv row 1: unknown column 'tagz' (did you mean 'tags'?)",
        "items.csv row 1: missing column 'title' (required)",
    ]


def test_excel_sep_line_names_the_delimiter(tmp_path, write):
    path = write("items.csv", "sep=;\r\ndate;title;url\r\n2021-06-10;A, B;https://example.org/a\r\n2021-06-11;;https://example.org/b\r\n")

    error = read_error(path, tmp_path)

    assert "items.csv row 3: title: required" in str(error)  # rows as Excel shows them: the sep line is not one
    write("items.csv", "sep=;\r\ndate;title;url\r\n2021-06-10;A, B;https://example.org/a\r\n")
    assert [i.title for i in csv_source.read(path, root=tmp_path)] == ["A, B"]


def test_draft_column(tmp_path, write):
    path = write("items.csv", "date,title,url,draft\n2021-06-10,A,https://example.org/a,yes\n2021-06-10,B,https://example.org/b,\n"
                              "2021-06-10,C,https://example.org/c,no\n")

    assert [(i.title, i.draft) for i in csv_source.read(path, root=tmp_path)] == [("A", True), ("B", False), ("C", False)]


def test_columns_bulletin_does_not_use_are_ignored(tmp_path, write):
    path = write("items.csv", "ID,date,title,url,Author\n7,2021-06-10,A,https://example.org/a,Ann\n")

    [item] = csv_source.read(path, root=tmp_path)

    assert (item.title, item.ignored) == ("A", ("id", "author"))


def test_unknown_column_does_not_hide_row_problems(tmp_path, write):
    path = write("items.csv", "date,title,url,sumary\nsoon,A,https://example.org/a,x\n")

    error = read_error(path, tmp_path)

    assert [str(p) for p in error.problems] == [
        "items.csv row 1: unknown column 'sumary' (did you mean 'summary'?)",
        "items.csv row 2: date: expected a date like 2021-06-10, got 'soon'",
    ]


def test_image_columns(tmp_path, write):
    text = "date,title,url,image,image_alt\n2021-06-10,A,https://example.org/a,img/a.jpg,\n2021-06-11,B,https://example.org/b,,Alt\n"
    path = write("items.csv", text)

    error = read_error(path, tmp_path)

    assert [str(p) for p in error.problems] == [
        "items.csv row 2: image: expected an absolute image link starting with https:// or http://, got 'img/a.jpg'",
        "items.csv row 3: image_alt: given without an image",
    ]


def test_not_utf8_says_how_to_export(tmp_path, write):
    text = "date,title,url\n2021-06-10,Caf\u00e9 europ\u00e9en,https://example.org/a\n"
    path = write("items.csv", text.encode("cp1252"))

    error = read_error(path, tmp_path)

    assert str(error) == (
        'items.csv: not UTF-8 text (byte 29, line 2); in your spreadsheet, save or export it as "CSV UTF-8"'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('date,title,url\n2021-06-10,A,https://example.org/a\n2021-06-11,"Unclosed,https://example.org/b\n'
         "2021-06-12,C,https://example.org/c\n", 'items.csv row 3: cannot read CSV: a quoted value is not closed'),
        ('date;title;url\n2021-06-10;"Quoted" tail;https://example.org/a\n',
         'items.csv row 2: cannot read CSV: a " inside a value: put the whole value in quotes'),
    ],
)
def test_bad_quoting_is_an_error_naming_the_row(tmp_path, write, text, expected):
    path = write("items.csv", text)

    error = read_error(path, tmp_path)

    assert str(error).startswith(expected)



def test_a_line_break_in_a_title_cell_is_a_space(tmp_path, write):
    path = write("items.csv", 'date,title,url\n2021-06-10,"Care strategy:\r\nour reaction",https://example.org/a\n')

    [item] = csv_source.read(path, root=tmp_path)

    assert item.title == "Care strategy: our reaction"


def test_headers_as_typed_in_a_spreadsheet(tmp_path):
    path = tmp_path / "items.csv"
    path.write_text("Date, Title ,URL,Tags,Image,Image alt\n2021-03-01,Hello,https://example.org/a,News,https://example.org/a.jpg,A photo\n", encoding="utf-8")
    (item,) = csv_source.read(path, root=tmp_path)
    assert (item.title, item.url, item.tags, item.image.alt) == ("Hello", "https://example.org/a", ("News",), "A photo")


@pytest.mark.parametrize("cell", ["2021-06-10 09:30", "2021-06-10T09:30:00", "2021-06-10 23:59:59.5", "2021-06-10T09:30:00+02:00", "2021-06-10T07:30Z"])
def test_a_date_time_cell_gives_its_day(tmp_path, write, cell):
    path = write("items.csv", f"date,title,url\n{cell},A,https://example.org/a\n")
    [item] = csv_source.read(path, root=tmp_path)
    assert item.date == dt.date(2021, 6, 10)


@pytest.mark.parametrize("cell", ["2021-06-10 9:30", "2021-06-10 later", "2021-06-31 09:30"])
def test_a_date_with_anything_else_after_it_is_an_error(tmp_path, write, cell):
    path = write("items.csv", f"date,title,url\n{cell},A,https://example.org/a\n")
    assert f"items.csv row 2: date: expected a date like 2021-06-10, got '{cell}'" in str(read_error(path, tmp_path))


def test_invisible_control_characters_are_dropped(tmp_path, write):
    # a NUL or ESC in a cell (old exports, text pasted from terminals) broke the email's MJML with a message
    # naming the built-in template, not the row
    path = write("items.csv", 'date,title,url,tags,summary,image,image_alt\n2021-06-10,"Nul\x00 \x01title\x7f",https://example.org/a,'
                 '"Ev\x1bent","sum\x00mary\x08",https://example.org/i.jpg,"a\x02lt"\n')

    [item] = csv_source.read(path, root=tmp_path)

    assert (item.title, item.tags, item.summary, item.image.alt) == ("Nul title", ("Event",), "summary", "alt")


# ---- translations: title_fr, summary_fr, url_fr columns (a project with languages: [en, fr]) ----


def test_columns_in_a_language_are_the_items_translation(tmp_path, write):
    text = (
        "date;Title EN;url;Title FR;summary_fr;URL_fr-BE;title_de\n"
        "2021-06-10;Strategy;https://example.org/s;\"Stratégie & \"\"économie\"\" <script>x</script>\u00a0!\";Texte;https://example.org/fr/s;Strategie\n"
        "2021-06-11;Not translated;https://example.org/b;;;;\n"
    )
    path = write("items.csv", text)

    first, second = csv_source.read(path, root=tmp_path, languages=("en", "fr"))

    assert first.title == "Strategy"
    assert first.translations == (
        Translation(lang="fr", title='Stratégie & "économie" <script>x</script>\u00a0!', summary="Texte",
                    url="https://example.org/fr/s", origin="items.csv row 2"),
    )
    assert second.translations == ()
    # the column in a language the project does not have: said once, at the header
    assert first.notes == (("items.csv row 1", "title_de: 'de' is not one of the languages in bulletin.yaml (en, fr), so it is not used"),)
    assert second.notes == ()
    assert first.ignored == second.ignored == ()


def test_translation_columns_are_checked_by_row(tmp_path, write):
    text = "date,title,url,title_fr,url_fr,titel_fr\n2021-06-10,A,https://example.org/a,,https://example.org/fr,\n"
    path = write("items.csv", text)

    with pytest.raises(SourceError) as info:
        csv_source.read(path, root=tmp_path, languages=("en", "fr"))

    assert [str(problem) for problem in info.value.problems] == [
        "items.csv row 1: unknown column 'titel_fr' (did you mean 'title_fr'?)",
        "items.csv row 2: title_fr: required when url_fr is given (the title in fr)",
    ]


def test_a_project_in_one_language_ignores_language_columns_as_before(tmp_path, write):
    path = write("items.csv", "date,title,url,title_fr\n2021-06-10,A,https://example.org/a,Un\n")

    [item] = csv_source.read(path, root=tmp_path)

    assert (item.translations, item.ignored, item.notes) == ((), ("title_fr",), ())
