"""Scheduling, in one place: sending at a chosen time, through SendGrid's own scheduler.

``times``     send times: parsed in a time zone, stored in UTC, shown in local time; SendGrid's rules
``at``        ``send ... --at``: plan the dispatch now (frozen message), hand it over at once when due
``handover``  hand a planned dispatch over to SendGrid (batch id, send_at), recover a cut-off one
``due``       ``dispatch-due``/``scheduler`` (hand over what is due), ``schedule list``, ``cancel``

The dispatch itself is planned and sent like any other (``..planner``, ``..deliver``).
"""

from .due import Cancelled, DueReport, cancel, dispatch_due, run_scheduler, upcoming

__all__ = ["Cancelled", "DueReport", "cancel", "dispatch_due", "run_scheduler", "upcoming"]
