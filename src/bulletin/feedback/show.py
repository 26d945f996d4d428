"""Terminal output of sync, the suppressed list and the report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from ..suppressions import KINDS, SUPPRESSING
from ..words import count

if TYPE_CHECKING:
    from rich.console import Console

    from ..suppressions import Suppression
    from .report import IssueReport
    from .sync import SyncReport


def print_sync(console: Console, report: SyncReport) -> None:
    """Per kind: fetched, new, stored."""
    table = Table(title=f"Synced with SendGrid at {report.synced} ({report.requests} requests)", title_justify="left")
    for column in ("Kind", "Fetched", "New", "Stored"):
        table.add_column(column, justify="left" if column == "Kind" else "right")
    for kind, result in report.kinds.items():
        gone = f" (-{result.removed:,})" if result.removed else ""
        table.add_row(KINDS[kind], f"{result.fetched:,}", f"{result.new:,}{gone}", f"{report.stored.get(kind, 0):,}")
    console.print(table)
    suppressing = sum(n for kind, n in report.stored.items() if kind in SUPPRESSING)
    console.print(f"These {suppressing:,} entries are never mailed (blocks are temporary and do not count). "
                  "bulletin subscribers suppressed --csv FILE lists them for your member records.")


def print_suppressed(console: Console, rows: list[Suppression], zone: str) -> None:
    """The suppressed addresses as a table."""
    from zoneinfo import ZoneInfo

    from .export import STATUS

    if not rows:
        console.print("Nobody is suppressed at SendGrid (as of the last bulletin sync).")
        return
    console.print(f"[bold]Suppressed at SendGrid: {len(rows):,}[/] (email: status to set in your member records — kind, date, reason)")
    for row in rows:  # lines, not a table: addresses must never be cut or wrapped
        reason = f", {row.reason}" if row.reason else ""
        console.print(f"  {escape(row.email)}: {STATUS[row.kind]} — {KINDS[row.kind]}, "
                      f"{row.when.astimezone(ZoneInfo(zone)).date().isoformat()}{escape(reason)}", overflow="ignore", crop=False)


def print_issue_report(console: Console, report: IssueReport, zone: str = "UTC") -> None:
    """The report: ledger figures, SendGrid's statistics with rates, clicks per section and item."""
    from ..dispatch.schedule.times import local_text, read_stored
    from .report import OPENS_NOTE

    figures, rates = report.figures, report.rates()
    console.print(f"[bold]Report of {escape(report.slug)}[/] (SendGrid category {escape(report.category)})")
    console.print(f"  Ledger: {count(report.dispatches, 'dispatch', 'dispatches')}, {count(report.requests, 'request')}, "
                  f"{count(report.accepted, 'recipient')} accepted by SendGrid" + (f", {report.unknown:,} unknown" if report.unknown else "")
                  + (f"; first sent {local_text(read_stored(report.first_sent), zone)}" if report.first_sent else ""))
    if report.stats_note:
        console.print(f"  [yellow]No statistics:[/] {escape(report.stats_note)}")
    elif "delivered" in figures:
        table = Table(title=f"SendGrid's statistics since {report.stats_from}", title_justify="left")
        table.add_column("")
        table.add_column("Count", justify="right")
        table.add_column("Rate", justify="right")
        labels = {"delivered": "Delivered", "bounces": "Bounced", "blocks": "Blocked", "spam_reports": "Spam reports",
                  "unsubscribes": "Unsubscribed", "opens": "Opens", "unique_opens": "Unique opens", "clicks": "Clicks",
                  "unique_clicks": "Unique clicks"}
        for name, label in labels.items():
            rate = rates.get(f"{name}_rate")
            table.add_row(label, f"{figures.get(name, 0):,}", f"{rate:.1%}" if rate is not None else "–")
        console.print(table)
        console.print("  Rates are against delivered (delivered: against accepted). " + OPENS_NOTE)
    if report.events:
        sections = Table(title="Clicks per section (Event Webhook)", title_justify="left")
        for column in ("Section", "Clicks", "People"):
            sections.add_column(column, justify="left" if column == "Section" else "right")
        for section, (clicks, unique) in report.sections.items():
            sections.add_row(escape(section), f"{clicks:,}", f"{unique:,}")
        console.print(sections)
        items = Table(title="Clicks per item", title_justify="left")
        for column in ("Item", "Section", "Clicks", "People"):
            items.add_column(column, justify="right" if column in ("Clicks", "People") else "left")
        for item in report.items:
            items.add_row(escape(item.title), escape(item.section), f"{item.clicks:,}", f"{item.unique_clicks:,}")
        console.print(items)
        if report.other_clicks:
            console.print(f"  Other links (view in browser, website…): {count(report.other_clicks, 'click')}")
    else:
        console.print("  Clicks per item need the Event Webhook (bulletin webhook; see the README, 'After sending').")
    if report.people is not None:
        if not report.people:
            console.print("  Nobody who received it was suppressed since (as of the last bulletin sync or webhook event).")
        for kind, emails in report.people.items():
            console.print(f"  {KINDS[kind]}: {', '.join(escape(e) for e in emails)}", overflow="ignore", crop=False)
