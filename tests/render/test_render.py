"""render_issue end to end with the built-in default theme, with both inliners."""

from __future__ import annotations

import dataclasses
import re

import pytest
from lxml import html as lxml_html

from bulletin.model import Image, Section, Selection
from bulletin.render import Rendered, render_issue
from bulletin.render.context import fill_merge_tags

UTM = "utm_source=newsletter&utm_medium=email&utm_campaign=2021-h1"
HOSTILE = 'Fish & "chips" <script>alert(1)</script> \'quoted\''


@pytest.fixture(params=["premailer", "css-inline"])
def inliner(request) -> str:
    return request.param


@pytest.fixture
def rendered(make_project, spec, selection, inliner) -> Rendered:
    return render_issue(make_project(inliner=inliner), spec, selection)


@pytest.fixture
def doc(rendered):
    return lxml_html.fromstring(rendered.html)


def test_result_parts(rendered):
    assert rendered.html.startswith("<!DOCTYPE html>\n")
    assert rendered.mjml.startswith('<mjml lang="en">')
    assert rendered.text.startswith("Bulletin on EU Social Affairs #7\n")
    assert rendered.merge_fields == {"first_name": "colleague"}


def test_head_lang_title_and_preheader(doc, spec):
    assert doc.get("lang") == "en"
    assert doc.findtext(".//title") == spec.subject
    preheader = doc.xpath("//body//div[contains(translate(@style, ' ', ''), 'display:none')]")[0]
    assert preheader.text_content().startswith(spec.preheader)
    # invisible filler after it, so inbox previews do not run on into the body's first words
    filler = preheader.text_content()[len(spec.preheader):]
    assert len(filler) >= 150 and set(filler) == {"\u034f", "\u200c", "\xa0"}
    assert "mso-hide:all" in preheader.get("style").replace(" ", "")  # hidden in Outlook for Windows too
    assert preheader.getnext() is not None  # comes first, before the visible email
    assert "color:#ffffff" not in preheader.get("style").replace(" ", "")  # SpamAssassin's low-contrast rule


def test_header_greeting_and_toc(doc, selection):
    assert doc.xpath("//h1")[0].text_content() == "Bulletin on EU Social Affairs #7"
    assert "January – June 2021" in doc.text_content()
    assert "Dear *|FIRST_NAME|*," in doc.text_content()
    toc = [(a.get("href"), a.text_content()) for a in doc.xpath("//ul/li/a")]
    assert toc == [(f"#{s.anchor}", s.title) for s in selection.sections]
    for section in selection.sections:  # every anchor exists, on an h2, and as <a name> just before it
        heading = doc.xpath(f"//h2[@id='{section.anchor}']")[0]
        assert heading.text_content() == section.title
        [target] = doc.xpath(f"//a[@name='{section.anchor}']")  # Outlook for Windows and Gmail follow only <a name>
        assert target.get("href") is None and not target.text_content()
        assert target.getnext().xpath(".//h2")[0] is heading  # right before the heading's table


def test_items_featured_and_links(doc, selection):
    titles = [h.text_content() for h in doc.xpath("//h3")]
    assert titles == [item.title for s in selection.sections for item in s.items]
    featured = doc.xpath("//h2/a")[0]
    assert featured.text_content() == selection.featured.title
    for item in selection.items:
        links = doc.xpath(f"//a[@href='{item.url}?{UTM}']")
        assert len(links) == 2  # the title and "Read more"
        assert links[1].text_content() == "Read more"
        assert links[1].get("aria-label") == f"Read more: {item.title}"


def test_images_have_alt_and_layout_tables_are_presentation(doc, selection):
    images = doc.xpath("//img")
    assert len(images) == sum(1 for item in selection.items if item.image)
    assert all(img.get("alt") for img in images)
    featured = doc.xpath("//img[@width='552']")  # full width; Outlook needs the attribute
    assert [img.get("src") for img in featured] == [selection.featured.image.src]
    assert all(img.get("width") in ("552", "120") for img in images)
    assert all(t.get("role") == "presentation" for t in doc.xpath("//table"))


def test_footer(doc):
    unsubscribe = doc.xpath("//a[text()='Unsubscribe']")[0]
    assert unsubscribe.get("href") == "<%asm_group_unsubscribe_raw_url%>"
    view = doc.xpath("//a[text()='View in browser']")[0]
    assert view.get("href") == "https://example.org/bulletins/2021-h1/"  # no UTM
    text = doc.text_content()
    assert "Rue de la Loi 1" in text and "1000 Brussels" in text


def test_raw_html_keeps_tags_unescaped(rendered):
    assert '<a href="<%asm_group_unsubscribe_raw_url%>"' in rendered.html
    assert "*|FIRST_NAME|*" in rendered.html
    assert "mailto:info@example.org" in rendered.html
    assert "mailto:info@example.org?utm" not in rendered.html


