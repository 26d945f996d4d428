"""The preview's compose actions: a page's request becomes an edit of the previewed issue file, validated
as a build would (refused with the build's message), written, and undoable. No HTTP here (server.py)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ..atomic import write_atomic
from ..build import BuildResult, prepare
from ..compose import ComposeError, IssueText, ItemName, item_name, publish
from ..errors import BulletinError
from ..languages import match
from ..model import Item
from .session import PreviewSession

#: What a page may ask, and the keys each request may hold besides "action" and "base".
ACTIONS: dict[str, tuple[str, ...]] = {
    "feature": ("item",), "unfeature": (), "pin": ("item",), "unpin": ("item",), "up": ("item",), "down": ("item",),
    "exclude": ("item",), "include": ("item",), "intro": ("value", "lang"), "subject": ("value", "lang"),
    "preheader": ("value", "lang"), "note": ("section", "value", "lang"), "publish": ("item",), "undo": (),
}
STALE = "The issue file changed since this page was shown (saved in your editor?): reloaded — try again."


class Refused(BulletinError):
    """An action that was not done; ``status`` is the HTTP status the server answers with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Done:
    """A done action: what the page says about it."""

    message: str


@dataclass(frozen=True)
class _Step:
    label: str  # "Pin 'Annual report'": what Undo undoes
    path: Path  # the issue file, or an item file (publish)
    before: str
    after: str


def revision_of(data: bytes) -> str:
    """Identifies one content of the issue file (the page sends back the one it was shown)."""
    return hashlib.sha256(data).hexdigest()[:32]


class Composer:
    """Applies page actions to the one issue file being previewed (and to a draft item's file, to publish
    it); thread-safe; keeps an undo history."""

    def __init__(self, issue: Path, validate: Callable[[str], BuildResult] | None = None) -> None:
        self.issue = issue  # the file written: fixed when the preview starts, never from a request
        self._validate = validate or (lambda text: prepare(issue, text=text))
        self._lock = threading.Lock()
        self._history: list[_Step] = []
        self.session: PreviewSession | None = None

    def revision(self) -> str:
        """The revision of the file on disk now ("" when it cannot be read)."""
        try:
            return revision_of(self.issue.read_bytes())
        except OSError:
            return ""

    def page_state(self) -> dict:
        """What the page needs besides the build: the action Undo would undo."""
        return {"compose": True, "undo": self._history[-1].label if self._history else None}

    def apply(self, request: dict) -> Done:
        """Do one action; Refused (with the build's message, or STALE) leaves the file as it was."""
        with self._lock:
            session = self.session
            assert session is not None, "Composer.session is set by the preview"
            action = request["action"]
            data = _read(self.issue)
            if request.get("base") != revision_of(data):
                session.rebuild()  # the page gets the file as it is now (the watcher may not have seen it yet)
                raise Refused(STALE, 409)
            text = _decode(data, self.issue)
            if action == "undo":
                return self._undo(session)
            result = session.result
            if result is None:
                raise Refused("Nothing could be built yet: fix the error shown, then try again.", 409)
            if action == "publish":
                return self._publish(request, text, result, session)
            try:
                issue = IssueText(text, result.spec.path)
                label = _change(issue, request, result)
            except ComposeError as exc:
                raise Refused(str(exc)) from None
            new = issue.text()
            if new == text:
                return Done("No change.")
            try:
                built = self._validate(new)
            except BulletinError as exc:
                raise Refused(str(exc)) from None
            _write(self.issue, new)
            self._history.append(_Step(label, self.issue, text, new))
            session.rebuild(lambda: built)
            return Done(f"{label}: done. {result.spec.path} saved.")

    def _publish(self, request: dict, issue_text: str, result: BuildResult, session: PreviewSession) -> Done:
        """Remove ``draft: true`` from a draft item's own file (the build's file for the item, never a request's path)."""
        item, _ = _find(result, request.get("item"))
        root = Path(result.project.root).resolve()
        file = (root / item.path).resolve() if item.path else None
        if file is None or not item.draft or not file.is_relative_to(root) or file.suffix.lower() != ".md":
            raise Refused(f"'{item.title}' is not a draft with a file of its own")
        before = _decode(_read(file), file)
        try:
            after = publish(before, item.path or "")
        except ComposeError as exc:
            raise Refused(str(exc)) from None
        _write(file, after)
        try:
            built = self._validate(issue_text)
        except BulletinError as exc:
            _write(file, before)
            raise Refused(str(exc)) from None
        label = f"Publish '{item.title}'"
        self._history.append(_Step(label, file, before, after))
        session.rebuild(lambda: built)
        return Done(f"{label}: done. {item.path} saved (no more draft: true).")

    def _undo(self, session: PreviewSession) -> Done:
        if not self._history:
            raise Refused("Nothing to undo.")
        step = self._history[-1]
        if _decode(_read(step.path), step.path) != step.after:
            self._history.clear()
            session.refresh()
            raise Refused(f"{step.path.name} was changed in your editor since: undo there (the page's history is cleared).", 409)
        _write(step.path, step.before)
        self._history.pop()
        session.rebuild()
        return Done(f"Undone: {step.label}.")


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise Refused(f"cannot read {path}: {exc.strerror}", 409) from None


