"""The template context: what every ``email.mjml.j2`` / ``email.txt.j2`` can use.

This is a contract: custom templates in ``templates/<theme>/`` rely on it, so names here only grow.

``org``
    ``name``, ``address`` (postal address, may hold newlines), ``address_lines`` (list of str),
    ``website`` (str or None).
``issue``
    ``slug``, ``title``, ``subject``, ``preheader``, ``period_start`` and ``period_end`` (dates),
    ``period_label`` ("January – June 2021", "1 January – 15 March 2021"), ``intro_html``
    (Markup: the spec's Markdown intro as HTML, links with UTM), ``intro_text`` (plain text,
    links as "text (url)"), ``lang`` (issue's ``lang``, else the project's: the edition's language),
    ``dir`` ("ltr", or "rtl" for a language written right to left: Arabic, Hebrew…).
``messages``
    the theme's fixed texts in the edition's language (``messages.read_more``, ``messages.unsubscribe``,
    …; the list is ``bulletin/themes/default/messages/en.yaml``): the catalogue's (English for a language
    it does not have), reworded by bulletin.yaml's ``messages:``. The built-in templates take them through
    ``_words.j2`` (``{% import "_words.j2" as words with context %}``), so a project's older copy of that
    file still rewords them. Dates (``issue.period_label``, ``item.date_label``) are in that language too.
``featured``
    an ``ItemView`` or None: the lead story.
``sections``
    list of ``SectionView``: ``title``, ``anchor`` (id for the table of contents), ``note_html``
    (Markup), ``note_text``, ``items`` (list of ``ItemView``). Empty sections are not listed.
``toc``
    list of ``TocEntry``: ``title``, ``anchor``, ``count`` (items in the section).
``view_in_browser_url``
    the project's ``web_url`` with ``{slug}`` filled in, or None. Never gets UTM parameters.
    None in the web edition (a page does not link to itself).
``unsubscribe_url``
    always SendGrid's ``<%asm_group_unsubscribe_raw_url%>`` tag (Markup, so it is not escaped).
    The web edition must not show it: put it inside ``{% if not web %}``.
``merge(name, fallback)``
    returns the merge tag ``*|NAME|*`` and records the fallback (the project's
    ``merge_fallbacks[name]`` wins over the template's; for ``first_name``, then ``merge_fallbacks[name]``)
    in ``Rendered.merge_fields``. A send fills ``*|FIRST_NAME|*`` from the ``name`` column when the
    subscriber has no first name (``model.MERGE_ALTERNATIVES``).
    In the web edition it returns that fallback itself ("Dear colleague,").
``greeting``
    bulletin.yaml's ``greeting:`` (without one, the catalogue's in the edition's language: "Dear {first_name},") with merge tags for its fields:
    ``{{ greeting }}`` in either part (escaped in the HTML one); false when the greeting is empty.
``brand``
    a ``BrandView`` (render/brand.py) of bulletin.yaml's ``brand:``: ``logo`` (``src``, ``alt``, ``width``;
    or None), ``font`` (a CSS font list), ``colour`` (header band), ``colour_muted`` (text on the band
    besides white), ``accent`` (links, button), ``heading`` (headings on white), ``dark_heading`` and
    ``dark_accent`` (dark mode). Without a brand, the default theme's own colours; all meet WCAG AA.
``web``
    True when rendering the web edition (``bulletin publish``): the page on the website, shared by
    everyone, so no personal link; False for the email.
``archive_url``
    the link to the archive of past issues: in the web edition relative to the page
    (``../index.html``) when the site folder is served as one; else the archive's address, or None
    without ``web_url``.
``subscribe_url``
    ``subscribe_url`` of bulletin.yaml (the sign-up page), or None.

``ItemView``: ``title`` (plain text; autoescape escapes it), ``url`` (with UTM), ``date``,
``date_label`` ("10 June 2021", "10 juin 2021"), ``tags`` (tuple of str), ``summary_html`` (Markup; Markdown
rendered with raw HTML escaped, or already-sanitised HTML cleaned again; links with UTM),
``summary_text`` (plain text, links as "text (url)"), ``image`` (``Image`` with ``src``,
``alt``, and ``width``/``height`` of the file or None, or None), ``position`` (1, 2, ...: its place
in reading order, featured first; the preview's compose actions find an item's block in the email by
``data-item="{{ item.position }}"``), ``lang`` (None, or the language its text is in when this language's
edition has no translation of it: put it on the title's and summary's elements).

Also in every template: the filter ``wrap(text, width=72, indent="")`` (wraps plain-text
paragraphs, never breaking URLs) and the global ``merge`` (so macros imported without context
can use it too).
"""

from __future__ import annotations

import contextvars
import datetime as dt
import html as htmllib  # "html" names local strings below
import re
from dataclasses import dataclass, field, replace
from typing import TypeVar
from urllib.parse import quote

from markupsafe import Markup

