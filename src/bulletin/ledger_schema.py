"""The ledger's tables and rows: the schema, the states, and the rows decoded by column name and checked.

Only the ledger (``bulletin.ledger``, ``bulletin.ledger_batches``) uses this module; everyone else takes
``Dispatch`` and ``Batch`` from ``bulletin.ledger``. A value no bulletin writes (a hand edit, a damaged file)
is a ``LedgerError`` naming the ledger, the row and the column.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from .errors import LedgerError

SCHEMA_VERSION = 3  # 2: dispatches.safe and dispatches.timezone (scheduled dispatch); 3: batches.language (editions)
LIVE = ("planned", "sending", "done", "incomplete", "scheduled", "handing_over")  # states that still count
IN_FLIGHT = ("handing_over", "sending", "incomplete")  # a scheduled dispatch in these states is being or was handed over
OPEN_BATCH = ("pending", "failed")  # to send on the next run
HORIZON = 16  # batches claimed per write to disk when the boot can be told (ledger_batches.py: durability)
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")  # Linux: a new id at every start of the computer

Clock = Callable[[], dt.datetime]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dispatches (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,                 -- real | test
    slug TEXT NOT NULL,
    list_name TEXT,                     -- NULL for test sends
    transport TEXT NOT NULL,            -- sendgrid | outbox | another transport's name
    content_hash TEXT NOT NULL,
    state TEXT NOT NULL,
    created TEXT NOT NULL,              -- UTC, ISO 8601
    updated TEXT NOT NULL,
    subscribers TEXT,                   -- the subscribers file it was planned from
    recipients INTEGER NOT NULL DEFAULT 0,
    skipped TEXT NOT NULL DEFAULT '{}', -- reason -> rows
    fields TEXT NOT NULL DEFAULT '[]',  -- merge field names, the order of each recipient's values
    content TEXT NOT NULL DEFAULT '{}', -- the message frozen at planning: subject, html, text, ...
    send_at TEXT,                       -- UTC, ISO 8601: a scheduled dispatch
    batch_id TEXT,                      -- SendGrid batch id of a scheduled dispatch
    superseded_by INTEGER,
    safe INTEGER NOT NULL DEFAULT 0,    -- 1: after a crash, cancel the batch and send it all again
    timezone TEXT                       -- the zone its time was given in (for showing it)
);
CREATE INDEX IF NOT EXISTS dispatches_issue ON dispatches (slug, list_name, transport, kind);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    dispatch INTEGER NOT NULL REFERENCES dispatches (id),
    seq INTEGER NOT NULL,               -- 1, 2, ... within the dispatch
    state TEXT NOT NULL,
    size INTEGER NOT NULL,
    recipients TEXT NOT NULL,           -- JSON [[email, merge values...], ...]
    attempts INTEGER NOT NULL DEFAULT 0,
    message_id TEXT,                    -- SendGrid's X-Message-Id
    error TEXT,
    was_unknown INTEGER NOT NULL DEFAULT 0,  -- 1 once its outcome was unknown (even if re-sent)
    send_at TEXT,
    batch_id TEXT,
    updated TEXT NOT NULL,
    language TEXT,                      -- the edition its request carries (NULL: the dispatch's default, ledgers before 3)
    UNIQUE (dispatch, seq)
);
CREATE TABLE IF NOT EXISTS horizon (    -- how far a sending run may have gone since its ledger was last written to disk
    dispatch INTEGER PRIMARY KEY REFERENCES dispatches (id),
    through INTEGER NOT NULL,           -- batches up to this seq may have been claimed (and sent) since
    boot TEXT NOT NULL                  -- the computer's boot id then: if it changed, the computer stopped meanwhile
);
CREATE TABLE IF NOT EXISTS held (       -- left out of a dispatch because another list's dispatch of the issue holds them
    dispatch INTEGER NOT NULL REFERENCES dispatches (id),
    key TEXT NOT NULL,                  -- the address, lower-cased
    PRIMARY KEY (dispatch, key)
);
"""


def utc_now() -> dt.datetime:
    """The default clock: aware UTC now."""
    return dt.datetime.now(dt.UTC)


