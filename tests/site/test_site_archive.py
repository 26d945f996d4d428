"""The archive page and the Atom feed: the published issues only, newest first, valid for feed readers."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import feedparser
import lxml.etree
import lxml.html
from sitetools import T0

from bulletin.ledger import Ledger
from bulletin.site import publish

SITE = "https://example.org/bulletin/"


def two_published(root: Path) -> None:
    publish("issues/2021-q1.yaml", clock=lambda: T0)
    publish("issues/2021-q3.yaml", clock=lambda: T0 + dt.timedelta(days=90))


def test_feed_parses_with_two_entries_linking_to_existing_pages(quarters):
    two_published(quarters)
    feed = feedparser.parse((quarters / "site" / "feed.xml").read_bytes())
    assert not feed.bozo, feed.bozo_exception
    assert feed.version == "atom10"
    assert feed.feed.title == "ESNF Bulletin"
    assert feed.feed.id == SITE
    assert feed.feed.author_detail.name == "European Social Network Federation"
    assert [link.href for link in feed.feed.links if link.rel == "self"] == [f"{SITE}feed.xml"]
    assert feed.feed.updated == "2021-10-03T07:00:00Z"
    assert [e.title for e in feed.entries] == ["Bulletin #7", "Bulletin #5"]
    for entry in feed.entries:
        assert entry.link.startswith(SITE)
        assert (quarters / "site" / entry.link.removeprefix(SITE) / "index.html").is_file()
        assert entry.summary == "What we did this quarter"
    assert [e.id for e in feed.entries] == ["tag:example.org,2021-10-03:2021-q3", "tag:example.org,2021-07-05:2021-q1"]
    assert [e.published for e in feed.entries] == ["2021-10-03T07:00:00Z", "2021-07-05T07:00:00Z"]


def test_feed_content_lists_the_sections_and_item_titles_with_links(quarters):
    two_published(quarters)
    [_, q1] = feedparser.parse((quarters / "site" / "feed.xml").read_bytes()).entries
    content = lxml.html.fragment_fromstring(q1.content[0].value, create_parent="div")
    assert [h.text_content() for h in content.iter("h2")] == ["Position papers", "More news"]
    links = [(a.text_content(), a.get("href")) for a in content.iter("a")]
    assert ("Consultation on minimum income: our response", "https://example.org/news/minimum-income-consultation") in links
    assert all("utm_" not in href for _, href in links)


def test_feed_is_well_formed_atom(quarters):
    two_published(quarters)
    root = lxml.etree.parse(str(quarters / "site" / "feed.xml")).getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    assert root.tag == f"{atom}feed"
    for entry in root.iter(f"{atom}entry"):
        # RFC 4287 4.1.2: exactly one id, title, updated; an alternate link
        assert [len(entry.findall(f"{atom}{name}")) for name in ("id", "title", "updated")] == [1, 1, 1]
        assert entry.find(f"{atom}link[@rel='alternate']") is not None
        assert entry.find(f"{atom}content").get("type") == "html"


def test_archive_lists_title_period_date_preheader_and_link(quarters):
    two_published(quarters)
    page = lxml.html.parse(str(quarters / "site" / "index.html")).getroot()
    assert page.get("lang") == "en"
    assert page.findtext(".//title") == "ESNF Bulletin"
    entries = page.cssselect("main li")
    assert [" ".join(li.text_content().split()) for li in entries] == [
        "July – September 2021 · Published 3 October 2021 Bulletin #7 What we did this quarter",
        "January – March 2021 · Published 5 July 2021 Bulletin #5 What we did this quarter",
    ]
    assert page.xpath('//link[@rel="alternate"]/@href') == ["feed.xml"]
    assert "European Social Network Federation" in page.findtext(".//header//p")


def test_archive_shows_when_an_issue_was_sent(quarters):
    two_published(quarters)
    with Ledger(quarters / ".bulletin" / "ledger.db", clock=lambda: T0 - dt.timedelta(days=1)) as ledger, ledger.transaction():
        for slug, transport in (("2021-q1", "sendgrid"), ("2021-q3", "outbox")):
            ledger.create_dispatch(kind="real", slug=slug, list_name="members", transport=transport, content_hash="x",
                                   content={}, fields=[], subscribers="subscribers.example.csv", state="done")
    publish(clock=lambda: T0 + dt.timedelta(days=90))
    page = lxml.html.parse(str(quarters / "site" / "index.html")).getroot()
    assert [li.cssselect(".mt")[0].text_content() for li in page.cssselect("main li")] == [
        "July – September 2021 · Published 3 October 2021",  # only written to the outbox: not sent
        "January – March 2021 · Sent 4 July 2021",
    ]


def test_nothing_left_after_the_last_unpublish(quarters):
    from bulletin.site import unpublish

    publish("issues/2021-q1.yaml", clock=lambda: T0)
    unpublish("issues/2021-q1.yaml", clock=lambda: T0 + dt.timedelta(days=1))
    feed = feedparser.parse((quarters / "site" / "feed.xml").read_bytes())
    assert not feed.bozo and feed.entries == []
    assert feed.feed.updated == "2021-07-06T07:00:00Z"
    page = lxml.html.parse(str(quarters / "site" / "index.html")).getroot()
    assert "No issue is published yet." in page.text_content()


def test_archive_and_web_edition_carry_the_brand_and_a_neutral_greeting(quarters):
    config = quarters / "bulletin.yaml"
    config.write_text(config.read_text(encoding="utf-8") + (
        'brand: {colour: "#7a1f3d", logo: {src: "https://example.org/logo.png", alt: "ESNF logo", width: 160},'
        ' font: "\'Open Sans\', Arial, sans-serif"}\ngreeting: "Hello {first_name} & welcome,"\n'
    ), encoding="utf-8")
    publish("issues/2021-q1.yaml", clock=lambda: T0)
    page = lxml.html.parse(str(quarters / "site" / "index.html")).getroot()
    assert "header{background:#7a1f3d;" in page.findtext(".//style")
    assert page.find("body").get("style") == "font-family:Open Sans, Arial, sans-serif"  # as the brand gives it
    [logo] = page.cssselect("header img")
    assert (logo.get("src"), logo.get("alt")) == ("https://example.org/logo.png", "ESNF logo")
    web = lxml.html.parse(str(quarters / "site" / "2021-q1" / "index.html")).getroot()
    assert "Hello colleague & welcome," in " ".join(web.text_content().split())
