"""The template context: dates, UTM rules, summaries, sections, merge tags."""

from __future__ import annotations

import datetime as dt

import pytest
from markupsafe import Markup

from bulletin.model import Image, Section, Selection, Utm
from bulletin.render import render_context
from bulletin.render.context import add_utm, date_label, period_label, utm_params

UTM = (("utm_source", "newsletter"), ("utm_medium", "email"), ("utm_campaign", "h1"))
D = dt.date


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        (D(2021, 1, 1), D(2021, 6, 30), "January – June 2021"),
        (D(2021, 1, 1), D(2021, 3, 15), "1 January – 15 March 2021"),
        (D(2021, 6, 1), D(2021, 6, 30), "June 2021"),
        (D(2021, 6, 1), D(2021, 6, 15), "1 – 15 June 2021"),
        (D(2021, 6, 10), D(2021, 6, 10), "10 June 2021"),
        (D(2020, 12, 1), D(2021, 2, 28), "December 2020 – February 2021"),
        (D(2020, 12, 15), D(2021, 1, 15), "15 December 2020 – 15 January 2021"),
        (D(2024, 2, 1), D(2024, 2, 29), "February 2024"),
    ],
)
def test_period_label(start, end, label):
    assert period_label(start, end) == label


def test_date_label_has_no_leading_zero():
    assert date_label(D(2021, 6, 1)) == "1 June 2021"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://e.org/a", "https://e.org/a?utm_source=newsletter&utm_medium=email&utm_campaign=h1"),
        ("http://e.org/a?x=1&y=2#top",
         "http://e.org/a?x=1&y=2&utm_source=newsletter&utm_medium=email&utm_campaign=h1#top"),
        ("https://e.org/a?utm_source=twitter",
         "https://e.org/a?utm_source=twitter&utm_medium=email&utm_campaign=h1"),
        ("https://e.org/a?utm_source=x&utm_medium=y&utm_campaign=z",
         "https://e.org/a?utm_source=x&utm_medium=y&utm_campaign=z"),
        ("mailto:info@example.org", "mailto:info@example.org"),
        ("<%asm_group_unsubscribe_raw_url%>", "<%asm_group_unsubscribe_raw_url%>"),
        ("#section-1", "#section-1"),
        ("ftp://e.org/file", "ftp://e.org/file"),
    ],
)  # fmt: skip
def test_add_utm(url, expected):
    assert add_utm(url, UTM) == expected


def test_add_utm_without_parameters_is_identity():
    assert add_utm("https://e.org/a", ()) == "https://e.org/a"


def test_utm_spec_overrides_project_field_by_field(make_project, make_spec):
    project = make_project(utm=Utm(source="newsletter", medium="email", campaign="x"))
    spec = make_spec(utm=Utm(medium="mail"))
    assert utm_params(project, spec) == (
        ("utm_source", "newsletter"),
        ("utm_medium", "mail"),
        ("utm_campaign", "x"),
    )


def test_utm_campaign_defaults_to_slug(make_project, make_spec):
    project = make_project(utm=Utm(source="newsletter"))
    assert utm_params(project, make_spec()) == (
        ("utm_source", "newsletter"),
        ("utm_campaign", "2021-h1"),
    )


def test_no_utm_configured_means_no_parameters(make_project, make_spec):
    project = make_project(utm=None)
    context = render_context(project, make_spec(), Selection(None, [], []))
    assert utm_params(project, make_spec()) == ()
    assert "utm_" not in context["issue"].intro_html


@pytest.fixture
def one_item(project, spec):
    """The context of an issue holding just ``item``."""

    def context(item):
        return render_context(project, spec, Selection(None, [Section("News", "news", [item])], []))

    return context


