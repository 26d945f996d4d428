"""Handing a scheduled dispatch over to SendGrid's own scheduler.

A hand-over claims the dispatch (``scheduled -> handing_over``, atomic), re-reads the subscribers
(nobody who left since is mailed), gets a SendGrid batch id and sends every request with that batch
id and the send time. SendGrid then holds the mail until send_at, and a batch can be cancelled until
10 minutes before it.

The caller holds the project's send lock, so a dispatch found half handed over was cut off by a
crash. Requests whose outcome is unknown are then settled: a ``safe`` dispatch cancels its whole batch
at SendGrid (nobody gets anything from it) and is sent again under a new batch id, so everyone gets
it exactly once; other dispatches list them for the user, as an immediate send does.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from ...audience import Audience
from ...errors import Command, DispatchError, LedgerError, Option, Phrase, Remedy
from ...ledger import IN_FLIGHT, OPEN_BATCH, Clock, Dispatch, Ledger, utc_now
from ...mail import messages_from_dict
from ...model import Project
from ...suppressions import suppressed_keys
from ...words import count
from ..deliver import OnProgress, SendReport, deliver
from ..plan import Collector, SendPlan, already_planned, fill_counts, fill_editions, owed, pay_owed, replan
from ..retry import RetryPolicy
from ..transport import (
    OutcomeUnknown,
    Retryable,
    Scheduling,
    Transport,
    UnexpectedAnswer,
)
from .times import (
    CANCEL_CUTOFF,
    HANDOVER,
    LATE_LIMIT,
    SAFE_LEAD,
    WINDOW,
    local_text,
    read_stored,
    round_up,
    stored,
)

T = TypeVar("T")
ROUNDS = 3  # safe restarts within one run; after that the next run tries again
SENT_STATES = ("pending", "sending", "accepted", "failed", "unknown")  # batches that are (or will be) in the SendGrid batch


def scheduling(transport: Transport) -> Scheduling:
    """The transport's batch operations, or a clear error if it has none."""
    if not all(hasattr(transport, m) for m in ("create_batch", "cancel_batch", "batch_status")):
        raise DispatchError(f"{transport.describe()} cannot schedule sends")
    return transport  # type: ignore[return-value]


def call(retry: RetryPolicy, action: Callable[[], T]) -> T:
    """A batch operation, retried: creating, cancelling or asking again is harmless, so a lost answer is retried too."""

    def attempt() -> T:
        try:
            return action()
        except UnexpectedAnswer as exc:  # not SendGrid answering (a proxy?): asking again will not help
            raise DispatchError(str(exc)) from None
        except OutcomeUnknown as exc:
            raise Retryable(str(exc)) from None

    return retry.call(attempt)


def plan_of(ledger: Ledger, dispatch: Dispatch, transport: Transport) -> SendPlan:
    """A send plan describing a dispatch already in the ledger (for dispatch-due, which has no build)."""
    messages = messages_from_dict(ledger.content(dispatch.id))
    message = next(iter(messages.values()))
    open_batches = ledger.batches(dispatch.id, OPEN_BATCH)
    plan = SendPlan(
        issue=dispatch.slug, slug=dispatch.slug, subject=message.subject, list_name=dispatch.list_name,
        transport=transport.describe(), subscribers=dispatch.subscribers or "", recipients=sum(b.size for b in open_batches),
        requests=len(open_batches), skipped=dict(dispatch.skipped), dispatch=dispatch.id, send_at=dispatch.send_at,
        timezone=dispatch.timezone, safe=dispatch.safe,
    )
    fill_editions(plan, ledger, dispatch.id, tuple(messages))
    return plan


