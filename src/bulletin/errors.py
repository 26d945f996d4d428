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

An error the user can get past by asking for something (overwrite, send anyway, send as a new dispatch)
carries a ``Remedy``: the library says it in words, the CLI names its flag (``cli.REMEDY_FLAGS``). A text that
names an input the caller gives (a time ``at``, ``refresh``) is a ``Phrase``: it reads ``at="2021-07-05"`` as a
library text and ``--at "2021-07-05"`` as the CLI says it (``cli.OPTION_FLAGS``).
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from .words import count

_INSTALLED = Path(__file__).resolve().parent.parent  # the folder holding the bulletin package


def display_path(path: str | os.PathLike[str], root: str | os.PathLike[str]) -> str:
    """A path as users read it in messages, POSIX separators: relative to the project (``root``) when inside
    it, a built-in theme's file as 'bulletin/themes/...', else as given."""
    given = Path(path)
    try:
        resolved = given.resolve()
        if resolved.is_relative_to(Path(root).resolve()):
            return Path(os.path.relpath(given, root)).as_posix()
        if resolved.is_relative_to(_INSTALLED):
            return resolved.relative_to(_INSTALLED).as_posix()
    except ValueError:  # another drive on Windows
        pass
    return given.as_posix()


@dataclass(frozen=True)
class Where:
    """A place in an input, rendered once by ``str()``: a file (or URL, or option), with its line or its row."""

    file: str
    line: int | None = None  # 1-based line of a text file: "issues/x.yaml:4"
    row: int | None = None  # record of a CSV file, as a spreadsheet numbers it: "subscribers.csv row 7"

    def __str__(self) -> str:
        return self.text()

    def text(self, names: Callable[[Option], str] | None = None) -> str:
        """The place; ``names`` names an input the place is (a ``Phrase``: the CLI says ``--email``)."""
        file = said(self.file, names) if names else str.__str__(self.file)
        if self.line is not None:
            return f"{file}:{self.line}"
        return f"{file} row {self.row}" if self.row is not None else file

    def __bool__(self) -> bool:
        return bool(self.file)


@dataclass(frozen=True, init=False)
class Problem:
    """One problem found in an input, with where it is (a ``Where``; a string is taken as a place without parts)."""

    where: Where
    message: str

    def __init__(self, where: Where | str, message: str) -> None:
        object.__setattr__(self, "where", where if isinstance(where, Where) else Where(where))
        object.__setattr__(self, "message", message)

    def __str__(self) -> str:
        return self.text()

    def text(self, names: Callable[[Option], str] | None = None) -> str:
        """``where: message``; ``names`` names the inputs they name (see ``Phrase``)."""
        message = said(self.message, names) if names else str.__str__(self.message)
        return f"{self.where.text(names)}: {message}" if self.where else message


class Remedy(Enum):
    """What the user can ask for to get past an error, in the library's words (the option in brackets)."""

    FORCE = "force it (force=True)"
    NEW_DISPATCH = "send it as a new dispatch (new_dispatch=True)"
    UNKNOWN = "say which (unknown='resend' or unknown='skip')"
    NOT_SAFE = "schedule it without that margin (safe=False)"
    AT = "send it again with the new time (at=...)"
    NOT_AT = "send it again without a time (at=None)"
    LIST = "name the list (list_name=...)"


class Option(Enum):
    """An input a caller gives, as library texts name it (its keyword argument); the CLI names its flag instead."""

    AT = "at"
    TZ = "tz"
    START = "start"
    END = "end"
    REFRESH = "refresh=True"
    RESEND_UNKNOWN = "unknown='resend'"
    SKIP_UNKNOWN = "unknown='skip'"
    LIST = "list_name"
    NAME = "name"
    ADDRESS = "address"
    EMAIL = "email"
    WEBSITE = "website"
    TIMEZONE = "timezone"
    TEST = "test"
    LANG = "lang"
    PORT = "port"
    BROWSER = "browser"
    READ_ONLY = "read_only=True"