from ..catalogue import messages as theme_messages
from ..errors import RenderError, Where
from ..model import DEFAULT_GREETING, MERGE_ALTERNATIVES, Image, IssueSpec, Item, Project, Section, Selection
from .brand import GreetingView, brand_view
from .dates import date_label, period_label, text_direction
from .richtext import Params, RelativeLink, add_utm, summary, utm_params
from .richtext import save as save_summaries

_Text = TypeVar("_Text", str, Markup)

#: SendGrid substitutes this with the recipient's unsubscribe link (ASM group).
UNSUBSCRIBE_TAG = "<%asm_group_unsubscribe_raw_url%>"


@dataclass(frozen=True)
class OrgView:
    """The sending organisation, for header and footer."""

    name: str
    address: str
    address_lines: list[str]
    website: str | None


@dataclass(frozen=True)
class IssueView:
    """The issue's texts and period."""

    slug: str
    title: str
    subject: str
    preheader: str
    period_start: dt.date
    period_end: dt.date
    period_label: str
    intro_html: Markup
    intro_text: str
    lang: str
    dir: str = "ltr"


@dataclass(frozen=True)
class ItemView:
    """One item as templates see it (see the module docstring)."""

    title: str
    url: str
    date: dt.date
    date_label: str
    tags: tuple[str, ...]
    summary_html: Markup
    summary_text: str
    image: Image | None
    position: int = 0
    lang: str | None = None  # the language its text is in when the edition has no translation of it (else None)


@dataclass(frozen=True)
class SectionView:
    """A non-empty section with its items."""

    title: str
    anchor: str
    note_html: Markup
    note_text: str
    items: list[ItemView]


@dataclass(frozen=True)
class TocEntry:
    """One line of the table of contents."""

    title: str
    anchor: str
    count: int


#: A merge tag as the templates write it: ``*|NAME|*`` (group 1: the field name).
MERGE_TAG = re.compile(r"\*\|([A-Za-z][A-Za-z0-9_]*)\|\*")


def merge_tag(name: str) -> str:
    """The merge tag of a field: ``*|NAME|*``."""
    return f"*|{name.upper()}|*"


def fill_merge_tags(text: str, values: dict[str, str], *, escape: bool) -> str:
    """Replace merge tags with ``values`` (by lower-case field name); unknown tags stay visible so mistakes show."""

    def one(match: re.Match[str]) -> str:
        value = values.get(match.group(1).lower())
        if value is None:
            return match.group(0)
        # subscriber data is untrusted: it must never become markup in the HTML part
        return htmllib.escape(value, quote=True) if escape else value

    return MERGE_TAG.sub(one, text)


@dataclass
class MergeTags:
    """The ``merge(name, fallback)`` template function; remembers every tag it handed out."""

    overrides: dict[str, str] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    neutral: bool = False  # the web edition: the fallback itself, for everyone

    def __call__(self, name: str, fallback: str = "") -> Markup:
        if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
            raise ValueError(f"merge(): invalid merge field name {name!r} (letters, digits, _)")
        key = name.lower()
        if key not in self.fields:
            stand_ins = (key, *MERGE_ALTERNATIVES.get(key, ()))
            self.fields[key] = next((self.overrides[k] for k in stand_ins if k in self.overrides), str(fallback))
        if self.neutral:
            return Markup.escape(self.fields[key])
        return Markup(merge_tag(name))


#: The MergeTags of the render in progress, for macros imported without context.
current_merge: contextvars.ContextVar[MergeTags | None] = contextvars.ContextVar(
    "bulletin_merge", default=None
)


def merge_global(name: str, fallback: str = "") -> Markup:
    """Jinja global ``merge``: delegates to the render in progress."""
    tags = current_merge.get()
    if tags is None:  # rendering outside render_issue (e.g. a bare preview)
        tags = MergeTags()
    return tags(name, fallback)


# dates: render/dates.py (date_label and period_label are imported from here too)


# --- views -----------------------------------------------------------------------------------


def item_view(item: Item, params: Params, position: int = 0, lang: str = "en") -> ItemView:
    """The template view of an item (its date in ``lang``); its summary's relative links point into the item's own page's site."""
    try:
        html, text = summary(item.summary, item.summary_format, params, item.url)
    except RelativeLink as exc:  # an item without an absolute url (a custom source)
        raise RenderError(f"the summary links to {exc}, an address without its site;"
                          " write it whole (https://…)", where=Where(item.origin or item.title)) from None
    image = replace(item.image, alt=inert(item.image.alt)) if item.image else None
    return ItemView(
        title=inert(item.title),
        url=add_utm(item.url, params),
        date=item.date,
        date_label=date_label(item.date, lang),
        tags=tuple(map(inert, item.tags)),
        summary_html=inert(html),
        summary_text=inert(text),
        image=image,
        position=position,
        lang=item.lang,
    )


