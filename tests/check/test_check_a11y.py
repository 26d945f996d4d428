"""Accessibility warnings: heading order, vague link text, colour contrast."""

from __future__ import annotations

from bulletin.build import prepare
from bulletin.check import run_checks
from bulletin.colours import parse_color


def warnings(report, code):
    return [f for f in report.warnings if f.code == code]


def test_typos_in_a_template_css_do_not_break_the_check(tmp_project, template, write):
    write("bulletin.yaml", (tmp_project / "bulletin.yaml").read_text(encoding="utf-8").replace("inliner: premailer", "inliner: css-inline"))
    template(replace={"<h1>{{ issue.title }}</h1>": '<h1 style="color: rgb(1..2, 3, 4); font-size: 1..5px">{{ issue.title }}</h1>'})
    report = run_checks(prepare("issues/example.yaml"))
    assert report.ok
    assert parse_color("rgb(1..2, 3, 4)") is None and parse_color("rgba(0, 0, 0, .)") is None


def test_skipped_heading_level_is_a_warning(tmp_project, template):
    template(replace={"<h1>{{ issue.title }}</h1>": "<h1>{{ issue.title }}</h1><h4>Skipped</h4>"})
    [finding] = warnings(run_checks(prepare("issues/example.yaml")), "heading-order")
    assert finding.message == "heading level skips from h1 to h4"
    assert finding.where.startswith("<h4>Skipped")


def test_read_more_without_label_names_the_item(tmp_project, news, template):
    template(replace={"{{ item.summary_html }}": '{{ item.summary_html }}<a href="{{ item.url }}">Read more</a>'
                      '<a href="{{ item.url }}" aria-label="Read more: {{ item.title }}">Read more</a>'})
    news("a.md", title="Budget talks", url="https://example.org/budget")
    [finding] = warnings(run_checks(prepare("issues/check.yaml")), "vague-link-text")
    assert finding.where == "news/a.md:1"
    assert '"Read more"' in finding.message


def test_low_contrast_text_is_a_warning_with_the_colours(tmp_project, template):
    template(replace={'<p>{{ org.name }}': '<p style="color:#aaaaaa">{{ org.name }}'})
    [finding] = warnings(run_checks(prepare("issues/example.yaml")), "low-contrast")
    assert finding.message.startswith("text #aaaaaa on #ffffff has contrast 2.32:1, below WCAG AA 4.5:1")
    assert finding.group == "accessibility"


def test_contrast_uses_the_nearest_background(tmp_project, template):
    # white on dark blue passes; the same white on the light page background would not
    template(replace={'<h1>{{ issue.title }}</h1>':
                      '<div style="background-color:#1e3a5f"><p style="color:#ffffff">Dark band</p></div>'
                      '<div style="background:#eeeeee url(x.png)"><p style="color:#ffffff">Light band</p></div>'})
    found = warnings(run_checks(prepare("issues/example.yaml")), "low-contrast")
    assert [f.message.split(" has ")[0] for f in found] == ["text #ffffff on #eeeeee"]


def test_hidden_preheader_is_not_a_contrast_problem(tmp_project):
    result = prepare("issues/example.yaml")
    assert "display:none" in result.rendered.html  # MJML's preheader: white text, hidden on purpose
    assert warnings(run_checks(result), "low-contrast") == []


def test_a_brand_set_in_bulletin_yaml_gives_no_contrast_warning(tmp_project, write):
    settings = (tmp_project / "bulletin.yaml").read_text(encoding="utf-8")
    write("bulletin.yaml", settings + 'brand: {colour: "#3a73b3", accent: "#0b6e4f", font: Georgia}\n')
    report = run_checks(prepare("issues/example.yaml"))
    assert warnings(report, "low-contrast") == []
    assert "#3a73b3" in prepare("issues/example.yaml").rendered.html  # the band, though too pale for headings on grey
