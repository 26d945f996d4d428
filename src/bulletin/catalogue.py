"""The default theme's fixed texts ("Read more", "Unsubscribe", …) in the 24 official EU languages.

The texts are data shipped with the theme (``themes/default/messages/<lang>.yaml``); a project rewords
any of them per language with ``messages:`` in bulletin.yaml. A leaf module (config validates ``messages:``
against :func:`keys`; render puts :func:`messages` into the template context).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import yaml
from markupsafe import Markup, escape

from .languages import EU_LANGUAGES, base, match

#: Where the catalogue's files are: one per language, named by its code.
MESSAGES_DIR = Path(__file__).resolve().parent / "themes" / "default" / "messages"

#: The language every text exists in, and the one used for a language the catalogue does not have.
FALLBACK = "en"

#: ``[text](name)`` in a message: a link to the address called ``name`` (see :func:`linked`).
_LINK = re.compile(r"\[([^\]]+)\]\(([A-Za-z_][A-Za-z0-9_]*)\)")

Overrides = Mapping[str, Mapping[str, str]]


@lru_cache(maxsize=None)
def _load(lang: str) -> dict[str, str]:
    """The catalogue's texts of one of its languages."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(MESSAGES_DIR / f"{lang}.yaml", encoding="utf-8") as file:
        data = yaml.load(file, Loader=loader)  # noqa: S506 - a safe loader
    return {str(key): str(value) for key, value in data.items()}


def keys() -> tuple[str, ...]:
    """The names of the theme's texts (``read_more``, ``unsubscribe``, …), as the English catalogue has them."""
    return tuple(_load(FALLBACK))


def catalogue_language(lang: str) -> str | None:
    """The catalogue's language for ``lang`` (``fr-BE``, ``FR``, ``fr_BE`` → ``fr``), None if it has none."""
    return match(lang, EU_LANGUAGES)


def messages(lang: str, overrides: Overrides | None = None) -> dict[str, str]:
    """Every theme text in ``lang``: the catalogue's (English for a language it lacks), then the project's rewording.

    ``overrides`` is bulletin.yaml's ``messages:`` (``{fr: {read_more: "Lire l'article"}}``), its
    languages matched on the base language like a subscriber's. For a language outside the catalogue the
    project's English rewording applies too, then its own texts for that language.
    """
    overrides = overrides or {}
    known = catalogue_language(lang)
    texts = dict(_load(FALLBACK))
    if known and known != FALLBACK:
        texts.update(_load(known))
    else:
        texts.update(_own(FALLBACK, overrides))
    texts.update(_own(lang, overrides))
    return texts


def _own(lang: str, overrides: Overrides) -> Mapping[str, str]:
    """The project's texts for ``lang`` (an exact tag wins over its base language)."""
    chosen = match(lang, list(overrides))
    return overrides[chosen] if chosen else {}


def fallback_warning(lang: str, overrides: Overrides | None = None) -> str | None:
    """Why the theme's texts of ``lang`` are (partly) English, for a build to show; None when they are all in ``lang``."""
    if catalogue_language(lang):
        return None
    own = _own(lang, overrides or {})
    missing = [key for key in keys() if not own.get(key)]
    if not missing:
        return None
    return (f"the theme's texts have no translation into '{lang}' (it has the 24 official EU languages): "
            f"{', '.join(missing)} stay in English; write them under messages: {base(lang)}: in bulletin.yaml")


def linked(text: str, **urls: str | None) -> Markup:
    """A message as HTML, its ``[text](name)`` parts links to ``urls[name]`` (just the text without that address)."""

    def link(found: re.Match[str]) -> str:
        url = urls.get(found.group(2))
        words = found.group(1)  # escaped with the rest
        return f'<a href="{escape(url)}">{words}</a>' if url else words

    return Markup(_LINK.sub(link, str(escape(text))))

