"""The WordPress source against a loopback fake WordPress: paging, mapping, filters, route forms, bad answers, cache."""

from __future__ import annotations

import datetime as dt
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from bulletin.errors import SourceError
from bulletin.model import Image, WordPressSource
from bulletin.sources import Cache, load, web, wordpress
from fakes.wordpress_server import FakeWordPress, sample_site

SPRING = (dt.date(2021, 3, 10), dt.date(2021, 6, 10))


@pytest.fixture
def site() -> Iterator[FakeWordPress]:
    with FakeWordPress(**sample_site()) as fake:
        yield fake
    assert not fake.invalid, f"requests WordPress would refuse or ignore: {fake.invalid[:3]}"


def read(fake: FakeWordPress, start: dt.date | None = SPRING[0], end: dt.date | None = SPRING[1], cache: Cache | None = None,
         **options):
    source = WordPressSource(fake.url, tuple(options.pop("categories", ())), tuple(options.pop("exclude_categories", ())))
    return wordpress.read(source, cache=cache or Cache(None), start=start, end=end, **options)


def in_period(fake: FakeWordPress, start: dt.date, end: dt.date) -> set[str]:
    return {fake.link(p) for p in fake.posts if start <= dt.date.fromisoformat(p.date[:10]) <= end}


def test_every_post_of_the_period_comes_over_several_pages_and_no_other(site):
    items = read(site)

    expected = in_period(site, *SPRING)
    assert len(expected) > 200  # more than two pages of 100
    assert {item.url for item in items} == expected
    assert len(items) == len(expected)
    assert site.count("/wp/v2/posts") == 3
    pages = [args for route, args in site.requests if route == "/wp/v2/posts"]
    assert [args["page"] for args in pages] == [["1"], ["2"], ["3"]]
    assert all(args["per_page"] == ["100"] for args in pages)
    assert pages[0]["after"] == ["2021-03-09T23:59:59"] and pages[0]["before"] == ["2021-06-11T00:00:00"]
    assert all("_embed" in args for args in pages)


def test_a_post_is_mapped_as_the_issue_describes(site):
    first, *_ = sorted(read(site, dt.date(2021, 1, 1), dt.date(2021, 1, 1)), key=lambda item: item.url)

    assert first.title == "Care & Repair\u00a0Day: \u201cquoted\u201d now <script>"
    assert first.date == dt.date(2021, 1, 1)
    assert first.url == f"{site.url}/2021/01/news-item-1/"
    assert first.tags == ("News", "Position paper")  # categories first, then tags
    assert first.image == Image(src="https://cdn.example.org/uploads/1.jpg", alt="Photo 1", width=800, height=533)
    assert first.summary_format == "html"
    assert first.summary == "<p>Our view on the plan, in three points…</p>"
    assert first.origin == f"{site.url} post 1"


def test_excerpts_lose_continue_reading_the_post_appeared_first_and_scripts(site):
    items = {item.origin.rsplit(" ", 1)[1]: item for item in read(site, dt.date(2021, 1, 1), dt.date(2021, 1, 2))}

    assert items["2"].summary == "<p>What the study found.</p>"
    assert items["3"].summary == "<p>Join us <strong>online</strong>.</p>"
    assert items["3"].tags == ("Jobs", "Publication")
    assert items["4"].tags == ("Policy & Advocacy",)  # WordPress sends the name as "Policy &amp; Advocacy"


def test_a_featured_image_without_alt_text_gets_the_title(site):
    items = {item.origin.rsplit(" ", 1)[1]: item for item in read(site, dt.date(2021, 1, 1), dt.date(2021, 1, 4))}

    assert items["6"].image == Image(src="https://cdn.example.org/uploads/6.jpg", alt="News item 6", width=800, height=533)
    assert items["2"].image is None


def test_category_names_filter_the_posts_through_their_ids(site):
    news = read(site, categories=["news"])
    others = read(site, exclude_categories=["Policy & Advocacy", "Uncategorized"])

    assert news and all(item.tags[0] == "News" for item in news)
    assert len(news) == len([p for p in site.posts if p.categories == [2] and p.date[:10] >= "2021-03-10" and p.date[:10] <= "2021-06-10"])
    assert others and not {"Policy & Advocacy", "Uncategorized"} & {tag for item in others for tag in item.tags}
    args = [args for route, args in site.requests if route == "/wp/v2/posts"]
    assert args[0]["categories"] == ["2"]
    assert args[-1]["categories_exclude"] == ["5,1"]


def test_an_unknown_category_is_an_error_naming_the_close_one(site):
    with pytest.raises(SourceError) as info:
        read(site, categories=["Nwes"])

    assert str(info.value) == f"{site.url}: categories: the site has no category 'Nwes' (did you mean 'News'?)"


def test_a_site_without_pretty_links_is_read_through_rest_route():
    with FakeWordPress(**sample_site(days=60), pretty=False) as fake:
        items = read(fake)
        assert not fake.invalid

    assert {item.url for item in items} == in_period(fake, *SPRING)
    assert fake.count("/wp/v2/posts") == 1  # the /wp-json/ address was the web server's 404 page


def test_include_brings_a_post_from_outside_the_period_by_its_link(site):
    outside = site.link(site.posts[4])  # January
    items = read(site, include=[outside, "https://elsewhere.example/news/x", "content/a.md"])

    assert outside in {item.url for item in items}
    slugs = [args for route, args in site.requests if "slug" in args]
    assert [args["slug"] for args in slugs] == [["news-item-5"]]


