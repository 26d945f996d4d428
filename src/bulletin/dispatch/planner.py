"""Planning a send into the ledger: what a send works with, a new dispatch planned whole, an unfinished one resumed.

Used by ``run`` (send now) and ``scheduled`` (send at a time); both plan through a ``Planner``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from ..audience import Audience
from ..build import BuildResult
from ..config import display_path as shown
from ..errors import AudienceError, ConfigError, LedgerError, Remedy
from ..ledger import OPEN_BATCH, Clock, Dispatch, Ledger, ledger_path, utc_now
from ..mail import messages_for, messages_from_dict, messages_to_dict
from ..model import Project
from ..suppressions import last_sync, stale_warning, suppressed_keys
from ..words import count
from .deliver import OnProgress
from .plan import (
    Collector,
    Resume,
    SendPlan,
    add_editions,
    blocking_checks,
    by_edition,
    fill_counts,
    fill_editions,
    filter_open,
    new_plan,
    replan,
)
from .retry import RetryPolicy
from .schedule.times import SendTime, local_text, read_stored
from .sendgrid import KEY_VARIABLE
from .transport import Transport

Unknown = Literal["resend", "skip"] | None  # what to do with requests whose outcome is unknown


@dataclass(frozen=True)
class SendOptions:
    """What the person sending chose; the defaults send now, to whoever has not had it yet."""

    dry_run: bool = False  # plan it and show the plan; write and send nothing
    unknown: Unknown = None  # requests whose outcome is unknown: send them again, or give up on them
    new_dispatch: bool = False  # the issue changed since it was sent to this list: send the new version to everyone
    force: bool = False  # send although the pre-send checks found errors
    at: str | None = None  # send at this time (as typed: "2021-07-05 09:00")
    tz: str | None = None  # the time zone of ``at`` (default: bulletin.yaml's)
    safe: bool | None = None  # recover a crash by cancelling and re-sending the whole batch (default with ``at``)
    subscribers: str | os.PathLike[str] | None = None  # another subscribers file than bulletin.yaml's
    lang: str | None = None  # a test send: this language's edition (default: each subscriber's own, else the default)


class NoKey:
    """Stands in for SendGrid in a dry run without a usable key: the plan shows why as an error."""

    name = "sendgrid"

    def __init__(self, problem: str) -> None:
        self.problem = problem

    def describe(self) -> str:
        return f"SendGrid (no usable {KEY_VARIABLE})"

    def post(self, body: Mapping[str, Any]) -> str | None:  # pragma: no cover - never called: dry runs do not send
        raise ConfigError(self.problem)


class Declined(Exception):
    """The user did not confirm: roll the plan back."""


class Planner:
    """What a send works with (the built issue, the transport, the ledger's place) and the plans it writes into the ledger."""

    def __init__(self, project: Project, result: BuildResult, transport: Transport, clock: Clock | None,
                 progress: OnProgress | None, retry: RetryPolicy) -> None:
        self.project, self.result, self.transport = project, result, transport
        self.clock, self.progress, self.retry = clock, progress, retry
        self.messages = messages_for(result)  # each edition's, the default language first
        self.message = next(iter(self.messages.values()))
        path = ledger_path(project.root, project.state_dir)
        self.ledger_file, self.ledger_shown = path, shown(path, Path(project.root))
        self.sendgrid = suppressed_keys(project.root, project.state_dir)  # SendGrid's suppressions (bulletin sync)

    def ledger(self) -> Ledger:
        """The project's ledger, opened."""
        return Ledger(self.ledger_file, clock=self.clock, shown=self.ledger_shown)

    def new_plan(self, list_name: str | None, people: tuple[Path, str], *, as_check: bool = False) -> SendPlan:
        """The plan's figures about the issue, with the blocking checks' errors and warnings."""
        out = new_plan(self.result, list_name=list_name, transport=self.transport.describe(), subscribers=people[1])
        errors, warnings = blocking_checks(self.result, self.transport.name)
        if isinstance(self.transport, NoKey):
            errors.append(self.transport.problem)
        # the build's warnings about the inputs are also the checks' warnings: each is shown once; ``as_check``:
        # exactly bulletin check's findings (the build's own words for the size and alt texts are left out)
        if self.transport.name == "sendgrid":
            stale = stale_warning(last_sync(self.project.root, self.project.state_dir), (self.clock or utc_now)())
            warnings += [stale] if stale else []
        out.errors, out.warnings = errors, warnings if as_check else list(dict.fromkeys(out.warnings + warnings))
        return out

    def audience(self, people: tuple[Path, str], list_name: str | None, languages: tuple[str, ...] | None = None) -> Audience:
        """The subscribers of a list (or every subscribed row), to stream, each routed to one of ``languages`` (default:
        the issue's editions)."""
        return Audience(people[0], list_name=list_name, fields=self.message.fields, encoding=self.project.subscribers_encoding,
                        shown=people[1], sendgrid=self.sendgrid, languages=tuple(self.messages) if languages is None else languages)

    def plan_new(self, ledger: Ledger, list_name: str, people: tuple[Path, str], out: SendPlan, exclude: set[int],
                 supersede: Dispatch | None, when: SendTime | None = None, safe: bool = False) -> int:
        """Plan a new dispatch into the ledger (inside a transaction): every batch with its recipients."""
        message = self.message
        dispatch = ledger.create_dispatch(
            kind="real", slug=message.slug, list_name=list_name, transport=self.transport.name,
            content_hash=self.result.content_hash, content=messages_to_dict(self.messages), fields=message.fields, subscribers=people[1],
            state="scheduled" if when else "planned", send_at=when.iso() if when else None, safe=safe,
            timezone=when.zone if when else None,
        )
        collector = Collector(self.audience(people, list_name), exclude)
        add_editions(ledger, dispatch, by_edition(collector.rows()))
        ledger.hold(dispatch, collector.held)
        withdrawn = {hash(k) for k in collector.withdrawn()}
        if withdrawn:
            filter_open(ledger, dispatch, lambda h: h not in withdrawn)
        fill_counts(out, collector)
        fill_editions(out, ledger, dispatch, tuple(self.messages))
        if len(self.messages) > 1:
            out.fell_back = dict(collector.fell_back.most_common())
        if out.recipients == 0:
            raise AudienceError(
                f"{people[1]}: nobody to send to on the list '{list_name}' "
                f"({', '.join(f'{n} {r}' for r, n in out.skipped.items() if r != 'not on list') or 'no rows'})"
            )
        ledger.set_dispatch(dispatch, recipients=out.recipients, skipped=out.skipped)
        if supersede:
            ledger.set_dispatch(supersede.id, state="superseded", superseded_by=dispatch)
        out.dispatch = dispatch
        return dispatch

    def resume(self, ledger: Ledger, existing: Dispatch, people: tuple[Path, str], out: SendPlan, exclude: set[int],
               unknown: Unknown) -> int:
        """Carry on an unfinished dispatch (inside a transaction): settle unknown requests as asked, re-read the subscribers."""
        dispatch = existing.id
        out.state, out.dispatch = "resume", dispatch
        info = out.resume = Resume(dispatch, existing.created, accepted=existing.batches.get("accepted", (0, 0)))
        ledger.interrupted_to_unknown(dispatch)
        info.unknown = ledger.batches(dispatch, ["unknown"])
        if info.unknown and unknown:
            info.unknown_action = unknown
            ledger.settle_unknown(dispatch, info.unknown_action)
        # Re-read the subscribers: never mail who left since; add who joined the list since, in the editions it holds.
        languages = tuple(messages_from_dict(ledger.content(dispatch)))
        collector = Collector(self.audience(people, existing.list_name, languages), exclude)
        info.dropped, info.added = replan(ledger, dispatch, collector)
        fill_counts(out, collector)
        open_batches = ledger.batches(dispatch, OPEN_BATCH)
        out.recipients, out.requests = sum(b.size for b in open_batches), len(open_batches)
        fill_editions(out, ledger, dispatch, languages)
        return dispatch


def changed_error(existing: Dispatch, issue: str, zone: str) -> LedgerError:
    """Why a changed issue is not sent to a list it was sent (or is being sent) to, and what to do."""
    mailed = existing.batches.get("accepted", (0, 0))[1]
    when = local_text(read_stored(existing.created), zone)
    finished = existing.state == "done"
    return LedgerError(
        f"{issue} was {'sent' if finished else 'being sent'} to '{existing.list_name}' on {when} (dispatch {existing.id}, "
        f"{count(mailed, 'recipient')} mailed{'' if finished else ', not finished'}), and the email it "
        "makes has changed since: the issue, one of its items, a template or bulletin.yaml was edited. Nothing was sent."
        + ("" if finished else " To finish the earlier dispatch, undo that edit and run the same command."),
        remedy=Remedy.NEW_DISPATCH, to=f"send the new version to the whole list {'again' if finished else 'instead'}",
    )
