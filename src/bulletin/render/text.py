"""Plain-text stage: HTML fragments to text, paragraph wrapping, tidying the text part.

The plain-text part comes from its own template (``email.txt.j2``), never from scraping the
final HTML; this module only turns the (small) rich-text fragments into text and wraps them.
"""

from __future__ import annotations

import re
import textwrap

from lxml import html as lxml_html

BLOCKS = {
    "p", "div", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6",
    "table", "tr", "hr", "section", "article", "header", "footer", "figure", "dl", "dt", "dd",
}  # fmt: skip
_SPACES = re.compile(r"[ \t\r\n\f\v]+")


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: paragraphs split by blank lines, links as 'text (url)'."""
    if not fragment.strip():
        return ""
    root = lxml_html.fragment_fromstring(fragment, create_parent="div")
    blocks: list[str] = []
    _walk_blocks(root, blocks, prefix="")
    return "\n\n".join(b for b in blocks if b.strip())


def _walk_blocks(element, blocks: list[str], prefix: str) -> None:
    """Append the text blocks of ``element``'s children; inline runs become one block."""
    run: list[str] = []

    def flush() -> None:
        text = _SPACES.sub(" ", "".join(run)).strip()
        text = text.replace("\x00", "\n")  # <br>: kept as a hard line break
        text = re.sub(r" *\n *", "\n", text)
        if text:
            blocks.append(prefix + text)
        run.clear()

    run.append(element.text or "")
    for child in element:
        tag = child.tag if isinstance(child.tag, str) else ""
        if tag in BLOCKS:
            flush()
            if tag in ("ul", "ol"):
                for number, li in enumerate(child.iterfind("li"), start=1):
                    marker = f"{number}. " if tag == "ol" else "- "
                    inner: list[str] = []
                    _walk_blocks(li, inner, prefix="")
                    if inner:
                        # a nested list (or a second paragraph) stays under its item's text
                        rest = textwrap.indent("\n".join(inner[1:]), " " * len(marker))
                        blocks.append(prefix + marker + "\n".join([inner[0], rest] if rest else inner[:1]))
            elif tag == "blockquote":
                _walk_blocks(child, blocks, prefix=prefix + "> ")
            elif tag == "pre":
                blocks.append(child.text_content().rstrip("\n"))
            elif tag == "hr":
                blocks.append("----")
            else:
                _walk_blocks(child, blocks, prefix)
        elif tag:
            run.append(_inline_text(child))
        run.append(child.tail or "")
    flush()


def _inline_text(element) -> str:
    if element.tag == "br":
        return "\x00"
    if element.tag == "img":
        return element.get("alt", "")
    inner = (element.text or "") + "".join(
        _inline_text(c) + (c.tail or "") for c in element if isinstance(c.tag, str)
    )
    if element.tag == "a":
        href = (element.get("href") or "").strip()
        label = _SPACES.sub(" ", inner).strip()
        bare = href.removeprefix("mailto:")
        if not href or href.startswith("#"):
            return inner
        if not label or label in (href, bare):
            return href if href == label or not label else bare
        return f"{inner} ({bare if href.startswith('mailto:') else href})"
    return inner


#: A URL with whatever sticks to it ("(https://…)," stays one piece).
_URL_WORD = re.compile(r"\S*[a-z][a-z0-9+.-]*://\S*", re.IGNORECASE)


def wrap(text: str, width: int = 72, indent: str = "") -> str:
    """Wrap each paragraph of ``text`` at ``width``; list items get a hanging indent.

    URLs are never broken (they would stop being clickable in mail clients) and each one gets a
    line of its own, so only URL lines can be longer than ``width``.
    """
    out: list[str] = []
    for paragraph in str(text).split("\n\n"):
        lines: list[str] = []
        for line in paragraph.split("\n"):
            lead = re.match(r"( *(?:> )*)((?:- |\d+\. )?)", line)
            assert lead is not None  # every part of the pattern may be empty: it matches any line
            quote, marker = lead.groups()
            hanging = indent + quote + " " * len(marker)
            first = True
            for piece in _url_pieces(line):
                if _URL_WORD.fullmatch(piece):
                    lines.append((indent if first else hanging) + piece)
                else:
                    lines.extend(
                        textwrap.wrap(
                            piece,
                            width=width,
                            initial_indent=indent if first else hanging,
                            subsequent_indent=hanging,
                            break_long_words=False,
                            break_on_hyphens=False,
                        )
                    )
                first = False
            if first:
                lines.append("")
        out.append("\n".join(lines))
    return "\n\n".join(out)


def _url_pieces(line: str) -> list[str]:
    """The line cut into text runs and URL words (each URL word alone), blanks dropped."""
    pieces: list[str] = []
    last = 0
    for found in _URL_WORD.finditer(line):
        pieces.append(line[last : found.start()])
        pieces.append(found.group())
        last = found.end()
    pieces.append(line[last:])
    # the line's own leading spaces (a nested list item's indent) stay on its first piece
    return [piece.rstrip() if n == 0 else piece.strip() for n, piece in enumerate(pieces) if piece.strip()]


#: RFC 3676's signature separator: the one line whose trailing space is kept.
SIGNATURE = "-- "


def tidy(text: str) -> str:
    """Strip trailing spaces (but the signature separator's), collapse blank-line runs, end with one newline."""
    lines = [line if line == SIGNATURE else line.rstrip() for line in text.splitlines()]
    joined = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return joined + "\n"
