"""The terminal the commands talk to; looked up at call time (``terminal.console()``), so tests can stand in for it."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console


def console(stderr: bool = False) -> Console:
    """A rich console on stdout (or stderr), without highlighting, long lines kept whole."""
    from rich.console import Console  # imported here: rich is slow to import and not every command prints

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def interactive() -> bool:
    """Whether someone can answer questions (stdin is a terminal)."""
    return sys.stdin.isatty()


def live_progress() -> bool:
    """Whether to draw a progress bar: on a terminal; plain lines in CI logs."""
    return sys.stderr.isatty()
