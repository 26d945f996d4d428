"""Check an item's fields the same way for every source, and build the Item."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from ..errors import Problem, SourceError, raise_if
from ..languages import is_tag, match
from ..model import Image, Item, Translation
from ..spacing import one_line, trim
from ..yamlfile import Path_ as Key
from ..yamlfile import show

FIELDS = ("date", "title", "url", "tags", "summary", "image", "draft")
TRANSLATED = ("title", "summary", "url")  # title_fr, summary_fr, url_fr: the item in another language
REQUIRED = ("date", "title", "url")
TEXT_FIELDS = ("title", "summary")  # where a '#' is text, not a comment ("Bulletin #8")
IMAGE_FIELDS = ("src", "alt", "width", "height")

Found = list[tuple[Key, str]]  # (key path inside the item, message naming that key)

# only the unambiguous ISO form: 03/04/2021 means different days on either side of the Atlantic
# (a time after it, as spreadsheets export date-time cells, is allowed and ignored: the item's day is the date)
# (Jekyll writes the zone after a space: "2021-06-10 09:30:00 +0200")
_ISO_DATE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)? ?(?:Z|[+-]\d{2}:?\d{2})?)?")
_LOCAL_DATE = re.compile(r"\d{1,2}[./-]\d{1,2}[./-]\d{2,4}")
_SPACE = re.compile(r"\s")
# invisible control characters (NUL, ESC, …) that old exports and pasted text carry: an email cannot show them, and
# they break its MJML/XML; tab and line breaks are whitespace and stay
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
# title_fr, summary_fr-BE, URL_FR: a translated field (the code is checked with languages.is_tag)
_LANGUAGE_KEY = re.compile(r"(title|summary|url)_(.+)", re.IGNORECASE)


class Invalid(ValueError):
    """A field value that cannot be used; the message says what was expected."""


def check(data: Mapping[Any, Any], languages: Sequence[str] = ()) -> tuple[dict[str, Any], Found]:
    """Validate an item's raw fields; return Item keyword arguments and every problem found.

    With the project's ``languages`` (default first), ``title_fr``/``summary_fr``/``url_fr`` give the item's text
    in French (``values["translations"]``), ``title_en`` for the default language is ``title``, and
    ``title_de`` for a language the project does not have is left out with a warning (``values["warnings"]``).
    """
    found: Found = []
    values: dict[str, Any] = {"ignored": [], "warnings": [], "translations": []}
    fields, shown, texts = _by_language(data, languages, found, values["warnings"])
    known = FIELDS + tuple(f"{name}_{lang.lower()}" for lang in languages[1:] for name in TRANSLATED)
    for key in data:
        if str(key) not in FIELDS and language_field(str(key), languages) is None:
            if misspelt(str(key), known):
                found.append(((str(key),), f"{key}: {_unknown(str(key), known)}"))
            else:
                values["ignored"].append(str(key))
    for name in REQUIRED:
        if _blank(fields.get(name)):
            found.append(((shown.get(name, name),), f"{shown.get(name, name)}: required"))
    converters = {
        "date": as_date,
        "title": as_title,
        "url": lambda v: as_url(v, "an absolute link"),
        "tags": as_tags,
        "summary": as_summary,
        "draft": as_draft,
    }
    for name, convert in converters.items():
        value = visible(fields.get(name))
        if _blank(value):
            continue
        try:
            values[name] = convert(value)
        except Invalid as exc:
            found.append(((shown.get(name, name),), f"{shown.get(name, name)}: {exc}"))
    if not _blank(fields.get("image")):
        image, image_found = as_image(visible(fields["image"]))
        values["image"] = image
        found.extend(image_found)
    for lang in languages[1:]:
        if lang in texts:
            translation = _translation(lang, texts[lang], found)
            if translation is not None:
                values["translations"].append(translation)
    return values, found


def language_field(key: str, languages: Sequence[str]) -> tuple[str, str | None] | None:
    """``("title", "fr")`` for ``title_fr`` (or ``Title_FR``, ``title_fr-BE``) when French is one of ``languages``;
    ``("title", None)`` for ``title_de`` when German is not; None when ``key`` is not a field in a language."""
    found = _LANGUAGE_KEY.fullmatch(key.strip()) if languages else None
    if found is None or not is_tag(found[2]):
        return None
    return found[1].lower(), match(found[2], tuple(languages))


def not_listed(code: str, languages: Sequence[str]) -> str:
    """Why a text in language ``code`` is not used."""
    return f"'{code}' is not one of the languages in bulletin.yaml ({', '.join(languages)})"


def text_keys(data: Mapping[Any, Any], languages: Sequence[str] = ()) -> list[str]:
    """The keys of ``data`` holding text in which a '#' is text, not a comment (title, summary, title_fr …)."""
    return [str(key) for key in data if str(key) in TEXT_FIELDS or _is_text_key(str(key), languages)]


def _is_text_key(key: str, languages: Sequence[str]) -> bool:
    field = language_field(key, languages)
    return field is not None and field[0] in TEXT_FIELDS


def _by_language(
    data: Mapping[Any, Any], languages: Sequence[str], found: Found, warnings: Found
) -> tuple[dict[str, Any], dict[str, str], dict[str, dict[str, tuple[str, Any]]]]:
    """Split the fields: the item's own (``title_en`` is ``title`` when en is the default), the key each of
    those was given as, and the texts per other language ``{lang: {field: (key, value)}}``."""
    fields = {str(key): value for key, value in data.items() if str(key) in FIELDS}
    shown: dict[str, str] = {}
    texts: dict[str, dict[str, tuple[str, Any]]] = {}
    for key, value in data.items():
        field = language_field(str(key), languages)
        if field is None:
            continue
        name, lang = field
        if lang is None:
            code = _LANGUAGE_KEY.fullmatch(str(key).strip())[2]  # type: ignore[index]
            warnings.append(((str(key),), f"{key}: {not_listed(code, languages)}, so it is not used"))
        elif lang == languages[0]:  # title_en in an English-first project: the item's own title
            if name in fields or name in shown:
                first = shown.get(name, name)
                found.append(((str(key),), f"{key}: the same field as {first} ({lang} is the default language); keep one"))
            else:
                fields[name], shown[name] = value, str(key)
        elif name in texts.get(lang, {}):
            found.append(((str(key),), f"{key}: the same field as {texts[lang][name][0]}; keep one"))
        else:
            texts.setdefault(lang, {})[name] = (str(key), value)
    return fields, shown, texts


def _translation(lang: str, given: dict[str, tuple[str, Any]], found: Found) -> dict[str, Any] | None:
    """A translation's checked fields (Translation keyword arguments), or None when all of them are blank."""
    if all(_blank(value) for _key, value in given.values()):
        return None  # a spreadsheet row not translated into this language
    title_key = given.get("title", (f"title_{lang}", None))[0]
    values: dict[str, Any] = {"lang": lang, "key": title_key}
    if _blank(given.get("title", ("", None))[1]):
        others = [key for _name, (key, value) in given.items() if not _blank(value)]
        found.append(((others[0],), f"{title_key}: required when {' and '.join(others)} is given (the title in {lang})"))
        return None
    converters = {"title": as_title, "summary": as_summary, "url": lambda v: as_url(v, "an absolute link")}
    for name, (key, value) in given.items():
        if _blank(value):
            continue
        try:
            values[name] = converters[name](visible(value))
        except Invalid as exc:
            found.append(((key,), f"{key}: {exc}"))
            return None
    return values


