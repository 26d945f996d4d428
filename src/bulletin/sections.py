"""An issue's ``sections:``, ``match_order:`` and ``notes:``, validated for config.py.

Each section has a title (given per language or not) and tags; at most one section has no tags, the
catch-all, which takes the items no other section takes. ``match_order`` says which section takes an item
that fits several (select.py sorts items into them); a note stands under a section, named by its title.
Every mistake is recorded on the checker with its line.
"""

from __future__ import annotations

from typing import Any

from . import yamlfile
from .model import SectionSpec
from .texts import localized

#: Translations being gathered, per language: ``{"fr": {"section:Events": "Événements", "note:Events": …}}``.
Translations = dict[str, dict[str, str]]


def read_sections(check: yamlfile.Checker, data: dict, editions: tuple[str, ...],
                  translations: Translations) -> tuple[list[SectionSpec], list[str]]:
    """The issue's sections and its ``match_order`` (section titles); other languages' titles go into ``translations``."""
    match_order = _match_order(check, data)
    sections = _sections(check, data.get("sections"), editions, translations, ordered=bool(match_order))
    _check_match_order(check, match_order, sections)
    return sections, match_order


def read_notes(check: yamlfile.Checker, data: dict, titles: list[str], editions: tuple[str, ...],
               translations: Translations) -> dict[str, str]:
    """``notes:`` {section title: text} for the sections ``titles``; other languages' texts go into ``translations``."""
    notes_raw = check.mapping(data.get("notes"), ("notes",), titles) if data.get("notes") is not None else {}
    notes = {}
    for key in notes_raw:
        if str(key) in titles:
            note, others = localized(check, notes_raw, key, ("notes",), editions)
            notes[str(key)] = note or ""
            for lang, text in others.items():
                translations[lang][f"note:{key}"] = text
    return notes


def _match_order(check: yamlfile.Checker, data: dict) -> list[str]:
    """match_order: section titles, most specific first (which section takes an item that fits several)."""
    value = data.get("match_order")
    if isinstance(value, list) and not value:
        check.error(("match_order",), "empty: list section titles like [Events, Publications], or leave match_order out")
    return check.text_list(data, "match_order", (), "section titles")


def _check_match_order(check: yamlfile.Checker, titles: list[str], sections: list[SectionSpec]) -> None:
    """Every match_order entry names a section once; the catch-all (no tags), always matched last, only at the end."""
    known = [s.title for s in sections]
    catch_all = {s.title for s in sections if not s.tags}
    seen: set[str] = set()
    for index, title in enumerate(titles):
        path = ("match_order", index)
        if title not in known:
            check.error(path, f"'{title}' is not a section title{yamlfile.hint(title, known)}")
        elif title in seen:
            check.error(path, f"'{title}' is listed twice")
        elif title in catch_all and index != len(titles) - 1:
            check.error(path, f"'{title}' has no tags: it takes the items no other section takes, so it is matched last; "
                              "remove it from match_order")
        seen.add(title)


def _sections(check: yamlfile.Checker, data: Any, editions: tuple[str, ...], translations: Translations, *,
              ordered: bool = False) -> list[SectionSpec]:
    if not isinstance(data, list) or not data:
        if data is not None:
            check.error(("sections",), "expected a list of sections like - {title: Events, tags: [Event]}")
        return []
    out: list[SectionSpec] = []
    catch_all: int | None = None
    for index, entry in enumerate(data):
        path = ("sections", index)
        section = check.mapping(entry, path, ["title", "tags"], ("title",))
        title, others = localized(check, section, "title", path, editions)
        if title:
            for lang, text in others.items():
                translations[lang][f"section:{title}"] = text
        if "tags" in section and section.get("tags") in (None, []):
            check.error(path + ("tags",), "empty: give tags like [Event], or leave tags out for a catch-all section")
        tags = check.text_list(section, "tags", path, "tags")
        if not title:
            continue
        if title in (s.title for s in out):
            check.error(path + ("title",), f"a section named '{title}' is already defined")
        if catch_all is not None and not ordered:  # with match_order, the catch-all is matched last wherever it is shown
            check.error(path, f"comes after the catch-all section '{out[catch_all].title}' (no tags), so it can never get an item "
                              "(move it up, or add match_order: to keep this display order)")
        if not tags and "tags" not in section:
            if catch_all is not None and ordered:
                check.error(path, f"a second section without tags: only one (now '{out[catch_all].title}') can take the remaining items")
            catch_all = len(out)
        out.append(SectionSpec(title, tuple(tags)))
    return out
