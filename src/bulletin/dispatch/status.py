"""What the ledger says: dispatches, their batches and where each stands."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..config import display_path as shown
from ..config import load_issue, load_project
from ..errors import BulletinError, ConfigError
from ..ledger import Dispatch, Ledger, ledger_path
from ..mail import messages_from_dict
from ..model import Project


def status(issue: str | os.PathLike[str] | None = None, *, project: Project | None = None) -> list[dict[str, Any]]:
    """Every dispatch (of one issue), oldest first, with batch counts and the unknown/failed batches."""
    project = project or load_project(issue if issue is not None else None)
    slug, problem = None, None
    if issue is not None:
        try:
            slug = load_issue(issue, project).slug
        except BulletinError as exc:  # what was sent stays readable while the file has a mistake, or is gone
            slug, problem = Path(issue).name.removesuffix(".yaml").removesuffix(".yml"), exc
    path = ledger_path(project.root, project.state_dir)
    rows = []
    if path.exists():
        with Ledger(path, shown=shown(path, Path(project.root))) as ledger:
            rows = [_row(ledger, d, project.timezone) for d in ledger.dispatches(slug)]
    if problem is not None and not rows:
        if issue is None or not Path(issue).exists():  # issue is set when problem is
            raise ConfigError(f"no dispatches of '{slug}' in the ledger; {problem}")
        raise problem
    return rows


def _row(ledger: Ledger, d: Dispatch, zone: str) -> dict[str, Any]:
    counts: dict[str, dict[str, int]] = {}
    for state, (n, r) in sorted(d.batches.items()):
        # a replaced dispatch's pending batches are never sent: they are not "pending"
        shown_as = "superseded" if d.state == "superseded" and state == "pending" else state
        tally = counts.setdefault(shown_as, {"requests": 0, "recipients": 0})
        tally["requests"] += n
        tally["recipients"] += r
    attention = [
        {"batch": b.seq, "state": b.state, "recipients": b.size, "error": b.error, "updated": b.updated}
        for b in ledger.batches(d.id, ["unknown", "failed", "sending"])
    ]
    return {
        "dispatch": d.id, "kind": d.kind, "issue": d.slug, "list": d.list_name, "transport": d.transport,
        "state": d.state, "created": d.created, "updated": d.updated, "recipients": d.recipients,
        "accepted": counts.get("accepted", {}).get("recipients", 0), "batches": counts, "skipped": d.skipped,
        "content_hash": d.content_hash, "send_at": d.send_at, "batch_id": d.batch_id,
        "superseded_by": d.superseded_by, "attention": attention, "timezone": d.timezone or zone,
        "resent_after_unknown": [b.seq for b in ledger.batches(d.id) if b.was_unknown and b.state not in ("skipped", "unknown")],
        "editions": _editions(ledger, d),
    }


def _editions(ledger: Ledger, d: Dispatch) -> dict[str, int]:
    """Recipients accepted per edition, when the dispatch has several ({} otherwise)."""
    planned = ledger.languages(d.id, list(d.batches))
    if len(planned) < 2:
        return {}
    accepted = ledger.languages(d.id, ["accepted"])
    order = list(messages_from_dict(ledger.content(d.id)))  # the default language first
    return {str(lang): accepted.get(lang, (0, 0))[1] for lang in sorted(planned, key=lambda x: order.index(x) if x in order else 0)}