def visible(value: Any) -> Any:
    """``value`` without invisible control characters, in strings and in lists or mappings of them."""
    if isinstance(value, str):
        return _CONTROL.sub("", value)
    if isinstance(value, list):
        return [visible(v) for v in value]
    if isinstance(value, Mapping):
        return {k: visible(v) for k, v in value.items()}
    return value


def html_items(readings: Iterable[tuple[str, tuple[dict[str, Any], list[str]]]], failure: str) -> list[Item]:
    """The items of a web source (feed entries, WordPress posts) from ``(where, (values, problems))`` per entry;
    one SourceError headed ``failure`` listing every problem when there are any."""
    items: list[Item] = []
    problems: list[Problem] = []
    for where, (values, found) in readings:
        problems.extend(Problem(where, message) for message in found)
        if not found:
            items.append(make(values, origin=where, summary_format="html"))
    raise_if(problems, SourceError, failure)
    return items


def make(
    values: dict[str, Any], *, origin: str, path: str | None = None, summary_format: str = "markdown",
    where: Callable[[str], str] | None = None,
) -> Item:
    """Build the Item from checked values; ``where(key)`` is where the field ``key`` is (a translation is where its
    title is; default: where the item is)."""
    translations = tuple(
        Translation(
            lang=text["lang"], title=text["title"], summary=text.get("summary"), url=text.get("url"),
            summary_format=summary_format, origin=where(text["key"]) if where else origin, path=path,  # type: ignore[arg-type]
        )
        for text in values.get("translations", ())
    )
    return Item(
        date=values["date"],
        title=values["title"],
        url=values["url"],
        tags=values.get("tags", ()),
        summary=values.get("summary", ""),
        summary_format=summary_format,  # type: ignore[arg-type]
        image=values.get("image"),
        origin=origin,
        path=path,
        draft=values.get("draft", False),
        ignored=tuple(values.get("ignored", ())),
        notes=tuple(values.get("notes", ())),
        translations=translations,
    )


def misspelt(key: str, known: Sequence[str]) -> str | None:
    """The known field an unknown one is a typo of ('titel', 'tgas', 'Date'), or None when it is a field bulletin
    does not use (author, categories: files exported from a CMS carry them; ignored, with a warning)."""
    # an edit distance that counts swapping two letters as one edit
    from rapidfuzz.distance import OSA

    word = key.lower()
    limit = 1 if len(word) <= 4 else 2
    best = min(known, key=lambda name: OSA.distance(word, name))
    return best if OSA.distance(word, best) <= limit else None


