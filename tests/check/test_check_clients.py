"""`bulletin check --clients`: caniemail.com's data applied to the built HTML."""

from __future__ import annotations

import json

from click.testing import CliRunner

from bulletin.check.clients import CLIENTS, outlook_view, scan, support
from bulletin.cli import main

BROKEN_ITEM = ('<h3><a href="{{ item.url }}">{{ item.title }}</a></h3>',
               '<div style="float:right;padding:12px;border-radius:4px"><a href="{{ item.url }}">{{ item.title }}</a></div>')


def invoke(*args):
    return CliRunner().invoke(main, ["check", *args])


def test_support_applies_the_notes_that_name_elements():
    assert support("css-padding", "outlook-windows", "td") == "y"  # "only supported on table cells"
    assert support("css-padding", "outlook-windows", "div") == "n"
    assert support("css-width", "outlook-windows", "div") == "n"  # "not supported on <div>"
    assert support("css-width", "outlook-windows", "table") == "a"
    assert support("css-display", "outlook-windows", "div", "display", "none") == "y"  # "only supports display:none"
    assert support("css-display", "outlook-windows", "div", "display", "inline-block") == "n"
    assert support("css-float", "apple-mail-macos", "img") == "y"


def test_scan_finds_inline_style_block_and_html_features():
    html = ('<!DOCTYPE html><html><head><style>@media (prefers-color-scheme:dark){.a{color:#fff !important}}'
            '[data-ogsc] .a{color:#fff}</style></head><body><div style="float:right;padding:4px">x</div>'
            '<a href="#s">to s</a><img src="https://e.org/a.svg" alt="a"></body></html>')
    found = {(use.slug, use.tag) for use in scan(html)}
    assert {("css-float", "div"), ("css-padding", "div"), ("css-at-media-prefers-color-scheme", None),
            ("css-selector-attribute", None), ("html-anchor-links", "a"), ("html-svg", "img"),
            ("html-doctype", None)} <= found


def test_default_theme_breaks_the_layout_of_no_client(tmp_project):
    result = invoke("issues/example.yaml", "--clients", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert "clients" in data["checks"]
    assert set(data["stats"]["clients"]) == set(CLIENTS)
    assert all(counts["layout"] == 0 for counts in data["stats"]["clients"].values())
    assert not [f for f in data["findings"] if f["code"] == "client-layout"]
    # but what they lack is listed: rounded corners are lost in Outlook for Windows
    assert any(f["code"] == "client-unsupported" and "Outlook for Windows: border-radius" in f["message"]
               for f in data["findings"])


def test_a_template_relying_on_float_and_div_padding_breaks_outlook(tmp_project, template, news):
    template(replace=dict([BROKEN_ITEM]))
    result = invoke("issues/example.yaml", "--clients")
    assert result.exit_code == 0  # warnings: the email still arrives
    out = " ".join(result.output.split())
    assert "Outlook for Windows" in out and "breaking the layout" in out
    assert "Outlook for Windows: float not supported, used 21× (float:right on <div>); the layout depends on it" in out
    assert "Outlook for Windows: padding not supported" in out
    assert "Apple Mail (macOS)" in out and "Apple Mail (macOS): float" not in out
    data = json.loads(invoke("issues/example.yaml", "--clients", "--json").stdout)
    assert data["stats"]["clients"]["outlook-windows"]["layout"] == 2
    assert data["stats"]["clients"]["apple-mail-macos"]["layout"] == 0


def test_outlook_view_switches_on_mso_blocks_and_strips_what_outlook_ignores():
    html = ('<!DOCTYPE html><html><head><style>.a{color:red}@media (max-width:480px){.a{padding:0 !important}}</style>'
            '</head><body><!--[if mso | IE]><table class="ghost"><tr><td><![endif]-->'
            '<div style="padding:8px;color:#111">x</div><table><tr><td style="padding:8px;border-radius:4px">y</td></tr>'
            '</table><!--[if !mso]><!--><p class="not-in-outlook">z</p><!--<![endif]--></body></html>')
    view = outlook_view(html)
    assert '<table class="ghost">' in view and "not-in-outlook" not in view
    assert '<div style="color:#111">' in view and '<td style="padding:8px">' in view
    assert "@media" not in view and ".a{color:red}" in view
