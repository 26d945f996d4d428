"""`bulletin new-issue`: a ready-to-edit issue spec with the default sections."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

from .config import load_project
from .errors import BulletinError, ConfigError
from .model import Project, Source, WordPressSource
from .render.context import period_label

_TEMPLATE = """\
# The {slug} issue. Edit the texts, then run: bulletin build issues/{slug}.yaml
title: {title}
subject: {subject}
preheader: "News, events, publications and position papers from {label}"
period: {{start: {start}, end: {end}}}    # inclusive
source: {source}
sections:                                 # an item goes to the FIRST section sharing one of its tags
  - {{title: Position papers, tags: [Position paper]}}
  - {{title: Events, tags: [Event]}}
  - {{title: Publications, tags: [Publication]}}
  - {{title: Press releases, tags: [Press release]}}
  - {{title: More news}}                    # no tags: every remaining item
order: newest
intro: |
  Welcome to this issue of our bulletin, covering {label}.
"""


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
        label=label, start=start, end=end, source=source_yaml(project.source or [project.content_dir.rstrip("/") + "/"]),
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:  # a name too long for the file system, a read-only folder, issues/ being a file
        raise BulletinError(f"cannot write issues/{slug}.yaml: {exc.strerror or exc}") from None
    return path.relative_to(project.root)
