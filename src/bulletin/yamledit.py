"""Round-trip YAML edits that leave the rest of a file as the person wrote it (ruamel.yaml, for compose.py).

ruamel.yaml keeps the comments and blank lines after an entry in a comment token on that entry; when an
entry is added, removed or moved, these helpers move those lines with it so that each stays where a
person would expect. ``rebase`` carries an edit over to a file the library would have reformatted.
"""

from __future__ import annotations

import difflib
from typing import Any

import yaml as pyyaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark, YAMLError
from ruamel.yaml.scalarstring import (
    DoubleQuotedScalarString,
    LiteralScalarString,
    SingleQuotedScalarString,
)
from ruamel.yaml.tokens import CommentToken

# a new text is written without quotes unless YAML would read it as syntax (quotes are then double, as
# the README advises): a start like these, or ': ' / ' #' inside, or in a [list] a comma or bracket
_SPECIAL_START = tuple("-?:,[]{}#&*!|>'\"%@`")
_SPECIAL_INSIDE = (": ", " #", ",", "[", "]", "{", "}", "\t")


def scalar_like(value: str, like: Any = None, *, block: bool = False) -> Any:
    """``value`` in the style of the value it replaces (its quotes, its | block), else the project's."""
    if "\n" in value.strip() or (block and isinstance(like, (LiteralScalarString, type(None)))):
        return LiteralScalarString(value.strip("\n") + "\n")
    if isinstance(like, SingleQuotedScalarString):
        return SingleQuotedScalarString(value)
    if isinstance(like, DoubleQuotedScalarString) or not _plain_ok(value):
        return DoubleQuotedScalarString(value)
    return value


def comments(parent: Any, key: Any) -> tuple[str, str]:
    """(the comment on the line itself, the blank and comment lines after it) of one entry."""
    token = _token(parent, key)
    if token is None:
        return ("" if _is_block(parent[key]) else "\n"), ""
    value = token.value
    if _is_block(parent[key]):
        return "", value  # after a | block the comment holds only the lines below it
    cut = value.find("\n") + 1 if "\n" in value else len(value)
    return value[:cut] or "\n", value[cut:]


def set_comments(parent: Any, key: Any, eol: str, rest: str, column: int | None = None) -> None:
    """Give an entry its line's comment ``eol`` and the lines ``rest`` after it (as :func:`comments` reads them)."""
    value = eol + rest
    if column is None:
        column = comment_column(parent, key) if eol.startswith("#") else 0
    if value in ("", "\n"):
        token = None
    else:
        token = CommentToken(value, CommentMark(column), None)
    slot = 2 if isinstance(parent, CommentedMap) else 0
    entry = parent.ca.items.setdefault(key, [None, None, None, None])
    entry[slot] = token


def comment_column(parent: Any, key: Any) -> int:
    """The column an entry's comment starts at (0 without one)."""
    token = _token(parent, key)
    return token.start_mark.column if token is not None else 0


def append_entry(seq: CommentedSeq, value: Any) -> None:
    """Add ``value`` at the end of a list; the blank line or comment after the old last entry stays after the list."""
    if seq.fa.flow_style() or not seq:
        seq.append(value)
        return
    eol, rest = comments(seq, len(seq) - 1)
    seq.append(value)
    set_comments(seq, len(seq) - 2, eol, "")
    set_comments(seq, len(seq) - 1, "\n", rest)


def delete_entry(seq: CommentedSeq, index: int, owner: tuple[CommentedMap, str]) -> None:
    """Remove a list entry, keeping the lines after it (``owner``: the mapping and key holding the list)."""
    _, rest = comments(seq, index)
    del seq[index]
    if not rest:
        return
    if index > 0:  # the lines after the removed entry now follow the one before it
        eol, before = comments(seq, index - 1)
        set_comments(seq, index - 1, eol, before + rest)
    else:  # ... or the key's own line
        parent, key = owner
        eol, before = comments(parent, key)
        set_comments(parent, key, eol, before + rest)


