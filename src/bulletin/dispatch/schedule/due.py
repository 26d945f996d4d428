"""Scheduled dispatches: what is coming, cancelling, and the runner that hands them over when due.

``bulletin send ... --at TIME`` plans a dispatch into the ledger (``at.py``). SendGrid
holds mail for at most 72 hours, so a dispatch further ahead waits in the ledger until
``dispatch_due`` (run every few minutes by cron, a systemd timer or ``bulletin scheduler``) hands it
over, 71 hours ahead. Runs never overlap: a run that finds the project's send lock taken leaves the
work to the run holding it, and each hand-over is claimed atomically in the ledger.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...config import display_path as shown
from ...config import load_project
from ...errors import BulletinError, Command, DispatchError, LedgerError, Option, Phrase, Remedy
from ...ledger import IN_FLIGHT, Clock, Dispatch, Ledger, ledger_path, utc_now
from ...model import Project
from ...words import count
from ..deliver import OnProgress, SendReport
from ..outbox import OutboxTransport
from ..record import lost_dispatches
from ..retry import RetryPolicy
from ..transport import Transport
from ..transports import transport_for
from .handover import call, handover, scheduling, settle_owed
from .times import CANCEL_CUTOFF, HANDOVER, local_text, minutes, read_stored, stored

Log = Callable[[str], None]


def _open(project: Project, clock: Clock | None) -> Ledger | None:
    path = ledger_path(project.root, project.state_dir)
    if not path.exists():
        return None
    return Ledger(path, clock=clock, shown=shown(path, Path(project.root)))


def _zone(dispatch: Dispatch, project: Project) -> str:
    return dispatch.timezone or project.timezone


# --- the list ---------------------------------------------------------------------------------


def upcoming(*, project: Project | None = None, clock: Clock | None = None) -> list[dict[str, Any]]:
    """Scheduled dispatches not sent yet (and hand-overs needing attention), soonest first."""
    project = project or load_project()
    now = (clock or utc_now)()
    ledger = _open(project, clock)
    if ledger is None:
        return []
    rows = []
    with ledger:
        for d in ledger.scheduled():
            assert d.send_at is not None
            send_at, zone = read_stored(d.send_at), _zone(d, project)
            unknown, failed = d.batches.get("unknown", (0, 0))[0], d.batches.get("failed", (0, 0))[0]
            target = "SendGrid" if d.transport == "sendgrid" else f"the {d.transport}"
            if d.state == "done" and send_at <= now:
                continue  # sent
            if d.state == "scheduled":
                due = send_at - HANDOVER
                status = (f"waits in the ledger; handed over to {target} from {local_text(due, zone)}" if due > now
                          else "due: handed over by the next bulletin dispatch-due")
            elif d.state == "done":
                status = f"handed over to {target} (batch {d.batch_id}); cancellable until {local_text(send_at - CANCEL_CUTOFF, zone)}"
            elif unknown:
                interrupted = f"hand-over interrupted, {count(unknown, 'request')} of unknown outcome: "
                status = (f"{interrupted}the next dispatch-due cancels the batch and sends it again" if d.safe
                          else Phrase(interrupted, "needs ", Option.RESEND_UNKNOWN, " or ", Option.SKIP_UNKNOWN))
            elif failed:
                status = f"{count(failed, 'request')} refused or failed; the next dispatch-due tries again (bulletin status shows why)"
            else:
                status = "being handed over (or interrupted: the next dispatch-due finishes it)"
            rows.append({
                "dispatch": d.id, "issue": d.slug, "list": d.list_name, "transport": d.transport, "state": d.state,
                "status": status, "send_at": d.send_at, "local": local_text(send_at, zone), "timezone": zone,
                "recipients": d.recipients, "safe": d.safe, "batch_id": d.batch_id,
                "handover_from": stored(send_at - HANDOVER) if d.state == "scheduled" else None,
            })
    return rows


# --- cancelling -------------------------------------------------------------------------------


@dataclass
class Cancelled:
    """A cancelled dispatch and how."""

    dispatch: int
    issue: str
    list_name: str | None
    local: str  # its send time, shown
    recipients: int
    at_sendgrid: bool  # True: its batch was cancelled where it was handed over; False: it was still waiting in the ledger
    transport: str = "sendgrid"  # where it was (or would have been) handed over: sendgrid or outbox
    marked: str | None = None  # the outbox folder marked cancelled, as shown


def cancel(issue: str | os.PathLike[str], *, list_name: str | None = None, project: Project | None = None,
           clock: Clock | None = None, transport: Transport | None = None, retry: RetryPolicy | None = None) -> Cancelled:
    """Cancel the scheduled dispatch of ISSUE (to ``list_name``): in the ledger if not handed over, else at SendGrid."""
    project = project or load_project(issue)
    # the ledger knows the dispatch by the issue's name: cancelling must work while the file is broken or gone
    slug = Path(issue).name.removesuffix(".yaml").removesuffix(".yml")
    now = (clock or utc_now)()
    ledger = _open(project, clock)
    if ledger is None:
        raise LedgerError(f"nothing is scheduled for {issue}: nothing was ever sent or scheduled in this project")
    with ledger:
        found = [d for d in ledger.scheduled() if d.slug == slug and _on(d, list_name)]
        if not found:
            raise LedgerError(_nothing_message(ledger, slug, str(issue), list_name))
        coming = [d for d in found if not (d.state == "done" and read_stored(d.send_at or "") <= now)]
        found = coming or found[-1:]  # only sent ones: the last says "too late"
        if len({d.list_name for d in found}) > 1:
            lists = ", ".join(sorted(str(d.list_name) for d in found))
            raise LedgerError(f"{issue} is scheduled to several lists ({lists})", remedy=Remedy.LIST)
        d = found[-1]
        assert d.send_at is not None
        send_at, zone = read_stored(d.send_at), _zone(d, project)
        result = Cancelled(d.id, d.slug, d.list_name, local_text(send_at, zone), d.recipients, at_sendgrid=False, transport=d.transport)
        if d.state == "scheduled" and _cancel_in_ledger(ledger, d, ["scheduled"]):
            return result
        try:
            ledger.lock()
        except LedgerError:
            d = ledger.dispatch(d.id)
            if d.state != "done":  # a dispatch-due is handing it over right now
                raise LedgerError(f"dispatch {d.id} of {issue} is being handed over to SendGrid right now; try again in a minute") from None
        d = ledger.dispatch(d.id)
        if d.state == "scheduled" and _cancel_in_ledger(ledger, d, ["scheduled"]):
            return result
        if d.state not in ("done", *IN_FLIGHT):
            raise LedgerError(f"dispatch {d.id} of {issue} is {d.state}; there is nothing to cancel")
        if send_at <= now:
            raise LedgerError(f"too late: dispatch {d.id} of {issue} was sent {local_text(send_at, zone)}; it cannot be cancelled")
        if send_at - now < CANCEL_CUTOFF:
            raise LedgerError(
                f"too late to cancel: SendGrid sends dispatch {d.id} of {issue} {local_text(send_at, zone)}, in "
                f"{minutes(send_at - now)}, and takes no cancellation in the last 10 minutes"
            )
        if d.batch_id:
            used = transport or transport_for(d.transport, project, clock)
            batches, batch_id = scheduling(used), d.batch_id
            call(retry or RetryPolicy(), lambda: batches.cancel_batch(batch_id))
            result.at_sendgrid = True
            if isinstance(used, OutboxTransport):  # its files would look like any sent dispatch's
                result.marked = used.mark_cancelled(d.slug, d.id, f"Dispatch {d.id} of {d.slug} to '{d.list_name}' was cancelled "
                                                    f"on {local_text(now, zone)}; it was due {result.local}. Nobody got it.")
        _cancel_in_ledger(ledger, d, ["done", *IN_FLIGHT])
        return result


def _on(d: Dispatch, list_name: str | None) -> bool:
    """Whether a dispatch goes to ``list_name`` (any list if None); list names ignore case, as in the subscribers file."""
    return list_name is None or str(d.list_name).casefold() == list_name.casefold()


def _cancel_in_ledger(ledger: Ledger, d: Dispatch, states: list[str]) -> bool:
    """Mark a dispatch and its batches cancelled, if it is still in one of ``states``."""
    why = f"cancelled (SendGrid batch {d.batch_id})" if d.batch_id else "cancelled before it was handed over"
    return ledger.cancel_dispatch(d.id, states, batch_id=d.batch_id, why=why)


def _nothing_message(ledger: Ledger, slug: str, issue: str, list_name: str | None) -> str:
    to = f" to '{list_name}'" if list_name else ""
    sent = [d for d in ledger.dispatches(slug) if d.kind == "real" and _on(d, list_name)]
    last = sent[-1] if sent else None
    if last is not None and last.send_at is None and last.state in ("done", "sending", "incomplete", "planned"):
        return f"{issue}{to} was sent right away (dispatch {last.id}), not scheduled: it cannot be cancelled"
    if last is not None and last.state == "cancelled":
        return f"{issue}{to} is already cancelled (dispatch {last.id})"
    if last is not None and last.send_at and last.state == "done":
        return f"too late: {issue}{to} was already sent (dispatch {last.id})"
    return f"nothing is scheduled for {issue}{to}; see bulletin schedule list"


# --- handing over what is due -----------------------------------------------------------------


@dataclass
class DueReport:
    """What one dispatch-due run did."""

    handed: list[SendReport] = field(default_factory=list)
    problems: list[BulletinError] = field(default_factory=list)  # each with the dispatch it is about; str() says it
    busy: bool = False  # another bulletin held the send lock: it does the work, or the next run does
    waiting: int = 0  # scheduled dispatches not due yet
    next_handover: str | None = None  # UTC, the earliest hand-over still to come
    timezone: str = "UTC"  # the project's, for showing times


def dispatch_due(*, project: Project | None = None, clock: Clock | None = None, transport: Transport | None = None,
                 retry: RetryPolicy | None = None, progress: OnProgress | None = None) -> DueReport:
    """Hand over every scheduled dispatch whose time is within SendGrid's window, and finish interrupted hand-overs."""
    project = project or load_project()
    clock = clock or utc_now
    report = DueReport(timezone=project.timezone)
    report.problems.extend(LedgerError(lost) for lost in lost_dispatches(project, clock))  # a lost ledger must not look like "nothing scheduled"
    ledger = _open(project, clock)
    if ledger is None:
        return report
    with ledger:
        if not _due(ledger, clock, report, note_waiting=True):
            return report
        try:
            ledger.lock()
        except LedgerError:
            report.busy = True
            return report
        for d in _due(ledger, clock, report):  # again, under the lock: another run may have done them
            try:
                used = transport or transport_for(d.transport, project, clock)
                done = handover(ledger, d.id, transport=used, project=project, retry=retry, clock=clock, progress=progress)
            except BulletinError as exc:
                report.problems.append(exc.about(f"dispatch {d.id} of '{d.slug}' to '{d.list_name}'"))
                continue
            report.handed.append(done)
            if done.unknown or done.failed:
                report.problems.append(_attention(d, done))
        _settle_owed(ledger, project, clock, transport, retry, progress, report)
    return report


