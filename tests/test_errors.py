"""Errors: one root; a remedy and the inputs a text names said in the library's words, and with their flags by the command line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.cli import OPTION_FLAGS, REMEDY_FLAGS, error_text, flagged
from bulletin.errors import (
    BulletinError,
    Command,
    ConfigError,
    DispatchError,
    LedgerError,
    Option,
    Phrase,
    Problem,
    Remedy,
    RenderError,
    Where,
    display_path,
)
from bulletin.render.jinja import THEMES_DIR


def test_a_remedy_ends_the_message_in_the_library_words_and_with_the_flag_on_the_command_line() -> None:
    error = LedgerError("x.yaml changed since dispatch 1. Nothing was sent.", remedy=Remedy.NEW_DISPATCH,
                        to="send the new version to the whole list again")
    assert str(error) == ("x.yaml changed since dispatch 1. Nothing was sent. To send the new version to the whole list "
                          "again, send it as a new dispatch (new_dispatch=True).")
    assert error_text(error) == ("x.yaml changed since dispatch 1. Nothing was sent. To send the new version to the whole "
                                 "list again, add --new-dispatch.")


def test_the_remedy_comes_before_the_problems_and_stands_alone_without_a_purpose() -> None:
    error = BulletinError("x cannot be sent until these are fixed", [Problem("bulletin.yaml:3", "no sender")],
                          remedy=Remedy.FORCE, to="send it anyway")
    assert error_text(error) == "x cannot be sent until these are fixed. To send it anyway, add --force.\n  bulletin.yaml:3: no sender"
    assert error_text(LedgerError("x is scheduled to several lists (a, b)", remedy=Remedy.LIST)) == \
        "x is scheduled to several lists (a, b). Say which with --list."
    assert error_text(BulletinError("no remedy here")) == str(BulletinError("no remedy here")) == "no remedy here"


def test_about_names_what_the_error_is_about_and_keeps_its_remedy() -> None:
    error = DispatchError("2 requests got no answer", remedy=Remedy.UNKNOWN, to="send them again or skip them")
    about = error.about("dispatch 3 of 'x' to 'members'")
    assert isinstance(about, DispatchError) and about.remedy is Remedy.UNKNOWN and about.exit_code == 1
    assert error_text(about) == ("dispatch 3 of 'x' to 'members': 2 requests got no answer. To send them again or skip them, "
                                 "add --resend-unknown or --skip-unknown.")
    assert str(error) == "2 requests got no answer. To send them again or skip them, say which (unknown='resend' or unknown='skip')."


def test_a_phrase_names_an_input_by_its_argument_and_on_the_command_line_by_its_flag() -> None:
    phrase = Phrase((Option.AT, '"2021-07-05"'), " is in the past; ", (Option.END, "2021-01-01"), " needs ", Option.RESEND_UNKNOWN)
    assert phrase == str(phrase) == "at=\"2021-07-05\" is in the past; end=2021-01-01 needs unknown='resend'"
    assert flagged(phrase) == '--at "2021-07-05" is in the past; --to 2021-01-01 needs --resend-unknown'
    assert flagged("a text naming no input: {at} --at") == "a text naming no input: {at} --at"  # only a Phrase is reworded
    assert flagged(phrase + " (and more)") == str(phrase) + " (and more)"  # joined to a str it is a str: said once, where made


def test_an_error_names_its_inputs_in_its_message_its_problems_and_after_about() -> None:
    error = ConfigError(Phrase((Option.TZ, "Mars/Base"), ": unknown time zone"), [Problem(Phrase(Option.EMAIL), "required")],
                        remedy=Remedy.FORCE)
    assert str(error) == "tz=Mars/Base: unknown time zone. Force it (force=True).\n  email: required"
    assert error_text(error) == "--tz Mars/Base: unknown time zone. Add --force.\n  --email: required"
    about = error.about("dispatch 3")
    assert error_text(about).startswith("dispatch 3: --tz Mars/Base: unknown time zone. Add --force.")
    assert str(about).startswith("dispatch 3: tz=Mars/Base: unknown time zone.")


def test_a_command_in_a_text_is_a_call_of_the_library_and_a_command_line_of_the_cli() -> None:
    again = Command("send", "issues/x.yaml", ((Option.LIST, "members"), (Option.AT, '"..."')))
    phrase = Phrase("schedule it again with ", again, ", or cancel it with ", Command("cancel"), ".")
    assert str(phrase) == 'schedule it again with send(issues/x.yaml, list_name=members, at="..."), or cancel it with cancel().'
    assert flagged(phrase) == 'schedule it again with bulletin send issues/x.yaml --list members --at "...", or cancel it with bulletin cancel.'
    create = Command("new-issue", "SLUG", ((Option.START, "..."), (Option.END, "...")))
    assert (str(Phrase(create)), flagged(Phrase(create))) == ("new_issue(SLUG, start=..., end=...)", "bulletin new-issue SLUG --from ... --to ...")


@pytest.mark.parametrize("option", list(Option))
def test_the_command_line_names_a_flag_for_every_input(option: Option) -> None:
    assert OPTION_FLAGS[option].startswith("--")


@pytest.mark.parametrize("remedy", list(Remedy))
def test_the_command_line_names_a_flag_for_every_remedy(remedy: Remedy) -> None:
    assert "--" in REMEDY_FLAGS[remedy]


def test_a_place_is_rendered_once_from_its_parts() -> None:
    assert [str(Where("issues/x.yaml", 4)), str(Where("subscribers.csv", row=7)), str(Where("https://example.org/feed"))] == [
        "issues/x.yaml:4", "subscribers.csv row 7", "https://example.org/feed"]
    assert str(Problem(Where("issues/x.yaml", 4), "title: required")) == "issues/x.yaml:4: title: required"
    assert Problem("news/a.md:3", "x") == Problem(Where("news/a.md:3"), "x")  # a string is a place without parts
    assert str(Problem("", "no place")) == "no place" and not Where("")


def test_an_error_knows_its_place_its_own_or_its_first_problems() -> None:
    error = RenderError("org has no 'nam'", where=Where("templates/default/_footer.mjml.j2", 2))
    assert str(error) == "templates/default/_footer.mjml.j2:2: org has no 'nam'"
    assert error.location == Where("templates/default/_footer.mjml.j2", 2)
    listed = ConfigError("issues/x.yaml has 2 problems:", [Problem(Where("issues/x.yaml", 3), "a"), Problem(Where("issues/x.yaml", 9), "b")])
    assert listed.location == Where("issues/x.yaml", 3)
    assert BulletinError("nowhere").location is None
    assert str(error.about("building x")) == "building x: templates/default/_footer.mjml.j2:2: org has no 'nam'"


def test_a_path_is_shown_from_the_project_a_built_in_theme_file_from_the_package(tmp_path: Path) -> None:
    root = tmp_path / "project"
    assert display_path(root / "issues" / "x.yaml", root) == "issues/x.yaml"
    assert display_path(str(root / "issues" / "x.yaml"), str(root)) == "issues/x.yaml"
    assert display_path(THEMES_DIR / "default" / "email.mjml.j2", root) == "bulletin/themes/default/email.mjml.j2"
    assert display_path(tmp_path / "elsewhere.csv", root) == (tmp_path / "elsewhere.csv").as_posix()