def test_item_view(one_item, make_item):
    item = make_item(1, image=True, tags=("Event",), date=D(2021, 6, 10))
    view = one_item(item)["sections"][0].items[0]
    assert view.title == item.title
    assert view.url == (
        "https://example.org/news/item-1"
        "?utm_source=newsletter&utm_medium=email&utm_campaign=2021-h1"
    )
    assert view.date_label == "10 June 2021"
    assert view.tags == ("Event",)
    assert view.image == Image("https://example.org/img/item-1.jpg", "Illustration for item 1")
    assert isinstance(view.summary_html, Markup)
    assert "<strong>updated industrial strategy</strong>" in view.summary_html
    assert "fair-transition?ref=home&amp;utm_source=newsletter" in view.summary_html
    assert "a fair transition (https://example.org/fair-transition?ref=home&utm_source" in (
        view.summary_text
    )


def test_markdown_summary_escapes_raw_html(one_item, make_item):
    item = make_item(1, summary='Fish & chips <script>alert("x")</script> <b>bold</b>')
    view = one_item(item)["sections"][0].items[0]
    assert "<script>" not in view.summary_html
    assert "&lt;script&gt;" in view.summary_html
    assert "&lt;b&gt;" in view.summary_html
    assert "Fish &amp; chips" in view.summary_html
    assert view.summary_text == 'Fish & chips <script>alert("x")</script> <b>bold</b>'


def test_html_summary_is_sanitised_again_and_gets_utm(one_item, make_item):
    item = make_item(
        1,
        summary_format="html",
        summary='<p onclick="x()">Hi <a href="https://e.org/?a=1">there</a>'
        '<script>alert(1)</script><a href="javascript:alert(1)">js</a>'
        ' <a href="mailto:a@e.org">a@e.org</a></p>',
    )
    view = one_item(item)["sections"][0].items[0]
    html = str(view.summary_html)
    assert "script" not in html and "onclick" not in html and "javascript" not in html
    assert 'href="https://e.org/?a=1&amp;utm_source=newsletter' in html
    assert 'href="mailto:a@e.org"' in html
    assert view.summary_text.startswith("Hi there (https://e.org/?a=1&utm_source=newsletter")
    assert view.summary_text.endswith("js a@e.org")


def test_issue_org_and_links(project, spec, selection):
    context = render_context(project, spec, selection)
    issue = context["issue"]
    assert issue.period_label == "January – June 2021"
    assert issue.lang == "en"
    assert 'href="mailto:info@example.org"' in issue.intro_html
    assert "about?utm_source=newsletter&amp;utm_medium=email&amp;utm_campaign=2021-h1" in (
        issue.intro_html
    )
    assert issue.intro_text.endswith("or write to us (info@example.org).")
    assert context["org"].address_lines == ["Rue de la Loi 1", "1000 Brussels", "Belgium"]
    assert context["view_in_browser_url"] == "https://example.org/bulletins/2021-h1/"
    assert context["unsubscribe_url"] == "<%asm_group_unsubscribe_raw_url%>"
    assert isinstance(context["unsubscribe_url"], Markup)


def test_lang_from_spec_wins(make_project, make_spec, selection):
    context = render_context(make_project(lang="en"), make_spec(lang="fr"), selection)
    assert context["issue"].lang == "fr"


def test_no_web_url_means_no_view_in_browser(make_project, spec, selection):
    context = render_context(make_project(web_url=None), spec, selection)
    assert context["view_in_browser_url"] is None


def test_the_web_edition_context(make_project, spec, selection):
    project = make_project(merge_fallbacks={"name": "reader & friend"}, subscribe_url="https://example.org/join")
    email, web = render_context(project, spec, selection), render_context(project, spec, selection, web=True)
    assert (email["web"], web["web"]) == (False, True)
    assert (email["view_in_browser_url"], web["view_in_browser_url"]) == ("https://example.org/bulletins/2021-h1/", None)
    assert (email["archive_url"], web["archive_url"]) == ("https://example.org/bulletins/", "../index.html")
    assert email["subscribe_url"] == web["subscribe_url"] == "https://example.org/join"
    assert email["merge"]("name", "colleague") == "*|NAME|*"
    assert web["merge"]("name", "colleague") == "reader &amp; friend"
    assert web["merge"]("city", "Brussels") == "Brussels"
    assert "utm_" in email["sections"][0].items[0].url and "utm_" not in web["sections"][0].items[0].url


