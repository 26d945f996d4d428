"""Commands that make an issue: init, new-issue, items, build, preview, theme copy, publish and unpublish."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from ..errors import BulletinError
from ..words import count
from . import terminal
from .base import REFRESH_HELP, error_text, flagged, handle_errors, main


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
    from ..init import Answers, ask, check_folder, init_project, missing

    target = Path(folder) if folder else Path.cwd()
    check_folder(target, named=folder is not None)  # before any question: no answers typed in vain
    answers = Answers(name, address, email, sender_name, website, timezone)
    if terminal.interactive() and not yes:
        answers = ask(answers, _prompt)
    elif missing(answers):
        why = "there is no terminal to ask them" if not yes else "--yes asks nothing"
        raise BulletinError(f"missing answers ({why}): {', '.join(flagged(m) for m in missing(answers))}; give them as options")
    created = init_project(target, answers, named=folder is not None)
    for line in created.report(folder):
        click.echo(flagged(line))


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
    from ..scaffold import new_issue

    path = new_issue(slug, start.date(), end.date(), force=force)
    click.echo(f"Created {path}. Edit it, then run: bulletin build {path}")


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
    from ..build import web_cache
    from ..config import load_project
    from ..items import list_items
    from ..report import print_items

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
        print_items(terminal.console(), found)


def _item_json(item: Any) -> dict[str, Any]:
    return {
        "date": item.date.isoformat(), "title": item.title, "url": item.url, "tags": list(item.tags),
        "origin": item.origin, "image": {"src": item.image.src, "alt": item.image.alt} if item.image else None,
        "draft": item.draft,
    }


@main.command("build")
@click.argument("issue", type=click.Path(dir_okay=False))
@click.option("--out", type=click.Path(file_okay=False), default=None, help="Write the files here instead of build/<slug>/.")
@click.option("--refresh", is_flag=True, help=REFRESH_HELP)
@handle_errors
def build_cmd(issue: str, out: str | None, refresh: bool) -> None:
    """Build ISSUE (issues/<slug>.yaml) into build/<slug>/."""
    from ..build import build
    from ..report import print_build

    result = build(issue, out=out, refresh=refresh)
    print_build(result, say=flagged)


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
        from ..preview import take_screenshots

        for path in take_screenshots(issue, screenshot_dir, browser=browser, as_email=as_email, lang=lang):
            click.echo(f"Wrote {path}")
        return
    from ..preview import run

    run(issue, port=port, open_browser=not no_open, as_email=as_email, log=lambda line: click.echo(flagged(line)), refresh=refresh,
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
    from ..config import load_project
    from ..theme import copy_theme

    project = load_project()
    for path in copy_theme(project, list(files), force=force):
        click.echo(f"Copied {Path(path).relative_to(project.root).as_posix()}")
    click.echo("Edit the copies: they take the place of the built-in files (bulletin preview shows each change).")


@main.command("publish")
@click.argument("issue", required=False, type=click.Path(dir_okay=False))
@click.option("--pdf", is_flag=True, help="Also print site/<slug>/<slug>.pdf (A4) with Chromium.")
@click.option("--browser", type=click.Path(dir_okay=False), default=None, help="Chromium for --pdf (default /usr/bin/chromium).")
@handle_errors
def publish_cmd(issue: str | None, pdf: bool, browser: str | None) -> None:
    """Put ISSUE's web edition into site/<slug>/, then the archive site/index.html and the feed site/feed.xml.

    Without ISSUE: make the whole site again from the published issues.
    """
    from ..dispatch.schedule.times import clock_from_env
    from ..site import publish

    report = publish(issue, pdf=pdf, browser=browser, clock=clock_from_env())
    _print_site(report, "Published")


@main.command("unpublish")
@click.argument("issue", type=click.Path(dir_okay=False))
@handle_errors
def unpublish_cmd(issue: str) -> None:
    """Take ISSUE (its file or its name) out of the site: its page, the archive and the feed."""
    from ..dispatch.schedule.times import clock_from_env
    from ..site import unpublish

    report = unpublish(issue, clock=clock_from_env())
    _print_site(report, "Unpublished")
    click.echo(f"On the website, delete the folder {next(iter(report.issues))}/ as well (rsync: --delete does it).")


def _print_site(report: Any, verb: str) -> None:
    from ..config import display_path

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
