"""Translation files of a Markdown folder (Hugo's convention): ``NAME.fr.md`` is ``NAME.md`` in French.

:func:`arrange` says which file is an item, which translates which item, and what is wrong with a name;
:func:`check` validates a translation's front matter against its item. A translation shares the item's date,
tags, url and image unless it sets its own url or image; its date and tags, when given and different, are
ignored with a warning (the item's decide which issue and section it is in). Used only when the project has
``languages:``; without them ``x.fr.md`` is an item of its own, as it always was.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..languages import base, is_tag, match
from ..model import Item, Translation
from . import fields

Show = Callable[[Path], str]  # a file's name as messages give it (relative to the project)


@dataclass
class Plan:
    """What the files of a Markdown folder are, once their language suffixes are read."""

    items: list[Path] = field(default_factory=list)  # in the order found
    translations: dict[Path, list[tuple[str, Path]]] = field(default_factory=dict)  # item file -> (lang, file)
    warnings: dict[Path, list[tuple[str, str]]] = field(default_factory=dict)  # item file -> (where, message)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (where, message)


def split_name(file: Path, languages: Sequence[str] = ()) -> tuple[Path, str | None]:
    """``content/x.fr-BE.md`` → (``content/x``, ``"fr-BE"``); ``content/x.md`` → (``content/x``, None).

    A suffix is a language when it is written like a two-letter one (``fr``, ``fr-BE``) or is one of ``languages``
    (``fil``): ``x.bak.md`` or ``x.old.md`` are names, not languages.
    """
    stem, dot, code = file.name[: -len(".md")].rpartition(".")
    if dot and stem and is_tag(code) and (len(base(code)) == 2 or match(code, tuple(languages))):
        return file.with_name(stem), code
    return file.with_name(file.name[: -len(".md")]), None


def siblings(file: Path, languages: Sequence[str] = ()) -> list[Path]:
    """``file`` and the other language versions of it in its folder (``x.md``, ``x.fr.md``, ``x.en.md``), sorted."""
    stem = split_name(file, languages)[0]
    found = [
        other for other in file.parent.glob("*.md")
        if other.is_file() and not other.name.startswith((".", "_")) and split_name(other, languages)[0] == stem
    ]
    return sorted(set(found) | {file})


def arrange(files: Sequence[Path], languages: Sequence[str], show: Show) -> Plan:
    """Sort ``files`` into items and translations by their names' language suffixes (``languages``: default first)."""
    plan = Plan()
    own: dict[Path, Path] = {}  # stem -> the item's file (x.md, or x.en.md for the default language)
    others: list[tuple[Path, Path, str, str | None]] = []  # (file, stem, code, configured language)
    for file in files:
        stem, code = split_name(file, languages)
        lang = match(code, tuple(languages)) if code else None
        if code is None or lang == languages[0]:
            if stem in own:
                plan.problems.append((show(file), f"the same item as {show(own[stem])} ({languages[0]} is the "
                                                  "default language, whose text needs no suffix); keep one"))
                continue
            own[stem] = file
            plan.items.append(file)
        else:
            others.append((file, stem, code, lang))
    for file, stem, code, lang in others:
        item = own.get(stem)
        expected = show(stem.with_name(stem.name + ".md"))
        if lang is None and item is not None:
            plan.warnings.setdefault(item, []).append((show(file), f"{fields.not_listed(code, languages)}, so this file is not read"))
        elif lang is None:
            plan.problems.append((show(file), f"{fields.not_listed(code, languages)}, and there is no {expected} it "
                                              "would translate: add the language to languages: in bulletin.yaml, or "
                                              "rename the file if it is an item of its own"))
        elif item is None:
            plan.problems.append((show(file), f"a translation of {expected}, which does not exist (a translation is "
                                              "named after its item: NAME.md and NAME.fr.md, side by side)"))
        else:
            done = [other for known, other in plan.translations.get(item, []) if known == lang]
            if done:
                plan.problems.append((show(file), f"a second {lang} translation of {show(item)} "
                                                  f"(the first is {show(done[0])}); keep one"))
            else:
                plan.translations.setdefault(item, []).append((lang, file))
    for found in plan.translations.values():
        found.sort(key=lambda text: list(languages).index(text[0]))  # in the project's order of languages
    return plan


def check(data: Mapping[Any, Any], body: str, item: Item, lang: str) -> tuple[dict[str, Any] | None, fields.Found, fields.Found]:
    """A translation file's checked fields (``Translation`` keyword arguments; None for a draft), its problems and its
    warnings, each as (key path, message). ``body`` is its text after the front matter: its summary."""
    found: fields.Found = []
    warnings: fields.Found = []
    for key in data:
        if str(key) not in fields.FIELDS:
            typo_of = fields.misspelt(str(key), fields.FIELDS)
            if typo_of:
                found.append(((str(key),), f"{key}: unknown key (did you mean '{typo_of}'?)"))
            else:
                warnings.append(((str(key),), f"'{key}' is not an item field, so it is ignored"))
    values: dict[str, Any] = {"lang": lang}
    converters: dict[str, Callable[[Any], Any]] = {
        "title": fields.as_title, "url": fields.as_url, "date": fields.as_date, "tags": fields.as_tags,
        "draft": fields.as_draft, "summary": fields.as_summary,
    }
    checked: dict[str, Any] = {}
    for name, convert in converters.items():
        value = fields.visible(data.get(name))
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        try:
            checked[name] = convert(value)
        except fields.Invalid as exc:
            found.append(((name,), f"{name}: {exc}"))
    if "title" not in checked and not any(key == ("title",) for key, _message in found):
        found.append((("title",), f"title: required (the item's title in {lang}; the rest is taken from {_file(item)})"))
    if data.get("image") is not None and data.get("image") != "":
        values["image"], image_found = fields.as_image(fields.visible(data["image"]))
        found.extend(image_found)
    if "date" in checked and checked["date"] != item.date:
        warnings.append((("date",), f"date: {checked['date']} is not the date of {_file(item)} ({item.date}), so it is "
                                    "ignored: a translation is dated as its item"))
    if "tags" in checked and {t.casefold() for t in checked["tags"]} != {t.casefold() for t in item.tags}:
        warnings.append((("tags",), f"tags: not those of {_file(item)} ({', '.join(item.tags) or 'none'}), so they are "
                                    "ignored: a translation goes in its item's section"))
    if found or checked.get("draft"):
        return None, found, warnings
    values["title"] = checked["title"]
    values["url"] = checked.get("url")
    # the text after the front matter; `summary: ""` says "no summary in this language"; none: the item's stays
    values["summary"] = body or checked.get("summary", "" if "summary" in data else None)
    return values, found, warnings


def translation(values: dict[str, Any], *, origin: str, path: str) -> Translation:
    """The Translation of checked values."""
    return Translation(**values, summary_format="markdown", origin=origin, path=path)


def _file(item: Item) -> str:
    return item.path or item.origin
