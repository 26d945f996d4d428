"""Load and validate bulletin.yaml and issue specs, reporting every problem with file:line.

Parts of them are checked in modules of their own: ``brand:`` and ``greeting:`` (housestyle.py), texts per
language (texts.py), an issue's sections and notes (sections.py).
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import catalogue, yamlfile
from .errors import ConfigError, Where, display_path, raise_if
from .housestyle import check_greeting, read_brand, read_greeting
from .languages import is_tag
from .model import (
    IssueSpec,
    Organisation,
    Period,
    Project,
    Sender,
    SendGridSettings,
    Source,
    Utm,
    WordPressSource,
)
from .sections import read_notes, read_sections
from .spacing import one_line
from .texts import localized, read_languages

PROJECT_FILE = "bulletin.yaml"

_PROJECT_KEYS = [
    "organisation", "sender", "subscribers", "subscribers_encoding", "sendgrid", "transport", "web_url",
    "utm", "inliner", "timezone", "lang", "merge_fallbacks", "paths", "source", "brand", "greeting", "site_dir", "archive_url",
    "subscribe_url", "languages", "require_translations", "messages",
]
_ISSUE_KEYS = [
    "title", "subject", "preheader", "period", "source", "sections", "exclude_tags", "order", "featured",
    "pin", "exclude", "include", "notes", "intro", "template", "utm", "lang", "match_order",
]
_SLUG = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_WEBSITE = re.compile(r"https?://(?:[^\s/?#@]+\.[^\s/?#@]+|localhost(?::\d+)?)(?:[/?#]\S*)?", re.IGNORECASE)
_FIELD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")  # as merge() accepts


def email_problem(value: str) -> str | None:
    """Why ``value`` is not usable as a sender or reply-to address, or None."""
    return None if _EMAIL.match(value) else f"expected an email address, got '{value}'"


def timezone_problem(value: str) -> str | None:
    """Why ``value`` is not a time zone name, or None."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return f"unknown time zone '{value}' (use a name like Europe/Brussels)"
    return None


def website_problem(value: str) -> str | None:
    """Why ``value`` is not a website address, or None."""
    if _WEBSITE.fullmatch(value.strip()):
        return None
    return f"expected the whole address of a website, like https://www.example.org, got '{value}'"


def find_root(start: Path) -> Path | None:
    """The nearest folder at or above ``start`` holding bulletin.yaml."""
    start = start.resolve()
    for folder in [start, *start.parents]:
        if (folder / PROJECT_FILE).is_file():
            return folder
    return None


