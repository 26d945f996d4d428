"""The house style (bulletin.yaml's brand:) and the greeting in the built email, with both inliners."""

from __future__ import annotations

import re

import pytest
from lxml import html as lxml_html

from bulletin.colours import palette, parse_color, to_hex
from bulletin.model import Brand, Logo
from bulletin.render import render_issue
from bulletin.render.brand import DEFAULT_FONT

BRAND = Brand(logo=Logo("https://example.org/logo.png", "ESNF & partners", 180), colour="#7a1f3d", accent="#0b6e4f",
              font="Georgia, serif")


@pytest.fixture(params=["premailer", "css-inline"])
def inliner(request) -> str:
    return request.param


def styles(el) -> dict[str, str]:
    return {k.strip().lower(): v.strip() for k, _, v in (d.partition(":") for d in (el.get("style") or "").split(";")) if v}


def colour(value: str | None) -> str | None:
    """A CSS colour as #rrggbb (the inliners shorten #ffffff to #fff)."""
    rgb = parse_color(value or "")
    return to_hex(rgb) if rgb else None


def background(el) -> str | None:
    """The colour behind an element: its nearest ancestor's bgcolor or background-color."""
    for node in el.iterancestors():
        found = node.get("bgcolor") or styles(node).get("background-color")
        if found:
            return colour(found)
    return None


def compact(html: str) -> str:
    """The HTML without whitespace (premailer reformats the kept <style> blocks)."""
    return re.sub(r"\s+", "", html)


def test_brand_colours_logo_and_font_are_applied(make_project, spec, selection, inliner):
    html = render_issue(make_project(inliner=inliner, brand=BRAND), spec, selection).html
    doc = lxml_html.fromstring(html)
    # the header band: the section holding the title has the brand colour, white text
    [title] = doc.xpath("//h1")
    assert background(title) == "#7a1f3d" and colour(styles(title)["color"]) == "#ffffff"
    # the logo, at its width, described and linked to the website, above the organisation's name
    [logo] = doc.xpath("//img[contains(@src, 'logo.png')]")
    assert (logo.get("src"), logo.get("alt"), logo.get("width")) == ("https://example.org/logo.png", "ESNF & partners", "180")
    assert logo.xpath("ancestor::a[1]/@href") == ["https://example.org"]
    assert background(logo) == "#7a1f3d"
    # links and the button in the accent, section headings in the brand colour (it passes on white)
    titles = doc.xpath("//h3/a")
    assert titles and {colour(styles(a)["color"]) for a in titles} == {"#0b6e4f"}
    [button] = doc.xpath("//td[a[@aria-label] and @bgcolor]")
    assert button.get("bgcolor") == "#0b6e4f" and colour(styles(button).get("background-color") or styles(button)["background"]) == "#0b6e4f"
    assert {colour(styles(h)["color"]) for h in doc.xpath("//h2[@id]")} == {"#7a1f3d"}
    # the font everywhere the theme sets one
    assert "Georgia, serif" in styles(title.getparent())["font-family"]
    assert "h1,h2,h3{font-family:Georgia, serif !important}" in html
    # none of the theme's own colours is left
    assert "#1d4ed8" not in html and "#1e3a5f" not in html


def test_dark_mode_and_outlook_com_use_derived_colours_that_pass(make_project, spec, selection):
    html = render_issue(make_project(brand=BRAND), spec, selection).html
    colours = palette(BRAND.colour, BRAND.accent)
    dark = compact(html)[compact(html).index("prefers-color-scheme:dark"):]
    assert f".cda,.ffa{{color:{colours.dark_link}!important}}" in dark
    assert f".tt,.st,.mtb,.fl{{color:{colours.dark_heading}!important}}" in dark
    assert f"[data-ogsc].cda{{color:{colours.dark_link}!important}}" in compact(html)
    assert colours.dark_link not in ("#93c5fd", BRAND.accent)


def test_without_a_brand_the_theme_keeps_its_own_look(make_project, spec, selection):
    html = render_issue(make_project(), spec, selection).html
    doc = lxml_html.fromstring(html)
    assert background(doc.xpath("//h1")[0]) == "#1e3a5f"
    assert not doc.xpath("//img[contains(@src, 'logo')]")
    assert DEFAULT_FONT in html and ".cda,.ffa{color:#93c5fd!important}" in compact(html)


def test_greeting_words_from_the_settings_in_both_parts(make_project, spec, selection, inliner):
    project = make_project(inliner=inliner, greeting="Hello {first_name} & <{title}>!", merge_fallbacks={"title": "member"})
    rendered = render_issue(project, spec, selection)
    doc = lxml_html.fromstring(rendered.html)
    [greeting] = doc.xpath("//p[starts-with(normalize-space(), 'Hello')]")
    assert greeting.text_content() == "Hello *|FIRST_NAME|* & <*|TITLE|*>!"
    assert "Hello *|FIRST_NAME|* &amp; &lt;*|TITLE|*&gt;!" in rendered.html  # escaped in the HTML part
    assert "\nHello *|FIRST_NAME|* & <*|TITLE|*>!\n" in rendered.text  # as written in the text part
    assert rendered.merge_fields == {"first_name": "colleague", "title": "member"}
    assert "Dear" not in rendered.text


def test_first_name_falls_back_like_name_and_an_empty_greeting_is_none(make_project, spec, selection):
    rendered = render_issue(make_project(merge_fallbacks={"name": "friend"}), spec, selection)
    assert rendered.merge_fields == {"first_name": "friend"}  # merge_fallbacks: {name: …} of older projects
    assert "\nDear *|FIRST_NAME|*,\n" in rendered.text
    rendered = render_issue(make_project(greeting=""), spec, selection)
    assert rendered.merge_fields == {}
    assert "Dear" not in lxml_html.fromstring(rendered.html).text_content()
    assert not re.search(r"Dear|\*\|", rendered.text)
