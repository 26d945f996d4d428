"""``bulletin sync``: fetch SendGrid's suppression lists into the project's state database.

Each list is paged (limit/offset) and fetched incrementally: from the newest entry the last sync saw,
less an overlap (entries SendGrid records late are not missed; known ones are simply kept). Each page
is stored as it arrives and a list's high-water mark only once it is complete, so an interrupted sync
is finished by running it again. The unsubscribe group's list has no paging or dates: it is fetched
whole, and addresses no longer on it (re-subscribed) are dropped.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import load_project
from ..errors import DispatchError
from ..ledger import Clock, utc_now
from ..ledger_feedback import FeedbackStore, key_of, state_db
from ..model import Project
from .api import SendGridAPI

#: kind -> the list's endpoint (after /v3)
LISTS = {
    "unsubscribe": "/suppression/unsubscribes",
    "bounce": "/suppression/bounces",
    "spam_report": "/suppression/spam_reports",
    "invalid_email": "/suppression/invalid_emails",
    "block": "/suppression/blocks",
}
OVERLAP = 24 * 3600  # seconds re-fetched before the newest entry already seen


@dataclass
class KindResult:
    """What one list's sync did."""

    fetched: int = 0
    new: int = 0
    pages: int = 0
    removed: int = 0
    since: int | None = None  # start_time asked for (unix seconds), None for the whole list


@dataclass
class SyncReport:
    """What ``sync`` fetched and stored."""

    synced: str  # UTC ISO 8601
    kinds: dict[str, KindResult] = field(default_factory=dict)
    stored: dict[str, int] = field(default_factory=dict)  # per kind, after the sync
    requests: int = 0

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary (counts only: no addresses)."""
        return {"synced": self.synced, "requests": self.requests, "stored": self.stored,
                "kinds": {kind: vars(result) for kind, result in self.kinds.items()}}


def sync(
    start: str | os.PathLike[str] | None = None,
    *,
    project: Project | None = None,
    api: SendGridAPI | None = None,
    clock: Clock | None = None,
    on_wait: Callable[[float, str], None] | None = None,
) -> SyncReport:
    """Fetch global unsubscribes, the group's suppressions, bounces, spam reports, invalid addresses and blocks."""
    project = project or load_project(start)
    api = api or SendGridAPI.from_env()
    now = (clock or utc_now)()
    report = SyncReport(now.astimezone(dt.UTC).isoformat(timespec="seconds"))
    with FeedbackStore(state_db(project.root, project.state_dir)) as store:
        for kind, path in LISTS.items():
            report.kinds[kind] = _fetch_list(api, store, kind, path, now, on_wait)
        group = project.sendgrid.unsubscribe_group_id
        if group:
            report.kinds["group_unsubscribe"] = _fetch_group(api, store, group, now, on_wait)
        store.mark_synced("*", None, now)
        report.stored = store.counts()
    report.requests = api.requests
    return report


def _fetch_list(api: SendGridAPI, store: FeedbackStore, kind: str, path: str, now: dt.datetime,
                on_wait: Callable[[float, str], None] | None) -> KindResult:
    newest = store.newest(kind)
    result = KindResult(since=max(0, newest - OVERLAP) if newest is not None else None)
    query = {"start_time": result.since} if result.since is not None else {}
    top = newest
    for page in api.pages(path, query, on_wait=on_wait):
        rows = []
        for item in page:
            if not isinstance(item, dict) or not isinstance(item.get("email"), str):
                raise DispatchError(f"SendGrid's answer to GET /v3{path} holds an entry without an address")
            created = int(item.get("created") or now.timestamp())
            top = created if top is None else max(top, created)
            reason = " ".join(str(item[k]) for k in ("status", "reason") if item.get(k))
            rows.append((item["email"], kind, reason, created))
        with store.transaction():
            result.new += store.add(rows, source="sync", now=now)
        result.fetched += len(page)
        result.pages += 1
    with store.transaction():
        store.mark_synced(kind, top, now)
    return result


def _fetch_group(api: SendGridAPI, store: FeedbackStore, group: int, now: dt.datetime,
                 on_wait: Callable[[float, str], None] | None) -> KindResult:
    emails = api.get(f"/asm/groups/{group}/suppressions", on_wait=on_wait)
    if not isinstance(emails, list) or not all(isinstance(e, str) for e in emails):
        raise DispatchError(f"SendGrid's answer to GET /v3/asm/groups/{group}/suppressions is not a list of addresses")
    result = KindResult(fetched=len(emails), pages=1)
    stamp = int(now.timestamp())
    with store.transaction():
        result.new = store.add([(e, "group_unsubscribe", f"unsubscribe group {group}", stamp) for e in emails], source="sync", now=now)
        result.removed = store.remove_missing("group_unsubscribe", {key_of(e)[0] for e in emails})
        store.mark_synced("group_unsubscribe", stamp, now)
    return result


def shown_db(project: Project) -> str:
    """The state database as users read it."""
    from ..config import display_path

    return display_path(state_db(project.root, project.state_dir), Path(project.root))
