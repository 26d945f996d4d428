"""Publish the web edition: site/<slug>/index.html per published issue, site/index.html, site/feed.xml.

Public API: :func:`publish`, :func:`unpublish`, :class:`PublishReport`, :func:`is_published`.
Only what ``publish`` recorded (``<state>/published.json``) reaches the archive and the feed. Every page
is made before any file is written; a file is rewritten only when its bytes change (see
:mod:`bulletin.site.files`), so publishing again with nothing changed touches nothing.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from .. import sources
from ..build import BuildResult, prepare
from ..catalogue import messages
from ..config import display_path, load_project
from ..errors import BulletinError, ConfigError
from ..languages import is_tag
from ..model import Project
from ..render.context import period_label
from .archive import archive_html, feed_xml, sent_dates
from .edition import ARCHIVE_FILE, FEED_FILE, PAGE_FILE, SiteUrls, featured_image, site_urls, web_editions
from .files import digest, remove, write_if_changed
from .pdf import Page, print_pdfs
from .state import EntryItem, EntrySection, Publication, SiteState, is_published, load_state, save_state

__all__ = ["PDF_NAME", "PublishReport", "is_published", "publish", "unpublish"]

PDF_NAME = "{slug}.pdf"
Clock = Callable[[], dt.datetime]


@dataclass
class PublishReport:
    """What publish or unpublish did to the site folder."""

    site: Path  # the site folder
    urls: SiteUrls
    issues: dict[str, str] = field(default_factory=dict)  # slug -> address, of each web edition made (or removed)
    archived: int = 0  # issues the archive and the feed list now
    written: list[Path] = field(default_factory=list)
    unchanged: list[Path] = field(default_factory=list)
    removed: list[Path] = field(default_factory=list)
    pdfs: list[Path] = field(default_factory=list)  # printed by this run


def publish(
    issue: str | os.PathLike[str] | None = None,
    *,
    pdf: bool = False,
    project: Project | None = None,
    clock: Clock | None = None,
    browser: str | os.PathLike[str] | None = None,
    remote: bool = True,
    fetch: sources.Fetch | None = None,
) -> PublishReport:
    """Publish ``issue`` (or make the whole site again from the published issues when None).

    ``pdf`` also prints site/<slug>/<slug>.pdf (an issue that has a PDF keeps it up to date);
    ``remote=False`` lets Chromium load nothing but loopback (tests).
    """
    project = project or load_project(issue)
    urls = site_urls(project)
    now = (clock or _utcnow)()
    state = load_state(project)
    results = _prepare_all(project, _targets(project, state, issue), fetch)
    site = Path(project.root) / project.site_dir
    files: dict[Path, bytes] = {}
    to_print: list[tuple[Path, Page]] = []
    report = PublishReport(site, urls)
    for result in results:
        slug = result.spec.slug
        pages = web_editions(result, urls)  # {"": the default language's page, "fr": …}
        html = pages[""]
        old = state.issues.get(slug)
        # any edition changed: the issue's page is updated (the default's digest alone when it has one language)
        record = _record(result, digest("".join(pages.values()).encode()) if len(pages) > 1 else digest(html.encode()), old, now)
        pdf_path = site / slug / PDF_NAME.format(slug=slug)
        if pdf or (old and old.pdf_hash):
            if record.pdf_hash != record.html_hash or not pdf_path.is_file():
                to_print.append((pdf_path, Page(html, urls.issue(project, slug), result.spec.title)))
            record = replace(record, pdf_hash=record.html_hash)
        if record != old:
            state.changed = _iso(now)
        state.issues[slug] = record
        for folder, page in pages.items():
            files[site / slug / folder / PAGE_FILE] = page.encode()
        for name in _language_pages(site / slug):  # a language no longer in bulletin.yaml: its page goes
            if site / slug / name not in files and remove(site / slug / name):
                report.removed.append(site / slug / name)
                _remove_folder(site / slug / name)
        report.issues[slug] = urls.issue(project, slug)
    for (path, _page), data in zip(to_print, print_pdfs([p for _, p in to_print], browser=browser, remote=remote), strict=True):
        files[path] = data
        report.pdfs.append(path)
    files.update(_index_files(project, state, urls, site, now))
    _write(files, report)
    save_state(project, state)
    report.archived = len(state.issues)
    return report


def unpublish(
    issue: str | os.PathLike[str],
    *,
    project: Project | None = None,
    clock: Clock | None = None,
) -> PublishReport:
    """Take an issue (its file or its slug) out of the site: its folder's pages, the archive and the feed."""
    given = Path(issue)
    project = project or load_project(given if given.exists() else None)
    urls = site_urls(project)
    now = (clock or _utcnow)()
    state = load_state(project)
    slug = given.name.removesuffix(".yaml").removesuffix(".yml")
    if slug not in state.issues:
        listed = ", ".join(sorted(state.issues)) or "none"
        raise ConfigError(f"{issue}: not published, so there is nothing to take out (published: {listed})")
    del state.issues[slug]
    state.changed = _iso(now)
    site = Path(project.root) / project.site_dir
    report = PublishReport(site, urls, issues={slug: urls.issue(project, slug)})
    languages = _language_pages(site / slug)
    for name in (PAGE_FILE, PDF_NAME.format(slug=slug), *languages):
        if remove(site / slug / name):
            report.removed.append(site / slug / name)
    for name in languages:
        _remove_folder(site / slug / name)
    try:
        (site / slug).rmdir()  # only when empty: a file the user put there stays
    except OSError:
        pass
    _write(_index_files(project, state, urls, site, now), report)
    save_state(project, state)
    report.archived = len(state.issues)
    return report


