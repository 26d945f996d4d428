"""Answers from the web kept in ``.bulletin/cache/``, so that a preview does not fetch a site again at every save.

An answer is reused for :data:`MAX_AGE` seconds; ``refresh`` fetches anew. When a site cannot be reached
(no answer, or a server error), the last answer kept is used however old it is, and :attr:`Cache.warnings`
says so: the build shows it as a warning.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import urllib.error
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ..atomic import write_atomic
from ..errors import Problem
from ..words import count

if TYPE_CHECKING:  # ..web (http.client, ssl, email) is imported when an answer is fetched or read, not by every build
    from ..web import Answer

MAX_AGE = 3600.0  # seconds an answer is reused without asking the site again

Clock = Callable[[], float]


class Cache:
    """A folder of answers keyed by URL; ``folder=None`` keeps nothing (every request goes to the site)."""

    def __init__(self, folder: Path | None, *, refresh: bool = False, max_age: float = MAX_AGE, clock: Clock = time.time) -> None:
        self.folder = folder
        self.refresh = refresh
        self.max_age = max_age
        self.clock = clock
        self.warnings: dict[str, Problem] = {}  # what the build should say about a site (old answers, plain http)
        self.reused: dict[str, float] = {}  # site -> when its oldest reused answer was fetched

    def get(self, url: str, fetch: Callable[[str], Answer]) -> Answer:
        """The answer for ``url``: a fresh one kept here, else the site's (kept when 200), else a stale one kept here."""
        from ..web import Unreachable

        kept = self._read(url)
        now = self.clock()
        if kept is not None and not self.refresh and now - kept[0] < self.max_age:
            site = _site(url)
            self.reused[site] = min(self.reused.get(site, kept[0]), kept[0])
            return kept[1]
        try:
            answer = fetch(url)
        except (Unreachable, TimeoutError, urllib.error.URLError) as exc:  # no answer at all
            if kept is None or (isinstance(exc, urllib.error.HTTPError) and exc.code < 500):
                raise
            return self._stale(url, kept, exc.message if isinstance(exc, Unreachable) else str(exc))
        if answer.status >= 500 and kept is not None:  # the server is down: yesterday's answer is better than none
            return self._stale(url, kept, f"HTTP {answer.status}")
        if answer.status == 200:
            self._write(url, answer)
        return answer

    def ages(self) -> dict[str, str]:
        """How old the oldest answer reused (not fetched) of each site is, in words: "12 minutes"."""
        return {site: _age(self.clock() - fetched) for site, fetched in self.reused.items()}

    def warn(self, site: str, text: str) -> None:
        """Say something about a site in the build's warnings (once per site and text)."""
        self.warnings.setdefault(f"{site}\0{text}", Problem(site, text))

    def fetcher(self, fetch: Callable[[str], bytes]) -> Callable[[str], bytes]:
        """``fetch`` (URL -> body, e.g. a feed's), answered from this cache when it can be."""
        from ..web import Answer

        return lambda url: self.get(url, lambda u: Answer(u, 200, {}, fetch(u))).body

    def _stale(self, url: str, kept: tuple[float, Answer], reason: str) -> Answer:
        fetched, answer = kept
        site = _site(url)
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(fetched))
        self.warnings.setdefault(  # once per site, however many of its answers are old
            f"{site}\0stale",
            Problem(site, f"cannot be reached now ({reason}): its items are the ones fetched on {when}, "
                          f"{_age(self.clock() - fetched)} ago; they may be out of date (build again once the site answers)"),
        )
        return answer

    def _path(self, url: str) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / (hashlib.sha256(url.encode()).hexdigest()[:32] + ".json")

    def _read(self, url: str) -> tuple[float, Answer] | None:
        from ..web import Answer

        path = self._path(url)
        if path is None:
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data["url"] != url:
                return None
            answer = Answer(data["final"], int(data["status"]), dict(data["headers"]), base64.b64decode(data["body"]))
            return float(data["fetched"]), answer
        except (OSError, ValueError, KeyError, TypeError):  # none kept, or a damaged file: as if none
            return None

    def _write(self, url: str, answer: Answer) -> None:
        path = self._path(url)
        if path is None:
            return
        record = {
            "url": url, "final": answer.url, "status": answer.status, "fetched": self.clock(),
            "headers": answer.headers, "body": base64.b64encode(answer.body).decode("ascii"),
        }
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, json.dumps(record))
        except OSError:
            pass  # a cache that cannot be written only costs a request next time


def _site(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def _age(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "less than a minute"
    if minutes < 120:
        return count(minutes, "minute")
    hours = minutes // 60
    return count(hours, "hour") if hours < 48 else count(hours // 24, "day")