def test_no_view_in_browser_without_web_url(make_project, spec, selection):
    html = render_issue(make_project(web_url=None), spec, selection).html
    assert "View in browser" not in html
    assert "Unsubscribe" in html


def test_media_rules_and_inline_styles(rendered, doc):
    css = "".join(re.findall(r"<style[^>]*>(.*?)</style>", rendered.html, re.DOTALL))
    assert re.search(r"max-width:\s*480px", css)
    assert re.search(r"\.pd\s*\{\s*padding-left:\s*16px\s*!important", css)
    title_link = doc.xpath("//h3/a")[0]
    assert "color:#1d4ed8" in title_link.get("style").replace(" ", "")
    assert "font-size:18px" in doc.xpath("//h3")[0].get("style").replace(" ", "")


def test_hostile_text_is_escaped(make_project, spec, make_item, inliner):
    spec.title = HOSTILE
    image = Image("https://e.org/i.png", HOSTILE)
    items = [
        make_item(1, title=HOSTILE, summary=HOSTILE, image=True, tags=(HOSTILE,)),
        make_item(2, title="HTML summary", summary_format="html", summary=f"<p>{HOSTILE}</p>"),
    ]
    items[0] = dataclasses.replace(items[0], image=image)
    selection = Selection(None, [Section("News & views", "news", items)], [])
    rendered = render_issue(make_project(inliner=inliner), spec, selection)
    doc = lxml_html.fromstring(rendered.html)
    assert not doc.xpath("//script")
    assert doc.xpath("//h1")[0].text_content() == HOSTILE
    assert doc.xpath("//h3")[0].text_content() == HOSTILE
    assert doc.xpath("//h2[@id='news']")[0].text_content() == "News & views"
    assert doc.xpath("//img")[0].get("alt") == HOSTILE
    assert doc.xpath("//a[text()='Read more']")[0].get("aria-label") == f"Read more: {HOSTILE}"
    summaries = [p.text_content() for p in doc.xpath("//h3/following-sibling::div[1]/p")]
    assert summaries[0] == HOSTILE  # Markdown: raw HTML shown as text
    assert summaries[1] == "Fish & \"chips\"  'quoted'"  # HTML: the script is removed
    assert HOSTILE in rendered.text


def test_merge_tags_in_item_text_stay_text(make_project, spec, make_item, inliner):
    """A '*|NAME|*' in an item (a Mailchimp archive feed, a pasted title) is data: never filled per subscriber."""
    item = make_item(1, title="Win *|NAME|* prizes", summary="<p>Dear *|FNAME|*, read on</p>", summary_format="html",
                     image=True, tags=("*|EMAIL|*",))
    item = dataclasses.replace(item, image=Image("https://e.org/i.png", "*|NAME|* photo"))
    rendered = render_issue(make_project(inliner=inliner), spec, Selection(None, [Section("News", "news", [item])], []))
    values = {"name": "Ann", "fname": "Ann", "email": "ann@x.example"}
    for part, escape in ((rendered.html, True), (rendered.text, False)):
        filled = fill_merge_tags(part, values, escape=escape)
        assert "Win *|NAME|* prizes" in filled.replace("\u200c", "") and "Dear *|FNAME|*, read on" in filled.replace("\u200c", "")
        assert "Win Ann" not in filled and "Dear Ann, read on" not in filled and "ann@x.example</b>" not in filled
    doc = lxml_html.fromstring(fill_merge_tags(rendered.html, values, escape=True))
    assert doc.xpath("//h3")[0].text_content().replace("\u200c", "") == "Win *|NAME|* prizes"
    assert doc.xpath("//img")[0].get("alt").replace("\u200c", "") == "*|NAME|* photo"


@pytest.mark.parametrize("text", [
    "Pourquoi\u00a0? L\u2019Europe sociale",  # French typography: a no-break space before '?'
    "Caf\u0065\u0301 d\u00e9bat",            # a decomposed é (combining accent), as macOS writes file names
    "Soft\u00adhyphen and \u2764\ufe0f and \U0001f469\u200d\U0001f4bb",  # soft hyphen, emoji sequences
])
def test_attributes_keep_every_character(make_project, spec, make_item, inliner, text):
    """MRML writes some characters into attributes as Rust escapes ('\\u{a0}'): alt texts and aria-labels stay whole."""
    item = dataclasses.replace(make_item(1, title=text), image=Image("https://e.org/i.png", text))
    rendered = render_issue(make_project(inliner=inliner), spec, Selection(None, [Section("News", "news", [item])], []))
    assert "\\u{" not in rendered.html
    doc = lxml_html.fromstring(rendered.html)
    assert doc.xpath("//img")[0].get("alt") == text
    assert doc.xpath("//a[text()='Read more']")[0].get("aria-label") == f"Read more: {text}"
    assert doc.xpath("//h3")[0].text_content() == text


