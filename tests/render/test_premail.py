"""premailer with cssutils' results kept between runs: the same HTML whether they are kept or not, and no cssutils once they are."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

import premailer
from lxml import html as lxml_html

from bulletin.render.premail import OPTIONS, transform
from bulletin.render.resultcache import ResultCache


def page(token: str) -> str:
    """A document whose CSS no earlier run has seen (``token``): rules, a kept @media rule, a pseudo-class,
    a style attribute and a floated picture."""
    return (
        "<html><head><style>"
        f".t{token}{{color:#1f2937;padding:4px}} p{{margin:0}} a:hover{{color:#000000}} img.r{{float:right}}"
        "@media only screen and (max-width:480px){.x{font-size:20px}}"
        "</style></head><body>"
        f'<p class="t{token} x" style="font-weight:bold;color:red">Fish &amp; chips</p>'
        '<img class="r" src="a.png" alt="a"><img style="float:left" src="b.png" alt="b">'
        "</body></html>"
    )


def test_kept_results_give_the_same_html_as_cssutils(tmp_path):
    html = page(uuid.uuid4().hex)
    first = transform(html, ResultCache(tmp_path / "css.json", "v1"))  # parsed by cssutils, then kept
    kept = ResultCache(tmp_path / "css.json", "v1")
    assert set(kept.tables) == {"sheets", "pairs", "floats"}

    again = transform(html, kept)

    assert again == first == premailer.Premailer(html, **OPTIONS).transform(pretty_print=False)
    doc = lxml_html.fromstring(again)
    p = doc.find(".//p")
    assert p.get("style") == "margin:0; color:red; padding:4px; font-weight:bold"  # the attribute's own last
    assert [img.get("align") for img in doc.iter("img")] == ["right", "left"]
    style = doc.find(".//style").text
    assert "a:hover {color:#000 !important}" in style and "font-size: 20px !important" in style


def test_a_cache_of_another_version_or_damaged_counts_as_empty(tmp_path):
    path = tmp_path / "css.json"
    html = page(uuid.uuid4().hex)
    expected = transform(html, ResultCache(None, "v1"))
    transform(html, ResultCache(path, "v1"))

    assert ResultCache(path, "v2").tables == {}
    assert transform(html, ResultCache(path, "v2")) == expected
    path.write_text('{"version": "v1", "tables": {"sheets": ', encoding="utf-8")
    damaged = ResultCache(path, "v1")
    assert damaged.tables == {}
    assert transform(html, damaged) == expected
    assert json.loads(path.read_text(encoding="utf-8"))["version"] == "v1"  # written anew, whole


def test_cssutils_is_imported_only_for_css_no_run_has_seen():
    """Start-up cost: a build whose theme CSS was seen before does not import cssutils (nor requests)."""
    code = (
        "import sys; from bulletin.render.inline import inline; "
        f"out = inline({page(uuid.uuid4().hex)!r}); "
        "print(sorted({'cssutils', 'requests'} & set(sys.modules)))"
    )

    def run() -> str:
        return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()

    assert run() == "['cssutils']"  # new CSS: parsed by cssutils, and kept
    assert run() == "[]"
