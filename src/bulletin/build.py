"""The build stage: load, select, render, then (only if all went well) write build/<slug>/."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from . import sources
from .catalogue import fallback_warning
from .config import load_issue, load_project
from .editions import Missing, localize
from .errors import BulletinError, ConfigError, Option, Phrase, Problem, SourceError, Where, raise_if
from .imagesize import load_sizes, with_sizes
from .model import IssueSpec, Item, Project, Selection, Source
from .render import Rendered, render_issue
from .select import fold, same_page, select, tags_in
from .words import count
from .yamlfile import hint

WARN_BYTES = 90 * 1024
GMAIL_CLIP_BYTES = 102 * 1024


@dataclass
class Edition:
    """One language's edition of a built issue."""

    lang: str
    spec: IssueSpec  # its texts in that language (``spec.lang`` is the language)
    selection: Selection  # its items as that language shows them
    rendered: Rendered
    missing: list[Missing] = field(default_factory=list)  # what it shows in the default language
    folder: str = ""  # where it is written under build/<slug>/: "" for the default language, else the language

    @property
    def page(self) -> str:
        """Its HTML file under build/<slug>/: index.html, fr/index.html."""
        return f"{self.folder}/index.html" if self.folder else "index.html"

    @property
    def content_hash(self) -> str:
        """Identifies what this edition sends: subject, HTML and text."""
        return _digest(self.spec.subject, self.rendered)


@dataclass
class BuildResult:
    """Everything a build produced; ``out_dir`` is None when nothing was written."""

    project: Project
    spec: IssueSpec
    items: list[Item]
    selection: Selection
    rendered: Rendered
    manifest: dict
    warnings: list[str] = field(default_factory=list)
    out_dir: Path | None = None
    content_warnings: list[Problem] = field(default_factory=list)  # those about the inputs (check shows them too)
    notes: list[str] = field(default_factory=list)  # worth knowing, nothing wrong (e.g. a website's posts from the cache)
    editions: dict[str, Edition] = field(default_factory=dict)  # per language, the default first
    untranslated: list[Problem] = field(default_factory=list)  # one per text some editions show in the default language

    def summed_warnings(self) -> list[str]:
        """The warnings, those about untranslated texts summed up in one line per language (the manifest lists each)."""
        if len(self.editions) < 2:
            return list(self.warnings)
        each = {str(problem) for problem in self.untranslated}
        return [warning for warning in self.warnings if warning not in each] + missing_summary(self.editions)

    @property
    def content_hash(self) -> str:
        """Identifies what would be sent: subject, HTML and text."""
        return str(self.manifest["content_hash"])


def web_cache(project: Project, *, refresh: bool = False) -> sources.Cache:
    """The project's cache of answers from the web (``.bulletin/cache/``); ``refresh`` fetches anew."""
    return sources.Cache(Path(project.root) / project.state_dir / "cache", refresh=refresh)


def load_sources(
    spec: IssueSpec, project: Project, fetch: sources.Fetch | None = None, cache: sources.Cache | None = None
) -> list[tuple[Source, list[Item]]]:
    """Read every source of the issue (each with its items); report the problems of all of them at once."""
    items: list[tuple[Source, list[Item]]] = []
    problems: list[Problem] = []
    cache = cache or web_cache(project)
    for index, source in enumerate(spec.sources):
        try:
            found = sources.load(source, root=Path(project.root), fetch=fetch, cache=cache,
                                 start=spec.period.start, end=spec.period.end, include=spec.include,
                                 languages=project.languages)
            items.append((source, found))
        except SourceError as exc:
            # a source that cannot be read at all (missing, a 404 feed) is named where the issue lists it
            line = spec.lines.get(("source", index))
            problems.extend(exc.problems or [Problem(Where(spec.path, line or None), f"source: {exc}")])
    raise_if(problems, SourceError, "Some items cannot be read")
    return items


