"""The send plan: who gets the issue, who does not and why, how many requests, what blocks sending.

Recipients are streamed from the subscribers file (a ``Collector``) into batches of at most 1000 (one
request each) in the ledger, one language's edition per batch; a dry run does the same inside a transaction
it rolls back, so both give the same figures.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..audience import REASONS, Audience, AudienceReport
from ..build import BuildResult
from ..errors import Problem
from ..ledger import LIVE, OPEN_BATCH, Batch, Dispatch, Ledger
from ..mail import MAX_PER_REQUEST
from ..render.context import UNSUBSCRIBE_TAG
from ..words import count

ALREADY = "in another list's dispatch"  # of the same issue: they get it (or got it) from that one
SKIP_REASONS = (*REASONS, ALREADY)
Row = list[str]  # [email, merge values...]
Edition = tuple[str, Row]  # (the language of the edition they get, their row)


@dataclass
class Resume:
    """Where an existing dispatch stands."""

    dispatch: int
    created: str
    accepted: tuple[int, int] = (0, 0)  # (batches, recipients)
    unknown: list[Batch] = field(default_factory=list)
    unknown_action: str | None = None  # resend | skip | None (listed, left alone)
    dropped: int = 0  # recipients removed from unsent batches (unsubscribed, bounced, gone)
    added: int = 0  # newly eligible subscribers added


@dataclass
class SendPlan:
    """Everything the user confirms before a send."""

    issue: str  # the issue file as shown
    slug: str
    subject: str
    list_name: str | None
    transport: str  # transport.describe()
    subscribers: str
    recipients: int = 0  # to be mailed by this run
    requests: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    editions: dict[str, int] = field(default_factory=dict)  # recipients per edition (several languages only), default first
    fell_back: dict[str, int] = field(default_factory=dict)  # of the default edition's, why: blank, a language not offered
    subjects: dict[str, str] = field(default_factory=dict)  # each edition's subject (several languages only)
    suppressed: dict[str, int] = field(default_factory=dict)  # suppressed at SendGrid, per kind (suppressions.KINDS)
    problems: list[Problem] = field(default_factory=list)  # bad and duplicate rows, by row number
    html_bytes: int = 0
    text_bytes: int = 0
    seconds: float = 0.0  # estimated duration
    errors: list[str] = field(default_factory=list)  # blocking checks
    warnings: list[str] = field(default_factory=list)
    missing_fields: list[str] = field(default_factory=list)
    state: str = "new"  # new | resume | already sent
    resume: Resume | None = None
    test: list[str] = field(default_factory=list)
    dispatch: int | None = None
    send_at: str | None = None  # a scheduled dispatch: UTC, ISO 8601
    timezone: str | None = None  # the zone its time is shown in
    safe: bool = False  # a crash is recovered by cancelling and re-sending the whole batch
    notes: list[str] = field(default_factory=list)  # what the scheduler decided and why

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        out = {k: v for k, v in self.__dict__.items() if k not in ("problems", "resume")}
        out["problems"] = [str(p) for p in self.problems]
        if self.resume:
            out["resume"] = {**self.resume.__dict__, "unknown": [b.seq for b in self.resume.unknown]}
        return out


def new_plan(result: BuildResult, *, list_name: str | None, transport: str, subscribers: str) -> SendPlan:
    """A plan with the issue's figures filled in; the recipients are filled in by ``fill_counts``."""
    sizes = result.manifest.get("sizes", {})
    return SendPlan(
        issue=result.spec.path, slug=result.spec.slug, subject=result.spec.subject, list_name=list_name,
        transport=transport, subscribers=subscribers, html_bytes=int(sizes.get("html_bytes", len(result.rendered.html.encode()))),
        text_bytes=int(sizes.get("text_bytes", len(result.rendered.text.encode()))), warnings=result.summed_warnings(),
        subjects={lang: e.spec.subject for lang, e in result.editions.items()} if len(result.editions) > 1 else {},
    )


def blocking_checks(result: BuildResult, transport: str) -> tuple[list[str], list[str]]:
    """(errors, warnings) of the fast pre-send checks of every language edition; errors block sending unless forced."""
    from ..check import run_checks

    report = run_checks(result)
    errors = [str(f) for f in report.errors]
    warnings = [str(f) for f in report.warnings if f.code != "untranslated"]  # the plan sums those up (BuildResult.summed_warnings)
    uses_asm = any(UNSUBSCRIBE_TAG in edition.rendered.html for edition in result.editions.values()) or \
        UNSUBSCRIBE_TAG in result.rendered.html
    if transport == "sendgrid" and uses_asm and not result.project.sendgrid.unsubscribe_group_id:
        errors.append(
            "bulletin.yaml: sendgrid.unsubscribe_group_id is not set, so the unsubscribe link would not work; "
            "create an unsubscribe group in SendGrid (Suppressions > Unsubscribe Groups) and put its id there"
        )
    return errors, warnings