def test_without_dates_only_the_newest_page_is_read(site):
    items = read(site, None, None)

    assert len(items) == 100 and site.count("/wp/v2/posts") == 1


def test_through_load_a_wordpress_source_reads_the_period(site, tmp_path):
    items = load(WordPressSource(site.url), root=tmp_path, start=dt.date(2021, 2, 1), end=dt.date(2021, 2, 1))

    assert len(items) == 3


# --- bad answers: each one error naming the URL ---

@pytest.mark.parametrize(("kind", "says"), [
    ("401", "the site refuses access (HTTP 401: Sorry, you are not allowed to do that. (rest_not_logged_in)): its REST API is private"),
    ("403", "the site refuses access (HTTP 403: Sorry, you are not allowed to do that. (rest_forbidden))"),
    ("404", "is not a WordPress site, or its REST API is turned off; use its feed"),
    ("html", "the answer is a web page (HTML), not the REST API's JSON"),
    ("badjson", "the answer is not valid JSON (Expecting value, line 1 column 1); it starts with '<br />"),
    ("redirects", "more than 5 redirects"),
])
def test_a_bad_answer_is_one_clear_error_naming_the_url(site, kind, says):
    site.fault(kind)

    with pytest.raises(SourceError) as info:
        read(site)

    message = str(info.value)
    assert message.startswith(f"{site.url}/wp-json/wp/v2/posts")
    assert says in message
    assert "\n" not in message


def test_a_body_over_the_size_limit_is_refused(site, monkeypatch):
    monkeypatch.setattr(web, "MAX_BYTES", 50_000)
    site.fault("huge", size=200_000)

    with pytest.raises(SourceError) as info:
        read(site)

    assert str(info.value).startswith(f"{site.url}/wp-json/wp/v2/posts?")
    assert "the answer is larger than 50000 bytes" in str(info.value)


def test_an_answer_slower_than_the_time_limit_is_given_up(site, monkeypatch):
    monkeypatch.setattr(web, "DEADLINE", 0.5)
    site.fault("slow", seconds=3)  # a trickle: every single read is quick, the whole answer is not

    with pytest.raises(SourceError) as info:
        read(site)

    assert str(info.value).startswith(f"{site.url}/wp-json/wp/v2/posts?")
    assert "no complete answer within 0.5 s" in str(info.value)


def test_a_site_that_cannot_be_reached_is_named():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # nothing listens there once closed
    with pytest.raises(SourceError) as info:
        wordpress.read(WordPressSource(f"http://127.0.0.1:{port}"), cache=Cache(None), start=SPRING[0], end=SPRING[1])

    assert str(info.value).startswith(f"http://127.0.0.1:{port}/wp-json/wp/v2/posts?")
    assert "cannot reach the site: Connection refused" in str(info.value)


def test_a_name_that_does_not_resolve_is_named():
    with pytest.raises(SourceError) as info:
        wordpress.read(WordPressSource("https://no-such-site.invalid"), cache=Cache(None), start=SPRING[0], end=SPRING[1])

    assert str(info.value).startswith("https://no-such-site.invalid/wp-json/wp/v2/posts?")
    assert "cannot reach the site" in str(info.value)


def test_a_plain_http_site_works_with_a_warning(site):
    cache = Cache(None)
    assert read(site, cache=cache)

    assert [str(w) for w in cache.warnings.values()] == [
        f"{site.url}: plain http: its answers travel unencrypted and could be altered on the way; write https:// if the site has it"
    ]


# --- the cache ---

def test_answers_kept_in_the_cache_are_reused_without_a_request(site, tmp_path: Path):
    first = read(site, cache=Cache(tmp_path / "cache"))
    asked = len(site.requests)
    again = read(site, cache=Cache(tmp_path / "cache"))

    assert again == first
    assert len(site.requests) == asked


def test_refresh_fetches_anew(site, tmp_path: Path):
    read(site, cache=Cache(tmp_path / "cache"))
    asked = len(site.requests)
    inside = next(p for p in site.posts if p.date.startswith("2021-04-01"))
    inside.title = "Changed on the site"

    items = read(site, cache=Cache(tmp_path / "cache", refresh=True))

    assert len(site.requests) == asked + 3
    assert "Changed on the site" in {item.title for item in items}


def test_an_old_cache_is_used_and_announced_when_the_site_cannot_be_reached(tmp_path: Path):
    now = [1_700_000_000.0]
    with FakeWordPress(**sample_site(days=200)) as fake:
        fresh = read(fake, cache=Cache(tmp_path / "cache", clock=lambda: now[0]))
    now[0] += 3 * 3600  # older than an hour: it would be fetched again, but the site is gone

    cache = Cache(tmp_path / "cache", clock=lambda: now[0])
    items = read(fake, cache=cache)

    assert items == fresh
    stale = [str(w) for w in cache.warnings.values() if "cannot be reached" in str(w)]
    assert len(stale) == 1
    assert stale[0].startswith(f"{fake.url}: cannot be reached now (cannot reach the site: Connection refused): its items are "
                               "the ones fetched on ")
    assert stale[0].endswith("3 hours ago; they may be out of date (build again once the site answers)")


def test_an_old_cache_is_not_used_when_the_site_says_no(tmp_path: Path):
    now = [1_700_000_000.0]
    with FakeWordPress(**sample_site(days=200)) as fake:
        read(fake, cache=Cache(tmp_path / "cache", clock=lambda: now[0]))
        now[0] += 3 * 3600
        fake.fault("403")
        with pytest.raises(SourceError, match="refuses access"):
            read(fake, cache=Cache(tmp_path / "cache", clock=lambda: now[0]))