def prepare(
    issue: str | os.PathLike[str], *, project: Project | None = None, fetch: sources.Fetch | None = None, refresh: bool = False,
    text: str | None = None, strict_translations: bool = True,
) -> BuildResult:
    """Load, select and render an issue without writing anything; ``refresh``: fetch web sources anew, not from the
    cache; ``text``: the issue file's content as it would be (the preview's compose actions validate an edit so);
    ``strict_translations=False``: a missing translation stays a warning even with ``require_translations`` (check
    reports it as an error itself)."""
    project = project or load_project(issue)
    spec = load_issue(issue, project, text=text)
    cache = web_cache(project, refresh=refresh)
    loaded = load_sources(spec, project, fetch, cache)
    # images without width/height take the size a previous `check --links` saved (read, never fetched, here)
    items = with_sizes([item for _source, found in loaded for item in found], load_sizes(project))
    selection = select(spec, items)
    if not items:
        raise ConfigError(
            f"{spec.path}: no items to put in the issue: {', '.join(map(str, spec.sources))} holds none "
            "(a folder needs .md files that start with front matter; a feed needs entries)"
        )
    if not selection.items:
        raise ConfigError(
            f"{spec.path}: no items to put in the issue: none of the {count(len(items), 'item')} in "
            f"{', '.join(map(str, spec.sources))} is dated {spec.period.start} to {spec.period.end} and matches a section"
        )
    editions = render_editions(project, spec, selection)
    rendered = editions[project.editions[0]].rendered
    missing = untranslated(project, editions)
    if project.require_translations and strict_translations:
        raise_if(missing, ConfigError, f"Some texts have no translation (require_translations: true in {project_file(project)})")
    about_inputs = (list(cache.warnings.values()) + _feed_reach(spec, loaded) + _input_warnings(spec, items, selection)
                    + missing + [Problem(project_file(project), text) for lang in editions
                                 if (text := fallback_warning(lang, project.messages))])
    warnings = [warning for edition in editions.values() for warning in _output_warnings(edition)]
    warnings += [str(problem) for problem in about_inputs]
    manifest = _manifest(project, spec, selection, editions, warnings)
    notes: list[str] = [Phrase(f"{site}: the posts as fetched {age} ago (kept in {project.state_dir}/cache/; add ",
                               Option.REFRESH, " to fetch them anew)") for site, age in cache.ages().items()]
    return BuildResult(project, spec, items, selection, rendered, manifest, warnings, content_warnings=about_inputs, notes=notes,
                       editions=editions, untranslated=missing)


def render_editions(project: Project, spec: IssueSpec, selection: Selection, *, web: bool = False) -> dict[str, Edition]:
    """Every language's edition of the issue (``web``: the web edition), the default language first."""
    editions = {}
    for lang in project.editions:
        spec_l, selection_l, missing = localize(project, spec, selection, lang)
        folder = "" if lang == project.editions[0] else lang
        editions[lang] = Edition(lang, spec_l, selection_l, render_issue(project, spec_l, selection_l, web=web), missing, folder)
    return editions


def project_file(project: Project) -> str:
    """bulletin.yaml, as messages name it."""
    return Path(project.path).name


MISSING_LISTED = 3  # untranslated items named in a summary line (manifest.json lists each)


def missing_summary(editions: dict[str, Edition]) -> list[str]:
    """One line per language whose edition shows something in the default language: how many items (the first few
    named) and which of the issue's texts."""
    default = next(iter(editions), "")
    lines = []
    for lang, edition in editions.items():
        items = list(dict.fromkeys(m.item for m in edition.missing if m.item))
        texts = [m.what for m in edition.missing if not m.item]
        parts = []
        if items:
            first = ", ".join(items[:MISSING_LISTED]) + (", …" if len(items) > MISSING_LISTED else "")
            parts.append(f"{count(len(items), 'item')} not translated ({first})")
        if texts:
            parts.append(f"no {lang} text for: {', '.join(texts)}")
        if parts:
            lines.append(f"{lang}: {'; '.join(parts)}; shown in {default}")
    return lines


def untranslated(project: Project, editions: dict[str, Edition]) -> list[Problem]:
    """One warning per text some editions show in the default language: which languages lack it."""
    langs: dict[Missing, list[str]] = {}
    for edition in editions.values():
        for missing in edition.missing:
            langs.setdefault(missing, []).append(edition.lang)
    default = project.editions[0]
    return [Problem(missing.where, f"{missing.what}: no translation in {', '.join(codes)}, so "
                                   f"{'that edition shows' if len(codes) == 1 else 'those editions show'} it in {default}")
            for missing, codes in langs.items()]


