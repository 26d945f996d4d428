"""The rows of a subscribers file, in two stages: what each row says (``RowReader``, one row at a time) and who is
mailed, once (``Dedupe``: the state the rows share: addresses seen, addresses that left).

``audience`` runs both stages one after the other, or, for a large file, the first in a forked child
process (``forked``) and the second in the parent: the first stage only reads its row, so it can run ahead.
"""

from __future__ import annotations

import html
import operator
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from email_validator import EmailNotValidError

from .addresses import normalise
from .errors import AudienceError, Problem
from .languages import base, is_tag, match
from .model import MERGE_ALTERNATIVES
from .yamlfile import hint

STATUSES = ("subscribed", "unsubscribed", "bounced")
SUPPRESSED = ("unsubscribed", "bounced")
# what Mailchimp ("cleaned") and listmonk ("confirmed", "blocklisted") exports call them
STATUS_ALIASES = {"confirmed": "subscribed", "cleaned": "bounced", "blocklisted": "unsubscribed"}
#: Why a row is not mailed, in the order the send plan lists them.
SENDGRID = "suppressed at SendGrid"  # unsubscribed, bounced, spam report... as fetched by bulletin sync (suppressions.py)
REASONS = ("unsubscribed", "bounced", SENDGRID, "invalid", "duplicate", "not on list")
MAX_REPORTED = 10_000  # bad rows kept for the report; the rest are only counted
#: SendGrid: "the total collective size of your substitutions may not exceed 10,000 bytes per personalization".
#: Each merge value goes twice (as is, and HTML-escaped: mail.py), each under its tag.
MAX_SUBSTITUTION_BYTES = 10_000
#: The column holding a subscriber's language, as bulletin, Mailchimp's exports and other tools name it (the first found).
LANGUAGE_COLUMNS = ("language", "lang", "locale", "preferred_language")
BLANK = "blank"  # why someone gets the default edition: their language cell is empty
NO_COLUMN = "no language column"  # ... or the file has no language column


CACHED = 10_000  # distinct status, list and language cells remembered (a file has a handful)


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
        """``take()`` and ``suppress()`` over a child's results (``audience_forked``), in order: the recipients they make.
        The usual row, new and allowed, takes the short way (this runs per row)."""
        found: list[Recipient] = []
        append, take, new_recipient = found.append, self.take, self.new_recipient
        suppressed, sendgrid, seen = self.suppressed, self.sendgrid, self.seen
        added = 0
        for row in results:
            if len(row) == 2:
                suppressed.setdefault(*row)
                continue
            row_no, email, key, values, lang, fell_back, too_long = row
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


def wide_suppression(cells: list[str], width: int, email_at: int, status_at: int | None) -> tuple[str, str] | None:
    """(key, status) of a row with too many fields whose address is unambiguous and whose status suppresses it.

    The extra delimiter may be in any column, so each column reads either its own cell or the one ``extra``
    places right. The address is unambiguous when those readings give one valid address; a reading of the
    status column saying unsubscribed or bounced is enough to suppress it (never mailing is the safe side).
    """
    if status_at is None:
        return None
    extra = len(cells) - width
    addresses = set()
    for at in (email_at, email_at + extra):
        try:
            addresses.add(normalise(cells[at].strip()).lower())
        except EmailNotValidError:
            pass
    if len(addresses) != 1:
        return None
    for at in (status_at, status_at + extra):
        status = cells[at].strip().lower()
        status = STATUS_ALIASES.get(status, status)
        if status in SUPPRESSED:
            return addresses.pop(), status
    return None




def edition(cell: str, languages: tuple[str, ...]) -> tuple[str, str | None]:
    """The edition a language cell asks for (``fr``, ``fr-BE``, ``FR``, ``fr_BE`` all mean ``fr``), and why it is the
    default (the first of ``languages``) instead: the cell is blank, or names a language the project does not have."""
    value = cell.strip()
    if not value:
        return languages[0], BLANK
    found = match(value, languages)
    if found is not None:
        return found, None
    return languages[0], base(value) if is_tag(value) else value


def status_name(cell: str) -> str:
    """The status a status cell means: empty is subscribed, other tools' names are translated."""
    status = cell.strip().lower()
    return STATUS_ALIASES.get(status, status or "subscribed")


