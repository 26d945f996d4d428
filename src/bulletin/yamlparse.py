"""One YAML document parsed safely, for yamlfile.py and the sources' front matter.

The fast safe loader; a syntax error becomes a ``YamlSyntaxError`` naming the line to fix, with advice for
the usual mistakes (a missing closing quote or bracket, text that needs quotes); a document whose aliases
(``*name``) would expand without bound is refused before anything walks it.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from .yamltext import as_written, double_quoted, reads_back


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The fast safe loader, except that an impossible date stays a string for a clear message."""


def _timestamp(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> object:
    # PyYAML raises a bare ValueError for "2021-02-30"; keep the text so validation can name it
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)
    except ValueError:
        return node.value


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


_BRACKETS = {"while parsing a flow sequence": ("[", "]"), "while parsing a flow mapping": ("{", "}")}


class YamlSyntaxError(Exception):
    """A YAML document that cannot be parsed; ``line`` is 1-based (counted from ``first_line``)."""

    def __init__(self, line: int | None, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


def parse_tree(text: str, first_line: int = 1) -> tuple[Any, yaml.Node | None]:
    """Return the data and the root node of one YAML document; ``text`` starts on ``first_line``."""
    # composing is the parse itself (in C); constructing from the kept node costs no second parse
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is not None:
            _check_aliases(node, first_line)  # before anything walks the data as a tree
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        kind = "YAML error" if isinstance(exc, yaml.constructor.ConstructorError) else "YAML syntax error"
        detail = exc.problem or exc.context or "invalid YAML"
        opened = exc.context_mark if mark and exc.context_mark and exc.context_mark.line != mark.line else None
        if opened is not None and exc.context == "while scanning a quoted scalar":
            # noticed only at the end of the file or the next quote: the line to fix is where it opened
            mark, detail = opened, f"a quoted text starts on this line but its closing quote is missing ({detail})"
        elif opened is not None and exc.context in _BRACKETS:
            opener, closer = _BRACKETS[exc.context]
            detail += f" (is the '{opener}' on line {opened.line + first_line} missing its '{closer}'?)"
        elif detail == "but found another document":
            detail += " (a line '---' starts a second document: remove that line; one file holds one document)"
        elif mark is not None and kind == "YAML syntax error":
            detail += _quote_hint(text, mark.line)
        raise YamlSyntaxError(mark.line + first_line if mark else None, f"{kind}: {detail}") from None
    except yaml.reader.ReaderError as exc:  # no mark: a position in the text ("<unicode string>", position 29)
        line = text.count("\n", 0, exc.position) + first_line
        code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise YamlSyntaxError(
            line,
            f"YAML error: an invisible control character (U+{code:04X}) is not allowed; "
            "delete it (retype the text around it, it often comes from pasted text)",
        ) from None
    except yaml.YAMLError as exc:
        raise YamlSyntaxError(None, f"YAML error: {exc}") from None
    finally:
        loader.dispose()
    return data, node


MAX_VALUES = 100_000  # values a document may stand for once its aliases (*name) are expanded


def _check_aliases(root: yaml.Node, first_line: int) -> None:
    """Refuse a document whose aliases expand beyond MAX_VALUES values, or refer to the value holding them.

    An alias is the node it names, shared: eight levels of ``&a [*b, *b, ...]`` compose to a few nodes
    but stand for 9**8 values, which every walk of the data (line numbers, validation) would visit.
    Each node is sized once here (iteratively: no recursion limit), from the leaves up.
    """
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if id(node) in sizes:
            continue
        if isinstance(node, yaml.MappingNode):
            children = [part for pair in node.value for part in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        else:
            children = []
        if not children_done:
            if id(node) in open_:  # reached again while inside itself: &a [*a]
                raise YamlSyntaxError(node.start_mark.line + first_line,
                                      "YAML error: an alias (*name) refers to the value that contains it; write the value out")
            open_.add(id(node))
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
            continue
        open_.discard(id(node))
        size = 1 + sum(sizes[id(child)] for child in children)
        if size > MAX_VALUES:
            raise YamlSyntaxError(
                node.start_mark.line + first_line,
                f"YAML error: the aliases (*name) in this value repeat other values more than {MAX_VALUES:,} times "
                "altogether; write the values out, or use fewer aliases",
            )
        sizes[id(node)] = size


# a value that YAML reads as syntax: "title: EU Strategy: our view", "title: "EU" strategy", "title: [Draft] …"
_KEY_VALUE = re.compile(r"\s*(?:-\s+)?([A-Za-z_][\w -]*):[ \t]+(\S.*)")
_SPECIAL_START = tuple("\"'[]{}@`*&!|>%,?")


def _quote_hint(text: str, line: int) -> str:
    """Advice for the most common YAML mistake of non-programmers: text that needs quotes."""
    lines = text.splitlines()
    match = _KEY_VALUE.fullmatch(lines[line].rstrip()) if 0 <= line < len(lines) else None
    if not match:
        return ""
    key, value = match[1].strip(), match[2]
    if not (": " in value or value.startswith(_SPECIAL_START)):
        return ""
    meant = as_written(value)
    quoted = double_quoted(meant)
    if not reads_back(key, quoted, meant):  # advice that would not give the text back is worse than none
        return ""
    return f" (a text holding ': ' or starting with a quote or bracket needs double quotes around it: {key}: {quoted})"


def decode(data: bytes) -> str:
    """UTF-8 text (a BOM is dropped); UnicodeDecodeError's reason says which line is not UTF-8."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        # e.g. Windows Notepad's "ANSI": the first é tells where; the byte offset alone says nothing to a reader
        exc.reason = f"not UTF-8 text (byte {exc.start}, line {line}); save it as UTF-8"
        raise
