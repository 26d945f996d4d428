"""Subscribers: read the CSV as spreadsheets export it, validate, dedupe, suppress, select a list.

The file is streamed: memory holds one 8-byte digest per address (for duplicates), the addresses
of unsubscribed/bounced rows (usually few) and at most ``MAX_REPORTED`` bad rows, never the rows.
Row numbers are spreadsheet rows: the header is row 1.
"""

from __future__ import annotations

import codecs
import csv
import html
import io
import itertools
import os
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple, TextIO

from email_validator import EmailNotValidError

from .addresses import normalise
from .errors import AudienceError, Problem
from .sources.csv import (
    delimiter as header_delimiter,  # the same guess for every spreadsheet export
)
from .sources.csv import sep_line
from .yamlfile import hint

STATUSES = ("subscribed", "unsubscribed", "bounced")
SUPPRESSED = ("unsubscribed", "bounced")
# what Mailchimp ("cleaned") and listmonk ("confirmed", "blocklisted") exports call them
STATUS_ALIASES = {"confirmed": "subscribed", "cleaned": "bounced", "blocklisted": "unsubscribed"}
#: Why a row is not mailed, in the order the send plan lists them.
REASONS = ("unsubscribed", "bounced", "invalid", "duplicate", "not on list")
MAX_REPORTED = 10_000  # bad rows kept for the report; the rest are only counted
#: SendGrid: "the total collective size of your substitutions may not exceed 10,000 bytes per personalization".
#: Each merge value goes twice (as is, and HTML-escaped: dispatch/message.py), each under its tag.
MAX_SUBSTITUTION_BYTES = 10_000
SAVE_AS_UTF8 = (
    "In Excel: File > Save As > 'CSV UTF-8 (Comma delimited)'; in LibreOffice: File > Save As, "
    "'Edit filter settings', character set 'Unicode (UTF-8)'"
)


class Recipient(NamedTuple):
    """One person to mail: the normalised address, its dedupe key and the merge values asked for."""

    row: int
    email: str
    key: str  # the address lower-cased: two rows with the same key are the same person
    values: tuple[str, ...]


@dataclass(frozen=True)
class BadRow:
    """A row that is never mailed, and why."""

    row: int
    message: str


@dataclass
class AudienceReport:
    """What reading the subscribers file found; complete once the rows have been read."""

    path: str  # as shown to the user
    list_name: str | None
    columns: list[str] = field(default_factory=list)
    delimiter: str = ","
    rows: int = 0  # data rows, blank ones excluded
    recipients: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    bad_rows: list[BadRow] = field(default_factory=list)  # invalid rows, at most MAX_REPORTED
    duplicates: list[BadRow] = field(default_factory=list)  # at most MAX_REPORTED
    lists: dict[str, Counter[str]] = field(default_factory=dict)  # list -> status -> rows
    statuses: Counter[str] = field(default_factory=Counter)
    missing_fields: list[str] = field(default_factory=list)  # merge fields with no column
    withdrawn: set[str] = field(default_factory=set)  # keys yielded, then unsubscribed by a later row
    suppressed: dict[str, str] = field(default_factory=dict)  # key -> unsubscribed | bounced | invalid (an unknown status)

    def problems(self) -> list[Problem]:
        """Every bad and duplicate row, in file order, as located problems."""
        rows = sorted(self.bad_rows + self.duplicates, key=lambda b: b.row)
        return [Problem(f"{self.path} row {b.row}", b.message) for b in rows]


