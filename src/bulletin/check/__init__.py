"""Pre-send checks: will this bulletin land in the inbox, whole, and work for everyone?

Public API: :func:`run_checks` and :class:`CheckReport` (``.errors``, ``.warnings``, ``.notes``,
``.ok``, ``.to_json()``), :class:`Finding`. The fast checks (content, size, accessibility, and the
build's warnings about the inputs) need no network; ``links=True`` checks every URL over HTTP (and measures images), ``spam=True`` scores the message with
SpamAssassin when it is installed and ``clients=True`` lists the features email clients lack (caniemail.com's data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..build import BuildResult, project_file
from .a11y import check_accessibility
from .content import check_content
from .document import editions_of
from .findings import CheckReport, Finding, Severity, by_edition
from .links import LinkStatus, Progress
from .size import check_size, size_stats

__all__ = ["CheckReport", "Finding", "LinkStatus", "run_checks"]


def run_checks(
    result: BuildResult,
    *,
    links: bool = False,
    spam: bool = False,
    clients: bool = False,
    fetch: Callable[[str], LinkStatus] | None = None,
    clock: Callable[[], dt.datetime] | None = None,
    progress: Progress | None = None,
) -> CheckReport:
    """Check a prepared issue, every language edition of it; errors mean it must not be sent.

    ``fetch(url) -> LinkStatus`` and ``clock() -> aware datetime`` replace the HTTP client and the
    time used by the link cache (tests); ``progress(done, total)`` is called as links are checked.
    A finding of one edition names it (``Finding.edition``); one found alike in every edition is reported once.
    """
    docs = editions_of(result)
    langs = [doc.lang for doc in docs]
    report = CheckReport(issue=result.spec.path, editions=[doc.lang for doc in docs if doc.lang])
    report.checks += ["content", "size", "accessibility"]
    report.extend(by_edition(langs, [check_content(doc) for doc in docs]))
    # what the build warned about the inputs (a feed too short, an unused field, a section no item reaches)
    missing = set(result.untranslated)
    report.extend(Finding("warning", "build-warning", p.message, str(p.where), "content") for p in result.content_warnings
                  if p not in missing)
    report.extend(_untranslated(result))
    report.extend(by_edition(langs, [[*check_size(doc), *check_accessibility(doc)] for doc in docs]))
    report.stats.update(size_stats(docs[0]))
    if report.editions:
        report.stats["editions"] = {doc.lang: size_stats(doc) for doc in docs}
    if links:
        from .links import check_links

        report.checks.append("links")
        found, stats = check_links(docs, fetch=fetch, clock=clock, progress=progress)  # each URL once for all editions
        report.extend(found)
        report.stats["links"] = stats
    if clients:
        from .clients import check_clients

        report.checks.append("clients")
        checked = [check_clients(doc) for doc in docs]
        report.extend(by_edition(langs, [found for found, _stats in checked]))
        report.stats["clients"] = checked[0][1]  # the default edition's figures
    if spam:
        from .spam import check_spam

        report.checks.append("spam")
        scored = [check_spam(doc.result) for doc in docs]
        report.extend(by_edition(langs, [found for found, _verdict in scored]))
        report.stats["spam"] = scored[0][1].to_dict() if scored[0][1] else None
        for doc, (_found, verdict) in zip(docs, scored, strict=True):
            if doc.lang:
                report.stats["editions"][doc.lang]["spam_score"] = verdict.score if verdict else None
    return report


def _untranslated(result: BuildResult) -> list[Finding]:
    """One finding per text an edition shows in the default language: an error with ``require_translations``."""
    project = result.project
    severity: Severity = "error" if project.require_translations else "warning"
    default = project.editions[0]
    why = f" (require_translations: true in {project_file(project)})" if project.require_translations else ""
    return [Finding(severity, "untranslated", f"{missing.what} has no {edition.lang} translation, so the {edition.lang} edition "
                    f"shows it in {default}{why}", missing.where, "content", edition.lang)
            for edition in result.editions.values() for missing in edition.missing]
