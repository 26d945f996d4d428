"""`bulletin new-issue`: a ready-to-edit issue spec, its sections proposed from the tags used in the period."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

from . import sources
from .config import load_project
from .errors import BulletinError, ConfigError
from .model import Item, Project
from .render.context import period_label
from .select import fold
from .words import count

_TEMPLATE = """\
# The {slug} issue. Edit the texts, then run: bulletin build issues/{slug}.yaml
title: {title}
subject: {subject}
preheader: "News, events, publications and position papers from {label}"
period: {{start: {start}, end: {end}}}    # inclusive
source: {content}/
{sections}order: newest
intro: |
  Welcome to this issue of our bulletin, covering {label}.
"""

# when the period has no tagged item yet
_USUAL = """\
sections:                                 # {why}: the usual sections
  - {title: Position papers, tags: [Position paper]}
  - {title: Events, tags: [Event]}
  - {title: Publications, tags: [Publication]}
  - {title: Press releases, tags: [Press release]}
  - {title: More news}                    # no tags: every remaining item
"""
MAX_PROPOSED = 8  # sections proposed from tags; rarer tags go to the catch-all
_PLAIN = re.compile(r"[A-Za-z0-9][\w .&()/'-]*")  # written as is in a YAML flow mapping


def new_issue(slug: str, start: dt.date, end: dt.date, *, force: bool = False, project: Project | None = None) -> Path:
    """Write issues/<slug>.yaml; refuse to overwrite unless ``force``."""
    project = project or load_project()
    slug = re.sub(r"\.ya?ml$", "", slug, flags=re.IGNORECASE)  # "2021-h1.yaml", as the file is named
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", slug):
        raise ConfigError(f"'{slug}' is not a usable issue name: use letters, digits, '-' and '_' (e.g. 2021-h1)")
    if end < start:
        raise ConfigError(f"--to {end} is before --from {start}")
    path = Path(project.root) / "issues" / f"{slug}.yaml"
    try:
        exists = path.exists()
    except OSError as exc:  # a name too long for the file system
        raise BulletinError(f"cannot write issues/{slug}.yaml: {exc.strerror or exc}") from None
    if exists and not force:
        raise ConfigError(f"issues/{slug}.yaml already exists (use --force to overwrite it)")
    title = f"{project.organisation.name} bulletin"
    label = period_label(start, end)
    text = _TEMPLATE.format(
        # JSON strings are YAML double-quoted strings: quotes and backslashes in the name survive
        slug=slug, title=json.dumps(title, ensure_ascii=False), subject=json.dumps(f"{title} — {label}", ensure_ascii=False),
        label=label, start=start, end=end, content=project.content_dir.rstrip("/"),
        sections=proposed_sections(_items_of(project, start, end)),
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:  # a name too long for the file system, a read-only folder, issues/ being a file
        raise BulletinError(f"cannot write issues/{slug}.yaml: {exc.strerror or exc}") from None
    return path.relative_to(project.root)


def _items_of(project: Project, start: dt.date, end: dt.date) -> list[Item] | None:
    """The items of the content folder dated in the period (drafts left out); None when it cannot be read."""
    try:
        found = sources.load(project.content_dir, root=Path(project.root))
    except BulletinError:  # no content folder yet, or an item with a mistake: the build will say which
        return None
    return [item for item in found if start <= item.date <= end and not item.draft]


def proposed_sections(items: list[Item] | None) -> str:
    """``sections:`` (and ``match_order:``) for the tags used by ``items``, most frequent first, plus a catch-all."""
    if items is None:
        return _USUAL.replace("{why}", "the content folder cannot be read yet")
    spelling: dict[str, str] = {}
    used: Counter[str] = Counter()
    for item in items:
        for tag in dict.fromkeys(fold(tag) for tag in item.tags):  # a tag twice on one item counts once
            used[tag] += 1
        for tag in item.tags:
            spelling.setdefault(fold(tag), tag)
    if not used:
        return _USUAL.replace("{why}", f"no tagged item is dated in this period ({count(len(items), 'item')})")
    ranked = sorted(used, key=lambda tag: (-used[tag], tag))
    chosen, rest = ranked[:MAX_PROPOSED], ranked[MAX_PROPOSED:]
    lines = [f"sections:                                 # from the tags of the {count(len(items), 'item')} of the period, "
             "most used first; rename, reorder or drop them"]
    for tag in chosen:
        entry = f"  - {{title: {_yaml(spelling[tag])}, tags: [{_yaml(spelling[tag])}]}}"
        lines.append(f"{entry:<41} # {count(used[tag], 'item')}")
    others = f"; also {', '.join(f'{spelling[t]} ({used[t]})' for t in rest)}" if rest else ""
    lines.append(f"{'  - {title: More news}':<41} # no tags: every remaining item{others}")
    shared = {tag for item in items if len({fold(t) for t in item.tags} & set(chosen)) > 1 for tag in map(fold, item.tags)}
    if shared & set(chosen):
        # an item with two of the tags goes to the first section in match_order: the rarer tag is the more specific
        specific = sorted((tag for tag in chosen if tag in shared), key=lambda tag: (used[tag], tag))
        lines.append(f"match_order: [{', '.join(_yaml(spelling[tag]) for tag in specific)}]   "
                     "# an item with several of these tags goes to the first; rarest first")
    return "\n".join(lines) + "\n"


def _yaml(text: str) -> str:
    """A title or tag as a YAML flow value: plain when that is safe, else double-quoted."""
    return text if _PLAIN.fullmatch(text) and ": " not in text and " #" not in text else json.dumps(text, ensure_ascii=False)
