"""Terminal reports of the build and of items (Rich)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table
from rich.text import Text

from .words import count

if TYPE_CHECKING:
    from rich.console import Console

    from .build import BuildResult
    from .model import Item


def print_build(console: Console, result: BuildResult) -> None:
    """Items per section, what was left out and why, sizes, warnings, where the files are."""
    spec, selection, manifest = result.spec, result.selection, result.manifest
    table = Table(title=Text(f"{spec.title} ({spec.period.start} to {spec.period.end})"), title_justify="left")
    table.add_column("Section")
    table.add_column("Items", justify="right")
    if selection.featured:
        table.add_row("Featured", "1")
    for section in selection.sections:
        table.add_row(Text(section.title), str(len(section.items)))
    table.add_row("[bold]Total[/]", f"[bold]{len(selection.items)}[/]")
    console.print(table)
    counts = manifest["left_out_counts"]
    if counts:
        console.print("Left out: " + ", ".join(f"{n} {reason}" for reason, n in counts.items()))
    sizes = manifest["sizes"]
    console.print(f"HTML {sizes['html_bytes'] / 1024:.1f} KB, text {sizes['text_bytes'] / 1024:.1f} KB")
    for note in result.notes:
        console.print(Text("Note: ") + Text(note))
    for warning in result.warnings:
        console.print(Text("Warning: ", style="yellow") + Text(warning))
    if result.out_dir is not None:
        console.print(Text(f"Built {result.out_dir / 'index.html'}"))


def print_items(console: Console, items: list[Item]) -> None:
    """A table of items: date, tags, title, where it comes from."""
    table = Table(show_lines=False)
    for column in ("Date", "Tags", "Title", "From"):
        table.add_column(column)
    for item in items:
        title = f"{item.title} (draft)" if item.draft else item.title
        table.add_row(item.date.isoformat(), *(Text(cell) for cell in (", ".join(item.tags), title, item.origin)))
    console.print(table)
    console.print(count(len(items), "item"))
