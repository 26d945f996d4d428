"""Selection: period, dedupe, sections, order, editorial controls."""

from __future__ import annotations

import datetime as dt

import pytest

from bulletin.errors import ConfigError
from bulletin.model import IssueSpec, Item, Period, SectionSpec
from bulletin.select import select


def item(day: str, title: str, tags=("News",), path=None) -> Item:
    slug = title.lower().replace(" ", "-")
    return Item(date=dt.date.fromisoformat(day), title=title, url=f"https://example.org/{slug}", tags=tuple(tags),
                origin=f"content/{slug}.md:1", path=path or f"content/{slug}.md")


def make_spec(**kw) -> IssueSpec:
    base = dict(
        slug="t", path="issues/t.yaml", title="T", subject="T",
        period=Period(dt.date(2021, 1, 1), dt.date(2021, 6, 30)), sources=["content"],
        sections=[SectionSpec("Papers", ("Position paper",)), SectionSpec("Events", ("Event",)), SectionSpec("More")],
    )
    base.update(kw)
    return IssueSpec(**base)


ITEMS = [
    item("2020-12-31", "Before"),
    item("2021-01-01", "First day"),
    item("2021-03-01", "Paper", ("Position paper", "Event")),
    item("2021-04-01", "Meeting", ("Event",)),
    item("2021-05-01", "Later meeting", ("Event",)),
    item("2021-06-30", "Last day", ("Publication",)),
    item("2021-07-01", "After"),
]


def titles(selection):
    return {s.title: [i.title for i in s.items] for s in selection.sections}


def test_period_inclusive_and_first_matching_section():
    sel = select(make_spec(), ITEMS)
    assert titles(sel) == {
        "Papers": ["Paper"],
        "Events": ["Later meeting", "Meeting"],
        "More": ["Last day", "First day"],
    }
    assert {(lo.item.title, lo.reason) for lo in sel.left_out} == {("Before", "outside period"), ("After", "outside period")}


def test_oldest_order_and_empty_sections_omitted():
    sel = select(make_spec(order="oldest", sections=[SectionSpec("Events", ("Event",)), SectionSpec("Nothing", ("Nope",))]), ITEMS)
    assert titles(sel) == {"Events": ["Paper", "Meeting", "Later meeting"]}
    assert sum(lo.reason == "no matching section" for lo in sel.left_out) == 2


def test_duplicate_urls_appear_once():
    dup = item("2021-02-02", "Meeting", ("Event",))  # same url as "Meeting"
    sel = select(make_spec(), ITEMS + [dup])
    assert titles(sel)["Events"].count("Meeting") == 1
    assert [lo.reason for lo in sel.left_out if lo.item is dup] == ["duplicate"]


def test_the_same_page_from_two_sources_appears_once():
    other = Item(date=dt.date(2021, 4, 1), title="Meeting (feed)", url="https://EXAMPLE.org/meeting/", tags=("Event",))
    sel = select(make_spec(), ITEMS + [other])
    assert titles(sel)["Events"] == ["Later meeting", "Meeting"]
    assert [lo.reason for lo in sel.left_out if lo.item is other] == ["duplicate"]


def test_exclude_tags():
    sel = select(make_spec(exclude_tags=("Event",)), ITEMS)
    assert "Events" not in titles(sel) and "Papers" not in titles(sel)
    assert sum(lo.reason == "excluded tag" for lo in sel.left_out) == 3


def test_editorial_controls():
    spec = make_spec(
        exclude=["content/meeting.md"],
        include=["https://example.org/after"],
        featured="https://example.org/paper",
        pin=["https://example.org/first-day"],
        notes={"Events": "All *online*."},
    )
    sel = select(spec, ITEMS)
    assert sel.featured.title == "Paper"
    assert titles(sel) == {"Events": ["Later meeting"], "More": ["First day", "After", "Last day"]}
    assert sel.sections[0].note == "All *online*."
    assert ("Meeting", "excluded") in {(lo.item.title, lo.reason) for lo in sel.left_out}
    assert [i.title for i in sel.items][0] == "Paper"


def test_unknown_references_name_their_lines():
    spec = make_spec(pin=["https://example.org/nope"], exclude=["content/missing.md"],
                     lines={("pin", 0): 9, ("exclude", 0): 11})
    with pytest.raises(ConfigError) as info:
        select(spec, ITEMS)
    assert [str(p) for p in info.value.problems] == [
        "issues/t.yaml:11: exclude[0]: no item with url or file 'content/missing.md' in the sources",
        "issues/t.yaml:9: pin[0]: no item with url or file 'https://example.org/nope' in the sources",
    ]


def test_anchors_unique():
    spec = make_spec(sections=[SectionSpec("Évents!", ("Event",)), SectionSpec("évents", ("Publication",)), SectionSpec("More")])
    sel = select(spec, ITEMS)
    assert [s.anchor for s in sel.sections] == ["events", "events-2", "more"]


