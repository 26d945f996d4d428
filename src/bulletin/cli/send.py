"""Commands that send an issue and follow it: send, status, schedule list, cancel, dispatch-due and scheduler."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..errors import BulletinError
from ..words import count
from . import terminal
from .base import error_text, flagged, handle_errors, main


@main.command("send")
@click.argument("issue", type=click.Path(dir_okay=False))
@click.option("--list", "list_name", metavar="NAME", default=None, help="Send to the subscribers on this list.")
@click.option("--test", "tests", metavar="ADDRESS", multiple=True, help="Send a test to this address (repeatable); subject starts with [TEST].")
@click.option("--lang", metavar="LANG", default=None,
              help="With --test: send this language's edition (default: a subscriber's own language, else the first of languages:).")
@click.option("--dry-run", is_flag=True, help="Show the send plan; write and send nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (needed when not run from a terminal).")
@click.option("--subscribers", type=click.Path(dir_okay=False), default=None, help="Subscribers CSV (default: 'subscribers:' in bulletin.yaml).")
@click.option("--resend-unknown", is_flag=True, help="Send again the requests whose outcome is unknown (their recipients may get it twice).")
@click.option("--skip-unknown", is_flag=True, help="Give up on the requests whose outcome is unknown (their recipients may miss it).")
@click.option("--new-dispatch", is_flag=True, help="The issue changed since it was sent to this list: send the new version to the whole list.")
@click.option("--force", is_flag=True, help="Send even though pre-send checks found errors.")
@click.option("--at", "at", metavar="TIME", default=None, help='Send at this time, e.g. "2021-07-05 09:00" (in bulletin.yaml\'s timezone, or --tz).')
@click.option("--tz", metavar="ZONE", default=None, help="The time zone of --at, e.g. Europe/Brussels (default: timezone in bulletin.yaml, else UTC).")
@click.option("--safe/--no-safe", default=None,
              help="After a crash, cancel the whole SendGrid batch and send it again: nobody twice (default with --at). "
                   "Without --at: send 15 minutes from now, safely.")
@handle_errors
def send_cmd(issue: str, list_name: str | None, tests: tuple[str, ...], dry_run: bool, yes: bool, subscribers: str | None,
             resend_unknown: bool, skip_unknown: bool, new_dispatch: bool, force: bool, at: str | None, tz: str | None,
             safe: bool | None, lang: str | None) -> None:
    """Send ISSUE: a test (--test), the plan (--dry-run), or the real thing to a list (--list), now or --at a time."""
    from ..dispatch.planner import SendOptions
    from ..dispatch.run import send
    from ..dispatch.schedule.times import clock_from_env
    from ..dispatch.show import ProgressView, print_findings, print_plan, print_report, scheduled_time

    if resend_unknown and skip_unknown:
        raise BulletinError("use either --resend-unknown or --skip-unknown, not both")
    if tests and list_name:
        raise BulletinError("use either --test ADDRESS or --list NAME, not both")
    if not tests and not list_name:
        raise BulletinError("say who gets it: --list NAME (a list in the subscribers file) or --test ADDRESS")
    if tests and (at is not None or safe):
        raise BulletinError("--at and --safe are for sends to a list; a test goes right away")
    if tz is not None and at is None:
        raise BulletinError("--tz says which time zone --at is in: give --at too")
    if lang is not None and not tests:
        raise BulletinError("--lang chooses the edition of a test (--test ADDRESS); --list gives each subscriber the edition in their language")
    options = SendOptions(dry_run=dry_run, unknown="resend" if resend_unknown else "skip" if skip_unknown else None,
                          new_dispatch=new_dispatch, force=force, at=at, tz=tz, safe=safe, subscribers=subscribers, lang=lang)

    out, err = terminal.console(), terminal.console(stderr=True)

    shown = []  # the plan is printed once: before sending when there is something to send, else after

    def confirm(plan: Any) -> bool:
        if yes:
            print_plan(out, plan, say=flagged)
            shown.append(plan)
            return True
        if not terminal.interactive():  # asked only once the inputs are known to be right: their mistakes come first
            raise BulletinError("not asking for confirmation without a terminal: check the plan with --dry-run, then add --yes to send")
        print_plan(out, plan, say=flagged)
        shown.append(plan)
        question = f"Schedule it for {scheduled_time(plan)} to {count(plan.recipients, 'recipient')}?" if plan.send_at else \
            f"Send to {count(plan.recipients, 'recipient')} now?"
        try:
            return click.confirm(question, default=False)
        except click.Abort:  # Ctrl-C or end of input: a no
            return False

    progress = ProgressView(err, live=terminal.live_progress())
    try:
        report = send(issue, list_name=list_name, test=list(tests) or None, options=options, confirm=confirm,
                      progress=progress, clock=clock_from_env())
    finally:
        progress.close()  # an error or Ctrl-C mid-send: the bar goes and the terminal gets its cursor back
    if not shown and (dry_run or yes) and report.outcome != "already sent":
        print_plan(out, report.plan, say=flagged)
    elif tests and not shown:  # staff test to review: what check finds comes first
        print_findings(out, report.plan)
    print_report(out, report)
    if report.unknown or report.failed:
        sys.exit(1)


@main.command("status")
@click.argument("issue", required=False, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def status_cmd(issue: str | None, as_json: bool) -> None:
    """Dispatches in the ledger (of ISSUE): recipients accepted, pending, unknown, failed."""
    from ..config import load_project
    from ..dispatch.record import lost_dispatches
    from ..dispatch.schedule.times import clock_from_env
    from ..dispatch.show import print_status
    from ..dispatch.status import status

    rows = status(issue)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        print_status(terminal.console(), rows)
    for lost in lost_dispatches(load_project(issue), clock_from_env()):
        click.echo(f"Warning: {flagged(lost)}", err=True)


@main.group("schedule")
def schedule_group() -> None:
    """Scheduled dispatches (bulletin send ... --at TIME)."""


@schedule_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def schedule_list_cmd(as_json: bool) -> None:
    """Upcoming dispatches: when (local and UTC), issue, list, recipients, state."""
    from ..dispatch.schedule import upcoming
    from ..dispatch.schedule.times import clock_from_env
    from ..dispatch.show import print_upcoming

    rows = [{**row, "status": flagged(row["status"])} for row in upcoming(clock=clock_from_env())]
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        print_upcoming(terminal.console(), rows)


@main.command("cancel")
@click.argument("issue", type=click.Path(dir_okay=False))
@click.option("--list", "list_name", metavar="NAME", default=None, help="The list it is scheduled to (needed when there are several).")
@handle_errors
def cancel_cmd(issue: str, list_name: str | None) -> None:
    """Cancel the scheduled send of ISSUE (up to 10 minutes before its time)."""
    from ..dispatch.schedule import cancel
    from ..dispatch.schedule.times import clock_from_env

    done = cancel(issue, list_name=list_name, clock=clock_from_env())
    target = "SendGrid" if done.transport == "sendgrid" else f"the {done.transport}"
    if not done.at_sendgrid:
        where = f"it had not been handed over to {target} yet"
    elif done.transport == "sendgrid":
        where = "its SendGrid batch is cancelled"
    else:
        where = f"its batch in {target} is cancelled" + (f" ({done.marked} is marked CANCELLED.txt)" if done.marked else "")
    click.echo(f"Cancelled dispatch {done.dispatch} of {issue} to '{done.list_name}' ({count(done.recipients, 'recipient')}, "
               f"for {done.local}): {where}. Nobody gets it.")


@main.command("dispatch-due")
@click.option("--quiet", "-q", is_flag=True, help="Say nothing when nothing is due (for cron).")
@handle_errors
def dispatch_due_cmd(quiet: bool) -> None:
    """Hand over to SendGrid every scheduled dispatch that is due (run it every few minutes from cron or a timer)."""
    from ..dispatch.schedule import dispatch_due
    from ..dispatch.schedule.times import clock_from_env
    from ..dispatch.show import print_due

    report = dispatch_due(clock=clock_from_env())
    print_due(terminal.console(), report, quiet=quiet, say=flagged)
    for problem in report.problems:
        click.echo(f"Error: {error_text(problem)}", err=True)
    if report.problems:
        sys.exit(1)


@main.command("scheduler")
@click.option("--interval", type=click.FloatRange(min=0.05), default=60.0, show_default=True, help="Seconds between runs.")
@handle_errors
def scheduler_cmd(interval: float) -> None:
    """Run dispatch-due every --interval seconds until stopped (Ctrl+C or SIGTERM)."""
    import signal
    import threading

    from ..dispatch.schedule import dispatch_due, run_scheduler
    from ..dispatch.schedule.times import clock_from_env
    from ..dispatch.show import print_due

    stop = threading.Event()
    console = terminal.console()

    def on_signal(number: int, frame: object) -> None:
        if not stop.is_set():
            click.echo("Stopping after the current run (again to stop at once)...", err=True)
            stop.set()
            signal.signal(number, signal.SIG_DFL if number == signal.SIGTERM else signal.default_int_handler)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def each() -> None:
        report = dispatch_due(clock=clock_from_env())
        print_due(console, report, quiet=True, say=flagged)
        for problem in report.problems:
            click.echo(f"Error: {error_text(problem)}", err=True)

    click.echo(f"Handing over scheduled dispatches every {interval:g} s; Ctrl+C or SIGTERM stops.", err=True)
    run_scheduler(interval=interval, stop=stop, each=each, log=lambda line: click.echo(line, err=True))
    click.echo("Stopped.", err=True)
