"""The preview's state: the last good build, the current error, and a version counter pages wait on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from ..build import GMAIL_CLIP_BYTES, WARN_BYTES, BuildResult
from ..errors import BulletinError
from ..words import count

Builder = Callable[[], BuildResult]
Log = Callable[[str], None]


@dataclass(frozen=True)
class Outcome:
    """What one rebuild did, for the terminal and the benchmark."""

    ok: bool
    changed: bool
    message: str
    seconds: float


class PreviewSession:
    """Rebuilds with an injected builder and keeps the last good result; thread-safe."""

    def __init__(self, builder: Builder, *, as_email: str | None = None) -> None:
        self._builder = builder
        self._lock = threading.Lock()  # one rebuild at a time (two watcher threads may fire together)
        self._changed = threading.Condition()
        self.result: BuildResult | None = None
        self.error: str | None = None
        self.error_kind: str | None = None  # "error" (the user's input) or "internal" (a bug)
        self.version = 0  # bumps whenever anything a page shows changes
        self.build_id = 0  # bumps whenever the last good render changes
        self.as_email = as_email
        self.closed = False
        self._status: dict = {}
        self._update_status()

    def rebuild(self) -> Outcome:
        """Build again; on failure keep the last good result and record the error. Never raises."""
        with self._lock:
            start = time.perf_counter()
            result: BuildResult | None = None
            try:
                result = self._builder()
                error, kind = None, None
            except BulletinError as exc:
                error, kind = str(exc), "error"
            except Exception as exc:  # noqa: BLE001 - a bug in a stage must not kill the preview
                error, kind = f"Internal error: {type(exc).__name__}: {exc}", "internal"
            seconds = time.perf_counter() - start
            with self._changed:
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

    def _update_status(self) -> None:
        self._status = _status(self.result, self.error, self.error_kind, self.build_id, self.as_email)
        self._status["version"] = self.version


def _render_key(result: BuildResult) -> tuple[str, str, str]:
    return (result.rendered.html, result.rendered.text, result.spec.subject)


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
    status["featured"] = manifest["featured"]
    status["sections"] = manifest["sections"]
    status["left_out"] = manifest["left_out"]
    status["left_out_counts"] = manifest["left_out_counts"]
    status["item_count"] = manifest["item_count"]
    status["sizes"] = dict(manifest["sizes"], gmail_clip_bytes=GMAIL_CLIP_BYTES, warn_bytes=WARN_BYTES)
    status["warnings"] = list(result.warnings)
    status["merge_fields"] = dict(result.rendered.merge_fields)
    status["subscribers_file"] = project.subscribers
    return status
