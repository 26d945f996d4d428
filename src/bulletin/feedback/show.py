"""Terminal output of sync, the suppressed list and the report."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from ..suppressions import KINDS, SUPPRESSING

if TYPE_CHECKING:
    from rich.console import Console

    from ..suppressions import Suppression
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