def test_tags_match_whatever_their_case_and_spacing():
    odd = [item("2021-02-01", "Lower", ("event",)), item("2021-02-02", "Spaced", ("position  PAPER",)),
           item("2021-02-03", "Dropped", ("NEWS ",))]
    sel = select(make_spec(exclude_tags=("news",)), odd)
    assert titles(sel) == {"Papers": ["Spaced"], "Events": ["Lower"]}
    assert [(lo.item.title, lo.reason) for lo in sel.left_out] == [("Dropped", "excluded tag")]


@pytest.mark.parametrize("key", ["featured", "pin", "include"])
def test_an_excluded_item_cannot_also_be_featured_pinned_or_included(key):
    ref = "https://example.org/meeting"
    spec = make_spec(exclude=["content/meeting.md"], lines={("exclude", 0): 12, (key, 0): 7},
                     **{key: ref if key == "featured" else [ref]})
    with pytest.raises(ConfigError) as info:
        select(spec, ITEMS)
    label = key if key == "featured" else f"{key}[0]"
    assert [str(p) for p in info.value.problems] == [
        f"issues/t.yaml:7: {label}: '{ref}' is also in exclude (line 12): remove it from one of the two"
    ]


def test_a_pin_on_an_item_left_out_is_an_error():
    spec = make_spec(pin=["content/after.md", "https://example.org/meeting", "content/last-day.md"],
                     sections=[SectionSpec("Events", ("Event",))], lines={("pin", 0): 8, ("pin", 2): 10})
    with pytest.raises(ConfigError) as info:
        select(spec, ITEMS)
    assert [str(p) for p in info.value.problems] == [
        "issues/t.yaml:8: pin[0]: 'content/after.md' is dated 2021-07-01, outside the period: add it to include: too, or remove the pin",
        "issues/t.yaml:10: pin[2]: 'content/last-day.md' is not in the issue (no matching section): remove it from pin, or change its tags",
    ]
    included = select(make_spec(pin=["content/after.md"], include=["content/after.md"]), ITEMS)
    assert titles(included)["More"][0] == "After"


def test_an_included_item_left_out_is_an_error():
    spec = make_spec(include=["content/after.md"], exclude_tags=("News",), lines={("include", 0): 9})
    with pytest.raises(ConfigError) as info:
        select(spec, ITEMS)
    assert [str(p) for p in info.value.problems] == [
        "issues/t.yaml:9: include[0]: 'content/after.md' is not in the issue (excluded tag): remove it from include, or change its tags"
    ]


def test_drafts_are_left_out_and_cannot_be_asked_for():
    draft = Item(date=dt.date(2021, 3, 2), title="Draft", url="https://example.org/draft", tags=("News",),
                 origin="content/draft.md:1", path="content/draft.md", draft=True)
    selection = select(make_spec(), [*ITEMS, draft])
    assert "Draft" not in [i.title for s in selection.sections for i in s.items]
    assert [(lo.item.title, lo.reason) for lo in selection.left_out if lo.reason == "draft"] == [("Draft", "draft")]
    for key in ("featured", "pin", "include"):
        spec = make_spec(lines={(key, 0): 5}, **{key: "content/draft.md" if key == "featured" else ["content/draft.md"]})
        with pytest.raises(ConfigError) as info:
            select(spec, [*ITEMS, draft])
        label = key if key == "featured" else f"{key}[0]"
        assert [str(p) for p in info.value.problems] == [
            f"issues/t.yaml:5: {label}: 'content/draft.md' is a draft (draft: true in its file): publish it, or remove it from {key}"
        ]


def test_a_windows_path_and_a_host_in_capitals_name_the_same_item():
    # Windows Explorer's "Copy as path" gives content\x.md; a link copied from a browser may keep EXAMPLE.org
    spec = make_spec(exclude=["content\\meeting.md", ".\\content\\paper.md", "https://EXAMPLE.org/last-day/"])
    sel = select(spec, ITEMS)
    excluded = {lo.item.title for lo in sel.left_out if lo.reason == "excluded"}
    assert excluded == {"Meeting", "Paper", "Last day"}


def test_an_unknown_reference_close_to_an_item_suggests_it():
    spec = make_spec(exclude=["meeting.md", "/home/anna/bulletin/content/paper.md", "http://example.org/last-day", "content/after"],
                     lines={("exclude", 0): 5, ("exclude", 1): 6, ("exclude", 2): 7, ("exclude", 3): 8})
    with pytest.raises(ConfigError) as info:
        select(spec, ITEMS)
    assert [str(p) for p in info.value.problems] == [
        "issues/t.yaml:5: exclude[0]: no item with url or file 'meeting.md' in the sources (did you mean 'content/meeting.md'?)",
        "issues/t.yaml:6: exclude[1]: no item with url or file '/home/anna/bulletin/content/paper.md' in the sources"
        " (did you mean 'content/paper.md'?)",
        "issues/t.yaml:7: exclude[2]: no item with url or file 'http://example.org/last-day' in the sources"
        " (did you mean 'https://example.org/last-day'?)",
        "issues/t.yaml:8: exclude[3]: no item with url or file 'content/after' in the sources (did you mean 'content/after.md'?)",
    ]


