"""Command line: argument parsing only; each command calls one library function."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from .errors import BulletinError, Remedy
from .words import count

if TYPE_CHECKING:
    from rich.console import Console


class _State:
    debug = False


#: How the command line says each remedy of a library error: with its flag.
REMEDY_FLAGS = {
    Remedy.FORCE: "add --force",
    Remedy.NEW_DISPATCH: "add --new-dispatch",
    Remedy.UNKNOWN: "add --resend-unknown or --skip-unknown",
    Remedy.NOT_SAFE: "add --no-safe",
    Remedy.AT: "run this command with --at",
    Remedy.NOT_AT: "run the same command without --at",
    Remedy.LIST: "say which with --list",
}


def error_text(exc: BulletinError) -> str:
    """The error's message as the command line says it: its remedy names the flag."""
    return exc.text(REMEDY_FLAGS[exc.remedy] if exc.remedy else None)


def _console(stderr: bool = False) -> Console:
    from rich.console import Console  # imported here: rich is slow to import and not every command prints

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn BulletinError into one clear message and an exit code; a traceback only with --debug."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BulletinError as exc:
            if _State.debug:
                raise
            click.echo(f"Error: {error_text(exc)}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            sys.exit(130)
        except Exception as exc:  # an unexpected failure: say so plainly, never dump a traceback on staff
            if _State.debug:
                raise
            click.echo(f"Internal error: {type(exc).__name__}: {exc}\nRun again with --debug for details.", err=True)
            sys.exit(1)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.version_option(package_name="bulletin")
def main(debug: bool) -> None:
    """Compose, preview and send your email bulletin."""
    _State.debug = debug


REFRESH_HELP = "Fetch websites and feeds anew instead of using the answers kept in .bulletin/cache/ (kept for an hour)."


@main.command("build")
@click.argument("issue", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Write the files here instead of build/<slug>/.")
@click.option("--refresh", is_flag=True, help=REFRESH_HELP)
@handle_errors
def build_cmd(issue: str, out: str | None, refresh: bool) -> None:
    """Build ISSUE (issues/<slug>.yaml) into build/<slug>/."""
    from .build import build
    from .report import print_build

    result = build(issue, out=out, refresh=refresh)
    print_build(result)


@main.command("items")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day (YYYY-MM-DD).")
@click.option("--tag", "tags", multiple=True, help="Only items with this tag (repeatable).")
@click.option("--source", "sources", multiple=True, help="Path or feed URL (default: bulletin.yaml's source, else the content folder).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option("--refresh", is_flag=True, help=REFRESH_HELP)
@handle_errors
def items_cmd(start: dt.datetime | None, end: dt.datetime | None, tags: tuple[str, ...], sources: tuple[str, ...], as_json: bool,
              refresh: bool) -> None:
    """List the items the sources hold, newest first."""
    from .build import web_cache
    from .config import load_project
    from .items import list_items
    from .report import print_items

    project = load_project()
    cache = web_cache(project, refresh=refresh)
    found = list_items(
        sources=list(sources) or None,
        start=start.date() if start else None,
        end=end.date() if end else None,
        tags=list(tags),
        project=project,
        cache=cache,
    )
    for warning in cache.warnings.values():
        click.echo(f"Warning: {warning}", err=True)
    if as_json:
        click.echo(json.dumps([_item_json(i) for i in found], indent=2, ensure_ascii=False))
    else:
        print_items(_console(), found)


def _item_json(item: Any) -> dict[str, Any]:
    return {
        "date": item.date.isoformat(), "title": item.title, "url": item.url, "tags": list(item.tags),
        "origin": item.origin, "image": {"src": item.image.src, "alt": item.image.alt} if item.image else None,
        "draft": item.draft,
    }


@main.command("init")
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@click.option("--name", default=None, help="The organisation's name.")
@click.option("--address", default=None, help="Its postal address (shown in every email, as the law requires).")
@click.option("--email", default=None, help="The address the bulletin is sent from.")
@click.option("--sender-name", default=None, help="The sender's name in inboxes (default: the organisation's name).")
@click.option("--website", default=None, help="The organisation's website; a WordPress site becomes the source of new issues.")
@click.option("--timezone", default=None, help="Time zone for sending times, e.g. Europe/Brussels (default: this computer's).")
@click.option("--yes", "-y", is_flag=True, help="Ask nothing: use the options and the defaults.")
@handle_errors
def init_cmd(folder: str | None, name: str | None, address: str | None, email: str | None, sender_name: str | None,
             website: str | None, timezone: str | None, yes: bool) -> None:
    """Make a bulletin project in FOLDER (created if needed), or in the current folder when it is empty."""
    from .init import Answers, ask, check_folder, init_project, missing

    target = Path(folder) if folder else Path.cwd()
    check_folder(target, named=folder is not None)  # before any question: no answers typed in vain
    answers = Answers(name, address, email, sender_name, website, timezone)
    if _interactive() and not yes:
        answers = ask(answers, _prompt)
    elif missing(answers):
        why = "there is no terminal to ask them" if not yes else "--yes asks nothing"
        raise BulletinError(f"missing answers ({why}): {', '.join(missing(answers))}; give them as options")
    created = init_project(target, answers, named=folder is not None)
    for line in created.report(folder):
        click.echo(line)


def _prompt(text: str, default: str | None, check: Callable[[str], str]) -> str:
    """Ask on the terminal until ``check`` accepts the answer (it raises ConfigError saying why not)."""

    def proc(value: str) -> str:
        try:
            return check(value)
        except BulletinError as exc:
            raise click.UsageError(error_text(exc)) from None  # click says it and asks again

    return str(click.prompt(text, default=default, value_proc=proc, show_default=bool(default)))


@main.command("new-issue")
@click.argument("slug")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True, help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True, help="Last day (YYYY-MM-DD).")
@click.option("--force", is_flag=True, help="Overwrite an existing issue file.")
@handle_errors
def new_issue_cmd(slug: str, start: dt.datetime, end: dt.datetime, force: bool) -> None:
    """Create issues/SLUG.yaml, its sections proposed from the tags used in the period (most used first)."""
    from .scaffold import new_issue

    path = new_issue(slug, start.date(), end.date(), force=force)
    click.echo(f"Created {path}. Edit it, then run: bulletin build {path}")


@main.command("check")
@click.argument("issue", type=click.Path(dir_okay=False))
@click.option("--links", is_flag=True, help="Also check every link and image over the network (images: weight and resolution; their sizes are kept for the build).")
@click.option("--spam", is_flag=True, help="Also score the message with SpamAssassin (if installed).")
@click.option("--clients", is_flag=True, help="Also list the HTML/CSS features Outlook, Gmail, Apple Mail, Yahoo and Samsung lack.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON (for CI pipelines).")
@handle_errors
def check_cmd(issue: str, links: bool, spam: bool, clients: bool, as_json: bool) -> None:
    """Check ISSUE before sending: errors block sending, warnings are worth a look."""
    from .build import prepare
    from .check import CheckReport, Finding, run_checks
    from .check.present import link_progress, print_report
    from .errors import CheckError

    try:
        result = prepare(issue, strict_translations=False)  # a missing translation is one of its findings
    except BulletinError as exc:
        if as_json:  # a CI pipeline parses stdout: it gets a report even when the issue cannot be built
            where = str(exc.location or issue)  # the file (and line) at fault when known: a template, an item
            click.echo(CheckReport(issue, [Finding("error", "build-failed", str(exc), where, "build")], ["build"]).to_json())
        raise
    console = _console()
    with link_progress(_console(stderr=True), show=links and not as_json) as progress:
        report = run_checks(result, links=links, spam=spam, clients=clients, progress=progress)
    if as_json:
        click.echo(report.to_json())
    else:
        print_report(console, report)
    if not report.ok:
        errors = len(report.errors)
        raise CheckError(f"{issue}: {count(errors, 'error')} found; the issue must not be sent until "
                         f"{'it is' if errors == 1 else 'they are'} fixed")


@main.command("publish")
@click.argument("issue", required=False, type=click.Path(dir_okay=False))
@click.option("--pdf", is_flag=True, help="Also print site/<slug>/<slug>.pdf (A4) with Chromium.")
@click.option("--browser", type=click.Path(dir_okay=False), default=None, help="Chromium for --pdf (default /usr/bin/chromium).")
@handle_errors
def publish_cmd(issue: str | None, pdf: bool, browser: str | None) -> None:
    """Put ISSUE's web edition into site/<slug>/, then the archive site/index.html and the feed site/feed.xml.

    Without ISSUE: make the whole site again from the published issues.
    """
    from .dispatch.schedule.times import clock_from_env
    from .site import publish

    report = publish(issue, pdf=pdf, browser=browser, clock=clock_from_env())
    _print_site(report, "Published")


@main.command("unpublish")
@click.argument("issue", type=click.Path(dir_okay=False))
@handle_errors
def unpublish_cmd(issue: str) -> None:
    """Take ISSUE (its file or its name) out of the site: its page, the archive and the feed."""
    from .dispatch.schedule.times import clock_from_env
    from .site import unpublish

    report = unpublish(issue, clock=clock_from_env())
    _print_site(report, "Unpublished")
    click.echo(f"On the website, delete the folder {next(iter(report.issues))}/ as well (rsync: --delete does it).")


def _print_site(report: Any, verb: str) -> None:
    from .config import display_path

    def shown(path: Path) -> str:
        return display_path(path, Path.cwd())

    for slug, url in report.issues.items():
        click.echo(f"{verb} {slug} ({url})")
    for path in report.written:
        click.echo(f"  wrote     {shown(path)}")
    for path in report.removed:
        click.echo(f"  removed   {shown(path)}")
    if report.unchanged:
        click.echo(f"  unchanged {', '.join(shown(p) for p in report.unchanged)}")
    click.echo(f"The archive and the feed list {count(report.archived, 'published issue')}. "
               f"Upload the folder {shown(report.site)}/ to {report.urls.site} (rsync, FTP, your CMS).")


@main.command("preview")
@click.argument("issue", type=click.Path(dir_okay=False))
@click.option("--port", type=click.IntRange(0, 65535), default=8025, show_default=True, help="Port on 127.0.0.1 (0: any free port).")
@click.option("--no-open", is_flag=True, help="Do not open the browser.")
@click.option("--as", "as_email", metavar="EMAIL", default=None,
              help="Fill personal fields as this subscriber would see them (and show their language's edition).")
@click.option("--lang", metavar="LANG", default=None, help="Show this language's edition first (the page switches between them).")
@click.option("--screenshot", "screenshot_dir", type=click.Path(file_okay=False), default=None, help="Write DIR/desktop.png and DIR/mobile.png (the email) and DIR/preview.png (the page), then exit.")
@click.option("--browser", type=click.Path(dir_okay=False), default=None, help="Chromium for --screenshot (default /usr/bin/chromium).")
@click.option("--refresh", is_flag=True, help=REFRESH_HELP)
@click.option("--read-only", is_flag=True, help="No compose buttons: the page cannot change the issue file (for showing it to a colleague).")
@handle_errors
def preview_cmd(
    issue: str, port: int, no_open: bool, as_email: str | None, lang: str | None, screenshot_dir: str | None, browser: str | None,
    refresh: bool, read_only: bool,
) -> None:
    """Show ISSUE in the browser; it updates every time you save a file, and its buttons edit ISSUE."""
    if screenshot_dir is not None:
        from .preview import take_screenshots

        for path in take_screenshots(issue, screenshot_dir, browser=browser, as_email=as_email, lang=lang):
            click.echo(f"Wrote {path}")
        return
    from .preview import run

    run(issue, port=port, open_browser=not no_open, as_email=as_email, log=lambda line: click.echo(line), refresh=refresh,
        read_only=read_only, lang=lang)


@main.group("theme")
def theme_group() -> None:
    """The look of the bulletin: copy the built-in theme's files into templates/ to change them."""


@theme_group.command("copy")
@click.argument("files", nargs=-1)
@click.option("--force", is_flag=True, help="Overwrite files already in templates/default/.")
@handle_errors
def theme_copy_cmd(files: tuple[str, ...], force: bool) -> None:
    """Copy FILES of the default theme (all when none is named) into templates/default/."""
    from .config import load_project
    from .theme import copy_theme

    project = load_project()
    for path in copy_theme(project, list(files), force=force):
        click.echo(f"Copied {Path(path).relative_to(project.root).as_posix()}")
    click.echo("Edit the copies: they take the place of the built-in files (bulletin preview shows each change).")


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
    from .audience import check_subscribers
    from .config import display_path, load_project
    from .dispatch.show import print_subscribers
    from .suppressions import suppressed_keys

    project = load_project()
    file = Path(path) if path else Path(project.root) / project.subscribers
    report = check_subscribers(file, encoding=project.subscribers_encoding, shown=display_path(file, Path(project.root)),
                               sendgrid=suppressed_keys(project.root, project.state_dir), languages=project.editions)
    print_subscribers(_console(), report, project.editions)
    if report.skipped.get("invalid"):
        sys.exit(1)


@main.command("sync")
@click.option("--json", "as_json", is_flag=True, help="Print JSON (counts only).")
@handle_errors
def sync_cmd(as_json: bool) -> None:
    """Fetch unsubscribes, bounces, spam reports and invalid addresses from SendGrid; they are never mailed."""
    from .dispatch.schedule.times import clock_from_env
    from .feedback.show import print_sync
    from .feedback.sync import sync

    report = sync(clock=clock_from_env(), on_wait=lambda seconds, why: click.echo(f"{why}: waiting {seconds:.0f} s", err=True))
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        print_sync(_console(), report)


@subscribers_group.command("suppressed")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False), default=None,
              help="Write the list to this CSV file (as the subscribers file is written: delimiter, encoding).")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Only those suppressed from this day on (YYYY-MM-DD).")