def _decode(data: bytes, path: Path) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise Refused(f"{path.name}: not UTF-8 text; save it as UTF-8 in your editor") from None


def _write(path: Path, text: str) -> None:
    """Replace the file in one step (an editor or the watcher never sees half of it), keeping its mode."""
    try:
        write_atomic(path, text, mode=path.stat().st_mode & 0o7777)
    except OSError as exc:
        raise Refused(f"cannot write {path}: {exc.strerror}", 500) from None


def _find(result: BuildResult, name: object) -> tuple[Item, ItemName]:
    for item in result.items:
        named = item_name(item)
        if named.name == name:
            return item, named
    raise Refused(f"no item '{name}' in the sources of {result.spec.path} (reloaded — try again)", 409)


def _change(issue: IssueText, request: dict, result: BuildResult) -> str:
    """Apply ``request`` to ``issue``; return its label for Undo."""
    action = request["action"]
    if action in ("intro", "subject", "preheader", "note"):
        # the text of the edition the page shows (``lang``); a text per language keeps the others'
        editions = result.project.editions
        lang = match(str(request.get("lang") or editions[0]), editions)
        if lang is None:
            raise Refused(f"this issue has no '{request.get('lang')}' edition (its languages: {', '.join(editions)})")
        of = f" ({lang})" if len(editions) > 1 else ""
        if action == "note":
            sections = [s.title for s in result.spec.sections]
            issue.set_note(str(request.get("section", "")), str(request.get("value", "")), sections, lang=lang, default=editions[0])
            return f"Edit the note of {request.get('section')}{of}"
        issue.set_text(action, str(request.get("value", "")), lang=lang, default=editions[0])
        return f"Edit the {action}{of}"
    if action == "unfeature":
        issue.unfeature()
        return "Unfeature"
    item, named = _find(result, request.get("item"))
    title = f"'{item.title}'"
    if action == "feature":
        issue.feature(named)
    elif action == "pin":
        issue.pin(named)
    elif action == "unpin":
        issue.unpin(named)
    elif action == "exclude":
        issue.exclude(named)
    elif action == "include":
        reason = next((lo.reason for lo in result.selection.left_out if lo.item is item), None)
        if reason is None:
            raise Refused(f"{title} is already in the issue")
        if reason == "duplicate":
            raise Refused(f"{title} is left out as a duplicate of another item with the same url: include that one")
        issue.include(named, reason)
    else:  # up / down among the pinned items of its section
        issue.swap_pins(named, _neighbour(result, item, -1 if action == "up" else 1, issue))
    return f"{action.capitalize()} {title}"


def _neighbour(result: BuildResult, item: Item, step: int, issue: IssueText) -> ItemName:
    """The pinned item just above (step -1) or below (+1) ``item`` in its section."""
    pins = issue.data.get("pin") or []
    for section in result.selection.sections:
        if any(i is item for i in section.items):
            pinned = [i for i in section.items if any(item_name(i).named_by(entry) for entry in pins)]
            break
    else:
        raise Refused(f"'{item.title}' is not in a section")
    if item not in pinned:
        raise Refused(f"'{item.title}' is not pinned: pin it first")
    index = pinned.index(item) + step
    if not 0 <= index < len(pinned):
        raise Refused(f"'{item.title}' is already the {'first' if step < 0 else 'last'} pinned item of {section.title}")
    return item_name(pinned[index])
