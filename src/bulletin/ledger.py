"""The ledger: what was planned, sent, accepted or lost, so nothing is ever mailed twice.

SQLite (stdlib), WAL. A dispatch (one issue to one list through one transport) is planned whole, in one
transaction, before its first request: its batches (one per request) hold their recipients, and the send
loop moves each from ``pending`` through ``sending`` (committed before its request) to ``accepted | failed |
unknown`` (committed after). This module holds the database (opening, upgrading, the send lock,
transactions) and the dispatches; ``ledger_batches.py`` (``BatchStates``, which ``Ledger`` inherits) the
batches: their recipients, their states in the send loop, when its commits wait for the disk (durability)
and who is held for another list; ``ledger_schema.py`` the tables and the rows decoded and checked.

Dispatch states: planned, sending, done, incomplete, superseded, scheduled, handing_over, cancelled.
Batch states: pending, sending, accepted, failed, unknown, skipped, cancelled.

A scheduled dispatch has ``send_at`` (UTC, ISO 8601). It waits as ``scheduled`` (planned, nothing sent)
until it is handed over to SendGrid: claimed atomically (``scheduled -> handing_over``), given a SendGrid
``batch_id``, then sent like any dispatch (``sending -> done``), every request carrying send_at and
batch_id. ``safe`` dispatches recover from a crash by cancelling their whole batch and sending again.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Self

from .errors import LedgerError
from .ledger_batches import BatchStates
from .ledger_schema import (
    DISPATCH_COLUMNS,
    IN_FLIGHT,
    LIVE,
    OPEN_BATCH,
    SCHEMA,
    SCHEMA_VERSION,
    Batch,
    Clock,
    Dispatch,
    boot_id,
    dispatch_row,
    json_value,
    ledger_path,
    lock_file,
    utc_now,
)

__all__ = ["IN_FLIGHT", "LIVE", "OPEN_BATCH", "SCHEMA_VERSION", "Batch", "Clock", "Dispatch", "Ledger", "ledger_path", "utc_now"]


class Ledger(BatchStates):
    """The SQLite ledger of one project; use as a context manager (its batches: ``BatchStates``)."""

    def __init__(self, path: str | os.PathLike[str], *, clock: Clock | None = None, shown: str | None = None) -> None:
        self.path = Path(path)
        self.shown = shown or str(path)
        self.clock = clock or utc_now
        self._lock: IO[bytes] | None = None
        self.boot = boot_id()  # None: every commit waits for the disk (ledger_batches.py: durability)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")  # the default; the send loop's commits relax it (ledger_batches.py)
            self.db.executescript(SCHEMA)
            row = self.db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
            if row is None:
                self.db.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
            elif int(row[0]) > SCHEMA_VERSION:
                raise LedgerError(f"{self.shown} was written by a newer bulletin (schema {row[0]}); upgrade bulletin")
            elif int(row[0]) < SCHEMA_VERSION:
                self._upgrade()
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"{self.shown}: cannot open the ledger ({exc}); it must not be edited or replaced by hand") from None
        except OSError as exc:
            raise LedgerError(f"{self.shown}: cannot create the ledger ({exc.strerror})") from None

    def _upgrade(self) -> None:
        """Add what later schema versions added, in one transaction."""
        with self.transaction():
            columns = {row[1] for row in self.db.execute("PRAGMA table_info(dispatches)")}
            if "safe" not in columns:
                self.db.execute("ALTER TABLE dispatches ADD COLUMN safe INTEGER NOT NULL DEFAULT 0")
            if "timezone" not in columns:
                self.db.execute("ALTER TABLE dispatches ADD COLUMN timezone TEXT")
            if "language" not in {row[1] for row in self.db.execute("PRAGMA table_info(batches)")}:
                self.db.execute("ALTER TABLE batches ADD COLUMN language TEXT")  # the batches before: the default edition
            self.db.execute("UPDATE meta SET value = ? WHERE key = 'schema'", (str(SCHEMA_VERSION),))

    def __enter__(self) -> Self:
        return self

    def __exit__(self, kind: object, exc: BaseException | None, trace: object) -> None:
        self.close()
        if isinstance(exc, sqlite3.DatabaseError):  # found while reading or writing, not when opening
            if isinstance(exc, sqlite3.OperationalError):  # locked, read-only, disk full, I/O error
                raise LedgerError(f"{self.shown}: cannot use the ledger ({exc}); check that its folder can be written") from None
            raise LedgerError(
                f"{self.shown}: the ledger is damaged ({exc}). It records who was already mailed: restore it from a backup; "
                "it must not be edited or replaced by hand"
            ) from None

    def close(self) -> None:
        """Release the lock and close the database."""
        self.unlock()
        self.db.close()

    def now(self) -> str:
        """The clock's time as stored: UTC, ISO 8601, seconds."""
        return self.clock().astimezone(dt.UTC).replace(microsecond=0).isoformat()

    # --- locking: one sending process per project --------------------------------------------

    def lock(self) -> None:
        """Take the project's send lock, or raise if another bulletin is sending (released on exit or crash)."""
        path = self.path.with_suffix(".lock")
        try:
            handle = open(path, "a+b")  # noqa: SIM115 - held open: the lock lives as long as it
        except OSError as exc:
            raise LedgerError(f"{self.shown}: cannot create its lock file {path.name} ({exc.strerror})") from None
        try:
            lock_file(handle)
        except OSError:
            handle.close()
            raise LedgerError(
                f"another 'bulletin send' is running in this project ({self.shown} is locked); wait until it ends"
            ) from None
        self._lock = handle

    def unlock(self) -> None:
        """Release the send lock if held."""
        if self._lock is not None:
            self._lock.close()  # closing the file releases the OS lock
            self._lock = None

    @contextmanager
    def transaction(self, *, commit: bool = True, durable: bool = True) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE ... COMMIT, rolled back on any error (always, with ``commit=False``: a dry run).

        ``durable=False``: the commit does not wait for the disk (only for the send loop, see ledger_batches.py: durability).
        """
        relaxed = not durable and self.boot is not None
        if relaxed:
            self.db.execute("PRAGMA synchronous=NORMAL")  # cannot change inside a transaction
        try:
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise LedgerError(f"{self.shown} is busy ({exc}); try again") from None
            try:
                yield self.db
            except BaseException:
                self.db.execute("ROLLBACK")
                raise
            self.db.execute("COMMIT" if commit else "ROLLBACK")
        finally:
            if relaxed:
                self.db.execute("PRAGMA synchronous=FULL")

    # --- dispatches --------------------------------------------------------------------------

    def create_dispatch(
        self,
        *,
        kind: str,
        slug: str,
        list_name: str | None,
        transport: str,
        content_hash: str,
        content: dict[str, Any],
        fields: Sequence[str],
        subscribers: str | None,
        state: str = "planned",
        send_at: str | None = None,
        safe: bool = False,
        timezone: str | None = None,
    ) -> int:
        """Insert a dispatch row (call inside a transaction) and return its id."""
        now = self.now()
        cursor = self.db.execute(
            "INSERT INTO dispatches (kind, slug, list_name, transport, content_hash, state, created, updated, subscribers,"
            " fields, content, send_at, safe, timezone) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (kind, slug, list_name, transport, content_hash, state, now, now, subscribers, json.dumps(list(fields)),
             json.dumps(content, ensure_ascii=False), send_at, int(safe), timezone),
        )
        return int(cursor.lastrowid or 0)

    def add_batches(self, dispatch: int, batches: Iterable[Sequence[Sequence[str]]], *, start_seq: int = 1,
                    language: str | None = None) -> tuple[int, int]:
        """Insert batches of recipient rows, each getting the ``language`` edition (inside a transaction); return
        (batches, recipients) added."""
        now, seq, count = self.now(), start_seq, 0
        for rows in batches:
            if not rows:
                continue
            self.db.execute(
                "INSERT INTO batches (dispatch, seq, state, size, recipients, updated, language) VALUES (?, ?, 'pending', ?, ?, ?, ?)",
                (dispatch, seq, len(rows), json.dumps(rows, ensure_ascii=False, separators=(",", ":")), now, language),
            )
            seq, count = seq + 1, count + len(rows)
        return seq - start_seq, count

    def set_dispatch(self, dispatch: int, **values: Any) -> None:
        """Update columns of a dispatch (state, recipients, skipped, superseded_by, send_at, batch_id, safe, timezone)."""
        allowed = {"state", "recipients", "skipped", "superseded_by", "send_at", "batch_id", "subscribers", "safe", "timezone"}
        if not values.keys() <= allowed:
            raise ValueError(f"unknown dispatch columns: {sorted(values.keys() - allowed)}")
        if "skipped" in values:
            values["skipped"] = json.dumps(values["skipped"], sort_keys=True)
        sets = ", ".join(f"{k} = ?" for k in values)
        self.db.execute(f"UPDATE dispatches SET {sets}, updated = ? WHERE id = ?", (*values.values(), self.now(), dispatch))

    def dispatch(self, dispatch: int) -> Dispatch:
        """One dispatch with its batch counts."""
        row = self.db.execute(f"SELECT {DISPATCH_COLUMNS} FROM dispatches WHERE id = ?", (dispatch,)).fetchone()
        if row is None:
            raise LedgerError(f"{self.shown}: no dispatch {dispatch}")
        return self._dispatch(row)

    def content(self, dispatch: int) -> dict[str, Any]:
        """The message frozen with a dispatch."""
        row = self.db.execute("SELECT content FROM dispatches WHERE id = ?", (dispatch,)).fetchone()
        return dict(json_value(self.shown, row[0], f"dispatch {dispatch}: content", dict)) if row else {}

    def find_dispatch(self, slug: str, list_name: str, transport: str) -> Dispatch | None:
        """The live real dispatch of this issue to this list (its name in any case) through this transport, if any."""
        rows = self.db.execute(
            f"SELECT {DISPATCH_COLUMNS} FROM dispatches WHERE kind = 'real' AND slug = ? AND transport = ?"
            f" AND state IN ({', '.join('?' * len(LIVE))}) ORDER BY id DESC",
            (slug, transport, *LIVE),
        ).fetchall()
        # the subscribers file matches list names ignoring case (audience.py): 'Members' is 'members'
        row = next((r for r in rows if str(r[3]).casefold() == list_name.casefold()), None)
        return self._dispatch(row) if row else None

    def dispatches(self, slug: str | None = None) -> list[Dispatch]:
        """Every dispatch (of one issue), oldest first."""
        where, args = ("WHERE slug = ?", (slug,)) if slug else ("", ())
        rows = self.db.execute(f"SELECT {DISPATCH_COLUMNS} FROM dispatches {where} ORDER BY id", args).fetchall()
        return [self._dispatch(row) for row in rows]

    def scheduled(self) -> list[Dispatch]:
        """Every real dispatch with a send time that is still live, soonest first."""
        rows = self.db.execute(
            f"SELECT {DISPATCH_COLUMNS} FROM dispatches WHERE kind = 'real' AND send_at IS NOT NULL"
            f" AND state IN ({', '.join('?' * len(LIVE))}) ORDER BY send_at, id",
            LIVE,
        ).fetchall()
        return [self._dispatch(row) for row in rows]

    def move_state(self, dispatch: int, before: Sequence[str], after: str) -> bool:
        """Atomically move a dispatch from one of ``before`` to ``after``; False if it was in another state."""
        with self.transaction():
            cursor = self.db.execute(
                f"UPDATE dispatches SET state = ?, updated = ? WHERE id = ? AND state IN ({', '.join('?' * len(before))})",
                (after, self.now(), dispatch, *before),
            )
            return cursor.rowcount == 1

    def _dispatch(self, row: Sequence[Any]) -> Dispatch:
        """A dispatch row (columns as in DISPATCH_COLUMNS) decoded, checked, with its batch counts."""
        found = dispatch_row(row, self.shown)
        for state, batches, recipients in self.db.execute(
            "SELECT state, count(*), coalesce(sum(size), 0) FROM batches WHERE dispatch = ? GROUP BY state", (found.id,)
        ):
            found.batches[state] = (batches, recipients)
        return found

    def cancel_dispatch(self, dispatch: int, states: Sequence[str], *, batch_id: str | None, why: str) -> bool:
        """Mark a dispatch and its batches cancelled in one transaction, if it is still in one of ``states``."""
        with self.transaction():
            cursor = self.db.execute(
                f"UPDATE dispatches SET state = 'cancelled', updated = ? WHERE id = ? AND state IN ({', '.join('?' * len(states))})",
                (self.now(), dispatch, *states),
            )
            if cursor.rowcount != 1:
                return False
            for batch in self.batches(dispatch):
                self.cancel_batch(batch.id, batch_id, why)
        return True

    def refresh_state(self, dispatch: int) -> str:
        """Derive a sending dispatch's state from its batches: done, incomplete or sending."""
        found = self.dispatch(dispatch)
        if found.state not in ("planned", "sending", "incomplete", "done", "handing_over"):
            return found.state
        open_ = {s for s in found.batches if s in ("pending", "sending", "failed", "unknown")}
        state = "done" if not open_ else "incomplete"
        with self.transaction():  # waits for the disk: the run's states are all written; it no longer needs a horizon
            self.set_dispatch(dispatch, state=state)
            self.db.execute("DELETE FROM horizon WHERE dispatch = ?", (dispatch,))
        return state
