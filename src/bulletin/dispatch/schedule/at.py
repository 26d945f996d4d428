"""Sending to a list at a chosen time: plan it into the ledger now, hand it over to SendGrid when due.

Within SendGrid's window (the send time at most 71 hours ahead, an hour's margin on its 72) the
dispatch is handed over at once; beyond it, it waits in the ledger as ``scheduled``, its message
frozen with its hash, until ``bulletin dispatch-due`` hands it over (re-reading the subscribers then).
Running the same command again is safe: it says what is already scheduled, replaces a dispatch that
is not handed over yet (new time, or a changed issue), or finishes a hand-over that was cut off.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from ...errors import BulletinError, Command, LedgerError, Option, Phrase, Remedy
from ...ledger import Dispatch, Ledger, utc_now
from ..deliver import SendReport
from ..plan import Resume, SendPlan, already_planned, estimate
from ..planner import Declined, Planner, changed_error
from ..record import remember
from .handover import handover, settle_owed
from .times import HANDOVER, SAFE_LEAD, SendTime, local_text, read_stored


def to_list_at(run: Planner, ledger: Ledger, existing: Dispatch | None, list_name: str, people: tuple[Path, str], out: SendPlan, *,
               when: SendTime | None, safe: bool, dry_run: bool, confirm: Callable[[SendPlan], bool] | None, new_dispatch: bool,
               unknown_action: str | None) -> SendReport:
    """Schedule ISSUE to a list (``when``), or deal with the scheduled dispatch it already has; the caller holds the lock."""
    now = (run.clock or utc_now)()
    shown = run.transport.describe()
    same = existing is not None and existing.content_hash == run.result.content_hash
    supersede: Dispatch | None = None
    if existing is not None and existing.send_at is not None and not gone(existing, now):
        planned = local_text(read_stored(existing.send_at), existing.timezone or run.project.timezone)
        cancel = Command("cancel", out.issue, ((Option.LIST, list_name),))
        _describe(out, existing)
        if existing.state == "scheduled":  # not handed over: nothing of it was sent, it can simply be replaced
            if when is None:
                raise LedgerError(Phrase(
                    f"{out.issue} is scheduled to '{list_name}' for {planned} (dispatch {existing.id}). To send it now instead, "
                    "cancel it first: ", cancel, "."), remedy=Remedy.AT, to="change the time"
                )
            if same and existing.send_at == when.iso() and existing.safe == safe:
                if read_stored(existing.send_at) - now > HANDOVER or dry_run:
                    return SendReport(out, "already scheduled", existing.id, transport=shown)
                # due (planned by a run cut off before its hand-over): hand it over now
                return handover(ledger, existing.id, transport=run.transport, project=run.project, retry=run.retry,
                                clock=run.clock, progress=run.progress, out=out)
            supersede = existing
            out.notes.append(f"This replaces dispatch {existing.id} (scheduled for {planned}"
                             f"{'' if same else '; the issue has changed since'}), which was not handed over yet.")
        else:  # handed over to SendGrid, or cut off while being handed over
            if not same:
                raise LedgerError(Phrase(
                    f"{out.issue} has changed since dispatch {existing.id} was handed over to SendGrid for {planned}. To send the "
                    "new version, cancel it first (", cancel, "), then schedule it again."
                ))
            if when is not None and when.iso() != existing.send_at:
                raise LedgerError(Phrase(
                    f"dispatch {existing.id} was already handed over to SendGrid for {planned}. To change the time, cancel it "
                    "first (", cancel, "), then schedule it again."
                ))
            if existing.state == "done":
                paid = settle_owed(ledger, existing.id, transport=run.transport, project=run.project, retry=run.retry,
                                   progress=run.progress, out=out, dry_run=dry_run, confirm=confirm)
                if paid is not None and paid.outcome != "already sent":
                    return paid  # it left people to another list's dispatch that no longer mails them
                return SendReport(out, "already handed over", existing.id, transport=shown)
            if dry_run:
                return SendReport(out, "dry run", existing.id, transport=shown)
            return handover(ledger, existing.id, transport=run.transport, project=run.project, retry=run.retry, clock=run.clock,
                            progress=run.progress, out=out, unknown_action=unknown_action)
    elif existing is not None:  # sent, or being sent, right away (or its scheduled time has come and gone)
        if same and existing.state == "done":
            out.state, out.dispatch = "already sent", existing.id
            out.resume = Resume(existing.id, existing.created, accepted=existing.batches.get("accepted", (0, 0)))
            return SendReport(out, "already sent", existing.id, transport=shown)
        if same:
            raise LedgerError(f"{out.issue} is already being sent to '{list_name}' (dispatch {existing.id}, {existing.created}).",
                              remedy=Remedy.NOT_AT, to="finish it")
        if not new_dispatch:
            raise changed_error(existing, out.issue, run.project.timezone)
        supersede = existing
    assert when is not None
    if safe and when.utc - now < SAFE_LEAD:
        raise BulletinError(
            f"The send time ({when.text()}) is less than 15 minutes away. A safe scheduled send needs 15 minutes, to be able to cancel "
            "and send it again if the computer crashes while handing it over: choose a later time.",
            remedy=Remedy.NOT_SAFE, to="send it sooner",
        )
    out.send_at, out.timezone, out.safe = when.iso(), when.zone, safe
    if when.note:
        out.notes.append(when.note)
    exclude = already_planned(ledger, run.result.spec.slug, list_name, run.transport.name)
    try:
        with ledger.transaction(commit=not dry_run):
            dispatch = run.plan_new(ledger, list_name, people, out, exclude, supersede, when=when, safe=safe)
            out.seconds = estimate(out.requests, getattr(run.transport, "seconds_per_request", 0.5))
            if not dry_run and confirm is not None and out.requests and not confirm(out):
                raise Declined
    except Declined:
        return SendReport(out, "declined", transport=shown)
    if dry_run:
        out.dispatch = None  # it was rolled back
        return SendReport(out, "dry run", transport=shown)
    note = remember(ledger, dispatch)  # a second record: losing the ledger is noticed
    if note:
        out.notes.append(note)
    if when.utc - now <= HANDOVER:
        return handover(ledger, dispatch, transport=run.transport, project=run.project, retry=run.retry, clock=run.clock,
                        progress=run.progress, out=out, replan_now=False)  # planned a moment ago
    return SendReport(out, "scheduled", dispatch, transport=shown)


def gone(dispatch: Dispatch, now: dt.datetime) -> bool:
    """Whether a scheduled dispatch was handed over whole and its time has come: it is sent, like any other."""
    return dispatch.state == "done" and dispatch.send_at is not None and read_stored(dispatch.send_at) <= now


def _describe(out: SendPlan, existing: Dispatch) -> None:
    """Show an existing scheduled dispatch in the plan."""
    out.dispatch, out.send_at, out.timezone, out.safe = existing.id, existing.send_at, existing.timezone, existing.safe
    out.recipients, out.state = existing.recipients, "scheduled"  # the plan shows its time, not new figures