@handle_errors
def subscribers_suppressed_cmd(csv_file: str | None, since: dt.datetime | None) -> None:
    """Who SendGrid suppresses (after bulletin sync), to mark in your member records: email, status, kind, reason, date."""
    from .config import load_project
    from .feedback.export import suppressed, write_suppressed
    from .feedback.show import print_suppressed

    project = load_project()
    day = since.date() if since else None
    if csv_file:
        written = write_suppressed(project, csv_file, since=day)
        click.echo(f"Wrote {count(written, 'address', 'addresses')} to {csv_file}: set each one's status in your member records "
                   "as its status column says.")
    else:
        print_suppressed(_console(), suppressed(project, since=day), project.timezone)


def _interactive() -> bool:
    return sys.stdin.isatty()


def _live_progress() -> bool:
    return sys.stderr.isatty()  # a progress bar on a terminal; plain lines in CI logs


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
    from .dispatch.planner import SendOptions
    from .dispatch.run import send
    from .dispatch.schedule.times import clock_from_env
    from .dispatch.show import ProgressView, print_findings, print_plan, print_report, scheduled_time

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

    out, err = _console(), _console(stderr=True)

    shown = []  # the plan is printed once: before sending when there is something to send, else after

    def confirm(plan: Any) -> bool:
        if yes:
            print_plan(out, plan)
            shown.append(plan)
            return True
        if not _interactive():  # asked only once the inputs are known to be right: their mistakes come first
            raise BulletinError("not asking for confirmation without a terminal: check the plan with --dry-run, then add --yes to send")
        print_plan(out, plan)
        shown.append(plan)
        question = f"Schedule it for {scheduled_time(plan)} to {count(plan.recipients, 'recipient')}?" if plan.send_at else \
            f"Send to {count(plan.recipients, 'recipient')} now?"
        try:
            return click.confirm(question, default=False)
        except click.Abort:  # Ctrl-C or end of input: a no
            return False

    progress = ProgressView(err, live=_live_progress())
    try:
        report = send(issue, list_name=list_name, test=list(tests) or None, options=options, confirm=confirm,
                      progress=progress, clock=clock_from_env())
    finally:
        progress.close()  # an error or Ctrl-C mid-send: the bar goes and the terminal gets its cursor back
    if not shown and (dry_run or yes) and report.outcome != "already sent":
        print_plan(out, report.plan)
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
    from .config import load_project
    from .dispatch.record import lost_dispatches
    from .dispatch.schedule.times import clock_from_env
    from .dispatch.show import print_status
    from .dispatch.status import status

    rows = status(issue)
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        print_status(_console(), rows)
    for lost in lost_dispatches(load_project(issue), clock_from_env()):
        click.echo(f"Warning: {lost}", err=True)


