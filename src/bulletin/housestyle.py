"""bulletin.yaml's house style: ``brand:`` (logo, colours, font) and ``greeting:``, validated for config.py.

Colours must keep WCAG AA contrast in the default theme (colours.py); a greeting's {fields} must be
subscriber columns the send can fill, each with a fallback.
"""

from __future__ import annotations

import re
import string
from typing import Any

from . import yamlfile
from .colours import HEX_COLOUR, brand_problems, parse_color, to_hex
from .model import DEFAULT_GREETING, Brand, Logo

_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")  # as merge() accepts
_FONT = re.compile(r"^[A-Za-z0-9 ,'\"-]+$")  # a CSS font list, nothing that could end the declaration
GENERIC_FONTS = ("serif", "sans-serif", "monospace", "cursive", "system-ui")
#: Fields a greeting may use without a merge_fallbacks entry.
GREETING_FIELDS = ("first_name", "name")


def read_brand(check: yamlfile.Checker, data: Any, org_name: str) -> Brand:
    """brand: the logo, the header colour, the accent (links, buttons) and the font, at WCAG AA contrast."""
    if data is None:
        return Brand()
    brand = check.mapping(data, ("brand",), ["logo", "colour", "accent", "font"])
    colours = {key: _colour(check, brand, key) for key in ("colour", "accent")}
    for key, message in brand_problems(colours["colour"], colours["accent"]):
        check.error(("brand", key), message)
    font = check.text(brand, "font", ("brand",))
    if font is not None and not _FONT.match(font):
        check.error(("brand", "font"), f"expected font names separated by commas, like Georgia, serif; got '{font}'")
        font = None
    if font:  # unquoted: a CSS font list of names with spaces needs no quotes, and quotes would need escaping
        font = ", ".join(" ".join(name.replace('"', "").replace("'", "").split()) for name in font.split(",") if name.strip())
        if font.rsplit(", ", 1)[-1].lower() not in GENERIC_FONTS:
            font += ", Helvetica, Arial, sans-serif"  # where the reader does not have it
    return Brand(logo=_logo(check, brand.get("logo"), org_name), colour=colours["colour"], accent=colours["accent"], font=font or None)


def _colour(check: yamlfile.Checker, brand: dict, key: str) -> str | None:
    if key in brand and brand[key] is None:  # colour: #1e3a5f is a YAML comment
        check.error(("brand", key), f'empty; a colour must be in quotes, because # starts a comment in YAML: {key}: "#1e3a5f"')
        return None
    value = check.text(brand, key, ("brand",))
    if value is not None and not HEX_COLOUR.match(value):
        check.error(("brand", key), f"expected a colour like \"#1e3a5f\" (#rgb or #rrggbb, in quotes), got '{value}'")
        return None
    rgb = parse_color(value) if value else None
    return to_hex(rgb) if rgb else None  # #rgb as #rrggbb: Outlook's bgcolor takes the long form


def _logo(check: yamlfile.Checker, data: Any, org_name: str) -> Logo | None:
    path = ("brand", "logo")
    if data is None:
        return None
    logo = check.mapping(data, path, ["src", "alt", "width"], ("src",))
    src = check.text(logo, "src", path)
    if src and not re.match(r"^https?://[^\s/]+", src):
        check.error(path + ("src",), f"expected the picture's web address (https://…): emails cannot show a file from your computer, got '{src}'")
    width = logo.get("width", 160)
    if isinstance(width, bool) or not isinstance(width, int) or not 16 <= width <= 552:
        check.error(path + ("width",), f"expected the width in pixels shown, a whole number from 16 to 552, got {yamlfile.show(width)}")
        width = 160
    alt = " ".join((check.text(logo, "alt", path) or org_name).split())  # read out when pictures are off
    return Logo(src=src, alt=alt, width=width) if src else None


def read_greeting(check: yamlfile.Checker, data: dict, fallbacks: dict[str, str]) -> str:
    """The greeting line: text with {field}s from the subscribers file, each with a fallback."""
    if "greeting" in data and data["greeting"] is None:
        return ""  # greeting: (empty) means no greeting line
    text = " ".join((check.text(data, "greeting", default=DEFAULT_GREETING) or "").split())
    return text if check_greeting(check, ("greeting",), text, fallbacks) else DEFAULT_GREETING


def check_greeting(check: yamlfile.Checker, path: yamlfile.Path_, text: str, fallbacks: dict[str, str]) -> bool:
    """Whether a greeting's {fields} are subscriber columns bulletin can fill; each mistake recorded at ``path``."""
    known = sorted({*GREETING_FIELDS, *(key.lower() for key in fallbacks)})
    try:
        fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(text) if name is not None]
    except ValueError:
        check.error(path, f"a {{ or }} without its pair in '{text}'; write a field as {{first_name}}, a brace itself as {{{{ or }}}}")
        return False
    for name, spec, conversion in fields:
        if not _FIELD.match(name) or spec or conversion:
            check.error(path, f"'{{{name}{'!' + conversion if conversion else ''}{':' + spec if spec else ''}}}' is not a field;"
                              f" write a subscriber column as {{first_name}}")
        elif name.lower() not in known:
            close = yamlfile.closest(name.lower(), known)
            hint = f"did you mean {{{close}}}? " if close else ""
            check.error(path, f"unknown field {{{name}}}: {hint}the greeting can use {', '.join(f'{{{k}}}' for k in known)};"
                              f" for another column of the subscribers file, give it a text for people without one in merge_fallbacks")
    return True