class Audience:
    """The recipients of one list, streamed from the subscribers file; iterate once."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        list_name: str | None,
        fields: Sequence[str] = (),
        encoding: str = "utf-8-sig",
        shown: str | None = None,
        stats: bool = False,
    ) -> None:
        self.path = Path(path)
        self.list_name = list_name
        self.fields = [f.lower() for f in fields]
        self.encoding = encoding
        self.stats = stats
        self.report = AudienceReport(shown or str(path), list_name)

    def __iter__(self) -> Iterator[Recipient]:
        encoding = _encoding(self.encoding, self.report.path)
        with self._open() as raw:
            start = raw.peek(4)[:4]
            if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
                raise AudienceError(f"{self.report.path}: the file is UTF-16 ('Unicode Text'), not CSV. {SAVE_AS_UTF8}.")
            if start == b"PK\x03\x04":  # a zip: what Excel and LibreOffice save by default
                raise AudienceError(f"{self.report.path}: the file is a spreadsheet workbook (.xlsx or .ods), not CSV. {SAVE_AS_UTF8}.")
            if raw.peek(3)[:3] == codecs.BOM_UTF8:  # a BOM says UTF-8, whatever bulletin.yaml declares
                raw.read(3)
                encoding = "utf-8"
            elif encoding != "utf-8" and _is_utf8(self.path):  # so does text that is UTF-8 (LibreOffice writes no BOM)
                encoding = "utf-8"
            text = io.TextIOWrapper(raw, encoding=encoding, newline="")
            try:
                yield from self._read(text)
            except UnicodeDecodeError:
                # The fast decoder does not know lines: find the first bad one for the message.
                raise _decode_error(self.path, encoding, self.encoding, self.report.path) from None

    def _open(self) -> io.BufferedReader:
        try:
            return open(self.path, "rb")
        except FileNotFoundError:
            raise AudienceError(
                f"{self.report.path}: subscribers file not found (check the file name, or the 'subscribers:' line in bulletin.yaml)"
            ) from None
        except IsADirectoryError:
            raise AudienceError(f"{self.report.path}: is a folder, expected a CSV file") from None
        except OSError as exc:
            raise AudienceError(f"{self.report.path}: cannot be read ({exc.strerror})") from None

    def _read(self, lines: TextIO) -> Iterator[Recipient]:
        report, where = self.report, self.report.path
        header_line = next(lines, None)
        while header_line is not None and not header_line.strip():
            header_line = next(lines, None)
        if header_line is None:
            raise AudienceError(f"{where}: the file is empty; it needs a header row with an 'email' column, e.g. email,name,lists")
        named = sep_line(header_line)
        if named:
            header_line = next(lines, "")
        delimiter = named or header_delimiter(header_line)
        report.delimiter = delimiter
        source = _Records(itertools.chain([header_line], lines), delimiter)
        reader = csv.reader(iter(source), delimiter=delimiter, strict=False)
        new_record = source.record.clear
        try:
            header = [h.strip() for h in next(reader)]
        except csv.Error as exc:
            raise AudienceError(f"{where} row 1: {exc}") from None
        report.columns = [column_name(h) for h in header]  # the field names templates use
        col = _columns(header, where)
        email_at, status_at, lists_at = col["email"], col.get("status"), col.get("lists")
        if self.list_name is not None and lists_at is None:
            raise AudienceError(
                f"{where}: has no 'lists' column, so nobody is on the list '{self.list_name}'; add a column "
                "'lists' holding list names separated by ';' (e.g. members;board)"
            )
        value_at = [col.get(f) for f in self.fields]
        tag_bytes = substitution_bytes(self.fields, [""] * len(self.fields))
        report.missing_fields = [f for f, at in zip(self.fields, value_at, strict=True) if at is None]
        wanted = self.list_name.casefold() if self.list_name is not None else None
        width = len(header)
        seen: set[int] = set()  # hash() of each recipient's key: 8 bytes of digest, not the row
        suppressed = report.suppressed  # never mailed, whatever another row says
        known_lists: dict[str, str] = {}  # casefold -> first spelling
        too_wide: list[Problem] = []
        skipped, statuses, stats = report.skipped, report.statuses, self.stats
        row_no = 1
        while True:
            new_record()
            try:
                cells = next(reader)
            except StopIteration:
                break
            except csv.Error as exc:
                raise AudienceError(f"{where} row {row_no + 1}: {exc}") from None
            row_no += 1
            if source.ended and source.unclosed():
                raise AudienceError(
                    f"{where} row {row_no}: a double quote (\") opens a value that is never closed, so the {len(source.record)} lines "
                    "from there to the end of the file were read as one value; add the closing quote or remove the stray one"
                )
            if len(cells) > width and any(c.strip() for c in cells[width:]):
                if len(too_wide) < 20:
                    too_wide.append(Problem(
                        f"{where} row {row_no}",
                        f"{len(cells)} fields but the header has {width}; a value holding '{delimiter}' must be in double quotes",
                    ))
                continue
            if not any(cells):
                continue
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            report.rows += 1
            raw = cells[email_at].strip()
            status = cells[status_at].strip().lower() if status_at is not None else ""
            status = STATUS_ALIASES.get(status, status or "subscribed")
            try:
                email = normalise(raw)
            except EmailNotValidError as exc:
                shown = raw if len(raw) <= 60 else raw[:60] + "…"
                self._bad(row_no, f"'{shown}' is not a valid email address: {exc}" if raw else "no email address")
                continue
            if status not in STATUSES:
                # perhaps a mistyped 'unsubscribed': not mailed, even if another row says subscribed
                self._bad(row_no, f"unknown status '{status}'{hint(status, STATUSES)}; {email} is not mailed")
                suppressed.setdefault(email.lower(), "invalid")
                continue
            statuses[status] += 1
            names = cells[lists_at].replace(",", ";").split(";") if lists_at is not None else []
            on_list = wanted is None
            for name in names:
                name = name.strip()
                if name:
                    folded = name.casefold()
                    known_lists.setdefault(folded, name)
                    on_list = on_list or folded == wanted
                    if stats:
                        report.lists.setdefault(known_lists[folded], Counter())[status] += 1
            key = email.lower()
            if status != "subscribed":
                skipped[status] += 1
                suppressed.setdefault(key, status)
                continue
            if not on_list:
                skipped["not on list"] += 1
                continue
            if key in suppressed:  # an earlier row unsubscribed this address: never mail it
                skipped[suppressed[key]] += 1
                continue
            digest = hash(key)
            if digest in seen:
                skipped["duplicate"] += 1
                if len(report.duplicates) < MAX_REPORTED:
                    report.duplicates.append(BadRow(row_no, f"{email} appears in an earlier row (kept the first)"))
                continue
            values = tuple([cells[at].strip() if at is not None else "" for at in value_at])
            # a character costs at most 8 bytes (as is and escaped: '"' 1 + 6, an emoji 4 + 4): count only when it may not fit
            if values and tag_bytes + 8 * sum(map(len, values)) > MAX_SUBSTITUTION_BYTES:
                size = substitution_bytes(self.fields, values)
                if size > MAX_SUBSTITUTION_BYTES:
                    long = ", ".join(f for f, v in zip(self.fields, values, strict=True) if len(v) > 100) or ", ".join(self.fields)
                    self._bad(row_no, f"its merge values are too long for SendGrid ({size:,} bytes with the tags and the HTML-escaped "
                                      f"copy; at most {MAX_SUBSTITUTION_BYTES:,} per recipient): shorten the {long} column")
                    continue
            seen.add(digest)
            report.recipients += 1
            yield Recipient(row_no, email, key, values)
        if too_wide:
            raise AudienceError(f"{where}: some rows have more fields than the header ({len(too_wide)} shown)", too_wide)
        if wanted is not None and self.list_name is not None and wanted not in known_lists:
            lists = sorted(known_lists.values(), key=str.casefold)
            raise AudienceError(
                f"{where}: nobody is on the list '{self.list_name}'{hint(self.list_name, lists, list_all=False)}; "
                f"lists in the file: {', '.join(lists) or 'none'}"
            )
        # A later row may unsubscribe an address already yielded: the caller drops report.withdrawn.
        for key, status in suppressed.items():
            if hash(key) in seen:
                report.withdrawn.add(key)
                report.recipients -= 1
                skipped[status] += 1

    def _bad(self, row: int, message: str) -> None:
        self.report.skipped["invalid"] += 1
        if len(self.report.bad_rows) < MAX_REPORTED:
            self.report.bad_rows.append(BadRow(row, message))


class _Records:
    """The file's lines as the csv reader takes them, keeping those of the record being read.

    A '"' never closed makes the reader take the rest of the file as one value, silently: a record that
    runs to the end of the file over several lines and does not parse strictly is that.
    """

    def __init__(self, lines: Iterator[str], delimiter: str) -> None:
        self.lines, self.delimiter = lines, delimiter
        self.record: list[str] = []
        self.ended = False

    def __iter__(self) -> Iterator[str]:
        # a generator, not __next__: this runs for every line of a file of up to millions
        keep = self.record.append
        for line in self.lines:
            keep(line)
            yield line
        self.ended = True

    def unclosed(self) -> bool:
        """Whether the record just read (the last one: call it once ``ended``) ran to the end of the file inside a
        quoted value."""
        if len(self.record) < 2:
            return False
        try:
            list(csv.reader(self.record, delimiter=self.delimiter, strict=True))
        except csv.Error as exc:
            return "unexpected end of data" in str(exc)
        return False


def substitution_bytes(fields: Sequence[str], values: Sequence[str]) -> int:
    """At least the bytes SendGrid counts for one recipient's substitutions: *|F|* and *|F:HTML|* with their values."""
    total = 0
    for name, value in zip(fields, values, strict=True):
        escaped = html.escape(value)
        # a merge tag inside a value gets a space ('*|' -> '* |', dispatch/message.py), in both copies
        total += 2 * len(name) + 13 + len(value.encode()) + len(escaped.encode()) + 2 * value.count("*|")
    return total


