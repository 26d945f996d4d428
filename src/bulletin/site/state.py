"""Which issues are published: ``<state>/published.json``, the one record of what the site holds.

Only ``bulletin publish`` adds an issue here (with the date it was first published), so an issue never
published (a draft) cannot reach the archive or the feed. Each record keeps what the archive and the feed
show of its issue, so publishing one issue does not need every other issue file to build.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ..errors import BulletinError
from ..model import Project
from .files import write_if_changed

STATE_FILE = "published.json"
VERSION = 1


@dataclass(frozen=True)
class EntryItem:
    """An item as the feed lists it."""

    title: str
    url: str


@dataclass(frozen=True)
class EntrySection:
    """A section as the feed lists it."""

    title: str
    items: list[EntryItem]


@dataclass(frozen=True)
class Publication:
    """One published issue: when, its page's fingerprint, and what the archive and feed show of it."""

    slug: str
    issue: str  # the issue file, relative to the project
    published: str  # UTC, ISO 8601: first published
    updated: str  # UTC, ISO 8601: when its web edition last changed
    html_hash: str  # sha256 of site/<slug>/index.html
    title: str
    subject: str
    preheader: str
    period_start: str
    period_end: str
    period_label: str
    lang: str
    image: str | None = None  # the featured (or first) picture, for cards
    sections: list[EntrySection] = field(default_factory=list)
    pdf_hash: str | None = None  # the index.html hash the PDF was printed from

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Publication:
        """Read one record back."""
        sections = [EntrySection(s["title"], [EntryItem(**i) for i in s["items"]]) for s in data.get("sections", [])]
        return cls(**{**data, "sections": sections})


def state_path(project: Project) -> Path:
    """``<project>/<state>/published.json``."""
    return Path(project.root) / project.state_dir / STATE_FILE


@dataclass
class SiteState:
    """The published issues by slug, and when the set of them last changed (the feed's ``updated``)."""

    issues: dict[str, Publication] = field(default_factory=dict)
    changed: str | None = None  # UTC, ISO 8601


def load_state(project: Project) -> SiteState:
    """What is published (nothing when nothing ever was)."""
    path = state_path(project)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return SiteState()
    except (OSError, ValueError) as exc:
        raise BulletinError(f"{path}: cannot read the list of published issues ({exc}); restore it from a backup") from None
    try:
        issues = {slug: Publication.from_json({"slug": slug, **record}) for slug, record in data["issues"].items()}
        return SiteState(issues, data.get("changed"))
    except (KeyError, TypeError, AttributeError) as exc:
        raise BulletinError(f"{path}: the list of published issues is damaged ({exc}); restore it from a backup") from None


def save_state(project: Project, state: SiteState) -> bool:
    """Write the records (sorted, so the file changes only when a record does); True when it changed."""
    records = {}
    for slug in sorted(state.issues):
        record = asdict(state.issues[slug])
        del record["slug"]
        records[slug] = record
    data = {"version": VERSION, "changed": state.changed, "issues": records}
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
    return write_if_changed(state_path(project), text.encode())


def is_published(project: Project, slug: str) -> bool:
    """Whether ``bulletin publish`` put this issue on the site (a damaged record file counts as no)."""
    try:
        return slug in load_state(project).issues
    except BulletinError:
        return False


__all__ = ["EntryItem", "EntrySection", "Publication", "SiteState", "is_published", "load_state", "save_state", "state_path"]
