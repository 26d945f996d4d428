"""Content checks on real builds of the example project, broken one rule at a time."""

from __future__ import annotations

import json

from bulletin.build import prepare
from bulletin.check import run_checks


def errors(report, code):
    return [f for f in report.errors if f.code == code]


def test_example_issue_has_no_errors_or_warnings(tmp_project, published):
    report = run_checks(prepare("issues/example.yaml"))
    assert report.errors == [] and report.warnings == [], report.findings
    assert report.ok
    assert report.checks == ["content", "size", "accessibility"]


def test_the_builds_warnings_about_the_inputs_are_warnings_here_too(tmp_project, published, write):
    item = tmp_project / "content" / "2021-06-17-pay-transparency.md"
    item.write_text(item.read_text(encoding="utf-8").replace("---\n", "---\nauthor: Ann\n", 1), encoding="utf-8")
    result = prepare("issues/example.yaml")
    report = run_checks(result)
    found = [(f.code, f.where, f.message) for f in report.warnings]
    assert found == [("build-warning", "content/2021-06-17-pay-transparency.md:1", "'author' is not an item field, so it is ignored")]
    assert [str(f) for f in report.warnings] == [w for w in result.warnings if "author" in w]


def test_minimal_template_passes(tmp_project, template):
    template()
    report = run_checks(prepare("issues/example.yaml"))
    assert report.errors == [], report.errors


def test_missing_unsubscribe_link_is_an_error_naming_the_template(tmp_project, template):
    template(footer='<a href="https://example.org/contact">Contact</a>')
    report = run_checks(prepare("issues/example.yaml"))
    [finding] = errors(report, "no-unsubscribe")
    assert finding.where == "templates/default/email.mjml.j2"
    assert not report.ok


def test_unsubscribe_page_of_our_own_counts(tmp_project, template):
    template(footer='<a href="https://example.org/newsletter/unsubscribe">Stop receiving this</a>')
    assert errors(run_checks(prepare("issues/example.yaml")), "no-unsubscribe") == []


def test_missing_postal_address_is_an_error(tmp_project, template):
    template(replace={"<br>{{ org.address }}": ""})
    report = run_checks(prepare("issues/example.yaml"))
    [finding] = errors(report, "no-address")
    assert "Rue de la Science 14" in finding.message


def test_item_image_without_alt_names_the_item_file(tmp_project, news):
    news("a.md", title="Photo story", image='image: {src: "https://example.org/img/a.jpg", alt: ""}')
    report = run_checks(prepare("issues/check.yaml"))
    [finding] = errors(report, "no-alt")
    assert finding.where == "news/a.md:1"
    assert "https://example.org/img/a.jpg" in finding.message


def test_template_image_without_alt_shows_the_html(tmp_project, template):
    template(footer='<a href="{{ unsubscribe_url }}">Unsubscribe</a><img src="https://example.org/logo.png">')
    [finding] = errors(run_checks(prepare("issues/example.yaml")), "no-alt")
    assert finding.where.startswith('<img src="https://example.org/logo.png"')


def test_empty_hash_and_javascript_links_are_errors(tmp_project, template):
    template(footer='<a href="{{ unsubscribe_url }}">Unsubscribe</a> <a href="#">Top</a> <a href="">Empty</a> '
                    '<a href="javascript:alert(1)">Script</a> <a href="#nowhere">Jump</a>')
    report = run_checks(prepare("issues/example.yaml"))
    assert len(errors(report, "empty-link")) == 2
    assert len(errors(report, "javascript-link")) == 1
    [anchor] = [f for f in report.warnings if f.code == "broken-anchor"]
    assert "#nowhere" in anchor.message


def test_unresolved_placeholders_are_errors_known_tags_are_not(tmp_project, template):
    template(footer='<a href="{{ unsubscribe_url }}">Unsubscribe</a> <a href="<%asm_preferences_raw_url%>">Preferences</a> '
                    '{{ merge("name", "friend") }} {{ "{{ first_name }}" }} <%foo%> *|UNKNOWN|*')
    report = run_checks(prepare("issues/example.yaml"))
    found = sorted(f.message.split(" in the ")[0].removeprefix("unresolved placeholder ") for f in errors(report, "placeholder"))
    assert found == ["*|UNKNOWN|*", "<%foo%>", "{{ first_name }}"]
    assert {f.where for f in errors(report, "placeholder")} == {"templates/default/email.mjml.j2"}


def test_placeholder_in_an_item_summary_names_the_item(tmp_project, news):
    news("a.md", summary="Dear {{ name }}, welcome.")
    [finding] = errors(run_checks(prepare("issues/check.yaml")), "placeholder")
    assert finding.where == "news/a.md:1"


def test_subject_too_long_and_no_preheader_are_warnings(tmp_project, news, write):
    news("a.md")
    subject = "\"Our bulletin for the whole of 2022: news, events, position papers and publications\""
    write("issues/check.yaml", f"title: T\nsubject: {subject}\nperiod: {{start: 2022-01-01, end: 2022-12-31}}\n"
                               "source: news/\nsections:\n  - {title: News}\n")
    report = run_checks(prepare("issues/check.yaml"))
    assert {f.code for f in report.warnings} >= {"long-subject", "no-preheader"}
    assert report.ok