def read_audience(
    path: str | os.PathLike[str],
    *,
    list_name: str | None = None,
    fields: Sequence[str] = (),
    encoding: str = "utf-8-sig",
    shown: str | None = None,
    stats: bool = False,
) -> Audience:
    """The recipients of ``list_name`` (every subscribed row if None); iterate to read the file."""
    return Audience(path, list_name=list_name, fields=fields, encoding=encoding, shown=shown, stats=stats)


def check_subscribers(
    path: str | os.PathLike[str], *, encoding: str = "utf-8-sig", shown: str | None = None, list_name: str | None = None
) -> AudienceReport:
    """Read the whole file and return its report: counts per list and status, bad rows."""
    audience = Audience(path, list_name=list_name, encoding=encoding, shown=shown, stats=True)
    for _ in audience:
        pass
    return audience.report


def _encoding(name: str, where: str) -> str:
    """The codec to read with; only encodings that keep ASCII as is (utf-8, cp1252, latin-1...)."""
    try:
        info = codecs.lookup(name)
    except LookupError:
        raise AudienceError(f"bulletin.yaml: subscribers_encoding: unknown encoding '{name}' (use utf-8 or cp1252)") from None
    if not "a\n".encode(info.name).endswith(b"a\n"):
        raise AudienceError(f"bulletin.yaml: subscribers_encoding: '{name}' is not supported; save {where} as CSV UTF-8")
    return "utf-8" if info.name == "utf-8-sig" else info.name  # the BOM is skipped before decoding


