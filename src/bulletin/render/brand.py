"""The house style and the greeting as templates see them: ``brand`` and ``greeting`` (see render/context.py)."""

from __future__ import annotations

import string
from collections.abc import Callable
from dataclasses import dataclass

from markupsafe import Markup, escape

from ..colours import palette
from ..model import DEFAULT_FALLBACK, Brand, Logo

DEFAULT_FONT = "Helvetica, Arial, sans-serif"


@dataclass(frozen=True)
class BrandView:
    """bulletin.yaml's ``brand:`` with every colour the default theme needs (derived ones meet WCAG AA)."""

    logo: Logo | None
    font: str  # a CSS font list
    colour: str  # the header band (white text on it)
    colour_muted: str  # the period under the title, on the band
    accent: str  # links, the button (white text on it)
    heading: str  # section headings, tags and labels on the white page
    dark_heading: str  # the same in dark mode
    dark_accent: str  # links in dark mode


def brand_view(brand: Brand) -> BrandView:
    """The template view of a brand (the theme's own colours where it sets none)."""
    colours = palette(brand.colour, brand.accent)
    return BrandView(
        logo=brand.logo,
        font=brand.font or DEFAULT_FONT,
        colour=colours.band,
        colour_muted=colours.band_muted,
        accent=colours.link,
        heading=colours.heading,
        dark_heading=colours.dark_heading,
        dark_accent=colours.dark_link,
    )


@dataclass(frozen=True)
class GreetingView:
    """The greeting line (bulletin.yaml's ``greeting:``) with a merge tag for each {field}.

    ``{{ greeting }}`` gives the HTML-escaped line in the HTML part and the plain line in the text part;
    the merge tags are handed out (and their fallbacks recorded) only when a template shows it.
    """

    template: str
    merge: Callable[[str, str], Markup]
    fallback: str = DEFAULT_FALLBACK  # for a subscriber without the field (unless bulletin.yaml's merge_fallbacks says)

    def _parts(self, escape_text: Callable[[str], str]) -> str:
        out = []
        for literal, name, _, _ in string.Formatter().parse(self.template):
            out.append(escape_text(literal))
            if name:
                out.append(str(self.merge(name, self.fallback)))
        return "".join(out)

    def __html__(self) -> Markup:
        return Markup(self._parts(lambda text: str(escape(text))))

    def __str__(self) -> str:
        return self._parts(str)

    def __bool__(self) -> bool:
        return bool(self.template.strip())