@main.command("report")
@click.argument("issue", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--people", is_flag=True, help="Also list the recipients suppressed since (bounced, unsubscribed...).")
@handle_errors
def report_cmd(issue: str, as_json: bool, people: bool) -> None:
    """What became of ISSUE: delivered, bounced, opened, clicked, unsubscribed, and which items were read."""
    from .config import load_project
    from .dispatch.schedule.times import clock_from_env
    from .feedback.report import report
    from .feedback.show import print_issue_report

    project = load_project(issue)
    found = report(issue, project=project, clock=clock_from_env(), people=people)
    if as_json:
        click.echo(json.dumps(found.to_json(), indent=2, ensure_ascii=False))
    else:
        print_issue_report(_console(), found, project.timezone)


@main.command("webhook")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (keep 127.0.0.1 behind your web server).")
@click.option("--port", type=click.IntRange(0, 65535), default=8025, show_default=True, help="Port.")
@click.option("--path", "url_path", default="/sendgrid/events", show_default=True, help="The one path SendGrid posts to.")
@handle_errors
def webhook_cmd(host: str, port: int, url_path: str) -> None:
    """Receive SendGrid's signed Event Webhook: bounces and unsubscribes at once, clicks for bulletin report."""
    from .feedback.webhook import serve

    def ready(server: Any) -> None:
        click.echo(f"Listening on {server.url} (signed posts only); Ctrl+C stops.", err=True)

    if not url_path.startswith("/"):
        raise BulletinError(f"--path must start with '/', got '{url_path}'")
    serve(host, port, path=url_path, log=lambda line: click.echo(line, err=True), ready=ready)


@main.group("schedule")
def schedule_group() -> None:
    """Scheduled dispatches (bulletin send ... --at TIME)."""


@schedule_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def schedule_list_cmd(as_json: bool) -> None:
    """Upcoming dispatches: when (local and UTC), issue, list, recipients, state."""
    from .dispatch.schedule import upcoming
    from .dispatch.schedule.times import clock_from_env
    from .dispatch.show import print_upcoming

    rows = upcoming(clock=clock_from_env())
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    else:
        print_upcoming(_console(), rows)


@main.command("cancel")
@click.argument("issue", type=click.Path(dir_okay=False))
@click.option("--list", "list_name", metavar="NAME", default=None, help="The list it is scheduled to (needed when there are several).")
@handle_errors
def cancel_cmd(issue: str, list_name: str | None) -> None:
    """Cancel the scheduled send of ISSUE (up to 10 minutes before its time)."""
    from .dispatch.schedule import cancel
    from .dispatch.schedule.times import clock_from_env

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
    from .dispatch.schedule import dispatch_due
    from .dispatch.schedule.times import clock_from_env
    from .dispatch.show import print_due

    report = dispatch_due(clock=clock_from_env())
    print_due(_console(), report, quiet=quiet)
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

    from .dispatch.schedule import dispatch_due, run_scheduler
    from .dispatch.schedule.times import clock_from_env
    from .dispatch.show import print_due

    stop = threading.Event()
    console = _console()

    def on_signal(number: int, frame: object) -> None:
        if not stop.is_set():
            click.echo("Stopping after the current run (again to stop at once)...", err=True)
            stop.set()
            signal.signal(number, signal.SIG_DFL if number == signal.SIGTERM else signal.default_int_handler)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    def each() -> None:
        report = dispatch_due(clock=clock_from_env())
        print_due(console, report, quiet=True)
        for problem in report.problems:
            click.echo(f"Error: {problem}", err=True)

    click.echo(f"Handing over scheduled dispatches every {interval:g} s; Ctrl+C or SIGTERM stops.", err=True)
    run_scheduler(interval=interval, stop=stop, each=each, log=lambda line: click.echo(line, err=True))
    click.echo("Stopped.", err=True)


if __name__ == "__main__":  # pragma: no cover
    main()
