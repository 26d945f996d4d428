"""Template lookup, override order, escaping modes and error messages with file:line."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest

from bulletin.errors import RenderError
from bulletin.render import render_issue, template_dirs
from bulletin.render.jinja import THEMES_DIR, environment, words_with_context

MINIMAL_MJML = """<mjml lang="{{ issue.lang }}"><mj-body><mj-section><mj-column>
<mj-text>{{ issue.title }} {{ marker }}</mj-text>
</mj-column></mj-section></mj-body></mjml>
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def override(project, name: str, text: str, theme: str = "default") -> Path:
    return write(Path(project.root) / "templates" / theme / name, text)


def test_template_dirs(project):
    assert template_dirs(project, "default") == [
        Path(project.root) / "templates" / "default",
        THEMES_DIR / "default",
    ]
    assert (THEMES_DIR / "default" / "email.mjml.j2").is_file()
    assert (THEMES_DIR / "default" / "email.txt.j2").is_file()


def test_project_file_wins_over_builtin(project, spec, selection):
    override(project, "email.txt.j2", "PROJECT TEXT {{ issue.slug }}\n")
    rendered = render_issue(project, spec, selection)
    assert rendered.text == "PROJECT TEXT 2021-h1\n"
    assert "Read more" in rendered.html  # the HTML template still comes from the built-in theme


def test_overriding_a_partial_only(project, spec, selection):
    footer = "<p>Custom footer for {{ org.name }}</p><a href=\"{{ unsubscribe_url }}\">Bye</a>\n"
    override(project, "_footer.mjml.j2", footer)
    html = render_issue(project, spec, selection).html
    assert "Custom footer for Social Europe Network" in html
    assert re.search(r'<a href="<%asm_group_unsubscribe_raw_url%>"[^>]*>Bye</a>', html)
    assert "Read more" in html


def test_undefined_variable_names_file_and_line(project, spec, selection):
    override(project, "email.mjml.j2", "<mjml>\n<mj-body>\n{{ item.title }}\n</mj-body></mjml>\n")
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    assert str(info.value) == "templates/default/email.mjml.j2:3: 'item' is undefined"


def test_undefined_attribute_in_partial_names_the_partial(project, spec, selection):
    override(project, "email.mjml.j2", '<mjml>\n{% include "_part.mjml.j2" %}\n</mjml>\n')
    override(project, "_part.mjml.j2", "line one\nline two\n{{ issue.nope }}\n")
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    message = str(info.value)
    assert message.startswith("templates/default/_part.mjml.j2:3: ")
    assert "issue has no 'nope'" in message


def test_syntax_error_names_file_and_line(project, spec, selection):
    text = "\n".join(["<mjml>"] * 6) + "\n{{ issue.title }\n</mjml>\n"
    override(project, "email.mjml.j2", text)
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    assert str(info.value) == "templates/default/email.mjml.j2:7: syntax error: unexpected '}'"


def test_templates_saved_with_a_byte_order_mark(project, spec, selection):
    for name in ("email.mjml.j2", "_item.mjml.j2", "_style.mjml.j2", "email.txt.j2"):
        text = (THEMES_DIR / "default" / name).read_text(encoding="utf-8").replace("\n", "\r\n")
        path = Path(project.root) / "templates" / "default" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode("utf-8-sig"))
    rendered = render_issue(project, spec, selection)
    assert "\ufeff" not in rendered.html and "\ufeff" not in rendered.text
    assert rendered.text.startswith(spec.title)


def test_misspelt_mjml_component_is_an_error(project, spec, selection):
    override(project, "email.mjml.j2", MINIMAL_MJML.replace("mj-column", "mj-colum").replace("{{ marker }}", ""))
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    assert str(info.value).startswith("templates/default/email.mjml.j2:1: <mj-colum> is not an MJML component")


def test_invalid_mjml_shows_where(project, spec, selection):
    override(project, "email.mjml.j2", MINIMAL_MJML.replace("</mj-body>", "</mj-body><mj-foo>").replace("{{ marker }}", ""))
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    assert str(info.value).startswith(
        "templates/default/email.mjml.j2:3: <mj-foo> is never closed: add </mj-foo> before </mjml> (near '<mj-foo></mjml>')"
    )


def test_error_raised_by_python_code_in_template(project, spec, selection):
    override(project, "email.mjml.j2", '<mjml>\n{{ merge("first name", "x") }}\n</mjml>\n')
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    assert str(info.value).startswith("templates/default/email.mjml.j2:2: ValueError: merge()")


def test_missing_template_lists_searched_paths(project, spec, selection):
    override(project, "email.mjml.j2", MINIMAL_MJML.replace("{{ marker }}", ""), theme="custom")
    spec.template = "custom"
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    message = str(info.value)
    assert message.splitlines() == [
        "template 'email.txt.j2' not found in theme 'custom'; searched:",
        "  templates/custom/email.txt.j2",
        "  bulletin/themes/custom/email.txt.j2",
    ]


def test_missing_included_template(project, spec, selection):
    override(project, "email.mjml.j2", '<mjml>\n\n{% include "_nope.mjml.j2" %}</mjml>\n')
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    assert str(info.value).startswith(
        "templates/default/email.mjml.j2:3: template '_nope.mjml.j2' not found in theme 'default'"
    )
    assert "  templates/default/_nope.mjml.j2" in str(info.value)


def test_missing_theme(project, spec, selection):
    spec.template = "nothing-here"
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    assert str(info.value).splitlines() == [
        "theme 'nothing-here' not found; searched:",
        "  templates/nothing-here/email.mjml.j2",
        "  bulletin/themes/nothing-here/email.mjml.j2",
    ]


