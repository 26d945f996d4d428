"""Dates, periods and writing direction in the edition's language (CLDR through Babel; English as it always was)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys

import pytest

from bulletin.render.dates import date_label, period_label, text_direction

D = dt.date


@pytest.mark.parametrize(("lang", "label"), [
    ("fr", "10 juin 2021"), ("fr-BE", "10 juin 2021"), ("de", "10. Juni 2021"), ("it", "10 giugno 2021"),
    ("es", "10 de junio de 2021"), ("pl", "10 czerwca 2021"), ("en", "10 June 2021"), ("en-US", "10 June 2021"),
])  # fmt: skip
def test_date_label(lang, label):
    assert date_label(D(2021, 6, 10), lang) == label


@pytest.mark.parametrize(("lang", "start", "end", "label"), [
    ("fr", D(2021, 1, 1), D(2021, 6, 30), "janvier\u2009–\u2009juin 2021"),  # CLDR: thin spaces around the dash
    ("fr", D(2021, 6, 1), D(2021, 6, 30), "juin 2021"),
    ("fr", D(2021, 1, 1), D(2021, 3, 15), "1 janvier\u2009–\u200915 mars 2021"),  # months written out, as in the dates
    ("fr", D(2021, 6, 10), D(2021, 6, 10), "10 juin 2021"),
    ("de", D(2021, 1, 1), D(2021, 6, 30), "Januar–Juni 2021"),
    ("de", D(2021, 6, 1), D(2021, 6, 15), "1.–15. Juni 2021"),
    ("it", D(2020, 12, 1), D(2021, 2, 28), "dicembre 2020\u2009–\u2009febbraio 2021"),
    ("cs", D(2021, 1, 1), D(2021, 3, 15), "1. ledna\u2009–\u200915. března 2021"),  # CLDR's month numbers written out, no stray dot
    ("en", D(2021, 1, 1), D(2021, 3, 15), "1 January – 15 March 2021"),
])  # fmt: skip
def test_period_label(lang, start, end, label):
    assert period_label(start, end, lang) == label


@pytest.mark.parametrize(("lang", "direction"), [("ar", "rtl"), ("he", "rtl"), ("fa", "rtl"), ("fr", "ltr"), ("en", "ltr"), ("xx", "ltr")])
def test_text_direction(lang, direction):
    assert text_direction(lang) == direction


def test_an_unknown_language_gets_english_dates():
    assert date_label(D(2021, 6, 10), "xx") == "10 June 2021"


def test_english_never_loads_babel():
    code = (
        "import sys, datetime as dt; from bulletin.render import context, dates;"
        " dates.date_label(dt.date(2021, 6, 10), 'en'); dates.period_label(dt.date(2021, 1, 1), dt.date(2021, 3, 15), 'en-GB');"
        " dates.text_direction('en'); print(sorted(m for m in sys.modules if m.split('.')[0] == 'babel'))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"
