"""Live reload without a browser: saving any input file rebuilds the preview (bounded waits, no timing asserts)."""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from bulletin.config import load_project
from bulletin.preview import Preview
from bulletin.preview.watcher import plan
from bulletin.render.jinja import THEMES_DIR

ITEM = "content/2021-06-10-industrial-strategy.md"
OLD_TITLE = "EU Industrial Strategy Update: our reaction & lessons"
WAIT = 10.0  # seconds: generous, the wait ends as soon as the change shows


def wait_until(preview: Preview, condition: Callable[[], bool]) -> bool:
    """Wait for ``condition`` to hold, waking at every new version of the preview; False on timeout."""
    session = preview.session
    assert session is not None
    deadline = time.monotonic() + WAIT
    while True:
        version = session.version
        if condition():
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        session.wait(version, min(left, 0.5))


def titles(preview: Preview) -> list[str]:
    status = preview.session.status()  # type: ignore[union-attr]
    return [item["title"] for section in status["sections"] for item in section["items"]]


def test_saving_an_item_rebuilds(preview: Preview, tmp_project: Path) -> None:
    item = tmp_project / ITEM
    item.write_text(item.read_text(encoding="utf-8").replace(OLD_TITLE, "Saved from an editor"), encoding="utf-8")
    assert wait_until(preview, lambda: "Saved from an editor" in titles(preview))
    assert "Saved from an editor" in preview.session.result.rendered.html  # type: ignore[union-attr]


def test_saving_by_rename_is_seen(preview: Preview, tmp_project: Path) -> None:
    # many editors write a temporary file and rename it over the original
    issue = tmp_project / "issues/example.yaml"
    temporary = issue.with_name(".example.yaml.tmp")
    temporary.write_text(issue.read_text(encoding="utf-8").replace("#7 —", "#7 (renamed) —"), encoding="utf-8")
    os.replace(temporary, issue)
    assert wait_until(preview, lambda: "(renamed)" in preview.session.status()["issue"]["subject"])  # type: ignore[union-attr]


def test_saving_bulletin_yaml_rebuilds(preview: Preview, tmp_project: Path) -> None:
    config = tmp_project / "bulletin.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("name: ESNF Bulletin", "name: Renamed Sender"), encoding="utf-8")
    assert wait_until(preview, lambda: preview.session.status()["sender"]["name"] == "Renamed Sender")  # type: ignore[union-attr]


def test_a_new_templates_folder_is_picked_up(preview: Preview, tmp_project: Path) -> None:
    assert not (tmp_project / "templates").exists()
    folder = tmp_project / "templates/default"
    folder.mkdir(parents=True)
    text = (THEMES_DIR / "default/email.txt.j2").read_text(encoding="utf-8")
    (folder / "email.txt.j2").write_text("OVERRIDDEN TEXT TEMPLATE\n" + text, encoding="utf-8")
    assert wait_until(preview, lambda: "OVERRIDDEN TEXT TEMPLATE" in preview.session.result.rendered.text)  # type: ignore[union-attr]
    # and later edits inside the new folder are watched too
    (folder / "email.txt.j2").write_text("EDITED AGAIN\n" + text, encoding="utf-8")
    assert wait_until(preview, lambda: "EDITED AGAIN" in preview.session.result.rendered.text)  # type: ignore[union-attr]


def test_a_new_source_folder_is_watched_after_the_issue_names_it(preview: Preview, tmp_project: Path) -> None:
    news = tmp_project / "news"
    news.mkdir()
    (news / "2021-06-12-extra.md").write_text(
        "---\ndate: 2021-06-12\ntitle: First extra\nurl: https://example.org/news/extra\ntags: [News]\n---\nBody.\n",
        encoding="utf-8",
    )
    issue = tmp_project / "issues/example.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace("source: content/", "source: [content/, news/]"), encoding="utf-8")
    assert wait_until(preview, lambda: "First extra" in titles(preview))
    extra = news / "2021-06-12-extra.md"
    extra.write_text(extra.read_text(encoding="utf-8").replace("First extra", "Second extra"), encoding="utf-8")
    assert wait_until(preview, lambda: "Second extra" in titles(preview))


def test_the_issue_folder_deleted_and_made_again_is_watched_again(preview: Preview, tmp_project: Path) -> None:
    # as a git checkout does: the folder goes and comes back before the watcher looks
    issues = tmp_project / "issues"
    text = (issues / "example.yaml").read_text(encoding="utf-8")
    shutil.rmtree(issues)
    issues.mkdir()
    (issues / "example.yaml").write_text(text.replace("#7 —", "#7 (back) —"), encoding="utf-8")
    assert wait_until(preview, lambda: "(back)" in preview.session.status()["issue"]["subject"])  # type: ignore[union-attr]
    # and the new folder is watched: a later edit shows
    (issues / "example.yaml").write_text(text.replace("#7 —", "#7 (again) —"), encoding="utf-8")
    assert wait_until(preview, lambda: "(again)" in preview.session.status()["issue"]["subject"])  # type: ignore[union-attr]


def test_the_plan_covers_every_input(tmp_project: Path) -> None:
    from bulletin.build import prepare

    result = prepare("issues/example.yaml")
    watched = plan(Path("issues/example.yaml"), load_project("issues/example.yaml"), result)
    root = tmp_project.resolve()
    for path in ("issues/example.yaml", "bulletin.yaml", "subscribers.example.csv", ITEM, "templates/default/email.mjml.j2"):
        assert watched.wants(root / path), path
    assert watched.wants(THEMES_DIR.resolve() / "default/_item.mjml.j2")
    for path in ("build/example/index.html", "issues/other.yaml", "outbox/x.eml"):
        assert not watched.wants(root / path), path
    flat, trees = watched.folders()
    assert root / "content" in trees and root in flat and root / "issues" in flat


def test_a_wordpress_source_adds_nothing_to_watch(tmp_project: Path) -> None:
    from bulletin.build import prepare
    from bulletin.model import WordPressSource

    result = prepare("issues/example.yaml")
    result.spec.sources = [WordPressSource("https://www.example.org"), "content"]
    watched = plan(Path("issues/example.yaml"), load_project("issues/example.yaml"), result)

    flat, trees = watched.folders()
    assert trees and tmp_project.resolve() / "content" in trees
    assert not any("example.org" in str(path) for path in [*flat, *trees])
