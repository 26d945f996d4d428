"""The preview's state: the last good build, the current error, and a version counter pages wait on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..build import GMAIL_CLIP_BYTES, WARN_BYTES, BuildResult
from ..compose import item_name
from ..errors import BulletinError
from ..languages import display_name
from ..model import Item
from ..words import count

Builder = Callable[[], BuildResult]
Log = Callable[[str], None]
Extras = Callable[[], dict]


@dataclass(frozen=True)
class Outcome:
    """What one rebuild did, for the terminal and the benchmark."""

    ok: bool
    changed: bool
    message: str
    seconds: float


class PreviewSession:
    """Rebuilds with an injected builder and keeps the last good result; thread-safe."""

    def __init__(
        self, builder: Builder, *, as_email: str | None = None, revision: Callable[[], str] | None = None, extras: Extras | None = None,
        lang: str | None = None,
    ) -> None:
        self._builder = builder
        self._revision = revision or (lambda: "")  # identifies the issue file's content the page was built from
        self._extras = extras or dict  # more state for the page (the compose actions' undo)
        self.revision = ""
        self._lock = threading.Lock()  # one rebuild at a time (two watcher threads may fire together)
        self._changed = threading.Condition()
        self.result: BuildResult | None = None
        self.error: str | None = None
        self.error_kind: str | None = None  # "error" (the user's input) or "internal" (a bug)
        self.version = 0  # bumps whenever anything a page shows changes
        self.build_id = 0  # bumps whenever the last good render changes
        self.as_email = as_email
        self.lang = lang  # the edition the page shows first (None: the default language's)
        self.closed = False
        self._status: dict = {}
        self._update_status()

    def rebuild(self, builder: Builder | None = None) -> Outcome:
        """Build again (with ``builder``: take its result); on failure keep the last good result and record the error. Never raises."""
        with self._lock:
            start = time.perf_counter()
            result: BuildResult | None = None
            try:
                # read before building: if the file changes meanwhile, the page's next action is refused as stale
                revision = self._revision()
                result = (builder or self._builder)()
                error, kind = None, None
            except BulletinError as exc:
                error, kind = str(exc), "error"
            except Exception as exc:  # noqa: BLE001 - a bug in a stage must not kill the preview
                error, kind = f"Internal error: {type(exc).__name__}: {exc}", "internal"
            seconds = time.perf_counter() - start
            with self._changed:
                self.revision = revision
                before = self._status
                if result is not None and (self.result is None or _render_key(result) != _render_key(self.result)):
                    self.build_id += 1
                if result is not None:
                    self.result = result
                self.error, self.error_kind = error, kind
                self._update_status()
                changed = self._status != before
                if changed:
                    self.version += 1
                    self._status["version"] = self.version
                    self._changed.notify_all()
            message = _describe(result, error, seconds)
            return Outcome(ok=error is None, changed=changed, message=message, seconds=seconds)

    def status(self) -> dict:
        """The JSON-ready state the page renders (a snapshot)."""
        with self._changed:
            return dict(self._status)

    def wait(self, since: int, timeout: float) -> int:
        """Block until the version passes ``since`` (or timeout / close); return the current version."""
        with self._changed:
            self._changed.wait_for(lambda: self.version > since or self.closed, timeout)
            return self.version

    def close(self) -> None:
        """Wake every waiting page stream so the server can stop."""
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def refresh(self) -> None:
        """Tell the pages that something besides the build changed (the undo history)."""
        with self._changed:
            before = self._status
            self._update_status()
            if self._status != before:
                self.version += 1
                self._status["version"] = self.version
                self._changed.notify_all()

    def _update_status(self) -> None:
        self._status = _status(self.result, self.error, self.error_kind, self.build_id, self.as_email)
        self._status["lang_default"] = self.lang
        self._status["revision"] = self.revision
        self._status.update(self._extras())
        self._status["version"] = self.version


def _render_key(result: BuildResult) -> tuple[str, ...]:
    return tuple(part for e in result.editions.values() for part in (e.rendered.html, e.rendered.text, e.spec.subject)) or \
        (result.rendered.html, result.rendered.text, result.spec.subject)


def _describe(result: BuildResult | None, error: str | None, seconds: float) -> str:
    if error is not None:
        return error
    assert result is not None
    size = len(result.rendered.html.encode()) / 1024
    return f"built in {seconds * 1000:.0f} ms: {count(len(result.selection.items), 'item')}, {size:.0f} KB"


def _status(result: BuildResult | None, error: str | None, kind: str | None, build_id: int, as_email: str | None) -> dict:
    status: dict = {"ok": error is None, "error": error, "error_kind": kind, "build": build_id, "as_default": as_email}
    if result is None:
        status["issue"] = None
        return status
    spec, project, manifest = result.spec, result.project, result.manifest
    status["issue"] = {
        "path": spec.path, "slug": spec.slug, "title": spec.title, "subject": spec.subject, "preheader": spec.preheader,
        "period": manifest["period"],
    }
    status["sender"] = {"name": project.sender.name or project.organisation.name, "email": project.sender.email}
    selection = result.selection

    def named(entry: dict, item: Item) -> dict:
        return dict(entry, **_names(item, spec.pin))  # the page's compose actions name items so

    status["featured"] = named(manifest["featured"], selection.featured) if selection.featured else None
    status["sections"] = [
        dict(entry, items=[named(e, i) for e, i in zip(entry["items"], section.items, strict=True)], note=section.note)
        for entry, section in zip(manifest["sections"], selection.sections, strict=True)
    ]
    status["section_titles"] = [s.title for s in spec.sections]
    status["notes"] = dict(spec.notes)
    status["issue"]["intro"] = spec.intro
    status["left_out"] = [named(e, lo.item) for e, lo in zip(manifest["left_out"], selection.left_out, strict=True)]
    status["left_out_counts"] = manifest["left_out_counts"]
    status["item_count"] = manifest["item_count"]
    status["sizes"] = dict(manifest["sizes"], gmail_clip_bytes=GMAIL_CLIP_BYTES, warn_bytes=WARN_BYTES)
    status["warnings"] = list(result.warnings)
    status["merge_fields"] = dict(result.rendered.merge_fields)
    status["subscribers_file"] = project.subscribers
    status["editions"] = _editions(result)
    return status


def _editions(result: BuildResult) -> list[dict]:
    """The language editions the page switches between (none for a one-language issue): each one's texts and sizes."""
    if len(result.editions) <= 1:
        return []
    return [{"lang": lang, "name": display_name(lang), "folder": edition.folder, "title": edition.spec.title,
             "subject": edition.spec.subject, "preheader": edition.spec.preheader, "intro": edition.spec.intro,
             # the notes as this edition shows them, by the section's default title (as the compose actions name it)
             "notes": {default.title: own.note for default, own in zip(result.selection.sections, edition.selection.sections, strict=True)
                       if own.note},
             "untranslated": len(edition.missing),
             "sizes": {"html_bytes": len(edition.rendered.html.encode()), "text_bytes": len(edition.rendered.text.encode()),
                       "gmail_clip_bytes": GMAIL_CLIP_BYTES, "warn_bytes": WARN_BYTES}}
            for lang, edition in result.editions.items()]


def _names(item: Item, pins: list[str]) -> dict:
    """How the page names an item in its actions, and whether the issue pins it."""
    name = item_name(item)
    return {"name": name.name, "pinned": any(name.named_by(entry) for entry in pins)}
