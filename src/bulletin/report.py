"""Terminal reports of the build (plain lines: the build is run often, and Rich takes a while to import) and of items (Rich)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from .words import count

if TYPE_CHECKING:
    from rich.console import Console

    from .build import BuildResult
    from .model import Item


def print_build(result: BuildResult, *, say: Callable[[str], str] = str) -> None:
    """Items per section, what was left out and why, sizes, warnings, where the files are (``say``: how notes name the
    inputs, see ``errors.Phrase``)."""
    spec, selection, manifest = result.spec, result.selection, result.manifest
    click.echo(f"{spec.title} ({spec.period.start} to {spec.period.end})")
    rows = ([(1, "Featured")] if selection.featured else []) + [(len(section.items), section.title) for section in selection.sections]
    width = len(str(len(selection.items)))
    for number, title in rows:  # the number first: titles of any script and width stay aligned
        click.echo(f"  {number:>{width}}  {title}")
    click.echo(click.style(f"  {len(selection.items):>{width}}  Total", bold=True))
    counts = manifest["left_out_counts"]
    if counts:
        click.echo("Left out: " + ", ".join(f"{n} {reason}" for reason, n in counts.items()))
    sizes = manifest["sizes"]
    several = len(result.editions) > 1
    if several:
        print_editions(result)
    else:
        click.echo(f"HTML {sizes['html_bytes'] / 1024:.1f} KB, text {sizes['text_bytes'] / 1024:.1f} KB")
    for note in result.notes:
        click.echo(f"Note: {say(note)}")
    for warning in result.summed_warnings():
        click.echo(click.style("Warning: ", fg="yellow") + warning)
    if result.untranslated and result.out_dir is not None:
        click.echo(f"  (each one is listed in {result.out_dir / 'manifest.json'}, under editions)")
    if result.out_dir is not None:
        pages = ", ".join(e.page for e in list(result.editions.values())[1:])
        click.echo(f"Built {result.out_dir / 'index.html'}" + (f" and {pages}" if several else ""))


def print_editions(result: BuildResult) -> None:
    """One line per language edition: its file and sizes."""
    click.echo(f"{len(result.editions)} editions:")
    names = {lang: e.page for lang, e in result.editions.items()}
    width = max(map(len, names.values()))
    for lang, edition in result.editions.items():
        html, text = len(edition.rendered.html.encode()), len(edition.rendered.text.encode())
        click.echo(f"  {names[lang]:<{width}}  {html / 1024:5.1f} KB (text {text / 1024:.1f} KB)  {lang}")


def print_items(console: Console, items: list[Item]) -> None:
    """A table of items: date, tags, title, where it comes from."""
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=False)
    for column in ("Date", "Tags", "Title", "From"):
        table.add_column(column)
    for item in items:
        title = f"{item.title} (draft)" if item.draft else item.title
        table.add_row(item.date.isoformat(), *(Text(cell) for cell in (", ".join(item.tags), title, item.origin)))
    console.print(table)
    console.print(count(len(items), "item"))
