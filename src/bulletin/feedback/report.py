"""``bulletin report ISSUE``: what became of an issue once sent.

From the ledger: recipients, requests, accepted, unknown. From SendGrid's statistics for the issue's
own category (mail.py ``issue_category``), from the first send date to today: delivered,
bounces, blocks, spam reports, unsubscribes, opens, clicks. From the Event Webhook's stored clicks, if
any: clicks per item and per section (the clicked url mapped back to the issue's items, UTM parameters
ignored). Counts only; the addresses of those suppressed since the send only with ``people=True``.
"""

from __future__ import annotations

import datetime as dt
import os
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..config import display_path, load_issue, load_project
from ..dispatch.schedule.times import read_stored
from ..errors import BulletinError, ConfigError
from ..ledger import Clock, Ledger, ledger_path, utc_now
from ..ledger_feedback import KINDS, SUPPRESSING, FeedbackStore, state_db
from ..mail import issue_category
from ..model import Project
from .api import SendGridAPI

#: The JSON's integer figures, in order; each but recipients also has a rate against delivered.
FIGURES = ("recipients", "delivered", "bounces", "blocks", "spam_reports", "unsubscribes", "opens", "unique_opens", "clicks", "unique_clicks")
METRICS = FIGURES[1:]
OPENS_NOTE = ("Opens are approximate: mail programs that load images for privacy (Apple Mail Privacy Protection) "
              "count as opens without anyone reading, and those that block images never count.")


@dataclass
class ItemClicks:
    """Clicks on one item's links."""

    section: str
    title: str
    url: str
    clicks: int = 0
    unique_clicks: int = 0


@dataclass
class IssueReport:
    """The report of one issue."""

    slug: str
    category: str
    dispatches: int = 0
    requests: int = 0
    accepted: int = 0
    unknown: int = 0
    figures: dict[str, int] = field(default_factory=dict)  # FIGURES
    first_sent: str | None = None  # UTC ISO 8601
    stats_from: str | None = None  # the statistics' first day, YYYY-MM-DD
    stats_note: str | None = None  # why there are no statistics
    items: list[ItemClicks] = field(default_factory=list)
    sections: dict[str, tuple[int, int]] = field(default_factory=dict)  # section -> (clicks, unique clicks)
    other_clicks: int = 0  # clicks on links that are no item (view in browser, website)
    events: bool = False  # whether the webhook stored events
    people: dict[str, list[str]] | None = None  # kind -> addresses, only when asked

    def rates(self) -> dict[str, float | None]:
        """Each figure against delivered (delivered itself against accepted recipients)."""
        delivered = self.figures.get("delivered")
        out: dict[str, float | None] = {}
        if delivered is None:
            return out
        accepted = self.accepted or self.figures.get("recipients", 0)
        out["delivered_rate"] = round(delivered / accepted, 4) if accepted else None
        for name in METRICS[1:]:
            out[f"{name}_rate"] = round(self.figures.get(name, 0) / delivered, 4) if delivered else None
        return out

    def to_json(self) -> dict[str, Any]:
        """The JSON: the integer figures at the top, their rates, then the rest."""
        out: dict[str, Any] = {name: self.figures.get(name) for name in FIGURES}
        out |= self.rates()
        out |= {"issue": self.slug, "category": self.category, "dispatches": self.dispatches, "requests": self.requests,
                "accepted": self.accepted, "unknown": self.unknown, "first_sent": self.first_sent, "stats_from": self.stats_from,
                "stats_note": self.stats_note, "opens_note": OPENS_NOTE, "events": self.events,
                "items": [vars(i) for i in self.items] if self.events else None,
                "sections": {s: {"clicks": c, "unique_clicks": u} for s, (c, u) in self.sections.items()} if self.events else None,
                "other_clicks": self.other_clicks if self.events else None}
        if self.people is not None:
            out["people"] = self.people
        return out


def report(issue: str | os.PathLike[str], *, project: Project | None = None, api: SendGridAPI | None = None,
           clock: Clock | None = None, people: bool = False) -> IssueReport:
    """The report of ISSUE (a file, or just its name once the file is gone)."""
    project = project or load_project(issue)
    manifest: dict[str, Any] | None = None
    try:
        spec = load_issue(issue, project)
        slug = spec.slug
    except BulletinError:
        slug = Path(issue).name.removesuffix(".yaml").removesuffix(".yml")
    else:
        try:
            from ..build import prepare

            manifest = prepare(issue, project=project).manifest
        except BulletinError:
            manifest = None  # the items cannot be read now: clicks are not mapped to them
    out = IssueReport(slug, issue_category(slug))
    keys = _ledger(project, out)
    if out.dispatches == 0:
        raise ConfigError(f"no dispatch of '{slug}' in the ledger: it was not sent to a list yet (bulletin status lists what was)")
    now = (clock or utc_now)()
    _stats(project, out, api, now)
    path = state_db(project.root, project.state_dir)
    with FeedbackStore(path) as store:
        out.events = store.has_events()
        if out.events:
            _clicks(out, store.clicks(out.category), manifest)
        if people:
            since = int(read_stored(out.first_sent).timestamp()) if out.first_sent else 0
            found: dict[str, set[str]] = {}
            for row in store.rows():
                if row.kind in SUPPRESSING and row.created >= since and row.email.lower() in keys:
                    found.setdefault(row.kind, set()).add(row.email)
            out.people = {kind: sorted(found[kind]) for kind in KINDS if kind in found}
    return out


