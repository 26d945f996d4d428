"""Helpers for the dispatch and schedule tests: subscriber files, the ledger's batches, running the CLI
(in process, or as a process killed at a chosen moment)."""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner, Result

from bulletin.cli import main
from fakes.sendgrid_server import FakeSendGrid


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


def crash_subscribers(path: Path, members: int) -> set[str]:
    """The crash tests' subscribers: ``members`` members, plus 300 unsubscribed and 300 on another list."""
    extra = [[f"gone{i}@members.example", "", "members", "unsubscribed"] for i in range(300)]
    extra += [[f"other{i}@members.example", "", "press", "subscribed"] for i in range(300)]
    return set(write_subscribers(path, members, extra=extra))


def use_sendgrid(project: Path, subscribers: str) -> None:
    """bulletin.yaml: transport sendgrid, and this subscribers file."""
    config = project / "bulletin.yaml"
    text = config.read_text(encoding="utf-8").replace("transport: outbox", "transport: sendgrid")
    config.write_text(text.replace("subscribers: subscribers.example.csv", f"subscribers: {subscribers}"), encoding="utf-8")


def sendgrid_env(fake: FakeSendGrid, **extra: str) -> dict[str, str]:
    """The environment of a bulletin process talking to the fake."""
    return {**os.environ, "SENDGRID_API_KEY": fake.api_key, "BULLETIN_SENDGRID_URL": fake.url, "BULLETIN_SENDGRID_TIMEOUT": "5", **extra}


def start(project: Path, env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    """``bulletin ARGS`` as a separate process in the project (output: stdout, stderr merged)."""
    return subprocess.Popen([sys.executable, "-m", "bulletin.cli", *args], cwd=project, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def kill_after(process: subprocess.Popen[str], fake: FakeSendGrid, requests: int, seconds: float) -> None:
    """SIGKILL the process ``seconds`` after ``requests`` mail/send requests reached the fake (or it ended)."""
    deadline = time.monotonic() + 60
    while fake.mail_requests() < requests and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(seconds)
    process.send_signal(signal.SIGKILL)
    process.wait()


#: issues/example.yaml's title and subject in three languages (tests/dispatch/test_editions.py)
SUBJECTS = {"en": "Bulletin on EU Social Affairs #7 — January to June 2021", "fr": "Bulletin social de l'UE n° 7 — janvier à juin 2021",
            "it": "Bollettino sociale UE n. 7 — gennaio-giugno 2021"}


def make_trilingual(project: Path) -> None:
    """The example project with ``languages: [en, fr, it]`` and issues/example.yaml's title and subject in each."""
    config = project / "bulletin.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("lang: en", "languages: [en, fr, it]"), encoding="utf-8")
    issue = project / "issues" / "example.yaml"
    text = issue.read_text(encoding="utf-8").replace(
        'title: "Bulletin on EU Social Affairs #7"',
        'title: {en: "Bulletin on EU Social Affairs #7", fr: "Bulletin social de l\'UE n° 7", it: "Bollettino sociale UE n. 7"}')
    subjects = ", ".join(f'{lang}: "{subject}"' for lang, subject in SUBJECTS.items())
    text = text.replace(f'subject: "{SUBJECTS["en"]}"', f"subject: {{{subjects}}}")
    assert "fr:" in text
    issue.write_text(text, encoding="utf-8")