def inert(text: _Text) -> _Text:
    """Item text is data: a ``*|NAME|*`` in it (a Mailchimp archive feed, a pasted title) must not become a merge tag
    filled per subscriber, nor a ``<%asm_global_unsubscribe_raw_url%>`` (or ``[%...%]``) a SendGrid link, so an
    invisible zero-width non-joiner goes between ``*`` and ``|``, ``<`` and ``%``, ``[`` and ``%``."""
    for tag in _TAG_OPENINGS:
        if tag in text:
            text = text.replace(tag, tag[0] + "\u200c" + tag[1:])
    return text


_TAG_OPENINGS = ("*|", "<%", "[%")  # merge tags, SendGrid's substitution tags (in either spelling)


def section_view(section: Section, params: Params, base: str | None = None, first: int = 1, lang: str = "en") -> SectionView:
    """The template view of a section (relative links in its note resolved against ``base``; its items'
    positions start at ``first``, their dates in ``lang``)."""
    note_html, note_text = summary(section.note, "markdown", params, base)
    items = [item_view(item, params, first + index, lang) for index, item in enumerate(section.items)]
    return SectionView(section.title, section.anchor, note_html, note_text, items)


def issue_url(project: Project, slug: str, lang: str | None = None) -> str | None:
    """The web edition's address: ``web_url`` with ``{slug}`` filled in, or None; ``lang``: that language's page
    (``…/{slug}/fr/``) when the project has several and it is not the default."""
    if not project.web_url:
        return None
    url = project.web_url.replace("{slug}", quote(slug))
    if lang and lang in project.languages[1:]:
        index = "/index.html" if url.endswith("/index.html") else "/"
        url = f"{url.removesuffix('/index.html').rstrip('/')}/{quote(lang)}{index}"
    return url


def site_url(project: Project) -> str | None:
    """Where the site folder is served: the folder holding each issue's page (``web_url``'s parent)."""
    sample = issue_url(project, "x")
    if sample is None:
        return None
    before = project.web_url.split("{slug}", 1)[0] if project.web_url else ""
    return before[: before.rfind("/") + 1] if "/" in before.split("://", 1)[-1] else sample.rstrip("/") + "/"


def archive_url(project: Project) -> str | None:
    """Where the archive (site/index.html) is served: ``archive_url``, else the site folder's address."""
    return project.archive_url or site_url(project)


def build_context(project: Project, spec: IssueSpec, selection: Selection, *, web: bool = False) -> dict:
    """The template context (see the module docstring); ``web`` for the web edition."""
    params = () if web else utm_params(project, spec)  # the web copy is not visited from the email
    org = project.organisation
    lang = spec.lang or project.lang or "en"
    try:  # the intro and notes are the organisation's words: their relative links point into its website
        intro_html, intro_text = summary(spec.intro, "markdown", params, org.website)
        sections: list[SectionView] = []
        position = 2 if selection.featured else 1
        for section in selection.sections:
            if section.items:
                sections.append(section_view(section, params, org.website, position, lang))
                position += len(section.items)
    except RelativeLink as exc:
        raise RenderError(f"the intro or a note links to {exc}, an address without its site: write it"
                          " whole (https://…), or set organisation.website in bulletin.yaml to resolve it against", where=Where(spec.path)) from None
    featured = item_view(selection.featured, params, 1, lang) if selection.featured else None
    save_summaries()  # every summary is made by now: the intro, the notes, the items
    words = theme_messages(lang, project.messages)
    # bulletin.yaml's greeting: for every edition; without one, the theme's in the edition's language
    greeting = words["greeting"] if project.greeting == DEFAULT_GREETING else project.greeting
    issue = IssueView(
        slug=spec.slug,
        title=spec.title,
        subject=spec.subject,
        preheader=spec.preheader,
        period_start=spec.period.start,
        period_end=spec.period.end,
        period_label=period_label(spec.period.start, spec.period.end, lang),
        intro_html=intro_html,
        intro_text=intro_text,
        lang=lang,
        dir=text_direction(lang),
    )
    web_url = issue_url(project, spec.slug, spec.lang)
    archive = archive_url(project)
    if web and archive and archive == site_url(project):
        archive = "../index.html"  # relative: the site folder works on any host and opened from disk
    merge = MergeTags(overrides={k.lower(): v for k, v in project.merge_fallbacks.items()}, neutral=web)
    return {
        "org": OrgView(
            name=org.name,
            address=org.address,
            address_lines=[line.strip() for line in org.address.splitlines() if line.strip()],
            website=org.website,
        ),
        "issue": issue,
        "featured": featured,
        "sections": sections,
        "toc": [TocEntry(s.title, s.anchor, len(s.items)) for s in sections],
        "view_in_browser_url": None if web else web_url,
        "unsubscribe_url": Markup(UNSUBSCRIBE_TAG),
        "merge": merge,
        "greeting": GreetingView(greeting, merge, words["colleague"]),
        "brand": brand_view(project.brand),
        "web": web,
        "archive_url": archive,
        "subscribe_url": project.subscribe_url,
        "messages": words,
    }
