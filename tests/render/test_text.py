"""Plain-text stage: fragments to text, wrapping, and the text part of an issue."""

from __future__ import annotations

from bulletin.render import render_issue
from bulletin.render.text import html_to_text, tidy, wrap

LONG_URL = "https://example.org/a/very/long/path/that/must/not/be/broken?utm_source=newsletter"


def test_html_to_text_blocks_lists_and_links():
    html = (
        "<p>One <strong>two</strong><br>three</p>"
        "<ul><li>a <a href='https://e.org/x'>link</a></li><li>b</li></ul>"
        "<ol><li>first</li><li>second</li></ol>"
        "<blockquote><p>quoted</p></blockquote>"
        "<p><a href='https://e.org/'>https://e.org/</a> <a href='mailto:a@e.org'>a@e.org</a>"
        " <a href='mailto:a@e.org'>write</a> <a href='#top'>top</a></p>"
    )
    assert html_to_text(html) == (
        "One two\nthree\n\n"
        "- a link (https://e.org/x)\n\n- b\n\n"
        "1. first\n\n2. second\n\n"
        "> quoted\n\n"
        "https://e.org/ a@e.org write (a@e.org) top"
    )


def test_html_to_text_empty():
    assert html_to_text("") == ""


def test_wrap_at_72_keeps_urls_whole_and_paragraphs():
    text = ("word " * 40).strip() + " " + LONG_URL + "\n\n- " + ("item " * 20).strip()
    wrapped = wrap(text)
    lines = wrapped.splitlines()
    assert all(len(line) <= 72 for line in lines if LONG_URL not in line)
    assert LONG_URL in lines
    assert "" in lines  # the paragraph break survives
    list_lines = wrapped.split("\n\n")[1].splitlines()
    assert list_lines[0].startswith("- item") and list_lines[1].startswith("  item")


def test_wrap_with_indent():
    assert wrap("a " * 50, width=20, indent="  ").splitlines()[1].startswith("  a")


def test_tidy():
    assert tidy("a  \n\n\n\n b\n\n") == "a\n\n b\n"


def test_text_part_holds_every_item(project, spec, make_selection):
    selection = make_selection(30)
    text = render_issue(project, spec, selection).text
    for item in selection.items:
        assert item.title in text
        assert f"{item.url}?utm_source=newsletter&utm_medium=email&utm_campaign=2021-h1" in text
    for section in selection.sections:
        assert section.title.upper() in text


def test_text_part_layout(project, spec, make_selection):
    text = render_issue(project, spec, make_selection(3)).text
    lines = text.splitlines()
    assert lines[:2] == ["Bulletin on EU Social Affairs #7", "January – June 2021"]
    assert "Dear *|FIRST_NAME|*," in lines
    assert "All events are online this season." in lines  # the section note
    assert "30 June 2021 | News, Position paper" in lines
    assert "Welcome to our bulletin. See our website" in text
    assert lines[lines.index("View in browser:") + 1] == "https://example.org/bulletins/2021-h1/"
    assert lines[-2:] == ["Unsubscribe:", "<%asm_group_unsubscribe_raw_url%>"]
    assert "-- " in lines  # the signature separator keeps its space (RFC 3676)
    assert "Rue de la Loi 1" in lines and "Social Europe Network" in lines
    assert "&amp;" not in text and "<p>" not in text
    assert text.endswith("\n") and "\n\n\n" not in text
    long_lines = [line for line in lines if len(line) > 72]
    assert all("http" in line or line.startswith("Position paper") for line in long_lines)


def test_text_part_puts_every_url_on_its_own_line(project, spec, make_selection):
    """Only URL lines may pass 78 characters: a URL with UTM parameters never shares a line with text."""
    text = render_issue(project, spec, make_selection(30)).text
    long_lines = [line for line in text.splitlines() if len(line) > 78]
    assert long_lines  # the items' links with UTM parameters are long
    assert all(" " not in line.strip() and "://" in line for line in long_lines)
    item = make_selection(1).items[0]
    lines = text.splitlines()
    read_more = lines.index(f"{item.url}?utm_source=newsletter&utm_medium=email&utm_campaign=2021-h1")
    assert lines[read_more - 1] == "Read more:"


def test_wrap_gives_a_url_in_running_text_its_own_line():
    wrapped = wrap("Read our full statement (" + LONG_URL + ") for details, and more words after it.")
    assert wrapped.splitlines() == [
        "Read our full statement",
        "(" + LONG_URL + ")",
        "for details, and more words after it.",
    ]


def test_tidy_keeps_the_signature_separator_space():
    assert tidy("text \n-- \nOrg  \n") == "text\n-- \nOrg\n"


def test_text_part_is_not_html_escaped(project, spec, make_item):
    from bulletin.model import Section, Selection

    item = make_item(1, title='Fish & "chips" <today>', summary="Salt & vinegar")
    text = render_issue(project, spec, Selection(None, [Section("N", "n", [item])], [])).text
    assert 'Fish & "chips" <today>' in text
    assert "Salt & vinegar" in text


def test_nested_list_stays_under_its_item():
    html = "<ul><li>one</li><li>two<ol><li>first</li><li>second " + "word " * 16 + "</li></ol></li></ul>"
    text = html_to_text(html)
    assert text == "- one\n\n- two\n  1. first\n  2. second " + ("word " * 16).strip()
    wrapped = wrap(text).splitlines()
    assert wrapped[4] == "  2. second word word word word word word word word word word word word"
    assert wrapped[5] == "     word word word word"
