"""`bulletin theme copy`: the built-in theme's files into templates/default/."""

from __future__ import annotations

from click.testing import CliRunner

from bulletin.cli import main
from bulletin.render.jinja import THEMES_DIR


def invoke(*args):
    return CliRunner().invoke(main, ["theme", "copy", *args])


def test_copy_all_files_then_refuse_to_overwrite(tmp_project):
    result = invoke()
    assert result.exit_code == 0, result.output
    copied = sorted(p.name for p in (tmp_project / "templates/default").iterdir())
    assert copied == sorted(p.name for p in (THEMES_DIR / "default").iterdir() if p.is_file())
    assert "Copied templates/default/email.mjml.j2" in result.output
    edited = tmp_project / "templates/default/_words.j2"
    edited.write_text(edited.read_text().replace("messages.read_more", '"Lire la suite"'))
    again = invoke("_words.j2")
    assert again.exit_code != 0 and "templates/default/_words.j2 already exists" in again.output
    assert "(rename or delete it first). To overwrite it, add --force." in again.output
    assert "Lire la suite" in edited.read_text()
    build = CliRunner().invoke(main, ["build", "issues/example.yaml"])
    assert build.exit_code == 0, build.output
    assert "Lire la suite" in (tmp_project / "build/example/index.html").read_text()


def test_copy_one_file_and_an_unknown_one_with_a_hint(tmp_project):
    assert invoke("_style.mjml.j2").exit_code == 0
    assert [p.name for p in (tmp_project / "templates/default").iterdir()] == ["_style.mjml.j2"]
    result = invoke("_styel.mjml.j2")
    assert result.exit_code != 0
    assert "the default theme has no '_styel.mjml.j2' (did you mean '_style.mjml.j2'?)" in " ".join(result.output.split())
