"""YAML files with line numbers: every mapping key and list entry keeps the line it stands on."""

from __future__ import annotations

import datetime as dt
import difflib
from pathlib import Path
from typing import Any

import yaml

from .errors import BulletinError, Problem

Path_ = tuple[str | int, ...]


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The fast safe loader; an impossible date such as 2021-13-01 stays text, to be reported."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def load(path: Path, shown: str, error: type[BulletinError]) -> tuple[Any, dict[Path_, int]]:
    """Parse a YAML file; return its data and the 1-based line of every key path."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise error(f"{shown}: file not found") from None
    except UnicodeDecodeError as exc:
        raise error(f"{shown}: not UTF-8 text (byte {exc.start}); save it as UTF-8") from None
    except OSError as exc:
        raise error(f"{shown}: cannot read: {exc.strerror}") from None
    return parse(text, shown, error)


def parse(text: str, shown: str, error: type[BulletinError]) -> tuple[Any, dict[Path_, int]]:
    """Parse YAML text; a syntax error names ``shown`` and the line."""
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = f":{mark.line + 1}" if mark else ""
        raise error(f"{shown}{line}: YAML syntax error: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise error(f"{shown}: YAML error: {exc}") from None
    finally:
        loader.dispose()
    lines: dict[Path_, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def _walk(node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> None:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            sub = path + (str(key.value),)
            _walk(value, sub, lines)
            lines[sub] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, value in enumerate(node.value):
            _walk(value, path + (index,), lines)


def dotted(path: Path_) -> str:
    """``("sections", 1, "tags")`` -> ``sections[1].tags``."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else part)
    return out


def hint(word: str, choices: list[str]) -> str:
    """A did-you-mean suffix, or an empty string."""
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Checker:
    """Collects every problem of one YAML file, each with its file:line."""

    def __init__(self, shown: str, lines: dict[Path_, int]) -> None:
        self.shown = shown
        self.lines = lines
        self.problems: list[Problem] = []

    def where(self, path: Path_) -> str:
        """``file:line`` of a key path (its nearest known parent if it is absent)."""
        while path and path not in self.lines:
            path = path[:-1]
        line = self.lines.get(path)
        return f"{self.shown}:{line}" if line else self.shown

    def error(self, path: Path_, message: str) -> None:
        """Record a problem at ``path``."""
        self.problems.append(Problem(self.where(path), f"{dotted(path)}: {message}" if path else message))

    def mapping(self, data: Any, path: Path_, allowed: list[str], required: tuple[str, ...] = ()) -> dict:
        """Check a mapping's keys: unknown keys (with a hint) and missing required ones."""
        if data is None:
            data = {}
        if not isinstance(data, dict):
            self.error(path, f"expected a mapping of keys ({', '.join(allowed)}), got {_show(data)}")
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
            self.error(path + (key,), f"expected text, got {_show(value)}")
            return default
        return str(value).strip() if isinstance(value, str) else str(value)

    def choice(self, data: dict, key: str, choices: list[str], path: Path_ = (), default: str = "") -> str:
        """One of a fixed set of words."""
        value = self.text(data, key, path)
        if value is None:
            return default
        if value not in choices:
            self.error(path + (key,), f"expected one of {', '.join(choices)}, got '{value}'{hint(value, choices)}")
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
            self.error(path + (key,), f"expected a date like 2021-06-30, got {_show(value)}")
        return None

    def text_list(self, data: dict, key: str, path: Path_ = (), what: str = "text") -> list[str]:
        """A list of strings; a single string is not silently accepted (it is usually a mistake)."""
        value = data.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            example = f"[{value}]" if isinstance(value, str) else "[…]"
            self.error(path + (key,), f"expected a list of {what} like {example}, got {_show(value)}")
            return []
        out = []
        for index, entry in enumerate(value):
            if isinstance(entry, (str, int, float)) and not isinstance(entry, bool) and str(entry).strip():
                out.append(str(entry).strip())
            else:
                self.error(path + (key, index), f"expected {what}, got {_show(entry)}")
        return out


def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value) if isinstance(value, str) else f"{type(value).__name__} {value!r}"
