"""Data model: items, issue specs, the selection and the project settings (templates see views of them: render/context.py)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal


@dataclass(frozen=True)
class Image:
    """An item's picture; ``alt`` is required for accessibility (may be empty only for decoration).

    ``width``/``height`` (pixels of the file, when known) give the picture its shape while it loads or is blocked.
    """

    src: str
    alt: str = ""
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class Translation:
    """An item's text in another language (``NAME.fr.md``, ``title_fr``): what it does not set comes from the item.

    ``summary`` None: the item's own summary stays (in the default language); "" : no summary in this language.
    """

    lang: str  # a language of bulletin.yaml's ``languages:`` (as written there)
    title: str
    summary: str | None = None
    summary_format: Literal["markdown", "html"] = "markdown"
    url: str | None = None  # the page in this language (else the item's)
    image: Image | None = None
    origin: str = ""  # where it came from, for messages: "content/x.fr.md:1"
    path: str | None = None  # its own file, relative to the project


@dataclass(frozen=True)
class Item:
    """One dated news item, whatever source it came from."""

    date: dt.date
    title: str
    url: str
    tags: tuple[str, ...] = ()
    summary: str = ""  # Markdown (summary_format="markdown") or sanitised HTML ("html")
    summary_format: Literal["markdown", "html"] = "markdown"
    image: Image | None = None
    origin: str = ""  # where it came from, for messages: "content/x.md:1", "feed.xml entry 3"
    path: str | None = None  # the item's file, relative to the project, when it has its own file
    draft: bool = False  # "draft: true" in its file: never in an issue (as in Hugo, Jekyll and mkdocs)
    ignored: tuple[str, ...] = ()  # fields it has that bulletin does not use (e.g. author), for a warning
    notes: tuple[tuple[str, str], ...] = ()  # (where, message): how a line YAML misreads was read instead, for a warning
    translations: tuple[Translation, ...] = ()  # its text in the project's other languages
    lang: str | None = None  # the language its own text is in, when it is not the default (an edition shows it so)


@dataclass(frozen=True)
class WordPressSource:
    """``source: {wordpress: URL, categories: [...], exclude_categories: [...]}``: posts through the REST API."""

    url: str  # the site's address, e.g. https://www.example.org
    categories: tuple[str, ...] = ()  # category names: only posts in one of them
    exclude_categories: tuple[str, ...] = ()  # category names: never posts in one of them

    def __str__(self) -> str:
        return self.url


Source = str | WordPressSource  # a path or feed URL, or a WordPress site


@dataclass(frozen=True)
class SectionSpec:
    """A section as declared in the issue spec; no tags means catch-all."""

    title: str
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Period:
    """An inclusive date range."""

    start: dt.date
    end: dt.date

    def __contains__(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True)
class Utm:
    """UTM parameters added to item links."""

    source: str | None = None
    medium: str | None = None
    campaign: str | None = None


@dataclass
class IssueSpec:
    """An issue as written in ``issues/<slug>.yaml``, validated."""

    slug: str
    path: str
    title: str
    subject: str
    period: Period
    sources: list[Source]
    sections: list[SectionSpec]
    preheader: str = ""
    exclude_tags: tuple[str, ...] = ()
    order: Literal["newest", "oldest"] = "newest"
    featured: str | None = None
    pin: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)
    intro: str = ""
    template: str = "default"
    utm: Utm | None = None
    lang: str | None = None
    match_order: list[str] = field(default_factory=list)  # section titles, most specific first: which section takes an item
    # line of each editorial entry, for "unknown url" errors: ("pin", 0) -> 12
    lines: dict[tuple[str, int | str], int] = field(default_factory=dict)
    # texts per other language: {"fr": {"title": …, "subject": …, "preheader": …, "intro": …,
    # "section:<title>": …, "note:<title>": …}} (keys by the default language's section title); missing → default
    translations: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class Section:
    """A section of a built issue, with its items in order."""

    title: str
    anchor: str
    items: list[Item]
    note: str = ""  # Markdown


@dataclass(frozen=True)
class LeftOut:
    """An item that did not make it into the issue, and why."""

    item: Item
    reason: Literal["outside period", "excluded tag", "excluded", "no matching section", "duplicate", "draft"]


@dataclass(frozen=True)
class NearMiss:
    """An item tag one or two edits from a section's tag ('Events' for 'Event'): probably meant to match it."""

    tag: str
    section_tag: str
    section: str
    items: tuple[Item, ...]


