"""Sending a planned dispatch: one request per batch, each batch's state committed before and after it.

Each request carries the message of its batch's edition (language), as frozen with the dispatch.

A request that certainly did not go through is retried (RetryPolicy); one that may have gone through
(no answer) is recorded ``unknown`` and never retried here; a refusal stops the run.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import web
from ..errors import DispatchError, LedgerError, Remedy
from ..ledger import OPEN_BATCH, Batch, Dispatch, Ledger
from ..mail import Body, BodyBuilder, messages_from_dict
from ..words import count
from .plan import SendPlan
from .retry import RetryPolicy
from .transport import OutcomeUnknown, Transport, UnexpectedAnswer

STOP_AFTER_UNKNOWN = 3  # consecutive requests without an answer: SendGrid is unreachable, stop


@dataclass
class Progress:
    """A progress event: 'start', 'sent', 'wait', 'unknown', 'done'."""

    kind: str
    requests_done: int
    requests_total: int
    recipients_done: int
    recipients_total: int
    message: str = ""


OnProgress = Callable[[Progress], None]


@dataclass
class SendReport:
    """What a send did."""

    plan: SendPlan
    outcome: str  # dry run | declined | sent | already sent | incomplete | test sent
    dispatch: int | None = None
    accepted: tuple[int, int] = (0, 0)  # (requests, recipients) accepted by this run
    unknown: list[Batch] = field(default_factory=list)  # batches whose outcome is unknown
    failed: list[Batch] = field(default_factory=list)
    seconds: float = 0.0
    transport: str = ""


def deliver(ledger: Ledger, dispatch: int, out: SendPlan, *, kind: str, transport: Transport, retry: RetryPolicy,
            progress: OnProgress | None = None) -> SendReport:
    """Send the open batches of a planned dispatch, each committed before and after its request."""
    started = time.monotonic()

    def emit(event: str, requests: int, requests_total: int, recipients: int, recipients_total: int, message: str = "") -> None:
        if progress:
            progress(Progress(event, requests, requests_total, recipients, recipients_total, message))

    builder = _builders(ledger, dispatch, kind)
    row = ledger.dispatch(dispatch)
    batches = ledger.batches(dispatch, OPEN_BATCH)
    for batch in batches:  # every batch's edition is there before the first request
        builder(batch)
    total = sum(b.size for b in batches)
    report = SendReport(out, "sent", dispatch, transport=transport.describe())
    done_requests = done_recipients = silent = 0
    if batches:
        with ledger.transaction():
            ledger.set_dispatch(dispatch, state="sending")
    emit("start", 0, len(batches), 0, total)

    # The next request's body is built while this request waits for SendGrid's answer (web.meanwhile: called once the
    # request is written; with a transport not going through web.py, after the request): one thread does it all.
    claimed = False  # the batch was claimed when the one before it was finished (one commit for both)
    upcoming = _Next(ledger, builder(batches[0]), batches[0], row) if batches else None
    for index, batch in enumerate(batches):
        assert upcoming is not None
        body = upcoming.take()
        following = batches[index + 1] if index + 1 < len(batches) else None
        upcoming = _Next(ledger, builder(following), following, row) if following else None
        meanwhile = upcoming.build if upcoming else None

        def attempt(batch: Batch = batch, body: Body = body, meanwhile: Callable[[], object] | None = meanwhile) -> str | None:
            nonlocal claimed
            if not claimed and not ledger.claim(batch.id):  # 'sending' is committed before every request
                raise _Taken
            claimed = False  # a retry claims again: waiting() released it
            with web.meanwhile(meanwhile):
                return transport.post(body)

        def waiting(seconds: float, why: str, batch: Batch = batch, done: tuple[int, int] = (done_requests, done_recipients)) -> None:
            ledger.release(batch.id)  # that request certainly failed: not 'sending' while we wait
            emit("wait", done[0], len(batches), done[1], total, f"{why}; waiting {seconds:.0f} s")

        try:
            message_id = retry.call(attempt, on_wait=waiting)
        except _Taken:
            continue
        except OutcomeUnknown as exc:
            ledger.finish(batch.id, "unknown", error=str(exc))
            silent += 1
            emit("unknown", done_requests, len(batches), done_recipients, total, f"batch {batch.seq}: {exc}")
            if isinstance(exc, UnexpectedAnswer):  # not SendGrid answering: every request would go the same way
                ledger.refresh_state(dispatch)
                raise DispatchError(
                    f"stopped: {exc}. Batch {batch.seq} ({count(batch.size, 'recipient')}) may or may not have been sent; once that is "
                    "fixed, run the same command again.", remedy=Remedy.UNKNOWN,
                    to="send it again (they may get it twice) or skip it (they may miss it)",
                ) from None
            if silent >= STOP_AFTER_UNKNOWN:
                ledger.refresh_state(dispatch)
                raise DispatchError(
                    f"stopped: {silent} requests in a row got no answer from {transport.describe()}. "
                    f"Check the connection and SendGrid's status, then run the same command again."
                ) from None
            continue
        except DispatchError as exc:  # refused, or retries used up: nothing was accepted
            ledger.finish(batch.id, "failed", error=str(exc))
            ledger.refresh_state(dispatch)
            accepted = done_recipients
            if accepted:
                raise type(exc)(f"{exc}\n{count(accepted, 'recipient')} {'was' if accepted == 1 else 'were'} sent before this; "
                                "run the same command again to send the rest.") from None
            raise
        except BaseException:
            ledger.finish(batch.id, "unknown", error="interrupted during the request")
            ledger.refresh_state(dispatch)
            raise
        # the next body is ready before the commit that claims its batch; if it could not be built (a damaged
        # ledger row), this batch is recorded all the same and the error is raised when that body is taken
        ready = following is not None and upcoming is not None and upcoming.build()
        claimed = ledger.finish(batch.id, "accepted", message_id=message_id, claim=following.id if ready and following else None)
        silent = 0
        done_requests += 1
        done_recipients += batch.size
        emit("sent", done_requests, len(batches), done_recipients, total)
    state = ledger.refresh_state(dispatch)
    report.accepted = (done_requests, done_recipients)
    report.unknown = ledger.batches(dispatch, ["unknown"])
    report.failed = ledger.batches(dispatch, ["failed"])
    report.outcome = "sent" if state == "done" else "incomplete"
    report.seconds = time.monotonic() - started
    emit("done", done_requests, len(batches), done_recipients, total)
    return report


def _builders(ledger: Ledger, dispatch: int, kind: str) -> Callable[[Batch], BodyBuilder]:
    """The body builder of a batch's edition: the message frozen with the dispatch in the batch's language."""
    messages = messages_from_dict(ledger.content(dispatch))
    default = next(iter(messages.values()))
    args = {"bulletin_issue": default.slug, "bulletin_dispatch": str(dispatch)}
    if kind == "test":
        args["bulletin_kind"] = "test"
    several = len(messages) > 1
    builders = {lang: BodyBuilder(message, custom_args={**args, "bulletin_edition": lang} if several else args)
                for lang, message in messages.items()}

    def builder(batch: Batch) -> BodyBuilder:
        if batch.language is None:  # planned before editions: the one message there was
            return builders[default.lang]
        found = builders.get(batch.language)
        if found is None:
            raise LedgerError(f"{ledger.shown}: the ledger is damaged (dispatch {dispatch} batch {batch.seq} is for the "
                              f"'{batch.language}' edition, which it does not hold). It records who was already mailed: "
                              "restore it from a backup; it must not be edited or replaced by hand")
        return found

    return builder


class _Next:
    """The next request's body, built once when asked (while a request waits, or after it); an error building it (a
    damaged ledger row) is kept and raised when the body is taken."""

    def __init__(self, ledger: Ledger, builder: BodyBuilder, batch: Batch, dispatch: Dispatch) -> None:
        self.recipients = ledger.recipients_reader(batch.id)  # read now: the ledger is free between requests
        self.builder, self.batch, self.dispatch = builder, batch, dispatch
        self.body: Body | None = None
        self.error: BaseException | None = None

    def build(self) -> bool:
        """Build the body if not done yet; whether it could be."""
        if self.body is None and self.error is None:
            batch, dispatch = self.batch, self.dispatch
            try:
                self.body = self.builder.body(self.recipients(), batch=batch.seq, send_at=_unix(batch.send_at or dispatch.send_at),
                                              batch_id=batch.batch_id or dispatch.batch_id)  # set for scheduled dispatches
            except Exception as exc:  # noqa: BLE001 - raised by take(), after the request in flight is recorded
                self.error = exc
        return self.error is None

    def take(self) -> Body:
        """The body, or the error that building it raised."""
        if not self.build():
            assert self.error is not None
            raise self.error
        assert self.body is not None
        return self.body


class _Taken(Exception):
    """The batch is no longer open (another run has it)."""


def _unix(stamp: str | None) -> int | None:
    """Seconds since the epoch of a stored UTC time (SendGrid's send_at), or None."""
    return int(dt.datetime.fromisoformat(stamp).timestamp()) if stamp else None
