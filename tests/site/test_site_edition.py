"""The web edition: the email's look with nothing personal in it, and what a shared link needs."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from bulletin.build import build, prepare
from bulletin.render import render_issue
from bulletin.site import publish

URL = "https://example.org/bulletin/example/"


def page(root: Path, slug: str = "example") -> lxml.html.HtmlElement:
    return lxml.html.parse(str(root / "site" / slug / "index.html")).getroot()


def meta(doc: lxml.html.HtmlElement, key: str) -> str | None:
    found = doc.xpath(f'//meta[@property="{key}" or @name="{key}"]/@content')
    return found[0] if found else None


@pytest.fixture
def web(tmp_project: Path) -> lxml.html.HtmlElement:
    publish("issues/example.yaml")
    return page(tmp_project)


def test_every_item_title_and_nothing_personal(tmp_project, web):
    html = (tmp_project / "site" / "example" / "index.html").read_text(encoding="utf-8")
    result = prepare("issues/example.yaml")
    text = " ".join(web.text_content().split())
    for item in result.selection.items:
        assert item.title in text
    for marker in ("*|", "<%", "%>", "utm_"):
        assert marker not in html
    assert "Dear colleague," in text
    hrefs = [a.get("href") or "" for a in web.iter("a")]
    assert not [h for h in hrefs if "unsubscribe" in h.lower()]
    assert not [a for a in web.iter("a") if "unsubscribe" in a.text_content().lower() or "view in browser" in a.text_content().lower()]
    assert URL not in hrefs  # no link to itself


def test_head_has_the_card_the_canonical_address_and_the_feed(web):
    head = web.find("head")
    assert head.findtext("title") == "Bulletin on EU Social Affairs #7 — January to June 2021"
    description = "Position papers, events and publications of the last six months"
    assert meta(web, "description") == description
    assert head.xpath('link[@rel="canonical"]/@href') == [URL]
    [feed] = head.xpath('link[@rel="alternate"]')
    assert (feed.get("type"), feed.get("href")) == ("application/atom+xml", "../feed.xml")
    assert meta(web, "og:title") == "Bulletin on EU Social Affairs #7"
    assert meta(web, "og:description") == description
    assert meta(web, "og:url") == URL
    assert meta(web, "og:type") == "article"
    assert meta(web, "og:image") == "https://example.org/img/congress-2021.jpg"  # the featured item's picture
    assert meta(web, "twitter:card") == "summary_large_image"
    assert meta(web, "twitter:image") == meta(web, "og:image")


def test_the_emails_view_in_browser_link_is_this_page(tmp_project, web):
    email = lxml.html.parse(str(build("issues/example.yaml").out_dir / "index.html")).getroot()
    [link] = [a for a in email.iter("a") if a.text_content() == "View in browser"]
    assert link.get("href") == URL == web.xpath('//link[@rel="canonical"]/@href')[0]
    assert (tmp_project / "site" / "example" / "index.html").is_file()


def test_a_link_back_to_the_archive_and_subscribe(tmp_project):
    config = tmp_project / "bulletin.yaml"
    config.write_text(config.read_text(encoding="utf-8") + 'subscribe_url: "https://example.org/newsletter?a=1&b=2"\n', encoding="utf-8")
    publish("issues/example.yaml")
    links = [(a.text_content(), a.get("href")) for a in page(tmp_project).iter("a")]
    assert ("← All issues", "../index.html") in links
    assert ("All issues", "../index.html") in links
    assert links.count(("Subscribe", "https://example.org/newsletter?a=1&b=2")) == 2  # top and footer
    email = prepare("issues/example.yaml").rendered.html
    assert "Subscribe<" not in email and "All issues" not in email  # the email itself is unchanged


def test_an_archive_served_elsewhere_is_linked_by_its_address(tmp_project):
    config = tmp_project / "bulletin.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "archive_url: https://example.org/news/bulletins\n", encoding="utf-8")
    publish("issues/example.yaml")
    assert ("All issues", "https://example.org/news/bulletins") in [(a.text_content(), a.get("href")) for a in page(tmp_project).iter("a")]
    archive = lxml.html.parse(str(tmp_project / "site" / "index.html")).getroot()
    assert archive.xpath('//link[@rel="canonical"]/@href') == ["https://example.org/news/bulletins"]


def test_neutral_value_of_a_merge_tag_from_the_project(tmp_project):
    config = tmp_project / "bulletin.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("{name: colleague}", "{name: reader & friend}"), encoding="utf-8")
    publish("issues/example.yaml")
    assert "Dear reader & friend," in page(tmp_project).text_content()


def test_titles_come_out_exactly(tmp_project):
    spec = tmp_project / "issues" / "example.yaml"
    title = 'Tom & Jerry\u00a0"quoted" <script>alert(1)</script>'
    spec.write_text(spec.read_text(encoding="utf-8").replace('title: "Bulletin on EU Social Affairs #7"', f"title: '{title}'"), encoding="utf-8")
    publish("issues/example.yaml")
    assert prepare("issues/example.yaml").spec.title == title
    web = page(tmp_project)
    assert meta(web, "og:title") == title and meta(web, "twitter:title") == title
    assert web.xpath("//h1")[0].text_content() == title
    assert not web.xpath("//script")
    archive = lxml.html.parse(str(tmp_project / "site" / "index.html")).getroot()
    assert [a.text_content() for a in archive.cssselect("main li h2 a")] == [title]


def test_the_email_render_is_unchanged_by_the_web_flag(tmp_project):
    result = prepare("issues/example.yaml")
    again = render_issue(result.project, result.spec, result.selection)
    assert again.html == result.rendered.html
    assert "*|FIRST_NAME|*" in again.html and "<%asm_group_unsubscribe_raw_url%>" in again.html
