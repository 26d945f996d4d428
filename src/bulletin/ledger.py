"""The ledger: what was planned, sent, accepted or lost, so nothing is ever mailed twice.

SQLite (stdlib), WAL. A dispatch (one issue to one list through one transport) is planned whole, in one
transaction, before its first request: its batches (one per request) hold their recipients. Each batch
goes ``pending -> sending`` (committed before its request) and then ``accepted | failed | unknown``
(committed after). A batch still ``sending`` when a run starts was cut off mid-request: it becomes
``unknown`` and is only re-sent when the user asks.

Durability. Every commit survives the end of the process (a crash, ``kill -9``): SQLite has written it
to the operating system. A power cut or a crash of the system also loses what the system had not yet
written to the disk, so commits wait for the disk (``synchronous=FULL``, a few milliseconds each) except
on the send path's hot loop, where one such wait per request would cost a third of the send: there a
claim writes to the disk only once per ``HORIZON`` batches, recording in the table ``horizon`` (with
the computer's boot id) that batches up to ``through`` may be claimed before the next such write; the
claims in between and the outcomes after each request are plain commits (``synchronous=NORMAL``). A
run that starts after the computer restarted (its boot id changed) therefore cannot trust the states
of those batches: those not accepted become ``unknown``, like one cut off mid-request (at most
``HORIZON`` requests). Where the boot id cannot be read (not Linux), every commit waits for the disk.
A run that ends writes everything to the disk and forgets its horizon.

Addresses left out of a dispatch because another list's dispatch of the issue holds them are kept in
``held``: when that one lets them go (they left its list, it was cancelled), the first owes them the issue.

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
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any, Self

from .errors import LedgerError
from .ledger_schema import (
    BATCH_COLUMNS,
    DISPATCH_COLUMNS,
    HORIZON,
    IN_FLIGHT,
    LIVE,
    OPEN_BATCH,
    SCHEMA,
    SCHEMA_VERSION,
    Batch,
    Clock,
    Dispatch,
    batch_row,
    boot_id,
    dispatch_row,
    json_value,
    ledger_path,
    lock_file,
    utc_now,
)

__all__ = ["IN_FLIGHT", "LIVE", "OPEN_BATCH", "SCHEMA_VERSION", "Batch", "Clock", "Dispatch", "Ledger", "ledger_path", "utc_now"]


class Ledger:
    """The SQLite ledger of one project; use as a context manager."""

    def __init__(self, path: str | os.PathLike[str], *, clock: Clock | None = None, shown: str | None = None) -> None:
        self.path = Path(path)
        self.shown = shown or str(path)
        self.clock = clock or utc_now
        self._lock: IO[bytes] | None = None
        self.boot = boot_id()  # None: every commit waits for the disk (module docstring: durability)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")  # the default; the send loop's commits relax it (module docstring)
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

        ``durable=False``: the commit does not wait for the disk (only for the send loop, see the module docstring).
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

    # --- batches -----------------------------------------------------------------------------

    def batches(self, dispatch: int, states: Sequence[str] | None = None) -> list[Batch]:
        """Batches of a dispatch in order, optionally only in some states."""
        sql = f"SELECT {BATCH_COLUMNS} FROM batches WHERE dispatch = ?"
        args: list[object] = [dispatch]
        if states:
            sql += f" AND state IN ({', '.join('?' * len(states))})"
            args += list(states)
        return [batch_row(row, self.shown) for row in self.db.execute(sql + " ORDER BY seq", args)]

    def languages(self, dispatch: int, states: Sequence[str]) -> dict[str | None, tuple[int, int]]:
        """(batches, recipients) per edition in the batches of a dispatch in these states (None: the default, in
        older ledgers)."""
        rows = self.db.execute(
            f"SELECT language, count(*), sum(size) FROM batches WHERE dispatch = ? AND state IN ({', '.join('?' * len(states))})"
            " GROUP BY language ORDER BY min(seq)", (dispatch, *states),
        )
        return {language: (int(batches), int(size)) for language, batches, size in rows}

    def recipients(self, batch: int) -> list[list[str]]:
        """The recipient rows of a batch: [email, merge values...]."""
        return self.recipients_reader(batch)()

    def recipients_reader(self, batch: int) -> Callable[[], list[list[str]]]:
        """The recipient rows of a batch, read now and decoded when called (on any thread: the send loop's body builder)."""
        row = self.db.execute("SELECT recipients FROM batches WHERE id = ?", (batch,)).fetchone()
        return lambda: list(json_value(self.shown, row[0], f"batch {batch}: recipients", list)) if row else []

    def replace_recipients(self, batch: int, rows: Sequence[Sequence[str]]) -> None:
        """Rewrite a not-yet-sent batch's recipients; an emptied batch is marked skipped."""
        state = "pending" if rows else "skipped"
        self.db.execute(
            "UPDATE batches SET recipients = ?, size = ?, state = CASE WHEN ? = 'skipped' THEN 'skipped' ELSE state END,"
            " error = CASE WHEN ? = 'skipped' THEN 'nobody left to mail' ELSE error END, updated = ?"
            " WHERE id = ? AND state IN ('pending', 'failed')",
            (json.dumps(list(rows), ensure_ascii=False, separators=(",", ":")), len(rows), state, state, self.now(), batch),
        )

    def claim(self, batch: int) -> bool:
        """pending|failed -> sending, committed before the request; False if someone else has it."""
        horizon = self._horizon(batch)
        with self.transaction(durable=horizon is not None):
            return self._claim(batch, self.now(), horizon)

    def release(self, batch: int) -> None:
        """sending -> pending after a request that certainly failed (429, 5xx, no connection), before waiting."""
        with self.transaction(durable=False):  # a claim in the horizon: lost in a power cut, it becomes unknown
            self.db.execute(
                "UPDATE batches SET state = 'pending', error = 'not accepted yet; retrying', updated = ? WHERE id = ? AND state = 'sending'",
                (self.now(), batch),
            )

    def finish(self, batch: int, state: str, *, message_id: str | None = None, error: str | None = None,
               claim: int | None = None) -> bool:
        """sending -> accepted | failed | unknown, committed right after the request.

        With ``claim``, that next batch is claimed (as ``claim()``) in the same commit: one write to disk
        per request instead of two. Returns whether it was claimed.
        """
        if state not in ("accepted", "failed", "unknown"):
            raise ValueError(state)
        horizon = self._horizon(claim) if claim is not None else None
        # not waiting for the disk: an outcome lost in a power cut leaves the batch 'sending', hence unknown
        with self.transaction(durable=horizon is not None):
            now = self.now()
            self.db.execute(
                "UPDATE batches SET state = ?, message_id = coalesce(?, message_id), error = ?,"
                " was_unknown = max(was_unknown, ?), updated = ? WHERE id = ? AND state = 'sending'",
                (state, message_id, error, int(state == "unknown"), now, batch),
            )
            return claim is not None and self._claim(claim, now, horizon)

    def _claim(self, batch: int, now: str, horizon: tuple[int, int] | None) -> bool:
        cursor = self.db.execute(
            "UPDATE batches SET state = 'sending', attempts = attempts + 1, error = NULL, updated = ?"
            " WHERE id = ? AND state IN ('pending', 'failed')",
            (now, batch),
        )
        if horizon is not None:
            self.db.execute("INSERT OR REPLACE INTO horizon (dispatch, through, boot) VALUES (?, ?, ?)", (*horizon, self.boot))
        return cursor.rowcount == 1

    def _horizon(self, batch: int) -> tuple[int, int] | None:
        """(dispatch, through) when claiming this batch must wait for the disk, moving the horizon on; else None."""
        if self.boot is None:
            return None  # every commit waits for the disk
        # the horizon row is only ever written and deleted by commits that waited for the disk: it is on the disk
        row = self.db.execute("SELECT b.dispatch, b.seq, h.through, h.boot FROM batches b LEFT JOIN horizon h ON h.dispatch = b.dispatch"
                              " WHERE b.id = ?", (batch,)).fetchone()
        if row is None or (row[3] == self.boot and row[1] <= row[2]):
            return None
        return int(row[0]), int(row[1]) + HORIZON - 1

    def interrupted_to_unknown(self, dispatch: int) -> list[Batch]:
        """Batches left 'sending' by a run that died have an unknown outcome (inside a transaction); so have those
        it may have claimed since its last write to disk, if the computer restarted meanwhile (module docstring)."""
        found = self.batches(dispatch, ["sending"])
        self.db.execute(
            "UPDATE batches SET state = 'unknown', was_unknown = 1, error = 'the run was interrupted during this request',"
            " updated = ? WHERE dispatch = ? AND state = 'sending'",
            (self.now(), dispatch),
        )
        horizon = self.db.execute("SELECT through, boot FROM horizon WHERE dispatch = ?", (dispatch,)).fetchone()
        if horizon is not None and horizon[1] != self.boot:
            lost = [b for b in self.batches(dispatch, OPEN_BATCH) if b.seq <= horizon[0]]
            self.db.executemany(
                "UPDATE batches SET state = 'unknown', was_unknown = 1, error = 'the computer stopped (a power cut or a system "
                "crash) while a run was sending: this request may have been sent', updated = ? WHERE id = ?",
                [(self.now(), b.id) for b in lost],
            )
            found += lost
        self.db.execute("DELETE FROM horizon WHERE dispatch = ?", (dispatch,))
        return found

    def settle_unknown(self, dispatch: int, action: str) -> int:
        """'resend': unknown -> pending; 'skip': unknown -> skipped (inside a transaction). Returns how many."""
        target = {"resend": "pending", "skip": "skipped"}[action]
        cursor = self.db.execute(
            "UPDATE batches SET state = ?, updated = ?, error = ? WHERE dispatch = ? AND state = 'unknown'",
            (target, self.now(), f"outcome unknown; {'re-sent' if action == 'resend' else 'skipped'} on request", dispatch),
        )
        return cursor.rowcount

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

    def cancel_batch(self, batch: int, batch_id: str | None, why: str) -> None:
        """A batch whose SendGrid batch was cancelled (or that never will be sent) becomes cancelled (inside a transaction)."""
        self.db.execute(
            "UPDATE batches SET state = 'cancelled', batch_id = coalesce(batch_id, ?), error = ?, updated = ?"
            " WHERE id = ? AND state NOT IN ('cancelled', 'skipped')",
            (batch_id, why, self.now(), batch),
        )

    def next_seq(self, dispatch: int) -> int:
        """The sequence number for a batch added to a dispatch."""
        row = self.db.execute("SELECT coalesce(max(seq), 0) + 1 FROM batches WHERE dispatch = ?", (dispatch,)).fetchone()
        return int(row[0])

    def keys(self, dispatches: Iterable[int], states: Sequence[str] | None = None) -> Iterator[str]:
        """Lower-cased addresses in batches of these dispatches (optionally only in some states)."""
        for dispatch in dispatches:
            for batch in self.batches(dispatch, states):
                for row in self.recipients(batch.id):
                    yield row[0].lower()

    def hold(self, dispatch: int, keys: Iterable[str]) -> None:
        """Record (replacing) who this dispatch leaves to another list's dispatch (inside a transaction)."""
        self.db.execute("DELETE FROM held WHERE dispatch = ?", (dispatch,))
        self.db.executemany("INSERT OR IGNORE INTO held (dispatch, key) VALUES (?, ?)", ((dispatch, k) for k in keys))

    def held(self, dispatch: int) -> list[str]:
        """Who this dispatch leaves to another list's dispatch."""
        return [row[0] for row in self.db.execute("SELECT key FROM held WHERE dispatch = ? ORDER BY key", (dispatch,))]

    def holding(self) -> list[int]:
        """Dispatches that leave someone to another list's dispatch."""
        return [row[0] for row in self.db.execute("SELECT DISTINCT dispatch FROM held ORDER BY dispatch")]

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
