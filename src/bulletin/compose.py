"""Small edits of an issue file, made as a person would type them (round-trip YAML: comments, key order,
quoting and blank lines stay as written). The preview's compose actions call these; nothing here reads or
writes files: every function takes the file's text and returns the new text. How comments and blank lines
stay in place as entries come and go is ``yamledit.py``'s part.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.util import load_yaml_guess_indent

from .errors import ConfigError
from .languages import match
from .model import Item
from .select import reference_forms, same_page
from .yamledit import (
    append_entry,
    comment_column,
    comments,
    delete_entry,
    delete_key,
    insert_key,
    rebase,
    scalar_like,
    set_comments,
)

#: Where a key that is not in the file yet goes: after the last present key that comes before it here
#: (the order of `bulletin new-issue` and of the README's example).
KEY_ORDER = (
    "title", "subject", "preheader", "period", "source", "sections", "exclude_tags", "order", "featured",
    "pin", "exclude", "include", "notes", "intro", "template",
)
#: The issue's text fields a page may set.
TEXT_KEYS = ("intro", "subject", "preheader")


class ComposeError(ConfigError):
    """An action that does not apply to the file as it is (the item is already pinned, not pinned ...)."""


@dataclass(frozen=True)
class ItemName:
    """How the issue file names an item: ``name`` is what a new entry says, ``aliases`` every spelling that means it."""

    name: str
    aliases: frozenset[str]

    def named_by(self, entry: object) -> bool:
        """Whether a featured/pin/exclude/include entry refers to this item (as select reads them)."""
        if not isinstance(entry, (str, int, float)) or isinstance(entry, bool):
            return False
        return not self.aliases.isdisjoint(reference_forms(str(entry)))


def item_name(item: Item) -> ItemName:
    """An item's name in the issue file: its file for items with their own file (content/), else its url."""
    aliases = {item.url, item.url.rstrip("/"), same_page(item.url)}
    if item.path:
        aliases.add(item.path)
    return ItemName(item.path or item.url, frozenset(aliases))


