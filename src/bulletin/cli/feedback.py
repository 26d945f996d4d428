"""Commands that check before sending and read what came back after: check, subscribers, sync, report and webhook."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import BulletinError
from ..words import count
from . import terminal
from .base import handle_errors, main


@main.command("check")
@click.argument("issue", type=click.Path(dir_okay=False))
@click.option("--links", is_flag=True, help="Also check every link and image over the network (images: weight and resolution; their sizes are kept for the build).")
@click.option("--spam", is_flag=True, help="Also score the message with SpamAssassin (if installed).")
@click.option("--clients", is_flag=True, help="Also list the HTML/CSS features Outlook, Gmail, Apple Mail, Yahoo and Samsung lack.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (for CI pipelines).")
@handle_errors
def check_cmd(issue: str, links: bool, spam: bool, clients: bool, as_json: bool) -> None:
    """Check ISSUE before sending: errors block sending, warnings are worth a look."""
    from ..build import prepare
    from ..check import CheckReport, Finding, run_checks
    from ..check.present import link_progress, print_report
    from ..errors import CheckError

    try:
        result = prepare(issue, strict_translations=False)  # a missing translation is one of its findings
    except BulletinError as exc:
        if as_json:  # a CI pipeline parses stdout: it gets a report even when the issue cannot be built
            where = str(exc.location or issue)  # the file (and line) at fault when known: a template, an item
            click.echo(CheckReport(issue, [Finding("error", "build-failed", str(exc), where, "build")], ["build"]).to_json())
        raise
    console = terminal.console()
    with link_progress(terminal.console(stderr=True), show=links and not as_json) as progress:
        report = run_checks(result, links=links, spam=spam, clients=clients, progress=progress)
    if as_json:
        click.echo(report.to_json())
    else:
        print_report(console, report)
    if not report.ok:
        errors = len(report.errors)
        raise CheckError(f"{issue}: {count(errors, 'error')} found; the issue must not be sent until "
                         f"{'it is' if errors == 1 else 'they are'} fixed")


@main.group("subscribers")
def subscribers_group() -> None:
    """Check the subscribers file."""


@subscribers_group.command("check")
@click.argument("path", required=False, type=click.Path(dir_okay=False))
@handle_errors
def subscribers_check_cmd(path: str | None) -> None:
    """Counts per list and status, and every row that would not be mailed, with its row number.

    PATH defaults to the file named by 'subscribers:' in bulletin.yaml. Exits with 1 when some rows are invalid.
    """
    from ..audience import check_subscribers
    from ..config import display_path, load_project
    from ..dispatch.show import print_subscribers
    from ..suppressions import suppressed_keys

    project = load_project()
    file = Path(path) if path else Path(project.root) / project.subscribers
    report = check_subscribers(file, encoding=project.subscribers_encoding, shown=display_path(file, Path(project.root)),
                               sendgrid=suppressed_keys(project.root, project.state_dir), languages=project.editions)
    print_subscribers(terminal.console(), report, project.editions)
    if report.skipped.get("invalid"):
        sys.exit(1)


@subscribers_group.command("suppressed")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False), default=None,
              help="Write the list to this CSV file (as the subscribers file is written: delimiter, encoding).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Only those suppressed from this day on (YYYY-MM-DD).")
@handle_errors
def subscribers_suppressed_cmd(csv_file: str | None, since: dt.datetime | None) -> None:
    """Who SendGrid suppresses (after bulletin sync), to mark in your member records: email, status, kind, reason, date."""
    from ..config import load_project
    from ..feedback.export import suppressed, write_suppressed
    from ..feedback.show import print_suppressed

    project = load_project()
    day = since.date() if since else None
    if csv_file:
        written = write_suppressed(project, csv_file, since=day)
        click.echo(f"Wrote {count(written, 'address', 'addresses')} to {csv_file}: set each one's status in your member records "
                   "as its status column says.")
    else:
        print_suppressed(terminal.console(), suppressed(project, since=day), project.timezone)


@main.command("sync")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (counts only).")
@handle_errors
def sync_cmd(as_json: bool) -> None:
    """Fetch unsubscribes, bounces, spam reports and invalid addresses from SendGrid; they are never mailed."""
    from ..dispatch.schedule.times import clock_from_env
    from ..feedback.show import print_sync
    from ..feedback.sync import sync

    report = sync(clock=clock_from_env(), on_wait=lambda seconds, why: click.echo(f"{why}: waiting {seconds:.0f} s", err=True))
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        print_sync(terminal.console(), report)


@main.command("report")
@click.argument("issue", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--people", is_flag=True, help="Also list the recipients suppressed since (bounced, unsubscribed...).")
@handle_errors
def report_cmd(issue: str, as_json: bool, people: bool) -> None:
    """What became of ISSUE: delivered, bounced, opened, clicked, unsubscribed, and which items were read."""
    from ..config import load_project
    from ..dispatch.schedule.times import clock_from_env
    from ..feedback.report import report
    from ..feedback.show import print_issue_report

    project = load_project(issue)
    found = report(issue, project=project, clock=clock_from_env(), people=people)
    if as_json:
        click.echo(json.dumps(found.to_json(), indent=2, ensure_ascii=False))
    else:
        print_issue_report(terminal.console(), found, project.timezone)


@main.command("webhook")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep 127.0.0.1 behind your web server).")
@click.option("--port", type=click.IntRange(0, 65535), default=8025, show_default=True, help="Port.")
@click.option("--path", "url_path", default="/sendgrid/events", show_default=True, help="The one path SendGrid posts to.")
@handle_errors
def webhook_cmd(host: str, port: int, url_path: str) -> None:
    """Receive SendGrid's signed Event Webhook: bounces and unsubscribes at once, clicks for bulletin report."""
    from ..feedback.webhook import serve

    def ready(server: Any) -> None:
        click.echo(f"Listening on {server.url} (signed posts only); Ctrl+C stops.", err=True)

    if not url_path.startswith("/"):
        raise BulletinError(f"--path must start with '/', got '{url_path}'")
    serve(host, port, path=url_path, log=lambda line: click.echo(line, err=True), ready=ready)