class Lists:
    """Which lists a row is on, from its 'lists' cell; remembers each list's first spelling in the file."""

    def __init__(self, list_name: str | None) -> None:
        self.wanted = list_name.casefold() if list_name is not None else None
        self.known: dict[str, str] = {}  # casefold -> first spelling
        self.wanted_cells: dict[str, bool] = {}  # cell -> wants(cell), for the cells seen (at most CACHED)
        self.cells: dict[str, tuple[str, ...]] = {}  # cell -> read(cell), likewise

    def wants(self, cell: str) -> bool:
        """Whether a row with this cell is on the wanted list (always, when no list is wanted)."""
        found = self.wanted_cells.get(cell)
        if found is None:
            wanted = self.wanted
            found = wanted is None or any(name.strip().casefold() == wanted for name in cell.replace(",", ";").split(";"))
            if len(self.wanted_cells) < CACHED:
                self.wanted_cells[cell] = found
        return found

    def read(self, cell: str) -> tuple[str, ...]:
        """The lists of a valid row, as first spelled in the file (which this learns as it goes)."""
        found = self.cells.get(cell)
        if found is None:
            names = []
            for name in cell.replace(",", ";").split(";"):
                name = name.strip()
                if name:
                    names.append(self.known.setdefault(name.casefold(), name))
            found = tuple(names)
            if len(self.cells) < CACHED:
                self.cells[cell] = found
        return found


def values_getter(sources: list[list[int]]) -> Callable[[list[str]], tuple[str, ...]]:
    """The function giving a row's merge values, trimmed, in the order of the fields: each the first filled cell
    of its columns ("" when none is)."""
    if not sources:
        return lambda cells: ()
    if all(len(at) == 1 for at in sources):  # the common case, per row: no stand-in to consider
        get = operator.itemgetter(*[at[0] for at in sources])
        if len(sources) == 1:
            return lambda cells: (get(cells).strip(),)
        return lambda cells: tuple(map(str.strip, get(cells)))
    return lambda cells: tuple([next((v for at in columns if (v := cells[at].strip())), "") for columns in sources])


class Sizes:
    """SendGrid's limit on one recipient's substitutions (MAX_SUBSTITUTION_BYTES)."""

    def __init__(self, fields: Sequence[str]) -> None:
        self.fields = list(fields)
        self.tag_bytes = substitution_bytes(self.fields, [""] * len(self.fields))

    def too_long(self, values: tuple[str, ...]) -> str | None:
        """Why these merge values cannot be sent, or None when they fit."""
        size = substitution_bytes(self.fields, values)
        if size <= MAX_SUBSTITUTION_BYTES:
            return None
        long = ", ".join(f for f, v in zip(self.fields, values, strict=True) if len(v) > 100) or ", ".join(self.fields)
        return (f"its merge values are too long for SendGrid ({size:,} bytes with the tags and the HTML-escaped "
                f"copy; at most {MAX_SUBSTITUTION_BYTES:,} per recipient): shorten the {long} column")


def substitution_bytes(fields: Sequence[str], values: Sequence[str]) -> int:
    """At least the bytes SendGrid counts for one recipient's substitutions: *|F|* and *|F:HTML|* with their values."""
    total = 0
    for name, value in zip(fields, values, strict=True):
        escaped = html.escape(value)
        # a merge tag inside a value gets a space ('*|' -> '* |', mail.py), in both copies
        total += 2 * len(name) + 13 + len(value.encode()) + len(escaped.encode()) + 2 * value.count("*|")
    return total


# Spreadsheet and Mailchimp/listmonk exports name the address column in several ways.
EMAIL_COLUMN_ALIASES = frozenset({"e_mail", "email_address", "e_mail_address", "mail"})


def column_name(heading: str) -> str:
    """A column's field name: 'First Name' is ``first_name``, used in templates as ``*|FIRST_NAME|*``."""
    name = re.sub(r"[\s-]+", "_", heading.strip().lower())
    return "email" if name in EMAIL_COLUMN_ALIASES else name


def columns(header: list[str], where: str) -> dict[str, int]:
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
