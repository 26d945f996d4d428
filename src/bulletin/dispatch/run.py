"""Sending an issue: test sends, and dispatches to a list that are planned whole, then resumable.

Gather, then act: the issue is built and checked, the transport configured (a missing key fails
here), and the whole dispatch written to the ledger in one transaction before the first request.
A dry run does all of that inside a transaction it rolls back, so its plan is exactly what a real
run would do. One process sends per project at a time (a lock next to the ledger). A send with a
time (``at``) goes through ``scheduled``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError

from ..addresses import normalise
from ..audience import SUPPRESSED, Audience
from ..build import BuildResult, prepare
from ..config import display_path as shown
from ..config import load_project
from ..errors import (
    AudienceError,
    BulletinError,
    CheckError,
    ConfigError,
    LedgerError,
    Problem,
    raise_if,
)
from ..ledger import OPEN_BATCH, Clock, Dispatch, Ledger, ledger_path, utc_now
from ..mail import message_for
from ..model import Project
from ..sendtime import SAFE_LEAD, SendTime, local_text, parse_at, read_stored, round_up
from ..words import count
from .deliver import OnProgress, SendReport, deliver
from .handover import transport_for
from .plan import (
    Collector,
    Resume,
    SendPlan,
    already_planned,
    batched,
    blocking_checks,
    estimate,
    fill_counts,
    filter_open,
    new_plan,
    replan,
)
from .retry import RetryPolicy
from .sendgrid import KEY_VARIABLE
from .transport import Transport


class _NoKey:
    """Stands in for SendGrid in a dry run without a usable key: the plan shows why as an error."""

    name = "sendgrid"

    def __init__(self, problem: str) -> None:
        self.problem = problem

    def describe(self) -> str:
        return f"SendGrid (no usable {KEY_VARIABLE})"

    def post(self, body: Mapping[str, Any]) -> str | None:  # pragma: no cover - never called: dry runs do not send
        raise ConfigError(self.problem)


class _Declined(Exception):
    """The user did not confirm: roll the plan back."""


def send(
    issue: str | os.PathLike[str],
    *,
    list_name: str | None = None,
    test: Sequence[str] | None = None,
    dry_run: bool = False,
    transport: Transport | None = None,
    clock: Clock | None = None,
    subscribers: str | os.PathLike[str] | None = None,
    confirm: Callable[[SendPlan], bool] | None = None,
    progress: OnProgress | None = None,
    resend_unknown: bool = False,
    skip_unknown: bool = False,
    new_dispatch: bool = False,
    force: bool = False,
    retry: RetryPolicy | None = None,
    project: Project | None = None,
    at: str | None = None,
    tz: str | None = None,
    safe: bool | None = None,
) -> SendReport:
    """Send ISSUE to ``list_name`` (or as a test to ``test`` addresses); ``confirm(plan)`` may decline.

    ``at`` schedules it (parsed in ``tz``, else bulletin.yaml's timezone); ``safe`` (the default with
    ``at``) lets a crash be recovered by cancelling and re-sending the whole SendGrid batch; ``safe``
    without ``at`` schedules it 15 minutes from now.
    """
    if resend_unknown and skip_unknown:
        raise BulletinError("use either --resend-unknown or --skip-unknown, not both")
    if test and list_name:
        raise BulletinError("use either --test ADDRESS or --list NAME, not both")
    if not test and not list_name:
        raise BulletinError("say who gets it: --list NAME (a list in the subscribers file) or --test ADDRESS")
    if test and (at is not None or safe):
        raise BulletinError("--at and --safe are for sends to a list; a test goes right away")
    if tz is not None and at is None:
        raise BulletinError("--tz says which time zone --at is in: give --at too")
    project = project or load_project(issue)
    when: SendTime | None = None
    if at is not None or safe:
        now = (clock or utc_now)()
        zone = tz or project.timezone
        when = parse_at(at, zone, now) if at is not None else SendTime(round_up(now + SAFE_LEAD), zone)
        safe = safe is not False
    result = prepare(issue, project=project)
    if transport is None:
        try:
            transport = transport_for(project.transport, project, clock)  # what bulletin.yaml asks for
        except ConfigError as exc:  # no usable key: a dry run shows it as a blocking problem instead
            if not dry_run:
                raise
            transport = _NoKey(str(exc))
    run = _Run(project, result, transport, clock, progress, retry or RetryPolicy())
    people = _subscribers_file(project, subscribers)
    if test:
        return run.test(list(test), people, dry_run=dry_run)
    assert list_name is not None
    return run.to_list(
        list_name, people, dry_run=dry_run, confirm=confirm, resend_unknown=resend_unknown,
        skip_unknown=skip_unknown, new_dispatch=new_dispatch, force=force, when=when, safe=bool(safe),
    )


def plan(issue: str | os.PathLike[str], list_name: str, **options: object) -> SendPlan:
    """The send plan of ISSUE to ``list_name``; nothing is written or sent."""
    return send(issue, list_name=list_name, dry_run=True, **options).plan  # type: ignore[arg-type]


def _subscribers_file(project: Project, given: str | os.PathLike[str] | None) -> tuple[Path, str]:
    path = Path(given) if given is not None else Path(project.root) / project.subscribers
    return path, shown(path, Path(project.root))


class _Run:
    def __init__(self, project: Project, result: BuildResult, transport: Transport, clock: Clock | None,
                 progress: OnProgress | None, retry: RetryPolicy) -> None:
        self.project, self.result, self.transport = project, result, transport
        self.clock, self.progress, self.retry = clock, progress, retry
        self.message = message_for(result)
        path = ledger_path(project.root, project.state_dir)
        self.ledger_file, self.ledger_shown = path, shown(path, Path(project.root))

    def _ledger(self) -> Ledger:
        return Ledger(self.ledger_file, clock=self.clock, shown=self.ledger_shown)

    def _plan(self, list_name: str | None, people: tuple[Path, str]) -> SendPlan:
        out = new_plan(self.result, list_name=list_name, transport=self.transport.describe(), subscribers=people[1])
        errors, warnings = blocking_checks(self.result, self.transport.name)
        if isinstance(self.transport, _NoKey):
            errors.append(self.transport.problem)
        # the build's warnings about the inputs are also the checks' warnings: each is shown once
        out.errors, out.warnings = errors, list(dict.fromkeys(out.warnings + warnings))
        return out

    def _audience(self, people: tuple[Path, str], list_name: str | None) -> Audience:
        return Audience(people[0], list_name=list_name, fields=self.message.fields,
                        encoding=self.project.subscribers_encoding, shown=people[1])

    # --- test sends --------------------------------------------------------------------------

    def test(self, addresses: list[str], people: tuple[Path, str], *, dry_run: bool) -> SendReport:
        emails: dict[str, str] = {}
        given: dict[str, str] = {}  # as typed, for messages
        problems = []
        for address in addresses:
            try:
                email = normalise(address)
            except EmailNotValidError as exc:  # its text says what is wrong
                problems.append(Problem(f"--test {address}", str(exc)))
                continue
            emails.setdefault(email.lower(), email)
            given.setdefault(email.lower(), address)
        raise_if(problems, AudienceError, "Not a valid test address")
        found: dict[str, tuple[str, ...]] = {}
        audience = self._audience(people, None)
        try:  # merge values of test addresses that are subscribers; fallbacks otherwise
            for recipient in audience:
                if recipient.key in emails and recipient.key not in found:
                    found[recipient.key] = recipient.values
        except AudienceError:
            pass
        for key in emails:  # a test is mail too: never to someone who unsubscribed or bounced
            status = audience.report.suppressed.get(key)
            if status in SUPPRESSED:
                problems.append(Problem(f"--test {given[key]}", f"{status} in {people[1]}: nobody who unsubscribed or bounced is mailed"))
            elif status:
                problems.append(Problem(f"--test {given[key]}", f"has a status bulletin does not know in {people[1]} "
                                                                 "(see bulletin subscribers check), so it is not mailed"))
        raise_if(problems, AudienceError, "Not sent: a test address may not be mailed")
        blank = ("",) * len(self.message.fields)
        rows = [[email, *found.get(key, blank)] for key, email in emails.items()]
        out = self._plan(None, people)
        out.errors, out.warnings = [], out.warnings + out.errors  # a test send shows problems, never blocks
        out.test, out.recipients, out.requests = [r[0] for r in rows], len(rows), -(-len(rows) // 1000)
        if dry_run:
            return SendReport(out, "dry run", transport=self.transport.describe())
        message = self.message.as_test()
        with self._ledger() as ledger:
            ledger.lock()
            with ledger.transaction():
                dispatch = ledger.create_dispatch(
                    kind="test", slug=message.slug, list_name=None, transport=self.transport.name,
                    content_hash=self.result.content_hash, content=message.to_dict(), fields=message.fields,
                    subscribers=people[1],
                )
                ledger.add_batches(dispatch, batched(rows))
                ledger.set_dispatch(dispatch, recipients=len(rows))
            out.dispatch = dispatch
            report = deliver(ledger, dispatch, out, kind="test", transport=self.transport, retry=self.retry, progress=self.progress)
        report.outcome = "test sent" if report.outcome == "sent" else report.outcome
        return report

    # --- dispatch to a list ------------------------------------------------------------------

    def to_list(self, list_name: str, people: tuple[Path, str], *, dry_run: bool, confirm: Callable[[SendPlan], bool] | None,
                resend_unknown: bool, skip_unknown: bool, new_dispatch: bool, force: bool, when: SendTime | None = None,
                safe: bool = False) -> SendReport:
        out = self._plan(list_name, people)
        if out.errors and not force and not dry_run:
            raise CheckError(f"{out.issue} cannot be sent (fix these, or add --force to send anyway)", [Problem("", e) for e in out.errors])
        slug, name = self.result.spec.slug, self.transport.name
        with self._ledger() as ledger:
            ledger.lock()  # a dry run too: it would otherwise see another run's requests as interrupted
            existing = ledger.find_dispatch(slug, list_name, name)
            from .scheduled import gone, to_list_at

            if when is not None or (existing is not None and existing.send_at is not None
                                    and not gone(existing, (self.clock or utc_now)())):
                return to_list_at(self, ledger, existing, list_name, people, out, when=when, safe=safe, dry_run=dry_run,
                                  confirm=confirm, new_dispatch=new_dispatch,
                                  unknown_action="resend" if resend_unknown else "skip" if skip_unknown else None)
            supersede: Dispatch | None = None
            if existing and existing.content_hash != self.result.content_hash:
                if not new_dispatch:
                    raise LedgerError(_changed_message(existing, out.issue, self.result.project.timezone))
                supersede, existing = existing, None
            elif existing and new_dispatch:
                raise LedgerError(
                    f"{out.issue} has not changed since dispatch {existing.id} to '{list_name}' ({existing.created}); "
                    "--new-dispatch is only for a changed issue, it would mail everyone again"
                )
            exclude = already_planned(ledger, slug, list_name, name)
            if existing and existing.state == "done":
                out.state, out.dispatch = "already sent", existing.id
                out.resume = Resume(existing.id, existing.created, accepted=existing.batches.get("accepted", (0, 0)))
                return SendReport(out, "already sent", existing.id, transport=self.transport.describe())
            try:
                with ledger.transaction(commit=not dry_run):
                    if existing:
                        dispatch = self._resume(ledger, existing, people, out, exclude, resend_unknown, skip_unknown)
                    else:
                        dispatch = self._new(ledger, list_name, people, out, exclude, supersede)
                    out.seconds = estimate(out.requests, getattr(self.transport, "seconds_per_request", 0.5))
                    if not dry_run and confirm is not None and out.requests and not confirm(out):
                        raise _Declined
            except _Declined:
                return SendReport(out, "declined", transport=self.transport.describe())
            if dry_run:
                out.dispatch = existing.id if existing else None  # a new one was rolled back
                return SendReport(out, "dry run", transport=self.transport.describe())
            return deliver(ledger, dispatch, out, kind="real", transport=self.transport, retry=self.retry, progress=self.progress)

    def _new(self, ledger: Ledger, list_name: str, people: tuple[Path, str], out: SendPlan, exclude: set[int],
             supersede: Dispatch | None, when: SendTime | None = None, safe: bool = False) -> int:
        message = self.message
        dispatch = ledger.create_dispatch(
            kind="real", slug=message.slug, list_name=list_name, transport=self.transport.name,
            content_hash=self.result.content_hash, content=message.to_dict(), fields=message.fields, subscribers=people[1],
            state="scheduled" if when else "planned", send_at=when.iso() if when else None, safe=safe,
            timezone=when.zone if when else None,
        )
        collector = Collector(self._audience(people, list_name), exclude)
        ledger.add_batches(dispatch, batched(collector.rows()))
        withdrawn = {hash(k) for k in collector.withdrawn()}
        if withdrawn:
            filter_open(ledger, dispatch, lambda h: h not in withdrawn)
        fill_counts(out, collector)
        if out.recipients == 0:
            raise AudienceError(
                f"{people[1]}: nobody to send to on the list '{list_name}' "
                f"({', '.join(f'{n} {r}' for r, n in out.skipped.items()) or 'no rows'})"
            )
        ledger.set_dispatch(dispatch, recipients=out.recipients, skipped=out.skipped)
        if supersede:
            ledger.set_dispatch(supersede.id, state="superseded", superseded_by=dispatch)
        out.dispatch = dispatch
        return dispatch

    def _resume(self, ledger: Ledger, existing: Dispatch, people: tuple[Path, str], out: SendPlan, exclude: set[int],
                resend_unknown: bool, skip_unknown: bool) -> int:
        dispatch = existing.id
        out.state, out.dispatch = "resume", dispatch
        info = out.resume = Resume(dispatch, existing.created, accepted=existing.batches.get("accepted", (0, 0)))
        ledger.interrupted_to_unknown(dispatch)
        info.unknown = ledger.batches(dispatch, ["unknown"])
        if info.unknown and (resend_unknown or skip_unknown):
            info.unknown_action = "resend" if resend_unknown else "skip"
            ledger.settle_unknown(dispatch, info.unknown_action)
        # Re-read the subscribers: never mail who left since; add who joined the list since.
        collector = Collector(self._audience(people, existing.list_name), exclude)
        info.dropped, info.added = replan(ledger, dispatch, collector)
        fill_counts(out, collector)
        open_batches = ledger.batches(dispatch, OPEN_BATCH)
        out.recipients, out.requests = sum(b.size for b in open_batches), len(open_batches)
        return dispatch


def _changed_message(existing: Dispatch, issue: str, zone: str) -> str:
    mailed = existing.batches.get("accepted", (0, 0))[1]
    when = local_text(read_stored(existing.created), zone)
    finished = existing.state == "done"
    return (
        f"{issue} was {'sent' if finished else 'being sent'} to '{existing.list_name}' on {when} (dispatch {existing.id}, "
        f"{count(mailed, 'recipient')} mailed{'' if finished else ', not finished'}), and the email it "
        "makes has changed since: the issue, one of its items, a template or bulletin.yaml was edited. Nothing was sent. "
        "To send the new version to the whole list again, add --new-dispatch"
        + ("." if finished else "; to finish the earlier dispatch instead, undo that edit and run the same command.")
    )
