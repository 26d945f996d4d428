"""The outbox transport: writes what would be sent instead of sending it (no key needed).

Per request, under ``outbox/<slug>/<dispatch>/``: ``batch-0001.json`` (the exact request body
SendGrid would get) and ``batch-0001.eml`` (a sample message for the batch's first recipient:
multipart/alternative, every header, merge tags filled). Open the .eml in a mail program to see it.
A scheduled dispatch's requests carry ``send_at`` and ``batch_id``; cancelling one writes the request
SendGrid would get to ``outbox/scheduled_sends/<batch_id>.json`` and marks the dispatch's folder with
``CANCELLED.txt``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..atomic import write_atomic
from ..errors import DispatchError
from ..mail import encode, sample


class OutboxTransport:
    """Writes request bodies and sample messages to a folder."""

    name = "outbox"
    seconds_per_request = 0.01  # for the plan's estimate

    def __init__(self, folder: str | os.PathLike[str], *, shown: str | None = None, clock: Any = None) -> None:
        self.folder = Path(folder)
        self.shown = shown or str(folder)
        self.clock = clock or (lambda: dt.datetime.now(dt.UTC))

    def describe(self) -> str:
        """Where the files go."""
        return f"outbox (files in {self.shown}/, nothing is sent)"

    def post(self, body: Mapping[str, Any]) -> str | None:
        """Write the body and a sample .eml; return a message id naming the files."""
        args = body.get("custom_args", {})
        slug = _safe(args.get("bulletin_issue", "issue"))
        run = _safe(("test-" if args.get("bulletin_kind") == "test" else "") + args.get("bulletin_dispatch", "0"))
        name = f"batch-{int(args.get('bulletin_batch', 0)):04d}"
        folder = self.folder / slug / run
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _write(folder / f"{name}.json", encode(body).decode() + "\n")  # as sent: compact, never pretty-printed
            _write(folder / f"{name}.eml", sample(body, self.clock()).as_string())
        except OSError as exc:
            raise DispatchError(f"cannot write to the outbox {folder}: {exc.strerror}") from None
        return f"outbox/{slug}/{run}/{name}"

    def create_batch(self) -> str:
        """A batch id for a scheduled dispatch (made up: nothing is sent)."""
        return "outbox" + uuid.uuid4().hex

    def cancel_batch(self, batch_id: str) -> None:
        """Write the cancel request SendGrid would get to scheduled_sends/<batch_id>.json."""
        folder = self.folder / "scheduled_sends"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            _write(folder / f"{_safe(batch_id)}.json", json.dumps({"batch_id": batch_id, "status": "cancel"}, indent=1) + "\n")
        except OSError as exc:
            raise DispatchError(f"cannot write to the outbox {folder}: {exc.strerror}") from None

    def mark_cancelled(self, slug: str, dispatch: int, note: str) -> str | None:
        """Write CANCELLED.txt (``note``) into a cancelled dispatch's folder; its path as shown, None if it has no folder."""
        folder = self.folder / _safe(slug) / str(dispatch)
        if not folder.is_dir():
            return None
        try:
            _write(folder / "CANCELLED.txt", note + "\nThe files next to this one show what would have been sent.\n")
        except OSError as exc:
            raise DispatchError(f"cannot write to the outbox {folder}: {exc.strerror}") from None
        return f"{self.shown}/{_safe(slug)}/{dispatch}/"

    def batch_status(self, batch_id: str) -> str | None:
        """'cancel' once cancel_batch wrote its file."""
        return "cancel" if (self.folder / "scheduled_sends" / f"{_safe(batch_id)}.json").exists() else None

    def __repr__(self) -> str:
        return f"OutboxTransport({self.shown!r})"


def _write(path: Path, text: str) -> None:
    """Write next to the target, then move it in place; a failed write (a full disk) leaves nothing behind."""
    write_atomic(path, text)


def _safe(part: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in str(part)) or "_"
