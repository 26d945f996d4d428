"""load(): choosing the reader from the source, resolving paths, and the example content."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from bulletin.errors import SourceError
from bulletin.model import Image
from bulletin.sources import load

from .test_feed import ATOM, RSS

REPO = Path(__file__).resolve().parents[2]
MD = "---\ndate: 2021-06-10\ntitle: From Markdown\nurl: https://example.org/md\n---\nBody\n"
YAML = "- date: 2021-06-10\n  title: From YAML\n  url: https://example.org/yaml\n"
CSV = "date,title,url\n2021-06-10,From CSV,https://example.org/csv\n"


@pytest.mark.parametrize(
    ("name", "content", "origin"),
    [
        ("one.md", MD, "one.md:1"),
        ("list.yaml", YAML, "list.yaml:1"),
        ("list.yml", YAML, "list.yml:1"),
        ("list.csv", CSV, "list.csv row 2"),
        ("news.xml", RSS, "news.xml entry 1"),
        ("news.rss", RSS, "news.rss entry 1"),
        ("news.atom", ATOM, "news.atom entry 1"),
        ("news.feed", ATOM, "news.feed entry 1"),
    ],
)
def test_reader_is_chosen_by_suffix(tmp_path, write, name, content, origin):
    write(f"sources/{name}", content)

    items = load(f"sources/{name}", root=tmp_path)

    assert items[0].origin == f"sources/{origin}"


def test_folder_reads_markdown_and_paths_are_relative_to_root(tmp_path, write):
    write("site/content/2021/a.md", MD)

    [item] = load("content", root=tmp_path / "site")

    assert (item.title, item.path, item.origin) == ("From Markdown", "content/2021/a.md", "content/2021/a.md:1")


def test_absolute_source_inside_and_outside_root(tmp_path, write):
    inside = write("project/lists/items.yaml", YAML)
    outside = write("elsewhere/items.yaml", YAML)

    [a] = load(str(inside), root=tmp_path / "project")
    [b] = load(str(outside), root=tmp_path / "project")

    assert a.origin == "lists/items.yaml:1"
    assert b.origin == f"{outside.as_posix()}:1"


def test_missing_source_is_named(tmp_path):
    with pytest.raises(SourceError) as info:
        load("content/nope.md", root=tmp_path)

    assert str(info.value).startswith("content/nope.md: no such file or folder")


def test_unknown_kind_of_file(tmp_path, write):
    write("items.json", "[]")

    with pytest.raises(SourceError) as info:
        load("items.json", root=tmp_path)

    assert str(info.value).startswith("items.json: unknown kind of source")


def test_markdown_builds_do_not_import_feedparser():
    code = (
        "import sys, pathlib; from bulletin.sources import load; "
        f"load('content', root=pathlib.Path({str(REPO)!r})); print('feedparser' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)

    assert result.stdout.strip() == "False"


def test_example_content_is_valid_and_holds_the_items_other_tests_use():
    items = load("content", root=REPO)
    by_path = {item.path: item for item in items}

    assert len(items) >= 30
    assert all(item.url == f"https://example.org/news/{Path(item.path).stem[11:]}" for item in items)
    assert sum(item.image is not None for item in items) >= 10
    expected = {
        "content/2020-12-31-year-in-review.md": (dt.date(2020, 12, 31), ("Publication",)),
        "content/2021-01-01-new-year-message.md": (dt.date(2021, 1, 1), ("News",)),
        "content/2021-03-15-care-workers.md": (dt.date(2021, 3, 15), ("Position paper",)),
        "content/2021-04-20-annual-report.md": (dt.date(2021, 4, 20), ("Publication",)),
        "content/2021-05-11-workshop.md": (dt.date(2021, 5, 11), ("Event",)),
        "content/2021-05-20-congress-2021.md": (dt.date(2021, 5, 20), ("Event",)),
        "content/2021-06-10-industrial-strategy.md": (dt.date(2021, 6, 10), ("News", "Position paper")),
        "content/2021-06-30-mid-year-review.md": (dt.date(2021, 6, 30), ("Publication",)),
        "content/2021-07-01-summer-school.md": (dt.date(2021, 7, 1), ("Event",)),
    }
    assert {path: (by_path[path].date, by_path[path].tags) for path in expected} == expected
    assert by_path["content/2021-03-15-care-workers.md"].title == 'Care workers & the "European Care Strategy"'
    assert by_path["content/2021-06-10-industrial-strategy.md"].title == "EU Industrial Strategy Update: our reaction & lessons"
    assert by_path["content/2021-04-20-annual-report.md"].url == "https://example.org/news/annual-report"
    congress = by_path["content/2021-05-20-congress-2021.md"]
    assert congress.url == "https://example.org/news/congress-2021"
    assert congress.image == Image(src="https://example.org/img/congress-2021.jpg", alt=congress.image.alt)
    assert congress.image.alt


def test_a_name_too_long_for_the_file_system_is_an_error(tmp_path):
    with pytest.raises(SourceError, match="not a usable file or folder name"):
        load("x" * 300, root=tmp_path)


@pytest.mark.parametrize("typed", ["www.example.org/feed/", "example.org/feed.xml"])
def test_a_feed_address_without_https_is_told_so(tmp_path, typed):
    with pytest.raises(SourceError) as info:
        load(typed, root=tmp_path)

    assert str(info.value) == (
        f"{typed}: no such file or folder (looked for {tmp_path / typed.rstrip('/')}); "
        f"for a feed, write the whole address: https://{typed}"
    )


@pytest.mark.parametrize("typed", ["items.csv", "news.xml", "lists/items.yaml", "content"])
def test_a_missing_file_is_not_taken_for_a_web_address(tmp_path, typed):
    with pytest.raises(SourceError) as info:
        load(typed, root=tmp_path)

    assert "https://" not in str(info.value)


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("list.yaml", "- {date: 2021-06-10, title: A, url: 'https://example.org/a', title_fr: Un}\n"),
        ("list.csv", "date,title,url,title_fr\n2021-06-10,A,https://example.org/a,Un\n"),
        ("a.md", "---\ndate: 2021-06-10\ntitle: A\nurl: https://example.org/a\ntitle_fr: Un\n---\n"),
    ],
)
def test_the_projects_languages_reach_every_file_reader(tmp_path, write, name, content):
    write(f"sources/{name}", content)

    [item] = load(f"sources/{name}", root=tmp_path, languages=("en", "fr"))

    assert [(t.lang, t.title) for t in item.translations] == [("fr", "Un")]
