"""Select an issue's items: editorial controls, period, dedupe, sections, order."""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit, urlunsplit

from .errors import ConfigError, Problem, raise_if
from .model import IssueSpec, Item, LeftOut, NearMiss, Section, SectionSpec, Selection
from .words import count


def select(spec: IssueSpec, items: Iterable[Item]) -> Selection:
    """Group the items of ``spec``'s period into its sections; say what was left out and why."""
    unique: list[Item] = []
    left_out: list[LeftOut] = []
    seen: set[str] = set()
    for item in items:
        key = same_page(item.url)
        if key in seen:
            left_out.append(LeftOut(item, "duplicate"))
            continue
        seen.add(key)
        unique.append(item)

    refs = _References(spec, unique)
    excluded = {id(item) for item in refs.resolve("exclude", spec.exclude)}
    included = {id(item) for item in refs.resolve("include", spec.include)}
    pinned = refs.resolve("pin", spec.pin)
    featured = refs.resolve("featured", [spec.featured] if spec.featured else [])
    raise_if(refs.problems, ConfigError, f"{spec.path} refers to items that are not in its sources")
    lead = featured[0] if featured else None
    # an item both excluded and featured/pinned/included is a contradiction: say so, do not pick one
    for key in ("featured", "pin", "include"):
        refs.clash(key, excluded)
    raise_if(refs.problems, ConfigError, f"{spec.path} asks for items it also excludes")

    candidates: list[Item] = []
    exclude_tags = {fold(tag) for tag in spec.exclude_tags}
    for item in unique:
        if item.draft:
            left_out.append(LeftOut(item, "draft"))
        elif id(item) in excluded:
            left_out.append(LeftOut(item, "excluded"))
        elif item is lead:
            continue
        elif item.date not in spec.period and id(item) not in included:
            left_out.append(LeftOut(item, "outside period"))
        elif exclude_tags.intersection(map(fold, item.tags)):
            left_out.append(LeftOut(item, "excluded tag"))
        else:
            candidates.append(item)

    # tags match whatever their case or spacing: "event" in a file is the section's "Event"
    section_tags = {section.title: {fold(tag) for tag in section.tags} for section in spec.sections}
    buckets: dict[str, list[Item]] = {section.title: [] for section in spec.sections}
    ranked = matching_order(spec)
    for item in candidates:
        tags = {fold(tag) for tag in item.tags}
        home = next((s for s in ranked if not s.tags or section_tags[s.title] & tags), None)
        if home is None:
            left_out.append(LeftOut(item, "no matching section"))
        else:
            buckets[home.title].append(item)
    reasons = {id(lo.item): lo.reason for lo in left_out}
    empty = {s.title: _why_empty(spec, s, section_tags[s.title], buckets, unique, lead, reasons)
             for s in spec.sections if not buckets[s.title]}
    for key in ("featured", "include", "pin"):
        refs.not_shown(key, reasons)
    raise_if(refs.problems, ConfigError, f"{spec.path} asks for items that are not in the issue")

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
    # a section tag no item has is misspelt itself: the build says so, with the item tag it probably means
    used = {fold(tag) for item in unique for tag in item.tags}
    near = near_misses(spec, [lead, *candidates] if lead else candidates, used)
    return Selection(featured=lead, sections=sections, left_out=left_out, empty=empty, near_misses=near)


def matching_order(spec: IssueSpec) -> list[SectionSpec]:
    """The sections in the order they take items: match_order's first, then the others as listed; a catch-all last."""
    by_title = {section.title: section for section in spec.sections}
    named = [by_title[title] for title in spec.match_order if title in by_title]
    ranked = named + [section for section in spec.sections if section not in named]
    return [section for section in ranked if section.tags] + [section for section in ranked if not section.tags]


