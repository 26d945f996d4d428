"""Select an issue's items: editorial controls, period, dedupe, sections, order."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from .errors import ConfigError, Problem, raise_if
from .model import IssueSpec, Item, LeftOut, Section, Selection


def select(spec: IssueSpec, items: Iterable[Item]) -> Selection:
    """Group the items of ``spec``'s period into its sections; say what was left out and why."""
    unique: list[Item] = []
    left_out: list[LeftOut] = []
    seen: set[str] = set()
    for item in items:
        if item.url in seen:
            left_out.append(LeftOut(item, "duplicate"))
            continue
        seen.add(item.url)
        unique.append(item)

    refs = _References(spec, unique)
    excluded = {id(item) for item in refs.resolve("exclude", spec.exclude)}
    included = {id(item) for item in refs.resolve("include", spec.include)}
    pinned = refs.resolve("pin", spec.pin)
    featured = refs.resolve("featured", [spec.featured] if spec.featured else [])
    raise_if(refs.problems, ConfigError, f"{spec.path} refers to items that are not in its sources")
    lead = featured[0] if featured else None

    candidates: list[Item] = []
    exclude_tags = set(spec.exclude_tags)
    for item in unique:
        if id(item) in excluded:
            left_out.append(LeftOut(item, "excluded"))
        elif item is lead:
            continue
        elif item.date not in spec.period and id(item) not in included:
            left_out.append(LeftOut(item, "outside period"))
        elif exclude_tags.intersection(item.tags):
            left_out.append(LeftOut(item, "excluded tag"))
        else:
            candidates.append(item)

    buckets: dict[str, list[Item]] = {section.title: [] for section in spec.sections}
    for item in candidates:
        home = next((s for s in spec.sections if not s.tags or set(s.tags).intersection(item.tags)), None)
        if home is None:
            left_out.append(LeftOut(item, "no matching section"))
        else:
            buckets[home.title].append(item)

    rank = {id(item): index for index, item in enumerate(pinned)}
    newest = spec.order == "newest"
    sections: list[Section] = []
    anchors: set[str] = set()
    for section in spec.sections:
        chosen = buckets[section.title]
        if not chosen:
            continue
        chosen.sort(key=lambda i: (i.title.casefold(), i.url))
        chosen.sort(key=lambda i: i.date, reverse=newest)
        chosen.sort(key=lambda i: rank.get(id(i), len(rank)))
        sections.append(Section(section.title, _anchor(section.title, anchors), chosen, spec.notes.get(section.title, "")))
    return Selection(featured=lead, sections=sections, left_out=left_out)


class _References:
    """Resolves the urls or item files named in featured/pin/exclude/include."""

    def __init__(self, spec: IssueSpec, items: list[Item]) -> None:
        self.spec = spec
        self.by_key: dict[str, Item] = {}
        for item in items:
            self.by_key[item.url] = item
            self.by_key.setdefault(item.url.rstrip("/"), item)
            if item.path:
                self.by_key.setdefault(item.path, item)
        self.problems: list[Problem] = []

    def resolve(self, key: str, refs: list[str]) -> list[Item]:
        found = []
        for index, ref in enumerate(refs):
            norm = ref.strip().removeprefix("./")
            item = self.by_key.get(norm) or self.by_key.get(norm.rstrip("/"))
            if item is None:
                line = self.spec.lines.get((key, index))
                where = f"{self.spec.path}:{line}" if line else self.spec.path
                label = key if key == "featured" else f"{key}[{index}]"
                self.problems.append(Problem(where, f"{label}: no item with url or file '{ref}' in the sources"))
            else:
                found.append(item)
        return found


def _anchor(title: str, taken: set[str]) -> str:
    """A stable, unique HTML id for a section heading."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "section"
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


def tags_in(items: Iterable[Item]) -> set[str]:
    """Every tag the items carry."""
    return {tag for item in items for tag in item.tags}
