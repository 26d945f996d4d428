"""MJML mistakes in a user's template name the template file and line, and say what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulletin.errors import RenderError
from bulletin.render import render_issue
from bulletin.render.jinja import THEMES_DIR
from bulletin.render.locate import find_problem

BUILTIN = THEMES_DIR / "default"


def lines_of(name: str) -> list[str]:
    return (BUILTIN / name).read_text(encoding="utf-8").split("\n")


def override(project, name: str, lines: list[str]) -> None:
    path = Path(project.root) / "templates" / "default" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")


def edit(project, name: str, old: str, new: str) -> int:
    """Copy a built-in template into the project with ``old`` replaced on its first line; that line's number."""
    lines = lines_of(name)
    number = next(n for n, line in enumerate(lines) if old in line)
    lines[number] = lines[number].replace(old, new, 1)
    override(project, name, lines)
    return number + 1


def error(project, spec, selection) -> str:
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    return str(info.value)


def test_unclosed_html_tag_in_a_partial_names_the_partial_and_line(project, spec, selection):
    line = edit(project, "_item.mjml.j2", "</a></h3>", "</a>")
    message = error(project, spec, selection)
    assert message.startswith(f"templates/default/_item.mjml.j2:{line}: <h3> is never closed: add </h3> before </td>")


def test_unclosed_paragraph_in_the_main_template(project, spec, selection):
    line = edit(project, "email.mjml.j2", "{{ issue.period_label }}</p>", "{{ issue.period_label }}")
    assert error(project, spec, selection).startswith(
        f"templates/default/email.mjml.j2:{line}: <p> is never closed: add </p> before </mj-text>"
    )


def test_unclosed_mjml_component(project, spec, selection):
    lines = lines_of("email.mjml.j2")
    first_close = lines.index("</mj-column>")
    del lines[first_close]
    override(project, "email.mjml.j2", lines)
    opened = lines.index("<mj-column>") + 1
    assert error(project, spec, selection).startswith(
        f"templates/default/email.mjml.j2:{opened}: <mj-column> is never closed: add </mj-column> before </mj-section>"
    )


def test_self_closing_component_written_without_slash(project, spec, selection):
    lines = lines_of("email.mjml.j2")
    at = lines.index("<mj-column>") + 1
    lines.insert(at, '<mj-divider border-color="#cccccc">')
    override(project, "email.mjml.j2", lines)
    assert error(project, spec, selection).startswith(
        f"templates/default/email.mjml.j2:{at + 1}: <mj-divider> is never closed: add </mj-divider> before </mj-column>"
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('background-color="#ffffff"', "background-color=#ffffff", 'an attribute value is not in quotes: write name="value"'),
        ('<mj-text color="#ffffff">', '<mj-text color="#ffffff"', "this tag is never finished with '>'"),
        ('<p class="pl">', "<p>1 < 2</p><p class=\"pl\">", "a '<' that does not start a tag: write &lt; for a 'less than' sign"),
        ("</mj-text>", "</div></mj-text>", "</div> closes nothing that is open"),
        ("<p class=\"gr\">", '<p class="a"class="gr">', 'this tag is not written correctly: attributes are written name="value"'),
    ],
)
def test_malformed_tags_name_the_line(project, spec, selection, old, new, expected):
    line = edit(project, "email.mjml.j2", old, new)
    assert error(project, spec, selection).startswith(f"templates/default/email.mjml.j2:{line}: {expected}")


def test_misspelt_component_in_a_partial_names_the_partial(project, spec, selection):
    lines = lines_of("_footer.mjml.j2")
    lines.insert(2, '<mj-buton href="https://example.org">Donate</mj-buton>')
    override(project, "_footer.mjml.j2", lines)
    assert error(project, spec, selection).startswith("templates/default/_footer.mjml.j2:3: <mj-buton> is not an MJML component")


def test_misspelt_component_in_the_main_template(project, spec, selection):
    lines = lines_of("email.mjml.j2")
    at = lines.index("<mj-column>") + 1
    lines.insert(at, '<mj-buton href="https://example.org">Donate</mj-buton>')
    override(project, "email.mjml.j2", lines)
    assert error(project, spec, selection).startswith(
        f"templates/default/email.mjml.j2:{at + 1}: <mj-buton> is not an MJML component"
    )


def test_sendgrid_tags_before_the_mistake_do_not_shift_the_line(project, spec, selection):
    lines = lines_of("_footer.mjml.j2")
    lines.insert(1, '<p class="fo"><a href="<%asm_preferences_raw_url%>">*|NAME|*</a> <b>Manage</p>')
    override(project, "_footer.mjml.j2", lines)
    assert error(project, spec, selection).startswith(
        "templates/default/_footer.mjml.j2:2: <b> is never closed: add </b> before </p>"
    )


def test_text_after_the_closing_mjml_tag(project, spec, selection):
    lines = lines_of("email.mjml.j2")
    lines.insert(len(lines) - 1, "<p>Thanks</p>")
    override(project, "email.mjml.j2", lines)
    assert error(project, spec, selection).startswith(
        f"templates/default/email.mjml.j2:{lines.index('<p>Thanks</p>') + 1}: there is something after the closing </mjml>"
    )


def test_mrml_position_is_mapped_to_the_template_line(project, spec, selection):
    # balanced tags that MRML still refuses: its own position is turned into the template line
    lines = lines_of("email.mjml.j2")
    at = lines.index("</mj-body>")
    lines.insert(at + 1, "<mj-foo></mj-foo>")
    override(project, "email.mjml.j2", lines)
    message = error(project, spec, selection)
    assert message.startswith(f"templates/default/email.mjml.j2:{at + 2}: MJML compilation failed:")
    assert "<mj-foo>" in message


def test_error_from_a_variable_points_at_the_line_using_it(project, spec, selection):
    spec.title = "Fish < chips"
    line = edit(project, "email.mjml.j2", "{{ issue.title }}</h1>", "{{ issue.title|safe }}</h1>")
    assert error(project, spec, selection).startswith(f"templates/default/email.mjml.j2:{line}: a '<' that does not start a tag")


def test_find_problem_accepts_what_mrml_accepts():
    source = (
        '<mjml><mj-head><mj-style>a > b {color:red}</mj-style></mj-head><mj-body><mj-section full-width>'
        '<mj-column><mj-divider/><mj-text><!-- note --><p data-x="a>b">x<br>y<br/><img src="a"></p>'
        "<table><tr><td nowrap>z</td></tr></table><P>a -> b &amp;</p></mj-text></mj-column>"
        "</mj-section></mj-body></mjml>\n"
    )
    assert find_problem(source) is None


def test_builtin_theme_has_no_problem(project, spec, selection):
    rendered = render_issue(project, spec, selection)
    assert find_problem(rendered.mjml) is None