# --- issue 9: display order is not matching priority -------------------------------------------------

EDITOR = [
    item("2021-02-01", "Report", ("News", "Publication")),
    item("2021-02-02", "Webinar", ("News", "Event")),
    item("2021-02-03", "Congress", ("Event",)),
    item("2021-02-04", "Our view", ("News", "Position paper")),
    item("2021-02-05", "Hello", ("News",)),
    item("2021-02-06", "Vacancy", ("Job",)),
]
EDITOR_SECTIONS = [SectionSpec("News", ("News",)), SectionSpec("Publications", ("Publication",)), SectionSpec("Events", ("Event",)),
                   SectionSpec("Position papers", ("Position paper",)), SectionSpec("More news")]


def test_match_order_decides_which_section_takes_an_item_and_the_display_keeps_the_listed_order():
    sel = select(make_spec(sections=EDITOR_SECTIONS, match_order=["Position papers", "Events", "Publications"]), EDITOR)
    assert list(titles(sel).items()) == [
        ("News", ["Hello"]), ("Publications", ["Report"]), ("Events", ["Congress", "Webinar"]),
        ("Position papers", ["Our view"]), ("More news", ["Vacancy"])]
    assert sel.empty == {}


def test_without_match_order_the_listed_order_decides_and_an_empty_section_says_why():
    sel = select(make_spec(sections=EDITOR_SECTIONS), EDITOR)  # today's behaviour: existing issues build the same
    assert titles(sel) == {"News": ["Hello", "Our view", "Webinar", "Report"], "Events": ["Congress"], "More news": ["Vacancy"]}
    assert sel.empty == {
        "Publications": "the 1 item tagged Publication went to News, which comes earlier in sections "
                        "(add match_order: to say which section takes an item first)",
        "Position papers": "the 1 item tagged Position paper went to News, which comes earlier in sections "
                           "(add match_order: to say which section takes an item first)",
    }
    six = [item(f"2021-03-0{n}", f"Event {n}", ("News", "Event")) for n in range(1, 7)]
    sel = select(make_spec(sections=EDITOR_SECTIONS, match_order=["News"]), six)
    assert sel.empty["Events"] == "all 6 items tagged Event went to News, which comes earlier in match_order"
    assert sel.empty["More news"] is None  # nothing left for the catch-all: every item found its section


def test_an_empty_section_whose_items_are_left_out_says_so():
    items = [item("2021-02-01", "Hello"), item("2020-05-01", "Old event", ("Event",)), item("2021-08-01", "Late event", ("Event",))]
    sel = select(make_spec(sections=[SectionSpec("Events", ("Event",)), SectionSpec("More")]), items)
    assert sel.empty == {"Events": "no item of the issue is tagged Event (2 items tagged so: 2 outside period)"}
    sel = select(make_spec(sections=[SectionSpec("Events", ("Evnt",)), SectionSpec("More")]), items)
    assert sel.empty == {"Events": None}  # no item has the tag at all: the build's unknown-tag warning says so


def test_an_item_tag_one_or_two_edits_from_a_section_tag_is_a_near_miss():
    items = [item("2021-02-01", "Meeting", ("Event",)), item("2021-02-02", "Congress", ("Events",)),
             item("2021-02-03", "Webinar", ("events",)), item("2021-02-04", "Paper", ("Positon paper",)),
             item("2021-02-05", "Job", ("Jobs",)), item("2021-02-06", "Eve", ("Eve",)), item("2021-02-07", "View", ("Position paper",))]
    sel = select(make_spec(), items)
    found = {(near.tag, near.section_tag, near.section, tuple(i.title for i in near.items)) for near in sel.near_misses}
    assert found == {("Events", "Event", "Events", ("Congress", "Webinar")), ("Positon paper", "Position paper", "Papers", ("Paper",))}


def test_swapped_letters_are_a_near_miss_and_tags_with_other_letters_are_not():
    items = [item("2021-02-04", "Meeting", ("Event",)), item("2021-02-01", "Swapped", ("Evnet",)), item("2021-02-02", "Other", ("Press release",)),
             item("2021-02-03", "Anagram", ("Tneve",))]
    sel = select(make_spec(), items)
    assert {(near.tag, near.section_tag) for near in sel.near_misses} == {("Evnet", "Event")}


def test_match_order_may_show_the_catch_all_anywhere_it_is_matched_last():
    sections = [SectionSpec("More"), SectionSpec("Events", ("Event",))]
    sel = select(make_spec(sections=sections, match_order=["Events"]), ITEMS)
    assert list(titles(sel)) == ["More", "Events"]
    assert titles(sel)["Events"] == ["Later meeting", "Meeting", "Paper"]