def load_project(start: str | os.PathLike[str] | None = None) -> Project:
    """Load bulletin.yaml from ``start`` (a folder, the file itself, or an issue file) or its parents."""
    begin = Path(start) if start is not None else Path.cwd()
    root: Path | None
    if _is(begin.is_file) and begin.name == PROJECT_FILE:
        root = begin.resolve().parent
    else:
        root = find_root(begin if _is(begin.is_dir) else begin.parent) or find_root(Path.cwd())
    if root is None:
        raise ConfigError(
            f"no {PROJECT_FILE} found in {begin.resolve() if begin.is_dir() else begin.resolve().parent} "
            "or its parent folders; run bulletin from your project folder"
        )
    path = root / PROJECT_FILE
    doc = yamlfile.load(path, PROJECT_FILE, ConfigError)
    check = yamlfile.Checker(PROJECT_FILE, doc)
    data = check.mapping(doc.data, (), _PROJECT_KEYS, required=("organisation", "sender"))

    org = check.mapping(data.get("organisation"), ("organisation",), ["name", "address", "website"], ("name", "address"))
    sender = check.mapping(data.get("sender"), ("sender",), ["email", "name", "reply_to"], ("email",))
    for key in ("email", "reply_to"):
        value = check.text(sender, key, ("sender",))
        problem = email_problem(value) if value else None
        if problem:
            check.error(("sender", key), problem)
    website = check.text(org, "website", ("organisation",))
    if website and website_problem(website):
        check.error(("organisation", "website"), website_problem(website) or "")
    sendgrid = check.mapping(data.get("sendgrid"), ("sendgrid",), ["unsubscribe_group_id", "categories", "webhook_public_key"])
    group = sendgrid.get("unsubscribe_group_id")
    if group is not None and (isinstance(group, bool) or not isinstance(group, int) or group <= 0):
        check.error(("sendgrid", "unsubscribe_group_id"), f"expected a whole number (the SendGrid unsubscribe group id), got {group!r}")
        group = None
    categories = check.text_list(sendgrid, "categories", ("sendgrid",), "category names")
    for index, category in enumerate(categories):
        if len(category) > 255:
            check.error(("sendgrid", "categories", index), f"SendGrid allows at most 255 characters in a category, got {len(category)}")
    if len(categories) > 9:  # each dispatch also carries the issue's own category (mail.py)
        check.error(("sendgrid", "categories"), f"at most 9 categories (SendGrid allows 10; bulletin adds one naming the issue), got {len(categories)}")

    timezone = check.text(data, "timezone", default="UTC") or "UTC"
    if timezone_problem(timezone):
        check.error(("timezone",), timezone_problem(timezone) or "")
    web_url = check.text(data, "web_url")
    if web_url and not web_url.startswith(("http://", "https://")):
        check.error(("web_url",), f"expected an http(s) address like https://example.org/bulletin/{{slug}}/, got '{web_url}'")
    elif web_url and re.sub(r"\{slug\}", "", web_url).count("{") + web_url.replace("{slug}", "").count("}"):
        check.error(("web_url",), f"only {{slug}} is filled in (the issue's name), got '{web_url}': write it like https://example.org/bulletin/{{slug}}/")
    elif web_url and "{slug}" not in web_url:
        check.error(("web_url",), f"'{web_url}' has no {{slug}}: every issue would link to the same page; write it like https://example.org/bulletin/{{slug}}/")
    archive_url = _address(check, data, "archive_url", "https://example.org/bulletin/")
    subscribe_url = _address(check, data, "subscribe_url", "https://example.org/newsletter", mailto=True)
    paths = check.mapping(data.get("paths"), ("paths",), ["content", "build", "state", "outbox", "templates"])
    fallbacks = _fallbacks(check, data.get("merge_fallbacks"))
    org_name = " ".join((check.text(org, "name", ("organisation",)) or "").split())
    languages, lang = read_languages(check, data)
    require = data.get("require_translations", False)
    if not isinstance(require, bool):
        check.error(("require_translations",), f"expected true or false, got {yamlfile.show(require)}")

    project = Project(
        root=str(root),
        path=str(path),
        organisation=Organisation(
            name=org_name,  # one line: it may name the sender
            address=check.text(org, "address", ("organisation",)) or "",
            website=check.text(org, "website", ("organisation",)),
        ),
        sender=Sender(
            email=check.text(sender, "email", ("sender",)) or "",
            name=" ".join((check.text(sender, "name", ("sender",)) or "").split()) or None,  # the From header
            reply_to=check.text(sender, "reply_to", ("sender",)),
        ),
        subscribers=check.text(data, "subscribers", default="subscribers.csv") or "subscribers.csv",
        subscribers_encoding=check.text(data, "subscribers_encoding", default="utf-8-sig") or "utf-8-sig",
        sendgrid=SendGridSettings(unsubscribe_group_id=group, categories=tuple(categories),
                                  webhook_public_key=check.text(sendgrid, "webhook_public_key", ("sendgrid",))),
        transport=check.choice(data, "transport", ["outbox", "sendgrid"], default="outbox"),  # type: ignore[arg-type]
        web_url=web_url,
        archive_url=archive_url,
        subscribe_url=subscribe_url,
        utm=_utm(check, data.get("utm"), ("utm",)),
        inliner=check.choice(data, "inliner", ["premailer", "css-inline"], default="premailer"),  # type: ignore[arg-type]
        timezone=timezone,
        lang=lang,
        languages=languages,
        require_translations=require is True,
        merge_fallbacks=fallbacks,
        messages=_messages(check, data.get("messages"), fallbacks),
        brand=read_brand(check, data.get("brand"), org_name),
        greeting=read_greeting(check, data, fallbacks),
        content_dir=check.text(paths, "content", ("paths",), "content") or "content",
        build_dir=check.text(paths, "build", ("paths",), "build") or "build",
        state_dir=check.text(paths, "state", ("paths",), ".bulletin") or ".bulletin",
        outbox_dir=check.text(paths, "outbox", ("paths",), "outbox") or "outbox",
        templates_dir=check.text(paths, "templates", ("paths",), "templates") or "templates",
        site_dir=check.text(data, "site_dir", default="site") or "site",
        source=_sources(check, data["source"]) if data.get("source") is not None else None,
    )
    raise_if(check.in_order(), ConfigError, f"{PROJECT_FILE} is not valid")
    return project


def _is(test: Any) -> bool:
    """``path.is_file()`` / ``is_dir()``, False for a name the system refuses (Python 3.11 raises ENAMETOOLONG)."""
    try:
        return bool(test())
    except (OSError, ValueError):
        return False


def _address(check: yamlfile.Checker, data: dict, key: str, example: str, *, mailto: bool = False) -> str | None:
    """An optional web address (or a mailto: one) of bulletin.yaml."""
    value = check.text(data, key)
    schemes = ("http://", "https://", "mailto:") if mailto else ("http://", "https://")
    if value and not value.startswith(schemes):
        check.error((key,), f"expected an http(s) address like {example}, got '{value}'")
        return None
    return value or None


