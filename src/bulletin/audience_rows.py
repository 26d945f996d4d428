"""The rows of a subscribers file, in two stages: what each row says (``RowReader``, one row at a time) and who is
mailed, once (``Dedupe``: the state the rows share: addresses seen, addresses that left).

``audience`` runs both stages one after the other, or, for a large file, the first in a forked child
process (``forked``) and the second in the parent: the first stage only reads its row, so it can run ahead.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from email_validator import EmailNotValidError

from .addresses import normalise
from .audience_cells import (
    CACHED,
    LANGUAGE_COLUMNS,
    MAX_REPORTED,
    MAX_SUBSTITUTION_BYTES,
    NO_COLUMN,
    SENDGRID,
    STATUSES,
    Lists,
    Sizes,
    column_name,
    columns,
    edition,
    status_name,
    values_getter,
    wide_suppression,
)
from .errors import AudienceError, Problem
from .model import MERGE_ALTERNATIVES
from .yamlfile import hint


class Recipient(NamedTuple):
    """One person to mail: the normalised address, its dedupe key, the merge values asked for and their edition."""

    row: int
    email: str
    key: str  # the address lower-cased: two rows with the same key are the same person
    values: tuple[str, ...]
    lang: str = ""  # the edition they get: one of the languages read with (their own, else the default)
    fell_back: str | None = None  # why they get the default edition instead of their own: blank, a language the project lacks


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
    sendgrid: Counter[str] = field(default_factory=Counter)  # addresses left out as suppressed at SendGrid, per kind
    editions: Counter[str] = field(default_factory=Counter)  # check_subscribers with languages: who gets which edition
    fell_back: Counter[str] = field(default_factory=Counter)  # … and why some get the default one (blank, de, …)

    def bad(self, row: int, message: str) -> None:
        """Count a row that is never mailed because it is invalid (and keep why, up to MAX_REPORTED)."""
        self.skipped["invalid"] += 1
        if len(self.bad_rows) < MAX_REPORTED:
            self.bad_rows.append(BadRow(row, message))

    def problems(self) -> list[Problem]:
        """Every bad and duplicate row, in file order, as located problems."""
        rows = sorted(self.bad_rows + self.duplicates, key=lambda b: b.row)
        return [Problem(f"{self.path} row {b.row}", b.message) for b in rows]


Take = Callable[[int, str, str, tuple[str, ...], str, "str | None", "str | None"], "Recipient | None"]
Suppress = Callable[[str, str], None]


class Dedupe:
    """The second stage: each address mailed once, never one that an earlier row unsubscribed or SendGrid suppresses."""

    def __init__(self, report: AudienceReport, sendgrid: Mapping[str, str]) -> None:
        self.report = report
        self.sendgrid = sendgrid  # key -> kind: SendGrid's suppressions (suppressions.suppressed_keys)
        self.seen: set[int] = set()  # hash() of each recipient's key: 8 bytes of digest, not the row
        self.sendgrid_seen: set[str] = set()
        self.suppressed = report.suppressed  # never mailed, whatever another row says
        self.new_recipient = tuple.__new__  # Recipient(...) without its Python-level __new__: this runs per row

    def suppress(self, key: str, status: str) -> None:
        """A row says this address is not to be mailed (unsubscribed, bounced, an unknown status)."""
        self.suppressed.setdefault(key, status)

    def take(self, row: int, email: str, key: str, values: tuple[str, ...], lang: str, fell_back: str | None,
             too_long: str | None) -> Recipient | None:
        """The recipient a subscribed row on the list makes, or None when it is not mailed (counted in the report)."""
        report, suppressed = self.report, self.suppressed
        if key in suppressed:  # an earlier row unsubscribed this address: never mail it
            report.skipped[suppressed[key]] += 1
            return None
        digest = hash(key)
        sendgrid = self.sendgrid
        if key in sendgrid:  # SendGrid would drop it, or it left through SendGrid: counted once per address
            if key in self.sendgrid_seen:
                report.skipped["duplicate"] += 1
            else:
                self.sendgrid_seen.add(key)
                report.skipped[SENDGRID] += 1
                report.sendgrid[sendgrid[key]] += 1
            return None
        if digest in self.seen:
            report.skipped["duplicate"] += 1
            if len(report.duplicates) < MAX_REPORTED:
                report.duplicates.append(BadRow(row, f"{email} appears in an earlier row (kept the first)"))
            return None
        if too_long:
            report.bad(row, too_long)
            return None
        self.seen.add(digest)
        report.recipients += 1
        return self.new_recipient(Recipient, (row, email, key, values, lang, fell_back))

    def take_all(self, results: list[tuple[Any, ...]]) -> list[Recipient]:
        """``take()`` and ``suppress()`` over a child's results (``audience_forked``: a key of None is the address), in
        order: the recipients they make. The usual row, new and allowed, takes the short way (this runs per row)."""
        found: list[Recipient] = []
        append, take, new_recipient = found.append, self.take, self.new_recipient
        suppressed, sendgrid, seen = self.suppressed, self.sendgrid, self.seen
        added = 0
        for row in results:
            if len(row) == 2:
                suppressed.setdefault(*row)
                continue
            row_no, email, key, values, lang, fell_back, too_long = row
            if key is None:  # the address itself
                key = email
            digest = hash(key)
            if too_long or digest in seen or key in suppressed or key in sendgrid:  # take() tells which, and counts it
                recipient = take(row_no, email, key, values, lang, fell_back, too_long)
                if recipient is not None:
                    append(recipient)
                continue
            seen.add(digest)
            added += 1
            append(new_recipient(Recipient, (row_no, email, key, values, lang, fell_back)))
        self.report.recipients += added
        return found

    def withdraw(self) -> None:
        """Once every row is read: an address yielded, then unsubscribed by a later row, goes to ``report.withdrawn``
        (the caller drops it)."""
        report, seen = self.report, self.seen
        for key, status in self.suppressed.items():
            if hash(key) in seen:
                report.withdrawn.add(key)
                report.recipients -= 1
                report.skipped[status] += 1


class RowReader:
    """The first stage: what each row says (address, status, lists, merge values, edition), from the row alone.

    Counts what it leaves out in ``report`` (not on the list, statuses, invalid rows); hands the rest on to
    ``take`` and the addresses rows unsubscribe to ``suppress`` (the second stage, or a record of them).
    """

    def __init__(self, header: list[str], report: AudienceReport, *, list_name: str | None, fields: Sequence[str],
                 languages: tuple[str, ...], stats: bool) -> None:
        where = report.path
        report.columns = [column_name(h) for h in header]  # the field names templates use
        col = columns(header, where)
        self.width, self.report, self.stats = len(header), report, stats
        self.email_at, self.status_at, self.lists_at = col["email"], col.get("status"), col.get("lists")
        if list_name is not None and self.lists_at is None:
            raise AudienceError(
                f"{where}: has no 'lists' column, so nobody is on the list '{list_name}'; add a column "
                "'lists' holding list names separated by ';' (e.g. members;board)"
            )
        value_at = [col.get(f) for f in fields]
        # a field's stand-in columns (first_name: name), read in order when its own cell is empty or missing
        stand_ins = [(i, at) for i, f in enumerate(fields) if (at := [col[a] for a in MERGE_ALTERNATIVES.get(f, ()) if a in col])]
        report.missing_fields = [f for i, (f, at) in enumerate(zip(fields, value_at, strict=True))
                                 if at is None and i not in dict(stand_ins)]
        self.lists = Lists(list_name)
        self.sizes = Sizes(fields)
        alternatives = dict(stand_ins)
        self.merge_values = values_getter([([] if at is None else [at]) + alternatives.get(i, []) for i, at in enumerate(value_at)])
        # the edition: each row's language cell when there are several (the language column is never a merge field)
        self.languages = languages
        self.lang_at = next((col[c] for c in LANGUAGE_COLUMNS if c in col), None) if len(languages) > 1 else None

    def wide(self, suppress: Suppress) -> Callable[[list[str]], None]:
        """What to do with a row with more fields than the header: never mail it if it says so unambiguously."""
        def on_wide(cells: list[str]) -> None:
            gone = wide_suppression(cells, self.width, self.email_at, self.status_at)
            if gone is not None:
                suppress(*gone)
        return on_wide

    def read(self, rows: Iterable[tuple[int, list[str]]], take: Take, suppress: Suppress) -> Iterator[Recipient]:
        """Each recipient ``take`` makes of the rows, in file order."""
        report, email_at, status_at, lists_at = self.report, self.email_at, self.status_at, self.lists_at
        lists, sizes, merge_values = self.lists, self.sizes, self.merge_values
        tag_bytes = sizes.tag_bytes
        skipped, statuses, stats, counts = report.skipped, report.statuses, self.stats, report.lists
        status_of: dict[str, str] = {}  # a status cell as written -> the status it means (few distinct cells)
        languages, lang_at = self.languages, self.lang_at
        lang, fell_back = (languages[0] if languages else ""), (NO_COLUMN if len(languages) > 1 else None)
        edition_of: dict[str, tuple[str, str | None]] = {}  # a language cell as written -> (edition, why it fell back)
        wants, known_wants, known_lists = lists.wants, lists.wanted_cells, lists.cells  # per row: a dict look-up first, the method for a new cell
        for row_no, cells in rows:
            report.rows += 1
            raw = cells[email_at]
            lists_cell = cells[lists_at] if lists_at is not None else ""
            # a row of another list counts as "not on list" only, whatever else is wrong with it
            on_list = known_wants.get(lists_cell)
            if on_list is None:
                on_list = wants(lists_cell)
            try:
                email = normalise(raw)
            except EmailNotValidError as exc:
                if on_list:
                    raw = raw.strip()
                    shown = raw if len(raw) <= 60 else raw[:60] + "…"
                    report.bad(row_no, f"'{shown}' is not a valid email address: {exc}" if raw else "no email address")
                else:
                    skipped["not on list"] += 1
                continue
            cell = cells[status_at] if status_at is not None else ""
            status = status_of.get(cell)
            if status is None:
                status = status_name(cell)
                if len(status_of) < CACHED:
                    status_of[cell] = status
            if status not in STATUSES:
                # perhaps a mistyped 'unsubscribed': not mailed, even if another row says subscribed
                if on_list:
                    report.bad(row_no, f"unknown status '{status}'{hint(status, STATUSES)}; {email} is not mailed")
                else:
                    skipped["not on list"] += 1
                suppress(email.lower(), "invalid")
                continue
            statuses[status] += 1
            names = known_lists.get(lists_cell) or lists.read(lists_cell)  # the lists of valid rows are the file's lists
            if stats:
                for name in names:
                    counts.setdefault(name, Counter())[status] += 1
            key = email.lower()
            if status != "subscribed":
                skipped[status if on_list else "not on list"] += 1
                suppress(key, status)  # never mailed on any list
                continue
            if not on_list:
                skipped["not on list"] += 1
                continue
            values = merge_values(cells)
            too_long = None
            # a character costs at most 8 bytes (as is and escaped: '"' 1 + 6, an emoji 4 + 4): count only when it may not fit
            if values and tag_bytes + 8 * sum(map(len, values)) > MAX_SUBSTITUTION_BYTES:
                too_long = sizes.too_long(values)
            if lang_at is not None:
                cell = cells[lang_at]
                found = edition_of.get(cell)
                if found is None:
                    found = edition(cell, languages)
                    if len(edition_of) < CACHED:
                        edition_of[cell] = found
                lang, fell_back = found
            recipient = take(row_no, email, key, values, lang, fell_back, too_long)
            if recipient is not None:
                yield recipient