def handover(
    ledger: Ledger,
    dispatch: int,
    *,
    transport: Transport,
    project: Project,
    retry: RetryPolicy | None = None,
    clock: Clock | None = None,
    progress: OnProgress | None = None,
    out: SendPlan | None = None,
    replan_now: bool = True,
    unknown_action: str | None = None,
) -> SendReport:
    """Hand a scheduled dispatch over to SendGrid, or finish one cut off; the caller holds the send lock."""
    clock, retry = clock or utc_now, retry or RetryPolicy()
    batches = scheduling(transport)
    first = ledger.dispatch(dispatch)
    out = out or plan_of(ledger, first, transport)
    report = SendReport(out, "nothing to do", dispatch, transport=transport.describe())
    for _ in range(ROUNDS):
        found = ledger.dispatch(dispatch)
        if found.state in IN_FLIGHT and found.batch_id is None:  # claimed, then cut off before any request
            ledger.move_state(dispatch, IN_FLIGHT, "scheduled")
            found = ledger.dispatch(dispatch)
        if found.state in IN_FLIGHT:
            _settle(ledger, found, batches, clock, retry, out, unknown_action)
            unknown_action = None
            found = ledger.dispatch(dispatch)
            if found.state in IN_FLIGHT:  # carried on under its batch: nobody who left since is mailed, as on any resume
                _refresh(ledger, found, project, out)
        if found.state == "scheduled":
            if not ledger.move_state(dispatch, ["scheduled"], "handing_over"):  # cancelled meanwhile
                now_state = ledger.dispatch(dispatch).state
                return SendReport(out, "cancelled" if now_state == "cancelled" else "taken", dispatch, transport=transport.describe())
            try:
                _prepare(ledger, found, batches, project, clock, retry, out, replan_now)
            except BaseException:
                ledger.move_state(dispatch, ["handing_over"], "scheduled")  # nothing was sent: it waits as before
                raise
            replan_now = True
        elif found.state not in IN_FLIGHT:
            outcome = {"done": "already handed over", "cancelled": "cancelled"}.get(found.state, found.state)
            return SendReport(out, outcome, dispatch, transport=transport.describe())
        found = ledger.dispatch(dispatch)
        out.send_at, out.safe = found.send_at, found.safe
        report = deliver(ledger, dispatch, out, kind="real", transport=transport, retry=retry, progress=progress)
        if not (found.safe and report.unknown):
            break
    if report.outcome == "sent":
        report.outcome = "handed over"
    return report


def _prepare(ledger: Ledger, found: Dispatch, batches: Scheduling, project: Project, clock: Clock, retry: RetryPolicy,
             out: SendPlan, replan_now: bool) -> None:
    """The claimed dispatch's send time (late: moved), recipients (re-read) and batch id."""
    assert found.send_at is not None
    now, send_at = clock(), read_stored(found.send_at)
    zone = found.timezone or project.timezone
    if send_at - now > WINDOW:
        raise LedgerError(f"dispatch {found.id} is for {local_text(send_at, zone)}, more than 72 hours ahead: SendGrid cannot take "
                          f"it yet. It is handed over from {local_text(send_at - HANDOVER, zone)}.")
    if now - send_at > LATE_LIMIT:
        again = Command("send", f"issues/{found.slug}.yaml", ((Option.LIST, str(found.list_name)), (Option.AT, '"..."')))
        raise DispatchError(Phrase(
            f"dispatch {found.id} of '{found.slug}' to '{found.list_name}' was due {local_text(send_at, zone)} and was never handed "
            f"over (was bulletin dispatch-due running?). It is not sent this late without you: schedule it again with ", again,
            ", or cancel it with ", Command("cancel"), "."
        ))
    earliest = now + (SAFE_LEAD if found.safe else dt.timedelta())
    if send_at < earliest:
        moved = round_up(earliest)
        with ledger.transaction():
            ledger.set_dispatch(found.id, send_at=stored(moved))
        why = " (a safe send goes at least 15 minutes ahead, so it can still be cancelled and sent again after a crash)" if found.safe else ""
        out.notes.append(f"Dispatch {found.id} was due {local_text(send_at, zone)}; SendGrid now sends it {local_text(moved, zone)}{why}.")
    if replan_now:
        _refresh(ledger, found, project, out)
    if ledger.batches(found.id, OPEN_BATCH):
        batch_id = call(retry, batches.create_batch)
        with ledger.transaction():
            ledger.set_dispatch(found.id, batch_id=batch_id)


def _refresh(ledger: Ledger, found: Dispatch, project: Project, out: SendPlan) -> None:
    """Re-read the subscribers file: who unsubscribed or left since is dropped, who joined is added."""
    assert found.list_name is not None
    collector = Collector(_audience(ledger, found, project), already_planned(ledger, found.slug, found.list_name, found.transport))
    with ledger.transaction():
        dropped, added = replan(ledger, found.id, collector)
        fill_counts(out, collector)
        fill_editions(out, ledger, found.id, collector.audience.languages)
        ledger.set_dispatch(found.id, recipients=out.recipients, skipped=out.skipped)
    if dropped:
        out.notes.append(f"{dropped:,} planned recipients unsubscribed, bounced or left the list since it was scheduled: they are left out.")
    if added:
        out.notes.append(f"{added:,} joined the list since it was scheduled: they are added.")


class _Declined(Exception):
    """The user did not confirm: roll back."""


