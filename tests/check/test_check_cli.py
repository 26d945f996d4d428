"""`bulletin check`: grouped report, exit code, JSON."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bulletin.cli import main


def invoke(*args):
    return CliRunner().invoke(main, ["check", *args])


def test_example_issue_is_ready_to_send(tmp_project, published):
    result = invoke("issues/example.yaml")
    assert result.exit_code == 0, result.output
    assert "Content  ✓ no problems" in result.output
    assert "Ready to send: 0 errors, 0 warnings" in result.output


def test_errors_are_grouped_and_exit_1(tmp_project, template):
    template(footer='<a href="#">Top</a>', replace={"<h1>{{ issue.title }}</h1>": "<h1>{{ issue.title }}</h1><h3>Skip</h3>"})
    result = invoke("issues/example.yaml")
    assert result.exit_code == 1
    out = result.output
    assert out.index("Content") < out.index("no unsubscribe link") < out.index("Accessibility") < out.index("skips from h1 to h3")
    assert "templates/default/email.mjml.j2" in out
    assert "Not ready to send: 2 errors, 1 warning" in out
    assert "Error: issues/example.yaml: 2 errors found; the issue must not be sent until they are fixed" in out


def test_json_output_is_pure_json_on_stdout(tmp_project, template):
    template(footer="")
    result = CliRunner().invoke(main, ["check", "issues/example.yaml", "--json"])
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert data["ok"] is False and [f["code"] for f in data["findings"]] == ["no-unsubscribe"]
    assert "must not be sent" in result.stderr


def test_invalid_issue_is_one_clear_error(tmp_project):
    result = invoke("issues/nope.yaml")
    assert result.exit_code == 2
    assert result.output.strip() == "Error: issues/nope.yaml: file not found"


def test_json_output_when_the_issue_cannot_be_built(tmp_project, write):
    write("issues/broken.yaml", "title: [\n")
    result = CliRunner().invoke(main, ["check", "issues/broken.yaml", "--json"])
    assert result.exit_code == 2
    data = json.loads(result.stdout)
    assert data["ok"] is False and data["counts"]["errors"] == 1
    [finding] = data["findings"]
    assert finding["code"] == "build-failed" and finding["message"].startswith("issues/broken.yaml:")
    assert result.stderr.startswith("Error: issues/broken.yaml:")


def test_json_build_failure_points_at_the_broken_template(tmp_project, write):
    write("templates/default/_footer.mjml.j2", "<p>{{ org.name }}\n{{ org.nam }}</p>\n")
    result = CliRunner().invoke(main, ["check", "issues/example.yaml", "--json"])
    assert result.exit_code == 2
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["where"] == "templates/default/_footer.mjml.j2:2"
    assert finding["message"].startswith("templates/default/_footer.mjml.j2:2: org has no 'nam'")


def test_json_build_failure_points_at_the_source_that_cannot_be_read(tmp_project, write):
    write("items.yaml", "- date: 2022-06-01\n  title: [unclosed\n")
    write("issues/check.yaml", "title: T\nsubject: T\nperiod: {start: 2022-01-01, end: 2022-12-31}\nsource: items.yaml\n"
                               "sections:\n  - {title: News}\n")
    result = CliRunner().invoke(main, ["check", "issues/check.yaml", "--json"])
    assert result.exit_code == 2, result.output
    [finding] = json.loads(result.stdout)["findings"]
    assert finding["where"] == "issues/check.yaml:4"  # the source: line naming the file that cannot be read
    assert "issues/check.yaml:4: source: items.yaml:3: YAML syntax error" in finding["message"]


def test_an_svg_image_on_loopback_is_an_error_naming_the_item(tmp_project, news):
    news("a.md", image='image: {src: "http://127.0.0.1:8000/logo.svg", alt: Logo}')
    result = invoke("issues/check.yaml")
    assert result.exit_code == 1
    out = " ".join(result.output.split())
    assert "news/a.md:1" in out and "cannot load it" in out and "Gmail and Outlook do not show" in out
