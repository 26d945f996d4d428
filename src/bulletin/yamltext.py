"""Text YAML misreads: a one-line value as the person wrote it, and the double-quoted form that reads back.

Non-programmers write ``title: EU Strategy: our view``, ``title: Bulletin #8`` or ``title: "Stand Up: "A plan"
event"``; YAML rejects the first, cuts the second at ``#8`` and rejects the third. These helpers say what the
person meant, and give the one line to type that YAML reads as exactly that (checked, never guessed).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import yaml

# a comment is '#' after a space and followed by a space (or nothing): "# like this"; "#8" is text
_COMMENT = re.compile(r"[ \t]+#(?:[ \t].*)?$")
_QUOTES = ('"', "'")


def as_written(value: str) -> str:
    """The text a person means by a one-line value: the line's text, without quotes enclosing all of it
    (``"Stand Up: "A plan" event"`` is ``Stand Up: "A plan" event``) or a trailing ``# comment``."""
    text = value.strip()
    if len(text) >= 2 and text[0] in _QUOTES and text[-1] == text[0]:
        inner = text[1:-1]
        first = inner.find(text[0])
        # '"Porto" and "Lisbon"': the first quote inside closes the outer one, so those are the title's own quotes
        if first < 0 or first == 0 or not (inner[first - 1].isalnum() or inner[first - 1] in ".,;:!?)]"):
            return inner
        return text
    return _COMMENT.sub("", text).rstrip()


def double_quoted(text: str) -> str:
    """``text`` as a YAML double-quoted value that reads back exactly as ``text``."""
    out = []
    for char in text:
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif char in "\x85\u2028\u2029" or (not char.isprintable() and char not in "\u00a0\u202f\u2007"):
            out.append(f"\\u{ord(char):04x}" if ord(char) <= 0xFFFF else f"\\U{ord(char):08x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def reads_back(key: str, value: str, meant: Any) -> bool:
    """Whether the line ``key: value`` gives ``meant`` (a YAML line proposed in a message must be right)."""
    try:
        data = yaml.safe_load(f"{key}: {value}")
    except (yaml.YAMLError, ValueError):  # ValueError: an impossible date (2021-02-30)
        return False
    return isinstance(data, dict) and data.get(key) == meant and type(data.get(key)) is type(meant)


def misread(key: str, value: str) -> str | None:
    """How YAML misreads the one-line value ``key: value`` compared to ``as_written`` (None: it does not)."""
    try:
        data = yaml.safe_load(f"{key}: {value}")
    except (yaml.YAMLError, ValueError):  # ValueError: an impossible date (2021-02-30)
        return "YAML cannot read it as written"
    got = data.get(key) if isinstance(data, dict) else None
    if value.strip()[:1] in _QUOTES and isinstance(got, str):
        return None  # quoted as YAML wants: its meaning (\" and '' inside) is kept
    if isinstance(got, str) and got == as_written(value):
        return None
    if isinstance(got, str):
        return f"YAML would cut it to '{got}'"
    return f"YAML would read it as {_show(got)}, not as text"


def _show(value: Any) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return f"the date {value.isoformat()}"
    if isinstance(value, (list, dict)):
        return "a list" if isinstance(value, list) else "a mapping"
    return f"{type(value).__name__} {value!r}" if value is not None else "nothing"
