"""bulletin publish with several languages: a page per language linking to the others, one archive and feed."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import lxml.html
from sitetools import T0

from bulletin.build import prepare
from bulletin.languages import display_name
from bulletin.site import publish, unpublish


def page(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.parse(str(path)).getroot()


def test_each_language_has_its_page_linking_to_the_others(trilingual: Path) -> None:
    report = publish("issues/tri.yaml", clock=lambda: T0)
    site = trilingual / "site" / "tri"
    pages = {"en": site / "index.html", "fr": site / "fr" / "index.html", "it": site / "it" / "index.html"}
    assert set(pages.values()) <= set(report.written)
    for lang, path in pages.items():
        root = page(path)
        assert root.get("lang") == lang
        alternates = {link.get("hreflang"): link.get("href") for link in root.xpath("//head/link[@rel='alternate'][@hreflang]")}
        assert alternates == {"en": "https://example.org/bulletin/tri/", "fr": "https://example.org/bulletin/tri/fr/",
                              "it": "https://example.org/bulletin/tri/it/", "x-default": "https://example.org/bulletin/tri/"}
        assert root.xpath("//link[@rel='canonical']/@href") == [alternates[lang]]
        # the language line: the others linked (relative, so the site folder works anywhere), this one marked
        [nav] = root.xpath("//nav[@class='bulletin-languages']")
        assert nav.text_content() == "English · Français · Italiano"
        assert nav.xpath("strong[@aria-current='page']/@lang") == [lang]
        for link in nav.xpath("a"):
            target = urljoin(path.as_uri(), link.get("href"))
            assert Path(target.removeprefix("file://")) / "index.html" == pages[link.get("hreflang")]
        feed = root.xpath("//link[@type='application/atom+xml']/@href")[0]
        assert Path(urljoin(path.as_uri(), feed).removeprefix("file://")) == trilingual / "site" / "feed.xml"
    fr = page(pages["fr"])
    assert "Bulletin n° 7" in fr.xpath("//title/text()")[0]
    assert "Six mois de travail." in fr.text_content()


def test_one_archive_and_feed_in_the_default_language(trilingual: Path) -> None:
    publish("issues/tri.yaml", clock=lambda: T0)
    archive = page(trilingual / "site" / "index.html")
    assert [a.text_content() for a in archive.cssselect("main li h2 a")] == ["Bulletin #7"]
    feed = (trilingual / "site" / "feed.xml").read_text(encoding="utf-8")
    assert "Bulletin #7" in feed and "Bulletin n° 7" not in feed


def test_the_emails_view_in_browser_link_leads_to_its_languages_page(trilingual: Path) -> None:
    result = prepare("issues/tri.yaml")
    for lang, url in (("en", "https://example.org/bulletin/tri/"), ("fr", "https://example.org/bulletin/tri/fr/")):
        html = lxml.html.fromstring(result.editions[lang].rendered.html)
        assert url in html.xpath("//a/@href")
        assert url in result.editions[lang].rendered.text
    assert "https://example.org/bulletin/tri/fr/" not in result.editions["it"].rendered.html


def test_unpublish_removes_every_languages_page(trilingual: Path) -> None:
    publish("issues/tri.yaml", clock=lambda: T0)
    report = unpublish("tri", clock=lambda: T0)
    site = trilingual / "site" / "tri"
    assert site / "fr" / "index.html" in report.removed and not (site / "fr").exists() and not site.exists()


def test_a_one_language_issue_has_no_language_line(tmp_project: Path) -> None:
    publish("issues/example.yaml", clock=lambda: T0)
    root = page(tmp_project / "site" / "example" / "index.html")
    assert not root.xpath("//nav[@class='bulletin-languages']") and not root.xpath("//link[@hreflang]")
    assert [p.name for p in (tmp_project / "site" / "example").iterdir() if p.is_dir()] == []


def test_language_names_are_in_their_own_language() -> None:
    assert [display_name(code) for code in ("en", "fr", "it", "de", "el", "pt-PT")] == [
        "English", "Français", "Italiano", "Deutsch", "Ελληνικά", "Português (Portugal)"]
    assert display_name("xx-unknown") == "xx-unknown"


def test_a_language_taken_out_of_bulletin_yaml_loses_its_page(trilingual: Path) -> None:
    publish("issues/tri.yaml", clock=lambda: T0)
    config = trilingual / "bulletin.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("languages: [en, fr, it]", "languages: [en, fr]"), encoding="utf-8")
    issue = trilingual / "issues" / "tri.yaml"
    issue.write_text(issue.read_text(encoding="utf-8").replace(', it: "Bollettino n. 7"', "").replace(", it: Eventi", ""), encoding="utf-8")
    report = publish("issues/tri.yaml", clock=lambda: T0)
    site = trilingual / "site" / "tri"
    assert report.removed == [site / "it" / "index.html"] and not (site / "it").exists()
    assert (site / "fr" / "index.html").is_file()
    nav = page(site / "index.html").xpath("//nav[@class='bulletin-languages']")[0]
    assert nav.text_content() == "English · Français"