def _why_empty(spec: IssueSpec, section: SectionSpec, tags: set[str], buckets: dict[str, list[Item]], items: list[Item],
               lead: Item | None, reasons: Mapping[int, str]) -> str | None:
    """Why a section got no item, in words (None: no item has its tags, which the unknown-tag warning says; or a catch-all)."""
    if not section.tags:  # nothing left over for the catch-all: every item found its section, nothing to warn about
        return None
    named = " or ".join(section.tags)
    took = Counter(title for title, chosen in buckets.items() for item in chosen if tags & {fold(t) for t in item.tags})
    tagged = [item for item in items if tags & {fold(t) for t in item.tags}]
    earlier = "comes earlier in match_order" if spec.match_order else \
        "comes earlier in sections (add match_order: to say which section takes an item first)"
    if took:
        total = sum(took.values())
        if len(took) == 1:
            [(home, _n)] = took.items()
            whom = f"all {count(total, 'item')} tagged {named} went to {home}" if total > 1 else f"the 1 item tagged {named} went to {home}"
            return f"{whom}, which {earlier}"
        homes = [f"{home} ({n})" for home, n in took.most_common()]
        return f"the {count(total, 'item')} tagged {named} went to {', '.join(homes[:-1])} and {homes[-1]}, which {earlier.replace('comes', 'come')}"
    if lead is not None and lead in tagged and len(tagged) == 1:
        return f"the only item tagged {named} is the featured one"
    if not tagged:
        return None
    why = Counter(reasons.get(id(item), "featured") for item in tagged)
    parts = ", ".join(f"{n} {reason}" for reason, n in why.most_common())
    return f"no item of the issue is tagged {named} ({count(len(tagged), 'item')} tagged so: {parts})"


def near_misses(spec: IssueSpec, items: Iterable[Item], used: set[str] | None = None) -> list[NearMiss]:
    """Item tags one or two edits from a section's tag (a typo, a plural), that match no section as written;
    only section tags in ``used`` (folded) when given."""
    wanted = {fold(tag): (tag, section.title) for section in spec.sections for tag in section.tags
              if used is None or fold(tag) in used}
    every = {fold(tag) for section in spec.sections for tag in section.tags}
    found: dict[str, tuple[str, str, str, list[Item]]] = {}  # folded item tag -> (as first written, section tag, title, items)
    far: set[str] = set()  # folded item tags near no section tag
    for item in items:
        for tag in item.tags:
            folded = fold(tag)
            if folded in every or folded in far:
                continue
            if folded in found:
                found[folded][3].append(item)
                continue
            near = _nearest(folded, wanted)
            if near is None:
                far.add(folded)
            else:
                found[folded] = (tag, *wanted[near], [item])
    return [NearMiss(tag, section_tag, title, tuple(found_items)) for tag, section_tag, title, found_items in found.values()]


def _nearest(folded: str, wanted: Iterable[str]) -> str | None:
    """The first of ``wanted`` one or two edits from ``folded`` (one for short words), or None."""
    limits = {target: 1 if min(len(folded), len(target)) <= 4 else 2 for target in wanted}
    # an edit changes at most two letter counts, by one each: a tag whose letters differ more is far
    # (and rapidfuzz, slow to import, is imported only for the tags that may be near)
    letters = Counter(folded)
    close = [target for target, limit in limits.items() if _letters_apart(letters, target) <= 2 * limit]
    if not close:
        return None
    from rapidfuzz.distance import OSA  # counts two swapped letters as one edit

    for target in close:
        if OSA.distance(folded, target, score_cutoff=limits[target]) <= limits[target]:
            return target
    return None


def _letters_apart(letters: Counter[str], word: str) -> int:
    """How many letters one would have to add or remove to turn ``letters`` into those of ``word``."""
    apart = letters.copy()
    apart.subtract(word)
    return sum(abs(n) for n in apart.values())