def _ledger(project: Project, out: IssueReport) -> set[str]:
    """Fill the ledger's figures; return the accepted recipients' keys."""
    path = ledger_path(project.root, project.state_dir)
    if not path.exists():
        return set()
    with Ledger(path, shown=display_path(path, Path(project.root))) as ledger:
        found = [d for d in ledger.dispatches(out.slug) if d.kind == "real" and d.state not in ("superseded", "cancelled")]
        found = [d for d in found if d.batches.get("accepted") or d.batches.get("unknown")]
        out.dispatches = len(found)
        for d in found:
            for state in ("accepted", "unknown", "failed"):
                out.requests += d.batches.get(state, (0, 0))[0]
            out.accepted += d.batches.get("accepted", (0, 0))[1]
            out.unknown += d.batches.get("unknown", (0, 0))[1]
        starts = [d.send_at or d.created for d in found]
        out.first_sent = min(starts, key=read_stored) if starts else None
        out.figures["recipients"] = out.accepted + out.unknown
        return set(ledger.keys([d.id for d in found], ("accepted", "unknown")))


def _stats(project: Project, out: IssueReport, api: SendGridAPI | None, now: dt.datetime) -> None:
    """Sum SendGrid's daily statistics of the issue's category from the first send on."""
    if api is None:
        if project.transport != "sendgrid":
            out.stats_note = "the issue was not sent through SendGrid (transport: outbox): there are no statistics"
            return
        try:
            api = SendGridAPI.from_env()
        except ConfigError as exc:
            out.stats_note = str(exc)
            return
    assert out.first_sent is not None
    start = read_stored(out.first_sent).date()
    out.stats_from = start.isoformat()
    days = api.get("/categories/stats", {"start_date": start.isoformat(), "end_date": max(start, now.date()).isoformat(),
                                         "categories": out.category})
    totals: Counter[str] = Counter()
    for day in days if isinstance(days, list) else []:
        for entry in day.get("stats", []) if isinstance(day, dict) else []:
            if isinstance(entry, dict) and entry.get("name", out.category) == out.category:
                totals.update({k: int(v) for k, v in (entry.get("metrics") or {}).items() if isinstance(v, int)})
    for name in METRICS:
        out.figures[name] = totals[name]


def url_key(url: str) -> str:
    """A link as compared with the items': no UTM parameters, no fragment, host lower-cased, no trailing slash."""
    parts = urllib.parse.urlsplit(url.strip())
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith("utm_")]
    path = parts.path.rstrip("/") or "/"
    return urllib.parse.urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, urllib.parse.urlencode(query), ""))


def _clicks(out: IssueReport, found: list[Any], manifest: dict[str, Any] | None) -> None:
    """Clicks per item and section."""
    items: dict[str, ItemClicks] = {}
    featured = (manifest or {}).get("featured")
    if isinstance(featured, dict) and featured.get("url"):
        items.setdefault(url_key(featured["url"]), ItemClicks("Featured", featured.get("title", ""), featured["url"]))
    for section in (manifest or {}).get("sections", []):
        for item in section.get("items", []):
            items.setdefault(url_key(item["url"]), ItemClicks(section["title"], item["title"], item["url"]))
    people: dict[str, set[str]] = {}
    section_people: dict[str, set[str]] = {}
    section_clicks: Counter[str] = Counter()
    for click in found:
        item = items.get(url_key(click.url))
        if item is None:
            out.other_clicks += 1
            continue
        item.clicks += 1
        section_clicks[item.section] += 1
        if click.person:
            people.setdefault(item.url, set()).add(click.person)
            section_people.setdefault(item.section, set()).add(click.person)
    for item in items.values():
        item.unique_clicks = len(people.get(item.url, ()))
    out.items = sorted(items.values(), key=lambda i: -i.clicks)
    order = list(dict.fromkeys(i.section for i in items.values()))
    out.sections = {s: (section_clicks[s], len(section_people.get(s, ()))) for s in order}
