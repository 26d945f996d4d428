"""Scheduling, in one place: sending at a chosen time, through SendGrid's own scheduler.

``times``     send times: parsed in a time zone, stored in UTC, shown in local time; SendGrid's rules
``at``        ``send ... --at``: plan the dispatch now (frozen message), hand it over at once when due
``handover``  hand a planned dispatch over to SendGrid (batch id, send_at), recover a cut-off one
``due``       ``dispatch-due``/``scheduler`` (hand over what is due), ``schedule list``, ``cancel``

The dispatch itself is planned and sent like any other (``..planner``, ``..deliver``).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["Cancelled", "DueReport", "cancel", "dispatch_due", "run_scheduler", "upcoming"]


def __getattr__(name: str) -> Any:
    """The public names of ``due``, imported on first use: ``times`` alone (any command showing a time) stays light."""
    if name in __all__:
        return getattr(importlib.import_module(".due", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