def by_edition(rows: Iterable[Edition], size: int = MAX_PER_REQUEST) -> Iterator[tuple[str, list[Row]]]:
    """(language, rows) in lists of at most ``size`` of one language: one open list per language, each yielded when full,
    the rest at the end."""
    open_: dict[str, list[Row]] = {}
    for lang, row in rows:
        batch = open_.get(lang)
        if batch is None:
            batch = open_[lang] = []
        batch.append(row)
        if len(batch) == size:
            yield lang, batch
            open_[lang] = []
    for lang, batch in open_.items():
        if batch:
            yield lang, batch


def add_editions(ledger: Ledger, dispatch: int, batches: Iterable[tuple[str, list[Row]]], *, start_seq: int = 1) -> tuple[int, int]:
    """Insert (language, rows) batches into a dispatch (inside a transaction); return (batches, recipients) added."""
    seq, recipients = start_seq, 0
    for lang, rows in batches:
        added, people = ledger.add_batches(dispatch, [rows], start_seq=seq, language=lang or None)
        seq, recipients = seq + added, recipients + people
    return seq - start_seq, recipients


class Collector:
    """Streams an audience into rows, leaving out addresses in another list's dispatch of the issue."""

    def __init__(self, audience: Audience, exclude: set[int] | None = None) -> None:
        self.audience = audience
        self.exclude = exclude or set()
        self.excluded: set[int] = set()
        self.held: list[str] = []  # the addresses left out: the ledger keeps them (owed if the other lets them go)
        self.count = 0
        self.fell_back: Counter[str] = Counter()  # why recipients get the default edition, not their own

    def rows(self) -> Iterator[Edition]:
        """(edition, [email, values...]) per recipient, in file order."""
        exclude, excluded, fell_back, held = self.exclude, self.excluded, self.fell_back, self.held
        for chunk in self.audience.chunks():  # lists: no generator between the file and here (this runs per recipient)
            for recipient in chunk:  # (row, email, key, values, lang, fell_back), indexed
                if exclude and hash(recipient[2]) in exclude:
                    excluded.add(hash(recipient[2]))
                    held.append(recipient[2])
                    continue
                self.count += 1
                if recipient[5] is not None:
                    fell_back[recipient[5]] += 1
                yield recipient[4], [recipient[1], *recipient[3]]

    def withdrawn(self) -> set[str]:
        """Addresses yielded, then found unsubscribed/bounced in a later row: drop them from the batches."""
        return {k for k in self.audience.report.withdrawn if hash(k) not in self.excluded}

    def figures(self) -> tuple[int, dict[str, int]]:
        """(recipients, skipped per reason) once the rows have been read."""
        report: AudienceReport = self.audience.report
        skipped = Counter(report.skipped)
        already = len(self.excluded)
        # an excluded address later withdrawn was counted by the audience under its status too
        double = sum(1 for k in report.withdrawn if hash(k) in self.excluded)
        skipped[ALREADY] = already - double
        recipients = self.count - len(self.withdrawn())
        return recipients, {r: skipped[r] for r in SKIP_REASONS if skipped[r]}


def fill_counts(plan: SendPlan, collector: Collector) -> None:
    """Copy a collector's figures and the audience's bad rows into the plan."""
    plan.recipients, plan.skipped = collector.figures()
    report = collector.audience.report
    plan.problems = report.problems()
    plan.missing_fields = list(report.missing_fields)
    plan.suppressed = dict(report.sendgrid)
    plan.requests = math.ceil(plan.recipients / MAX_PER_REQUEST)


def fill_editions(plan: SendPlan, ledger: Ledger, dispatch: int, languages: Sequence[str]) -> None:
    """The requests the dispatch's unsent batches make (one edition each: more than recipients / 1000 with several) and,
    when it has several editions (``languages``, default first), their recipients per edition."""
    found = ledger.languages(dispatch, OPEN_BATCH)
    plan.requests = sum(batches for batches, _ in found.values())
    if len(languages) < 2:
        return
    counts = {lang: found.get(lang, (0, 0))[1] for lang in languages}
    counts[languages[0]] += found.get(None, (0, 0))[1]  # a batch with no language gets the default edition
    plan.editions = counts


