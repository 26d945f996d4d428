"""Terminal output of sending: the plan, progress (Rich bar on a terminal, plain lines in CI), summaries."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from rich.markup import escape
from rich.table import Table

from ..audience import BLANK, NO_COLUMN, SENDGRID
from ..languages import is_tag
from ..model import MERGE_ALTERNATIVES
from ..suppressions import kind_counts
from ..words import count
from .plan import SKIP_REASONS, duration_text
from .schedule.times import CANCEL_CUTOFF, HANDOVER, local_text, read_stored

if TYPE_CHECKING:
    from rich.console import Console

    from ..audience import AudienceReport
    from .deliver import Progress, SendReport
    from .plan import SendPlan

MAX_ROWS_SHOWN = 50  # bad rows printed before "... and N more"


def n(value: int) -> str:
    """1234567 -> '1,234,567'."""
    return f"{value:,}"


def print_plan(console: Console, plan: SendPlan, *, say: Callable[[str], str] = str) -> None:
    """The send plan, as shown by --dry-run and before confirmation."""
    console.print(f"[bold]Send plan[/] for {escape(plan.issue)}: {escape(plan.subject)}")
    for lang, subject in list(plan.subjects.items())[1:]:
        console.print(f"  Subject in {lang}: {escape(subject)}")
    if plan.test:
        console.print(f"  Test send to {', '.join(plan.test)} (subject starts with [TEST])")
    else:
        console.print(f"  List: [bold]{escape(str(plan.list_name))}[/] in {escape(plan.subscribers)}")
    console.print(f"  Transport: {escape(plan.transport)}")
    if plan.send_at:
        safe = "; safe: after a crash the whole batch is cancelled and sent again" if plan.safe else ""
        console.print(f"  When: [bold]{escape(scheduled_time(plan))}[/]{safe}")
    for note in plan.notes:
        console.print(f"  [yellow]Note:[/] {escape(say(note))}")
    if plan.resume:
        r = plan.resume
        console.print(f"  Resuming dispatch {r.dispatch} of {when(r.created)}: {count(r.accepted[1], 'recipient')} already accepted "
                      f"in {count(r.accepted[0], 'request')}")
        if r.dropped:
            console.print(f"  {n(r.dropped)} not yet mailed have unsubscribed, bounced or left the list since: they are left out")
        if r.added:
            console.print(f"  {n(r.added)} joined the list since: they are added")
        if r.unknown:
            what = {"resend": ": to be sent again (--resend-unknown)", "skip": ": to be skipped (--skip-unknown)",
                    None: ": left alone; add --resend-unknown or --skip-unknown"}[r.unknown_action]
            console.print(f"  [yellow]{count(len(r.unknown), 'request')} with unknown outcome ({n(sum(b.size for b in r.unknown))} "
                          f"recipients; batches {', '.join(str(b.seq) for b in r.unknown)}){what}[/]")
    if plan.state == "already sent" or plan.state == "scheduled":
        return
    label = "To send now" if plan.resume else "Recipients"
    console.print(f"  {label}: [bold]{n(plan.recipients)}[/] in {count(plan.requests, 'request')}"
                  f" (at most 1,000 each); estimated time: {duration_text(plan.seconds)}")
    if plan.editions:
        console.print(f"  Editions: {escape(editions_text(plan))}")
    skipped = [f"{n(plan.skipped[r])} {r}" + (f" ({kind_counts(plan.suppressed)})" if r == SENDGRID and plan.suppressed else "")
               for r in SKIP_REASONS if plan.skipped.get(r)]
    if skipped:
        console.print(f"  Not mailed: {', '.join(skipped)}")
    console.print(f"  HTML {plan.html_bytes / 1024:.1f} KB, text {plan.text_bytes / 1024:.1f} KB")
    for name in plan.missing_fields:
        nor = "".join(f" (nor '{other}')" for other in MERGE_ALTERNATIVES.get(name, ()))
        console.print(f"  [yellow]Merge field '{name}' has no column{nor} in {escape(plan.subscribers)}: everyone gets the fallback[/]")
    _problems(console, [str(p) for p in plan.problems], "Rows not mailed")
    if plan.test:
        print_findings(console, plan)
        return
    for warning in plan.warnings:
        console.print(f"  [yellow]Warning:[/] {escape(warning)}")
    for error in plan.errors:
        console.print(f"  [red]Blocks sending:[/] {escape(error)}")


def editions_text(plan: SendPlan) -> str:
    """Who gets which edition: '1,204 en, 388 fr, 97 it (12 fell back to en: 9 blank, 3 de)'."""
    return edition_counts(plan.editions, plan.fell_back)


def edition_counts(editions: Mapping[str, int], fell_back: Mapping[str, int], default: str | None = None) -> str:
    """'1,204 en, 388 fr, 97 it (12 fell back to en: 9 blank, 3 de)' (``default``: the default language)."""
    text = ", ".join(f"{n(people)} {lang}" for lang, people in editions.items())
    if fell_back:
        default = default or next(iter(editions))
        why = ", ".join(f"{n(people)} {reason if is_tag(reason) or reason in (BLANK, NO_COLUMN) else repr(reason)}"
                        for reason, people in fell_back.items())
        text += f" ({n(sum(fell_back.values()))} fell back to {default}: {why})"
    return text


def print_findings(console: Console, plan: SendPlan) -> None:
    """A test send's findings, as bulletin check shows them: errors (a real send refuses) first, then warnings."""
    if not plan.errors and not plan.warnings:
        return
    refuses = "; a real send refuses until the errors are fixed, a test is sent all the same" if plan.errors else ""
    console.print(f"  Checks: {count(len(plan.errors), 'error')}, {count(len(plan.warnings), 'warning')}{refuses}")
    for error in plan.errors:
        console.print(f"    [bold red]✗ error[/]   {escape(error)}")
    for warning in plan.warnings:
        console.print(f"    [yellow]! warning[/] {escape(warning)}")