def test_deterministic(make_project, spec, make_selection, inliner):
    project = make_project(inliner=inliner)
    first = render_issue(project, spec, make_selection(12))
    second = render_issue(project, spec, make_selection(12))
    assert first.html.encode() == second.html.encode()
    assert first.text.encode() == second.text.encode()
    assert first.mjml == second.mjml


def test_engines_agree_on_content(make_project, spec, selection):
    a = lxml_html.fromstring(render_issue(make_project(inliner="premailer"), spec, selection).html)
    b = lxml_html.fromstring(render_issue(make_project(inliner="css-inline"), spec, selection).html)
    assert a.find("body").text_content() == b.find("body").text_content()
    assert [x.get("href") for x in a.iter("a")] == [x.get("href") for x in b.iter("a")]


def test_weight_budget_30_items(make_project, spec, make_selection, inliner):
    """A realistic 30-item issue (plus a featured story) stays far below Gmail's 102 KB clip."""
    selection = make_selection(30)
    assert len(selection.items) == 31
    assert sum(1 for item in selection.items if item.image) >= 8
    html = render_issue(make_project(inliner=inliner), spec, selection).html
    assert len(html.encode("utf-8")) <= 60 * 1000


def test_300_items(make_project, spec, make_selection):
    selection = make_selection(300)
    rendered = render_issue(make_project(), spec, selection)
    doc = lxml_html.fromstring(rendered.html)
    assert len(doc.xpath("//h3")) == 300
    assert len(rendered.html.encode()) < 300 * 1500  # grows linearly: ~1.3 KB an item


def test_empty_issue(project, spec):
    rendered = render_issue(project, spec, Selection(None, [], []))
    doc = lxml_html.fromstring(rendered.html)
    assert not doc.xpath("//h3") and not doc.xpath("//ul")
    assert "Unsubscribe" in rendered.html


def test_single_section_has_no_toc(project, spec, make_item):
    selection = Selection(None, [Section("News", "news", [make_item(1)])], [])
    doc = lxml_html.fromstring(render_issue(project, spec, selection).html)
    assert not doc.xpath("//ul")
    assert "In this issue" not in doc.text_content()


def test_right_to_left_texts_take_their_own_direction(make_project, make_spec, make_item, inliner):
    # an Arabic title or summary in an English email: without dir="auto" it is laid out left to right,
    # its full stop on the wrong side
    arabic = "مؤتمر الاتحاد الأوروبي للشؤون الاجتماعية 🎉"
    items = [make_item(1, title=arabic, summary=f"{arabic} [رابط](https://example.org/ar)."), make_item(2)]
    lead = make_item(3, title=arabic, summary=arabic, image=True)
    selection = Selection(lead, [Section("أخبار", "news", items, note=arabic)], [])
    spec = make_spec(intro=arabic)
    doc = lxml_html.fromstring(render_issue(make_project(inliner=inliner), spec, selection).html)
    for heading in doc.xpath("//h2[a] | //h3"):
        assert heading.get("dir") == "auto", lxml_html.tostring(heading)
    for summary in doc.xpath("//h3/following-sibling::div[1] | //h2[a]/following-sibling::div[1]"):
        assert summary.get("dir") == "auto" and summary.xpath("./p"), lxml_html.tostring(summary)
    assert doc.xpath("//h2[@id='news']")[0].get("dir") == "auto"
    note = doc.xpath("//h2[@id='news']/ancestor::table[1]/following-sibling::div[1]")[0]
    assert note.get("dir") == "auto" and arabic in note.text_content()
    intro = [d for d in doc.xpath("//div[@dir='auto']") if d.text_content().strip() == arabic]
    assert len(intro) >= 3  # intro, note, featured summary


def test_sendgrid_tags_in_item_text_are_neutralised_in_both_parts(make_project, spec, make_item, inliner):
    """'<%asm_global_unsubscribe_raw_url%>' in a title is data: SendGrid must not fill it in (a global unsubscribe link)."""
    tag = "<%asm_global_unsubscribe_raw_url%>"
    item = make_item(1, title=f"Unsubscribe? {tag}", summary="Manage at <%asm_preferences_raw_url%> or [%unsubscribe%]")
    rendered = render_issue(make_project(inliner=inliner), spec, Selection(None, [Section("News", "news", [item])], []))
    for part in (rendered.text, rendered.html, rendered.html.replace("&lt;", "<").replace("&#37;", "%")):
        assert tag not in part and "<%asm_preferences_raw_url%>" not in part and "[%unsubscribe%]" not in part
    assert "<%asm_group_unsubscribe_raw_url%>" in rendered.html  # the template's own tag still works
    doc = lxml_html.fromstring(rendered.html)
    assert doc.xpath("//h3")[0].text_content().replace("\u200c", "") == f"Unsubscribe? {tag}"  # reads the same
    assert f"Unsubscribe? {tag}" in rendered.text.replace("\u200c", "")
