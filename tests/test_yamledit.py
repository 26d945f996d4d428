"""Round-trip YAML edits: the comments and blank lines of a file stay where a person expects them."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, LiteralScalarString, SingleQuotedScalarString

from bulletin.yamledit import append_entry, delete_entry, delete_key, insert_key, rebase, scalar_like


def roundtrip(text: str, change: Callable[[Any], None]) -> str:
    """``text`` loaded, changed and written back as compose.py does."""
    yaml = YAML()
    yaml.indent(mapping=2, sequence=4, offset=2)
    data = yaml.load(text)
    change(data)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def test_rebase_applies_only_the_changed_lines() -> None:
    assert rebase("a:  1\nb: 2\n", "a: 1\nb: 2\n", "a: 1\nb: 3\n") == "a:  1\nb: 3\n"
    assert rebase("a:  1\nb: 2\n", "a: 1\nb: 2\n", "a: 9\nb: 2\n") == "a: 9\nb: 2\n"  # no counterpart: as written


def test_a_new_text_keeps_the_quotes_of_the_one_it_replaces_or_gets_double_quotes_when_needed() -> None:
    assert type(scalar_like("x", SingleQuotedScalarString("y"))) is SingleQuotedScalarString
    assert type(scalar_like("plain words")) is str
    for needs_quotes in ("Six: months", "#7", "a, b", "- dash", "true", "12", "2021-06-30"):
        assert type(scalar_like(needs_quotes)) is DoubleQuotedScalarString, needs_quotes
    for word in ("Yes", "No", "on", "OFF"):  # YAML 1.1 booleans: issue files are read with PyYAML
        assert type(scalar_like(word)) is DoubleQuotedScalarString, word
    assert scalar_like("one\ntwo") == LiteralScalarString("one\ntwo\n")


def test_a_deleted_key_leaves_the_comment_and_blank_line_of_the_next_one() -> None:
    text = "a: 1\nb: 2   # bee\n\n# about c\nc: 3\n"
    assert roundtrip(text, lambda data: delete_key(data, "b")) == "a: 1\n\n# about c\nc: 3\n"


def test_an_inserted_key_goes_before_the_blank_line_and_comment_of_the_next_one() -> None:
    text = "a: 1\n\n# about c\nc: 3\n"
    assert roundtrip(text, lambda data: insert_key(data, 1, "b", 2)) == "a: 1\nb: 2\n\n# about c\nc: 3\n"


def test_list_entries_come_and_go_with_the_lines_after_the_list_kept_after_it() -> None:
    text = "pin:\n  - a   # first\n  - b\n\n# next\nx: 1\n"
    assert roundtrip(text, lambda data: append_entry(data["pin"], "c")) == "pin:\n  - a   # first\n  - b\n  - c\n\n# next\nx: 1\n"
    after = roundtrip(text, lambda data: delete_entry(data["pin"], 1, owner=(data, "pin")))
    assert after == "pin:\n  - a   # first\n\n# next\nx: 1\n"