def _problems(console: Console, lines: list[str], title: str) -> None:
    if not lines:
        return
    console.print(f"  {title}:")
    for line in lines[:MAX_ROWS_SHOWN]:
        console.print(f"    {escape(line)}")
    if len(lines) > MAX_ROWS_SHOWN:
        console.print(f"    ... and {n(len(lines) - MAX_ROWS_SHOWN)} more")


def scheduled_time(plan: SendPlan, delta: Any = None) -> str:
    """A plan's send time (shifted by ``delta``), in its zone and UTC."""
    assert plan.send_at is not None
    when = read_stored(plan.send_at)
    return local_text(when + delta if delta is not None else when, plan.timezone or "UTC")


def _scheduled_report(console: Console, report: SendReport) -> bool:
    """The summary of a scheduled send; False when the report is not about one."""
    plan, outcome = report.plan, report.outcome
    if not plan.send_at or outcome not in ("scheduled", "handed over", "already scheduled", "already handed over", "cancelled", "taken"):
        return False
    who = f"dispatch {report.dispatch} of {escape(plan.issue)} to '{escape(str(plan.list_name))}'"
    target = "SendGrid" if report.transport.startswith("SendGrid") else "the outbox"
    cancel = f"bulletin cancel issues/{plan.slug}.yaml --list {plan.list_name}"
    if outcome in ("scheduled", "already scheduled"):
        console.print(f"{'Scheduled' if outcome == 'scheduled' else 'Already scheduled:'} {who}: {count(plan.recipients, 'recipient')}, "
                      f"for {escape(scheduled_time(plan))}.")
        console.print(f"It waits in the ledger. 'bulletin dispatch-due' hands it over to {target} from {escape(scheduled_time(plan, -HANDOVER))}: "
                      "run it every few minutes from cron or a systemd timer, or keep 'bulletin scheduler' running.")
        console.print(f"To cancel it: {cancel}")
    elif outcome in ("handed over", "already handed over"):
        requests, recipients = report.accepted
        if outcome == "handed over":
            console.print(f"Handed over {who} to {escape(report.transport)}: {count(recipients, 'recipient')} in {count(requests, 'request')}. "
                          f"It goes out {escape(scheduled_time(plan))}.")
        else:
            console.print(f"Already handed over to {target}: {who} goes {escape(scheduled_time(plan))}. Nothing was sent now.")
        console.print(f"To cancel it (until {escape(scheduled_time(plan, -CANCEL_CUTOFF))}): {cancel}")
    else:
        console.print(f"Not sent: {who} was {'cancelled' if outcome == 'cancelled' else 'taken by another bulletin run'} meanwhile.")
    return True


