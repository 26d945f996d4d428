"""The state database's feedback tables: what SendGrid told us after sending.

Suppressions (one row per address and kind), the marks of each ``bulletin sync`` and the Event Webhook's
events. They live in the ledger's SQLite file (``.bulletin/ledger.db``) next to the ledger's own tables,
created here with ``IF NOT EXISTS``: the ledger does not know them. With the ledger's modules (``ledger.py``,
``ledger_batches.py``, ``ledger_schema.py``) this is the only code that speaks SQL; ``suppressions.py`` and
``feedback/`` use the ``FeedbackStore`` API.

Suppressions are keyed by the address in the normal form used for sending (addresses.py), lower-cased as
the subscribers reader compares them. No address is kept in the events table: ``person`` is a digest.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .addresses import EmailNotValidError, normalise
from .errors import LedgerError

#: Every kind, most serious first; the words the plan and the export use for each.
KINDS: dict[str, str] = {
    "spam_report": "spam report",
    "unsubscribe": "unsubscribed",
    "group_unsubscribe": "unsubscribed from the group",
    "bounce": "bounced",
    "invalid_email": "invalid address",
    "dropped": "dropped by SendGrid",
    "block": "blocked (temporary)",
}
#: Blocks are temporary (a full mailbox, a greylisting server): recorded, never suppressing.
SUPPRESSING = tuple(k for k in KINDS if k != "block")

SCHEMA = """
CREATE TABLE IF NOT EXISTS suppressions (
    key TEXT NOT NULL,          -- the address in sending normal form, lower-cased
    email TEXT NOT NULL,        -- as SendGrid gave it, normalised when valid
    kind TEXT NOT NULL,         -- a key of KINDS
    reason TEXT,                -- SendGrid's words (bounce reason...), may be empty
    created INTEGER NOT NULL,   -- when it happened at SendGrid, unix seconds
    source TEXT NOT NULL,       -- sync | webhook
    recorded TEXT NOT NULL,     -- when bulletin stored it, UTC ISO 8601
    PRIMARY KEY (key, kind)
);
CREATE TABLE IF NOT EXISTS suppression_sync (
    kind TEXT PRIMARY KEY,      -- a key of KINDS, or '*' for the whole sync
    newest INTEGER,             -- the newest 'created' fetched: the next sync starts there, less an overlap
    synced TEXT NOT NULL        -- UTC ISO 8601
);
CREATE TABLE IF NOT EXISTS events (
    sg_event_id TEXT PRIMARY KEY,
    event TEXT NOT NULL,                 -- processed, delivered, open, click, bounce, ...
    timestamp INTEGER NOT NULL,          -- unix seconds, SendGrid's
    categories TEXT NOT NULL DEFAULT '[]',
    url TEXT,                            -- click events: the link clicked
    person TEXT,                         -- sha256 of the lower-cased address (unique counts, no address)
    received TEXT NOT NULL               -- UTC ISO 8601
);
CREATE INDEX IF NOT EXISTS events_kind ON events (event);
"""


@dataclass(frozen=True)
class Suppression:
    """One stored suppression."""

    email: str
    kind: str
    reason: str
    created: int
    source: str

    @property
    def when(self) -> dt.datetime:
        """``created`` as an aware UTC datetime."""
        return dt.datetime.fromtimestamp(self.created, dt.UTC)


@dataclass(frozen=True)
class Event:
    """One webhook event as stored (no address: ``person`` is its digest)."""

    event_id: str
    kind: str
    timestamp: int
    categories: Sequence[str]
    url: str | None
    person: str | None


@dataclass(frozen=True)
class Click:
    """One stored click."""

    url: str
    person: str | None


def key_of(address: str) -> tuple[str, str]:
    """(key, email): the address as the subscribers reader keys it; a malformed one as given, lower-cased."""
    try:
        email = normalise(address)
    except EmailNotValidError:
        email = address.strip()
    return email.lower(), email


def state_db(root: str | os.PathLike[str], state_dir: str) -> Path:
    """The project's state database: the ledger's file."""
    return Path(root) / state_dir / "ledger.db"


def _stamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).isoformat(timespec="seconds")


class FeedbackStore:
    """The suppression, sync and event tables; use as a context manager."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path)
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise LedgerError(f"{self.path}: cannot open the state database ({exc})") from None

    def __enter__(self) -> FeedbackStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, rolled back on error)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # suppressions

    def add(self, items: Iterable[tuple[str, str, str, int]], *, source: str, now: dt.datetime) -> int:
        """Store (address, kind, reason, created) rows; return how many were new. Known ones keep their first date."""
        stamp = _stamp(now)
        new = 0
        for address, kind, reason, created in items:
            if kind not in KINDS:
                raise ValueError(f"unknown suppression kind {kind!r}")
            key, email = key_of(address)
            cursor = self.db.execute(
                "INSERT INTO suppressions VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (key, kind) DO NOTHING",
                (key, email, kind, reason or "", int(created), source, stamp),
            )
            new += cursor.rowcount
        return new

    def remove_missing(self, kind: str, keep: set[str]) -> int:
        """Drop synced rows of ``kind`` whose key is not in ``keep`` (a list SendGrid gives whole); return how many."""
        rows = [k for (k,) in self.db.execute("SELECT key FROM suppressions WHERE kind = ? AND source = 'sync'", (kind,))]
        gone = [k for k in rows if k not in keep]
        self.db.executemany("DELETE FROM suppressions WHERE key = ? AND kind = ?", [(k, kind) for k in gone])
        return len(gone)

    def newest(self, kind: str) -> int | None:
        """The newest ``created`` fetched for ``kind`` by a sync, or None."""
        row = self.db.execute("SELECT newest FROM suppression_sync WHERE kind = ?", (kind,)).fetchone()
        return int(row[0]) if row and row[0] is not None else None

    def mark_synced(self, kind: str, newest: int | None, now: dt.datetime) -> None:
        """Record a finished sync of ``kind`` ('*': the whole sync)."""
        self.db.execute(
            "INSERT INTO suppression_sync VALUES (?, ?, ?) ON CONFLICT (kind) DO UPDATE SET "
            "newest = coalesce(max(excluded.newest, coalesce(newest, excluded.newest)), newest), synced = excluded.synced",
            (kind, newest, _stamp(now)),
        )

    def last_sync(self) -> dt.datetime | None:
        """When the last whole sync finished, or None."""
        row = self.db.execute("SELECT synced FROM suppression_sync WHERE kind = '*'").fetchone()
        return dt.datetime.fromisoformat(row[0]) if row else None

    def suppressed(self) -> dict[str, str]:
        """key -> the most serious suppressing kind, for every suppressed address."""
        rank = {kind: i for i, kind in enumerate(KINDS)}
        out: dict[str, str] = {}
        for key, kind in self.db.execute(
            f"SELECT key, kind FROM suppressions WHERE kind IN ({', '.join('?' * len(SUPPRESSING))})", SUPPRESSING
        ):
            if key not in out or rank[kind] < rank[out[key]]:
                out[key] = kind
        return out

    def rows(self, since: dt.datetime | None = None) -> list[Suppression]:
        """Every stored suppression (blocks included), oldest first, optionally only from ``since`` on."""
        sql = "SELECT email, kind, reason, created, source FROM suppressions"
        args: tuple[int, ...] = ()
        if since is not None:
            sql, args = sql + " WHERE created >= ?", (int(since.timestamp()),)
        return [Suppression(*row) for row in self.db.execute(sql + " ORDER BY created, key, kind", args)]

    def rows_for(self, key: str) -> list[Suppression]:
        """The stored suppressions of one address (its key)."""
        return [Suppression(*row) for row in self.db.execute(
            "SELECT email, kind, reason, created, source FROM suppressions WHERE key = ?", (key,))]

    def counts(self) -> dict[str, int]:
        """Stored suppressions per kind."""
        return {kind: n for kind, n in self.db.execute("SELECT kind, count(*) FROM suppressions GROUP BY kind")}

    # webhook events

    def add_event(self, event: Event, now: dt.datetime) -> bool:
        """Store one event; False when its ``sg_event_id`` is already stored (a replay)."""
        cursor = self.db.execute(
            "INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sg_event_id) DO NOTHING",
            (event.event_id, event.kind, event.timestamp, json.dumps(list(event.categories)), event.url, event.person,
             _stamp(now)),
        )
        return cursor.rowcount > 0

    def clicks(self, category: str) -> list[Click]:
        """Every stored click of messages carrying ``category``."""
        rows = self.db.execute("SELECT url, person, categories FROM events WHERE event = 'click' AND url IS NOT NULL")
        return [Click(url, who) for url, who, cats in rows if category in json.loads(cats)]

    def has_events(self) -> bool:
        """Whether the webhook ever stored an event."""
        return self.db.execute("SELECT 1 FROM events LIMIT 1").fetchone() is not None
