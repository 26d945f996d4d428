"""Composing in the preview page (headless Chromium): each button changes the email in the page and the
issue file exactly as a person would have typed it; undo, a stale page, an invalid action, the keyboard."""

from __future__ import annotations

import difflib
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

from bulletin.preview import Preview

pytestmark = pytest.mark.browser

ISSUE = "issues/example.yaml"
WAIT = 5_000  # ms: bounded waits; they end as soon as the page shows the change
PAY = "Pay transparency and the gender pay gap in care"
INDUSTRY = "EU Industrial Strategy Update: our reaction & lessons"
WEBINAR = "Webinar: digital inclusion in social services"
SCHOOL = "Summer School on social policy for young professionals"
WORKSHOP = "Workshop: using EU funds for social innovation"
CONGRESS = "Congress 2021: registration is open"
# the person's own touches, which every edit must keep: comments, single quotes, a blank line
HAND = [
    ("featured: https://example.org/news/congress-2021", "featured: https://example.org/news/congress-2021   # the lead story"),
    ("pin: [https://example.org/news/annual-report]",
     "\n# first in their section\npin: [https://example.org/news/annual-report, 'content/2021-06-10-industrial-strategy.md']"),
]
# the email's text in reading order; positions of titles in it tell the order the reader sees
EMAIL_TEXT = "document.getElementById('email').contentDocument.body.innerText"