def print_report(console: Console, report: SendReport) -> None:
    """The final summary of a send."""
    plan = report.plan
    if _scheduled_report(console, report) and not (report.unknown or report.failed):
        return
    if report.outcome == "already sent":
        accepted = plan.resume.accepted if plan.resume else (0, 0)
        console.print(f"Already sent: dispatch {report.dispatch} of {escape(plan.issue)} to '{escape(str(plan.list_name))}' "
                      f"is complete ({count(accepted[1], 'recipient')}). Nothing was sent.")
        return
    if report.outcome == "declined":
        console.print("Not sent: nothing was written or sent.")
        return
    if report.outcome == "dry run":
        console.print("Dry run: nothing was written or sent.")
        return
    requests, recipients = report.accepted
    if report.outcome == "handed over":
        pass  # said above
    elif plan.resume and not plan.requests:
        console.print(f"Nothing left to send in dispatch {report.dispatch}.")
    else:
        verb = "Wrote" if report.transport.startswith("outbox") else "Sent"
        what = "test message" if plan.test else "dispatch"
        console.print(f"{verb} {what} {report.dispatch}: {count(recipients, 'recipient')} in {count(requests, 'request')} "
                      f"in {report.seconds:.1f} s through {escape(report.transport)}.")
    for batch in report.failed:
        console.print(f"  [red]Batch {batch.seq} ({count(batch.size, 'recipient')}) failed:[/] {escape(batch.error or '')}")
    if report.unknown:
        console.print(f"[yellow]{count(len(report.unknown), 'request')} got no answer, so whether "
                      f"SendGrid accepted {'them' if len(report.unknown) != 1 else 'it'} is unknown:[/]")
        for batch in report.unknown:
            console.print(f"  batch {batch.seq}: {count(batch.size, 'recipient')} ({escape(batch.error or 'no answer')})")
        if plan.send_at and plan.safe:
            console.print("This is a safe scheduled send: the next 'bulletin dispatch-due' (or this command again) cancels "
                          "its SendGrid batch and sends it all again under a new one, so nobody gets it twice.")
        else:
            console.print("Look them up in SendGrid's Activity Feed (custom argument bulletin_batch). Then run the same command "
                          "with --resend-unknown (they may get it twice) or --skip-unknown (they may miss it).")


def when(stamp: str, zone: str = "UTC") -> str:
    """A stored instant as 'Mon 2021-07-05 09:00 CEST (Europe/Brussels), 07:00 UTC' ('… UTC' alone for UTC)."""
    return local_text(read_stored(stamp), zone)


def print_status(console: Console, rows: list[dict[str, Any]]) -> None:
    """The dispatches in the ledger, one block each (readable at any terminal width)."""
    if not rows:
        console.print("No dispatches yet.")
        return
    by_id = {row["dispatch"]: row for row in rows}
    for row in rows:
        batches = row["batches"]
        who = "test send" if row["kind"] == "test" else f"to '{escape(row['list'])}'"
        console.print(f"[bold]Dispatch {row['dispatch']}[/]: {escape(row['issue'])} {who} via {row['transport']}, "
                      f"created {when(row['created'], row['timezone'])}: [bold]{row['state']}[/]")
        if row.get("send_at"):
            batch = f", batch {row['batch_id']}" if row.get("batch_id") else ""
            console.print(f"  scheduled for {when(row['send_at'], row['timezone'])}{batch}")
        parts = []
        for state in ("accepted", "pending", "sending", "unknown", "failed", "skipped", "cancelled", "superseded"):
            if state in batches:
                tally = batches[state]
                word = "not sent" if state in ("cancelled", "superseded") else state
                parts.append(f"{n(tally['recipients'])} {word} ({count(tally['requests'], 'request')})")
        why = _not_sent_because(row, by_id.get(row["superseded_by"]))
        if why and "accepted" not in batches:  # nothing of it went out: say so, and why
            parts = [f"none sent: {why}"]
        elif why:
            parts.append(why)
        console.print(f"  {count(row['recipients'], 'recipient')}: {', '.join(parts) or 'none'}")
        if row.get("editions"):
            console.print(f"  accepted per edition: {', '.join(f'{n(people)} {lang}' for lang, people in row['editions'].items())}")
        for item in row["attention"]:
            console.print(f"  batch {item['batch']} ({count(item['recipients'], 'recipient')}) {item['state']}: {escape(item['error'] or '')}")


def _not_sent_because(row: dict[str, Any], replacement: dict[str, Any] | None) -> str:
    """Why a superseded or cancelled dispatch sends nothing more ('' for any other)."""
    if row["state"] == "cancelled":
        return "cancelled"
    if row["state"] != "superseded":
        return ""
    reason = ""
    if replacement is not None:
        reason = (" (the issue changed)" if replacement["content_hash"] != row["content_hash"]
                  else " (a new time)" if replacement["send_at"] != row["send_at"] else "")
    return f"replaced by dispatch {row['superseded_by']}{reason}" if row["superseded_by"] else "replaced"