class IssueText:
    """One issue file's text, parsed for editing; ``text()`` gives the edited file."""

    def __init__(self, text: str, shown: str = "the issue") -> None:
        self.shown = shown
        self.bom = text.startswith("\ufeff")
        self.crlf = "\r\n" in text
        self.original = text.removeprefix("\ufeff").replace("\r\n", "\n")
        self.yaml = YAML()
        self.yaml.preserve_quotes = True
        self.yaml.width = 1_000_000  # never wrap a long line the person wrote on one line
        try:
            _, sequence, offset = load_yaml_guess_indent(self.original)
            # "- x" right under its key (offset 0) or indented ("  - x"): written as the file has them
            self.yaml.indent(mapping=2, sequence=4 if sequence is None else sequence, offset=2 if offset is None else offset)
            self.data = self.yaml.load(self.original)
        except YAMLError as exc:
            raise ComposeError(f"{shown}: cannot edit the file as it is ({' '.join(str(exc).split())}); fix it in your editor") from None
        if not isinstance(self.data, CommentedMap):
            raise ComposeError(f"{shown}: cannot edit the file as it is (it is not a mapping of keys); fix it in your editor")
        self._unchanged = self._dump()

    # ---- the actions ------------------------------------------------------------------------

    def feature(self, item: ItemName) -> None:
        """Make ``item`` the lead story."""
        if item.named_by(self.data.get("featured")):
            raise ComposeError(f"'{item.name}' is already the featured item")
        self._set("featured", scalar_like(item.name, self.data.get("featured")))

    def unfeature(self) -> None:
        """No lead story."""
        if self.data.get("featured") in (None, ""):
            raise ComposeError("no item is featured")
        delete_key(self.data, "featured")

    def pin(self, item: ItemName) -> None:
        """Pin ``item`` (first in its section, after the items pinned before)."""
        if any(item.named_by(entry) for entry in self._list("pin")):
            raise ComposeError(f"'{item.name}' is already pinned")
        self._append("pin", item.name)

    def unpin(self, item: ItemName) -> None:
        """Unpin ``item``."""
        if not self._remove("pin", item):
            raise ComposeError(f"'{item.name}' is not pinned")

    def swap_pins(self, item: ItemName, other: ItemName) -> None:
        """Swap two pinned items (move one up or down among the pinned)."""
        pins = self._list("pin")
        first = next((i for i, entry in enumerate(pins) if item.named_by(entry)), None)
        second = next((i for i, entry in enumerate(pins) if other.named_by(entry)), None)
        if first is None or second is None:
            raise ComposeError(f"'{(other if first is not None else item).name}' is not pinned")
        eol = [(comments(pins, i)[0], comment_column(pins, i)) for i in (first, second)]
        values = pins[first], pins[second]
        list.__setitem__(pins, first, values[1])  # as they are: ruamel would give each the other's quotes
        list.__setitem__(pins, second, values[0])
        # an entry's own comment ("# the congress") moves with it; the lines between entries stay
        for index, (own, column) in ((first, eol[1]), (second, eol[0])):
            set_comments(pins, index, own, comments(pins, index)[1], column)

    def exclude(self, item: ItemName) -> None:
        """Leave ``item`` out; it is no longer featured, pinned or included."""
        if any(item.named_by(entry) for entry in self._list("exclude")):
            raise ComposeError(f"'{item.name}' is already excluded")
        if item.named_by(self.data.get("featured")):
            delete_key(self.data, "featured")
        for key in ("pin", "include"):
            self._remove(key, item)
        self._append("exclude", item.name)

    def include(self, item: ItemName, reason: str) -> None:
        """Put a left-out item in: out of exclude when that left it out, else into include."""
        self._remove("exclude", item)
        if reason == "excluded":
            return
        if any(item.named_by(entry) for entry in self._list("include")):
            raise ComposeError(f"'{item.name}' is already in include, but left out ({reason})")
        else:
            self._append("include", item.name)

    def set_text(self, key: str, value: str, lang: str | None = None, default: str | None = None) -> None:
        """Set intro, subject or preheader; an empty text removes the key. ``lang``: the text of that language's edition
        (a text per language, ``{en: …, fr: …}``, keeps the others'; ``default`` is the project's default language)."""
        if key not in TEXT_KEYS:
            raise ComposeError(f"'{key}' is not a text the page can set (only {', '.join(TEXT_KEYS)})")
        value = value.replace("\r\n", "\n")
        if key != "intro":
            value = " ".join(value.split())  # one line: the Subject header and the inbox preview
        if isinstance(self.data.get(key), CommentedMap) or (lang and default and lang != default):
            self._set_language(self.data, key, value, lang or default or "", default or lang or "", block=key == "intro")
            return
        if not value.strip():
            if key in self.data:
                delete_key(self.data, key)
            return
        self._set(key, scalar_like(value, self.data.get(key), block=key == "intro"))

    def set_note(self, section: str, value: str, sections: list[str], lang: str | None = None, default: str | None = None) -> None:
        """Set the note under section ``section`` (its default-language title); an empty text removes it.
        ``lang``/``default``: as for :meth:`set_text`."""
        if section not in sections:
            raise ComposeError(f"no section '{section}' in {self.shown}")
        value = value.replace("\r\n", "\n")
        notes = self.data.get("notes")
        if (lang and default and lang != default) or (isinstance(notes, CommentedMap) and isinstance(notes.get(section), CommentedMap)):
            if not isinstance(notes, CommentedMap):
                notes = CommentedMap()
                self._set("notes", notes)
            self._set_language(notes, section, value, lang or default or "", default or lang or "", block="\n" in value.strip())
            if not notes:
                delete_key(self.data, "notes")
            return
        if not value.strip():
            if isinstance(notes, CommentedMap) and section in notes:
                delete_key(notes, section)
                if not notes:
                    delete_key(self.data, "notes")
            return
        if not isinstance(notes, CommentedMap):
            notes = CommentedMap()
            self._set("notes", notes)
        scalar = scalar_like(value, notes.get(section), block="\n" in value.strip())
        if section in notes:
            notes[section] = scalar
        else:
            order = [s for s in sections if s in notes or s == section]
            insert_key(notes, order.index(section), section, scalar)

    def _set_language(self, parent: CommentedMap, key: str, value: str, lang: str, default: str, *, block: bool) -> None:
        """Set one language's text of ``parent[key]``, turning a single text into ``{default: it, lang: value}``."""
        texts = parent.get(key)
        if not isinstance(texts, CommentedMap):
            mapping = CommentedMap()
            if isinstance(texts, str) and texts.strip():
                mapping[default] = texts
            if parent is self.data and key not in parent:
                self._set(key, mapping)  # where the key goes among the issue's keys
            else:
                parent[key] = mapping
            texts = mapping
        written = next((k for k in texts if match(str(k), (lang,))), lang)
        if value.strip():
            texts[written] = scalar_like(value, texts.get(written), block=block)
        elif written in texts:
            del texts[written]
        if not texts:
            delete_key(parent, key)

    def remove(self, key: str) -> None:
        """Remove a top-level key (the comments and blank lines before the next one stay)."""
        if key in self.data:
            delete_key(self.data, key)

    def text(self) -> str:
        """The edited file, with the byte order mark and line ends it had."""
        out = self._dump()
        if out == self._unchanged:
            out = self.original
        elif self._unchanged != self.original:
            out = rebase(self.original, self._unchanged, out)
        if self.crlf:
            out = out.replace("\n", "\r\n")
        return ("\ufeff" if self.bom else "") + out

    # ---- helpers ----------------------------------------------------------------------------

    def _dump(self) -> str:
        out = io.StringIO()
        self.yaml.dump(self.data, out)
        return out.getvalue()

    def _list(self, key: str) -> list:
        value = self.data.get(key)
        return value if isinstance(value, list) else []

    def _set(self, key: str, value: Any) -> None:
        if key in self.data:
            self.data[key] = value
            return
        present = [k for k in self.data if k in KEY_ORDER]
        before = KEY_ORDER[: KEY_ORDER.index(key)]
        after = [k for k in present if k in before]
        position = list(self.data).index(after[-1]) + 1 if after else 0
        insert_key(self.data, position, key, value)

    def _append(self, key: str, entry: str) -> None:
        value = self.data.get(key)
        scalar = scalar_like(entry)
        if value is not None and not isinstance(value, CommentedSeq):
            raise ComposeError(f"{self.shown}: {key}: is not a list like [{entry}]; fix it in your editor")
        if not isinstance(value, CommentedSeq):
            seq = CommentedSeq([scalar])
            seq.fa.set_flow_style()  # pin: [content/x.md], as the README writes them
            self._set(key, seq)
            return
        append_entry(value, scalar)

    def _remove(self, key: str, item: ItemName) -> bool:
        seq = self.data.get(key)
        if not isinstance(seq, CommentedSeq):
            return False
        found = False
        for index in reversed(range(len(seq))):
            if item.named_by(seq[index]):
                found = True
                delete_entry(seq, index, owner=(self.data, key))
        return found


def publish(text: str, shown: str = "the item") -> str:
    """An item file's text without its ``draft:`` line: the rest of the file stays as it was."""
    lines = text.splitlines(keepends=True)
    close = next((n for n, line in enumerate(lines) if n and line.strip() in ("---", "...")), None)
    if not lines or lines[0].removeprefix("\ufeff").strip() != "---" or close is None:
        raise ComposeError(f"{shown}: no front matter between '---' lines to edit")
    front = IssueText("".join(lines[1:close]), shown)
    if front.data.get("draft") in (None, False):
        raise ComposeError(f"{shown} is not a draft")
    front.remove("draft")
    return lines[0] + front.text() + "".join(lines[close:])


Edit = Callable[[IssueText], None]


def edit(text: str, change: Edit, shown: str = "the issue") -> str:
    """The issue file ``text`` after ``change``: ``edit(text, lambda f: f.pin(name))``."""
    issue = IssueText(text, shown)
    change(issue)
    return issue.text()
