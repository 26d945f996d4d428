"""YAML files with line numbers: every mapping key and list entry keeps the line it stands on.

``load`` reads a file (parsed by yamlparse.py) into a ``Document``; ``Checker`` validates its values and
collects every problem with its file:line; ``hint``/``closest`` give the did-you-mean.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import BulletinError, Problem, Where
from .yamlparse import YamlSyntaxError, decode, parse_tree
from .yamltext import double_quoted

Path_ = tuple[str | int, ...]


def line_of(node: yaml.Node | None, key: Path_) -> int | None:
    """1-based line of a key path inside ``node``: its nearest present parent, None if none is."""
    if node is None:
        return None
    found = node
    for depth, part in enumerate(key):
        child = _child(found, part)
        if child is None:
            if depth == 0:
                return None  # absent at the top: the caller knows where the whole thing starts
            break
        found = child
    return found.start_mark.line + 1


def _child(node: yaml.Node, part: str | int) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key_node, value_node in node.value:
            if str(key_node.value) == part:
                # report the key's line ("title:" is where a reader looks), but keep the value to descend
                return type(value_node)(value_node.tag, value_node.value, key_node.start_mark, value_node.end_mark)
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
        return node.value[part]
    return None


def duplicate_keys(node: yaml.Node | None) -> list[tuple[int, str, int]]:
    """(line, key, first line) of every repeated key of a mapping node; YAML keeps the last silently."""
    if not isinstance(node, yaml.MappingNode):
        return []
    seen: dict[str, int] = {}
    repeats = []
    for key_node, _value in node.value:
        key, line = str(key_node.value), key_node.start_mark.line + 1
        if key in seen:
            repeats.append((line, key, seen[key]))
        else:
            seen[key] = line
    return repeats


# "title: Bulletin #8": YAML reads " #8" as a comment. A '#' right before a word is text meant to stay
# ("#8", "#EUSocial"); a comment is written "# like this", so that one is left alone.
_CUT = re.compile(r"[ \t]+#\S.*")


def comment_cut(node: yaml.Node | None, lines: Sequence[str]) -> str | None:
    """What YAML dropped as a comment right after an unquoted text (' #8'), if it looks like part of it."""
    if not isinstance(node, yaml.ScalarNode) or node.style or node.end_mark.line >= len(lines):
        return None
    rest = lines[node.end_mark.line][node.end_mark.column :].rstrip()
    return " " + rest.strip() if _CUT.fullmatch(rest) else None


def cut_message(key: str, kept: Any, cut: str) -> str:
    """The message for a text cut short by a comment."""
    whole = f"{kept} {cut.strip()}".strip()
    quoted = double_quoted(whole)
    return f"'{cut}' is read as a comment, leaving '{kept}'; put the whole text in double quotes: {key}: {quoted}"


def comment_cuts(node: yaml.Node | None, lines: Sequence[str], keys: Sequence[str]) -> list[tuple[str, str]]:
    """(key, message) for each of ``keys`` of a mapping node whose unquoted text a comment cut short."""
    if not isinstance(node, yaml.MappingNode):
        return []
    found = []
    for key_node, value_node in node.value:
        key = str(key_node.value)
        cut = comment_cut(value_node, lines) if key in keys else None
        if cut:
            found.append((key, f"{key}: {cut_message(key, value_node.value, cut)}"))
    return found


@dataclass
class Document:
    """A parsed YAML file: its data, the line of every key path, and its repeated keys."""

    data: Any
    lines: dict[Path_, int] = field(default_factory=dict)
    repeats: list[tuple[Path_, int, int]] = field(default_factory=list)  # (path, line, first line)
    cuts: dict[Path_, str] = field(default_factory=dict)  # key path -> text a comment cut off ("title: A #8")


def load(path: Path, shown: str, error: type[BulletinError], text: str | None = None) -> Document:
    """Parse a YAML file (or ``text`` given for it); a missing, unreadable or malformed file raises ``error`` naming it."""
    try:
        text = decode(path.read_bytes()) if text is None else text.removeprefix("\ufeff")
    except FileNotFoundError:
        raise error("file not found", where=Where(shown)) from None
    except UnicodeDecodeError as exc:
        raise error(exc.reason, where=Where(shown)) from None
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror}", where=Where(shown)) from None
    try:
        data, node = parse_tree(text)
    except YamlSyntaxError as exc:
        raise error(exc.message, where=Where(shown, exc.line)) from None
    doc = Document(data)
    if node is not None:
        _walk(node, (), doc, text.splitlines())
    return doc


def _walk(node: yaml.Node, path: Path_, doc: Document, lines: list[str], key_line: int | None = None) -> None:
    # a key's line is where the key stands, not where its value starts ("sections:" above its list)
    doc.lines[path] = key_line or node.start_mark.line + 1
    cut = comment_cut(node, lines)
    if cut:
        doc.cuts[path] = cut
    if isinstance(node, yaml.MappingNode):
        for line, key, first in duplicate_keys(node):
            doc.repeats.append((path + (key,), line, first))
        for key, value in node.value:
            _walk(value, path + (str(key.value),), doc, lines, key.start_mark.line + 1)
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _walk(value, path + (index,), doc, lines)


def dotted(path: Path_) -> str:
    """``("sections", 1, "tags")`` -> ``sections[1].tags``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice ``word`` is most likely a misspelling of, if any is close."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return close[0] if close else None


