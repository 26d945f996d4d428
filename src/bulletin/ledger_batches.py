"""The batches of a dispatch in the ledger: their recipients, the states of the send loop, and who is held.

A dispatch's batches (one per request) are written whole when it is planned (``Ledger.add_batches``). Each
batch goes ``pending -> sending`` (``claim``, committed before its request) and then ``accepted | failed |
unknown`` (``finish``, committed after; ``release``: back to ``pending`` after a request that certainly
failed). A batch still ``sending`` when a run starts was cut off mid-request: it becomes ``unknown``
(``interrupted_to_unknown``) and is only re-sent when the user asks (``settle_unknown``).

Durability. Every commit survives the end of the process (a crash, ``kill -9``): SQLite has written it
to the operating system. A power cut or a crash of the system also loses what the system had not yet
written to the disk, so commits wait for the disk (``synchronous=FULL``, a few milliseconds each) except
on the send path's hot loop, where one such wait per request would cost a third of the send: there a
claim writes to the disk only once per ``HORIZON`` batches, recording in the table ``horizon`` (with
the computer's boot id) that batches up to ``through`` may be claimed before the next such write; the
claims in between and the outcomes after each request are plain commits (``synchronous=NORMAL``,
``Ledger.transaction(durable=False)``). A run that starts after the computer restarted (its boot id
changed) therefore cannot trust the states of those batches: those not accepted become ``unknown``, like
one cut off mid-request (at most ``HORIZON`` requests). Where the boot id cannot be read (not Linux),
every commit waits for the disk. A run that ends writes everything to the disk and forgets its horizon
(``Ledger.refresh_state``).

Addresses left out of a dispatch because another list's dispatch of the issue holds them are kept in
``held``: when that one lets them go (they left its list, it was cancelled), the first owes them the issue.
"""
from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from .ledger_schema import BATCH_COLUMNS, HORIZON, OPEN_BATCH, Batch, batch_row, json_value


class BatchStates:
    """The batch half of ``Ledger`` (which inherits it): what it reads and writes in the tables ``batches``,
    ``horizon`` and ``held``, through the ledger's connection, clock and transactions."""

    db: sqlite3.Connection
    shown: str  # the ledger's path as users read it
    boot: str | None  # this start of the computer's id; None: every commit waits for the disk

    if TYPE_CHECKING:  # Ledger's own
        def now(self) -> str: ...
        def transaction(self, *, commit: bool = True, durable: bool = True) -> AbstractContextManager[sqlite3.Connection]: ...

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
        """The recipient rows of a batch, read now and decoded when called (the send loop decodes them while a request waits)."""
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

    # --- the send loop -----------------------------------------------------------------------

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

    # --- held for another list's dispatch ----------------------------------------------------

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