@dataclass
class Dispatch:
    """One dispatch row."""

    id: int
    kind: str
    slug: str
    list_name: str | None
    transport: str
    content_hash: str
    state: str
    created: str
    updated: str
    subscribers: str | None
    recipients: int
    skipped: dict[str, int]
    fields: list[str]
    send_at: str | None = None
    batch_id: str | None = None
    superseded_by: int | None = None
    safe: bool = False
    timezone: str | None = None
    batches: dict[str, tuple[int, int]] = field(default_factory=dict)  # state -> (batches, recipients)


@dataclass(frozen=True)
class Batch:
    """One batch row, without its recipients."""

    id: int
    dispatch: int
    seq: int
    state: str
    size: int
    attempts: int
    message_id: str | None
    error: str | None
    was_unknown: bool
    updated: str
    send_at: str | None = None
    batch_id: str | None = None
    language: str | None = None  # the edition its recipients get (None: the dispatch's default)


DISPATCH_COLUMNS = (
    "id, kind, slug, list_name, transport, content_hash, state, created, updated, subscribers, recipients, "
    "skipped, fields, send_at, batch_id, superseded_by, safe, timezone"
)
BATCH_COLUMNS = "id, dispatch, seq, state, size, attempts, message_id, error, was_unknown, updated, send_at, batch_id, language"
DISPATCH_FIELDS = tuple(name.strip() for name in DISPATCH_COLUMNS.split(","))
BATCH_FIELDS = tuple(name.strip() for name in BATCH_COLUMNS.split(","))


def batch_row(row: Sequence[Any], shown: str) -> Batch:
    """A batch row (columns as in BATCH_COLUMNS) of the ledger ``shown`` decoded by name and checked."""
    values = dict(zip(BATCH_FIELDS, row, strict=True))
    values["was_unknown"] = bool(values["was_unknown"])
    found = Batch(**values)
    check_stamps(shown, f"dispatch {found.dispatch} batch {found.seq}", send_at=found.send_at)
    return found


def dispatch_row(row: Sequence[Any], shown: str) -> Dispatch:
    """A dispatch row (columns as in DISPATCH_COLUMNS) of the ledger ``shown`` decoded by name and checked, without
    its batch counts."""
    values = dict(zip(DISPATCH_FIELDS, row, strict=True))
    what = f"dispatch {values['id']}"
    values["skipped"] = json_value(shown, values["skipped"], f"{what}: skipped", dict)
    values["fields"] = json_value(shown, values["fields"], f"{what}: fields", list)
    values["safe"] = bool(values["safe"])
    check_stamps(shown, what, created=values["created"], updated=values["updated"], send_at=values["send_at"])
    return Dispatch(**values)


def damaged(shown: str, what: str, value: object, expected: str) -> LedgerError:
    """The error for a value no bulletin writes (a hand edit, a damaged file) in the ledger ``shown``."""
    text = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "…"
    return LedgerError(
        f"{shown}: the ledger is damaged ({what} is {text}, not {expected}). It records who was already mailed: "
        "restore it from a backup; it must not be edited or replaced by hand"
    )


def json_value(shown: str, text: Any, what: str, kind: type) -> Any:
    """A JSON column decoded; ``damaged`` unless it is a JSON ``kind`` (list or dict)."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        value = None
    if not isinstance(value, kind):
        raise damaged(shown, what, text, f"a JSON {'list' if kind is list else 'object'}")
    return value


def check_stamps(shown: str, what: str, **stamps: str | None) -> None:
    """Check stored times (send_at may be absent): read_stored() must not fail on them later."""
    for column, stamp in stamps.items():
        if stamp is None and column == "send_at":
            continue
        try:
            dt.datetime.fromisoformat(str(stamp)).astimezone(dt.UTC)
        except (ValueError, OverflowError):
            raise damaged(shown, f"{what}: {column}", stamp, "a time like 2021-07-05T07:00:00+00:00") from None


def lock_file(handle: IO[bytes]) -> None:
    """An exclusive, non-blocking OS lock on the file (released when the process ends)."""
    if sys.platform == "win32":
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def boot_id() -> str | None:
    """This start of the computer's id (Linux), None where it cannot be told: what a power cut or a crash of the
    system changes, and the end of a process does not."""
    try:
        return BOOT_ID.read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def ledger_path(root: str | os.PathLike[str], state_dir: str) -> Path:
    """Where a project's ledger lives: <state_dir>/ledger.db under the project root."""
    return Path(root) / state_dir / "ledger.db"
