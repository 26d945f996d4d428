"""Parse YAML once, keeping both the data and the node tree (for line numbers in messages)."""

from __future__ import annotations

from typing import Any

import yaml

Key = tuple[str | int, ...]

_Base: type = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc, valid-type]
    """The fast safe loader, except that an impossible date stays a string for a clear message."""


def _timestamp(loader: Any, node: yaml.ScalarNode) -> Any:
    # PyYAML raises a bare ValueError for "2021-02-30"; keep the text so validation can name it
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return node.value


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


class YamlSyntaxError(Exception):
    """A YAML document that cannot be parsed; ``line`` is 1-based within the parsed text."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def parse(text: str) -> tuple[Any, yaml.Node | None]:
    """Return the data and the root node of one YAML document."""
    # composing is the parse itself (in C); constructing from the kept node costs no second parse
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        kind = "YAML error" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax error"
        detail = exc.problem or exc.context or "invalid YAML"
        raise YamlSyntaxError(mark.line + 1 if mark else None, f"{kind}: {detail}") from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(None, f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    return data, node


def line_of(node: yaml.Node | None, key: Key) -> int | None:
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
