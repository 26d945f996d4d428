"""`bulletin new-issue`: a ready-to-edit issue spec, its sections proposed from the tags used in the period."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from pathlib import Path

from . import sources
from .config import load_project
from .errors import BulletinError, ConfigError, Option, Phrase, Remedy
from .model import Item, Project, Source, WordPressSource
from .render.context import period_label
from .select import fold
from .words import count

_TEMPLATE = """\
# The {slug} issue. Edit the texts, then run: bulletin build issues/{slug}.yaml
{languages}title: {title}
subject: {subject}
preheader: "News, events, publications and position papers from {label}"
period: {{start: {start}, end: {end}}}    # inclusive
source: {source}
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


def source_yaml(sources: list[Source]) -> str:
    """``source:``'s value as bulletin.yaml gives it (a path, a feed, ``{wordpress: …}``), on one line."""

    def plain(text: str) -> str:  # a JSON string is a YAML double-quoted one
        return text if re.fullmatch(r"[\w./:~-]+", text) else json.dumps(text, ensure_ascii=False)

    def one(source: Source) -> str:
        if isinstance(source, WordPressSource):
            parts = [f"wordpress: {plain(source.url)}"]
            parts += [f"{key}: {json.dumps(list(names), ensure_ascii=False)}"
                      for key, names in (("categories", source.categories), ("exclude_categories", source.exclude_categories)) if names]
            return "{" + ", ".join(parts) + "}"
        return plain(source)

    return one(sources[0]) if len(sources) == 1 else "[" + ", ".join(map(one, sources)) + "]"


def new_issue(slug: str, start: dt.date, end: dt.date, *, force: bool = False, project: Project | None = None) -> Path:
    """Write issues/<slug>.yaml; refuse to overwrite unless ``force``."""
    project = project or load_project()
    slug = re.sub(r"\.ya?ml$", "", slug, flags=re.IGNORECASE)  # "2021-h1.yaml", as the file is named
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", slug):
        raise ConfigError(f"'{slug}' is not a usable issue name: use letters, digits, '-' and '_' (e.g. 2021-h1)")
    if end < start:
        raise ConfigError(Phrase((Option.END, str(end)), " is before ", (Option.START, str(start))))
    path = Path(project.root) / "issues" / f"{slug}.yaml"
    try:
        exists = path.exists()
    except OSError as exc:  # a name too long for the file system
        raise BulletinError(f"cannot write issues/{slug}.yaml: {exc.strerror or exc}") from None
    if exists and not force:
        raise ConfigError(f"issues/{slug}.yaml already exists", remedy=Remedy.FORCE, to="overwrite it")
    title = f"{project.organisation.name} bulletin"
    label = period_label(start, end)
    text = _TEMPLATE.format(
        # JSON strings are YAML double-quoted strings: quotes and backslashes in the name survive
        slug=slug, title=json.dumps(title, ensure_ascii=False), subject=json.dumps(f"{title} — {label}", ensure_ascii=False),
        label=label, start=start, end=end, source=source_yaml(project.source or [project.content_dir.rstrip("/") + "/"]),
        sections=proposed_sections(_items_of(project, start, end)),
        languages=_languages_note(project),
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:  # a name too long for the file system, a read-only folder, issues/ being a file
        raise BulletinError(f"cannot write issues/{slug}.yaml: {exc.strerror or exc}") from None
    return path.relative_to(project.root)


def _languages_note(project: Project) -> str:
    """For a project with editions: how to give a text per language."""
    if not project.languages:
        return ""
    default, *others = project.languages
    example = ", ".join(f'{lang}: "…"' for lang in project.languages)
    return (f"# Editions in {', '.join(project.languages)}: every text (title, subject, preheader, intro, a section's title,\n"
            f"# notes) may be given per language, e.g. title: {{{example}}}; a language left out shows the {default} text.\n")


def _items_of(project: Project, start: dt.date, end: dt.date) -> list[Item] | None:
    """The items of the project's local sources dated in the period (drafts left out); None when there are none to read.

    Feeds and WordPress sites are not fetched: new-issue works offline, and says so in the file.
    """
    local = [source for source in project.source or [project.content_dir] if isinstance(source, str) and not sources.is_feed(source)]
    if not local:
        return None
    found: list[Item] = []
    try:
        for source in local:
            found += sources.load(source, root=Path(project.root), languages=project.languages)
    except BulletinError:  # no content folder yet, or an item with a mistake: the build will say which
        return None
    return [item for item in found if start <= item.date <= end and not item.draft]


def proposed_sections(items: list[Item] | None) -> str:
    """``sections:`` (and ``match_order:``) for the tags used by ``items``, most frequent first, plus a catch-all."""
    if items is None:
        return _USUAL.replace("{why}", "no local source to read the tags of (a feed is not fetched here)")
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