def print_subscribers(console: Console, report: AudienceReport, languages: Sequence[str] = ()) -> None:
    """Counts per list and status, then every bad row."""
    delimiter = {"\t": "tab", ",": "comma", ";": "semicolon"}[report.delimiter]
    console.print(f"[bold]{escape(report.path)}[/]: {count(report.rows, 'row')}, columns {', '.join(c for c in report.columns if c)} ({delimiter}-separated)")
    table = Table(title="Rows per list and status", title_justify="left")
    for column in ("List", "Subscribed", "Unsubscribed", "Bounced"):
        table.add_column(column, justify="left" if column == "List" else "right")
    for name in sorted(report.lists, key=str.casefold):
        counts = report.lists[name]
        table.add_row(escape(name), n(counts["subscribed"]), n(counts["unsubscribed"]), n(counts["bounced"]))
    table.add_row("[bold]All rows[/]", *(n(report.statuses[s]) for s in ("subscribed", "unsubscribed", "bounced")))
    console.print(table)
    invalid, dupes = report.skipped.get("invalid", 0), report.skipped.get("duplicate", 0)
    console.print(f"Would be mailed once each: {count(report.recipients, 'address', 'addresses')}; invalid rows: {n(invalid)}; duplicates: {n(dupes)}")
    if report.editions:
        console.print(f"Editions: {escape(edition_counts(report.editions, report.fell_back, languages[0] if languages else None))}")
    if report.sendgrid:
        console.print(f"Not mailed, suppressed at SendGrid: {count(sum(report.sendgrid.values()), 'address', 'addresses')} "
                      f"({kind_counts(report.sendgrid)}); bulletin subscribers suppressed lists them")
    _problems(console, [str(p) for p in report.problems()], "Rows not mailed because of a problem")


class ProgressView:
    """Progress events as a Rich bar (terminal) or plain lines (CI, at most one per 5% or 10 s)."""

    def __init__(self, console: Console, *, live: bool) -> None:
        self.console, self.live = console, live
        self._bar: Any = None
        self._task: Any = None
        self._last = (0.0, -1)

    def close(self) -> None:
        """Stop the bar if a run ended without its 'done' event (an error, Ctrl-C)."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None

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
                         requests=f"{n(event.requests_done)}/{count(event.requests_total, 'request')}",
                         rate=f"{event.recipients_done / elapsed:,.0f}/s")
        if event.kind in ("wait", "unknown"):
            self._bar.console.print(f"[yellow]{escape(event.message)}[/]")
        if event.kind == "done":
            self._bar.stop()

    def _plain(self, event: Progress) -> None:
        if event.kind == "start":
            if not event.requests_total:
                return
            self.console.print(f"Sending {count(event.recipients_total, 'recipient')} in {count(event.requests_total, 'request')}")
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
            self.console.print(f"  {n(event.requests_done)}/{count(event.requests_total, 'request')}, "
                               f"{n(event.recipients_done)}/{count(event.recipients_total, 'recipient')}")


def print_upcoming(console: Console, rows: list[dict[str, Any]]) -> None:
    """bulletin schedule list: one block per scheduled dispatch."""
    if not rows:
        console.print("Nothing scheduled.")
        return
    for row in rows:
        console.print(f"[bold]{escape(row['local'])}[/]: {escape(row['issue'])} to '{escape(str(row['list']))}', "
                      f"{count(row['recipients'], 'recipient')} (dispatch {row['dispatch']}, "
                      f"{_UPCOMING.get(row['state'], row['state'])}{', safe' if row['safe'] else ''})")
        console.print(f"  {escape(row['status'])}")


# a scheduled dispatch's ledger state in words: "done" means handed over, not sent
_UPCOMING = {"scheduled": "waiting", "done": "handed over", "handing_over": "being handed over"}


def print_due(console: Console, report: Any, *, quiet: bool, say: Callable[[str], str] = str) -> None:
    """bulletin dispatch-due: what was handed over, what needs attention; with ``quiet`` nothing when nothing happened
    (``say``: how notes name the inputs, see ``errors.Phrase``)."""
    for done in report.handed:
        plan = done.plan
        what = f"dispatch {done.dispatch} of '{escape(plan.slug)}' to '{escape(str(plan.list_name))}'"
        if done.outcome == "handed over":
            console.print(f"Handed over {what}: {count(done.accepted[1], 'recipient')} in {count(done.accepted[0], 'request')}; "
                          f"it goes out {escape(scheduled_time(plan))}.")
        elif done.outcome == "sent":  # people another list's dispatch let go (see the note)
            console.print(f"Sent {what}: {done.accepted[1]:,} more {'recipient' if done.accepted[1] == 1 else 'recipients'} "
                          f"in {count(done.accepted[0], 'request')}.")
        elif done.outcome not in ("incomplete",):
            console.print(f"{what}: {done.outcome}")
        for note in plan.notes:
            console.print(f"  Note: {escape(say(note))}")
    if report.busy and not quiet:
        console.print("Another bulletin is sending in this project: it hands over what is due (or the next run does).")
    if not report.handed and not report.problems and not report.busy and not quiet:
        if not report.waiting:
            console.print("Nothing scheduled.")
            return
        upcoming = f"; the next hand-over is from {escape(local_text(read_stored(report.next_handover), report.timezone))}" if report.next_handover else ""
        console.print(f"Nothing due ({report.waiting} scheduled for later{upcoming}).")
