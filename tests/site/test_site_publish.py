"""bulletin publish / unpublish: what enters the site, what leaves it, and that nothing changes twice."""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path

import lxml.html
import pytest
from click.testing import CliRunner
from sitetools import T0, snapshot

from bulletin.build import prepare
from bulletin.check import run_checks
from bulletin.cli import main
from bulletin.errors import BulletinError, ConfigError, RenderError
from bulletin.site import publish, unpublish


def archive_titles(root: Path) -> list[tuple[str, str]]:
    page = lxml.html.parse(str(root / "site" / "index.html")).getroot()
    return [(a.text_content(), a.get("href")) for a in page.cssselect("main li h2 a")]


def test_only_published_issues_are_in_the_archive_newest_first(quarters, clock):
    publish("issues/2021-q3.yaml", clock=clock)
    publish("issues/2021-q1.yaml", clock=clock)  # published later, but an older issue: listed after
    assert archive_titles(quarters) == [("Bulletin #7", "2021-q3/index.html"), ("Bulletin #5", "2021-q1/index.html")]
    assert not (quarters / "site" / "2021-q2").exists()
    site_text = "".join(p.read_text(encoding="utf-8") for p in (quarters / "site").rglob("*.*ml"))
    assert "draft" not in site_text and "2021-q2" not in site_text


def test_the_record_keeps_the_first_publication_date(quarters):
    publish("issues/2021-q1.yaml", clock=lambda: T0)
    later = T0 + dt.timedelta(days=3)
    publish("issues/2021-q1.yaml", clock=lambda: later)
    record = json.loads((quarters / ".bulletin" / "published.json").read_text(encoding="utf-8"))["issues"]["2021-q1"]
    assert record["published"] == record["updated"] == "2021-07-05T07:00:00+00:00"
    assert record["issue"] == "issues/2021-q1.yaml"
    item = next((quarters / "content").glob("2021-03-15-*.md"))
    item.write_text(item.read_text(encoding="utf-8").replace("title:", "title: Changed", 1), encoding="utf-8")
    publish("issues/2021-q1.yaml", clock=lambda: later)
    record = json.loads((quarters / ".bulletin" / "published.json").read_text(encoding="utf-8"))["issues"]["2021-q1"]
    assert (record["published"], record["updated"]) == ("2021-07-05T07:00:00+00:00", "2021-07-08T07:00:00+00:00")


def test_publishing_again_changes_no_byte_and_no_mtime(quarters, clock):
    publish("issues/2021-q1.yaml", clock=clock)
    publish("issues/2021-q3.yaml", clock=clock)
    before = snapshot(quarters / "site") | {"state": snapshot(quarters / ".bulletin")["published.json"]}
    report = publish("issues/2021-q3.yaml", clock=lambda: T0 + dt.timedelta(days=1))
    assert report.written == []
    report = publish(clock=lambda: T0 + dt.timedelta(days=2))  # the whole site again
    assert report.written == [] and sorted(report.issues) == ["2021-q1", "2021-q3"]
    after = snapshot(quarters / "site") | {"state": snapshot(quarters / ".bulletin")["published.json"]}
    assert after == before


def test_a_change_rewrites_only_what_changed(quarters, clock):
    publish("issues/2021-q1.yaml", clock=clock)
    publish("issues/2021-q3.yaml", clock=clock)
    before = snapshot(quarters / "site")
    spec = quarters / "issues" / "2021-q3.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("What we did", "All we did"), encoding="utf-8")
    report = publish("issues/2021-q3.yaml", clock=clock)
    changed = {name for name, value in snapshot(quarters / "site").items() if before.get(name) != value}
    assert changed == {"2021-q3/index.html", "index.html", "feed.xml"}
    assert {p.relative_to(quarters).as_posix() for p in report.written} == {f"site/{name}" for name in changed}


def test_no_temporary_file_is_left(quarters, clock):
    publish("issues/2021-q1.yaml", clock=clock)
    assert sorted(p.name for p in (quarters / "site").rglob("*")) == ["2021-q1", "feed.xml", "index.html", "index.html"]


def test_unpublish_takes_the_issue_out_of_the_archive_and_the_feed(quarters, clock):
    publish("issues/2021-q1.yaml", clock=clock)
    publish("issues/2021-q3.yaml", clock=clock)
    report = unpublish("issues/2021-q1.yaml", clock=clock)
    assert [p.relative_to(quarters).as_posix() for p in report.removed] == ["site/2021-q1/index.html"]
    assert not (quarters / "site" / "2021-q1").exists()
    assert archive_titles(quarters) == [("Bulletin #7", "2021-q3/index.html")]
    feed = (quarters / "site" / "feed.xml").read_text(encoding="utf-8")
    assert "2021-q1" not in feed and "Bulletin #5" not in feed
    with pytest.raises(ConfigError, match=r"^issues/2021-q1.yaml: not published, so there is nothing to take out \(published: 2021-q3\)$"):
        unpublish("issues/2021-q1.yaml", clock=clock)


