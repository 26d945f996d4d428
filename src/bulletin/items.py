"""`bulletin items`: what the sources hold, filtered by date and tag."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from . import sources as readers
from .config import load_project
from .errors import ConfigError, Option, Phrase, Problem, SourceError, raise_if
from .model import Item, Project, Source
from .select import fold


def list_items(
    *,
    sources: list[str] | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    tags: list[str] | None = None,
    project: Project | None = None,
    cache: readers.Cache | None = None,
) -> list[Item]:
    """Items of the sources (default: bulletin.yaml's source, else the content folder) in a date range, newest first.

    Answers from the web are kept in ``cache`` (default: none kept); its ``warnings`` say when they are old.
    """
    project = project or load_project()
    if start and end and end < start:
        raise ConfigError(Phrase((Option.END, str(end)), " is before ", (Option.START, str(start))))
    found: list[Item] = []
    problems: list[Problem] = []
    chosen: list[Source] = list(sources) if sources else project.source or [project.content_dir]
    for source in chosen:
        try:
            found.extend(readers.load(source, root=Path(project.root), cache=cache, start=start, end=end,
                                        languages=project.languages))
        except SourceError as exc:
            problems.extend(exc.problems or [Problem("", str(exc))])
    raise_if(problems, SourceError, "Some items cannot be read")
    wanted = {fold(tag) for tag in tags or ()}
    found = [
        item for item in found
        if (start is None or item.date >= start) and (end is None or item.date <= end)
        and (not wanted or wanted.intersection(map(fold, item.tags)))
    ]
    return sorted(found, key=lambda i: (i.date, i.title), reverse=True)

