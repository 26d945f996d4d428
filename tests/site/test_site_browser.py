"""The site in Chromium: opened from disk, no relative link is broken; the PDF holds every item whole."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import lxml.etree
import pytest

from bulletin.build import prepare
from bulletin.site import publish
from bulletin.site.pdf import MARGINS

MARGINS_MM = {side: float(value.removesuffix("mm")) for side, value in MARGINS.items()}

pytestmark = pytest.mark.browser


def pdftotext(pdf: Path, page: int | None = None) -> str:
    if not shutil.which("pdftotext"):
        pytest.fail("pdftotext not found: the PDF tests need Debian's poppler-utils (apt-get install -y poppler-utils)")
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", *pages, str(pdf), "-"], check=True, capture_output=True, text=True).stdout


def cut_words(pdf: Path) -> list[tuple[int, str]]:
    """(page, word) of each word that crosses the top or bottom edge of the printed area: a line sliced in two."""
    out = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True).stdout
    doc = lxml.etree.fromstring(out, lxml.etree.HTMLParser())
    mm = 72 / 25.4
    cut = []
    for number, page in enumerate(doc.iter("page"), 1):
        top, bottom = MARGINS_MM["top"] * mm, float(page.get("height")) - MARGINS_MM["bottom"] * mm
        for word in page.iter("word"):
            y0, y1 = float(word.get("ymin")), float(word.get("ymax"))
            if y0 < top < y1 - 1 or y0 + 1 < bottom < y1:
                cut.append((number, word.text))
    return cut


def words(text: str) -> str:
    return " ".join(text.split())


def letters(text: str) -> str:
    return re.sub(r"\W|_", "", text)


def test_the_site_opened_from_disk_has_no_broken_relative_link(quarters, chromium):
    publish("issues/2021-q1.yaml")
    publish("issues/2021-q3.yaml")
    site = quarters / "site"
    pages = sorted(site.rglob("*.html"))
    assert len(pages) == 3

    def relative_links(browser: Any) -> list[str]:
        context = browser.new_context()
        context.route("**/*", lambda route: route.continue_() if route.request.url.startswith("file:") else route.abort())
        tab = context.new_page()
        found = []
        for page in pages:
            tab.goto(page.as_uri())
            # the browser resolves each relative href against the page it is on
            found += [f"{page.relative_to(site)} {target}" for target in tab.eval_on_selector_all(
                "a[href], link[href]",
                "els => els.filter(e => !/^(https?:|mailto:|#)/.test(e.getAttribute('href'))).map(e => e.href)",
            )]
        context.close()
        return found

    found = relative_links(chromium)
    for line in found:
        page, target = line.split(" ", 1)
        path = Path(unquote(urlsplit(target).path))
        assert path.is_file(), f"{page} links to {target}, which does not exist"
        assert site.resolve() in path.resolve().parents
    assert len(found) >= 2 * 3 + 3  # each issue: back to the archive (top, footer), its feed; the archive: two issues, its feed


def test_pdf_has_every_title_and_no_item_split_across_pages(tmp_project):
    report = publish("issues/example.yaml", pdf=True, remote=False)
    pdf = tmp_project / "site" / "example" / "example.pdf"
    assert report.pdfs == [pdf] and pdf.read_bytes().startswith(b"%PDF")
    result = prepare("issues/example.yaml")
    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True).stdout).group(1))
    texts = [words(pdftotext(pdf, n)) for n in range(1, pages + 1)]
    assert words(pdftotext(pdf)).count("Read more") == len(result.selection.items)
    for item in result.selection.items:
        on = [n for n, text in enumerate(texts) if item.title in text]
        assert len(on) == 1, f"{item.title!r} is on pages {on}"
        page = texts[on[0]]
        # the whole item is on that page: the end of its summary too
        # (letters and digits only: pdftotext joins "one-" at a line's end with "hour" as "onehour")
        tail = letters(re.sub(r"\(http[^)]*\)", "", item.summary))[-25:]
        assert tail in letters(page), f"the summary of {item.title!r} goes on to another page"
    assert cut_words(pdf) == []
    for n, text in enumerate(texts, 1):
        assert re.search(rf"Bulletin on EU Social Affairs #7 {n} ?/ ?{pages}$", text)  # the footer: title and page number
    assert re.search(rb"/URI \(https://example\.org/news/annual-report\)", pdf.read_bytes())  # links kept


def test_pdf_is_printed_again_only_when_the_page_changes(tmp_project):
    publish("issues/example.yaml", pdf=True, remote=False)
    pdf = tmp_project / "site" / "example" / "example.pdf"
    stamp = pdf.stat().st_mtime_ns
    report = publish("issues/example.yaml", remote=False)  # without --pdf: an issue with a PDF keeps it
    assert report.pdfs == [] and pdf.stat().st_mtime_ns == stamp
    spec = tmp_project / "issues" / "example.yaml"
    spec.write_text(spec.read_text(encoding="utf-8").replace("Bulletin on EU Social Affairs #7", "Bulletin #7b"), encoding="utf-8")
    report = publish(remote=False)
    assert report.pdfs == [pdf]
    assert "Bulletin #7b" in pdftotext(pdf)
    archive = (tmp_project / "site" / "index.html").read_text(encoding="utf-8")
    assert 'href="example/example.pdf"' in archive
