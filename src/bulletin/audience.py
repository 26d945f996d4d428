"""Subscribers: read the CSV as spreadsheets export it, validate, dedupe, suppress, select a list.

The file is streamed: memory holds one 8-byte digest per address (for duplicates), the addresses
of unsubscribed/bounced rows (usually few) and at most ``MAX_REPORTED`` bad rows, never the rows.
Row numbers are spreadsheet rows: the header is row 1. A large file is read on both cores: a forked
child reads the rows (``audience_rows.RowReader``) while this process dedupes them (``Dedupe``) and its
caller plans the send (``audience_forked``); the outcome is the same as reading it here, row by row.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

from . import forked
from .audience_cells import (
    BLANK,
    LANGUAGE_COLUMNS,
    MAX_REPORTED,
    MAX_SUBSTITUTION_BYTES,
    NO_COLUMN,
    REASONS,
    SENDGRID,
    STATUS_ALIASES,
    STATUSES,
    SUPPRESSED,
    column_name,
    edition,
    substitution_bytes,
)
from .audience_forked import file_size, head_rows, in_lists, read_forked
from .audience_rows import AudienceReport, BadRow, Dedupe, Recipient, RowReader
from .errors import AudienceError, Problem
from .spreadsheet import Table, decode_error, open_text
from .yamlfile import hint

__all__ = [
    "BLANK", "LANGUAGE_COLUMNS", "MAX_REPORTED", "MAX_SUBSTITUTION_BYTES", "NO_COLUMN", "REASONS", "SENDGRID",
    "STATUSES", "STATUS_ALIASES", "SUPPRESSED", "Audience", "AudienceReport", "BadRow", "Recipient", "check_subscribers",
    "column_name", "edition", "read_audience", "substitution_bytes",
]

PARALLEL_BYTES = 2 * 1024 * 1024  # a file this large is read on both cores (audience_forked)


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
        sendgrid: Mapping[str, str] | None = None,
        languages: Sequence[str] = (),
    ) -> None:
        self.path = Path(path)
        self.languages = tuple(languages)  # the project's editions, default first: each recipient gets one
        self.sendgrid = sendgrid or {}  # key -> kind: SendGrid's suppressions (suppressions.suppressed_keys)
        self.list_name = list_name
        self.fields = [f.lower() for f in fields]
        self.encoding = encoding
        self.stats = stats
        self.report = AudienceReport(shown or str(path), list_name)
        self.parallel: bool | None = None  # read on two cores: None for large files where forking is possible

    def __iter__(self) -> Iterator[Recipient]:
        for chunk in self.chunks():
            yield from chunk

    def chunks(self) -> Iterator[list[Recipient]]:
        """The recipients in lists, in file order (a caller going through a whole list loops over lists, not a generator)."""
        where = self.report.path
        raw, encoding = open_text(self.path, self.encoding, where)
        with raw:
            parallel = self.parallel if self.parallel is not None else forked.available() and file_size(raw) >= PARALLEL_BYTES
            text = io.TextIOWrapper(raw, encoding=encoding, newline="")
            try:
                table = Table(text, where)
                if not table.header:
                    raise AudienceError(f"{where}: the file is empty; it needs a header row with an 'email' column, e.g. email,name,lists")
                self.report.delimiter = table.delimiter
                reader = RowReader(table.header, self.report, list_name=self.list_name, fields=self.fields,
                                   languages=self.languages, stats=self.stats)
                dedupe = Dedupe(self.report, self.sendgrid)
                if parallel:
                    def reopen() -> Table:  # for the forked child: its own read position
                        again, _ = open_text(self.path, encoding, where)
                        return Table(io.TextIOWrapper(again, encoding=encoding, newline=""), where)

                    yield from read_forked(table, reader, dedupe, reopen, head_rows(raw))
                else:
                    yield from in_lists(reader.read(table.rows(on_wide=reader.wide(dedupe.suppress)), dedupe.take, dedupe.suppress))
            except UnicodeDecodeError:
                # The fast decoder does not know lines: find the first bad one for the message.
                raise decode_error(self.path, encoding, self.encoding, where) from None
        self._finish(table, reader, dedupe)

    def _finish(self, table: Table, reader: RowReader, dedupe: Dedupe) -> None:
        """Once every row is read: the errors about the whole file, and who a later row unsubscribed."""
        where, header = self.report.path, table.header or []
        if table.too_wide:
            raise AudienceError(f"{where}: some rows have more fields than the header ({len(table.too_wide)} shown)", [
                Problem(f"{where} row {row}", f"{fields} fields but the header has {len(header)}; a value holding "
                                              f"'{table.delimiter}' must be in double quotes")
                for row, fields in table.too_wide
            ])
        lists = reader.lists
        if lists.wanted is not None and lists.wanted not in lists.known:
            spellings = sorted(lists.known.values(), key=str.casefold)
            raise AudienceError(
                f"{where}: nobody is on the list '{self.list_name}'{hint(str(self.list_name), spellings, list_all=False)}; "
                f"lists in the file: {', '.join(spellings) or 'none'}"
            )
        dedupe.withdraw()  # a later row may unsubscribe an address already yielded: the caller drops report.withdrawn


def read_audience(
    path: str | os.PathLike[str],
    *,
    list_name: str | None = None,
    fields: Sequence[str] = (),
    encoding: str = "utf-8-sig",
    shown: str | None = None,
    stats: bool = False,
    sendgrid: Mapping[str, str] | None = None,
    languages: Sequence[str] = (),
) -> Audience:
    """The recipients of ``list_name`` (every subscribed row if None), without ``sendgrid``'s suppressed keys, each with
    their edition among ``languages`` (the default first); iterate to read."""
    return Audience(path, list_name=list_name, fields=fields, encoding=encoding, shown=shown, stats=stats, sendgrid=sendgrid,
                    languages=languages)


def check_subscribers(
    path: str | os.PathLike[str], *, encoding: str = "utf-8-sig", shown: str | None = None, list_name: str | None = None,
    sendgrid: Mapping[str, str] | None = None, languages: Sequence[str] = (),
) -> AudienceReport:
    """Read the whole file and return its report: counts per list and status, bad rows, who SendGrid suppresses, and
    with several ``languages`` (the default first) who would get which edition and why some fall back."""
    audience = Audience(path, list_name=list_name, encoding=encoding, shown=shown, stats=True, sendgrid=sendgrid,
                        languages=languages)
    report = audience.report
    for recipient in audience:
        if len(languages) > 1:
            report.editions[recipient.lang] += 1
            if recipient.fell_back:
                report.fell_back[recipient.fell_back] += 1
    if report.withdrawn and len(languages) > 1:  # yielded, then unsubscribed by a later row: not counted after all
        again = Audience(path, list_name=list_name, encoding=encoding, shown=shown, sendgrid=sendgrid, languages=languages)
        for recipient in again:
            if recipient.key in report.withdrawn:
                report.editions[recipient.lang] -= 1
                if recipient.fell_back:
                    report.fell_back[recipient.fell_back] -= 1
        report.editions, report.fell_back = +report.editions, +report.fell_back  # drop the zeros
    return report


