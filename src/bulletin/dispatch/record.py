"""A second record of scheduled dispatches, outside the ledger, so that losing the ledger is noticed.

A dispatch scheduled for later lives in the ledger until ``dispatch-due`` hands it over. If the ledger
is deleted, emptied or replaced meanwhile, the dispatch would silently vanish ("Nothing scheduled").
So scheduling also writes ``<state>/scheduled/dispatch-<id>.json``; ``dispatch-due`` and ``status``
compare these records with the ledger and say what it lost. A record goes once its dispatch is over
(sent, cancelled or replaced), or when the user deletes it after dealing with the loss.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from ..atomic import write_atomic
from ..config import display_path
from ..errors import Command, LedgerError, Option, Phrase
from ..ledger import Clock, Dispatch, Ledger, ledger_path, utc_now
from ..model import Project
from .schedule.times import local_text, read_stored

FOLDER = "scheduled"
OVER = ("cancelled", "superseded")


def remember(ledger: Ledger, dispatch: int) -> str | None:
    """Record a scheduled dispatch (once committed) next to the ledger; a note for the user if that failed."""
    d = ledger.dispatch(dispatch)
    folder = ledger.path.parent / FOLDER
    data = {"dispatch": d.id, "issue": d.slug, "list": d.list_name, "transport": d.transport, "created": d.created,
            "send_at": d.send_at, "timezone": d.timezone}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / f"dispatch-{d.id}.json", json.dumps(data, indent=1))
    except OSError as exc:
        return f"could not keep a second record of this dispatch in {folder} ({exc.strerror}): keep the ledger safe"
    return None


def lost_dispatches(project: Project, clock: Clock | None = None) -> list[str]:
    """Scheduled dispatches the project's ledger has lost (see ``lost``); the ledger is not created if it is missing."""
    path = ledger_path(project.root, project.state_dir)
    if not (path.parent / FOLDER).is_dir():
        return []
    shown = display_path(path, Path(project.root))
    now = (clock or utc_now)()
    if not path.exists():
        return lost(path.parent, None, now, zone=project.timezone, shown=shown)
    with Ledger(path, clock=clock, shown=shown) as ledger:
        return lost(path.parent, ledger, now, zone=project.timezone, shown=shown)


def lost(state: Path, ledger: Ledger | None, now: dt.datetime, *, zone: str, shown: str) -> list[str]:
    """What the ledger lost: one message per recorded dispatch it no longer has. Records of dispatches that are over
    are removed. ``state`` is the ledger's folder; ``shown`` the ledger as shown to the user."""
    messages: list[str] = []
    for path in sorted((state / FOLDER).glob("dispatch-*.json")):
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            send_at = read_stored(str(data["send_at"]))
        except (OSError, ValueError, KeyError, TypeError):
            continue  # not one of ours
        found = _find(ledger, data)
        if found is not None:
            if found.state in OVER or (found.state == "done" and read_stored(found.send_at or data["send_at"]) <= now):
                path.unlink(missing_ok=True)
            continue
        where = f"{state.name}/{FOLDER}/{path.name}"
        again = Command("send", f"issues/{data.get('issue')}.yaml", ((Option.LIST, str(data.get("list"))), (Option.AT, "...")))
        messages.append(Phrase(
            f"{shown} has lost dispatch {data.get('dispatch')} of '{data.get('issue')}' to '{data.get('list')}', scheduled for "
            f"{local_text(send_at, str(data.get('timezone') or zone))} ({where} still records it): the ledger was deleted, "
            "emptied or replaced, so it will not be handed over. Restore the ledger from a backup; or, if SendGrid's "
            "scheduled sends do not hold it already, schedule it again (", again, f") and delete {where}."
        ))
    return messages


def _find(ledger: Ledger | None, data: dict[str, Any]) -> Dispatch | None:
    """The recorded dispatch in the ledger, if it is still there (the same one: a new ledger reuses numbers)."""
    if ledger is None:
        return None
    try:
        found = ledger.dispatch(int(data["dispatch"]))
    except (LedgerError, ValueError, TypeError):
        return None
    same = (found.slug, found.list_name, found.created) == (data.get("issue"), data.get("list"), data.get("created"))
    return found if same else None