def _fallbacks(check: yamlfile.Checker, data: Any) -> dict[str, str]:
    """merge_fallbacks: {field: text shown when a subscriber's field is empty}."""
    if data is not None and not isinstance(data, dict):
        check.error(("merge_fallbacks",), f"expected column names and texts like {{name: colleague}}, got {yamlfile.show(data)}")
        return {}
    raw = data or {}
    out = {}
    for key in raw:
        if not _FIELD.match(str(key)):
            check.error(("merge_fallbacks", str(key)), "expected a subscriber column name (letters, digits and _), like name")
        else:
            out[str(key)] = check.text(raw, key, ("merge_fallbacks",)) or ""
    return out


def _messages(check: yamlfile.Checker, data: Any, fallbacks: dict[str, str]) -> dict[str, dict[str, str]]:
    """messages: the theme's texts reworded per language, ``{fr: {read_more: "Lire l'article"}}``."""
    if data is None:
        return {}
    example = "languages and texts like {fr: {read_more: Lire l'article}}"
    if not isinstance(data, dict):
        check.error(("messages",), f"expected {example}, got {yamlfile.show(data)}")
        return {}
    known = list(catalogue.keys())
    out: dict[str, dict[str, str]] = {}
    for lang in data:
        path: yamlfile.Path_ = ("messages", str(lang))
        if not isinstance(lang, str) or not is_tag(lang):
            check.error(path, f"expected a language code like fr or fr-BE, then its texts: {example}")
            continue
        texts = check.mapping(data[lang], path, known)
        out[lang] = {}
        for key in (k for k in texts if str(k) in known):
            text = check.text(texts, key, path)
            if texts[key] is None or (text is not None and not text.strip()):
                check.error(path + (str(key),), "empty: write the text, or leave the key out to keep the theme's")
            elif text and (key != "greeting" or check_greeting(check, path + ("greeting",), text, fallbacks)):
                out[lang][str(key)] = text
    return out


def _utm(check: yamlfile.Checker, data: Any, path: yamlfile.Path_) -> Utm | None:
    if data is None:
        return None
    utm = check.mapping(data, path, ["source", "medium", "campaign"])
    return Utm(*(check.text(utm, key, path) for key in ("source", "medium", "campaign")))


def load_issue(path: str | os.PathLike[str], project: Project, *, text: str | None = None) -> IssueSpec:
    """Load and validate an issue spec (``text``: its content, instead of the file's); raise one ConfigError listing every problem."""
    file = Path(path)
    root = Path(project.root)
    name = display_path(file, root)
    _check_issue_file(file, name, root)
    doc = yamlfile.load(file, name, ConfigError, text)
    if doc.data is None:
        raise ConfigError("the file is empty; an issue needs at least title, period and sections (see bulletin new-issue)", where=Where(name))
    check = yamlfile.Checker(name, doc)
    data = check.mapping(doc.data, (), _ISSUE_KEYS, required=("title", "period", "sections"))
    slug = file.name.removesuffix(".yaml").removesuffix(".yml")
    if not _SLUG.match(slug):
        check.error((), f"the file name '{file.name}' makes a bad issue slug: use letters, digits, '-' and '_' only")

    period = check.mapping(data.get("period"), ("period",), ["start", "end"], ("start", "end")) if "period" in data else {}
    start, end = check.date(period, "start", ("period",)), check.date(period, "end", ("period",))
    if start and end and end < start:
        check.error(("period", "end"), f"the period ends ({end}) before it starts ({start})")

    # an issue's own source wins; else bulletin.yaml's; else the content folder
    default: Any = project.source or [project.content_dir]
    sources = _sources(check, data["source"]) if "source" in data else list(default)

    editions = project.editions
    translations: dict[str, dict[str, str]] = {lang: {} for lang in editions[1:]}
    sections, match_order = read_sections(check, data, editions, translations)
    notes = read_notes(check, data, [s.title for s in sections], editions, translations)
    texts = {}
    for key in ("title", "subject", "preheader", "intro"):
        texts[key], others = localized(check, data, key, (), editions)
        for lang, text in others.items():
            # one-line texts: a YAML block (|) would put line breaks into the Subject header and the inbox preview
            translations[lang][key] = text if key == "intro" else one_line(text)
    for own in translations.values():
        if "subject" not in own and "title" in own and not texts["subject"]:
            own["subject"] = own["title"]  # as in the default language: the subject is the title unless given

    lists = {key: check.text_list(data, key, (), "URLs or item files") for key in ("pin", "exclude", "include")}
    # one-line texts: a YAML block (|) would put line breaks into the Subject header and the inbox preview
    title, subject, preheader = (one_line(texts[key] or "") for key in ("title", "subject", "preheader"))
    spec = IssueSpec(
        slug=slug,
        path=name,
        title=title,
        subject=subject or title,
        preheader=preheader,
        period=Period(start, end) if start and end else None,  # type: ignore[arg-type]  # raised below
        sources=sources,
        sections=sections,
        exclude_tags=tuple(check.text_list(data, "exclude_tags", (), "tags")),
        order=check.choice(data, "order", ["newest", "oldest"], default="newest"),  # type: ignore[arg-type]
        featured=check.text(data, "featured"),
        pin=lists["pin"],
        exclude=lists["exclude"],
        include=lists["include"],
        notes=notes,
        intro=texts["intro"] or "",
        template=check.text(data, "template") or "default",
        utm=_utm(check, data.get("utm"), ("utm",)),
        lang=check.text(data, "lang"),
        match_order=match_order,
        lines=_reference_lines(doc.lines),
        translations={lang: own for lang, own in translations.items() if own},
    )
    if spec.template and not _SLUG.match(spec.template):
        check.error(("template",), f"expected a theme name (a folder under templates/), got '{spec.template}'")
    raise_if(check.in_order(), ConfigError, f"{name} is not a valid issue")
    return spec