def settle_owed(ledger: Ledger, dispatch: int, *, transport: Transport, project: Project, retry: RetryPolicy | None = None,
                progress: OnProgress | None = None, out: SendPlan | None = None, dry_run: bool = False,
                confirm: Callable[[SendPlan], bool] | None = None) -> SendReport | None:
    """Send a finished dispatch to whoever it left to another list's dispatch that no longer mails them (they left that
    list, or it was cancelled); None if it owes nobody. The caller holds the send lock."""
    found = ledger.dispatch(dispatch)
    keys = owed(ledger, found) if found.state == "done" else set()
    if not keys:
        return None
    out = out or plan_of(ledger, found, transport)
    shown = transport.describe()
    collector = Collector(_audience(ledger, found, project), already_planned(ledger, found.slug, str(found.list_name), found.transport))
    try:
        with ledger.transaction(commit=not dry_run):
            added = pay_owed(ledger, found, collector, keys)
            out.state, out.dispatch = "owed", found.id
            out.recipients, out.requests = added, len(ledger.batches(found.id, OPEN_BATCH))
            out.notes.append(
                f"{count(len(keys), 'person', 'people')} on '{found.list_name}' {'was' if len(keys) == 1 else 'were'} left to "
                f"another list's dispatch of '{found.slug}', which no longer mails them (they left that list, or it was "
                "cancelled): " + (f"{count(added, 'recipient')} still on '{found.list_name}' {'gets' if added == 1 else 'get'} it now."
                                  if added else f"none is still on '{found.list_name}'.")
            )
            if added and not dry_run and confirm is not None and not confirm(out):
                raise _Declined
    except _Declined:
        return SendReport(out, "declined", transport=shown)
    if dry_run:
        return SendReport(out, "dry run", found.id, transport=shown)
    if not added:
        return SendReport(out, "already sent", found.id, transport=shown)
    return deliver(ledger, found.id, out, kind="real", transport=transport, retry=retry or RetryPolicy(), progress=progress)


def _audience(ledger: Ledger, found: Dispatch, project: Project) -> Audience:
    """The dispatch's list, read again from its subscribers file, each recipient routed to one of its editions."""
    assert found.list_name is not None
    messages = messages_from_dict(ledger.content(found.id))
    message = next(iter(messages.values()))
    shown = found.subscribers or project.subscribers
    return Audience(Path(project.root) / shown, list_name=found.list_name, fields=message.fields,
                    encoding=project.subscribers_encoding, shown=shown,
                    sendgrid=suppressed_keys(project.root, project.state_dir), languages=tuple(messages))


def _settle(ledger: Ledger, found: Dispatch, batches: Scheduling, clock: Clock, retry: RetryPolicy, out: SendPlan,
            unknown_action: str | None) -> None:
    """A hand-over cut off mid-way: requests it was sending have an unknown outcome; a safe dispatch starts again."""
    with ledger.transaction():
        ledger.interrupted_to_unknown(found.id)
        if unknown_action:
            ledger.settle_unknown(found.id, unknown_action)
    unknown = ledger.batches(found.id, ["unknown"])
    if not unknown or not found.safe:
        return  # carry on under the same batch; unknown requests are listed for the user
    assert found.batch_id is not None and found.send_at is not None
    now, send_at = clock(), read_stored(found.send_at)
    if call(retry, lambda: batches.batch_status(found.batch_id or "")) != "cancel":
        if send_at - now < CANCEL_CUTOFF:
            people = sum(b.size for b in unknown)
            raise DispatchError(Phrase(
                f"dispatch {found.id}: {count(len(unknown), 'request')} ({count(people, 'recipient')}) "
                f"{'have' if len(unknown) != 1 else 'has'} an unknown "
                f"outcome, and its SendGrid batch can no longer be cancelled (it goes {local_text(send_at, found.timezone or 'UTC')}; "
                "cancelling closes 10 minutes before). Look them up in SendGrid's Activity Feed, then run ",
                Command("send", f"issues/{found.slug}.yaml", ((Option.LIST, str(found.list_name)),)), "."), remedy=Remedy.UNKNOWN,
                to="send them again (they may get it twice) or skip them (they may miss it)",
            )
        call(retry, lambda: batches.cancel_batch(found.batch_id or ""))
    why = f"SendGrid batch {found.batch_id} cancelled after an interrupted hand-over; sent again under a new batch id"
    recipients = 0
    with ledger.transaction():
        for batch in ledger.batches(found.id, SENT_STATES):
            rows = ledger.recipients(batch.id)
            ledger.cancel_batch(batch.id, found.batch_id, why)
            recipients += ledger.add_batches(found.id, [rows], start_seq=ledger.next_seq(found.id), language=batch.language)[1]
        ledger.set_dispatch(found.id, batch_id=None, state="scheduled")
    out.notes.append(
        f"Dispatch {found.id}: a hand-over was cut off with {count(len(unknown), 'request')} of unknown outcome, "
        f"so its whole SendGrid batch was cancelled and all {count(recipients, 'recipient')} are handed over again under a new batch id."
    )
