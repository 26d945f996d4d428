"""Language codes: which of the project's languages a subscriber's ``language`` or a file's suffix means.

A leaf module (no bulletin imports): config, sources, audience and the editions use it.
"""

from __future__ import annotations

import re

#: A BCP 47 tag as people write it: ``fr``, ``fr-BE``, ``pt_BR``, ``zh-Hant-TW`` (case ignored).
_TAG = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")

#: The 24 official languages of the European Union: the default theme's texts exist in each.
EU_LANGUAGES = (
    "bg", "cs", "da", "de", "el", "en", "es", "et", "fi", "fr", "ga", "hr",
    "hu", "it", "lt", "lv", "mt", "nl", "pl", "pt", "ro", "sk", "sl", "sv",
)


def is_tag(code: str) -> bool:
    """Whether ``code`` is written like a language tag (``fr``, ``fr-BE``, ``fr_BE``)."""
    return bool(_TAG.match(code.strip()))


def base(code: str) -> str:
    """The base language of a tag, lower case: ``fr-BE``, ``FR``, ``fr_BE`` → ``fr``."""
    return re.split(r"[-_]", code.strip(), maxsplit=1)[0].lower()


def match(code: str | None, languages: tuple[str, ...] | list[str]) -> str | None:
    """The project language ``code`` means (as written in ``languages``), matching on the base language; None if none.

    An exact tag wins over a base match (``pt-BR`` → ``pt-BR`` when both ``pt`` and ``pt-BR`` are configured).
    """
    if not code or not code.strip():
        return None
    wanted = code.strip().replace("_", "-").lower()
    for lang in languages:
        if lang.replace("_", "-").lower() == wanted:
            return lang
    for lang in languages:
        if base(lang) == base(code) and "-" not in lang.replace("_", "-"):
            return lang
    for lang in languages:
        if base(lang) == base(code):
            return lang
    return None


def display_name(code: str) -> str:
    """A language's name in that language (CLDR data, through Babel), capitalised: English, Français; else the code."""
    from babel import Locale, UnknownLocaleError  # imported here: only the preview and the web edition name languages

    try:
        locale = Locale.parse(code.strip().replace("_", "-"), sep="-")
        name = locale.get_display_name(locale) or code
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return name[:1].upper() + name[1:]
