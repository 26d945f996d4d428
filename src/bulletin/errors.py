"""Exceptions raised by bulletin.

Every error a user can cause derives from one root, so the CLI can print it and exit cleanly::

    BulletinError            root; .exit_code is 2 for user errors, 1 for failures
    ├── ConfigError          bulletin.yaml or an issue spec is invalid (lists every problem, file:line)
    ├── SourceError          a content file, YAML/CSV list or feed cannot be read or is invalid
    ├── RenderError          a template is missing or fails (template file:line), MJML/inliner failure
    ├── AudienceError        the subscribers file cannot be read or is invalid
    ├── DispatchError        sending failed or was refused (HTTP status + SendGrid's messages)
    ├── LedgerError          the ledger is unreadable or in a state that forbids the action
    └── CheckError           pre-send checks found errors
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .words import count


@dataclass(frozen=True)
class Problem:
    """One problem found in an input, with where it is."""

    where: str  # "issues/x.yaml:4" or "subscribers.csv row 7"
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class BulletinError(Exception):
    """Root of every error bulletin raises on purpose."""

    exit_code = 2

    def __init__(self, message: str, problems: Iterable[Problem] = ()) -> None:
        self.problems = list(problems)
        if self.problems:
            lines = "\n".join(f"  {p}" for p in self.problems)
            message = f"{message}\n{lines}" if message else lines
        super().__init__(message)


class ConfigError(BulletinError):
    """bulletin.yaml or an issue spec is invalid."""


class SourceError(BulletinError):
    """A content source cannot be read or holds invalid items."""


class RenderError(BulletinError):
    """A template or the MJML/inlining stage failed."""


class AudienceError(BulletinError):
    """The subscribers file cannot be read or is invalid."""


class DispatchError(BulletinError):
    """Sending failed or was refused."""

    exit_code = 1


class LedgerError(BulletinError):
    """The ledger forbids the action or cannot be read."""


class CheckError(BulletinError):
    """Pre-send checks found errors."""

    exit_code = 1


def raise_if(problems: list[Problem], error: type[BulletinError], message: str) -> None:
    """Raise ``error`` listing every problem, if there are any."""
    if problems:
        raise error(f"{message} ({count(len(problems), 'problem')}):", problems)
