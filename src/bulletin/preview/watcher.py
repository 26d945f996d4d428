"""Watch the files an issue is built from and call back on every relevant change (watchfiles, in threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import watchfiles

from ..build import BuildResult
from ..config import PROJECT_FILE
from ..model import Project
from ..render.jinja import THEMES_DIR

#: watchfiles groups the events of one save: wait `STEP_MS` for more, at most `DEBOUNCE_MS` in all.
DEBOUNCE_MS = 50
STEP_MS = 20

_ignored = watchfiles.DefaultFilter()  # editor swap files, backups, .git, __pycache__ ...


@dataclass(frozen=True)
class WatchPlan:
    """What to watch: single files (via their folders, so editors' save-by-rename is seen) and whole trees."""

    files: frozenset[Path]
    trees: frozenset[Path]

    def wants(self, path: Path) -> bool:
        """Whether a change at ``path`` can affect the build (or the watches: a folder on the way to an input)."""
        if path in self.files or any(path == tree or tree in path.parents for tree in self.trees):
            return True
        # a folder deleted and made again (a git checkout, an undo) drops its watch: its return must be seen
        return any(path in target.parents for target in self.files | self.trees)

    def folders(self) -> tuple[list[Path], list[Path]]:
        """(folders to watch without recursion, trees to watch recursively), existing ones only."""
        trees = sorted(t for t in self.trees if t.is_dir())
        parents = {f.parent for f in self.files} | {t.parent for t in self.trees if not t.is_dir()}
        flat = {found for f in parents if (found := _existing(f)) is not None}
        return sorted(f for f in flat if not any(f == t or t in f.parents for t in trees)), trees


def plan(issue: Path, project: Project, result: BuildResult | None) -> WatchPlan:
    """The files and folders the build of ``issue`` reads, from the last good result when there is one."""
    root = Path(project.root).resolve()
    files = {issue.resolve(), root / PROJECT_FILE, _under(root, project.subscribers)}
    theme = result.spec.template if result is not None else "default"
    trees = {_under(root, project.templates_dir), (THEMES_DIR / (theme or "default")).resolve()}
    # before the first good build the spec's sources are unknown: the content folder is the default
    sources = result.spec.sources if result is not None else [project.content_dir]
    for source in sources:
        if not isinstance(source, str) or source.strip().lower().startswith(("http://", "https://")):
            continue  # feeds and websites: nothing local to watch (their answers are kept in the cache)
        path = _under(root, source)
        (trees if path.is_dir() else files).add(path)
    return WatchPlan(frozenset(files), frozenset(trees))


class _Armed:
    """The stop event handed to watchfiles; its first poll also tells us the watches are in place."""

    def __init__(self, stop: threading.Event) -> None:
        self.stop = stop
        self.ready = threading.Event()

    def is_set(self) -> bool:
        # watchfiles polls this only from inside its wait loop, i.e. after every watch was added
        self.ready.set()
        return self.stop.is_set()


class Watcher:
    """Runs watchfiles in background threads; re-plans when the watched set changes (a new source)."""

    def __init__(self, make_plan: Callable[[], WatchPlan], on_change: Callable[[set[Path]], None]) -> None:
        self._make_plan = make_plan
        self._on_change = on_change
        self._stop = threading.Event()
        self._replan = threading.Event()
        self._started = threading.Event()
        self._supervisor = threading.Thread(target=self._run, name="bulletin-preview-watch", daemon=True)

    def start(self) -> None:
        """Start watching in the background; return once the watches are in place (so no save is missed)."""
        self._supervisor.start()
        self._started.wait(timeout=10)

    def stop(self) -> None:
        """Stop every watch thread (watchfiles checks the stop event every step)."""
        self._stop.set()
        self._replan.set()
        self._supervisor.join(timeout=5)

    def _run(self) -> None:
        first = True
        while not self._stop.is_set():
            current = self._make_plan()
            inner_stop = threading.Event()
            flat, trees = current.folders()
            armed = [(folders, recursive, _Armed(inner_stop)) for folders, recursive in ((flat, False), (trees, True)) if folders]
            threads = [
                threading.Thread(target=self._watch, args=(folders, recursive, current, stop), daemon=True)
                for folders, recursive, stop in armed
            ]
            for thread in threads:
                thread.start()
            for _, _, stop in armed:
                stop.ready.wait(timeout=5)
            self._started.set()
            if not first:
                self._on_change(set())  # files may have changed while the new watch was starting
            first = False
            # a folder made or removed while the watches were starting was seen by none of them
            if self._make_plan().folders() == (flat, trees):
                self._replan.wait()
            self._replan.clear()
            inner_stop.set()
            for thread in threads:
                thread.join(timeout=5)

    def _watch(self, folders: list[Path], recursive: bool, current: WatchPlan, stop: _Armed) -> None:
        watched = current.folders()  # as they are now: a folder created later means a new watch
        def relevant(change: watchfiles.Change, path: str) -> bool:
            return _ignored(change, path) and current.wants(Path(path))

        for changes in watchfiles.watch(
            *folders, watch_filter=relevant, debounce=DEBOUNCE_MS, step=STEP_MS, stop_event=stop,
            recursive=recursive, raise_interrupt=False, ignore_permission_denied=True,
        ):
            paths = {Path(p) for _, p in changes}
            self._on_change(paths)
            fresh = self._make_plan()
            # a watched folder deleted (and perhaps already made again) has lost its watch
            replaced = any(path in watched[0] or path in watched[1] for path in paths)
            if fresh != current or fresh.folders() != watched or replaced:
                # e.g. the issue now reads another folder, or templates/ was created: watch that too
                self._replan.set()
                return


def _under(root: Path, name: str) -> Path:
    path = Path(name)
    return (path if path.is_absolute() else root / path).resolve()


def _existing(path: Path) -> Path | None:
    for folder in [path, *path.parents]:
        if folder.is_dir():
            return folder
    return None
