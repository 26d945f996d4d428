"""Results of slow work kept between runs, keyed by the text they were made from.

Two users: what premailer's CSS parser (cssutils) made of each style sheet and style attribute
(``premail.py``), and what each summary, intro and note became as HTML and text (``richtext.py``).
Importing cssutils and markdown-it and parsing for the first time are most of a ``bulletin build``
process; the texts rarely change from one build to the next, so the results are kept in a JSON file
per user, keyed by the text itself and by a version naming what shapes the result (library versions,
options, the code): the slow library is imported only when a text is new. The files sit in Jinja's
per-user private cache folder, beside the compiled templates (no file in the project). Only JSON is
read: a damaged or foreign file counts as empty.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..atomic import write_atomic

MAX_ENTRIES = 5000  # per table (unless told): beyond it, only the entries of the last run are kept


class ResultCache:
    """Tables of computed values (JSON) keyed by text; ``path=None`` keeps nothing between runs."""

    def __init__(self, path: Path | None, version: str, limit: int = MAX_ENTRIES) -> None:
        self.path = path
        self.limit = limit
        self.version = version
        self.used: dict[str, set[str]] = {}
        self.changed = False
        self.tables: dict[str, dict[str, Any]] = self._read()

    def _read(self) -> dict[str, dict[str, Any]]:
        if self.path is None:
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):  # none yet, or damaged: as if empty
            return {}
        if not isinstance(data, dict) or data.get("version") != self.version or not isinstance(data.get("tables"), dict):
            return {}
        return {name: table for name, table in data["tables"].items() if isinstance(table, dict)}

    def get(self, table: str, key: str, compute: Callable[[], Any]) -> Any:
        """The value kept for ``key`` in ``table``, else ``compute()`` (JSON data), kept from now on."""
        entries = self.tables.setdefault(table, {})
        self.used.setdefault(table, set()).add(key)
        if key not in entries:
            entries[key] = compute()
            self.changed = True
        return entries[key]

    def save(self) -> None:
        """Write the tables if something was computed (a cache that cannot be written only costs time), with what
        other runs wrote meanwhile."""
        if self.path is None or not self.changed:
            return
        tables = self._read()
        for name, entries in self.tables.items():
            tables[name] = {**tables.get(name, {}), **entries}
        tables = {
            name: entries if len(entries) <= self.limit else {k: v for k, v in entries.items() if k in self.used.get(name, ())}
            for name, entries in tables.items()
        }
        try:
            write_atomic(self.path, json.dumps({"version": self.version, "tables": tables}, ensure_ascii=False))
            self.changed = False
        except OSError:
            pass


@functools.lru_cache(maxsize=8)
def kept(name: str, version: str, limit: int = MAX_ENTRIES) -> ResultCache:
    """The results kept in ``name`` beside Jinja's compiled templates (in memory only without that folder), read once
    per process (the preview builds again and again); ``version`` names what shapes them (see :func:`stamp`)."""
    from .jinja import cache_folder  # imported here: jinja's module imports the render context, which uses this one

    folder = cache_folder()
    return ResultCache(None if folder is None else folder / name, version, limit)


def stamp(path_or_module: str) -> int:
    """When a file, or a module by name, last changed (0 if unknown): a new version of it starts the results afresh."""
    origin: str | None = path_or_module
    if os.path.sep not in path_or_module:
        spec = importlib.util.find_spec(path_or_module)
        origin = spec.origin if spec else None
    try:
        return os.stat(origin).st_mtime_ns if origin else 0
    except OSError:
        return 0
