"""Suppressions: addresses SendGrid says must not be mailed, kept in the project's state database.

``bulletin sync`` (feedback/sync.py) and the Event Webhook (feedback/webhook.py) write them; every place
that chooses recipients reads them (``suppressed_keys``) and leaves those addresses out. One row per
address and kind, keyed by the address in the normal form used for sending (addresses.py), lower-cased
as the subscribers reader compares them. The subscribers file itself is never edited.

The tables live in the ledger's SQLite file (``.bulletin/ledger.db``) next to the ledger's own, created
here with ``IF NOT EXISTS``: the ledger does not know them.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
from collections.abc import Iterable, Iterator
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
STALE_AFTER = dt.timedelta(days=7)  # send warns when the last sync is older

_SCHEMA = """
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


class SuppressionStore:
    """The suppression tables; use as a context manager."""

    def __init__(self, path: str | os.PathLike[str], *, create: bool = True) -> None:
        self.path = Path(path)
        try:
            if create:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise LedgerError(f"{self.path}: cannot open the state database ({exc})") from None

    def __enter__(self) -> SuppressionStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE ... COMMIT, rolled back on error)."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def add(self, items: Iterable[tuple[str, str, str, int]], *, source: str, now: dt.datetime) -> int:
        """Store (address, kind, reason, created) rows; return how many were new. Known ones keep their first date."""
        stamp = now.astimezone(dt.UTC).isoformat(timespec="seconds")
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
            (kind, newest, now.astimezone(dt.UTC).isoformat(timespec="seconds")),
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


def suppressed_keys(root: str | os.PathLike[str], state_dir: str) -> dict[str, str]:
    """key -> kind of every address SendGrid suppresses, for the subscribers reader; {} before the first sync."""
    path = state_db(root, state_dir)
    if not path.exists():
        return {}
    with SuppressionStore(path, create=False) as store:
        return store.suppressed()


def last_sync(root: str | os.PathLike[str], state_dir: str) -> dt.datetime | None:
    """When ``bulletin sync`` last finished, or None."""
    path = state_db(root, state_dir)
    if not path.exists():
        return None
    with SuppressionStore(path, create=False) as store:
        return store.last_sync()


def stale_warning(last: dt.datetime | None, now: dt.datetime) -> str | None:
    """The send plan's warning when SendGrid's suppressions were not fetched for over 7 days."""
    if last is None:
        return ("SendGrid's suppression lists (unsubscribes, bounces, spam reports) were never fetched: run bulletin sync "
                "before sending, so that nobody who left through SendGrid is mailed")
    if now - last > STALE_AFTER:
        return (f"SendGrid's suppression lists were last fetched {(now - last).days} days ago: run bulletin sync before sending")
    return None


def kind_counts(text_counts: dict[str, int]) -> str:
    """'9 bounced, 2 spam reports, 1 unsubscribed' from counts per kind, most serious first."""
    from .words import count

    parts = []
    for kind, word in KINDS.items():
        n = text_counts.get(kind, 0)
        if n:
            parts.append(count(n, word) if kind == "spam_report" else f"{n:,} {word}")
    return ", ".join(parts)


def why(root: str | os.PathLike[str], state_dir: str, key: str) -> str | None:
    """Why SendGrid suppresses an address ('bounced at SendGrid on 2021-05-03: 550 user unknown'), or None."""
    path = state_db(root, state_dir)
    if not path.exists():
        return None
    with SuppressionStore(path, create=False) as store:
        found = [s for s in store.rows_for(key) if s.kind in SUPPRESSING]
    if not found:
        return None
    first = min(found, key=lambda s: list(KINDS).index(s.kind))
    reason = f": {first.reason}" if first.reason else ""
    return f"{KINDS[first.kind]} at SendGrid on {first.when:%Y-%m-%d}{reason}"
