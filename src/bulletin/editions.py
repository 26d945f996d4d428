"""Language editions: an issue's spec and selection as one language's edition shows them.

Between select and render: the selection is made once (in the default language); each edition takes every item's
translation where it has one, the issue's texts in its language, and falls back to the default language
elsewhere, listing what fell back (the build warns of it; ``require_translations`` makes it an error).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .model import IssueSpec, Item, Project, Section, Selection


@dataclass(frozen=True)
class Missing:
    """Something an edition shows in the default language, as it has no translation."""

    where: str  # the item's file ("content/x.md:1") or the issue file
    what: str  # "item 'EU Industrial Strategy'", "title", "section 'Events'"
    item: str | None = None  # for an item: how a short list names it (its file, else its url)


def item_in(item: Item, lang: str, default: str) -> tuple[Item, bool]:
    """``item`` as the ``lang`` edition shows it, and whether it has that translation (the default edition: always)."""
    if lang == default:
        return item, True
    for own in item.translations:
        if own.lang == lang:
            kept_summary = own.summary is None  # only the title and whatever it sets are translated
            return replace(
                item,
                title=own.title,
                summary=item.summary if kept_summary else own.summary or "",
                summary_format=item.summary_format if kept_summary else own.summary_format,
                url=own.url or item.url,
                image=own.image or item.image,
                origin=own.origin or item.origin,
                path=own.path or item.path,
                translations=(),
                lang=None,
            ), True
    return replace(item, translations=(), lang=default), False


def localize(project: Project, spec: IssueSpec, selection: Selection, lang: str) -> tuple[IssueSpec, Selection, list[Missing]]:
    """The spec and selection of the ``lang`` edition, and what in it fell back to the default language."""
    default = project.editions[0]
    missing: list[Missing] = []
    if lang == default:  # a one-language project keeps an issue's own ``lang:``
        return (replace(spec, lang=lang) if project.languages else spec), selection, missing
    own = spec.translations.get(lang, {})

    def text(key: str, value: str, what: str) -> str:
        if not value:
            return value
        if key in own:
            return own[key]
        missing.append(Missing(spec.path, what))
        return value

    def one(item: Item) -> Item:
        shown, found = item_in(item, lang, default)
        if not found:
            missing.append(Missing(item.origin, f"item '{item.title}'", item.path or item.url))
        return shown

    title, subject = text("title", spec.title, "title"), text("subject", spec.subject, "subject")
    preheader, intro = text("preheader", spec.preheader, "preheader"), text("intro", spec.intro, "intro")
    sections = [
        Section(
            title=text(f"section:{section.title}", section.title, f"section '{section.title}'"),
            anchor=section.anchor,
            items=[one(item) for item in section.items],
            note=text(f"note:{section.title}", section.note, f"note of section '{section.title}'"),
        )
        for section in selection.sections
    ]
    featured = one(selection.featured) if selection.featured else None
    spec_l = replace(spec, lang=lang, title=title, subject=subject, preheader=preheader, intro=intro)
    return spec_l, replace(selection, featured=featured, sections=sections), _unique(missing)


def _unique(missing: list[Missing]) -> list[Missing]:
    return list(dict.fromkeys(missing))