def test_custom_theme_and_escaping_modes(project, spec, selection):
    spec.title = 'Fish & "chips"'
    override(project, "email.mjml.j2", MINIMAL_MJML.replace("{{ marker }}", ""), theme="custom")
    override(project, "email.txt.j2", "{{ issue.title }}\n", theme="custom")
    spec.template = "custom"
    rendered = render_issue(project, spec, selection)
    assert "Fish &amp; &#34;chips&#34;" in rendered.mjml  # autoescaped MJML source
    assert rendered.text == 'Fish & "chips"\n'  # not escaped


def test_environment_is_cached_and_reloads_changed_files(project, spec, selection):
    path = override(project, "email.mjml.j2", MINIMAL_MJML.replace("{{ marker }}", "first"))
    dirs = tuple(str(d) for d in template_dirs(project, "default"))
    assert environment(dirs) is environment(dirs)
    assert "first" in render_issue(project, spec, selection).html
    path.write_text(MINIMAL_MJML.replace("{{ marker }}", "second"), encoding="utf-8")
    later = time.time() + 5  # make the change visible even on coarse mtime file systems
    os.utime(path, (later, later))
    assert "second" in render_issue(project, spec, selection).html
    assert environment(dirs) is environment(dirs)


def test_new_override_is_picked_up_by_a_cached_environment(project, spec, selection):
    assert "Read more" in render_issue(project, spec, selection).html  # built-in, now cached
    override(project, "email.mjml.j2", MINIMAL_MJML.replace("{{ marker }}", "overridden"))
    html = render_issue(project, spec, selection).html
    assert "overridden" in html and "Read more" not in html
    (Path(project.root) / "templates" / "default" / "email.mjml.j2").unlink()
    assert "Read more" in render_issue(project, spec, selection).html


@pytest.mark.parametrize("source", ["", "\n\n", "{% if false %}<mjml></mjml>{% endif %}\n"])
def test_html_template_that_renders_nothing_says_so(project, spec, selection, source):
    override(project, "email.mjml.j2", source)
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    assert str(info.value).startswith("templates/default/email.mjml.j2:1: the template produced nothing")


@pytest.mark.parametrize("source", ["", "{% if sections|length > 99 %}\n{{ issue.title }}\n{% endif %}\n"])
def test_text_template_that_renders_nothing_is_an_error(project, spec, selection, source):
    # an empty plain-text part would be sent as an empty email to text-only readers
    override(project, "email.txt.j2", source)
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    assert str(info.value).startswith("templates/default/email.txt.j2:1: the template produced nothing")


def test_missing_include_in_a_partial_names_the_partial_and_line(project, spec, selection):
    override(project, "email.txt.j2", '{% include "_head.txt" %}\n')
    override(project, "_head.txt", "Hello\n{% include '_logo.txt' %}\n")
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    assert str(info.value).startswith("templates/default/_head.txt:2: template '_logo.txt' not found")


@pytest.mark.parametrize(
    ("opener", "closer"),
    [("{% for section in sections %}", "{% endfor %}"), ("{% if issue.intro_html %}", "{% endif %}")],
)
def test_unclosed_block_names_the_line_that_opens_it(project, spec, selection, opener, closer):
    lines = (THEMES_DIR / "default" / "email.mjml.j2").read_text(encoding="utf-8").split("\n")
    at = lines.index(opener)
    del lines[lines.index(closer, at + 1)]
    override(project, "email.mjml.j2", "\n".join(lines))
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    keyword = opener.split()[1]
    assert str(info.value) == (
        f"templates/default/email.mjml.j2:{at + 1}: syntax error: this {{% {keyword} %}} is never closed:"
        f" add {{% end{keyword} %}} where it should end"
    )


def test_unclosed_macro_in_a_partial(project, spec, selection):
    lines = (THEMES_DIR / "default" / "_item.mjml.j2").read_text(encoding="utf-8").split("\n")
    last = len(lines) - 1 - lines[::-1].index("{% endmacro %}")
    del lines[last]
    override(project, "_item.mjml.j2", "\n".join(lines))
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    opened = next(n for n, line in enumerate(lines) if line.startswith("{% macro featured_html")) + 1
    assert str(info.value).startswith(f"templates/default/_item.mjml.j2:{opened}: syntax error: this {{% macro %}} is never closed")


def test_misspelt_field_says_what_the_object_has(project, spec, selection):
    override(project, "email.txt.j2", "{% for s in sections %}{% for item in s.items %}\n{{ item.titel }}\n{% endfor %}{% endfor %}\n")
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    assert str(info.value) == (
        "templates/default/email.txt.j2:2: an item has no 'titel' (did you mean 'title'?; it has: title, url,"
        " date, date_label, tags, summary_html, summary_text, image, position, lang)"
    )


def test_misspelt_filter_gets_a_suggestion(project, spec, selection):
    override(project, "email.txt.j2", "{{ issue.title }}\n{{ issue.title|uper }}\n")
    with pytest.raises(RenderError) as info:
        render_issue(project, spec, selection)
    assert str(info.value) == "templates/default/email.txt.j2:2: syntax error: No filter named 'uper' (did you mean 'upper'?)."


@pytest.mark.parametrize(("written", "expected"), [
    ('{% import "_words.j2" as words %}', '{% import "_words.j2" as words with context %}'),
    ("{%- import '_words.j2' as w -%}", "{%- import '_words.j2' as w with context -%}"),
    ('{% import "_words.j2" as words with context %}', '{% import "_words.j2" as words with context %}'),
    ('{% from "_words.j2" import read_more, featured %}', '{% from "_words.j2" import read_more, featured with context %}'),
    ('{% import "_item.mjml.j2" as items %}', '{% import "_item.mjml.j2" as items %}'),
])  # fmt: skip
def test_older_templates_import_the_words_with_context(written, expected):
    assert words_with_context(written) == expected
