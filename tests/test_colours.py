"""Colours: WCAG contrast, parsing, and the default theme's palette derived from a brand."""

from __future__ import annotations

import pytest

from bulletin.colours import DARK, LIGHT, WHITE, Palette, brand_problems, contrast, palette, parse_color, worst


@pytest.mark.parametrize(("a", "b", "ratio"), [
    ("#000000", "#ffffff", 21.0), ("#ffffff", "#ffffff", 1.0), ("#777777", "#ffffff", 4.48), ("#1d4ed8", "#ffffff", 6.70),
])
def test_contrast_ratio_matches_wcag(a, b, ratio):
    assert contrast(parse_color(a), parse_color(b)) == pytest.approx(ratio, abs=0.01)


@pytest.mark.parametrize(("value", "rgb"), [
    ("#fff", (255, 255, 255)), ("#1D4ED8", (29, 78, 216)), ("rgb(0, 128, 255)", (0, 128, 255)),
    ("white !important", (255, 255, 255)), ("rgba(0,0,0,0)", None), ("transparent", None), ("inherit", None),
])
def test_parse_color(value, rgb):
    assert parse_color(value) == rgb


def test_without_a_brand_the_palette_is_the_theme_s_own():
    assert palette() == Palette()
    assert (Palette().band, Palette().link, Palette().dark_link) == ("#1e3a5f", "#1d4ed8", "#93c5fd")


@pytest.mark.parametrize(("colour", "accent"), [
    ("#7a1f3d", "#0b6e4f"), ("#000000", "#000000"), ("#1e3a5f", "#1d4ed8"), ("#595959", "#c2185b"), ("#3a73b3", None), (None, "#6d28d9"),
])
def test_every_derived_colour_meets_aa_on_its_backgrounds(colour, accent):
    assert brand_problems(colour, accent) == []
    colours = palette(colour, accent)
    assert worst(WHITE, [colours.band]) >= 4.5 and worst(colours.band_muted, [colours.band]) >= 4.5
    assert worst(colours.heading, LIGHT) >= 4.5 and worst(colours.link, LIGHT) >= 4.5 and worst(WHITE, [colours.link]) >= 4.5
    assert worst(colours.dark_heading, DARK) >= 4.5 and worst(colours.dark_link, DARK) >= 4.5
    if colour:
        assert colours.band == colour
    if accent:
        assert colours.link == accent


def test_a_brand_colour_that_passes_is_kept_for_headings_and_a_pale_one_is_not():
    assert palette("#7a1f3d").heading == "#7a1f3d"
    # white text passes on it, but as heading text on the light grey featured box it would not: the theme's own
    assert worst(WHITE, ["#3a73b3"]) >= 4.5 and worst("#3a73b3", LIGHT) < 4.5
    assert palette("#3a73b3").heading == "#1e3a5f"
    assert palette("#7a1f3d", "#0b6e4f").dark_link != "#0b6e4f"  # a dark accent is lightened for dark mode


def test_low_contrast_brand_colours_are_problems_with_a_darker_suggestion():
    [(key, message)] = brand_problems("#f5a623", None)
    assert key == "colour"
    assert message.startswith("white header text on #f5a623 has contrast 2.03:1, below WCAG AA 4.5:1; use a darker colour, e.g. #")
    suggestion = message.rsplit(" ", 1)[-1]
    assert worst(WHITE, [suggestion]) >= 4.5
    [(key, message)] = brand_problems(None, "#4f9dff")
    assert key == "accent" and "links in #4f9dff on the white page" in message
    assert worst(message.rsplit(" ", 1)[-1], LIGHT) >= 4.5
    assert contrast(parse_color("#ffffff"), parse_color("#f5a623")) < 4.5
