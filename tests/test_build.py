"""End-to-end build of the example issue: parse the HTML and check items, sections, order, escaping."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import stat
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import lxml.html
import pytest
import yaml
from click.testing import CliRunner

from bulletin.build import build
from bulletin.check import run_checks
from bulletin.cli import main
from bulletin.errors import BulletinError, ConfigError, RenderError, SourceError

ISSUE = "issues/example.yaml"


def front_matter(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---")[1])


def bare(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def read_sections(html: bytes) -> tuple[list[str], dict[str, list[str]]]:
    """Item urls in reading order: ([featured], {section title: [urls]})."""
    doc = lxml.html.fromstring(html)
    featured: list[str] = []
    sections: dict[str, list[str]] = {}
    current = None
    for el in doc.iter("h2", "h3"):
        if el.tag == "h2" and el.get("id"):
            current = el.text_content().strip()
            sections[current] = []
        elif el.tag == "h2" and el.find(".//a") is not None:  # the featured story's heading
            featured.append(bare(el.find(".//a").get("href")))
        elif el.tag == "h3" and current is not None:
            sections[current].append(bare(el.find(".//a").get("href")))
    return featured, sections


@pytest.fixture
def built(tmp_project: Path):
    result = build(ISSUE)
    out = tmp_project / "build" / "example"
    return result, out


def test_writes_the_four_files(built):
    result, out = built
    assert sorted(p.name for p in out.iterdir()) == ["index.html", "index.mjml", "index.txt", "manifest.json"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["item_count"] == len(result.selection.items)
    assert manifest["sizes"]["html_bytes"] == len((out / "index.html").read_bytes())


def test_every_in_period_item_once_in_the_right_section_and_order(built, tmp_project):
    result, out = built
    items = {}
    for path in (tmp_project / "content").glob("*.md"):
        meta = front_matter(path)
        items[meta["url"]] = (meta["date"], meta.get("tags", []), path.relative_to(tmp_project).as_posix())
    start, end = dt.date(2021, 1, 1), dt.date(2021, 6, 30)
    excluded = {"content/2021-05-11-workshop.md"}
    expected = {url for url, (day, _, path) in items.items() if start <= day <= end and path not in excluded}
    assert "https://example.org/news/new-year-message" in expected  # boundary days are in the example data
    assert "https://example.org/news/mid-year-review" in expected

    featured, sections = read_sections((out / "index.html").read_bytes())
    assert featured == ["https://example.org/news/congress-2021"]
    shown = featured + [url for urls in sections.values() for url in urls]
    assert sorted(shown) == sorted(expected)  # each exactly once, nothing from outside the period

    order = [("Position papers", "Position paper"), ("Events", "Event"), ("Publications", "Publication"), ("More news", None)]
    for index, (title, tag) in enumerate(order):
        earlier_tags = {t for _, t in order[:index]}
        for url in sections.get(title, []):
            tags = set(items[url][1])
            assert tag is None or tag in tags, (title, url)
            assert not tags & earlier_tags, (title, url)  # the FIRST matching section wins
    assert sections["Publications"][0] == "https://example.org/news/annual-report"  # pinned
    for urls in sections.values():
        rest = [u for u in urls if u != "https://example.org/news/annual-report"]
        dates = [items[u][0] for u in rest]
        assert dates == sorted(dates, reverse=True)
    assert list(sections) == [s for s in ["Position papers", "Events", "Publications", "More news"] if sections.get(s)]


def test_out_of_period_and_excluded_items_absent(built):
    _, out = built
    html = (out / "index.html").read_text()
    for url in ("year-in-review", "summer-school", "news/workshop"):
        assert url not in html


def test_escaping_of_item_text(built, tmp_project, write):
    write("content/2021-02-02-evil.md", '---\ndate: 2021-02-02\ntitle: "Tom & Jerry \\"quoted\\" <script>alert(1)</script>"\n'
          "url: https://example.org/news/evil\ntags: [News]\n---\nSummary with <script>bad()</script> & <b>raw</b> html.\n")
    build(ISSUE)
    raw = (tmp_project / "build" / "example" / "index.html").read_text()
    doc = lxml.html.fromstring(raw.encode())
    assert not doc.xpath("//script")
    titles = [h.text_content().strip() for h in doc.iter("h3")]
    assert 'Tom & Jerry "quoted" <script>alert(1)</script>' in titles
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw and "&amp;" in raw
    assert not doc.xpath("//b[text()='raw']")
    text = (tmp_project / "build" / "example" / "index.txt").read_text()
    assert 'Tom & Jerry "quoted" <script>alert(1)</script>' in text


def test_doctype_media_and_inline_styles(built):
    _, out = built
    html = (out / "index.html").read_text()
    assert html.startswith("<!DOCTYPE html>") or html.lower().startswith("<!doctype html>")
    styles = " ".join(lxml.html.fromstring(html.encode()).xpath("//style/text()"))
    assert re.search(r"@media[^{]*\{[^}]*!important", styles)
    doc = lxml.html.fromstring(html.encode())
    assert all(h.get("style") for h in doc.iter("h3"))
    assert 'href="<%asm_group_unsubscribe_raw_url%>"' in html


def test_text_part_holds_every_item(built):
    result, out = built
    text = (out / "index.txt").read_text()
    for item in result.selection.items:
        assert item.title in text
        assert bare(item.url) in text


def test_deterministic(tmp_project):
    first = build(ISSUE, out="a")
    second = build(ISSUE, out="b")
    for name in ("index.html", "index.txt", "index.mjml", "manifest.json"):
        assert (first.out_dir / name).read_bytes() == (second.out_dir / name).read_bytes()


def test_utm_on_item_links_only(built):
    _, out = built
    doc = lxml.html.fromstring((out / "index.html").read_bytes())
    hrefs = [a.get("href") for a in doc.iter("a") if a.get("href") is not None]  # not the <a name> targets
    item_links = [h for h in hrefs if h.startswith("https://example.org/news/")]
    assert item_links and all("utm_source=bulletin" in h and "utm_campaign=example" in h for h in item_links)
    assert "<%asm_group_unsubscribe_raw_url%>" in hrefs
    assert "https://example.org/bulletin/example/" in hrefs  # view in browser, untouched


def test_manifest_reports_left_out(built):
    result, _ = built
    counts = result.manifest["left_out_counts"]
    assert counts["excluded"] == 1
    assert counts["outside period"] >= 2


def test_nothing_written_when_a_source_is_broken(tmp_project, write):
    write("content/2021-03-03-bad.md", "---\ndate: soon\ntitle: Bad\nurl: https://example.org/x\n---\n")
    with pytest.raises(SourceError, match=r"content/2021-03-03-bad.md:2: date"):
        build(ISSUE)
    assert not (tmp_project / "build").exists()


def test_a_missing_source_is_named_where_the_issue_lists_it(tmp_project, write):
    write("issues/s.yaml", "title: T\nperiod: {start: 2021-01-01, end: 2021-06-30}\nsections: [{title: All}]\n"
          "source:\n  - content/\n  - news.csv\n")
    with pytest.raises(SourceError) as info:
        build("issues/s.yaml")
    assert [str(p) for p in info.value.problems] == [
        f"issues/s.yaml:6: source: news.csv: no such file or folder (looked for {tmp_project / 'news.csv'})"
    ]
    assert not (tmp_project / "build").exists()


def test_files_get_the_usual_permissions(tmp_project):
    umask = os.umask(0o022)
    try:
        result = build(ISSUE)
    finally:
        os.umask(umask)
    assert {stat.S_IMODE(f.stat().st_mode) for f in result.out_dir.iterdir()} == {0o644}


def test_a_failed_write_leaves_no_partial_files(tmp_project):
    (tmp_project / "build" / "example" / "index.mjml").mkdir(parents=True)  # cannot be replaced by a file
    with pytest.raises(BulletinError, match="cannot write the build to"):
        build(ISSUE)
    assert [p.name for p in (tmp_project / "build" / "example").iterdir()] == ["index.mjml"]


def test_nothing_written_when_a_template_fails(tmp_project, write):
    build(ISSUE)
    before = (tmp_project / "build" / "example" / "index.html").read_bytes()
    write("templates/default/email.txt.j2", "{{ issue.title }}\n{{ nope }}\n")
    with pytest.raises(RenderError, match=r"templates/default/email.txt.j2:2: 'nope' is undefined"):
        build(ISSUE)
    assert (tmp_project / "build" / "example" / "index.html").read_bytes() == before


def test_period_with_no_items_is_an_error(tmp_project, write):
    write("issues/empty.yaml", "title: T\nperiod: {start: 2030-01-01, end: 2030-06-30}\nsections: [{title: All}]\n")
    with pytest.raises(ConfigError, match="no items to put in the issue"):
        build("issues/empty.yaml")


def test_sources_without_items_say_so(tmp_project, write):
    (tmp_project / "drafts").mkdir()
    write("drafts/notes.txt", "not an item\n")
    write("issues/empty.yaml", "title: T\nperiod: {start: 2021-01-01, end: 2021-06-30}\nsections: [{title: All}]\nsource: drafts/\n")
    with pytest.raises(ConfigError, match=r"^issues/empty.yaml: no items to put in the issue: drafts/ holds none"):
        build("issues/empty.yaml")


def test_unknown_section_tag_is_a_warning_with_hint(tmp_project, write):
    write("issues/w.yaml", "title: T\nperiod: {start: 2021-01-01, end: 2021-06-30}\n"
          "sections: [{title: Events, tags: [Evnt]}, {title: More}]\n")
    result = build("issues/w.yaml")
    assert "issues/w.yaml:3: section 'Events': no item has the tag 'Evnt' (did you mean 'Event'?)" in result.warnings
    assert not [w for w in result.warnings if "is not a section's tag" in w]  # the section's tag is the typo, not the items'
    assert not [w for w in result.warnings if "is empty" in w]  # the warning above says why


def test_item_fields_bulletin_does_not_use_are_one_warning_each(tmp_project, write):
    for name in ("a", "b", "c"):
        write(f"content/2021-02-0{'abc'.index(name) + 1}-{name}.md",
              f"---\ndate: 2021-02-0{'abc'.index(name) + 1}\ntitle: {name}\nurl: https://example.org/{name}\n"
              f"author: Ann\n{'lang: fr' if name == 'c' else ''}\n---\n")
    result = build(ISSUE)
    assert [w for w in result.warnings if "not an item field" in w] == [
        "content/2021-02-01-a.md:1: 'author' is not an item field, so it is ignored (and 2 more items)",
        "content/2021-02-03-c.md:1: 'lang' is not an item field, so it is ignored",
    ]
    assert json.loads((tmp_project / "build" / "example" / "manifest.json").read_text())["warnings"] == result.warnings


def test_section_tag_in_another_case_matches_without_warning(tmp_project, write):
    write("issues/w.yaml", "title: T\nperiod: {start: 2021-01-01, end: 2021-06-30}\n"
          "sections: [{title: Events, tags: [event]}, {title: More}]\n")
    result = build("issues/w.yaml")
    assert not [w for w in result.warnings if "no item has the tag" in w]
    assert result.selection.sections[0].title == "Events" and all("Event" in i.tags for i in result.selection.sections[0].items)


def test_weight_budget_for_thirty_items(tmp_project):
    result = build(ISSUE)
    assert len(result.selection.items) >= 20
    assert result.manifest["sizes"]["html_bytes"] <= 60 * 1024


def _feed(*days: str) -> str:
    entries = "".join(
        f"<item><title>On {day}</title><link>https://example.org/feed/{day}</link>"
        f"<pubDate>{dt.date.fromisoformat(day).strftime('%a, %d %b %Y')} 10:00:00 GMT</pubDate></item>"
        for day in days
    )
    return f'<rss version="2.0"><channel><title>x</title>{entries}</channel></rss>'


@pytest.mark.parametrize(("days", "warned"), [
    (("2021-06-20", "2021-05-02"), True),   # the newest entries only: January to April may be missing
    (("2021-06-20", "2020-12-15"), False),  # reaches back before the period
])
def test_a_feed_that_does_not_reach_the_period_start_is_a_warning(tmp_project, write, days, warned):
    write("feed.xml", _feed(*days))
    write("issues/f.yaml", "title: T\nperiod: {start: 2021-01-01, end: 2021-06-30}\nsource: feed.xml\nsections: [{title: All}]\n")
    result = build("issues/f.yaml")
    reach = [w for w in result.warnings if "oldest entry" in w]
    assert reach == ([
        "feed.xml: its oldest entry is from 2021-05-02, after the period starts (2021-01-01): older items may be missing, "
        "as a feed lists only the newest entries (WordPress: 10, set under Settings > Reading > 'Syndication feeds show "
        "the most recent'; or add the next page, e.g. …/feed/?paged=2, as another source)"
    ] if warned else [])


def test_control_characters_in_a_spreadsheet_cell_do_not_break_the_build(tmp_project, write):
    (tmp_project / "items.csv").write_bytes(b'date,title,url,summary\n2021-06-10,"A\x00 \x1b[31mB",https://example.org/z,"s\x01"\n')
    write("issues/c.yaml", "title: T\nperiod: {start: 2021-06-01, end: 2021-06-30}\nsource: items.csv\nsections: [{title: A}]\n")

    result = build("issues/c.yaml")

    html = (result.out_dir / "index.html").read_text(encoding="utf-8")
    assert "A [31mB" in html and "\x00" not in html and "\x1b" not in html


def test_a_copied_item_file_whose_url_was_not_changed_is_a_warning(tmp_project, write):
    # staff copy last month's file as a start; forgetting the url silently dropped the new item as a "duplicate"
    old = (tmp_project / "content/2021-06-10-industrial-strategy.md").read_text(encoding="utf-8")
    write("content/2021-06-29-new-item.md", old.replace("date: 2021-06-10", "date: 2021-06-29").replace(
        "EU Industrial Strategy Update", "A brand new item"))

    result = build(ISSUE)

    assert (
        "content/2021-06-29-new-item.md:1: has the same url as content/2021-06-10-industrial-strategy.md:1 "
        "(https://example.org/news/industrial-strategy) but another title, so it is left out as a duplicate; "
        "give it its own url"
    ) in result.warnings


def test_the_same_news_from_a_feed_and_a_file_is_no_warning(tmp_project, write):
    write("more/items.yaml", "- date: 2021-06-10\n  title: EU Industrial Strategy Update\n"
          "  url: https://example.org/news/industrial-strategy/\n")
    write("issues/d.yaml", "title: T\nperiod: {start: 2021-01-01, end: 2021-06-30}\nsource: [content/, more/items.yaml]\n"
          "sections: [{title: All}]\n")
    title = front_matter(tmp_project / "content/2021-06-10-industrial-strategy.md")["title"]
    write("more/items.yaml", f"- date: 2021-06-10\n  title: {json.dumps(title)}\n  url: https://example.org/news/industrial-strategy/\n")

    result = build("issues/d.yaml")

    assert not [w for w in result.warnings if "duplicate" in w]
    assert result.manifest["left_out_counts"]["duplicate"] == 1


EDITOR_ISSUE = """\
title: T
period: {start: 2021-01-01, end: 2021-06-30}
sections:
  - {title: News, tags: [News]}
  - {title: Position papers, tags: [Position paper]}
  - {title: Events, tags: [Event]}
  - {title: More news}