def changes(before: str, after: str) -> list[str]:
    """The changed lines, as '-old' / '+new'."""
    return [
        line.rstrip("\n") for line in difflib.unified_diff(before.splitlines(True), after.splitlines(True), n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


@pytest.fixture
def issue(tmp_project: Path) -> Path:
    path = tmp_project / ISSUE
    text = path.read_text(encoding="utf-8")
    for old, new in HAND:
        assert old in text
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def page(open_page, issue: Path) -> Iterator[Page]:
    with Preview(ISSUE, port=0) as preview:
        yield from open_page(preview, CONGRESS)


def email_text(page: Page) -> str:
    return page.evaluate(EMAIL_TEXT)


def until(page: Page, script: str, arg: object = None) -> None:
    """Wait (bounded) until ``script`` is true in the page; the page's policy forbids wait_for_function's eval."""
    deadline = time.monotonic() + WAIT / 1000
    while not page.evaluate(script, arg) and time.monotonic() < deadline:
        page.wait_for_timeout(20)
    assert page.evaluate(script, arg), script


def shown_before(page: Page, first: str, second: str) -> None:
    """Wait until the email shows ``first`` above ``second``."""
    until(page, f"([a, b]) => {{ const t = {EMAIL_TEXT}; return t.includes(a) && t.includes(b) && t.indexOf(a) < t.indexOf(b); }}", [first, second])


def composed(page: Page) -> int:
    return int(page.evaluate("Number(document.body.dataset.composed || 0)"))


def click(page: Page, name: str) -> None:
    """Press a button by its accessible name and wait for the page to have shown the outcome."""
    done = composed(page)
    page.get_by_role("button", name=name, exact=True).click()
    until(page, "(done) => Number(document.body.dataset.composed || 0) > done", done)


def test_feature_makes_the_item_the_lead_and_keeps_the_comment(page: Page, issue: Path) -> None:
    before = issue.read_text(encoding="utf-8")
    click(page, f"Feature: {PAY}")
    assert changes(before, issue.read_text(encoding="utf-8")) == [
        "-featured: https://example.org/news/congress-2021   # the lead story",
        "+featured: content/2021-06-17-pay-transparency.md   # the lead story",
    ]
    shown_before(page, PAY, INDUSTRY)
    expect(page.locator("#sections > li").first).to_contain_text(PAY)  # the panel's Featured
    shown_before(page, PAY, CONGRESS)  # the old lead is back in its section, further down


def test_pin_puts_the_item_first_in_its_section(page: Page, issue: Path) -> None:
    before = issue.read_text(encoding="utf-8")
    shown_before(page, INDUSTRY, PAY)  # pinned by hand already
    click(page, f"Unpin: {INDUSTRY}")
    shown_before(page, PAY, INDUSTRY)
    click(page, f"Pin: {INDUSTRY}")
    shown_before(page, INDUSTRY, PAY)
    # unpinned then pinned again: the entry comes back at the end, written as the page names items
    assert changes(before, issue.read_text(encoding="utf-8")) == [
        "-pin: [https://example.org/news/annual-report, 'content/2021-06-10-industrial-strategy.md']",
        "+pin: [https://example.org/news/annual-report, content/2021-06-10-industrial-strategy.md]",
    ]


def test_move_up_and_down_among_the_pinned_keeps_the_quotes(page: Page, issue: Path) -> None:
    click(page, f"Pin: {PAY}")
    shown_before(page, INDUSTRY, PAY)
    pinned = issue.read_text(encoding="utf-8")
    assert "pin: [https://example.org/news/annual-report, 'content/2021-06-10-industrial-strategy.md', content/2021-06-17-pay-transparency.md]" in pinned
    click(page, f"Move up: {PAY}")
    shown_before(page, PAY, INDUSTRY)
    assert changes(pinned, issue.read_text(encoding="utf-8")) == [
        "-pin: [https://example.org/news/annual-report, 'content/2021-06-10-industrial-strategy.md', content/2021-06-17-pay-transparency.md]",
        "+pin: [https://example.org/news/annual-report, content/2021-06-17-pay-transparency.md, 'content/2021-06-10-industrial-strategy.md']",
    ]
    click(page, f"Move down: {PAY}")
    shown_before(page, INDUSTRY, PAY)
    assert issue.read_text(encoding="utf-8") == pinned
    click(page, f"Move down: {PAY}")  # already the last pinned one: refused, nothing written
    expect(page.locator("#compose-status")).to_have_text(f"'{PAY}' is already the last pinned item of Position papers")
    assert issue.read_text(encoding="utf-8") == pinned


def test_exclude_with_the_keyboard_only(page: Page, issue: Path) -> None:
    before = issue.read_text(encoding="utf-8")
    target = f"Exclude: {WEBINAR}"
    page.locator("body").focus()
    for _ in range(200):  # Tab through the page until the button has the focus, as a keyboard user does
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == target:
            break
    assert page.evaluate("document.activeElement.getAttribute('aria-label')") == target
    assert page.evaluate("document.activeElement.tagName") == "BUTTON"
    page.keyboard.press("Enter")
    expect(page.frame_locator("#email").locator("body")).not_to_contain_text(WEBINAR, timeout=WAIT)
    assert changes(before, issue.read_text(encoding="utf-8")) == [
        "-exclude: [content/2021-05-11-workshop.md]",
        "+exclude: [content/2021-05-11-workshop.md, content/2021-01-27-webinar-digital-inclusion.md]",
    ]
    expect(page.locator("#left-out")).to_contain_text(WEBINAR)
    assert page.evaluate("document.activeElement.closest('.panel') !== null")  # the focus stays in the panel


def test_include_a_late_item_and_an_excluded_one(page: Page, issue: Path) -> None:
    before = issue.read_text(encoding="utf-8")
    page.locator("#left-out-details summary").click()
    click(page, f"Include: {SCHOOL}")
    expect(page.frame_locator("#email").locator("body")).to_contain_text(SCHOOL, timeout=WAIT)
    click(page, f"Include: {WORKSHOP}")
    expect(page.frame_locator("#email").locator("body")).to_contain_text(WORKSHOP, timeout=WAIT)
    assert changes(before, issue.read_text(encoding="utf-8")) == [
        "-exclude: [content/2021-05-11-workshop.md]",
        "+exclude: []",
        "+include: [content/2021-07-01-summer-school.md]",
    ]


def test_intro_and_preheader_fields_edit_the_texts(page: Page, issue: Path) -> None:
    before = issue.read_text(encoding="utf-8")
    page.locator("#issue-fields summary").click()
    page.fill("#field-intro", "Twelve months of **work**.\n\nA second paragraph.")
    page.get_by_role("button", name="Save intro").click()
    expect(page.frame_locator("#email").locator("body")).to_contain_text("A second paragraph.", timeout=WAIT)
    expect(page.frame_locator("#email").locator("p", has_text="Twelve months of work.").locator("strong")).to_have_text("work")
    page.fill("#field-preheader", "Spring: our news")
    page.get_by_role("button", name="Save preheader").click()
    expect(page.locator("#preheader")).to_have_text("Spring: our news", timeout=WAIT)
    assert changes(before, issue.read_text(encoding="utf-8")) == [
        '-preheader: "Position papers, events and publications of the last six months"',
        '+preheader: "Spring: our news"',
        "-  Six months of work for a fairer Europe: our position papers on the care strategy and the",
        "-  industrial strategy, the Congress 2021, and our new annual report.",
        "+  Twelve months of **work**.",
        "+",
        "+  A second paragraph.",
    ]


def test_undo_reverts_the_last_change_in_the_file_and_the_page(page: Page, issue: Path) -> None:
    before = issue.read_bytes()
    expect(page.get_by_role("button", name="Undo (nothing to undo)")).to_be_disabled()
    click(page, f"Exclude: {PAY}")
    expect(page.frame_locator("#email").locator("body")).not_to_contain_text(PAY, timeout=WAIT)
    click(page, f"Undo: Exclude '{PAY}'")
    expect(page.frame_locator("#email").locator("body")).to_contain_text(PAY, timeout=WAIT)
    assert issue.read_bytes() == before
    expect(page.get_by_role("button", name="Undo (nothing to undo)")).to_be_disabled()


def test_a_stale_page_is_refused_and_reloaded(open_page, issue: Path) -> None:
    with Preview(ISSUE, port=0, watch=False) as preview:  # no watcher: the page cannot have seen the edit
        for page in open_page(preview, CONGRESS):
            edited = issue.read_text(encoding="utf-8").replace("order: newest", "order: oldest   # saved in the editor")
            issue.write_text(edited, encoding="utf-8")
            click(page, f"Exclude: {PAY}")
            expect(page.locator("#compose-status")).to_contain_text("reloaded — try again")
            assert issue.read_text(encoding="utf-8") == edited
            click(page, f"Exclude: {PAY}")  # the page now shows the file as saved: this one is done
            expect(page.frame_locator("#email").locator("body")).not_to_contain_text(PAY, timeout=WAIT)
            assert "order: oldest   # saved in the editor" in issue.read_text(encoding="utf-8")


def test_an_invalid_action_is_refused_with_the_builds_message(open_page, issue: Path, tmp_project: Path) -> None:
    item = tmp_project / "content/2021-07-01-summer-school.md"
    item.write_text(item.read_text(encoding="utf-8").replace("---\n", "---\ndraft: true\n", 1), encoding="utf-8")
    before = issue.read_text(encoding="utf-8")
    with Preview(ISSUE, port=0) as preview:
        for page in open_page(preview, CONGRESS):
            page.locator("#left-out-details summary").click()
            click(page, f"Include: {SCHOOL}")
            status = page.locator("#compose-status")
            expect(status).to_contain_text("issues/example.yaml asks for items that are not in the issue (1 problem):")
            expect(status).to_contain_text(
                "include[0]: 'content/2021-07-01-summer-school.md' is a draft (draft: true in its file): publish it, or remove it from include"
            )
            assert issue.read_text(encoding="utf-8") == before


def test_read_only_offers_no_actions(open_page, issue: Path) -> None:
    with Preview(ISSUE, port=0, read_only=True) as preview:
        for page in open_page(preview, CONGRESS):
            expect(page.locator("#sections")).to_contain_text(PAY)
            expect(page.locator("#compose")).to_be_hidden()
            assert page.locator(".panel button:visible, .panel summary:visible").count() == 1  # only "Show the items"
            assert page.locator("#sections button, #left-out button").count() == 0


def test_an_item_in_the_email_offers_the_actions_on_hover_and_focus(page: Page, issue: Path) -> None:
    before = issue.read_text(encoding="utf-8")
    frame = page.frame_locator("#email")
    block = frame.locator("[data-item]", has_text=PAY)
    block.hover()
    tools = frame.get_by_role("group", name=f"Compose: {PAY}")
    expect(tools).to_be_visible()
    expect(tools.get_by_role("button")).to_have_text(["Feature", "Pin", "Exclude"])
    page.mouse.move(1270, 790)  # away from the email: the buttons go
    expect(tools).to_have_count(0)
    block.get_by_role("link", name=f"Read more: {PAY}").focus()  # a keyboard user reaches them too
    expect(tools).to_be_visible()
    done = composed(page)
    page.keyboard.press("Tab")
    expect(frame.get_by_role("button", name=f"Feature: {PAY}")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Pin
    until(page, "(done) => Number(document.body.dataset.composed || 0) > done", done)
    shown_before(page, PAY, "European Child Guarantee")
    assert changes(before, issue.read_text(encoding="utf-8")) == [
        "-pin: [https://example.org/news/annual-report, 'content/2021-06-10-industrial-strategy.md']",
        "+pin: [https://example.org/news/annual-report, 'content/2021-06-10-industrial-strategy.md', content/2021-06-17-pay-transparency.md]",
    ]


def test_the_panel_works_on_a_small_laptop_screen(chromium, issue: Path) -> None:
    with Preview(ISSUE, port=0) as preview:
        context = chromium.new_context(viewport={"width": 1024, "height": 600})
        context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).hostname == "127.0.0.1" else route.abort())
        page = context.new_page()
        try:
            page.goto(preview.url)
            expect(page.frame_locator("#email").locator("body")).to_contain_text(CONGRESS, timeout=WAIT)
            panel = page.locator(".panel")
            assert panel.evaluate("(p) => p.scrollWidth <= p.clientWidth")  # nothing cut off sideways
            email_box, panel_box = page.locator("#email").bounding_box(), panel.bounding_box()
            assert email_box and panel_box and email_box["x"] + email_box["width"] <= panel_box["x"]  # side by side
            button = page.get_by_role("button", name=f"Exclude: {WEBINAR}", exact=True)
            button.scroll_into_view_if_needed()
            done = composed(page)
            button.click()  # playwright clicks only what is visible and not covered
            until(page, "(done) => Number(document.body.dataset.composed || 0) > done", done)
            expect(page.frame_locator("#email").locator("body")).not_to_contain_text(WEBINAR, timeout=WAIT)
        finally:
            context.close()


def test_an_unchanged_subject_is_not_written(page: Page, issue: Path) -> None:
    before = issue.read_bytes()
    page.locator("#issue-fields summary").click()
    page.get_by_role("button", name="Save subject").click()
    expect(page.locator("#compose-status")).to_have_text("No change.")
    assert issue.read_bytes() == before


def test_a_section_note_is_edited_in_markdown_and_keeps_its_quotes(page: Page, issue: Path) -> None:
    before = issue.read_text(encoding="utf-8")
    page.locator("summary[aria-label='Note: Events']").click()
    page.get_by_label("Note under Events (Markdown)").fill("Every event is *free* for members.")
    page.get_by_role("button", name="Save note: Events").click()
    expect(page.frame_locator("#email").locator("em", has_text="free")).to_have_count(1, timeout=WAIT)
    assert changes(before, issue.read_text(encoding="utf-8")) == [
        '-  Events: "All events this season are **online** and free for members."',
        '+  Events: "Every event is *free* for members."',
    ]
    expect(page.locator("summary[aria-label='Note: Events']")).to_be_visible()  # the panel stays open where it was


def test_a_refused_text_shows_its_message_under_the_field(open_page, issue: Path) -> None:
    with Preview(ISSUE, port=0, watch=False) as preview:
        for page in open_page(preview, CONGRESS):
            issue.write_text(issue.read_text(encoding="utf-8") + "# saved in the editor\n", encoding="utf-8")
            page.locator("#issue-fields summary").click()
            page.fill("#field-intro", "A new intro.")
            page.get_by_role("button", name="Save intro").click()
            error = page.locator("form[data-action='intro'] .field-error")
            expect(error).to_be_visible(timeout=WAIT)
            expect(error).to_contain_text("reloaded — try again")
            expect(page.locator("#field-intro")).to_have_value("A new intro.")  # the person's text is kept
            page.get_by_role("button", name="Save intro").click()  # the page has caught up: now it is saved
            expect(error).to_be_hidden(timeout=WAIT)
            expect(page.frame_locator("#email").locator("body")).to_contain_text("A new intro.", timeout=WAIT)
            assert issue.read_text(encoding="utf-8").endswith("intro: |\n  A new intro.\ntemplate: default\n# saved in the editor\n")


def test_publish_a_draft_item_from_the_left_out_list(open_page, issue: Path, tmp_project: Path) -> None:
    item = tmp_project / "content/2021-06-17-pay-transparency.md"
    published = item.read_text(encoding="utf-8")
    item.write_text(published.replace("---\n", "---\ndraft: true\n", 1), encoding="utf-8")
    with Preview(ISSUE, port=0) as preview:
        for page in open_page(preview, CONGRESS):
            expect(page.frame_locator("#email").locator("body")).not_to_contain_text(PAY)
            page.locator("#left-out-details summary").click()
            click(page, f"Publish: {PAY}")
            expect(page.frame_locator("#email").locator("body")).to_contain_text(PAY, timeout=WAIT)
            assert item.read_text(encoding="utf-8") == published


def test_a_note_being_typed_survives_a_save_of_another_file(page: Page, tmp_project: Path) -> None:
    page.locator("summary[aria-label='Note: Events']").click()
    area = page.get_by_label("Note under Events (Markdown)")
    area.fill("Half typed")
    item = tmp_project / "content/2021-06-10-industrial-strategy.md"
    item.write_text(item.read_text(encoding="utf-8").replace(INDUSTRY, "Industrial strategy, renamed"), encoding="utf-8")
    expect(page.locator("#sections")).to_contain_text("Industrial strategy, renamed", timeout=WAIT)
    expect(page.get_by_label("Note under Events (Markdown)")).to_have_value("Half typed")
    expect(page.get_by_label("Note under Events (Markdown)")).to_be_focused()
