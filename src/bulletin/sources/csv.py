"""A CSV file (as a spreadsheet exports it): a header row, then one item per row."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from ..config import display_path
from ..errors import Problem, SourceError, Where, raise_if
from ..model import Item
from . import fields

COLUMNS = ("date", "title", "url", "tags", "summary", "image", "image_alt", "draft")


def read(path: Path, *, root: Path, languages: Sequence[str] = ()) -> list[Item]:
    """Read every row of a CSV file; report all invalid rows at once.

    ``languages`` (the project's, default first): columns ``title_fr``, ``summary_fr``, ``url_fr`` are the item in French.
    """
    name = display_path(path, root)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"cannot read: {exc.strerror or exc}", where=Where(name)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise SourceError(
            f"{name}: not UTF-8 text (byte {exc.start}, line {line}); "
            'in your spreadsheet, save or export it as "CSV UTF-8"'
        ) from None
    # strict: a stray or unclosed quote is an error, not a silently merged or mangled row
    first, _, rest = text.lstrip("\r\n").partition("\n")
    named = sep_line(first)
    text = rest if named else text
    rows = csv.reader(io.StringIO(text, newline=""), delimiter=named or delimiter(text), strict=True)
    problems: list[Problem] = []
    items: list[Item] = []
    header: list[str] | None = None
    number = header_row = 0
    try:
        # rows are numbered as a spreadsheet shows them: the header is row 1, blank rows count
        for number, row in enumerate(rows, start=1):
            if not any(cell.strip() for cell in row):
                continue
            if header is None:
                header = [cell.strip().lower().replace(" ", "_") for cell in row]  # "Image alt", "URL" as typed in a spreadsheet
                if not _check_header(header, f"{name} row {number}", problems, languages):
                    break
                header_row = number
                continue
            item = _row(row, header, f"{name} row {number}", problems, languages)
            if item is not None:
                items.append(item)
    except csv.Error as exc:
        raise SourceError(f"{name} row {number + 1}: cannot read CSV: {_quoting(str(exc))}") from None
    raise_if(problems, SourceError, f"Invalid items in {name}")
    if items and header:  # a column in a language the project does not have: said once, by the header
        where = f"{name} row {header_row}"
        unused = [(where, message) for _key, message in fields.check(dict.fromkeys(header), languages)[0]["warnings"]]
        items[0] = replace(items[0], notes=items[0].notes + tuple(unused))
    return items


def _quoting(message: str) -> str:
    """Python's csv messages in a spreadsheet user's words."""
    if message == "unexpected end of data":
        return 'a quoted value is not closed: a closing " is missing'
    if message.endswith("expected after '\"'"):
        return 'a " inside a value: put the whole value in quotes and write the " twice ("")'
    return message


_SEP_LINE = re.compile(r"\s*sep=(.)\s*", re.IGNORECASE)


def sep_line(line: str) -> str | None:
    """The delimiter an Excel "sep=;" first line names (Excel does not show that line as a row), else None."""
    found = _SEP_LINE.fullmatch(line.rstrip("\r\n"))
    return found.group(1) if found else None


def delimiter(text: str) -> str:
    """',' ';' or tab, whichever the header row uses most (spreadsheets in many European locales export ';').

    Only the header counts: cells below may hold the other character ("Event; News", "members;board").
    """
    header = text.lstrip("\r\n").partition("\n")[0]
    counts = {d: header.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _check_header(header: list[str], where: str, problems: list[Problem], languages: Sequence[str]) -> bool:
    """Report unknown, repeated and missing columns; False if rows cannot be read at all."""
    known = COLUMNS + tuple(f"{name}_{lang.lower()}" for lang in languages[1:] for name in fields.TRANSLATED)
    for index, column in enumerate(header):
        if fields.language_field(column, languages) is not None:
            if column in header[:index]:
                problems.append(Problem(where, f"column '{column}' appears twice"))
            continue
        if column not in COLUMNS:
            typo_of = fields.misspelt(column, known)  # other columns (author, id, …) are not used: a build warning
            if typo_of:
                problems.append(Problem(where, f"unknown column '{column}' (did you mean '{typo_of}'?)"))
        elif column in header[:index]:
            problems.append(Problem(where, f"column '{column}' appears twice"))
    default = [f"{column}_{languages[0].lower()}" for column in fields.REQUIRED] if languages else []
    missing = [column for column, own in zip(fields.REQUIRED, default or fields.REQUIRED, strict=True)
               if column not in header and own not in header]
    for column in missing:
        problems.append(Problem(where, f"missing column '{column}' (required)"))
    return not missing


def _row(row: list[str], header: list[str], where: str, problems: list[Problem], languages: Sequence[str]) -> Item | None:
    if len(row) > len(header):
        problems.append(
            Problem(
                where,
                f"{len(row)} fields but the header has {len(header)} (put a value holding the delimiter in quotes)",
            )
        )
        return None
    raw: dict[str, object] = {}
    for column, cell in zip(header, row, strict=False):  # spreadsheets drop trailing empty cells: missing means empty
        if (column in COLUMNS or fields.language_field(column, languages) is not None) and column not in raw:
            raw[column] = cell
    src, alt = raw.pop("image", ""), raw.pop("image_alt", "")
    if isinstance(src, str) and src.strip():
        raw["image"] = {"src": src, "alt": alt}
    elif isinstance(alt, str) and alt.strip():
        problems.append(Problem(where, "image_alt: given without an image"))
        return None
    values, found = fields.check(raw, languages)
    values["ignored"] = [
        column for column in header if column and column not in COLUMNS and fields.language_field(column, languages) is None
    ]
    for _key, message in found:
        # the CSV has no image.src / image.alt: name the columns the user sees
        problems.append(Problem(where, message.replace("image.src:", "image:").replace("image.alt:", "image_alt:")))
    if found:
        return None
    return fields.make(values, origin=where)