"""


def test_an_empty_section_is_a_warning_saying_why_and_match_order_fills_it(tmp_project, write):
    write("issues/w.yaml", EDITOR_ISSUE)
    result = build("issues/w.yaml")
    assert [s.title for s in result.selection.sections] == ["News", "Position papers", "Events", "More news"]
    write("content/2021-03-01-summit.md", "---\ndate: 2021-03-01\ntitle: Summit\nurl: https://example.org/summit\ntags: [News, Event]\n---\n")
    for name in ("2021-01-27-webinar-digital-inclusion", "2021-05-11-workshop", "2021-05-20-congress-2021"):
        path = tmp_project / "content" / f"{name}.md"
        path.write_text(path.read_text(encoding="utf-8").replace("tags: [Event]", "tags: [News, Event]"), encoding="utf-8")
    result = build("issues/w.yaml")
    assert "Events" not in [s.title for s in result.selection.sections]
    assert ("issues/w.yaml:6: section 'Events' is empty, so it is left out: all 4 items tagged Event went to News, which comes "
            "earlier in sections (add match_order: to say which section takes an item first)") in result.warnings
    assert build("issues/w.yaml").warnings == json.loads((tmp_project / "build" / "w" / "manifest.json").read_text())["warnings"]
    write("issues/w.yaml", EDITOR_ISSUE + "match_order: [Events, Position papers]\n")
    result = build("issues/w.yaml")
    assert [len(s.items) for s in result.selection.sections if s.title == "Events"] == [4]
    assert not [w for w in result.warnings if "is empty" in w]


def test_an_item_tag_close_to_a_section_tag_is_a_warning(tmp_project, write):
    write("content/2021-03-01-summit.md", "---\ndate: 2021-03-01\ntitle: Summit\nurl: https://example.org/summit\ntags: [Events]\n---\n")
    write("issues/w.yaml", EDITOR_ISSUE)
    result = build("issues/w.yaml")
    assert "content/2021-03-01-summit.md:1: tag 'Events' is not a section's tag: did you mean 'Event' (section 'Events')?" in result.warnings
    checked = run_checks(result)
    assert "tag 'Events' is not a section's tag: did you mean 'Event' (section 'Events')?" in [f.message for f in checked.warnings]


# --- issue 9: titles exactly as written -----------------------------------------------------------

FRENCH = "Transparence salariale\u00a0: quelles suites\u202f? 10\u2007000 membres"
FRENCH_SUMMARY = "Notre avis\u00a0: oui\u202f!"
NO_BREAK = "\u00a0\u202f\u2007"


def _source(kind: str) -> tuple[str, str]:
    """(file name, text) of a source holding one item titled FRENCH, in the given format."""
    if kind == "markdown":
        return "content/2021-03-01-fr.md", (f'---\ndate: 2021-03-01\ntitle: "{FRENCH}"\nurl: https://example.org/fr\n'
                                            f"tags: [News]\n---\n{FRENCH_SUMMARY}\n")
    if kind == "yaml":
        return "items.yaml", (f'- date: 2021-03-01\n  title: "{FRENCH}"\n  url: https://example.org/fr\n  tags: [News]\n'
                              f'  summary: "{FRENCH_SUMMARY}"\n')
    if kind == "csv":
        return "items.csv", f"date,title,url,tags,summary\n2021-03-01,{FRENCH},https://example.org/fr,News,{FRENCH_SUMMARY}\n"
    return "feed.xml", ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>F</title><link>https://example.org/</link>'
                        f"<description>d</description><item><title>{FRENCH}</title><link>https://example.org/fr</link>"
                        f"<pubDate>Mon, 01 Mar 2021 10:00:00 +0000</pubDate><category>News</category>"
                        f"<description>{FRENCH_SUMMARY}</description></item></channel></rss>")


@pytest.mark.parametrize("kind", ["markdown", "yaml", "csv", "feed"])
def test_no_break_spaces_are_kept_end_to_end(tmp_project, write, kind):
    """Issue 9: U+00A0, U+202F and U+2007 in titles and summaries (French typography) were turned into plain spaces."""
    name, text = _source(kind)
    write(name, text)
    source = "content/" if kind == "markdown" else name
    write("issues/fr.yaml", f'title: "Bulletin\u00a0#8"\nsubject: "Bulletin\u00a0: suites\u202f?"\nsource: {source}\n'
                            "period: {start: 2021-01-01, end: 2021-06-30}\nsections: [{title: All}]\n"
                            f'notes: {{All: "En ligne\u00a0!"}}\nintro: "Bienvenue\u202f!"\n')
    result = build("issues/fr.yaml")
    root = lxml.html.fromstring(result.rendered.html.encode())
    assert FRENCH in [link.text_content().strip() for link in root.iter("a")]  # the title links to the item
    body = root.text_content()
    for expected in (FRENCH, FRENCH_SUMMARY, "En ligne\u00a0!", "Bienvenue\u202f!"):
        assert expected in body
        assert expected in result.rendered.text
    assert result.spec.subject == "Bulletin\u00a0: suites\u202f?" and result.spec.title == "Bulletin\u00a0#8"
    manifest = json.loads((tmp_project / "build" / "fr" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["subject"] == "Bulletin\u00a0: suites\u202f?"
    assert [i["title"] for s in manifest["sections"] for i in s["items"] if "Transparence" in i["title"]] == [FRENCH]

    if kind == "markdown":
        listed = CliRunner().invoke(main, ["items", "--from", "2021-03-01", "--to", "2021-03-01"], env={"COLUMNS": "200"})
        assert FRENCH in listed.output


def test_a_title_yaml_misreads_builds_as_written_with_a_note(tmp_project, write):
    write("content/2021-03-01-stand-up.md", '---\ndate: 2021-03-01\ntitle: "Stand Up: "A solidarity Action Plan for All" event"\n'
                                            "url: https://example.org/stand-up\ntags: [News]\n---\n")
    result = build(ISSUE)
    title = 'Stand Up: "A solidarity Action Plan for All" event'
    assert title in [link.text_content().strip() for link in lxml.html.fromstring(result.rendered.html.encode()).iter("a")]
    assert title in result.rendered.text
    [note] = [w for w in result.warnings if w.startswith("content/2021-03-01-stand-up.md:3: title: read as written")]
    assert note.endswith('write: title: "Stand Up: \\"A solidarity Action Plan for All\\" event"')
    assert "title: read as written" in " ".join(f.message for f in run_checks(result).warnings)


def test_an_items_translation_file_is_its_title_in_that_edition(trilingual: Path, write) -> None:
    """Issue 17: content/x.fr.md reaches the French edition through the sources; the Italian one falls back."""
    title = 'Congrès 2021 & "économie sociale" <script>x</script>\u00a0!'
    write("content/2021-05-20-congress-2021.fr.md", f"---\ntitle: '{title}'\nurl: https://example.org/fr/congres\n---\nEn ligne.\n")
    write("content/2021-05-20-congress-2021.de.md", "---\ntitle: Kongress\n---\n")

    result = build("issues/tri.yaml")

    assert not any(item.path and item.path.endswith((".fr.md", ".de.md")) for item in result.items)
    fr = lxml.html.fromstring(result.editions["fr"].rendered.html)
    [link] = [a for a in fr.iter("a") if a.text_content().strip() == title]
    assert urlsplit(link.get("href")).path == "/fr/congres"
    assert "En ligne." in fr.text_content()
    it = lxml.html.fromstring(result.editions["it"].rendered.html)
    assert title not in it.text_content() and "En ligne." not in it.text_content()
    assert any("2021-05-20-congress-2021.de.md" in warning and "'de' is not one of the languages" in warning
               for warning in result.warnings)
