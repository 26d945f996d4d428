"""Whitespace as people mean it: runs of ordinary whitespace collapse, no-break spaces stay.

Python's ``str.split()`` and ``str.strip()`` treat U+00A0 (no-break space), U+202F (narrow no-break
space) and U+2007 (figure space) as whitespace, so ``" ".join(text.split())`` turns French
typography's "Titre : suite ?" into ordinary spaces that may break a line before the ':'. These
helpers touch only ordinary whitespace (spaces, tabs, line breaks).
"""

from __future__ import annotations

import re

#: What a line break typed into a spreadsheet cell or a YAML block leaves: never a no-break space.
ORDINARY = " \t\n\r\f\v\x85\u2028\u2029"
_RUN = re.compile(f"[{ORDINARY}]+")


def one_line(text: str) -> str:
    """``text`` on one line: each run of ordinary whitespace becomes one space; no-break spaces are kept."""
    return _RUN.sub(" ", text).strip(ORDINARY)


def trim(text: str) -> str:
    """``text`` without ordinary whitespace at either end (a no-break space there is kept)."""
    return text.strip(ORDINARY)