def _check_issue_file(file: Path, name: str, root: Path) -> None:
    """Catch the wrong file given as the issue: a misspelt path, an item, the settings or the subscribers."""
    example = "an issue is a .yaml file in issues/, e.g. issues/2021-h1.yaml"
    if file.name == PROJECT_FILE and _is(file.is_file):
        raise ConfigError(f"not an issue file; it holds the project's settings ({example})", where=Where(name))
    if file.suffix.lower() not in (".yaml", ".yml", "") and _is(file.is_file):
        raise ConfigError(f"not an issue file; {example}", where=Where(name))
    if not _is(file.exists):
        stem = file.name.removesuffix(".yaml").removesuffix(".yml")
        meant = root / "issues" / f"{stem}.yaml"
        if stem and _is(meant.is_file):
            raise ConfigError(f"file not found (did you mean {display_path(meant, root)}?)", where=Where(name))


def _sources(check: yamlfile.Checker, data: Any) -> list[Source]:
    entries = data if isinstance(data, list) else [data]
    if not entries:
        check.error(("source",), "expected a path or feed URL, or a list of them")
    out: list[Source] = []
    for index, entry in enumerate(entries):
        path = ("source", index) if isinstance(data, list) else ("source",)
        if isinstance(entry, dict) and (set(map(str, entry)) & {"wordpress", "categories", "exclude_categories"}):
            wordpress = _wordpress(check, entry, path)
            if wordpress:
                out.append(wordpress)
        elif isinstance(entry, bool) or not isinstance(entry, (str, int)) or not str(entry).strip():
            # an empty entry would mean the project folder itself: every .md file in it
            site = " or {wordpress: https://…}" if isinstance(entry, dict) else ""
            check.error(path, f"expected a path or feed URL{site}, got {yamlfile.show(entry)}")
        else:
            out.append(str(entry).strip())
    return out


def _wordpress(check: yamlfile.Checker, data: dict, path: yamlfile.Path_) -> WordPressSource | None:
    """``{wordpress: https://www.example.org, categories: [News], exclude_categories: [Jobs]}``."""
    entry = check.mapping(data, path, ["wordpress", "categories", "exclude_categories"], ("wordpress",))
    url = (check.text(entry, "wordpress", path) or "").strip()
    if url and not url.lower().startswith(("http://", "https://")) and website_problem(f"https://{url}") is None:
        check.error(path + ("wordpress",), f"write the whole address, with https://: https://{url}")
        url = ""
    elif url and website_problem(url):
        check.error(path + ("wordpress",), website_problem(url) or "")
        url = ""
    categories = tuple(check.text_list(entry, "categories", path, "category names"))
    excluded = tuple(check.text_list(entry, "exclude_categories", path, "category names"))
    return WordPressSource(url.rstrip("/"), categories, excluded) if url else None


def _reference_lines(lines: dict[yamlfile.Path_, int]) -> dict[tuple[str, int | str], int]:
    """Lines of featured/pin/exclude/include/source entries, so messages about them can name them."""
    out: dict[tuple[str, int | str], int] = {}
    for path, line in lines.items():
        if len(path) == 2 and path[0] in ("pin", "exclude", "include", "source", "sections", "match_order"):
            out[(str(path[0]), path[1])] = line
        elif path in (("featured",), ("source",)):
            out.setdefault((str(path[0]), 0), line)
    return out
