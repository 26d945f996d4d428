"""Dates, periods and writing direction in the edition's language: "10 June 2021", "10 juin 2021", "10. Juni 2021".

English is written here as it always was ("1 January – 15 March 2021"); every other language is
formatted from CLDR data with Babel, imported only when a language other than English needs it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from functools import lru_cache
from typing import TYPE_CHECKING

from ..languages import base

if TYPE_CHECKING:
    from babel import Locale

MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)
DASH = " \u2013 "  # spaced en dash, as in "January – June 2021"


def date_label(day: dt.date, lang: str = "en") -> str:
    """'10 June 2021', '10 juin 2021', '10. Juni 2021' (CLDR's long date of ``lang``)."""
    if base(lang) == "en":
        return f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    from babel.dates import format_date

    return format_date(day, "long", locale=_locale(lang))


def period_label(start: dt.date, end: dt.date, lang: str = "en") -> str:
    """'January – June 2021' for whole months, else '1 January – 15 March 2021'; 'janvier – juin 2021' in French."""
    whole = start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]
    if base(lang) != "en":
        return _babel_period(start, end, whole, lang)
    m1, m2 = MONTHS[start.month - 1], MONTHS[end.month - 1]
    same_year = start.year == end.year
    if whole:
        if same_year and start.month == end.month:
            return f"{m1} {start.year}"
        if same_year:
            return f"{m1}{DASH}{m2} {end.year}"
        return f"{m1} {start.year}{DASH}{m2} {end.year}"
    if start == end:
        return date_label(start)
    if same_year and start.month == end.month:
        return f"{start.day}{DASH}{end.day} {m2} {end.year}"
    if same_year:
        return f"{start.day} {m1}{DASH}{end.day} {m2} {end.year}"
    return f"{date_label(start)}{DASH}{date_label(end)}"


def text_direction(lang: str) -> str:
    """'rtl' for a language written right to left (Arabic, Hebrew, Persian…), else 'ltr'."""
    if base(lang) == "en":
        return "ltr"
    locale = _locale(lang)
    return "rtl" if locale.character_order == "right-to-left" else "ltr"


@lru_cache(maxsize=64)
def _locale(lang: str) -> Locale:
    """Babel's locale for a language tag (``fr-BE``, ``pt_PT``); the base language's if the tag is unknown, else English."""
    from babel import Locale, UnknownLocaleError

    for tag in (lang.strip().replace("-", "_"), base(lang)):
        try:
            return Locale.parse(tag)
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse("en_GB")


def _babel_period(start: dt.date, end: dt.date, whole: bool, lang: str) -> str:
    """A period with CLDR's interval formats: months ('janvier – juin 2021') or days with the months written out."""
    from babel.dates import format_interval, match_skeleton, parse_pattern

    locale = _locale(lang)
    if whole:
        return format_interval(start, end, "yMMMM", locale=locale)
    if start == end:
        return date_label(start, lang)
    formats = locale.interval_formats
    skeleton = match_skeleton("yMMMMd", formats)
    field = "y" if start.year != end.year else "M" if start.month != end.month else "d"
    parts = formats[skeleton].get(field) if skeleton else None
    if not parts:  # no interval format: the two long dates
        return f"{date_label(start, lang)}{DASH}{date_label(end, lang)}"
    # CLDR's day intervals abbreviate the month ("1 janv. – 15 mars 2021"); the issue writes it out as its dates do
    return "".join(parse_pattern(_months_in_full(pattern)).apply(day, locale) for pattern, day in zip(parts, (start, end), strict=True))


def _months_in_full(pattern: str) -> str:
    """A CLDR pattern with its month written out (MMMM/LLLL) and days without a leading zero; quoted text kept."""
    pieces = re.split(r"('(?:[^']|'')*')", pattern)
    for index in range(0, len(pieces), 2):  # the even pieces are outside quotes
        piece = re.sub(r"(?<!M)M{1,2}\.", "MMMM", pieces[index])  # a month number's dot goes with it: "d. M." → "d. MMMM"
        piece = re.sub(r"(?<!M)M{1,3}(?!M)", "MMMM", piece)
        piece = re.sub(r"(?<!L)L{1,3}(?!L)", "LLLL", piece)
        pieces[index] = re.sub(r"(?<!d)dd(?!d)", "d", piece)
    return "".join(pieces)
