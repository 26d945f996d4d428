"""The rendered issue as the checks see it: parsed HTML, snippets, and which item a URL came from."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cached_property
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import lxml.html
from lxml.etree import ParserError, _Element

from ..build import BuildResult
from ..model import Item
from ..render import HTML_TEMPLATE
from ..render.jinja import template_origin

#: SendGrid substitution tags bulletin may use; anything else in <%...%> is unresolved.
SENDGRID_TAGS = frozenset(
    {"<%asm_group_unsubscribe_raw_url%>", "<%asm_global_unsubscribe_raw_url%>", "<%asm_preferences_raw_url%>"}
)
UNSUBSCRIBE_TAGS = frozenset({"<%asm_group_unsubscribe_raw_url%>", "<%asm_global_unsubscribe_raw_url%>"})


def snippet(element: _Element, limit: int = 100) -> str:
    """The element's opening tag (and a little text), short enough for one line of a report."""
    attrs = " ".join(f'{k}="{v}"' for k, v in element.attrib.items() if k not in ("style", "class"))
    text = " ".join((element.text_content() if hasattr(element, "text_content") else "").split())
    tag = f"<{element.tag}{' ' + attrs if attrs else ''}>"
    out = f"{tag}{text[:40]}{'…' if len(text) > 40 else ''}" if text else tag
    return out if len(out) <= limit else out[: limit - 1] + "…"


def editions_of(result: BuildResult) -> list[Document]:
    """One Document per language edition (the default first); a one-language project's is the result itself."""
    if len(result.editions) <= 1:
        return [Document(result)]
    return [Document(replace(result, spec=e.spec, selection=e.selection, rendered=e.rendered), e.lang, e.page)
            for e in result.editions.values()]


def normalise_url(url: str) -> str:
    """The URL without utm_ parameters or fragment, so tracking parameters do not hide its item."""
    parts = urlsplit(url.strip())
    # the rest of the query stays: page?id=5 and page?id=6 are different items
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not k.lower().startswith("utm_")])
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), parts.path.rstrip("/"), query, ""))


@dataclass
class Document:
    """One BuildResult (or one language edition of it), parsed once and shared by every check."""

    result: BuildResult
    lang: str = ""  # the edition's language in a project with several ("": the only one)
    page: str = "index.html"  # that edition's HTML file under build/<slug>/ (fr/index.html)
    _owners: dict[str, list[Item]] = field(default_factory=dict, init=False, repr=False)

    @cached_property
    def root(self) -> _Element:
        """The parsed HTML (lxml.html)."""
        try:
            return lxml.html.document_fromstring(self.result.rendered.html or "<html></html>")
        except (ParserError, ValueError):
            return lxml.html.document_fromstring("<html></html>")

    @cached_property
    def body_text(self) -> str:
        """Visible text of the HTML body, whitespace collapsed."""
        body = self.root.find("body")
        return " ".join((body if body is not None else self.root).text_content().split())

    @property
    def items(self) -> list[Item]:
        """The selected items, in reading order."""
        return self.result.selection.items

    def template(self, name: str = HTML_TEMPLATE) -> str:
        """Where the issue's template ``name`` comes from (project override or built-in theme)."""
        return template_origin(self.result.project, self.result.spec.template or "default", name)

    def owners(self, url: str) -> list[Item]:
        """Items whose url, image or summary holds ``url`` (tracking parameters ignored)."""
        if not url or url.startswith("#"):
            return []  # an empty or in-page href says nothing about where it came from
        if url not in self._owners:
            key = normalise_url(url)
            found = []
            for item in self.items:
                urls = [item.url] + ([item.image.src] if item.image else [])
                if any(normalise_url(u) == key for u in urls) or url in item.summary or _summary_has(item.summary, key):
                    found.append(item)
            self._owners[url] = found
        return self._owners[url]

    def where(self, url: str, element: _Element | None = None) -> str:
        """The items holding ``url`` or the element ("content/x.md:1, ..."), else an HTML snippet, else the template."""
        items = self.owners(url)
        if not items and element is not None and element.tag == "a":
            items = self._by_link_text(element)
        origins = [item.origin for item in items if item.origin]
        if origins:
            return ", ".join(dict.fromkeys(origins))
        return snippet(element) if element is not None else self.template()

    def _by_link_text(self, link: _Element) -> list[Item]:
        # a link without a usable href is found by its text, as written in the item's summary
        text = " ".join(link.text_content().split())
        if not text:
            return []
        needles = (f"[{text}]", f">{text}</a>")
        return [item for item in self.items if any(n in " ".join(item.summary.split()) for n in needles)]


_HREF = re.compile(r"""(?:href|src)\s*=\s*["']([^"']+)|\((https?://[^)\s]+)\)|(https?://[^\s<>"')\]]+)""")


def _summary_has(summary: str, key: str) -> bool:
    if not summary or "://" not in summary:
        return False
    for match in _HREF.finditer(summary):
        found = next(g for g in match.groups() if g)
        if normalise_url(found) == key:
            return True
    return False