def delete_key(mapping: CommentedMap, key: str) -> None:
    """Remove a key; the blank lines and comments after its value stay, before the key that followed it."""
    keys = list(mapping)
    position = keys.index(key)
    tail_parent, tail_key = _tail(mapping, key)
    _, rest = comments(tail_parent, tail_key)
    del mapping[key]
    if rest and position > 0:
        parent, last = _tail(mapping, keys[position - 1])
        eol, before = comments(parent, last)
        set_comments(parent, last, eol, before + rest)


def insert_key(mapping: CommentedMap, position: int, key: str, value: Any) -> None:
    """Insert a key at ``position``; the blank line or comment before the next key stays before it."""
    keys = list(mapping)
    rest = ""
    if position > 0:
        parent, last = _tail(mapping, keys[position - 1])
        eol, rest = comments(parent, last)
        set_comments(parent, last, eol, "")
    mapping.insert(position, key, value)
    if rest:
        parent, last = _tail(mapping, key)
        set_comments(parent, last, "" if _is_block(parent[last]) else "\n", rest)


def _token(parent: Any, key: Any) -> CommentToken | None:
    entry = parent.ca.items.get(key)
    if not entry:
        return None
    return entry[2] if isinstance(parent, CommentedMap) else entry[0]


def _is_block(value: Any) -> bool:
    return isinstance(value, LiteralScalarString) or type(value).__name__ == "FoldedScalarString"


def _tail(mapping: Any, key: Any) -> tuple[Any, Any]:
    """The entry whose comment holds the lines after ``key``'s value: the last entry of a block list or mapping."""
    parent, last = mapping, key
    while True:
        value = parent[last]
        if isinstance(value, (CommentedSeq, CommentedMap)) and value and not value.fa.flow_style():
            parent, last = value, (len(value) - 1 if isinstance(value, CommentedSeq) else list(value)[-1])
        else:
            return parent, last


def _plain_ok(value: str) -> bool:
    """Whether ``value`` can be written without quotes and read back as the same text, by ruamel (YAML 1.2) and by
    PyYAML, which reads the issue files (YAML 1.1: ``Yes``, ``No``, ``on``, ``off`` are booleans there)."""
    if not value or value != value.strip() or value.startswith(_SPECIAL_START) or value.endswith(":"):
        return False
    if any(part in value for part in _SPECIAL_INSIDE):
        return False
    yaml = YAML(typ="safe", pure=True)
    try:
        return bool(yaml.load(value) == value and pyyaml.safe_load(value) == value)
    except (YAMLError, pyyaml.YAMLError):
        return False


def rebase(original: str, before: str, after: str) -> str:
    """Apply the line changes from ``before`` to ``after`` onto ``original`` (which ``before`` reformatted).

    A file the YAML library would write differently (its own indentation, say) keeps its own form outside
    the lines the edit touched; when a changed line has no counterpart in ``original``, ``after`` is returned.
    """
    ours, base, theirs = original.splitlines(True), before.splitlines(True), after.splitlines(True)
    where: dict[int, int] = {}  # line of ``before`` -> the same line in ``original``
    for block in difflib.SequenceMatcher(None, base, ours, autojunk=False).get_matching_blocks():
        for offset in range(block.size):
            where[block.a + offset] = block.b + offset
    out: list[str] = []
    done = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, base, theirs, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        span = [where[i] for i in range(i1, i2) if i in where]
        if len(span) != i2 - i1:
            return after
        if span:
            start, end = span[0], span[-1] + 1
            if end - start != len(span):
                return after
        elif i1 == 0:
            start = end = 0
        elif i1 - 1 in where:
            start = end = where[i1 - 1] + 1
        else:
            return after
        if start < done:
            return after
        out.extend(ours[done:start])
        out.extend(theirs[j1:j2])
        done = end
    out.extend(ours[done:])
    return "".join(out)