def build(
    issue: str | os.PathLike[str],
    *,
    out: str | os.PathLike[str] | None = None,
    project: Project | None = None,
    fetch: sources.Fetch | None = None,
    refresh: bool = False,
) -> BuildResult:
    """Build an issue into ``out`` (default ``build/<slug>/``): index.html, index.txt, index.mjml, manifest.json."""
    result = prepare(issue, project=project, fetch=fetch, refresh=refresh)
    out_dir = Path(out) if out is not None else Path(result.project.root) / result.project.build_dir / result.spec.slug
    files = {
        "index.html": result.rendered.html,
        "index.txt": result.rendered.text,
        "index.mjml": result.rendered.mjml,
        "manifest.json": json.dumps(result.manifest, indent=2, ensure_ascii=False, sort_keys=True) + "\n",
    }
    write_files(out_dir, files)
    for edition in list(result.editions.values())[1:]:
        write_files(out_dir / edition.folder, {
            "index.html": edition.rendered.html,
            "index.txt": edition.rendered.text,
            "index.mjml": edition.rendered.mjml,
        })
    result.out_dir = out_dir
    return result


def write_files(folder: Path, files: dict[str, str]) -> None:
    """Write every file next to its target first, then move them all in place."""
    staged: list[tuple[str, Path]] = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        mode = _file_mode()
        for name, text in files.items():
            fd, tmp = tempfile.mkstemp(prefix=f".{name}.", dir=folder)
            staged.append((tmp, folder / name))
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
            os.chmod(tmp, mode)  # mkstemp makes the file private; the build is meant to be read and published
        for _tmp, target in staged:
            if target.is_dir():  # the one way a replace in the same folder fails: check before moving any
                raise IsADirectoryError(errno.EISDIR, f"{target.name} is a folder")
        for tmp, target in staged:
            os.replace(tmp, target)
    except OSError as exc:
        for tmp, _target in staged:
            Path(tmp).unlink(missing_ok=True)  # no half-written leftovers
        raise BulletinError(f"cannot write the build to {folder}: {exc.strerror}") from None


def _file_mode() -> int:
    """The mode a plain new file gets (0o666 less the umask)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def _feed_reach(spec: IssueSpec, loaded: list[tuple[Source, list[Item]]]) -> list[Problem]:
    """A feed lists only its newest entries (WordPress: 10): say so when one does not reach back to the period's start."""
    warnings = []
    for source, found in loaded:
        oldest = min((item.date for item in found), default=None)
        if sources.is_feed(source) and oldest and oldest > spec.period.start:
            warnings.append(Problem(
                str(source),
                f"its oldest entry is from {oldest}, after the period starts ({spec.period.start}): older items "
                "may be missing, as a feed lists only the newest entries (WordPress: 10, set under Settings > Reading "
                "> 'Syndication feeds show the most recent'; or add the next page, e.g. …/feed/?paged=2, as another source)",
            ))
    return warnings


def _output_warnings(edition: Edition) -> list[str]:
    """Size and alt texts (check reports them in its own words)."""
    warnings = []
    size = len(edition.rendered.html.encode())
    name = edition.page
    if size > GMAIL_CLIP_BYTES:
        warnings.append(f"{name} is {size / 1024:.0f} KB: Gmail clips messages over 102 KB; remove items or shorten summaries")
    elif size > WARN_BYTES:
        warnings.append(f"{name} is {size / 1024:.0f} KB, close to Gmail's 102 KB clipping limit")
    for item in edition.selection.items if not edition.folder else []:  # the item's own file is named once
        if item.image and not item.image.alt:
            warnings.append(f"{item.origin}: image has no alt text")
    return warnings


