"""Texts per language in bulletin.yaml and issue files: ``languages:`` and ``{en: …, fr: …}`` mappings.

Used by config (below it: yamlfile, languages); every mistake is recorded on the checker with its line.
"""

from __future__ import annotations

from typing import Any

from . import yamlfile
from .languages import base, is_tag, match


def read_languages(check: yamlfile.Checker, data: dict) -> tuple[tuple[str, ...], str]:
    """bulletin.yaml's ``languages:`` (default first) and ``lang``: ``((), lang)`` for a one-language project."""
    lang = check.text(data, "lang")
    if lang is not None and not is_tag(lang):
        check.error(("lang",), f"expected a language code like en, fr or pt-BR, got '{lang}'")
        lang = None
    raw = data.get("languages")
    if raw is None:
        return (), lang or "en"
    codes = check.text_list(data, "languages", (), "language codes")
    if raw is not None and not codes and isinstance(raw, list):
        check.error(("languages",), "empty: list language codes like [en, fr, it], the default first")
    out: list[str] = []
    for index, code in enumerate(codes):
        if not is_tag(code):
            check.error(("languages", index), f"expected a language code like en, fr or pt-BR, got '{code}'")
        elif code.replace("_", "-").lower() in (known.lower() for known in out):
            check.error(("languages", index), f"'{code}' is listed twice")
        else:
            out.append(code.replace("_", "-"))
    if not out:
        return (), lang or "en"
    if lang is not None and base(lang) != base(out[0]):
        check.error(("lang",), f"'{lang}' is not the first of languages ({', '.join(out)}): the first language is the "
                               "default; leave lang out, or put it first")
    return tuple(out), out[0]


def localized(check: yamlfile.Checker, data: dict, key: str, path: yamlfile.Path_, editions: tuple[str, ...]
              ) -> tuple[str | None, dict[str, str]]:
    """A text, or a mapping of texts per language (``{en: …, fr: …}``): (the default language's, the others').

    A mapping needs the default language (the first of ``languages:``); its keys are the project's languages,
    matched on the base language (``fr-BE``, ``FR`` → ``fr``).
    """
    value: Any = data.get(key)
    if not isinstance(value, dict):
        return check.text(data, key, path), {}
    where = path + (key,)
    default, others = editions[0], {}
    text: str | None = None
    for code in value:
        lang = match(str(code), editions)
        if lang is None:
            known = ", ".join(editions)
            why = (f"'{code}' is not one of the project's languages ({known}); add it to languages: in bulletin.yaml"
                   if len(editions) > 1 or is_tag(str(code)) else f"expected a language code ({known}), got '{code}'")
            if len(editions) == 1 and is_tag(str(code)):
                why += " to give texts in other languages"
            check.error(where + (str(code),), why)
            continue
        one = check.text(value, code, where)
        if one is None:
            continue
        if lang == default:
            text = one
        else:
            others[lang] = one
    if text is None and value:
        check.error(where, f"no text in {default}, the default language (the first of languages: in bulletin.yaml): "
                           f"it is what members get when their language has none")
    return text, others
