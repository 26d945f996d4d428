"""The preview page in headless Chromium (Debian's, via playwright): layout, live reload, errors, screenshots."""

from __future__ import annotations

import itertools
import re
import struct
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from playwright.sync_api import Page, expect

from bulletin.cli import main
from bulletin.preview import Preview, take_screenshots
from bulletin.preview.screenshot import DEFAULT_BROWSER as CHROMIUM

pytestmark = pytest.mark.browser

ITEM = "content/2021-06-10-industrial-strategy.md"
OLD_TITLE = "EU Industrial Strategy Update: our reaction & lessons"
WAIT = 5_000  # ms: bounded waits; they end as soon as the page shows the change

# scripts run in the page through the DevTools protocol (the page's own policy forbids eval)
EMAIL_DOC = "document.getElementById('email').contentDocument"
OVERFLOW = f"(() => {{ const d = {EMAIL_DOC}.documentElement; return [d.scrollWidth, d.clientWidth]; }})()"
COLUMNS = f"""(() => {{
  const doc = {EMAIL_DOC};
  const rect = (e) => e.getBoundingClientRect();
  return {{
    width: doc.documentElement.clientWidth,
    columns: [...doc.querySelectorAll('[class*="mj-column"]')].map((e) => rect(e).width),
    items: [...doc.querySelectorAll('h2, h3')].map((e) => {{ const r = rect(e); return [r.left, r.top, r.bottom, r.width]; }}),
  }};
}})()"""


def email(page: Page):
    """The body of the email document in the preview's frame."""
    return page.frame_locator("#email").locator("body")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_page_shows_the_inbox_header_the_email_and_the_panel(page: Page) -> None:
    expect(email(page)).to_contain_text("Dear colleague,", timeout=WAIT)
    expect(page.locator("#subject")).to_have_text("Bulletin on EU Social Affairs #7 — January to June 2021")
    expect(page.locator("#from-name")).to_have_text("ESNF Bulletin")
    expect(page.locator("#from-email")).to_have_text("<bulletin@example.org>")
    expect(page.locator("#preheader")).to_have_text("Position papers, events and publications of the last six months")
    expect(page.locator("#as-note")).to_contain_text("(nobody — fallbacks)")
    expect(page.locator("#sections > li")).to_have_count(5)  # Featured + four sections
    expect(page.locator("#sections")).to_contain_text(OLD_TITLE)
    expect(page.locator("#left-out-summary")).to_have_text("1 excluded, 11 outside period")
    expect(page.locator("#size-text")).to_contain_text("of the 102.0 KB Gmail shows before clipping")
    expect(page.locator("#overlay")).to_be_hidden()
    assert page.locator("#email").bounding_box()["width"] == 700  # type: ignore[index]


def test_mobile_shows_the_email_at_375px_single_column_without_overflow(page: Page) -> None:
    expect(email(page)).to_contain_text("Dear colleague,", timeout=WAIT)
    page.click("#mode-mobile")
    expect(page.locator("#mode-mobile")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("#email")).to_have_css("width", "375px")
    # the (locally faked, 1200 px wide) photos must have arrived, or the check proves little
    loaded = f"[...{EMAIL_DOC}.images].filter((i) => i.complete && i.naturalWidth === 1200).length"
    deadline = time.monotonic() + WAIT / 1000
    while page.evaluate(loaded) < 7 and time.monotonic() < deadline:
        page.wait_for_timeout(50)
    assert page.evaluate(loaded) == 7
    scroll_width, client_width = page.evaluate(OVERFLOW)
    assert client_width == 375 and scroll_width <= client_width
    layout = page.evaluate(COLUMNS)
    assert layout["columns"] and all(width >= layout["width"] - 1 for width in layout["columns"])
    items = layout["items"]
    assert len(items) >= 20
    lefts = {round(left) for left, _, _, _ in items}
    assert len(lefts) <= 2  # the featured story's box is inset; every other heading starts at one x
    for (_, _, bottom, _), (_, top, _, _) in itertools.pairwise(items):
        assert top >= bottom - 1  # stacked, never side by side
    assert all(width >= 0.7 * layout["width"] for *_, width in items)


def test_plain_text_switch_shows_the_text_part(page: Page) -> None:
    expect(email(page)).to_contain_text("Dear colleague,", timeout=WAIT)
    page.click("#mode-text")
    expect(page.locator("#text")).to_be_visible()
    expect(page.locator("#text")).to_contain_text("Dear colleague,")
    expect(page.locator("#email")).to_be_hidden()
    page.click("#mode-desktop")
    expect(page.locator("#email")).to_be_visible()


def test_editing_an_item_on_disk_updates_the_page_without_reloading_it(page: Page, tmp_project: Path) -> None:
    expect(email(page)).to_contain_text(OLD_TITLE, timeout=WAIT)
    page.evaluate("window.__notReloaded = true")
    page.evaluate(f"{EMAIL_DOC}.defaultView.scrollTo(0, 900)")
    assert page.evaluate(f"{EMAIL_DOC}.defaultView.scrollY") == 900

    edit(tmp_project / ITEM, OLD_TITLE, "Industrial strategy: edited while previewing")

    expect(email(page)).to_contain_text("Industrial strategy: edited while previewing", timeout=WAIT)
    expect(email(page)).not_to_contain_text(OLD_TITLE)
    expect(page.locator("#sections")).to_contain_text("Industrial strategy: edited while previewing")
    assert page.evaluate("window.__notReloaded") is True
    assert page.evaluate(f"{EMAIL_DOC}.defaultView.scrollY") == 900  # the reader keeps their place


