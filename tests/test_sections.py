"""An issue's sections, match_order and notes (sections.py), as load_issue reports them: every problem, with file:line."""

from __future__ import annotations

from test_config import GOOD, problems, spec  # the issue file helpers of the config tests


def test_bad_section_tags(write):
    found = problems(write, """\
        title: T
        period: {start: 2021-01-01, end: 2021-06-30}
        sections:
          - {title: Events, tags: Event}
          - {title: Papers, tags: []}
          - {title: Odd, tags: [{a: 1}]}
          - {titel: More}
        """)
    assert found == [
        "issues/t.yaml:4: sections[0].tags: expected a list of tags like [Event], got 'Event'",
        "issues/t.yaml:5: sections[1].tags: empty: give tags like [Event], or leave tags out for a catch-all section",
        "issues/t.yaml:6: sections[2].tags[0]: expected tags, got a mapping",
        "issues/t.yaml:7: sections[3].titel: unknown key (did you mean 'title'?)",
        "issues/t.yaml:7: sections[3].title: required",
    ]


def test_section_after_catch_all(write):
    found = problems(write, """\
        title: T
        period: {start: 2021-01-01, end: 2021-06-30}
        sections:
          - {title: More}
          - {title: Events, tags: [Event]}
        """)
    assert found == ["issues/t.yaml:5: sections[1]: comes after the catch-all section 'More' (no tags), so it can never get an item (move it up, or add match_order: to keep this display order)"]


def test_notes_must_name_a_section(write):
    found = problems(write, GOOD + "notes: {Event: hi}\n")
    assert found == ["issues/t.yaml:6: notes.Event: unknown key (did you mean 'Events'?)"]


def test_section_note_must_be_text(write):
    found = problems(write, GOOD + "notes:\n  Events: [a, b]\n")
    assert found == ["issues/t.yaml:7: notes.Events: expected text, got a list"]


def test_notes_when_no_section_is_valid_name_no_empty_key_list(write):
    found = problems(write, "title: T\nperiod: {start: 2021-01-01, end: 2021-06-30}\nsections: 5\nnotes: [a]\n")
    assert "issues/t.yaml:4: notes: expected a mapping of keys, got a list" in found


def test_match_order_names_sections(write):
    loaded = spec(write, GOOD + "match_order: [Events]\n")
    assert loaded.match_order == ["Events"]
    found = problems(write, GOOD + "match_order: [Event, More, Events, Events]\n")
    assert found == [
        "issues/t.yaml:6: match_order[0]: 'Event' is not a section title (did you mean 'Events'?)",
        "issues/t.yaml:6: match_order[1]: 'More' has no tags: it takes the items no other section takes, so it is matched last; "
        "remove it from match_order",
        "issues/t.yaml:6: match_order[3]: 'Events' is listed twice",
    ]
    assert problems(write, GOOD + "match_order: [Events, '']\n") == ["issues/t.yaml:6: match_order[1]: expected section titles, got ''"]
    assert problems(write, GOOD + "match_order: Events\n") == [
        "issues/t.yaml:6: match_order: expected a list of section titles like [Events], got 'Events'"]


def test_with_match_order_the_catch_all_may_be_shown_first(write):
    shown_first = "title: T\nperiod: {start: 2021-01-01, end: 2021-06-30}\nsections:\n  - {title: More}\n  - {title: Events, tags: [Event]}\n"
    assert [s.title for s in spec(write, shown_first + "match_order: [Events]\n").sections] == ["More", "Events"]
    assert problems(write, shown_first + "  - {title: Rest}\nmatch_order: [Events]\n") == [
        "issues/t.yaml:6: sections[2]: a second section without tags: only one (now 'More') can take the remaining items"]