def _input_warnings(spec: IssueSpec, items: list[Item], selection: Selection) -> list[Problem]:
    """What in the issue or its items is probably not what was meant, though it builds."""
    warnings = []
    known = sorted(tags_in(items))
    folded = {fold(tag) for tag in known}
    for index, section in enumerate(spec.sections):
        where = _line(spec, "sections", index)
        for tag in section.tags:
            if fold(tag) not in folded:
                warnings.append(Problem(where, f"section '{section.title}': no item has the tag '{tag}'{hint(tag, known, list_all=False)}"))
        why = selection.empty.get(section.title)
        if why:  # shown in the email only when it has items: say why it is not
            warnings.append(Problem(where, f"section '{section.title}' is empty, so it is left out: {why}"))
    for near in selection.near_misses:
        more = f" (and {count(len(near.items) - 1, 'more item')})" if len(near.items) > 1 else ""
        warnings.append(Problem(near.items[0].origin, f"tag '{near.tag}' is not a section's tag{more}: did you mean "
                                                      f"'{near.section_tag}' (section '{near.section}')?"))
    warnings.extend(_copied_urls(items, selection))
    warnings.extend(Problem(where, message) for item in items for where, message in item.notes)
    unused: dict[str, list[str]] = {}
    for item in items:
        for key in item.ignored:
            unused.setdefault(key, []).append(item.origin)
    for key, origins in unused.items():
        more = f" (and {count(len(origins) - 1, 'more item')})" if len(origins) > 1 else ""
        warnings.append(Problem(origins[0], f"'{key}' is not an item field, so it is ignored{more}"))
    return warnings


def _line(spec: IssueSpec, key: str, index: int) -> str:
    """``issue:line`` of an entry of the issue (the file alone if its line is unknown)."""
    line = spec.lines.get((key, index))
    return f"{spec.path}:{line}" if line else spec.path


def _copied_urls(items: list[Item], selection: Selection) -> list[Problem]:
    """Duplicates that are not the same news twice: an item file copied as a start, its url left unchanged."""
    first: dict[str, Item] = {}
    for item in items:
        first.setdefault(same_page(item.url), item)
    warnings = []
    for left in selection.left_out:
        kept = first.get(same_page(left.item.url), left.item)
        # a feed and a file may both hold the same news under slightly different titles: only files are compared
        from_files = "html" not in (kept.summary_format, left.item.summary_format)
        if left.reason == "duplicate" and from_files and fold(kept.title) != fold(left.item.title):
            warnings.append(Problem(
                left.item.origin,
                f"has the same url as {kept.origin} ({kept.url}) but another title, so it is left out as a duplicate; "
                "give it its own url",
            ))
    return warnings


def _item_entry(item: Item) -> dict:
    return {"date": item.date.isoformat(), "title": item.title, "url": item.url, "tags": list(item.tags), "origin": item.origin}


def _digest(subject: str, rendered: Rendered) -> str:
    digest = hashlib.sha256()
    for part in (subject.encode(), rendered.html.encode(), rendered.text.encode()):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def _manifest(project: Project, spec: IssueSpec, selection: Selection, editions: dict[str, Edition], warnings: list[str]) -> dict:
    default = editions[project.editions[0]]
    rendered = default.rendered
    html, text = rendered.html.encode(), rendered.text.encode()
    content_hash = default.content_hash
    if len(editions) > 1:  # any edition changed: the issue changed
        overall = hashlib.sha256()
        for lang, edition in editions.items():
            overall.update(f"{lang}:{edition.content_hash}\n".encode())
        content_hash = overall.hexdigest()
    manifest = {
        "slug": spec.slug,
        "issue": spec.path,
        "title": spec.title,
        "subject": spec.subject,
        "preheader": spec.preheader,
        "period": {"start": spec.period.start.isoformat(), "end": spec.period.end.isoformat()},
        "featured": _item_entry(selection.featured) if selection.featured else None,
        "sections": [{"title": s.title, "anchor": s.anchor, "items": [_item_entry(i) for i in s.items]} for s in selection.sections],
        "left_out": [dict(_item_entry(lo.item), reason=lo.reason) for lo in selection.left_out],
        "left_out_counts": dict(sorted(Counter(lo.reason for lo in selection.left_out).items())),
        "item_count": len(selection.items),
        "sizes": {"html_bytes": len(html), "text_bytes": len(text)},
        "merge_fields": dict(sorted(rendered.merge_fields.items())),
        "warnings": warnings,
        "content_hash": content_hash,
        "template": spec.template,
        "inliner": project.inliner,
    }
    if len(editions) > 1:
        manifest["languages"] = list(editions)
        manifest["editions"] = {
            lang: {
                "path": edition.page,
                "title": edition.spec.title,
                "subject": edition.spec.subject,
                "sizes": {"html_bytes": len(edition.rendered.html.encode()), "text_bytes": len(edition.rendered.text.encode())},
                "content_hash": edition.content_hash,
                "fell_back": [{"where": m.where, "what": m.what} for m in edition.missing],
            }
            for lang, edition in editions.items()
        }
    return manifest

