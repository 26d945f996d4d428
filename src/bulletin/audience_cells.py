"""What the cells of a subscribers file mean: which column is which field, a status, a language, a row's lists,
its merge values and their size at SendGrid; the constants the audience modules share."""

from __future__ import annotations

import html
import operator
import re
from collections.abc import Callable, Sequence

from email_validator import EmailNotValidError

from .addresses import normalise
from .errors import AudienceError
from .languages import base, is_tag, match
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
