"""Findings of the pre-send checks and the report that groups them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning", "note"]

#: The order groups are reported in.
GROUPS = ("content", "size", "links", "spam", "accessibility", "clients")


@dataclass(frozen=True)
class Finding:
    """One thing a check found: errors block sending, warnings and notes do not."""

    severity: Severity
    code: str  # stable identifier for CI pipelines, e.g. "no-unsubscribe"
    message: str
    where: str = ""  # "content/x.md:1", a template path, or an HTML snippet
    group: str = "content"

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


@dataclass
class CheckReport:
    """Every finding of one run of the checks, plus a few figures (sizes, spam score)."""

    issue: str
    findings: list[Finding] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  # groups that ran
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        """Findings that block sending."""
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        """Findings worth a look that do not block sending."""
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def notes(self) -> list[Finding]:
        """Information, e.g. a check that could not run."""
        return [f for f in self.findings if f.severity == "note"]

    @property
    def ok(self) -> bool:
        """True when nothing blocks sending."""
        return not self.errors

    def extend(self, findings: Iterable[Finding]) -> None:
        """Add findings of one check."""
        self.findings.extend(findings)

    def grouped(self) -> dict[str, list[Finding]]:
        """Findings by group, errors first within a group, groups in a fixed order."""
        rank = {"error": 0, "warning": 1, "note": 2}
        groups: dict[str, list[Finding]] = {}
        for group in GROUPS + tuple(sorted({f.group for f in self.findings} - set(GROUPS))):
            found = sorted((f for f in self.findings if f.group == group), key=lambda f: rank[f.severity])
            if found:
                groups[group] = found
        return groups

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with stable keys."""
        return {
            "issue": self.issue,
            "ok": self.ok,
            "counts": {"errors": len(self.errors), "warnings": len(self.warnings), "notes": len(self.notes)},
            "checks": list(self.checks),
            "stats": self.stats,
            "findings": [asdict(f) for f in self.findings],
        }

    def to_json(self) -> str:
        """The report as a JSON document (see :meth:`to_dict` for the keys)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, sort_keys=True)
