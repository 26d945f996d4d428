"""yamlfile: a YAML file's keys keep their lines, and Checker names each problem with file:line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bulletin import yamlfile, yamlparse
from bulletin.errors import ConfigError

TEXT = """title: Bulletin #8
sections:
  - {title: Events, tags: [Event]}
  - title: More
period: {start: 2021-01-01, end: 2021-06-30}
"""


def doc(tmp_path: Path, text: str = TEXT) -> yamlfile.Document:
    path = tmp_path / "x.yaml"
    path.write_text(text, encoding="utf-8")
    return yamlfile.load(path, "issues/x.yaml", ConfigError)


def test_every_key_and_entry_keeps_the_line_it_stands_on(tmp_path: Path) -> None:
    lines = doc(tmp_path).lines
    assert lines[("sections",)] == 2  # the key's line, not its list's
    assert lines[("sections", 0, "tags", 0)] == 3 and lines[("sections", 1, "title")] == 4
    assert lines[("period", "end")] == 5


def test_a_text_cut_by_a_comment_is_named_when_the_text_is_read(tmp_path: Path) -> None:
    found = doc(tmp_path)
    assert found.cuts == {("title",): " #8"}
    check = yamlfile.Checker("issues/x.yaml", found)
    assert check.text(found.data, "title") == "Bulletin"
    assert [str(p) for p in check.in_order()] == [
        "issues/x.yaml:1: title: ' #8' is read as a comment, leaving 'Bulletin'; put the whole text in double quotes: title: \"Bulletin #8\"",
    ]


def test_a_repeated_key_is_a_problem_at_its_second_line(tmp_path: Path) -> None:
    found = doc(tmp_path, "title: A\nperiod:\n  start: 2021-01-01\n  start: 2021-02-01\ntitle: B\n")
    assert found.repeats == [(("title",), 5, 1), (("period", "start"), 4, 3)]
    assert [str(p) for p in yamlfile.Checker("issues/x.yaml", found).in_order()] == [
        "issues/x.yaml:4: period.start: repeated (first on line 3)", "issues/x.yaml:5: title: repeated (first on line 1)",
    ]


def test_a_missing_or_broken_file_names_itself(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"^issues/none.yaml: file not found$"):
        yamlfile.load(tmp_path / "none.yaml", "issues/none.yaml", ConfigError)
    with pytest.raises(ConfigError, match=r"^issues/x.yaml:3: YAML syntax error: .* \(is the '\[' on line 2 missing its '\]'\?\)$"):
        doc(tmp_path, "title: T\nsections: [a\n")


def test_the_checker_reports_each_problem_once_at_its_line_or_its_nearest_parent(tmp_path: Path) -> None:
    found = doc(tmp_path, "period: {start: 2021-13-01}\nsections:\n  - {titel: Events}\n")
    check = yamlfile.Checker("issues/x.yaml", found)
    for _ in range(2):  # a value read twice is one problem
        check.date(found.data["period"], "start", ("period",))
    check.mapping(found.data["sections"][0], ("sections", 0), ["title", "tags"], ("title",))
    check.error(("period", "end"), "required")
    assert [str(p) for p in check.in_order()] == [
        "issues/x.yaml:1: period.start: expected a date like 2021-06-30, got '2021-13-01'",
        "issues/x.yaml:1: period.end: required",
        "issues/x.yaml:3: sections[0].titel: unknown key (did you mean 'title'?)",
        "issues/x.yaml:3: sections[0].title: required",
    ]


def test_line_of_gives_the_nearest_present_parent() -> None:
    _, node = yamlparse.parse_tree("a: 1\nb:\n  c: 2\n")
    assert yamlfile.line_of(node, ("b", "c")) == 3
    assert yamlfile.line_of(node, ("b", "missing")) == 2
    assert yamlfile.line_of(node, ("missing",)) is None


def test_values_and_paths_are_shown_as_the_user_wrote_them() -> None:
    assert yamlfile.dotted(("sections", 1, "tags")) == "sections[1].tags"
    assert yamlfile.show(dt.date(2021, 1, 1)) == "2021-01-01"
    assert yamlfile.show({"a": 1}) == "a mapping" and yamlfile.show(None) == "nothing" and yamlfile.show(5) == "int 5"
    assert yamlfile.hint("titel", ["title", "tags"]) == " (did you mean 'title'?)"
    assert yamlfile.hint("zzz", ["title", "tags"]) == " (expected one of: title, tags)"
