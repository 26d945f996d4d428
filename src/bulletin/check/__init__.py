"""Pre-send checks: will this bulletin land in the inbox, whole, and work for everyone?

Public API: :func:`run_checks` and :class:`CheckReport` (``.errors``, ``.warnings``, ``.notes``,
``.ok``, ``.to_json()``), :class:`Finding`. The fast checks (content, size, accessibility, and the
build's warnings about the inputs) need no network; ``links=True`` checks every URL over HTTP (and measures images), ``spam=True`` scores the message with
SpamAssassin when it is installed and ``clients=True`` lists the features email clients lack (caniemail.com's data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from ..build import BuildResult
from .a11y import check_accessibility
from .content import check_content
from .document import Document
from .findings import CheckReport, Finding
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
    """Check a prepared issue; errors mean it must not be sent.

    ``fetch(url) -> LinkStatus`` and ``clock() -> aware datetime`` replace the HTTP client and the
    time used by the link cache (tests); ``progress(done, total)`` is called as links are checked.
    """
    doc = Document(result)
    report = CheckReport(issue=result.spec.path)
    report.checks += ["content", "size", "accessibility"]
    report.extend(check_content(doc))
    # what the build warned about the inputs (a feed too short, an unused field, a section no item reaches)
    report.extend(Finding("warning", "build-warning", p.message, str(p.where), "content") for p in result.content_warnings)
    report.extend(check_size(doc))
    report.extend(check_accessibility(doc))
    report.stats.update(size_stats(doc))
    if links:
        from .links import check_links

        report.checks.append("links")
        found, stats = check_links(doc, fetch=fetch, clock=clock, progress=progress)
        report.extend(found)
        report.stats["links"] = stats
    if clients:
        from .clients import check_clients

        report.checks.append("clients")
        found_clients, client_stats = check_clients(doc)
        report.extend(found_clients)
        report.stats["clients"] = client_stats
    if spam:
        from .spam import check_spam

        report.checks.append("spam")
        found, verdict = check_spam(result)
        report.extend(found)
        report.stats["spam"] = verdict.to_dict() if verdict else None
    return report
