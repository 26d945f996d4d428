"""The check report for people: grouped, one line per finding, a verdict at the end."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.markup import escape

from .findings import CheckReport, Finding

TITLES = {"content": "Content", "size": "Size", "links": "Links", "spam": "Spam score", "accessibility": "Accessibility",
          "clients": "Email clients"}
MARKS = {"error": "[bold red]✗ error[/]  ", "warning": "[yellow]! warning[/]", "note": "[cyan]· note[/]   "}


def print_report(console: Console, report: CheckReport) -> None:
    """Print the findings grouped by check, then the verdict."""
    console.print(f"Checked [bold]{escape(report.issue)}[/]: {', '.join(report.checks)}")
    groups = report.grouped()
    for group in report.checks:
        found = groups.get(group, [])
        title = TITLES.get(group, group.title())
        if group == "clients":
            _print_clients(console, report)
        if not found:
            console.print(f"\n[bold]{title}[/]  [green]✓ no problems[/]")
            continue
        console.print(f"\n[bold]{title}[/]")
        shown, untranslated = _untranslated(found)
        for finding in shown:
            edition = f"[bold]\\[{finding.edition}][/] " if finding.edition else ""
            where = f"[dim]{escape(finding.where)}[/]\n             " if finding.where else ""
            console.print(f"  {MARKS[finding.severity]} {edition}{where}{escape(finding.message)}")
        for line in untranslated:
            console.print(line)
    console.print()
    stats = report.stats
    images = stats.get("images", 0)
    html = stats.get("html_bytes", 0)
    size = f"HTML {html / 1024:.1f} KB, {images} image{'s' * (images != 1)}"
    if stats.get("editions"):  # the largest edition is the one Gmail clips first
        largest, figures = max(stats["editions"].items(), key=lambda entry: entry[1]["html_bytes"])
        size = f"{len(stats['editions'])} editions, the largest {largest}: HTML {figures['html_bytes'] / 1024:.1f} KB, " \
               f"{images} image{'s' * (images != 1)}"
    errors, warnings = len(report.errors), len(report.warnings)
    counts = f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"
    if report.ok:
        console.print(f"[green bold]Ready to send[/]: {counts} ({size}).")
    else:
        console.print(f"[red bold]Not ready to send[/]: {counts} ({size}). Fix the errors, then check again.")


UNTRANSLATED_LISTED = 3  # an edition lacking more translations than this gets one line: a count and the first few


def _untranslated(found: list[Finding]) -> tuple[list[Finding], list[str]]:
    """The findings to print one by one, and a line per edition lacking many translations (the JSON lists them all)."""
    per_edition: dict[str, list[Finding]] = {}
    for finding in found:
        if finding.code == "untranslated":
            per_edition.setdefault(finding.edition, []).append(finding)
    many = {lang for lang, missing in per_edition.items() if len(missing) > UNTRANSLATED_LISTED}
    lines = []
    for lang in sorted(many, key=list(per_edition).index):
        missing = per_edition[lang]
        places = list(dict.fromkeys(f.where for f in missing))
        first = ", ".join(places[:UNTRANSLATED_LISTED]) + (", …" if len(places) > UNTRANSLATED_LISTED else "")
        text = (f"{len(missing)} texts not translated ({first}): the {lang} edition shows them in the default language; "
                "check --json lists each")
        lines.append(f"  {MARKS[missing[0].severity]} [bold]\\[{lang}][/] {escape(text)}")
    return [f for f in found if not (f.code == "untranslated" and f.edition in many)], lines


def _print_clients(console: Console, report: CheckReport) -> None:
    from .clients import CLIENTS

    console.print("\n[bold]Email clients[/] (caniemail.com data: features not supported / partly supported / breaking the layout)")
    for client, counts in report.stats.get("clients", {}).items():
        broken = counts["layout"]
        verdict = f"[red]{broken} breaking the layout[/]" if broken else "[green]layout holds[/]"
        console.print(f"  {CLIENTS.get(client, client):<22} {counts['unsupported']:>3} not supported, "
                      f"{counts['partial']:>3} partly; {verdict}")


@contextmanager
def link_progress(console: Console, *, show: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A progress bar for the link check on a terminal; yields its update callback, or None."""
    if not show or not console.is_terminal:
        yield None
        return
    from rich.progress import Progress

    with Progress(console=console, transient=True) as bar:
        task = bar.add_task("Checking links", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update