def _language_pages(folder: Path) -> list[str]:
    """fr/index.html and the like: the other languages' pages in an issue's folder."""
    if not folder.is_dir():
        return []
    return [f"{sub.name}/{PAGE_FILE}" for sub in sorted(folder.iterdir())
            if sub.is_dir() and is_tag(sub.name) and (sub / PAGE_FILE).is_file()]


def _remove_folder(page: Path) -> None:
    """The folder of a removed language page, when empty (a file the user put there stays)."""
    try:
        page.parent.rmdir()
    except OSError:
        pass


def _targets(project: Project, state: SiteState, issue: str | os.PathLike[str] | None) -> list[tuple[Path, str | None]]:
    """(issue file, slug when it comes from the records) to make."""
    if issue is not None:
        return [(Path(issue), None)]
    if not state.issues:
        raise ConfigError("nothing is published yet: publish an issue first, e.g. bulletin publish issues/2021-h1.yaml")
    return [(Path(project.root) / record.issue, slug) for slug, record in sorted(state.issues.items())]


def _prepare_all(project: Project, targets: list[tuple[Path, str | None]], fetch: sources.Fetch | None) -> list[BuildResult]:
    """Build every issue to publish; name every one that cannot be built, and publish none then."""
    results, problems = [], []
    for path, slug in targets:
        if slug is not None and not path.exists():
            problems.append(f"{display_path(path, Path(project.root))}: the issue '{slug}' is published but its file is gone: "
                            f"restore it, or take the issue off the site with: bulletin unpublish {slug}")
            continue
        try:
            results.append(prepare(path, project=project, fetch=fetch))
        except BulletinError as exc:
            if len(targets) == 1:
                raise
            problems.append(str(exc))
    if problems:
        raise BulletinError("nothing was published, because:\n" + "\n".join(f"  {p}" for p in problems))
    return results


def _record(result: BuildResult, html_hash: str, old: Publication | None, now: dt.datetime) -> Publication:
    spec, selection = result.spec, result.selection
    lang = spec.lang or result.project.lang
    featured = messages(lang, result.project.messages)["featured"]
    sections = [EntrySection(featured, [EntryItem(selection.featured.title, selection.featured.url)])] if selection.featured else []
    sections += [EntrySection(s.title, [EntryItem(i.title, i.url) for i in s.items]) for s in selection.sections if s.items]
    same = old is not None and old.html_hash == html_hash
    return Publication(
        slug=spec.slug,
        issue=display_path(Path(result.project.root) / spec.path, Path(result.project.root)),
        published=old.published if old else _iso(now),
        updated=old.updated if old and same else _iso(now),
        html_hash=html_hash,
        title=spec.title,
        subject=spec.subject,
        preheader=spec.preheader,
        period_start=spec.period.start.isoformat(),
        period_end=spec.period.end.isoformat(),
        period_label=period_label(spec.period.start, spec.period.end, lang),
        lang=lang,
        image=featured_image(result),
        sections=sections,
        pdf_hash=old.pdf_hash if old else None,
    )


def _index_files(project: Project, state: SiteState, urls: SiteUrls, site: Path, now: dt.datetime) -> dict[Path, bytes]:
    sent = sent_dates(project, now)
    return {
        site / ARCHIVE_FILE: archive_html(project, state, urls, sent, PDF_NAME).encode(),
        site / FEED_FILE: feed_xml(project, state, urls),
    }


def _write(files: dict[Path, bytes], report: PublishReport) -> None:
    for path, data in files.items():
        (report.written if write_if_changed(path, data) else report.unchanged).append(path)


def _iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).replace(microsecond=0).isoformat()


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