def _settle_owed(ledger: Ledger, project: Project, clock: Clock, transport: Transport | None, retry: RetryPolicy | None,
                 progress: OnProgress | None, report: DueReport) -> None:
    """Send finished dispatches to whoever they left to another list's dispatch that let them go since (a hand-over
    found they left that list, or it was cancelled): the first dispatch owes them the issue."""
    for dispatch in ledger.holding():
        d = ledger.dispatch(dispatch)
        if d.state != "done" or d.kind != "real":
            continue
        try:
            used = transport or transport_for(d.transport, project, clock)
            paid = settle_owed(ledger, d.id, transport=used, project=project, retry=retry, progress=progress)
        except BulletinError as exc:
            report.problems.append(exc.about(f"dispatch {d.id} of '{d.slug}' to '{d.list_name}'"))
            continue
        if paid is not None:
            report.handed.append(paid)
            if paid.unknown or paid.failed:
                report.problems.append(_attention(d, paid))


def _due(ledger: Ledger, clock: Clock, report: DueReport, *, note_waiting: bool = False) -> list[Dispatch]:
    now = clock()
    due, later = [], []
    for d in ledger.scheduled():
        assert d.send_at is not None
        if d.state in IN_FLIGHT or (d.state == "scheduled" and read_stored(d.send_at) - HANDOVER <= now):
            due.append(d)
        elif d.state == "scheduled":
            later.append(read_stored(d.send_at) - HANDOVER)
    if note_waiting:
        report.waiting = len(later)
        report.next_handover = stored(min(later)) if later else None
    return due


