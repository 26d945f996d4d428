"""The cache of answers from the web: feeds too are fetched once an hour, stale answers only when the site is down."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.errors import SourceError
from bulletin.sources import Cache, load

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><link>https://example.org/</link>
<item><title>One</title><link>https://example.org/one</link><pubDate>Tue, 15 Jun 2021 10:00:00 GMT</pubDate></item>
</channel></rss>"""


def test_a_feed_url_is_fetched_once_while_its_answer_is_fresh(feed_server, tmp_path: Path):
    feed_server.routes["/feed/"] = (200, "application/rss+xml", RSS)
    url = feed_server.url + "/feed/"

    first = load(url, root=tmp_path, cache=Cache(tmp_path / "cache"))
    again = load(url, root=tmp_path, cache=Cache(tmp_path / "cache"))
    load(url, root=tmp_path, cache=Cache(tmp_path / "cache", refresh=True))

    assert [item.title for item in first] == [item.title for item in again] == ["One"]
    assert len(feed_server.requests) == 2


def test_a_feed_whose_server_fails_is_read_from_an_old_answer_with_a_warning(feed_server, tmp_path: Path):
    feed_server.routes["/feed/"] = (200, "application/rss+xml", RSS)
    url = feed_server.url + "/feed/"
    now = [1_700_000_000.0]
    load(url, root=tmp_path, cache=Cache(tmp_path / "cache", clock=lambda: now[0]))
    now[0] += 26 * 3600
    feed_server.routes["/feed/"] = (503, "text/html", b"down for maintenance")

    cache = Cache(tmp_path / "cache", clock=lambda: now[0])
    items = load(url, root=tmp_path, cache=cache)

    assert [item.title for item in items] == ["One"]
    assert [str(w) for w in cache.warnings.values()][0].startswith(f"{feed_server.url}: cannot be reached now (HTTP Error 503")
    assert "26 hours ago" in [str(w) for w in cache.warnings.values()][0]


def test_a_feed_that_is_gone_is_an_error_even_with_an_old_answer(feed_server, tmp_path: Path):
    feed_server.routes["/feed/"] = (200, "application/rss+xml", RSS)
    url = feed_server.url + "/feed/"
    now = [1_700_000_000.0]
    load(url, root=tmp_path, cache=Cache(tmp_path / "cache", clock=lambda: now[0]))
    now[0] += 2 * 3600
    del feed_server.routes["/feed/"]

    with pytest.raises(SourceError, match="HTTP 404"):
        load(url, root=tmp_path, cache=Cache(tmp_path / "cache", clock=lambda: now[0]))


def test_a_damaged_cache_file_counts_as_none(feed_server, tmp_path: Path):
    feed_server.routes["/feed/"] = (200, "application/rss+xml", RSS)
    url = feed_server.url + "/feed/"
    load(url, root=tmp_path, cache=Cache(tmp_path / "cache"))
    for kept in (tmp_path / "cache").iterdir():
        kept.write_text("{not json")

    assert [item.title for item in load(url, root=tmp_path, cache=Cache(tmp_path / "cache"))] == ["One"]
    assert len(feed_server.requests) == 2