def _unknown(key: str, known: Sequence[str]) -> str:
    """The message for a misspelt field."""
    return f"unknown key (did you mean '{misspelt(key, known)}'?)"


def as_date(value: Any) -> dt.date:
    """A date object (YAML), datetime (its day) or an ISO string like 2021-06-10 (or 2021-06-10 09:30)."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    match = _ISO_DATE.fullmatch(value.strip()) if isinstance(value, str) else None
    if match:
        try:
            return dt.date.fromisoformat(match[1])
        except ValueError:
            pass
    advice = ""
    if isinstance(value, str) and _LOCAL_DATE.fullmatch(value.strip()):  # 10/06/2021, 10.06.21: Excel's local format
        advice = " (year-month-day: in a spreadsheet, format the column as YYYY-MM-DD before saving)"
    raise Invalid(f"expected a date like 2021-06-10, got {show(value)}{advice}")


def as_title(value: Any) -> str:
    """Non-empty text on one line, kept literally (a title is data: no HTML is interpreted)."""
    if not isinstance(value, str):
        raise Invalid(f"expected text, got {show(value)} (put it in quotes)")
    if not value.strip():
        raise Invalid("must not be empty")
    return one_line(value)  # a line break typed into a spreadsheet cell is not part of the title; a no-break space is


def as_url(value: Any, what: str = "an absolute link") -> str:
    """An absolute http(s) URL: the email is read far away from the website."""
    if isinstance(value, str):
        text = value.strip()
        parts = urlsplit(text) if not _SPACE.search(text) else None
        if parts and parts.scheme.lower() in ("http", "https") and parts.netloc:
            return text
    raise Invalid(f"expected {what} starting with https:// or http://, got {show(value)}")


def as_tags(value: Any) -> tuple[str, ...]:
    """A list of tags, or one string holding one tag or several separated by ';' (or ',')."""
    if isinstance(value, str):  # "News, Event" typed in front matter or a spreadsheet cell means two tags
        value = value.split(";") if ";" in value else value.split(",")
    if not isinstance(value, list):
        raise Invalid(f"expected a list of tags like [News, Event], got {show(value)}")
    tags: dict[str, str] = {}
    for tag in value:
        if not isinstance(tag, str):
            raise Invalid(f"expected each tag to be text, got {show(tag)}")
        tag = " ".join(tag.split())
        if tag:
            tags.setdefault(tag.casefold(), tag)  # "Event" and "event " are one tag: the first spelling wins
    return tuple(tags.values())


def as_draft(value: Any) -> bool:
    """true/false (YAML), or yes/no, true/false, 1/0 typed in a spreadsheet cell."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower() if isinstance(value, (str, int)) else None
    if word in ("true", "yes", "1", "x"):
        return True
    if word in ("false", "no", "0"):
        return False
    raise Invalid(f"expected true or false, got {show(value)}")


def as_summary(value: Any) -> str:
    """Markdown text."""
    if not isinstance(value, str):
        raise Invalid(f"expected text, got {show(value)}")
    return trim(value)


def as_image(value: Any) -> tuple[Image | None, Found]:
    """A picture: ``{src, alt}`` or a plain URL."""
    if isinstance(value, str):
        try:
            return Image(src=as_url(value, "an absolute image link")), []
        except Invalid as exc:
            return None, [(("image",), f"image: {exc}")]
    if not isinstance(value, Mapping):
        return None, [(("image",), f"image: expected {{src: https://…, alt: …}} or a link, got {show(value)}")]
    found: Found = []
    for key in value:
        if str(key) not in IMAGE_FIELDS and misspelt(str(key), IMAGE_FIELDS):  # caption: not used, no harm
            found.append((("image", str(key)), f"image.{key}: {_unknown(str(key), IMAGE_FIELDS)}"))
    src = ""
    if _blank(value.get("src")):
        found.append((("image", "src"), "image.src: required"))
    else:
        try:
            src = as_url(value.get("src"), "an absolute image link")
        except Invalid as exc:
            found.append((("image", "src"), f"image.src: {exc}"))
    alt = value.get("alt")
    if alt is None:
        alt = ""
    elif not isinstance(alt, str):
        found.append((("image", "alt"), f"image.alt: expected text, got {show(alt)}"))
    size: dict[str, int] = {}
    for key in ("width", "height"):
        number = value.get(key)
        if number is None:
            continue
        if isinstance(number, bool) or not isinstance(number, int) or number <= 0:
            found.append((("image", key), f"image.{key}: expected a whole number of pixels like 1200, got {show(number)}"))
        else:
            size[key] = number
    if found:
        return None, found
    return Image(src=src, alt=alt.strip(), **size), []


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
