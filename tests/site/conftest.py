"""Fixtures for the site tests: the example project with three issues, and what a publish wrote."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from sitetools import T0

#: (slug, title, period): three quarters of 2021 from the example's content/.
ISSUES = (
    ("2021-q1", "Bulletin #5", "2021-01-01", "2021-03-31"),
    ("2021-q2", "Bulletin #6 (draft)", "2021-04-01", "2021-06-30"),
    ("2021-q3", "Bulletin #7", "2021-07-01", "2021-09-30"),
)


def issue_yaml(title: str, start: str, end: str, preheader: str = "What we did this quarter") -> str:
    return (
        f'title: "{title}"\npreheader: "{preheader}"\nperiod: {{start: {start}, end: {end}}}\nsource: content/\n'
        "sections:\n  - {title: Position papers, tags: [Position paper]}\n  - {title: More news}\n"
    )


@pytest.fixture
def quarters(tmp_project: Path, write: Callable[[str, str], Path]) -> Path:
    """The example project with issues/2021-q1.yaml, -q2 and -q3 (none published)."""
    for slug, title, start, end in ISSUES:
        write(f"issues/{slug}.yaml", issue_yaml(title, start, end))
    return tmp_project


@pytest.fixture
def clock() -> Callable[[], dt.datetime]:
    """A fixed 'now' for publish (2021-07-05 07:00 UTC)."""
    return lambda: T0
