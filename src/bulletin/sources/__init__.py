"""Read news items from a content folder, a Markdown/YAML/CSV file, an RSS/Atom feed, or a WordPress site.

``load(source, root=...)`` picks the reader from the source; every reader checks all of its items
and raises one SourceError listing every problem, each with where it is::

    content/2021-06-10-x.md:3     Markdown file, line in the file
    items.yaml:12                 YAML list, line where the entry (or the bad key) is
    items.csv row 5               CSV, row as a spreadsheet numbers it (header = row 1)
    feed.xml entry 3              feed file or URL, 1-based entry
    https://example.org post 12   WordPress post, by its id

With the project's ``languages:``, an item's translations come with it (``Item.translations``): a sibling file
``NAME.fr.md`` in a Markdown folder (:mod:`.translations`), ``title_fr``/``summary_fr``/``url_fr`` in YAML and CSV.

Sources on the web (feed URLs, WordPress) are fetched through a :class:`~.cache.Cache`.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from ..errors import SourceError, Where
from ..model import Item, Source, WordPressSource
from .cache import Cache

__all__ = ["Cache", "Fetch", "is_feed", "load"]

Fetch = Callable[[str], bytes]

_FEED_SUFFIXES = (".xml", ".rss", ".atom", ".feed")
# "www.example.org/feed/", "example.org/feed.xml": a web address typed without https://
_WEB_ADDRESS = re.compile(r"www\.\S+|[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}/\S*", re.IGNORECASE)


def is_feed(source: Source) -> bool:
    """Whether ``source`` names an RSS/Atom feed (a URL or a feed file)."""
    if not isinstance(source, str):
        return False
    text = source.strip().lower()
    return text.startswith(("http://", "https://")) or text.endswith(_FEED_SUFFIXES)


def load(
    source: Source,
    *,
    root: Path,
    fetch: Fetch | None = None,
    cache: Cache | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    include: Sequence[str] = (),
    languages: Sequence[str] = (),
) -> list[Item]:
    """Read the items of one source: a URL, a folder of Markdown files, a .md/.yaml/.csv/feed file, a WordPress site.

    A WordPress site gives the posts from ``start`` to ``end`` and those ``include`` links to; ``cache`` keeps
    answers from the web (``fetch`` replaces a feed's HTTP client). ``languages`` (the project's, default first;
    none for a project in one language): ``NAME.fr.md`` files and ``title_fr``/``summary_fr``/``url_fr`` fields
    are the items' translations (feeds and WordPress sites give none).
    """
    # readers are imported here so that a build without feeds never pays for feedparser
    if isinstance(source, WordPressSource):
        from . import wordpress

        return wordpress.read(source, cache=cache or Cache(None), start=start, end=end, include=include)
    if source.strip().lower().startswith(("http://", "https://")):
        from . import feed

        if fetch is None and cache is not None:
            fetch = cache.fetcher(feed.fetch_url)
        return feed.read(source.strip(), root=root, fetch=fetch)
    root = Path(root)
    path = Path(source)
    path = path if path.is_absolute() else root / path
    try:
        exists, is_dir = path.exists(), path.is_dir()
    except (OSError, ValueError) as exc:  # a name too long, or holding a NUL character
        raise SourceError(f"{source[:80]}: not a usable file or folder name ({getattr(exc, 'strerror', None) or exc})") from None
    if not exists:
        web = f"; for a feed, write the whole address: https://{source.strip()}" if _WEB_ADDRESS.fullmatch(source.strip()) else ""
        raise SourceError(f"no such file or folder (looked for {path}){web}", where=Where(source))
    if is_dir:
        from . import markdown

        return markdown.read(path, root=root, languages=languages)
    suffix = path.suffix.lower()
    if suffix == ".md":
        from . import markdown

        return markdown.read(path, root=root, languages=languages)
    if suffix in (".yaml", ".yml"):
        from . import yaml

        return yaml.read(path, root=root, languages=languages)
    if suffix == ".csv":
        from . import csv

        return csv.read(path, root=root, languages=languages)
    if suffix in _FEED_SUFFIXES:
        from . import feed

        return feed.read(path, root=root)
    raise SourceError(
        f"{source}: unknown kind of source; expected a folder, a .md, .yaml, .csv or feed file "
        f"({', '.join(_FEED_SUFFIXES)}), or an http(s) feed URL"
    )