def hint(word: str, choices: Sequence[str], *, list_all: bool = True) -> str:
    """A did-you-mean suffix; else the valid choices (``list_all``) or nothing."""
    close = closest(word, choices)
    if close:
        return f" (did you mean '{close}'?)"
    return f" (expected one of: {', '.join(choices)})" if list_all and choices else ""


class Checker:
    """Collects every problem of one YAML file, each with its file:line."""

    def __init__(self, shown: str, doc: Document) -> None:
        self.shown = shown
        self.lines = doc.lines
        self.cuts = doc.cuts
        self.problems = [Problem(Where(shown, line), f"{dotted(path)}: repeated (first on line {first})") for path, line, first in doc.repeats]

    def in_order(self) -> list[Problem]:
        """The problems from the top of the file down, as the reader fixes them."""
        return sorted(self.problems, key=lambda p: p.where.line or 0)

    def where(self, path: Path_) -> Where:
        """The file and line of a key path (its nearest known parent if it is absent)."""
        while path and path not in self.lines:
            path = path[:-1]
        return Where(self.shown, self.lines.get(path) or None)

    def error(self, path: Path_, message: str) -> None:
        """Record a problem at ``path``."""
        problem = Problem(self.where(path), f"{dotted(path)}: {message}" if path else message)
        if problem not in self.problems:  # a value read twice (to check it, then to use it) is one problem
            self.problems.append(problem)

    def mapping(self, data: Any, path: Path_, allowed: list[str], required: tuple[str, ...] = ()) -> dict:
        """Check a mapping's keys: unknown keys (with a hint) and missing required ones."""
        if data is None:
            data = {}
        if not isinstance(data, dict):
            keys = f" ({', '.join(allowed)})" if allowed else ""
            self.error(path, f"expected a mapping of keys{keys}, got {show(data)}")
            return {}
        for key in data:
            if str(key) not in allowed:
                self.error(path + (str(key),), f"unknown key{hint(str(key), allowed)}")
        for key in required:
            if data.get(key) in (None, ""):
                self.error(path + (key,), "required")
        return data

    def text(self, data: dict, key: str, path: Path_ = (), default: str | None = None) -> str | None:
        """A string value (numbers are accepted as text)."""
        value = data.get(key)
        if value is None:
            return default
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.error(path + (key,), f"expected text, got {show(value)}")
            return default
        cut = self.cuts.get(path + (key,))
        if cut:
            self.error(path + (key,), cut_message(key, value, cut))
        return str(value).strip() if isinstance(value, str) else str(value)

    def choice(self, data: dict, key: str, choices: list[str], path: Path_ = (), default: str = "") -> str:
        """One of a fixed set of words."""
        value = self.text(data, key, path)
        if value is None:
            return default
        if value not in choices:
            self.error(path + (key,), f"expected one of {', '.join(choices)}, got '{value}'{hint(value, choices, list_all=False)}")
            return default
        return value

    def date(self, data: dict, key: str, path: Path_ = ()) -> dt.date | None:
        """An ISO date (YAML gives a date object for 2021-06-10)."""
        value = data.get(key)
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            try:
                return dt.date.fromisoformat(value.strip())
            except ValueError:
                pass
        if value is not None:  # a missing value is reported by mapping()
            self.error(path + (key,), f"expected a date like 2021-06-30, got {show(value)}")
        return None

    def text_list(self, data: dict, key: str, path: Path_ = (), what: str = "text") -> list[str]:
        """A list of strings; a single string is not silently accepted (it is usually a mistake)."""
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            example = f"[{value}]" if isinstance(value, str) else "[…]"
            self.error(path + (key,), f"expected a list of {what} like {example}, got {show(value)}")
            return []
        out = []
        for index, entry in enumerate(value):
            if isinstance(entry, (str, int, float)) and not isinstance(entry, bool) and str(entry).strip():
                out.append(str(entry).strip())
            else:
                self.error(path + (key, index), f"expected {what}, got {show(entry)}")
        return out


def show(value: Any) -> str:
    """A short description of a bad value for a message."""
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, (dt.date, dt.datetime)):  # as the user typed it, not Python's datetime.date(2021, 1, 1)
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    text = repr(value) if isinstance(value, str) else f"{type(value).__name__} {value!r}"
    return text if len(text) <= 80 else text[:77] + "…"
