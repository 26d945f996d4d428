"""A YAML file holding a list of items (or a mapping with an ``items:`` list)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import yaml

from .. import yamlfile, yamlparse
from ..config import display_path
from ..errors import Problem, SourceError, Where, raise_if
from ..model import Item
from ..yamlfile import hint
from . import fields


def read(path: Path, *, root: Path, languages: Sequence[str] = ()) -> list[Item]:
    """Read every item of a YAML list file; report all invalid entries at once.

    ``languages`` (the project's, default first): ``title_fr``, ``summary_fr``, ``url_fr`` are the item in French.
    """
    name = display_path(path, root)
    try:
        text = yamlparse.decode(path.read_bytes())
    except UnicodeDecodeError as exc:
        raise SourceError(exc.reason, where=Where(name)) from None
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}", where=Where(name)) from None
    try:
        data, node = yamlparse.parse_tree(text)
    except yamlparse.YamlSyntaxError as exc:
        raise SourceError(exc.message, where=Where(name, exc.line)) from None
    problems: list[Problem] = []
    if isinstance(data, dict) and "items" not in data and set(map(str, data)) & set(fields.REQUIRED):
        raise SourceError(
            f"{name}:{node.start_mark.line + 1 if node is not None else 1}: expected a list of items, each starting "
            "with '- ' (- date: 2021-06-10, then title: and url: indented by two spaces), got one item without '- '"
        )
    if isinstance(data, dict):
        for key in data:
            if key != "items":
                line = yamlfile.line_of(node, (str(key),))
                problems.append(Problem(f"{name}:{line}", f"{key}: unknown key{hint(str(key), ['items'])}"))
        data = data.get("items")
        node = _items_node(node)
    if data is None:
        data = []
    if not isinstance(data, list):
        line = node.start_mark.line + 1 if node is not None else 1
        raise SourceError(
            f"{name}:{line}: expected a list of items (- date: …, title: …, url: …), got {fields.show(data)}"
        )
    items = []
    lines = text.splitlines()
    for index, entry in enumerate(data):
        entry_node = node.value[index] if isinstance(node, yaml.SequenceNode) else None
        start = entry_node.start_mark.line + 1 if entry_node is not None else 1
        item = _entry(entry, entry_node, start, name, problems, lines, languages)
        if item is not None:
            items.append(item)
    raise_if(problems, SourceError, f"Invalid items in {name}")
    return items


def _entry(
    entry: object, node: yaml.Node | None, start: int, name: str, problems: list[Problem], lines: list[str],
    languages: Sequence[str],
) -> Item | None:
    if not isinstance(entry, dict):
        message = f"expected an item (date: …, title: …, url: …), got {fields.show(entry)}"
        problems.append(Problem(f"{name}:{start}", message))
        return None
    bad = [(line, f"{key}: repeated (first on line {first})") for line, key, first in yamlfile.duplicate_keys(node)]
    values, found = fields.check(entry, languages)
    cuts = yamlfile.comment_cuts(node, lines, fields.text_keys(entry, languages))
    found.extend(((key,), message) for key, message in cuts)
    bad.extend((yamlfile.line_of(node, key) or start, message) for key, message in found)
    if bad:
        problems.extend(Problem(f"{name}:{line}", message) for line, message in sorted(bad, key=lambda b: b[0]))
        return None
    values["notes"] = [(f"{name}:{yamlfile.line_of(node, key) or start}", message) for key, message in values["warnings"]]
    return fields.make(values, origin=f"{name}:{start}", where=lambda key: f"{name}:{yamlfile.line_of(node, (key,)) or start}")


def _items_node(node: yaml.Node | None) -> yaml.Node | None:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == "items":
                return value_node
    return None