class _References:
    """Resolves the urls or item files named in featured/pin/exclude/include."""

    def __init__(self, spec: IssueSpec, items: list[Item]) -> None:
        self.spec = spec
        self.by_key: dict[str, Item] = {}
        for item in items:
            self.by_key[item.url] = item
            self.by_key.setdefault(item.url.rstrip("/"), item)
            self.by_key.setdefault(same_page(item.url), item)  # https://EXAMPLE.org/a/ as copied from a browser
            if item.path:
                self.by_key.setdefault(item.path, item)
        self.items = items
        self.problems: list[Problem] = []
        self.found: dict[str, list[tuple[int, str, Item]]] = {}  # key -> (index, ref, item)

    def resolve(self, key: str, refs: list[str]) -> list[Item]:
        found = []
        for index, ref in enumerate(refs):
            forms = reference_forms(ref)
            norm = forms[0]
            item = next((self.by_key[form] for form in forms if form in self.by_key), None)
            if item is None:
                self._problem(key, index, f"no item with url or file '{ref}' in the sources{self._suggest(norm)}")
            else:
                found.append(item)
                self.found.setdefault(key, []).append((index, ref, item))
        return found

    def _suggest(self, ref: str) -> str:
        """A did-you-mean for a reference naming an item almost right: the file without its folder, http for https."""
        if "://" in ref:
            bare = ref.partition("://")[2].lower().rstrip("/")
            found = next((i.url for i in self.items if i.url.partition("://")[2].lower().rstrip("/") == bare), None)
        else:
            name = ref.rstrip("/").rpartition("/")[2]
            found = next((i.path for i in self.items if i.path and i.path.rpartition("/")[2] in (name, f"{name}.md")), None)
        return f" (did you mean '{found}'?)" if found else ""

    def clash(self, key: str, excluded: set[int]) -> None:
        """Report every entry of ``key`` naming an item that exclude: drops."""
        for index, ref, item in self.found.get(key, []):
            if id(item) in excluded:
                dropped_by = next((i for i, _, other in self.found["exclude"] if other is item), 0)
                line = self.spec.lines.get(("exclude", dropped_by))
                at = f" (line {line})" if line else ""
                self._problem(key, index, f"'{ref}' is also in exclude{at}: remove it from one of the two")

    def not_shown(self, key: str, reasons: Mapping[int, str]) -> None:
        """Report every entry of ``key`` naming an item the issue leaves out (asking for it does nothing)."""
        for index, ref, item in self.found.get(key, []):
            reason = reasons.get(id(item))
            if reason == "draft":
                self._problem(key, index, f"'{ref}' is a draft (draft: true in its file): publish it, or remove it from {key}")
            elif reason == "outside period":
                self._problem(key, index, f"'{ref}' is dated {item.date}, outside the period: add it to include: too, or remove the pin")
            elif reason is not None and reason != "duplicate":
                self._problem(key, index, f"'{ref}' is not in the issue ({reason}): remove it from {key}, or change its tags")

    def _problem(self, key: str, index: int, message: str) -> None:
        line = self.spec.lines.get((key, index))
        where = f"{self.spec.path}:{line}" if line else self.spec.path
        label = key if key == "featured" else f"{key}[{index}]"
        self.problems.append(Problem(where, f"{label}: {message}"))


def _anchor(title: str, taken: set[str]) -> str:
    """A stable, unique HTML id for a section heading."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    base = re.sub(r"[^a-z0-9]+", "-", ascii_title.lower()).strip("-") or "section"
    anchor, n = base, 2
    while anchor in taken:
        anchor, n = f"{base}-{n}", n + 1
    taken.add(anchor)
    return anchor


def reference_forms(ref: str) -> list[str]:
    """The keys a featured/pin/exclude/include entry is looked up by: as written (tidied), without a
    trailing slash, and as the page it names (an item is found by its url in these forms, or its file)."""
    norm = ref.strip()
    if not norm.lower().startswith(("http://", "https://")):
        norm = norm.replace("\\", "/")  # Windows Explorer's "Copy as path": content\x.md
    norm = norm.removeprefix("./")
    return [norm, norm.rstrip("/"), same_page(norm)]


def same_page(url: str) -> str:
    """A url as compared for duplicates: a feed's https://Example.org/a/ is a file's https://example.org/a."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), parts.query, parts.fragment))


def fold(tag: str) -> str:
    """A tag as compared: case and runs of spaces do not matter."""
    return " ".join(tag.split()).casefold()


def tags_in(items: Iterable[Item]) -> set[str]:
    """Every tag the items carry."""
    return {tag for item in items for tag in item.tags}
