"""The README's "Start your own bulletin", end to end against a loopback fake WordPress: an empty folder, init,
new-issue, build, preview; then the cache: a preview rebuild asks nothing, --refresh asks anew, a stale cache is said."""

from __future__ import annotations

import datetime as dt
import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner

from bulletin.cli import main
from bulletin.preview import Preview
from fakes.wordpress_server import FakeWordPress, sample_site

PERIOD = ("2021-03-10", "2021-04-20")  # 126 posts: two pages of the REST API


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def site() -> Iterator[FakeWordPress]:
    with FakeWordPress(**sample_site(days=120)) as fake:
        yield fake
    assert not fake.invalid, fake.invalid[:3]


@pytest.fixture
def own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, site: FakeWordPress) -> Path:
    """The README's commands, from an empty folder: init with the website, then the first issue."""
    monkeypatch.chdir(tmp_path)
    made = run("init", "cecop-bulletin", "--name", "CECOP", "--address", "Avenue Milcamps 105, 1030 Brussels",
               "--email", "news@cecop.coop", "--website", site.url, "--timezone", "Europe/Brussels", "--yes")
    assert made.exit_code == 0, made.output
    monkeypatch.chdir(tmp_path / "cecop-bulletin")
    issue = run("new-issue", "2021-h1", "--from", PERIOD[0], "--to", PERIOD[1])
    assert issue.exit_code == 0, issue.output
    return tmp_path / "cecop-bulletin"


def links_in_period(site: FakeWordPress) -> set[str]:
    start, end = (dt.date.fromisoformat(day) for day in PERIOD)
    return {site.link(p) for p in site.posts if start <= dt.date.fromisoformat(p.date[:10]) <= end}


def item_links(page: str) -> set[str]:
    doc = lxml.html.fromstring(page)
    return {a.get("href") for a in doc.iter("a") if "/news-item-" in (a.get("href") or "")}


def test_from_an_empty_folder_to_a_build_of_the_sites_items(own, site):
    issue = (own / "issues" / "2021-h1.yaml").read_text()
    assert f"source: {{wordpress: {site.url}}}" in issue and '"CECOP bulletin"' in issue

    result = run("build", "issues/2021-h1.yaml")

    assert result.exit_code == 0, result.output
    page = (own / "build" / "2021-h1" / "index.html").read_text()
    assert item_links(page) == links_in_period(site)
    assert len(links_in_period(site)) == 126
    assert site.count("/wp/v2/posts") == 2
    manifest = json.loads((own / "build" / "2021-h1" / "manifest.json").read_text())
    assert manifest["item_count"] == 126
    assert "CECOP" in lxml.html.fromstring(page).text_content()


def test_the_preview_shows_it_and_a_rebuild_asks_the_site_nothing(own, site):
    assert run("build", "issues/2021-h1.yaml").exit_code == 0
    asked = len(site.requests)

    with Preview("issues/2021-h1.yaml", port=0, watch=False) as preview:
        with urllib.request.urlopen(preview.url + "email.html", timeout=10) as answer:
            page = answer.read().decode()
        preview.rebuild()
        preview.rebuild()
        assert preview.session is not None and preview.session.error is None

    assert item_links(page) == links_in_period(site)
    assert len(site.requests) == asked


def test_preview_refresh_fetches_anew_once(own, site):
    assert run("build", "issues/2021-h1.yaml").exit_code == 0
    asked = len(site.requests)

    with Preview("issues/2021-h1.yaml", port=0, watch=False, refresh=True) as preview:
        preview.rebuild()

    assert len(site.requests) == asked + 2  # the first build's two pages; the rebuild used them


def test_build_refresh_fetches_anew(own, site):
    first = run("build", "issues/2021-h1.yaml")
    assert first.exit_code == 0 and "Note:" not in first.output
    asked = len(site.requests)
    again = run("build", "issues/2021-h1.yaml")
    assert len(site.requests) == asked
    assert f"Note: {site.url}: the posts as fetched less than a minute ago (kept in .bulletin/cache/; add --refresh to fetch them anew)" \
        in again.output

    refreshed = run("build", "issues/2021-h1.yaml", "--refresh")

    assert refreshed.exit_code == 0 and "Note:" not in refreshed.output
    assert len(site.requests) == asked + 2


def test_a_build_from_a_stale_cache_says_so(own, site):
    assert run("build", "issues/2021-h1.yaml").exit_code == 0
    site.stop()
    for kept in (own / ".bulletin" / "cache").glob("*.json"):  # two hours later
        record = json.loads(kept.read_text())
        record["fetched"] -= 2 * 3600
        kept.write_text(json.dumps(record))

    result = run("build", "issues/2021-h1.yaml")

    assert result.exit_code == 0, result.output
    assert f"Warning: {site.url}: cannot be reached now (cannot reach the site: Connection refused): its items are the " \
           "ones fetched on " in result.output
    assert "2 hours ago; they may be out of date" in result.output
    assert item_links((own / "build" / "2021-h1" / "index.html").read_text()) == links_in_period(site)


def test_items_lists_the_sites_posts_of_a_range(own, site):
    result = run("items", "--from", "2021-03-10", "--to", "2021-03-11", "--json")

    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)  # the plain-http warning went to stderr
    assert len(found) == 6 and {item["url"] for item in found} <= links_in_period(site)
