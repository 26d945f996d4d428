"""Command line: argument parsing only; each command calls one library function.

``base.py`` holds the group ``main`` and the error handling, ``terminal.py`` the terminal; the commands, by stage:
``compose.py`` (init, new-issue, items, build, preview, theme, publish), ``feedback.py`` (check, subscribers, sync,
report, webhook) and ``send.py`` (send, status, schedule, cancel, dispatch-due, scheduler).
"""

from __future__ import annotations

from . import compose, feedback, send  # noqa: F401 - each registers its commands on main
from .base import OPTION_FLAGS, REMEDY_FLAGS, error_text, flagged, handle_errors, main

__all__ = ["OPTION_FLAGS", "REMEDY_FLAGS", "error_text", "flagged", "handle_errors", "main"]
