"""Helpers for the dispatch tests: subscriber files, the ledger's batches, running the CLI."""

from __future__ import annotations

import csv
import sqlite3
from pathlib import Path

from click.testing import CliRunner, Result

from bulletin.cli import main


def run(*args: str, input: str | None = None) -> Result:
    """Run the bulletin command in the current folder."""
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def write_subscribers(path: Path, count: int, *, list_name: str = "members", start: int = 0, extra: list[list[str]] | None = None) -> list[str]:
    """A subscribers CSV with ``count`` subscribed members (person<i>@members.example) plus ``extra`` rows; returns the members."""
    emails = [f"person{i}@members.example" for i in range(start, start + count)]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["email", "name", "lists", "status"])
        for i, email in enumerate(emails):
            writer.writerow([email, f"Person {start + i}" if i % 3 else "", list_name, "subscribed"])
        for row in extra or []:
            writer.writerow(row)
    return emails


def use_subscribers(project: Path, name: str) -> None:
    """Point bulletin.yaml's ``subscribers:`` at another file."""
    config = project / "bulletin.yaml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace("subscribers: subscribers.example.csv", f"subscribers: {name}"), encoding="utf-8")


def batch_states(project: Path) -> list[tuple[int, int, str, int]]:
    """(dispatch, seq, state, size) of every batch in the project's ledger."""
    with sqlite3.connect(project / ".bulletin" / "ledger.db") as db:
        return list(db.execute("SELECT dispatch, seq, state, size FROM batches ORDER BY dispatch, seq"))