def test_an_archive_served_elsewhere_is_linked_by_its_address(make_project, spec, selection):
    project = make_project(archive_url="https://example.org/news/archive")
    assert render_context(project, spec, selection, web=True)["archive_url"] == "https://example.org/news/archive"


def test_sections_toc_and_notes(project, spec, make_item):
    selection = Selection(
        featured=make_item(99),
        sections=[
            Section("Events", "events", [make_item(1), make_item(2)], note="All *online*."),
            Section("Empty", "empty", []),
            Section("More news", "more-news", [make_item(3)]),
        ],
        left_out=[],
    )
    context = render_context(project, spec, selection)
    assert [s.title for s in context["sections"]] == ["Events", "More news"]
    assert [(t.title, t.anchor, t.count) for t in context["toc"]] == [
        ("Events", "events", 2),
        ("More news", "more-news", 1),
    ]
    assert context["sections"][0].note_html == Markup("<p>All <em>online</em>.</p>")
    assert context["sections"][0].note_text == "All online."
    assert context["featured"].url.startswith("https://example.org/news/item-99?utm_source=")


def test_merge_returns_tag_and_records_fallback(make_project, spec, selection):
    project = make_project(merge_fallbacks={"organisation": "your organisation"})
    merge = render_context(project, spec, selection)["merge"]
    assert merge("name", "colleague") == "*|NAME|*"
    assert merge("organisation", "ignored") == "*|ORGANISATION|*"
    assert merge.fields == {"name": "colleague", "organisation": "your organisation"}
    with pytest.raises(ValueError):
        merge("first name", "x")


def test_markdown_headings_become_bold_text_and_pictures_fit_the_column(one_item, make_item):
    item = make_item(1, summary="# Big news\n\nSee ![the chart](https://example.org/chart.png) [here](https://example.org/x).")
    view = one_item(item)["sections"][0].items[0]
    assert "<h1" not in view.summary_html and "<p><strong>Big news</strong></p>" in view.summary_html
    assert ('<img src="https://example.org/chart.png" alt="the chart" width="552" style="width:auto;max-width:100%;height:auto" />'
            in view.summary_html)
    assert 'href="https://example.org/x?utm_source=newsletter' in view.summary_html
    assert view.summary_text.startswith("Big news\n\nSee the chart here (https://example.org/x?utm_source=")


def test_relative_links_and_pictures_in_a_summary_resolve_against_the_item(project, spec, make_item):
    from bulletin.model import Section, Selection
    from bulletin.render import render_issue

    item = make_item(1, url="https://example.org/news/annual-report",
                     summary="See the [report](files/report.pdf) and ![chart](img/chart.png).")
    html = render_issue(project, spec, Selection(None, [Section("News", "news", [item])], [])).html
    assert 'href="https://example.org/news/files/report.pdf?utm_source=newsletter' in html
    assert 'href="files/' not in html and 'src="img/' not in html
    from lxml import html as lxml_html

    [chart] = [img for img in lxml_html.fromstring(html).iter("img") if img.get("alt") == "chart"]
    assert chart.get("src") == "https://example.org/news/img/chart.png"
    assert chart.get("width") == "552"  # Outlook for Windows would show a large picture at its own size


def test_a_relative_link_in_the_intro_without_a_website_is_an_error_naming_the_issue(make_project, spec, selection):
    import dataclasses

    import pytest

    from bulletin.errors import RenderError
    from bulletin.render import render_issue

    project = make_project()
    project = dataclasses.replace(project, organisation=dataclasses.replace(project.organisation, website=None))
    spec.intro = "Read [our statutes](about/statutes.pdf)."
    with pytest.raises(RenderError, match=r"^issues/2021-h1.yaml: the intro or a note links to about/statutes.pdf"):
        render_issue(project, spec, selection)