def _is_utf8(path: Path) -> bool:
    """Whether the file is UTF-8 text with some non-ASCII characters: Windows-1252 text with accents almost never is."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    non_ascii = False
    try:
        with open(path, "rb") as handle:
            while chunk := handle.read(1 << 20):
                decoder.decode(chunk)
                non_ascii = non_ascii or not chunk.isascii()
            decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return non_ascii


def _decode_error(path: Path, encoding: str, declared: str, where: str) -> AudienceError:
    """The error for the first line that does not decode, with how to export the file properly."""
    number, detail = 0, ""
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, 1):  # noqa: B007 (the line number is used after the loop)
            try:
                raw.decode(encoding)
            except UnicodeDecodeError as exc:
                detail = f" (byte 0x{raw[exc.start:exc.start + 1].hex().upper()} at character {exc.start + 1})"
                break
    other = "" if encoding != "utf-8" else " or, if it is in Windows encoding, add 'subscribers_encoding: cp1252' to bulletin.yaml"
    return AudienceError(
        f"{where} line {number}: not {'UTF-8' if encoding == 'utf-8' else declared} text{detail}. Save the file as CSV UTF-8{other}. {SAVE_AS_UTF8}."
    )


# Spreadsheet and Mailchimp/listmonk exports name the address column in several ways.
EMAIL_COLUMN_ALIASES = frozenset({"e_mail", "email_address", "e_mail_address", "mail"})


def column_name(heading: str) -> str:
    """A column's field name: 'First Name' is ``first_name``, used in templates as ``*|FIRST_NAME|*``."""
    name = re.sub(r"[\s-]+", "_", heading.strip().lower())
    return "email" if name in EMAIL_COLUMN_ALIASES else name


def _columns(header: list[str], where: str) -> dict[str, int]:
    """Column positions by field name; the first of repeated names wins; 'email' (or 'E-mail', …) is required."""
    col: dict[str, int] = {}
    for at, heading in enumerate(header):
        if heading:
            col.setdefault(column_name(heading), at)
    if "email" not in col:
        shown = ", ".join(h for h in header if h) or "none"
        raise AudienceError(
            f"{where} row 1: no 'email' column{hint('email', [h.lower() for h in header if h], list_all=False)}; "
            f"the header row has: {shown}"
        )
    return col
