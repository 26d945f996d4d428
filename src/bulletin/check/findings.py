"""Findings of the pre-send checks and the report that groups them."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field, replace
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
    edition: str = ""  # the language edition it concerns ("": all of them, or a one-language issue)

    def __str__(self) -> str:
        text = f"{self.where}: {self.message}" if self.where else self.message
        return f"[{self.edition}] {text}" if self.edition else text


def by_edition(langs: list[str], found: list[list[Finding]]) -> list[Finding]:
    """The findings of each language edition (``found[i]`` of ``langs[i]``) naming it; one every edition has, once
    and naming none (a one-language issue's: as they are)."""
    if len(found) == 1:
        return found[0]
    everywhere = set.intersection(*(set(own) for own in found))
    return [finding if finding in everywhere else replace(finding, edition=lang)
            for index, (lang, own) in enumerate(zip(langs, found, strict=True)) for finding in own
            if finding not in everywhere or index == 0]


@dataclass
class CheckReport:
    """Every finding of one run of the checks, plus a few figures (sizes, spam score)."""

    issue: str
    findings: list[Finding] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)  # groups that ran
    stats: dict[str, Any] = field(default_factory=dict)
    editions: list[str] = field(default_factory=list)  # the languages checked, when the issue has several

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
        """A JSON-ready dict with stable keys; with several editions, ``editions`` and each finding's ``edition``
        (null: it concerns every edition)."""
        findings = [asdict(f) for f in self.findings]
        for finding in findings:
            if self.editions:
                finding["edition"] = finding["edition"] or None
            else:
                del finding["edition"]  # a one-language issue: the report as before editions
        data = {
            "issue": self.issue,
            "ok": self.ok,
            "counts": {"errors": len(self.errors), "warnings": len(self.warnings), "notes": len(self.notes)},
            "checks": list(self.checks),
            "stats": self.stats,
            "findings": findings,
        }
        if self.editions:
            data["editions"] = list(self.editions)
        return data

    def to_json(self) -> str:
        """The report as a JSON document (see :meth:`to_dict` for the keys)."""
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False, sort_keys=True)
