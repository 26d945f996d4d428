"""Terminal output of sending: the plan, progress (Rich bar on a terminal, plain lines in CI), summaries."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

from .plan import SKIP_REASONS, duration_text

if TYPE_CHECKING:
    from rich.console import Console

    from ..audience import AudienceReport
    from .deliver import Progress, SendReport
    from .plan import SendPlan

MAX_ROWS_SHOWN = 50  # bad rows printed before "... and N more"


def n(value: int) -> str:
    """1234567 -> '1,234,567'."""
    return f"{value:,}"


def print_plan(console: Console, plan: SendPlan) -> None:
    """The send plan, as shown by --dry-run and before confirmation."""
    console.print(f"[bold]Send plan[/] for {escape(plan.issue)}: {escape(plan.subject)}")
    if plan.test:
        console.print(f"  Test send to {', '.join(plan.test)} (subject starts with [TEST])")
    else:
        console.print(f"  List: [bold]{escape(str(plan.list_name))}[/] in {escape(plan.subscribers)}")
    console.print(f"  Transport: {escape(plan.transport)}")
    if plan.resume:
        r = plan.resume
        console.print(f"  Resuming dispatch {r.dispatch} of {when(r.created)}: {n(r.accepted[1])} recipients already accepted "
                      f"in {n(r.accepted[0])} request{'s' if r.accepted[0] != 1 else ''}")
        if r.dropped:
            console.print(f"  {n(r.dropped)} not yet mailed have unsubscribed, bounced or left the list since: they are left out")
        if r.added:
            console.print(f"  {n(r.added)} joined the list since: they are added")
        if r.unknown:
            what = {"resend": ": to be sent again (--resend-unknown)", "skip": ": to be skipped (--skip-unknown)",
                    None: ": left alone; add --resend-unknown or --skip-unknown"}[r.unknown_action]
            console.print(f"  [yellow]{len(r.unknown)} request{'s' if len(r.unknown) != 1 else ''} with unknown outcome ({n(sum(b.size for b in r.unknown))} "
                          f"recipients; batches {', '.join(str(b.seq) for b in r.unknown)}){what}[/]")
    if plan.state == "already sent":
        return
    label = "To send now" if plan.resume else "Recipients"
    console.print(f"  {label}: [bold]{n(plan.recipients)}[/] in {n(plan.requests)} request{'s' if plan.requests != 1 else ''}"
                  f" (at most 1,000 each); estimated time: {duration_text(plan.seconds)}")
    skipped = [f"{n(plan.skipped[r])} {r}" for r in SKIP_REASONS if plan.skipped.get(r)]
    if skipped:
        console.print(f"  Not mailed: {', '.join(skipped)}")
    console.print(f"  HTML {plan.html_bytes / 1024:.1f} KB, text {plan.text_bytes / 1024:.1f} KB")
    for name in plan.missing_fields:
        console.print(f"  [yellow]Merge field '{name}' has no column in {escape(plan.subscribers)}: everyone gets the fallback[/]")
    _problems(console, [str(p) for p in plan.problems], "Rows not mailed")
    for warning in plan.warnings:
        console.print(f"  [yellow]Warning:[/] {escape(warning)}")
    for error in plan.errors:
        console.print(f"  [red]Blocks sending:[/] {escape(error)}")


def _problems(console: Console, lines: list[str], title: str) -> None:
    if not lines:
        return
    console.print(f"  {title}:")
    for line in lines[:MAX_ROWS_SHOWN]:
        console.print(f"    {escape(line)}")
    if len(lines) > MAX_ROWS_SHOWN:
        console.print(f"    ... and {n(len(lines) - MAX_ROWS_SHOWN)} more")


def print_report(console: Console, report: SendReport) -> None:
    """The final summary of a send."""
    plan = report.plan
    if report.outcome == "already sent":
        accepted = plan.resume.accepted if plan.resume else (0, 0)
        console.print(f"Already sent: dispatch {report.dispatch} of {escape(plan.issue)} to '{escape(str(plan.list_name))}' "
                      f"is complete ({n(accepted[1])} recipients). Nothing was sent.")
        return
    if report.outcome == "declined":
        console.print("Not sent: nothing was written or sent.")
        return
    if report.outcome == "dry run":
        console.print("Dry run: nothing was written or sent.")
        return
    requests, recipients = report.accepted
    if plan.resume and not plan.requests:
        console.print(f"Nothing left to send in dispatch {report.dispatch}.")
    else:
        verb = "Wrote" if report.transport.startswith("outbox") else "Sent"
        what = "test message" if plan.test else "dispatch"
        console.print(f"{verb} {what} {report.dispatch}: {n(recipients)} recipients in {n(requests)} "
                      f"request{'s' if requests != 1 else ''} in {report.seconds:.1f} s through {escape(report.transport)}.")
    for batch in report.failed:
        console.print(f"  [red]Batch {batch.seq} ({n(batch.size)} recipients) failed:[/] {escape(batch.error or '')}")
    if report.unknown:
        console.print(f"[yellow]{len(report.unknown)} request{'s' if len(report.unknown) != 1 else ''} got no answer, so whether "
                      f"SendGrid accepted {'them' if len(report.unknown) != 1 else 'it'} is unknown:[/]")
        for batch in report.unknown:
            console.print(f"  batch {batch.seq}: {n(batch.size)} recipients ({escape(batch.error or 'no answer')})")
        console.print("Look them up in SendGrid's Activity Feed (custom argument bulletin_batch). Then run the same command "
                      "with --resend-unknown (they may get it twice) or --skip-unknown (they may miss it).")


def when(stamp: str) -> str:
    """'2021-07-05T09:00:00+00:00' -> '2021-07-05 09:00 UTC'."""
    return stamp.replace("T", " ")[:16] + " UTC"


def print_status(console: Console, rows: list[dict[str, Any]]) -> None:
    """The dispatches in the ledger, one block each (readable at any terminal width)."""
    if not rows:
        console.print("No dispatches yet.")
        return
    for row in rows:
        batches = row["batches"]
        who = "test send" if row["kind"] == "test" else f"to '{escape(row['list'])}'"
        console.print(f"[bold]Dispatch {row['dispatch']}[/]: {escape(row['issue'])} {who} via {row['transport']}, "
                      f"created {when(row['created'])}: [bold]{row['state']}[/]")
        parts = []
        for state in ("accepted", "pending", "sending", "unknown", "failed", "skipped"):
            if state in batches:
                count = batches[state]
                parts.append(f"{n(count['recipients'])} {state} ({n(count['requests'])} request{'s' if count['requests'] != 1 else ''})")
        console.print(f"  {n(row['recipients'])} recipients: {', '.join(parts) or 'none'}")
        if row["superseded_by"]:
            console.print(f"  replaced by dispatch {row['superseded_by']} (the issue changed)")
        for item in row["attention"]:
            console.print(f"  batch {item['batch']} ({n(item['recipients'])} recipients) {item['state']}: {escape(item['error'] or '')}")


def print_subscribers(console: Console, report: AudienceReport) -> None:
    """Counts per list and status, then every bad row."""
    delimiter = {"\t": "tab", ",": "comma", ";": "semicolon"}[report.delimiter]
    console.print(f"[bold]{escape(report.path)}[/]: {n(report.rows)} rows, columns {', '.join(report.columns)} ({delimiter}-separated)")
    table = Table(title="Lists", title_justify="left")
    for column in ("List", "Subscribed", "Unsubscribed", "Bounced"):
        table.add_column(column, justify="left" if column == "List" else "right")
    for name in sorted(report.lists, key=str.casefold):
        counts = report.lists[name]
        table.add_row(escape(name), n(counts["subscribed"]), n(counts["unsubscribed"]), n(counts["bounced"]))
    table.add_row("[bold]All rows[/]", *(n(report.statuses[s]) for s in ("subscribed", "unsubscribed", "bounced")))
    console.print(table)
    invalid, dupes = report.skipped.get("invalid", 0), report.skipped.get("duplicate", 0)
    console.print(f"Would be mailed once each: {n(report.recipients)} addresses; invalid rows: {n(invalid)}; duplicates: {n(dupes)}")
    _problems(console, [str(p) for p in report.problems()], "Rows that are never mailed")


class ProgressView:
    """Progress events as a Rich bar (terminal) or plain lines (CI, at most one per 5% or 10 s)."""

    def __init__(self, console: Console, *, live: bool) -> None:
        self.console, self.live = console, live
        self._bar: Any = None
        self._task: Any = None
        self._last = (0.0, -1)

    def __call__(self, event: Progress) -> None:
        if self.live:
            self._live(event)
        else:
            self._plain(event)

    def _live(self, event: Progress) -> None:
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        if event.kind == "start":
            if not event.requests_total:
                return
            self._bar = Progress(
                TextColumn("Sending"), BarColumn(), MofNCompleteColumn(), TextColumn("recipients"),
                TextColumn("{task.fields[requests]}"), TextColumn("{task.fields[rate]}"), TimeRemainingColumn(),
                console=self.console, transient=True,
            )
            self._bar.start()
            self._task = self._bar.add_task("send", total=event.recipients_total, requests="", rate="")
            self._started = time.monotonic()
            return
        if self._bar is None:
            return
        elapsed = max(time.monotonic() - self._started, 1e-6)
        self._bar.update(self._task, completed=event.recipients_done,
                         requests=f"{event.requests_done}/{event.requests_total} requests",
                         rate=f"{event.recipients_done / elapsed:,.0f}/s")
        if event.kind in ("wait", "unknown"):
            self._bar.console.print(f"[yellow]{escape(event.message)}[/]")
        if event.kind == "done":
            self._bar.stop()

    def _plain(self, event: Progress) -> None:
        if event.kind == "start":
            if not event.requests_total:
                return
            plural = "s" if event.requests_total != 1 else ""
            self.console.print(f"Sending {n(event.recipients_total)} recipients in {n(event.requests_total)} request{plural}")
            self._last = (time.monotonic(), 0)
            return
        if event.kind in ("wait", "unknown"):
            self.console.print(event.message)
            return
        if event.kind != "sent" or not event.recipients_total:
            return
        step = event.recipients_done * 20 // event.recipients_total  # 5% steps
        now = time.monotonic()
        if step != self._last[1] or now - self._last[0] >= 10 or event.requests_total <= 20:
            self._last = (now, step)
            self.console.print(f"  {n(event.requests_done)}/{n(event.requests_total)} requests, "
                               f"{n(event.recipients_done)}/{n(event.recipients_total)} recipients")
