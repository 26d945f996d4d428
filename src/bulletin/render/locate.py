"""Where rendered MJML came from and what is wrong with it, for MJML error messages.

MRML (under mjml-python) reports a broken tag as "unexpected end of stream" or "unable to parse
next template", mostly without a position, and a position it does give is an offset into the
*rendered* MJML, not into the template a user edits. So on failure, :func:`find_problem` looks for
the first tag that is unbalanced or malformed, and :func:`source_map` renders the template once
more with an invisible mark at the start of every template line, which turns an offset in the
rendered text back into ``template file:line``.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterator

import jinja2
import jinja2.ext
from jinja2.lexer import Token, TokenStream

# private-use characters: never in a template's own text
_OPEN, _SEP, _CLOSE = "\ue000", "\ue001", "\ue002"
_MARK = re.compile(f"{_OPEN}([^{_SEP}]*){_SEP}(\\d+){_CLOSE}")


class LineMarks(jinja2.ext.Extension):
    """Prefix every line of template text with an invisible mark naming its file and line."""

    def filter_stream(self, stream: TokenStream) -> Iterator[Token]:
        filename = stream.filename or stream.name or ""
        for token in stream:
            if token.type == "data":
                lines = token.value.split("\n")
                value = "\n".join(
                    f"{_OPEN}{filename}{_SEP}{token.lineno + n}{_CLOSE}{line}" for n, line in enumerate(lines)
                )
                token = Token(token.lineno, "data", value)
            yield token


def source_map(marked: str, output: str) -> Callable[[int], tuple[str, int] | None]:
    """From an offset in ``output`` to (template filename, line), given the marked render of the same template.

    If the marks changed the result (a template that measures its own text), nothing is claimed.
    """
    offsets: list[int] = []
    places: list[tuple[str, int]] = []
    plain: list[str] = []
    length, last = 0, 0
    for found in _MARK.finditer(marked):
        piece = marked[last : found.start()]
        plain.append(piece)
        length += len(piece)
        offsets.append(length)
        places.append((found.group(1), int(found.group(2))))
        last = found.end()
    plain.append(marked[last:])
    if "".join(plain) != output or not offsets:
        return lambda offset: None

    def where(offset: int) -> tuple[str, int] | None:
        index = bisect.bisect_right(offsets, offset) - 1
        return places[index] if index >= 0 else None

    return where


# --- tag balance -----------------------------------------------------------------------------

#: HTML elements that never have a closing tag.
VOID = frozenset(
    {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"}
)
_NAME = r"[A-Za-z][A-Za-z0-9:_-]*"
_START = re.compile(
    rf"<({_NAME})((?:\s+[^\s\"'<>/=]+(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'))?)*)\s*(/?)>"
)
_END = re.compile(rf"</({_NAME})\s*>")
_BAD_ATTR = re.compile(r"=\s*[^\s\"'>]")


def find_problem(source: str) -> tuple[int, str] | None:
    """(offset, explanation) of the first unbalanced or malformed tag in ``source``, or None."""
    stack: list[tuple[str, int]] = []  # (lower-case name, offset of its start tag)
    closed_root = False
    pos = 0
    while True:
        at = source.find("<", pos)
        if closed_root:
            rest = source[pos:] if at < 0 else source[pos:at]
            if rest.strip() or at >= 0:
                offset = pos + len(rest) - len(rest.lstrip()) if rest.strip() else at
                return offset, "there is something after the closing </mjml>: it must be the last tag"
        if at < 0:
            break
        if source.startswith("<!--", at):
            end = source.find("-->", at + 4)
            if end < 0:
                return at, "this comment <!-- is never closed with -->"
            pos = end + 3
            continue
        if source.startswith("<![CDATA[", at):
            return at, "<![CDATA[ ... ]]> is not allowed in MJML"
        end_tag = _END.match(source, at)
        if end_tag:
            name = end_tag.group(1).lower()
            names = [open_name for open_name, _ in stack]
            if name not in names:
                hint = f" (<{name}> needs no closing tag)" if name in VOID else ""
                return at, f"</{end_tag.group(1)}> closes nothing that is open{hint}"
            depth = len(names) - 1 - names[::-1].index(name)
            if depth < len(stack) - 1:
                unclosed, start = stack[depth + 1]
                return start, f"<{unclosed}> is never closed: add </{unclosed}> before </{end_tag.group(1)}>"
            del stack[depth:]
            closed_root = not stack
            pos = end_tag.end()
            continue
        start_tag = _START.match(source, at)
        if start_tag:
            name = start_tag.group(1).lower()
            if not start_tag.group(3) and name not in VOID:
                stack.append((name, at))
            pos = start_tag.end()
            continue
        if re.match(rf"</?{_NAME}", source[at:]):
            tag_end = source.find(">", at)
            tag = source[at : tag_end + 1] if tag_end >= 0 else source[at:]
            if tag_end < 0 or "<" in tag[1:]:
                return at, "this tag is never finished with '>'"
            if _BAD_ATTR.search(tag):
                return at, 'an attribute value is not in quotes: write name="value"'
            return at, 'this tag is not written correctly: attributes are written name="value", separated by spaces'
        return at, "a '<' that does not start a tag: write &lt; for a 'less than' sign"
    if stack:
        name, start = stack[-1]
        return start, f"<{name}> is never closed: add </{name}>"
    return None