def _attention(d: Dispatch, done: SendReport) -> DispatchError:
    parts = []
    if done.unknown:
        people = sum(b.size for b in done.unknown)
        parts.append(f"{count(len(done.unknown), 'request')} ({count(people, 'recipient')}) got no answer")
    if done.failed:
        parts.append(f"{count(len(done.failed), 'request')} failed: {done.failed[0].error}")
    what = f"dispatch {d.id} of '{d.slug}' to '{d.list_name}': {'; '.join(parts)}"
    if done.unknown and not d.safe:
        again = Command("send", f"issues/{d.slug}.yaml", ((Option.LIST, str(d.list_name)),))
        return DispatchError(Phrase(f"{what}; run ", again, "."), remedy=Remedy.UNKNOWN,
                             to="send them again (they may get it twice) or skip them (they may miss it)")
    return DispatchError(f"{what}; the next run tries again")


def run_scheduler(*, interval: float, stop: threading.Event, each: Callable[[], object], log: Log) -> None:
    """Call ``each()`` (a dispatch-due run) every ``interval`` seconds until ``stop`` is set."""
    while not stop.is_set():
        try:
            each()
        except BulletinError as exc:  # e.g. bulletin.yaml being edited: say so, try again next time
            log(f"Error: {exc}")
        except Exception as exc:  # noqa: BLE001 - a long-running service logs the unexpected and carries on
            log(f"Internal error: {type(exc).__name__}: {exc}")
        stop.wait(interval)
