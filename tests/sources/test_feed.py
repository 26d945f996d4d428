"""RSS and Atom feeds, from a file and from a loopback HTTP server: fields, sanitising, errors."""

from __future__ import annotations

import datetime as dt
import socket

import pytest

from bulletin.errors import SourceError
from bulletin.model import Image
from bulletin.sources import feed, load

RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/">
<channel>
  <title>Federation news</title>
  <link>https://example.org/</link>
  <description>News of the federation</description>
  <item>
    <title>Care workers &amp; the "European Care Strategy"</title>
    <link>https://example.org/news/care-workers</link>
    <pubDate>Tue, 15 Jun 2021 23:30:00 +0200</pubDate>
    <category>Position paper</category>
    <category>News</category>
    <description><![CDATA[<p>Our <strong>paper</strong> is <a href="https://example.org/p" onclick="steal()">here</a>.</p>
      <script>alert('xss')</script><style>p { color: red }</style><div class="x">Kept <span>text</span></div>
      <img src="https://example.org/tracker.gif"><a href="javascript:alert(1)">bad link</a>]]></description>
    <media:content url="https://example.org/img/care.jpg" type="image/jpeg" medium="image"/>
  </item>
  <item>
    <title>Annual report</title>
    <link>https://example.org/news/annual-report</link>
    <pubDate>Tue, 20 Apr 2021 10:00:00 GMT</pubDate>
    <enclosure url="https://example.org/report.pdf" type="application/pdf" length="1000"/>
    <enclosure url="https://example.org/img/report.png" type="image/png" length="1000"/>
  </item>
</channel>
</rss>
"""

ATOM = b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom">
  <title>Federation news</title>
  <id>urn:uuid:feed</id>
  <updated>2021-06-20T10:00:00Z</updated>
  <entry>
    <title type="html">Bold &lt;b&gt;claim&lt;/b&gt; &amp;amp; more</title>
    <link rel="alternate" href="https://example.org/news/atom-1"/>
    <id>urn:uuid:1</id>
    <updated>2021-06-20T10:00:00+02:00</updated>
    <category term="Event"/>
    <content type="html">&lt;p&gt;Hello &lt;em&gt;world&lt;/em&gt;&lt;/p&gt;&lt;script&gt;evil()&lt;/script&gt;&lt;ul&gt;&lt;li&gt;one&lt;/li&gt;&lt;/ul&gt;</content>
    <link rel="enclosure" type="image/png" href="https://example.org/img/atom.png"/>
  </entry>
</feed>
"""


def check_rss_items(items, name):
    first, second = items
    assert first.title == 'Care workers & the "European Care Strategy"'
    assert first.url == "https://example.org/news/care-workers"
    assert first.date == dt.date(2021, 6, 15)  # the publisher's day, not UTC's (which is the 15th 21:30)
    assert first.tags == ("Position paper", "News")
    assert first.summary_format == "html"
    assert first.image == Image(src="https://example.org/img/care.jpg", alt=first.title)
    assert first.origin == f"{name} entry 1"
    assert first.path is None
    summary = first.summary
    assert '<p>Our <strong>paper</strong> is <a href="https://example.org/p">here</a>.</p>' in summary
    assert "script" not in summary and "alert" not in summary
    assert "style" not in summary and "color" not in summary
    assert "onclick" not in summary and "<div" not in summary and "<span" not in summary and "<img" not in summary
    assert "Kept text" in summary
    assert "javascript" not in summary and "bad link" in summary
    assert (second.title, second.date, second.tags, second.summary) == ("Annual report", dt.date(2021, 4, 20), (), "")
    assert second.image == Image(src="https://example.org/img/report.png", alt="Annual report")
    assert second.origin == f"{name} entry 2"


def test_rss_file(tmp_path, write):
    write("feeds/news.rss", RSS)

    items = load("feeds/news.rss", root=tmp_path)

    check_rss_items(items, "feeds/news.rss")


def test_atom_file(tmp_path, write):
    path = write("feed.atom", ATOM)

    [item] = feed.read(path, root=tmp_path)

    assert item.title == "Bold claim & more"
    assert item.url == "https://example.org/news/atom-1"
    assert item.date == dt.date(2021, 6, 20)
    assert item.tags == ("Event",)
    assert item.summary == "<p>Hello <em>world</em></p><ul><li>one</li></ul>"
    assert item.image == Image(src="https://example.org/img/atom.png", alt="Bold claim & more")
    assert item.origin == "feed.atom entry 1"


def test_rss_over_http_with_the_default_fetcher(tmp_path, feed_server):
    feed_server.routes["/news.xml"] = (200, "application/rss+xml", RSS)
    url = f"{feed_server.url}/news.xml"

    items = load(url, root=tmp_path)

    check_rss_items(items, url)
    [headers] = feed_server.requests
    assert headers["User-Agent"].startswith("bulletin/")


