"""The command line: exit codes, messages, and each command's effect."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulletin.cli import main


def run(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_build_prints_summary(tmp_project):
    result = run("build", "issues/example.yaml")
    assert result.exit_code == 0, result.output
    assert "Position papers" in result.output and "Left out: 1 excluded" in result.output
    assert (tmp_project / "build" / "example" / "index.html").is_file()


def test_build_prints_the_count_of_each_section(tmp_project):
    result = run("build", "issues/example.yaml")
    lines = result.output.splitlines()
    assert lines[0] == "Bulletin on EU Social Affairs #7 (2021-01-01 to 2021-06-30)"
    counts = {line.split(None, 1)[1]: int(line.split()[0]) for line in lines[1:] if line.startswith("  ")}
    assert counts["Featured"] == 1 and counts["Total"] == sum(n for title, n in counts.items() if title != "Total")


def imported_after(*args: str) -> list[str]:
    """The slow-to-import libraries a `bulletin` process has imported when the command ends (in the cwd)."""
    code = (
        "import json, sys; from bulletin.cli import main\n"
        "try:\n    main(sys.argv[1:], standalone_mode=False)\nfinally:\n"
        "    heavy = {'premailer', 'cssutils', 'rich', 'requests', 'http.client', 'jinja2', 'markdown_it', 'yaml', 'lxml',"
        " 'rapidfuzz', 'feedparser', 'PIL', 'playwright', 'email_validator', 'sqlite3', 'importlib.metadata'}\n"
        "    print(json.dumps(sorted(heavy & set(sys.modules))))"
    )
    # its own temporary folder: the render caches (compiled templates, parsed CSS) are the ones this test made,
    # not those other tests running at the same time write and trim
    env = dict(os.environ, TMPDIR=str(Path.cwd().parent / "tmp"))
    Path(env["TMPDIR"]).mkdir(exist_ok=True)
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True, env=env)
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_help_imports_none_of_the_slow_libraries():
    assert imported_after("--help") == []


def test_build_imports_only_what_building_uses(tmp_project):
    imported_after("build", "issues/example.yaml")  # the theme's CSS parsed and the summaries made once (and kept)

    assert imported_after("build", "issues/example.yaml") == ["jinja2", "lxml", "premailer", "yaml"]  # summaries kept too


def test_build_out_dir(tmp_project):
    result = run("build", "issues/example.yaml", "--out", "elsewhere")
    assert result.exit_code == 0, result.output
    assert (tmp_project / "elsewhere" / "index.txt").is_file()


def test_user_error_is_one_message_exit_2(tmp_project, write):
    write("issues/bad.yaml", "title: T\nperiod: {start: soon, end: 2021-06-30}\nsections: [{title: A}]\n")
    result = run("build", "issues/bad.yaml")
    assert result.exit_code == 2
    assert result.output == (
        "Error: issues/bad.yaml is not a valid issue (1 problem):\n"
        "  issues/bad.yaml:2: period.start: expected a date like 2021-06-30, got 'soon'\n"
    )
    assert not (tmp_project / "build").exists()


def test_missing_issue_file(tmp_project):
    result = run("build", "issues/nope.yaml")
    assert result.exit_code == 2
    assert result.output == "Error: issues/nope.yaml: file not found\n"


def test_debug_shows_traceback(tmp_project, write):
    write("issues/bad.yaml", "title: [\n")
    with pytest.raises(Exception, match="YAML syntax error"):
        run("--debug", "build", "issues/bad.yaml")


def test_items_table_and_json(tmp_project):
    result = run("items", "--from", "2021-03-01", "--to", "2021-06-30", "--tag", "Event", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found and all("Event" in i["tags"] and "2021-03-01" <= i["date"] <= "2021-06-30" for i in found)
    assert [i["date"] for i in found] == sorted((i["date"] for i in found), reverse=True)
    table = run("items", "--from", "2021-03-01", "--to", "2021-06-30", "--tag", "Event")
    assert table.exit_code == 0 and f"{len(found)} items" in table.output


def test_items_marks_drafts(tmp_project):
    (tmp_project / "content" / "2021-03-02-wip.md").write_text(
        "---\ndate: 2021-03-02\ntitle: Work in progress\nurl: https://example.org/wip\ndraft: true\n---\n", encoding="utf-8")
    found = {i["title"]: i["draft"] for i in json.loads(run("items", "--json").output)}
    assert found["Work in progress"] is True and list(found.values()).count(True) == 1
    assert "Work in progress (draft)" in run("items", "--from", "2021-03-02", "--to", "2021-03-02").output


def test_items_tag_filter_ignores_case(tmp_project):
    exact = json.loads(run("items", "--tag", "Event", "--json").output)
    assert exact and json.loads(run("items", "--tag", "event", "--json").output) == exact


def test_items_bad_range(tmp_project):
    result = run("items", "--from", "2021-06-30", "--to", "2021-01-01")
    assert result.exit_code == 2 and "before" in result.output


def test_new_issue_scaffold_builds(tmp_project):
    result = run("new-issue", "2021-h2", "--from", "2021-07-01", "--to", "2021-12-31")
    assert result.exit_code == 0, result.output
    text = (tmp_project / "issues" / "2021-h2.yaml").read_text()
    assert "period: {start: 2021-07-01, end: 2021-12-31}" in text and "July – December 2021" in text
    assert run("build", "issues/2021-h2.yaml").exit_code == 0
    again = run("new-issue", "2021-h2", "--from", "2021-07-01", "--to", "2021-12-31")
    assert again.exit_code == 2 and "issues/2021-h2.yaml already exists. To overwrite it, add --force." in again.output


def test_new_issue_keeps_quotes_and_backslashes_of_the_organisation_name(tmp_project, write):
    config = (tmp_project / "bulletin.yaml").read_text(encoding="utf-8")
    write("bulletin.yaml", config.replace("name: European Social Network Federation", 'name: \'ESNF "Europe" \\ Social\''))
    assert run("new-issue", "x", "--from", "2021-01-01", "--to", "2021-06-30").exit_code == 0
    result = run("build", "issues/x.yaml")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_project / "build/x/manifest.json").read_text())["title"] == 'ESNF "Europe" \\ Social bulletin'


def test_build_prints_one_line_per_edition_and_the_missing_translations_grouped(trilingual):
    result = run("build", "issues/tri.yaml")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    editions = [line.split() for line in lines if line.startswith("  ") and "index.html" in line and "KB" in line]
    assert [(e[0], e[-1]) for e in editions] == [("index.html", "en"), ("fr/index.html", "fr"), ("it/index.html", "it")]
    html = (trilingual / "build" / "tri" / "fr" / "index.html").read_bytes()
    assert f"{len(html) / 1024:.1f} KB" in " ".join(editions[1])
    [fr] = [line for line in lines if line.startswith("Warning: fr: ")]
    assert "23 items not translated (content/" in fr and ", …)" in fr and ".md:1" not in fr
    # one line per language, not one per item
    assert not [line for line in lines if "no translation in" in line]
    assert "Built " in lines[-1] and "fr/index.html" in lines[-1]


def test_build_of_a_one_language_issue_prints_no_editions(tmp_project):
    output = run("build", "issues/example.yaml").output
    assert "editions:" not in output and "HTML " in output