def test_unpublish_by_name_when_the_file_is_gone(quarters, clock):
    publish("issues/2021-q1.yaml", clock=clock)
    (quarters / "issues" / "2021-q1.yaml").unlink()
    with pytest.raises(BulletinError) as info:
        publish(clock=clock)
    assert str(info.value) == (
        "nothing was published, because:\n  issues/2021-q1.yaml: the issue '2021-q1' is published but its file is gone: "
        "restore it, or take the issue off the site with: bulletin unpublish 2021-q1"
    )
    unpublish("2021-q1", clock=clock)
    assert archive_titles(quarters) == []


def test_the_whole_site_needs_a_published_issue(quarters):
    with pytest.raises(ConfigError, match="nothing is published yet: publish an issue first"):
        publish()


def test_a_broken_issue_is_named_and_nothing_is_written(quarters, clock):
    publish("issues/2021-q1.yaml", clock=clock)
    publish("issues/2021-q3.yaml", clock=clock)
    before = snapshot(quarters / "site")
    (quarters / "issues" / "2021-q3.yaml").write_text("title: x\nperiod: soon\n", encoding="utf-8")
    (quarters / "templates" / "default").mkdir(parents=True)
    (quarters / "templates" / "default" / "_footer.mjml.j2").write_text("<p>{{ org.nam }}</p>", encoding="utf-8")
    with pytest.raises(BulletinError) as info:
        publish(clock=clock)
    message = str(info.value)
    assert message.startswith("nothing was published, because:\n")
    assert "issues/2021-q3.yaml" in message and "templates/default/_footer.mjml.j2" in message
    assert snapshot(quarters / "site") == before


def test_publish_needs_web_url_ending_with_the_slug_folder(tmp_project):
    config = tmp_project / "bulletin.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('web_url: "https://example.org/bulletin/{slug}/"\n', ""), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"^bulletin.yaml: web_url is not set"):
        publish("issues/example.yaml")
    config.write_text(text.replace("{slug}/", "{slug}.html"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"must end with \{slug\}/ to publish"):
        publish("issues/example.yaml")
    assert not (tmp_project / "site").exists()


def test_a_template_that_shows_the_unsubscribe_tag_on_the_web_is_refused(tmp_project):
    folder = tmp_project / "templates" / "default"
    folder.mkdir(parents=True)
    (folder / "_footer.mjml.j2").write_text('<p><a href="{{ unsubscribe_url }}">Unsubscribe</a></p>\n', encoding="utf-8")
    with pytest.raises(RenderError) as info:
        publish("issues/example.yaml")
    assert str(info.value) == (
        "templates/default/_footer.mjml.j2:1: the web edition would show SendGrid's <%asm_group_unsubscribe_raw_url%>, a "
        "personal link that only works in an email: put it inside {% if not web %} … {% endif %} (as the built-in "
        "theme's _footer.mjml.j2 does)"
    )
    assert not (tmp_project / "site").exists()


def test_check_warns_until_the_issue_is_published(tmp_project):
    report = run_checks(prepare("issues/example.yaml"))
    [finding] = [f for f in report.warnings if f.code == "not-published"]
    assert str(finding) == (
        "issues/example.yaml: the 'View in browser' link https://example.org/bulletin/example/ leads nowhere yet: the issue "
        "is not published; run bulletin publish issues/example.yaml and upload the folder site/ to the website before sending"
    )
    publish("issues/example.yaml")
    assert run_checks(prepare("issues/example.yaml")).warnings == []


def test_send_says_so_in_the_plan(tmp_project):
    result = CliRunner().invoke(main, ["send", "issues/example.yaml", "--list", "members", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "leads nowhere yet: the issue is not published; run bulletin publish issues/example.yaml" in result.output


def test_cli_publish_and_unpublish(tmp_project):
    runner = CliRunner()
    result = runner.invoke(main, ["publish", "issues/example.yaml"], env={"BULLETIN_NOW": "2021-07-05T07:00:00Z"})
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Published example (https://example.org/bulletin/example/)",
        "  wrote     site/example/index.html",
        "  wrote     site/index.html",
        "  wrote     site/feed.xml",
        "The archive and the feed list 1 published issue. Upload the folder site/ to https://example.org/bulletin/ "
        "(rsync, FTP, your CMS).",
    ]
    assert json.loads((tmp_project / ".bulletin" / "published.json").read_text())["issues"]["example"]["published"] == (
        "2021-07-05T07:00:00+00:00"
    )
    result = runner.invoke(main, ["publish"])
    assert "  unchanged site/example/index.html, site/index.html, site/feed.xml" in result.output
    result = runner.invoke(main, ["unpublish", "issues/example.yaml"])
    assert result.exit_code == 0, result.output
    assert "  removed   site/example/index.html" in result.output
    assert "On the website, delete the folder example/ as well (rsync: --delete does it)." in result.output
    result = runner.invoke(main, ["unpublish", "issues/example.yaml"])
    assert result.exit_code == 2
    assert result.output == "Error: issues/example.yaml: not published, so there is nothing to take out (published: none)\n"


def test_site_dir_setting(tmp_project):
    config = tmp_project / "bulletin.yaml"
    config.write_text(config.read_text(encoding="utf-8") + "site_dir: public/bulletin\n", encoding="utf-8")
    publish("issues/example.yaml")
    assert (tmp_project / "public" / "bulletin" / "example" / "index.html").is_file()
    assert not (tmp_project / "site").exists()
    assert sorted(os.listdir(tmp_project / "public" / "bulletin")) == ["example", "feed.xml", "index.html"]
