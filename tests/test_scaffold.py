"""`bulletin new-issue`: the issue file it writes, and the mistakes users make naming it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from bulletin.build import build
from bulletin.config import load_issue, load_project
from bulletin.errors import BulletinError, ConfigError, Remedy
from bulletin.model import WordPressSource
from bulletin.scaffold import new_issue

H1 = (dt.date(2021, 1, 1), dt.date(2021, 6, 30))


@pytest.mark.parametrize("typed", ["2021-h1.yaml", "2021-h1.yml", "2021-h1.YAML"])
def test_a_file_name_typed_as_the_name_makes_no_yaml_yaml(tmp_project, typed):
    path = new_issue(typed, *H1)

    assert path.as_posix() == "issues/2021-h1.yaml"
    assert not list((tmp_project / "issues").glob("*.yaml.yaml")) and not list((tmp_project / "issues").glob("*.yml.yaml"))
    assert load_issue(tmp_project / path, load_project(tmp_project)).slug == "2021-h1"


def test_a_name_too_long_for_the_file_system_is_a_clear_error(tmp_project):
    with pytest.raises(BulletinError) as info:
        new_issue("a" * 300, *H1)

    assert str(info.value).startswith("cannot write issues/aaaa")
    assert "File name too long" in str(info.value)


def test_sections_are_proposed_from_the_tags_of_the_period_most_used_first(tmp_project, write):
    """Issue 9: new-issue proposed a fixed list; now the tags actually used, with their counts, and a catch-all."""
    write("content/2021-03-01-odd.md", '---\ndate: 2021-03-01\ntitle: Odd\nurl: https://example.org/odd\ntags: ["Q&A: #EU"]\n---\n')
    path = new_issue("2021-h1", *H1)
    text = (tmp_project / path).read_text(encoding="utf-8")
    sections = [line.split("#")[0].strip() for line in text.splitlines() if line.startswith("  - {title:")]
    counts = [line.rpartition("# ")[2] for line in text.splitlines() if line.startswith("  - {title:")]
    assert sections == [
        "- {title: News, tags: [News]}", "- {title: Position paper, tags: [Position paper]}",
        "- {title: Publication, tags: [Publication]}", "- {title: Press release, tags: [Press release]}",
        "- {title: Event, tags: [Event]}", '- {title: "Q&A:', "- {title: More news}"]
    assert counts[:6] == ["8 items", "7 items", "6 items", "4 items", "3 items", "1 item"]
    spec = load_issue(tmp_project / path, load_project(tmp_project))
    assert [(s.title, s.tags) for s in spec.sections][-2:] == [("Q&A: #EU", ("Q&A: #EU",)), ("More news", ())]
    # items tagged both News and Position paper go to the rarer, more specific tag's section
    assert spec.match_order == ["Press release", "Publication", "Position paper", "News"]
    result = build(tmp_project / path)
    assert not [w for w in result.warnings if "is empty" in w or "section" in w]
    assert sum(len(s.items) for s in result.selection.sections) + (1 if result.selection.featured else 0) == 24


def test_without_tagged_items_in_the_period_the_usual_sections_are_proposed(tmp_project):
    path = new_issue("2030-h1", dt.date(2030, 1, 1), dt.date(2030, 6, 30))
    text = (tmp_project / path).read_text(encoding="utf-8")
    assert "no tagged item is dated in this period (0 items): the usual sections" in text
    assert [s.title for s in load_issue(tmp_project / path, load_project(tmp_project)).sections] == [
        "Position papers", "Events", "Publications", "Press releases", "More news"]


def test_in_a_project_of_ones_own_the_issue_takes_bulletin_yamls_source_and_organisation(tmp_project):
    config = tmp_project / "bulletin.yaml"
    config.write_text(config.read_text().replace("  name: European Social Network Federation", "  name: CECOP")
                      + 'source: {wordpress: "https://www.cecop.coop", categories: [News, "Policy & Advocacy"]}\n')

    path = new_issue("2021-h1", *H1)

    text = (tmp_project / path).read_text()
    assert 'source: {wordpress: https://www.cecop.coop, categories: ["News", "Policy & Advocacy"]}\n' in text
    spec = load_issue(tmp_project / path, load_project(tmp_project))
    assert spec.sources == [WordPressSource("https://www.cecop.coop", ("News", "Policy & Advocacy"))]
    assert spec.title == "CECOP bulletin"


def test_without_a_source_in_bulletin_yaml_the_issue_reads_the_content_folder(tmp_project):
    path = new_issue("2021-h1", *H1)

    assert "\nsource: content/\n" in (tmp_project / path).read_text()


def test_an_existing_issue_is_kept_unless_forced(tmp_project):
    path = new_issue("2021-h1", *H1)
    (tmp_project / path).write_text("title: kept\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        new_issue("2021-h1", *H1)
    assert info.value.remedy is Remedy.FORCE and str(info.value) == "issues/2021-h1.yaml already exists. To overwrite it, force it (force=True)."
    assert (tmp_project / path).read_text(encoding="utf-8") == "title: kept\n"
    new_issue("2021-h1", *H1, force=True)
    assert (tmp_project / path).read_text(encoding="utf-8") != "title: kept\n"


def test_a_new_issue_of_a_project_with_editions_says_how_to_give_texts_per_language(trilingual: Path) -> None:
    path = trilingual / new_issue("2021-h2", dt.date(2021, 7, 1), dt.date(2021, 12, 31))
    text = path.read_text(encoding="utf-8")
    assert '# Editions in en, fr, it:' in text and 'title: {en: "…", fr: "…", it: "…"}' in text
    assert load_issue(path, load_project()).title  # and it loads as it is