@dataclass
class Selection:
    """The result of selecting an issue's items."""

    featured: Item | None
    sections: list[Section]
    left_out: list[LeftOut]
    empty: dict[str, str | None] = field(default_factory=dict)  # section title -> why it is empty (None: no item has its tags)
    near_misses: list[NearMiss] = field(default_factory=list)

    @property
    def items(self) -> list[Item]:
        """Every selected item, featured first, in reading order."""
        lead = [self.featured] if self.featured else []
        return lead + [item for section in self.sections for item in section.items]


@dataclass(frozen=True)
class Organisation:
    """Who sends the bulletin; shown in the footer."""

    name: str
    address: str  # postal address, required by anti-spam law
    website: str | None = None


@dataclass(frozen=True)
class Sender:
    """The From and Reply-To of every message."""

    email: str
    name: str | None = None
    reply_to: str | None = None


@dataclass(frozen=True)
class SendGridSettings:
    """SendGrid settings from bulletin.yaml (never the key)."""

    unsubscribe_group_id: int | None = None
    categories: tuple[str, ...] = ()
    webhook_public_key: str | None = None  # the Event Webhook's verification key (public; SendGrid shows it)


@dataclass(frozen=True)
class Logo:
    """The organisation's logo at the top of the email."""

    src: str  # an http(s) address
    alt: str  # read out (and shown) when pictures are off
    width: int = 160  # pixels shown; the file should be twice as wide for sharp screens


@dataclass(frozen=True)
class Brand:
    """The house style from bulletin.yaml's ``brand:``; None keeps the theme's own."""

    logo: Logo | None = None
    colour: str | None = None  # the header band, behind white text: #rrggbb
    accent: str | None = None  # links and buttons, on white: #rrggbb
    font: str | None = None  # a CSS font list, e.g. "Georgia, serif"


#: The greeting when bulletin.yaml has none; {field} is a subscriber's column.
DEFAULT_GREETING = "Dear {first_name},"
#: The text in place of an empty field in the greeting when merge_fallbacks has none.
DEFAULT_FALLBACK = "colleague"
#: A merge field's stand-ins, in order, for a subscriber whose own column is empty or missing:
#: ``first_name`` is the ``name`` column when the file has no first names (then the fallback).
MERGE_ALTERNATIVES: dict[str, tuple[str, ...]] = {"first_name": ("name",)}


@dataclass
class Project:
    """bulletin.yaml, validated; paths are absolute."""

    root: str
    path: str  # the bulletin.yaml file (may not exist: defaults)
    organisation: Organisation
    sender: Sender
    subscribers: str
    subscribers_encoding: str = "utf-8-sig"
    sendgrid: SendGridSettings = field(default_factory=SendGridSettings)
    transport: Literal["outbox", "sendgrid"] = "outbox"
    web_url: str | None = None  # pattern with {slug}: where site/<slug>/ is served
    archive_url: str | None = None  # where site/index.html is served (default: web_url's parent)
    subscribe_url: str | None = None  # the sign-up page, linked from the web edition
    utm: Utm | None = None
    inliner: Literal["premailer", "css-inline"] = "premailer"
    timezone: str = "UTC"
    lang: str = "en"
    languages: tuple[str, ...] = ()  # the editions, default first (``languages:``); () → just ``lang``
    messages: dict[str, dict[str, str]] = field(default_factory=dict)  # the theme's fixed texts reworded, per language
    require_translations: bool = False  # a missing translation is an error, not a warning
    merge_fallbacks: dict[str, str] = field(default_factory=dict)
    brand: Brand = field(default_factory=Brand)
    greeting: str = DEFAULT_GREETING  # with {field}s, checked against first_name, name and merge_fallbacks
    content_dir: str = "content"
    build_dir: str = "build"
    state_dir: str = ".bulletin"
    outbox_dir: str = "outbox"
    templates_dir: str = "templates"
    site_dir: str = "site"  # the web edition, archive and feed (bulletin publish)
    source: list[Source] | None = None  # the default source of issues (``source:`` in bulletin.yaml)

    @property
    def editions(self) -> tuple[str, ...]:
        """The languages an issue is built in, the default first (just ``lang`` without ``languages:``)."""
        return self.languages or (self.lang,)