def test_atom_over_http_resolves_relative_links_against_the_feed_url(tmp_path, feed_server):
    relative = ATOM.replace(b"&lt;p&gt;Hello", b"&lt;p&gt;&lt;a href=&quot;/about&quot;&gt;About&lt;/a&gt; Hello")
    feed_server.routes["/feed.atom"] = (200, "application/atom+xml", relative)

    [item] = load(f"{feed_server.url}/feed.atom", root=tmp_path)

    assert f'<a href="{feed_server.url}/about">About</a>' in item.summary
    assert item.title == "Bold claim & more"


def test_http_error_names_the_url(tmp_path, feed_server):
    url = f"{feed_server.url}/missing.xml"

    with pytest.raises(SourceError) as info:
        load(url, root=tmp_path)

    assert str(info.value) == f"{url}: cannot fetch the feed: HTTP 404 Not Found"


def test_a_trickling_feed_ends_at_the_deadline_with_an_error_naming_the_url(tmp_path, feed_server, monkeypatch):
    import time

    ended = []

    def trickle(out) -> None:  # one byte every 0.2 s: each read is quick, the whole never ends
        try:
            for _ in range(300):
                out.write(b" ")
                out.flush()
                time.sleep(0.2)
        except OSError:
            ended.append("client left")
            return
        ended.append("server ended")

    monkeypatch.setattr(feed, "TIMEOUT", 1)
    feed_server.routes["/slow.xml"] = (200, "application/rss+xml", trickle, {"Content-Length": "100000"})
    url = f"{feed_server.url}/slow.xml"

    with pytest.raises(SourceError) as info:
        load(url, root=tmp_path)

    assert str(info.value) == f"{url}: cannot fetch the feed: no complete answer within 1 s"
    for _ in range(50):  # the server notices at its next byte
        if ended:
            break
        time.sleep(0.1)
    assert ended == ["client left"]  # cut at the deadline, not when the server stopped


def test_connection_refused_names_the_url(tmp_path):
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener now
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/feed.xml"

    with pytest.raises(SourceError) as info:
        load(url, root=tmp_path)

    assert str(info.value).startswith(f"{url}: cannot fetch the feed: ")


def test_injected_fetcher_and_its_errors(tmp_path):
    seen = []

    def fetch(url: str) -> bytes:
        seen.append(url)
        return RSS

    def broken(url: str) -> bytes:
        raise ConnectionResetError("connection reset by peer")

    items = load("https://example.org/feed.xml", root=tmp_path, fetch=fetch)
    with pytest.raises(SourceError) as info:
        load("https://example.org/feed.xml", root=tmp_path, fetch=broken)

    assert seen == ["https://example.org/feed.xml"]
    assert items[0].origin == "https://example.org/feed.xml entry 1"
    assert str(info.value) == "https://example.org/feed.xml: cannot fetch the feed: connection reset by peer"


def test_entries_without_date_or_link_are_reported_together(tmp_path, write):
    rss = b"""<rss version="2.0"><channel><title>x</title>
      <item><title>Fine</title><link>https://example.org/a</link><pubDate>Tue, 15 Jun 2021 10:00:00 GMT</pubDate></item>
      <item><title>No date</title><link>https://example.org/b</link></item>
      <item><title>No link</title><pubDate>Tue, 15 Jun 2021 10:00:00 GMT</pubDate></item>
      <item><link>https://example.org/d</link><pubDate>sometime soon</pubDate></item>
    </channel></rss>"""
    write("feed.xml", rss)

    with pytest.raises(SourceError) as info:
        load("feed.xml", root=tmp_path)

    assert str(info.value).splitlines() == [
        "Invalid items in feed.xml (4 problems):",
        "  feed.xml entry 2: date: required (the entry has no published or updated date)",
        "  feed.xml entry 3: url: required (the entry has no link)",
        "  feed.xml entry 4: date: expected a date, got 'sometime soon'",
        "  feed.xml entry 4: title: required",
    ]


def test_wordpress_excerpt_boilerplate_is_dropped(tmp_path, write):
    rss = b"""<rss version="2.0"><channel><title>x</title>
      <item><title>Paper</title><link>https://example.org/a</link><pubDate>Tue, 15 Jun 2021 10:00:00 GMT</pubDate>
        <description><![CDATA[<p>Our members call for a fair transition [&#8230;]</p>
<p>The post <a rel="nofollow" href="https://example.org/a">Paper</a> appeared first on <a rel="nofollow" href="https://example.org">Site</a>.</p>
]]></description></item>
      <item><title>Quote</title><link>https://example.org/b</link><pubDate>Tue, 15 Jun 2021 10:00:00 GMT</pubDate>
        <description><![CDATA[<p>The post of director appeared first on our agenda [...]</p><p>More follows.</p>]]></description></item>
    </channel></rss>"""
    write("feed.xml", rss)

    first, second = load("feed.xml", root=tmp_path)

    assert first.summary == "<p>Our members call for a fair transition…</p>"
    assert second.summary == "<p>The post of director appeared first on our agenda…</p><p>More follows.</p>"


