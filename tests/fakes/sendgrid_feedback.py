"""The fake SendGrid's suppression lists and category statistics (``FakeSendGrid.feedback``).

    sg.feedback.add("bounces", "a@example.org", created=1_600_000_000, reason="550 user unknown", status="5.1.1")
    sg.feedback.group(12345, ["b@example.org"])          # the unsubscribe group's suppressions
    sg.feedback.stats("bulletin-2021-h1", "2021-07-05", delivered=980, opens=400, ...)

``GET /v3/suppression/{bounces|unsubscribes|spam_reports|invalid_emails|blocks}`` pages with limit
(1..500, as the spec says) and offset, filters by start_time/end_time (unix seconds, inclusive) and
returns the newest first, as SendGrid does. ``GET /v3/asm/groups/{group_id}/suppressions`` returns
the whole list (the spec has no paging for it). ``GET /v3/categories/stats`` returns the days from
start_date to end_date that have figures for the asked category.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .sendgrid_server import FakeSendGrid, Reply, Request

LISTS = ("bounces", "unsubscribes", "spam_reports", "invalid_emails", "blocks")
METRICS = ("blocks", "bounce_drops", "bounces", "clicks", "deferred", "delivered", "invalid_emails", "opens", "processed",
           "requests", "spam_report_drops", "spam_reports", "unique_clicks", "unique_opens", "unsubscribe_drops", "unsubscribes")


class Feedback:
    """Data behind the suppression and statistics endpoints."""

    def __init__(self, fake: FakeSendGrid) -> None:
        self.fake = fake
        self.lists: dict[str, list[dict[str, Any]]] = {name: [] for name in LISTS}
        self.groups: dict[int, list[str]] = {}
        self.category_stats: dict[str, dict[str, dict[str, int]]] = {}  # category -> date -> metrics
        self.returned: dict[str, int] = {name: 0 for name in LISTS}  # items handed out per list
        for name in LISTS:
            fake.routes[("GET", f"/v3/suppression/{name}")] = self._list(name)
        fake.routes[("GET", "/v3/asm/groups/{group_id}/suppressions")] = self._group
        fake.routes[("GET", "/v3/categories/stats")] = self._stats

    def add(self, name: str, email: str, *, created: int, **fields: Any) -> None:
        """Put an address on a suppression list (bounces: reason, status; spam_reports: ip; blocks: reason, status)."""
        defaults: dict[str, Any] = {"bounces": {"reason": "550 5.1.1 user unknown", "status": "5.1.1"},
                                    "spam_reports": {"ip": "192.0.2.1"}, "invalid_emails": {"reason": "Mail domain mentioned in email address is unknown"},
                                    "blocks": {"reason": "452 mailbox full", "status": "4.2.2"}}.get(name, {})
        self.lists[name].append({"created": created, "email": email, **defaults, **fields})

    def group(self, group_id: int, emails: list[str]) -> None:
        """Set the suppressions of an unsubscribe group."""
        self.groups[group_id] = list(emails)

    def stats(self, category: str, date: str, **metrics: int) -> None:
        """Figures of a category on a day (YYYY-MM-DD); unnamed metrics are 0."""
        unknown = set(metrics) - set(METRICS)
        if unknown:
            raise ValueError(f"unknown metrics {unknown}")
        self.category_stats.setdefault(category, {})[date] = {m: int(metrics.get(m, 0)) for m in METRICS}

    def _list(self, name: str) -> Any:
        def handle(request: Request) -> Reply:
            from .sendgrid_server import Reply

            query = request.query
            start, end = int(query.get("start_time", 0)), int(query.get("end_time", 2**62))
            items = sorted((i for i in self.lists[name] if start <= i["created"] <= end), key=lambda i: -i["created"])
            offset = int(query.get("offset", 0))
            limit = int(query["limit"]) if "limit" in query else len(items)
            page = items[offset:offset + limit]
            self.returned[name] += len(page)
            return Reply(200, page)

        return handle

    def _group(self, request: Request) -> Reply:
        from .sendgrid_server import Reply, _errors

        group_id = int(request.path.split("/")[4])
        if group_id not in self.groups:
            return Reply(404, _errors("Group not found"))
        return Reply(200, self.groups[group_id])

    def _stats(self, request: Request) -> Reply:
        from .sendgrid_server import Reply, _errors

        query = request.query
        try:
            start = dt.date.fromisoformat(query["start_date"])
            end = dt.date.fromisoformat(query.get("end_date") or dt.date.today().isoformat())
        except ValueError:
            return Reply(400, _errors("dates must be YYYY-MM-DD", field_="start_date"))
        category = query["categories"]
        days = self.category_stats.get(category, {})
        out = [{"date": day, "stats": [{"metrics": metrics, "name": category, "type": "category"}]}
               for day, metrics in sorted(days.items()) if start <= dt.date.fromisoformat(day) <= end]
        return Reply(200, out)
