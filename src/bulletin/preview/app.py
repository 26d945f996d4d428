"""A running preview: build, serve on loopback, watch and rebuild; `run` is what `bulletin preview` calls."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from typing import Self

from ..build import BuildResult, prepare
from ..config import load_project
from ..errors import Command, ConfigError, Option, Phrase
from ..languages import match
from .actions import Composer
from .personal import edition_for, find_subscriber
from .server import PreviewHTTPServer, bind, serve_in_thread
from .session import PreviewSession
from .watcher import Watcher, plan

Log = Callable[[str], None]


class Preview:
    """Session + HTTP server (+ file watcher): ``with Preview(issue) as p: ... p.url``."""

    def __init__(
        self,
        issue: str | os.PathLike[str],
        *,
        port: int = 0,
        as_email: str | None = None,
        watch: bool = True,
        builder: Callable[[], BuildResult] | None = None,
        log: Log | None = None,
        refresh: bool = False,
        read_only: bool = False,
        lang: str | None = None,
    ) -> None:
        self.issue = Path(issue)
        self.lang = lang.strip() if lang else None  # the edition shown first (--lang); else the --as person's
        self.refresh = refresh  # the first build fetches web sources anew; rebuilds use the cache
        self.port = port
        self.as_email = as_email.strip() if as_email else None
        self.watch = watch
        self._builder = builder
        self._log = log or (lambda message: None)
        self.read_only = read_only
        # the page's compose actions: a secret only the page gets (in its HTML), none in read-only mode
        self.composer: Composer | None = None if read_only else Composer(self.issue)
        self.token: str | None = None if read_only else secrets.token_urlsafe(32)
        self.session: PreviewSession | None = None
        self.server: PreviewHTTPServer | None = None
        self.note: str | None = None  # e.g. "port 8025 is busy; using 8026 instead"
        self._watcher: Watcher | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The page's address (after start)."""
        assert self.server is not None, "Preview.start() first"
        return self.server.url

    def start(self) -> Self:
        """Check the inputs a user can get wrong before serving, build once, then serve (and watch)."""
        if not self.issue.is_file():
            create = Command("new-issue", "SLUG", ((Option.START, "..."), (Option.END, "...")))
            raise ConfigError(Phrase(f"{self.issue}: no such issue file (create one with: ", create, ")"))
        project = load_project(self.issue)
        lang = project.editions[0]
        if self.lang:
            lang = match(self.lang, project.editions) or ""
            if not lang:
                raise ConfigError(Phrase((Option.LANG, self.lang), f": the issue has no such edition (its languages: "
                                         f"{', '.join(project.editions)}; set them with languages: in {Path(project.path).name})"))
        if self.as_email:
            row = find_subscriber(project, self.as_email, ["language"])  # an unknown address is an error now, not a blank page later
            if not self.lang:
                lang = edition_for(project, row)  # the person's edition
        issue = self.issue
        first = [self.refresh]

        def build_issue() -> BuildResult:
            refresh, first[0] = first[0], False
            return prepare(issue, refresh=refresh)

        builder = self._builder or build_issue
        composer = self.composer
        self.session = PreviewSession(
            builder, as_email=self.as_email, lang=lang, revision=(composer or Composer(issue)).revision,
            extras=composer.page_state if composer else lambda: {"compose": False, "undo": None},
        )
        if composer is not None:
            composer.session = self.session
        outcome = self.session.rebuild()
        self._log(outcome.message if outcome.ok else f"error: {outcome.message}")
        self.server, self.note = bind(self.session, self.port, composer=composer, token=self.token)
        self._thread = serve_in_thread(self.server)
        if self.watch:
            session = self.session

            def current_plan():
                result = session.result
                return plan(issue, result.project if result else project, result)

            self._watcher = Watcher(current_plan, self._changed)
            self._watcher.start()
        return self

    def rebuild(self) -> None:
        """Build again now (what the watcher does on a change)."""
        self._changed(set())

    def close(self) -> None:
        """Stop watching and serving."""
        if self._watcher is not None:
            self._watcher.stop()
        if self.session is not None:
            self.session.close()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _changed(self, paths: set[Path]) -> None:
        assert self.session is not None
        if self.composer is not None and paths == {self.issue.resolve()} and self.composer.revision() == self.session.revision:
            return  # the page's own edit, already built before it was written
        outcome = self.session.rebuild()
        if outcome.changed or not outcome.ok:
            stamp = dt.datetime.now().strftime("%H:%M:%S")
            self._log(f"{stamp} {outcome.message}" if outcome.ok else f"{stamp} error: {outcome.message}")


def run(
    issue: str | os.PathLike[str],
    *,
    port: int = 8025,
    open_browser: bool = True,
    as_email: str | None = None,
    log: Log = print,
    stop: threading.Event | None = None,
    refresh: bool = False,
    read_only: bool = False,
    lang: str | None = None,
) -> None:
    """Serve the preview until Ctrl+C (or ``stop`` is set): print the URL, open the browser, rebuild on every save."""
    stop = stop or threading.Event()
    try:  # Ctrl+C may come at any moment, even mid-build or before the wait: it always ends in a clean stop
        with Preview(issue, port=port, as_email=as_email, log=log, refresh=refresh, read_only=read_only, lang=lang) as preview:
            if preview.note:
                log(preview.note)
            who = f" as {as_email}" if as_email else ""
            assert preview.session is not None
            result = preview.session.result
            if result is not None and len(result.editions) > 1:
                who += f" in the {preview.session.lang} edition (the page switches between {', '.join(result.editions)})"
            log(f"Previewing {issue}{who} at {preview.url}")
            log("Rebuilds when you save the issue, its items, templates or bulletin.yaml. Press Ctrl+C to stop.")
            if not read_only:
                log(Phrase(f"The page's buttons (feature, pin, exclude, ...) edit {issue}; ", Option.READ_ONLY, " turns them off."))
            if open_browser:
                webbrowser.open(preview.url)
            stop.wait()
    except KeyboardInterrupt:
        pass
    log("Stopped.")