def test_broken_yaml_shows_the_error_with_its_line_then_recovers(page: Page, tmp_project: Path) -> None:
    expect(email(page)).to_contain_text("Dear colleague,", timeout=WAIT)
    issue = tmp_project / "issues/example.yaml"
    good = issue.read_text(encoding="utf-8")

    issue.write_text(good.replace("order: newest", "order: [newest"), encoding="utf-8")
    expect(page.locator("#overlay")).to_be_visible(timeout=WAIT)
    expect(page.locator("#error")).to_contain_text("issues/example.yaml:12: YAML syntax error")
    expect(email(page)).to_contain_text("Dear colleague,")  # the last good render stays underneath

    issue.write_text(good.replace("intro: |\n  Six months", "intro: |\n  Twelve months"), encoding="utf-8")
    expect(page.locator("#overlay")).to_be_hidden(timeout=WAIT)
    expect(email(page)).to_contain_text("Twelve months of work", timeout=WAIT)


def test_picking_a_subscriber_personalises_the_email(page: Page) -> None:
    expect(email(page)).to_contain_text("Dear colleague,", timeout=WAIT)
    page.select_option("#as", "anna.keller@member-org.example")
    expect(email(page)).to_contain_text("Dear Anna Keller,", timeout=WAIT)
    expect(page.locator("#as-note")).to_have_text("Personalised for: anna.keller@member-org.example")
    page.click("#mode-text")
    expect(page.locator("#text")).to_contain_text("Dear Anna Keller,")
    page.select_option("#as", "")
    expect(page.locator("#text")).to_contain_text("Dear colleague,", timeout=WAIT)


def test_text_from_the_issue_is_shown_as_text_never_as_markup(page: Page, tmp_project: Path) -> None:
    expect(email(page)).to_contain_text("Dear colleague,", timeout=WAIT)
    nasty = '<img src=x onerror="window.__pwned=1"> & <b>bold</b>'
    edit(tmp_project / ITEM, f'title: "{OLD_TITLE}"', f"title: '{nasty}'")
    expect(page.locator("#sections")).to_contain_text(nasty, timeout=WAIT)
    assert page.locator("#sections img").count() == 0
    entry = page.locator("#sections ol li .it-title", has_text="onerror")
    assert entry.inner_text() == nasty and entry.evaluate("(title) => title.children.length") == 0
    expect(page.get_by_role("button", name=f"Exclude: {nasty}")).to_have_count(1)  # the name is text too
    assert page.evaluate("window.__pwned") is None


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def test_take_screenshots_writes_desktop_and_mobile_pngs_and_the_page(tmp_project: Path, tmp_path: Path) -> None:
    out = tmp_path / "shots"
    paths = take_screenshots("issues/example.yaml", out, browser=CHROMIUM, remote=False)
    assert paths == [out / "desktop.png", out / "mobile.png", out / "preview.png"]
    assert _png_size(out / "preview.png") == (1280, 800)  # the page with its panel, on a laptop screen
    desktop, mobile = _png_size(out / "desktop.png"), _png_size(out / "mobile.png")
    assert desktop[0] == 700 and mobile[0] == 375
    assert mobile[1] > desktop[1] > 900  # the full email, longer when narrower


def test_preview_screenshot_command(tmp_project: Path, tmp_path: Path) -> None:
    # no remote images, so the command needs nothing but 127.0.0.1
    for item in (tmp_project / "content").glob("*.md"):
        item.write_text(re.sub(r"(?m)^image: .*\n", "", item.read_text(encoding="utf-8")), encoding="utf-8")
    out = tmp_path / "signoff"
    result = CliRunner().invoke(main, ["preview", "issues/example.yaml", "--screenshot", str(out), "--as", "anna.keller@member-org.example"])
    assert result.exit_code == 0, result.output
    assert f"Wrote {out / 'desktop.png'}" in result.output and f"Wrote {out / 'mobile.png'}" in result.output
    assert f"Wrote {out / 'preview.png'}" in result.output
    assert _png_size(out / "desktop.png")[0] == 700 and _png_size(out / "mobile.png")[0] == 375
    assert (out / "desktop.png").stat().st_size > 10_000


def test_a_preview_started_on_a_broken_issue_shows_the_email_once_fixed(chromium, tmp_project: Path) -> None:
    issue = tmp_project / "issues/example.yaml"
    good = issue.read_text(encoding="utf-8")
    issue.write_text(good.replace("order: newest", "order: [newest"), encoding="utf-8")
    with Preview("issues/example.yaml", port=0) as preview:
        context = chromium.new_context()
        context.route("**/*", lambda route: route.continue_() if urlsplit(route.request.url).hostname == "127.0.0.1" else route.abort())
        page = context.new_page()
        try:
            page.goto(preview.url)
            expect(page.locator("#overlay")).to_be_visible(timeout=WAIT)
            expect(page.locator("#overlay-help")).to_contain_text("Nothing could be built yet")
            expect(page.locator("#error")).to_contain_text("issues/example.yaml:12")
            issue.write_text(good, encoding="utf-8")
            expect(email(page)).to_contain_text("Dear colleague,", timeout=WAIT)
            expect(page.locator("#overlay")).to_be_hidden()
            expect(page.locator("#subject")).to_have_text("Bulletin on EU Social Affairs #7 — January to June 2021")
        finally:
            context.close()