def test_missing_lang_is_an_error(tmp_project):
    result = prepare("issues/example.yaml")
    assert '<html lang="en"' in result.rendered.html
    result.rendered.html = result.rendered.html.replace('<html lang="en"', "<html", 1)
    [finding] = errors(run_checks(result), "no-lang")
    assert finding.where == "bulletin/themes/default/email.mjml.j2"


def test_json_report_has_stable_keys(tmp_project, template):
    template(footer="")
    data = json.loads(run_checks(prepare("issues/example.yaml")).to_json())
    assert set(data) == {"issue", "ok", "counts", "checks", "stats", "findings"}
    assert data["ok"] is False and data["counts"]["errors"] == 1
    assert data["findings"][0] == {
        "severity": "error", "code": "no-unsubscribe", "group": "content", "where": "templates/default/email.mjml.j2",
        "message": "no unsubscribe link: the template must link to {{ unsubscribe_url }}",
    }


def test_plain_text_part_without_unsubscribe_or_address_is_a_warning(tmp_project, published, write):
    write("templates/default/email.txt.j2", "{{ issue.title }}\n")
    report = run_checks(prepare("issues/example.yaml"))
    assert [f.code for f in report.warnings] == ["no-unsubscribe-text", "no-address-text", "text-missing-items"]
    assert {f.where for f in report.warnings} == {"templates/default/email.txt.j2"}
    assert report.ok


def test_empty_link_in_a_summary_names_the_item(tmp_project, news):
    news("a.md", summary="Slides are [here](#) and the [agenda]() too.")
    news("b.md", title="Other", url="https://example.org/b", summary="Nothing to see.")
    found = errors(run_checks(prepare("issues/check.yaml")), "empty-link")
    assert [(f.where, f.message) for f in found] == [
        ("news/a.md:1", "link \"here\" goes nowhere (empty or '#' address)"),
        ("news/a.md:1", "link \"agenda\" goes nowhere (empty or '#' address)"),
    ]


TEXT_FOOTER = "{{ org.name }}\n{{ org.address }}\nUnsubscribe: {{ unsubscribe_url }}\n"


def test_plain_text_part_without_the_items_is_a_warning(tmp_project, write):
    # a text template that lists titles only: text-only readers cannot open any item
    write("templates/default/email.txt.j2",
          "{% for s in sections %}{% for item in s.items %}{{ item.title }}\n{% endfor %}{% endfor %}" + TEXT_FOOTER)
    report = run_checks(prepare("issues/example.yaml"))
    [finding] = [f for f in report.warnings if f.code == "text-missing-items"]
    assert finding.where == "templates/default/email.txt.j2"
    assert finding.message == (
        "the plain-text part leaves out the title or link of 22 of the 22 items"
        " (first: \"Congress 2021: registration is open\"): text-only readers cannot open them"
    )
    assert report.ok


def test_plain_text_part_missing_one_item_names_its_file(tmp_project, news, write):
    news("a.md", title="Alpha", url="https://example.org/a")
    news("b.md", title="Beta", url="https://example.org/b")
    write("templates/default/email.txt.j2",
          "{% for s in sections %}{% for item in s.items if item.title != 'Beta' %}{{ item.title }}\n"
          "{{ item.url }}\n{% endfor %}{% endfor %}" + TEXT_FOOTER)
    found = [f for f in run_checks(prepare("issues/check.yaml")).warnings if f.code == "text-missing-items"]
    assert [(f.where, f.message) for f in found] == [
        ("news/b.md:1", 'the plain-text part leaves out the title and link of "Beta": text-only readers will not see it'),
    ]


def test_plain_text_with_wrapped_titles_and_long_links_is_fine(tmp_project, news):
    title = "A very long title " * 8 + "& <more> 🇪🇺"
    news("a.md", title=title.strip(), url="https://example.org/a/" + "very-long-path/" * 8 + "?x=1&y=2")
    news("b.md", title="مؤتمر الاتحاد الأوروبي", url="https://en.wikipedia.org/wiki/Social_Europe_(policy)")
    report = run_checks(prepare("issues/check.yaml"))
    assert [f for f in report.findings if f.code == "text-missing-items"] == []


def test_images_no_subscriber_can_load_or_see_are_refused(tmp_project, news):
    from bulletin.check.content import image_reach

    assert [code for _, code, _ in image_reach("http://127.0.0.1:8000/a.png")] == ["image-private"]
    assert [code for _, code, _ in image_reach("https://192.168.1.20/a.jpg")] == ["image-private"]
    assert [code for _, code, _ in image_reach("https://169.254.1.1/a.jpg")] == ["image-private"]
    assert [code for _, code, _ in image_reach("https://[::1]/a.jpg")] == ["image-private"]
    assert [code for _, code, _ in image_reach("https://intranet.local/a.jpg")] == ["image-private"]
    assert [(s, c) for s, c, _ in image_reach("https://example.org/logo.svg")] == [("error", "image-svg")]
    assert [(s, c) for s, c, _ in image_reach("https://example.org/a.webp?v=2")] == [("warning", "image-webp")]
    assert [(s, c) for s, c, _ in image_reach("http://example.org/a.jpg")] == [("warning", "image-http")]
    assert image_reach("https://example.org/a.jpg") == []
