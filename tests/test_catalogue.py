"""The default theme's message catalogue: every text the templates use, in the 24 EU languages; overrides; fallback."""

from __future__ import annotations

import re

import jinja2
import pytest
from jinja2 import nodes

from bulletin.catalogue import MESSAGES_DIR, catalogue_language, fallback_warning, keys, linked, messages
from bulletin.languages import EU_LANGUAGES
from bulletin.render.jinja import THEMES_DIR


def used_keys() -> set[str]:
    """Every ``messages.X`` and ``words.X`` the default theme's templates read (parsed, not listed by hand)."""
    env = jinja2.Environment()
    found: set[str] = set()
    for path in (THEMES_DIR / "default").glob("*.j2"):
        tree = env.parse(path.read_text(encoding="utf-8"))
        for node in tree.find_all(nodes.Getattr):
            if isinstance(node.node, nodes.Name) and node.node.name in ("messages", "words"):
                found.add(node.attr)
    return found


def test_the_templates_use_the_catalogue():
    used = used_keys()
    # the parse finds what the templates print: the texts of the email, the footer, the items and the archive
    assert {"read_more", "unsubscribe", "view_in_browser", "in_this_issue", "why", "archive_empty"} <= used


@pytest.mark.parametrize("lang", EU_LANGUAGES)
def test_every_text_the_theme_uses_exists_in_every_eu_language(lang):
    texts = messages(lang)
    own = set(yaml_keys(lang))
    for key in sorted(used_keys() | {"sent", "published"}):  # the archive's date kinds come from site/archive.py
        assert key in own, f"{lang}.yaml has no {key}"
        assert isinstance(texts[key], str) and texts[key].strip(), f"{lang}.yaml: {key} is empty"


@pytest.mark.parametrize("lang", EU_LANGUAGES)
def test_each_language_has_the_english_keys_placeholders_and_links(lang):
    english, own = messages("en"), messages(lang)
    assert yaml_keys(lang) == list(keys())
    for key in keys():
        assert re.findall(r"\{\w+\}", own[key]) == re.findall(r"\{\w+\}", english[key]), (lang, key)
        assert sorted(re.findall(r"\]\((\w+)\)", own[key])) == sorted(re.findall(r"\]\((\w+)\)", english[key])), (lang, key)
    if lang != "en":  # really translated, not English left in place
        assert own["read_more"] != english["read_more"] and own["unsubscribe"] != english["unsubscribe"]


def yaml_keys(lang: str) -> list[str]:
    text = (MESSAGES_DIR / f"{lang}.yaml").read_text(encoding="utf-8")
    return re.findall(r"^(\w+):", text, re.MULTILINE)


def test_the_catalogue_is_24_files_one_per_eu_language():
    assert sorted(p.stem for p in MESSAGES_DIR.glob("*.yaml")) == sorted(EU_LANGUAGES)


@pytest.mark.parametrize(("code", "expected"), [("fr", "fr"), ("fr-BE", "fr"), ("FR", "fr"), ("fr_BE", "fr"), ("ar", None), ("", None)])
def test_a_tag_means_its_base_language(code, expected):
    assert catalogue_language(code) == expected


def test_french_texts_and_a_regional_tag():
    assert messages("fr")["read_more"] == "Lire la suite"
    assert messages("fr-BE") == messages("fr")
    assert messages("de")["read_more"] == "Weiterlesen"
    assert fallback_warning("fr-BE") is None


def test_a_language_outside_the_catalogue_falls_back_to_english_and_says_so():
    assert messages("ar") == messages("en")
    warning = fallback_warning("ar")
    assert warning is not None and "'ar'" in warning and "English" in warning and "messages: ar:" in warning


def test_overrides_reword_per_language_matching_the_base_language():
    overrides = {"fr": {"read_more": "Lire l'article"}, "en": {"read_more": "Continue reading"}}
    assert messages("fr-BE", overrides)["read_more"] == "Lire l'article"
    assert messages("fr", overrides)["unsubscribe"] == "Se désabonner"  # the others stay the catalogue's
    assert messages("en", overrides)["read_more"] == "Continue reading"
    assert messages("de", overrides)["read_more"] == "Weiterlesen"  # English rewording is not German
    assert messages("ar", overrides)["read_more"] == "Continue reading"  # the English fallback, as the project words it


def test_a_language_the_project_translates_whole_gives_no_warning():
    arabic = {key: f"ar {key}" for key in keys()}
    assert messages("ar", {"ar": arabic})["read_more"] == "ar read_more"
    assert fallback_warning("ar", {"ar": arabic}) is None
    partial = fallback_warning("ar", {"ar": {"read_more": "اقرأ المزيد"}})
    assert partial is not None and "read_more" not in partial and "unsubscribe" in partial


def test_linked_escapes_the_text_and_links_the_named_addresses():
    html = linked("[Subscribe](subscribe) <now> & follow the [feed](feed).", subscribe="https://e.org/?a=1&b=2", feed=None)
    assert html == 'Subscribe'.join(['<a href="https://e.org/?a=1&amp;b=2">', "</a> &lt;now&gt; &amp; follow the feed."])
