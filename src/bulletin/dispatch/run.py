"""Sending an issue: test sends, and dispatches to a list that are planned whole, then resumable.

Gather, then act: the issue is built and checked, the transport configured (a missing key fails
here), and the whole dispatch written to the ledger in one transaction before the first request.
A dry run does all of that inside a transaction it rolls back, so its plan is exactly what a real
run would do. One process sends per project at a time (a lock next to the ledger). A send with a
time (``at``) goes through ``scheduled``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from email_validator import EmailNotValidError

from ..addresses import normalise
from ..audience import SUPPRESSED
from ..build import prepare
from ..config import display_path as shown
from ..config import load_project
from ..errors import (
    AudienceError,
    BulletinError,
    CheckError,
    ConfigError,
    LedgerError,
    Option,
    Phrase,
    Problem,
    Remedy,
    raise_if,
)
from ..languages import match
from ..ledger import Clock, Dispatch, utc_now
from ..mail import messages_to_dict
from ..model import Project
from ..suppressions import why
from .deliver import OnProgress, SendReport, deliver
from .plan import (
    Resume,
    SendPlan,
    add_editions,
    already_planned,
    by_edition,
    estimate,
)
from .planner import Declined, NoKey, Planner, SendOptions, changed_error
from .retry import RetryPolicy
from .schedule.at import gone, to_list_at
from .schedule.handover import settle_owed
from .schedule.times import SAFE_LEAD, SendTime, parse_at, round_up
from .transport import Transport
from .transports import transport_for


def send(
    issue: str | os.PathLike[str],
    *,
    list_name: str | None = None,
    test: Sequence[str] | None = None,
    options: SendOptions | None = None,
    confirm: Callable[[SendPlan], bool] | None = None,
    progress: OnProgress | None = None,
    transport: Transport | None = None,
    clock: Clock | None = None,
    retry: RetryPolicy | None = None,
    project: Project | None = None,
) -> SendReport:
    """Send ISSUE to ``list_name`` (or as a test to ``test`` addresses), as ``options`` say; ``confirm(plan)`` may decline.

    The rest are the edges a caller (or a test) may replace: what shows progress, the transport
    (default: bulletin.yaml's), the clock, the retry policy, the loaded project.
    """
    options = options or SendOptions()
    if test and list_name:
        raise BulletinError("send either to a list or as a test, not both")
    if not test and not list_name:
        raise BulletinError("say who gets it: a list in the subscribers file, or test addresses")
    if test and (options.at is not None or options.safe):
        raise BulletinError("a test goes right away: a send time and safe sending are for sends to a list")
    if options.tz is not None and options.at is None:
        raise BulletinError("a time zone says which zone a send time is in: give the time too")
    if options.lang is not None and not test:
        raise BulletinError("a language is chosen for a test send; a send to a list gives each subscriber the edition in their language")
    project = project or load_project(issue)
    lang = edition_asked(project, options.lang)
    when: SendTime | None = None
    if options.at is not None or options.safe:
        now = (clock or utc_now)()
        zone = options.tz or project.timezone
        when = parse_at(options.at, zone, now) if options.at is not None else SendTime(round_up(now + SAFE_LEAD), zone)
    result = prepare(issue, project=project)
    if transport is None:
        try:
            transport = transport_for(project.transport, project, clock)  # what bulletin.yaml asks for
        except ConfigError as exc:  # no usable key: a dry run shows it as a blocking problem instead
            if not options.dry_run:
                raise
            transport = NoKey(str(exc))
    planner = Planner(project, result, transport, clock, progress, retry or RetryPolicy())
    people = _subscribers_file(project, options.subscribers)
    if test:
        return _test(planner, list(test), people, dry_run=options.dry_run, lang=lang)
    assert list_name is not None
    return _to_list(planner, list_name, people, options, confirm=confirm, when=when)


def plan(issue: str | os.PathLike[str], list_name: str, options: SendOptions | None = None, **edges: Any) -> SendPlan:
    """The send plan of ISSUE to ``list_name``; nothing is written or sent."""
    options = dataclasses.replace(options or SendOptions(), dry_run=True)
    return send(issue, list_name=list_name, options=options, **edges).plan


def _subscribers_file(project: Project, given: str | os.PathLike[str] | None) -> tuple[Path, str]:
    path = Path(given) if given is not None else Path(project.root) / project.subscribers
    return path, shown(path, Path(project.root))


def edition_asked(project: Project, lang: str | None) -> str | None:
    """The project's language ``lang`` means (``fr-BE`` is ``fr``), None if none was asked; an error if it has no such edition."""
    if lang is None:
        return None
    found = match(lang, project.editions)
    if found is None:
        if len(project.editions) == 1:
            raise ConfigError(f"there is no '{lang.strip()}' edition: the project has one language, {project.editions[0]} "
                              f"(languages: in {Path(project.path).name} lists them when there are several)")
        raise ConfigError(f"there is no '{lang.strip()}' edition: the project's languages are {', '.join(project.editions)}")
    return found


def _test(planner: Planner, addresses: list[str], people: tuple[Path, str], *, dry_run: bool, lang: str | None = None) -> SendReport:
    """A test send to addresses typed on the command line (never to someone unsubscribed or bounced): in the ``lang``
    edition, else each subscriber's own, else the default."""
    emails: dict[str, str] = {}
    given: dict[str, str] = {}  # as typed, for messages
    problems = []
    for address in addresses:
        try:
            email = normalise(address)
        except EmailNotValidError as exc:  # its text says what is wrong
            problems.append(Problem(Phrase((Option.TEST, address)), str(exc)))
            continue
        emails.setdefault(email.lower(), email)
        given.setdefault(email.lower(), address)
    raise_if(problems, AudienceError, "Not a valid test address")
    found: dict[str, tuple[tuple[str, ...], str]] = {}
    audience = planner.audience(people, None)
    try:  # merge values and edition of test addresses that are subscribers; fallbacks and the default otherwise
        for recipient in audience:
            if recipient.key in emails and recipient.key not in found:
                found[recipient.key] = (recipient.values, recipient.lang)
    except AudienceError as exc:  # a file that cannot be read whole may hide who left: a test is mail too
        raise AudienceError(
            f"Not sent: {people[1]} cannot be read whole, so bulletin cannot tell whether a test address unsubscribed or "
            f"bounced; fix the file (bulletin subscribers check lists its problems), then send the test again:\n{exc}"
        ) from None
    for key in emails:  # a test is mail too: never to someone who unsubscribed or bounced
        status = audience.report.suppressed.get(key)
        if status in SUPPRESSED:
            problems.append(Problem(Phrase((Option.TEST, given[key])), f"{status} in {people[1]}: nobody who unsubscribed or bounced is mailed"))
        elif status:
            problems.append(Problem(Phrase((Option.TEST, given[key])), f"has a status bulletin does not know in {people[1]} "
                                                             "(see bulletin subscribers check), so it is not mailed"))
        elif key in planner.sendgrid:
            project = planner.project
            problems.append(Problem(Phrase((Option.TEST, given[key])), f"{why(project.root, project.state_dir, key)} "
                                                             "(bulletin subscribers suppressed lists them)"))
    raise_if(problems, AudienceError, "Not sent: a test address may not be mailed")
    nobody = (("",) * len(planner.message.fields), planner.message.lang)  # not a subscriber: fallbacks, the default edition
    people_rows = [(lang or found.get(key, nobody)[1], [email, *found.get(key, nobody)[0]]) for key, email in emails.items()]
    rows = [row for _, row in people_rows]
    out = planner.new_plan(None, people, as_check=True)
    # a test send shows the checks' errors (a real send would refuse) and warnings, and never blocks: staff test to review
    out.test, out.recipients = [r[0] for r in rows], len(rows)
    editions = list(by_edition(people_rows))
    out.requests = len(editions)
    if len(planner.messages) > 1:
        out.editions = {e: n for e in planner.messages if (n := sum(1 for got, _ in people_rows if got == e))}
    if lang is not None:
        out.subject = planner.messages[lang].subject
    if dry_run:
        return SendReport(out, "dry run", transport=planner.transport.describe())
    messages = {edition: message.as_test() for edition, message in planner.messages.items()}
    message = planner.message
    with planner.ledger() as ledger:
        ledger.lock()
        with ledger.transaction():
            dispatch = ledger.create_dispatch(
                kind="test", slug=message.slug, list_name=None, transport=planner.transport.name,
                content_hash=planner.result.content_hash, content=messages_to_dict(messages), fields=message.fields,
                subscribers=people[1],
            )
            add_editions(ledger, dispatch, editions)
            ledger.set_dispatch(dispatch, recipients=len(rows))
        out.dispatch = dispatch
        report = deliver(ledger, dispatch, out, kind="test", transport=planner.transport, retry=planner.retry, progress=planner.progress)
    report.outcome = "test sent" if report.outcome == "sent" else report.outcome
    return report


def _to_list(planner: Planner, list_name: str, people: tuple[Path, str], options: SendOptions, *,
             confirm: Callable[[SendPlan], bool] | None, when: SendTime | None) -> SendReport:
    """Send to a list now, carry on an unfinished send, or (with a time, or a scheduled dispatch) go through ``scheduled``."""
    dry_run, new_dispatch, force = options.dry_run, options.new_dispatch, options.force
    safe = when is not None and options.safe is not False  # safe is the default for a send with a time
    out = planner.new_plan(list_name, people)
    if out.errors and not force and not dry_run:
        raise CheckError(f"{out.issue} cannot be sent until these are fixed", [Problem("", e) for e in out.errors],
                         remedy=Remedy.FORCE, to="send it anyway")
    slug, name = planner.result.spec.slug, planner.transport.name
    with planner.ledger() as ledger:
        ledger.lock()  # a dry run too: it would otherwise see another run's requests as interrupted
        existing = ledger.find_dispatch(slug, list_name, name)
        if when is not None or (existing is not None and existing.send_at is not None
                                and not gone(existing, (planner.clock or utc_now)())):
            return to_list_at(planner, ledger, existing, list_name, people, out, when=when, safe=safe, dry_run=dry_run,
                              confirm=confirm, new_dispatch=new_dispatch,
                              unknown_action=options.unknown)
        supersede: Dispatch | None = None
        if existing and existing.content_hash != planner.result.content_hash:
            if not new_dispatch:
                raise changed_error(existing, out.issue, planner.result.project.timezone)
            supersede, existing = existing, None
        elif existing and new_dispatch:
            raise LedgerError(
                f"{out.issue} has not changed since dispatch {existing.id} to '{list_name}' ({existing.created}); "
                "a new dispatch is only for a changed issue: it would mail everyone again"
            )
        exclude = already_planned(ledger, slug, list_name, name)
        if existing and existing.state == "done":
            paid = settle_owed(ledger, existing.id, transport=planner.transport, project=planner.project, retry=planner.retry,
                               progress=planner.progress, out=out, dry_run=dry_run, confirm=confirm)
            if paid is not None and paid.outcome != "already sent":
                return paid  # it left people to another list's dispatch that no longer mails them
            out.state, out.dispatch = "already sent", existing.id
            out.resume = Resume(existing.id, existing.created, accepted=existing.batches.get("accepted", (0, 0)))
            return SendReport(out, "already sent", existing.id, transport=planner.transport.describe())
        try:
            with ledger.transaction(commit=not dry_run):
                if existing:
                    dispatch = planner.resume(ledger, existing, people, out, exclude, options.unknown)
                else:
                    dispatch = planner.plan_new(ledger, list_name, people, out, exclude, supersede)
                out.seconds = estimate(out.requests, getattr(planner.transport, "seconds_per_request", 0.5))
                if not dry_run and confirm is not None and out.requests and not confirm(out):
                    raise Declined
        except Declined:
            return SendReport(out, "declined", transport=planner.transport.describe())
        if dry_run:
            out.dispatch = existing.id if existing else None  # a new one was rolled back
            return SendReport(out, "dry run", transport=planner.transport.describe())
        return deliver(ledger, dispatch, out, kind="real", transport=planner.transport, retry=planner.retry, progress=planner.progress)