def already_planned(ledger: Ledger, slug: str, list_name: str, transport: str) -> set[int]:
    """hash(address) of everyone in the live dispatches of this issue to other lists: they get it from those."""
    others = [d.id for d in ledger.dispatches(slug) if d.kind == "real" and d.transport == transport
              and str(d.list_name).casefold() != list_name.casefold() and d.state in LIVE]
    return {hash(k) for k in ledger.keys(others, ("pending", "sending", "accepted", "failed", "unknown"))}


def replan(ledger: Ledger, dispatch: int, collector: Collector) -> tuple[int, int]:
    """Re-read the subscribers into a dispatch (inside a transaction): drop who left from unsent batches,
    add who joined. Returns (dropped, added)."""
    # One set, emptied as the file is read: what is left was planned but is no longer eligible. (Two
    # sets, planned and eligible, would double the memory: ~70 MB per million addresses.)
    unseen = {hash(k) for k in ledger.keys([dispatch])}
    old_open = {b.id for b in ledger.batches(dispatch, OPEN_BATCH)}

    def newcomers() -> Iterator[Edition]:
        for lang, row in collector.rows():  # each address once: the audience drops duplicates
            digest = hash(row[0].lower())
            if digest in unseen:
                unseen.discard(digest)  # planned already, in the edition it was planned in
            else:
                yield lang, row

    _, added = add_editions(ledger, dispatch, by_edition(newcomers()), start_seq=ledger.next_seq(dispatch))
    unseen |= {hash(k) for k in collector.withdrawn()}
    ledger.hold(dispatch, collector.held)  # those held before and let go since were just added, if still on the list
    removed = filter_open(ledger, dispatch, lambda digest: digest not in unseen)
    dropped = sum(n for batch, n in removed.items() if batch in old_open)
    added -= sum(n for batch, n in removed.items() if batch not in old_open)
    return dropped, added


def owed(ledger: Ledger, dispatch: Dispatch) -> set[str]:
    """Who a dispatch left to another list's dispatch of the issue that no longer holds them (left its list, cancelled)."""
    held = ledger.held(dispatch.id)
    if not held:
        return set()
    assert dispatch.list_name is not None
    still = already_planned(ledger, dispatch.slug, dispatch.list_name, dispatch.transport)
    return {key for key in held if hash(key) not in still}


def pay_owed(ledger: Ledger, dispatch: Dispatch, collector: Collector, keys: set[str]) -> int:
    """Add the owed (``keys``) still on the dispatch's list as new batches, and forget them as held (inside a
    transaction). Returns how many were added; whoever left the list meanwhile is owed nothing."""

    def rows() -> Iterator[Edition]:
        for lang, row in collector.rows():
            if row[0].lower() in keys:
                yield lang, row

    _, added = add_editions(ledger, dispatch.id, by_edition(rows()), start_seq=ledger.next_seq(dispatch.id))
    withdrawn = {hash(k) for k in collector.withdrawn()}  # unsubscribed by a later row
    if withdrawn:
        added -= sum(filter_open(ledger, dispatch.id, lambda digest: digest not in withdrawn).values())
    ledger.hold(dispatch.id, [k for k in ledger.held(dispatch.id) if k not in keys])
    ledger.set_dispatch(dispatch.id, recipients=dispatch.recipients + added)
    return added


def filter_open(ledger: Ledger, dispatch: int, keep: Callable[[int], bool]) -> dict[int, int]:
    """Keep only recipients whose hash(key) passes ``keep`` in unsent batches; return removed per batch."""
    removed = {}
    for batch in ledger.batches(dispatch, OPEN_BATCH):
        rows = ledger.recipients(batch.id)
        kept = [row for row in rows if keep(hash(row[0].lower()))]
        if len(kept) != len(rows):
            ledger.replace_recipients(batch.id, kept)
            removed[batch.id] = len(rows) - len(kept)
    return removed


def estimate(requests: int, seconds_per_request: float) -> float:
    """Rough duration of the sending part."""
    return requests * seconds_per_request


def duration_text(seconds: float) -> str:
    """'under a minute', 'about 4 minutes', 'about 2 hours'."""
    if seconds < 60:
        return "under a minute"
    if seconds < 3600:
        return f"about {count(round(seconds / 60), 'minute')}"
    hours = round(seconds / 3600, 1)
    return f"about {hours:g} hour{'' if hours == 1 else 's'}"
