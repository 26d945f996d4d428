"""The command group ``main``: errors as one clear message and an exit code, remedies worded with their flags."""

from __future__ import annotations

import atexit
import gc
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any

import click

from ..errors import BulletinError, Option, Remedy, said


class _State:
    debug = False


# Registered when the command line is loaded (once, however many commands a process runs), so run last: what is left
# lives until the process ends, and Python's last collection need not go through it (a send has built an issue and
# read a whole list: that last pass took 40 ms of a 1.6 s send).
atexit.register(gc.freeze)


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


#: How the command line names each input a library text names (``errors.Phrase``): by its flag.
OPTION_FLAGS = {
    Option.AT: "--at",
    Option.TZ: "--tz",
    Option.START: "--from",
    Option.END: "--to",
    Option.REFRESH: "--refresh",
    Option.RESEND_UNKNOWN: "--resend-unknown",
    Option.SKIP_UNKNOWN: "--skip-unknown",
    Option.LIST: "--list",
    Option.NAME: "--name",
    Option.ADDRESS: "--address",
    Option.EMAIL: "--email",
    Option.WEBSITE: "--website",
    Option.TIMEZONE: "--timezone",
    Option.TEST: "--test",
    Option.LANG: "--lang",
    Option.PORT: "--port",
    Option.BROWSER: "--browser",
    Option.READ_ONLY: "--read-only",
}


def error_text(exc: BulletinError) -> str:
    """The error's message as the command line says it: its remedy and the inputs it names are flags."""
    return exc.text(REMEDY_FLAGS[exc.remedy] if exc.remedy else None, names=OPTION_FLAGS.__getitem__)


def flagged(text: str) -> str:
    """A library text (a note, a status) as the command line says it: the inputs it names are flags."""
    return said(text, OPTION_FLAGS.__getitem__)


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
