"""The built email in headless Chromium: light and dark colour schemes, phone and desktop widths, and an
"Outlook view" (a simulation of Outlook for Windows, not Word itself)."""

from __future__ import annotations

import pytest

from bulletin.check.clients import outlook_view
from bulletin.model import Brand, Logo, Organisation
from bulletin.render import render_issue

pytestmark = pytest.mark.browser

# WCAG 2.x relative luminance and contrast of every text node against its computed background
# (the first ancestor with an opaque background colour, or a bgcolor attribute Chromium maps to one)
CONTRAST_JS = """
() => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = c => { const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
                     return 0.2126 * r + 0.7152 * g + 0.0722 * b; };
  const background = el => { for (; el; el = el.parentElement) { const c = rgb(getComputedStyle(el).backgroundColor);
                              if (c.length === 3 || (c.length === 4 && c[3] > 0.5)) return c; } return [255, 255, 255]; };
  const out = []; const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement; const text = node.textContent.trim();
    if (!text || !el.getClientRects().length) continue;
    const style = getComputedStyle(el); if (style.visibility === 'hidden' || style.opacity === '0') continue;
    const fg = lum(rgb(style.color)), bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight) >= 700;
    const large = size >= 24 || (bold && size >= 18.66);
    out.push({text: text.slice(0, 40), ratio: Math.round(ratio * 100) / 100, need: large ? 3 : 4.5});
  }
  return out;
}
"""


@pytest.fixture
def browser(chromium):
    """The session's one headless Chromium (tests/conftest.py): two Playwright instances cannot share a process."""
    return chromium


#: A house style of bulletin.yaml: a dark red band with a logo, a green accent, a serif font.
BRAND = Brand(logo=Logo("https://example.org/logo.png", "Logo", 160), colour="#7a1f3d", accent="#0b6e4f", font="Georgia, serif")


@pytest.fixture(params=[None, BRAND], ids=["theme", "brand"])
def html(request, make_project, spec, make_selection) -> str:
    project = make_project(brand=request.param) if request.param else make_project()
    return render_issue(project, spec, make_selection(12)).html


def open_page(browser, html: str, width: int, scheme: str = "light"):
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
    page.route("**/*", lambda route: route.fulfill(status=200, content_type="image/png", body=b""))
    page.set_content(html)
    return page


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [600, 375])
def test_every_text_passes_aa_contrast_without_overflow(browser, html, width, scheme):
    page = open_page(browser, html, width, scheme)
    try:
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        texts = page.evaluate(CONTRAST_JS)
        assert len(texts) > 50
        failing = [t for t in texts if t["ratio"] < t["need"]]
        assert failing == []
        if scheme == "dark":  # the dark rules are really in force: the card is dark, not white
            body = page.evaluate("getComputedStyle(document.querySelector('.cd > table')).backgroundColor")
            assert body == "rgb(31, 41, 55)"
    finally:
        page.close()


GEOMETRY_JS = """
() => {
  const rect = el => el.getBoundingClientRect();
  const textRect = el => { const r = document.createRange(); r.selectNodeContents(el); return r.getBoundingClientRect(); };
  const items = [...document.querySelectorAll('td')].filter(td => td.querySelector('h3') && !td.querySelector('td'));
  const separators = items.map(td => { const box = rect(td), style = getComputedStyle(td);
      return {border: parseFloat(style.borderTopWidth), gap: textRect(td.querySelector('div')).top - box.top}; });
  const card = document.querySelector('h2 a[href*="item-1000"]').closest('td');
  const cardBox = rect(card), cardText = textRect(card);
  const button = [...document.querySelectorAll('a')].find(a => a.textContent === 'Read more' && a.closest('td') && a.closest('td').hasAttribute('bgcolor'));
  const cell = button.closest('td'), buttonBox = rect(cell), label = textRect(button);
  const thumbs = [...document.querySelectorAll('img')].filter(img => img.width <= 120 && img.closest('tr').querySelector('h3')).map(img => {
      const box = rect(img), td = img.closest('tr').querySelector('td'), text = textRect(td);
      return {gap: box.left - text.right}; });
  return {separators, card: {left: cardText.left - cardBox.left, right: cardBox.right - cardText.right,
                             top: cardText.top - cardBox.top},
          button: {padX: label.left - buttonBox.left, padY: label.top - buttonBox.top, height: buttonBox.height}, thumbs};
}
"""


def test_outlook_view_keeps_spacing_button_and_thumbnails(browser, html):
    """A SIMULATION of Outlook for Windows, not Word: the [if mso] blocks are switched on and every CSS property
    caniemail marks unsupported for Outlook for Windows (on that element) is stripped, then Chromium lays it out.
    Item texts keep 8 px from separators and card edges, the button stays a padded block, thumbnails do not touch text."""
    simulated = outlook_view(html)
    assert "border-radius" not in simulated and "float" not in simulated
    page = open_page(browser, simulated, 600)
    try:
        geometry = page.evaluate(GEOMETRY_JS)
    finally:
        page.close()
    separated = [s for s in geometry["separators"] if s["border"] > 0]
    assert len(separated) >= 8
    assert all(s["gap"] >= 8 for s in geometry["separators"])
    assert geometry["card"]["left"] >= 8 and geometry["card"]["right"] >= 8 and geometry["card"]["top"] >= 8
    assert geometry["button"]["padX"] >= 8 and geometry["button"]["padY"] >= 4
    assert geometry["thumbs"] and all(t["gap"] >= 8 for t in geometry["thumbs"])


ORG_NAME_JS = """
() => { const p = [...document.querySelectorAll('p')].find(el => el.nextElementSibling && el.nextElementSibling.tagName === 'H1');
        const style = getComputedStyle(p);
        return {transform: style.textTransform, lines: Math.round(p.getBoundingClientRect().height / parseFloat(style.lineHeight))}; }
"""


@pytest.mark.parametrize("name", [
    "European Federation of Public Service Unions",  # 44 characters: still capitals on a wide screen
    "Fédération européenne des employeurs sociaux et des services à la personne",
])
@pytest.mark.parametrize("brand", [None, BRAND], ids=["theme", "brand"])
def test_a_long_organisation_name_never_breaks_into_two_lines_of_capitals(browser, make_project, spec, make_selection, name, brand):
    org = Organisation(name=name, address="Rue de la Loi 1, 1000 Brussels")
    project = make_project(organisation=org, brand=brand) if brand else make_project(organisation=org)
    html = render_issue(project, spec, make_selection(2)).html
    for width in (600, 375):
        page = open_page(browser, html, width)
        try:
            header = page.evaluate(ORG_NAME_JS)
        finally:
            page.close()
        assert header["transform"] == "none" or header["lines"] == 1, (width, header)