@dataclass(frozen=True)
class Command:
    """A command a text asks the user to run: the library calls it (``cancel(issues/x.yaml, list_name=members)``),
    the command line runs it (``bulletin cancel issues/x.yaml --list members``)."""

    name: str  # the command (send, new-issue); the function is the same name in Python's spelling (new_issue)
    argument: str = ""
    options: tuple[tuple[Option, str], ...] = ()

    def said(self, names: Callable[[Option], str] | None) -> str:
        """As the library calls it, or with ``names`` as the command line runs it."""
        first = [self.argument] if self.argument else []
        if names is None:
            return f"{self.name.replace('-', '_')}({', '.join([*first, *(f'{o.value}={v}' for o, v in self.options)])})"
        return " ".join(["bulletin", self.name, *first, *(f"{names(o)} {v}" for o, v in self.options)])


#: A part of a phrase: words, an input by name, an input with the value given for it, or a command to run.
Part = str | Option | tuple[Option, str] | Command


class Phrase(str):
    """A text naming the caller's inputs: as a ``str``, in the library's words (``at="…"``); ``said(names)`` names each
    input as ``names`` does (the CLI: ``--at "…"``).

    Built from parts: ``Phrase((Option.AT, '"2021-07-05"'), " is in the past")``.
    """

    parts: tuple[Part, ...]

    def __new__(cls, *parts: Part) -> Phrase:
        phrase = super().__new__(cls, _joined(parts, None))
        phrase.parts = parts
        return phrase

    def said(self, names: Callable[[Option], str]) -> str:
        """The text with each input named by ``names`` (and its value after a space)."""
        return _joined(self.parts, names)

    def after(self, words: str) -> Phrase:
        """The same phrase with ``words`` before it."""
        return Phrase(words, *self.parts)


def _joined(parts: Iterable[Part], names: Callable[[Option], str] | None) -> str:
    """The parts in the library's words (``names`` None: at="…"), or with each input named by ``names`` (--at "…")."""
    def one(part: Part) -> str:
        if isinstance(part, str):
            return part
        if isinstance(part, Command):
            return part.said(names)
        if isinstance(part, Option):
            return names(part) if names else part.value
        return f"{names(part[0])} {part[1]}" if names else f"{part[0].value}={part[1]}"

    return "".join(one(part) for part in parts)


def said(text: str, names: Callable[[Option], str]) -> str:
    """A text as ``names`` names its inputs (a ``Phrase``), else as it is."""
    return text.said(names) if isinstance(text, Phrase) else text


class BulletinError(Exception):
    """Root of every error bulletin raises on purpose.

    With ``where``, the message starts "file:line: ". With a ``remedy``, it ends "To <to>, <remedy>."
    ("To overwrite it, force it (force=True)."); ``text(how)`` words the remedy otherwise (the CLI: "add --force").
    """

    exit_code = 2

    def __init__(self, message: str, problems: Iterable[Problem] = (), *, where: Where | None = None,
                 remedy: Remedy | None = None, to: str = "") -> None:
        self.message, self.problems, self.where, self.remedy, self.to = message, list(problems), where, remedy, to
        super().__init__(self.text())

    @property
    def location(self) -> Where | None:
        """Where the error is: its own place, else its first problem's, if known."""
        return self.where or next((p.where for p in self.problems if p.where), None)

    def text(self, how: str | None = None, names: Callable[[Option], str] | None = None) -> str:
        """The message (after its place), its remedy (said as ``how`` when given) and every problem, one a line;
        ``names`` names the inputs a ``Phrase`` message names (the CLI: by their flags)."""
        message = said(self.message, names) if names else self.message
        message = f"{self.where.text(names)}: {message}" if self.where else message
        if self.remedy is not None:
            how = how or self.remedy.value
            stop = "" if message.endswith((".", "?", "!")) else "."
            message = f"{message}{stop} {f'To {self.to}, {how}' if self.to else how[:1].upper() + how[1:]}."
        if self.problems:
            lines = "\n".join(f"  {p.text(names)}" for p in self.problems)
            message = f"{message}\n{lines}" if message else lines
        return message

    def about(self, what: str) -> BulletinError:
        """The same error, its message starting with ``what`` ("dispatch 3 of 'x' to 'members': ...")."""
        out = copy.copy(self)
        before = f"{what}: {self.where}: " if self.where else f"{what}: "
        out.message = self.message.after(before) if isinstance(self.message, Phrase) else before + self.message
        out.where = None
        out.args = (out.text(),)
        return out


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
