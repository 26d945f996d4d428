"""Edits of an issue file: each changes exactly the lines a person would have typed, nothing else."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path

import pytest
import yaml

from bulletin.compose import ComposeError, IssueText, ItemName, edit, item_name, publish
from bulletin.model import Item

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = (REPO / "issues/example.yaml").read_text(encoding="utf-8")
SECTIONS = ["Position papers", "Events", "Publications", "More news"]

HAND = """title: "Bulletin #7"   # the title
period: {start: 2021-01-01, end: 2021-06-30}

sections:
  - {title: Events, tags: [Event]}
  - {title: More news}
order: newest
# the lead story
featured: https://example.org/news/congress   # big one

# pins below
pin:
  - https://example.org/news/report   # first
  - 'content/b.md'

exclude: [content/workshop.md]  # drop
intro: |
  Six months.

# final
template: default
"""


def name(text: str, *aliases: str) -> ItemName:
    return ItemName(text, frozenset([text, *aliases]))


REPORT = name("content/report.md", "https://example.org/news/report")
CONGRESS = name("content/congress.md", "https://example.org/news/congress")


def diff(before: str, after: str) -> list[str]:
    """The changed lines, as '-old' / '+new'."""
    return [
        line.rstrip("\n") for line in difflib.unified_diff(before.splitlines(True), after.splitlines(True), n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def test_an_unchanged_file_comes_back_byte_for_byte() -> None:
    assert IssueText(HAND).text() == HAND
    assert IssueText(EXAMPLE).text() == EXAMPLE


def test_item_name_is_the_file_for_file_items_else_the_url() -> None:
    day = dt.date(2021, 5, 1)
    own = item_name(Item(day, "T", "https://Example.org/a/", path="content/a.md"))
    assert own.name == "content/a.md"
    assert own.named_by("https://example.org/a") and own.named_by("./content/a.md") and own.named_by("content\\a.md")
    assert not own.named_by("content/b.md") and not own.named_by(None)
    assert item_name(Item(day, "T", "https://example.org/feed-entry")).name == "https://example.org/feed-entry"


def test_feature_replaces_the_lead_keeping_its_comment() -> None:
    after = edit(HAND, lambda f: f.feature(name("content/x.md")))
    assert diff(HAND, after) == [
        "-featured: https://example.org/news/congress   # big one",
        "+featured: content/x.md                        # big one",
    ]


def test_feature_adds_the_key_in_its_usual_place_when_absent() -> None:
    text = EXAMPLE.replace("featured: https://example.org/news/congress-2021\n", "")
    after = edit(text, lambda f: f.feature(name("content/2021-05-20-congress-2021.md")))
    assert diff(text, after) == ["+featured: content/2021-05-20-congress-2021.md"]
    assert after.index("featured:") < after.index("pin:")


def test_unfeature_keeps_the_comment_and_blank_line_of_the_next_key() -> None:
    after = edit(HAND, lambda f: f.unfeature())
    assert diff(HAND, after) == ["-featured: https://example.org/news/congress   # big one"]
    assert "\n\n# pins below\npin:" in after


def test_pin_appends_to_a_flow_list_and_to_a_block_list_before_its_blank_line() -> None:
    after = edit(EXAMPLE, lambda f: f.pin(name("content/2021-06-10-industrial-strategy.md")))
    assert diff(EXAMPLE, after) == [
        "-pin: [https://example.org/news/annual-report]",
        "+pin: [https://example.org/news/annual-report, content/2021-06-10-industrial-strategy.md]",
    ]
    after = edit(HAND, lambda f: f.pin(name("content/c.md")))
    assert diff(HAND, after) == ["+  - content/c.md"]
    assert "  - content/c.md\n\nexclude:" in after


def test_pin_twice_is_refused() -> None:
    with pytest.raises(ComposeError, match="already pinned"):
        edit(HAND, lambda f: f.pin(REPORT))


def test_unpin_removes_the_entry_whatever_spelling_names_the_item() -> None:
    after = edit(HAND, lambda f: f.unpin(REPORT))
    assert diff(HAND, after) == ["-  - https://example.org/news/report   # first"]
    after = edit(HAND, lambda f: f.unpin(name("content/b.md")))
    assert diff(HAND, after) == ["-  - 'content/b.md'"]
    assert "  - https://example.org/news/report   # first\n\nexclude:" in after


def test_swap_pins_moves_entries_with_their_own_comment_and_quotes() -> None:
    after = edit(HAND, lambda f: f.swap_pins(name("content/b.md"), REPORT))
    assert after.splitlines()[12:14] == ["  - 'content/b.md'", "  - https://example.org/news/report   # first"]
    assert edit(after, lambda f: f.swap_pins(REPORT, name("content/b.md"))) == HAND


def test_exclude_drops_the_item_from_featured_pin_and_include() -> None:
    after = edit(HAND, lambda f: f.exclude(CONGRESS))
    assert diff(HAND, after) == [
        "-featured: https://example.org/news/congress   # big one",
        "-exclude: [content/workshop.md]  # drop",
        "+exclude: [content/workshop.md, content/congress.md] # drop",
    ]
    after = edit(EXAMPLE, lambda f: f.exclude(name("content/2021-04-20-annual-report.md", "https://example.org/news/annual-report")))
    assert "pin: []\nexclude: [content/2021-05-11-workshop.md, content/2021-04-20-annual-report.md]\n" in after


def test_include_takes_an_excluded_item_out_of_exclude_and_adds_others_to_include() -> None:
    workshop = name("content/2021-05-11-workshop.md")
    after = edit(EXAMPLE, lambda f: f.include(workshop, "excluded"))
    assert diff(EXAMPLE, after) == ["-exclude: [content/2021-05-11-workshop.md]", "+exclude: []"]
    late = name("content/2021-07-01-summer-school.md")
    after = edit(EXAMPLE, lambda f: f.include(late, "outside period"))
    assert diff(EXAMPLE, after) == ["+include: [content/2021-07-01-summer-school.md]"]
    assert after.index("exclude:") < after.index("include:") < after.index("notes:")


def test_text_fields_keep_their_style() -> None:
    after = edit(EXAMPLE, lambda f: f.set_text("subject", "Bulletin #7: the spring"))
    assert diff(EXAMPLE, after) == [
        '-subject: "Bulletin on EU Social Affairs #7 — January to June 2021"', '+subject: "Bulletin #7: the spring"',
    ]
    after = edit(EXAMPLE, lambda f: f.set_text("intro", "Twelve months of **work**.\n\nA second paragraph."))
    assert diff(EXAMPLE, after)[-3:] == ["+  Twelve months of **work**.", "+", "+  A second paragraph."]
    assert "intro: |\n  Twelve months" in after
    plain = "title: T\nperiod: {start: 2021-01-01, end: 2021-06-30}\nsections: [{title: All}]\n"
    assert edit(plain, lambda f: f.set_text("preheader", "It's 'quoted' & fine")) == plain.replace(
        "period:", "preheader: It's 'quoted' & fine\nperiod:"
    )
    assert "subject: \"Six: months\"\n" in edit(plain, lambda f: f.set_text("subject", "  Six:   months \n"))
    for word in ("Yes", "No", "On", "off"):  # words PyYAML, which reads issue files, would take for true/false
        assert yaml.safe_load(edit(plain, lambda f, word=word: f.set_text("subject", word)))["subject"] == word


def test_an_empty_text_removes_the_key() -> None:
    after = edit(HAND, lambda f: f.set_text("intro", " "))
    assert diff(HAND, after) == ["-intro: |", "-  Six months."]
    assert after.endswith("drop\n\n# final\ntemplate: default\n")


def test_notes_are_set_added_in_section_order_and_removed() -> None:
    after = edit(EXAMPLE, lambda f: f.set_note("More news", "Other *news*", SECTIONS))
    assert diff(EXAMPLE, after) == ["+  More news: Other *news*"]
    after = edit(EXAMPLE, lambda f: f.set_note("Position papers", "First", SECTIONS))
    assert diff(EXAMPLE, after) == ["+  Position papers: First"]
    assert after.index("Position papers: First") < after.index("  Events:")
    after = edit(EXAMPLE, lambda f: f.set_note("Events", "", SECTIONS))
    assert diff(EXAMPLE, after) == ["-notes:", '-  Events: "All events this season are **online** and free for members."']
    with pytest.raises(ComposeError, match="no section 'Nope'"):
        edit(EXAMPLE, lambda f: f.set_note("Nope", "x", SECTIONS))


def test_windows_line_ends_and_byte_order_mark_are_kept() -> None:
    text = "\ufeff" + EXAMPLE.replace("\n", "\r\n")
    after = edit(text, lambda f: f.set_text("preheader", "New"))
    assert after.startswith("\ufefftitle:") and after.count("\r\n") == EXAMPLE.count("\n")
    assert 'preheader: "New"\r\n' in after


def test_a_file_the_library_would_reformat_keeps_its_own_form_outside_the_edit() -> None:
    odd = EXAMPLE.replace("  - {title: Events, tags: [Event]}", "  -   {title: Events, tags: [Event]}")
    after = edit(odd, lambda f: f.pin(name("content/x.md")))
    assert diff(odd, after) == [
        "-pin: [https://example.org/news/annual-report]", "+pin: [https://example.org/news/annual-report, content/x.md]",
    ]


def test_a_broken_file_is_not_edited() -> None:
    with pytest.raises(ComposeError, match="cannot edit the file as it is"):
        IssueText("title: [oops\n", "issues/x.yaml")


def test_publish_removes_only_the_draft_line_of_an_item_file() -> None:
    item = '---\r\ndate: 2021-07-01\r\ntitle: "Summer: school"  # the title\r\ndraft: true\r\nurl: https://example.org/s\r\n---\r\nBody *text*.\r\n'
    assert publish(item) == item.replace("draft: true\r\n", "")
    with pytest.raises(ComposeError, match="is not a draft"):
        publish(publish(item), "content/s.md")
    with pytest.raises(ComposeError, match="no front matter"):
        publish("just text\n", "content/s.md")


def test_lists_right_under_their_key_a_document_start_and_a_header_comment_are_kept() -> None:
    text = "# My issue\n---\ntitle: T   # hi\nperiod: {start: 2021-01-01, end: 2021-06-30}\nsections:\n- {title: All}\npin:\n- content/a.md\n...\n"
    after = edit(text, lambda f: f.pin(name("content/b.md")))
    assert diff(text, after) == ["+- content/b.md"]
    assert after.endswith("- content/a.md\n- content/b.md\n...\n")


def test_a_key_that_is_not_a_list_is_not_replaced_by_one() -> None:
    text = EXAMPLE.replace("pin: [https://example.org/news/annual-report]", "pin: https://example.org/news/annual-report")
    with pytest.raises(ComposeError, match=r"pin: is not a list like \[content/x.md\]"):
        edit(text, lambda f: f.pin(name("content/x.md")))


def test_a_text_set_in_another_language_becomes_a_text_per_language() -> None:
    issue = IssueText('title: Bulletin\nintro: "Six months."  # keep me\n')
    issue.set_text("intro", "Six mois.", lang="fr", default="en")
    assert texts(issue) == {"en": "Six months.", "fr": "Six mois."}
    assert "# keep me" in issue.text()
    issue = IssueText(issue.text())
    issue.set_text("intro", "Sei mesi.", lang="it", default="en")
    issue.set_text("intro", "Six whole months.", lang="en", default="en")  # the default's text, inside the mapping
    assert texts(issue) == {"en": "Six whole months.", "fr": "Six mois.", "it": "Sei mesi."}
    issue.set_text("intro", "", lang="fr", default="en")
    assert texts(issue) == {"en": "Six whole months.", "it": "Sei mesi."}


def texts(issue: IssueText) -> dict[str, str]:
    """The intro's text per language, as the issue file now holds them (a block text ends with its line end)."""
    return {lang: text.strip() for lang, text in yaml.safe_load(issue.text())["intro"].items()}


def test_a_note_set_in_another_language_keeps_the_default_one() -> None:
    issue = IssueText("title: Bulletin\nnotes:\n  Events: All online.\n")
    issue.set_note("Events", "Tout en ligne.", ["Events", "News"], lang="fr", default="en")
    assert yaml.safe_load(issue.text())["notes"] == {"Events": {"en": "All online.", "fr": "Tout en ligne."}}