def test_unreadable_feed_names_the_source(tmp_path, write):
    write("feed.xml", b"<html><body>Not a feed<p></body>")

    with pytest.raises(SourceError) as info:
        load("feed.xml", root=tmp_path)

    assert str(info.value).startswith("feed.xml: not a readable RSS or Atom feed: ")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<!DOCTYPE html><html><head><title>News</title></head><body><h1>News</h1></body></html>", "it is a web page (HTML)"),
        (b"", "it is empty"),
        (b'<?xml version="1.0"?><catalog><book/></catalog>', "it has no <rss> or <feed> element"),
        (b"hello world", "line 2: syntax error"),
    ],
)
def test_what_is_not_a_feed_is_an_error_not_an_empty_feed(tmp_path, write, content, reason):
    write("feed.xml", content)

    with pytest.raises(SourceError) as info:
        load("feed.xml", root=tmp_path)

    assert str(info.value).startswith(f"feed.xml: not a readable RSS or Atom feed: {reason}")


def test_a_web_page_over_http_is_not_a_feed(tmp_path, feed_server):
    feed_server.routes["/news"] = (200, "text/html; charset=utf-8", b"<html><body><p>Our news</p></body></html>")

    with pytest.raises(SourceError, match=r"/news: not a readable RSS or Atom feed: it is a web page"):
        load(f"{feed_server.url}/news", root=tmp_path)


def test_empty_but_valid_feed_has_no_items(tmp_path, write):
    write("feed.xml", b'<rss version="2.0"><channel><title>x</title></channel></rss>')

    assert load("feed.xml", root=tmp_path) == []


def test_a_whole_html_page_as_description_gives_only_its_text(tmp_path, write):
    # Mailchimp's campaign archive feed puts the whole email (<head><title>…) in each description
    write("feed.xml", b"""<rss version="2.0"><channel><title>Archive</title>
      <item><title>June newsletter</title><link>https://mailchi.mp/x/june</link><pubDate>Mon, 31 May 2021 07:00:00 +0000</pubDate>
        <description>&lt;html&gt;&lt;head&gt;&lt;title&gt;June newsletter (page title)&lt;/title&gt;&lt;style&gt;p{color:red}&lt;/style&gt;&lt;/head&gt;&lt;body&gt;&lt;noscript&gt;Enable JS&lt;/noscript&gt;&lt;p&gt;Hello members&lt;/p&gt;&lt;/body&gt;&lt;/html&gt;</description>
      </item></channel></rss>""")

    [item] = load("feed.xml", root=tmp_path)

    assert item.summary == "<p>Hello members</p>"


def test_a_redirect_loop_is_one_line(tmp_path, feed_server):
    feed_server.routes["/feed/"] = (302, "text/html", b"", {"Location": "/feed/"})
    url = f"{feed_server.url}/feed/"

    with pytest.raises(SourceError) as info:
        load(url, root=tmp_path)

    assert str(info.value) == f"{url}: cannot fetch the feed: HTTP 302: it redirects in a loop (the server sends it back to itself)"


def test_a_gzipped_feed_the_server_sends_unasked_is_read(tmp_path, feed_server):
    # some caching plugins serve their stored .gz file whatever the request accepts
    import gzip

    feed_server.routes["/feed/"] = (200, "application/rss+xml", gzip.compress(RSS), {"Content-Encoding": "gzip"})

    items = load(f"{feed_server.url}/feed/", root=tmp_path)

    check_rss_items(items, f"{feed_server.url}/feed/")


def test_control_characters_in_a_broken_feed_are_dropped(tmp_path, write):
    write("feed.xml", b'<rss version="2.0"><channel><title>x</title><item><title>A&#1;B\x01C</title><link>https://example.org/a</link>'
          b"<pubDate>Tue, 15 Jun 2021 10:00:00 GMT</pubDate><description>s&#0;u\x1bm</description></item></channel></rss>")

    [item] = load("feed.xml", root=tmp_path)

    assert (item.title, item.summary) == ("ABC", "sum")


def test_a_pubdate_without_a_time_zone_gives_its_day(tmp_path, write):
    # RFC 822 wants a zone, but some CMS feeds leave it out; feedparser then gives no parsed date at all
    write("feed.xml", b'<rss version="2.0"><channel><title>x</title><item><title>A</title><link>https://example.org/a</link>'
          b"<pubDate>Thu, 10 Jun 2021 23:30:00</pubDate></item></channel></rss>")

    [item] = load("feed.xml", root=tmp_path)

    assert item.date == dt.date(2021, 6, 10)
