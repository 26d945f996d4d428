"""The inline stage, with both engines: every property email clients depend on."""

from __future__ import annotations

import http.server
import logging
import re
import threading

import pytest
from lxml import html as lxml_html

from bulletin.errors import RenderError
from bulletin.render.inline import inline
from bulletin.render.mjml import compile_mjml

ENGINES = ["premailer", "css-inline"]

SOURCE = """<mjml lang="de">
<mj-head>
<mj-title>T</mj-title>
<mj-style>
.box{color:#1f2937;padding:4px}
.used{font-weight:bold}
a:hover{color:#000000}
@media only screen and (max-width:480px){.used{font-size:20px !important}}
</mj-style>
</mj-head>
<mj-body>
<mj-section><mj-column><mj-text css-class="used">
<p class="box">Dear *|NAME|*, <a href="https://e.org/?e=*|EMAIL|*">profile</a></p>
<p><a href="<%asm_group_unsubscribe_raw_url%>">Unsubscribe</a> <%asm_preferences_raw_url%></p>
<p>Fish &amp; chips &lt;b&gt; “quotes” é</p>
</mj-text></mj-column></mj-section>
<mj-raw><!--[if mso]><table role="presentation"><tr><td>Outlook only</td></tr></table><![endif]--></mj-raw>
</mj-body>
</mjml>
"""


@pytest.fixture(scope="module")
def compiled() -> str:
    return compile_mjml(SOURCE)


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    return request.param


@pytest.fixture
def out(compiled, engine) -> str:
    return inline(compiled, engine)


def styles(html: str) -> str:
    return "\n".join(re.findall(r"<style[^>]*>(.*?)</style>", html, re.DOTALL))


def test_doctype_is_kept(out):
    assert out.startswith("<!DOCTYPE html>\n<html")
    assert out.count("<!DOCTYPE") + out.count("<!doctype") == 1


@pytest.mark.parametrize("engine_name", ENGINES)
def test_doctype_is_added_when_missing(engine_name):
    assert inline("<html><body><p>x</p></body></html>", engine_name).startswith("<!DOCTYPE html>")


def test_media_rules_stay_in_a_style_block_with_important(out):
    css = styles(out)
    assert "@media only screen and (max-width" in css
    assert re.search(r"\.used\s*\{\s*font-size:\s*20px\s*!important", css)
    assert re.search(r"\.mj-column-per-100\s*\{\s*width:\s*100%\s*!important", css)


def test_thunderbird_media_style_block_survives(compiled, out):
    block = re.search(r'<style media="[^"]*">.*?</style>', compiled, re.DOTALL).group(0)
    squeeze = lambda text: re.sub(r"\s+", "", text)  # noqa: E731
    assert squeeze(block) in squeeze(out)


def test_styles_are_inlined(out):
    doc = lxml_html.fromstring(out)
    box = doc.xpath("//p[contains(., 'Dear')]")[0]
    assert "color:#1f2937" in box.get("style").replace(" ", "")
    assert "padding:4px" in box.get("style").replace(" ", "")
    body_style = doc.xpath("//body")[0].get("style").replace(" ", "")
    assert "margin:0" in body_style  # MRML's own reset, inlined too


def test_classes_used_by_kept_rules_stay_others_go(out):
    doc = lxml_html.fromstring(out)
    assert doc.xpath("//td[@class='used']")
    assert not doc.xpath("//*[contains(@class, 'box')]")
    assert doc.xpath("//*[contains(@class, 'mj-column-per-100')]")


def test_sendgrid_tags_survive_unescaped(out):
    assert '<a href="<%asm_group_unsubscribe_raw_url%>"' in out
    assert "<%asm_preferences_raw_url%>" in out
    assert "%3C%" not in out and "&lt;%" not in out


def test_merge_tags_survive(out):
    assert "Dear *|NAME|*," in out
    assert 'href="https://e.org/?e=*|EMAIL|*"' in out


def test_text_escaping_and_characters_survive(out):
    assert "Fish &amp; chips &lt;b&gt; “quotes” é" in out


def test_mso_conditional_comments_survive(compiled, out):
    assert "<!--[if mso]><table role=\"presentation\"><tr><td>Outlook only</td></tr></table><![endif]-->" in out
    for marker in ("<!--[if mso | IE]>", "<!--[if !mso]><!-->", "<!--<![endif]-->", "<![endif]-->"):
        assert out.count(marker) == compiled.count(marker), marker
    assert "<o:PixelsPerInch>96</o:PixelsPerInch>" in out


def test_lang_attribute_kept(out):
    assert lxml_html.fromstring(out).get("lang") == "de"


def test_deterministic(compiled, engine):
    assert inline(compiled, engine) == inline(compiled, engine)


def test_cssutils_noise_is_silenced(compiled, capfd, caplog):
    noisy = compiled.replace("</style>", ".x{mso-line-height-rule:exactly;zoom:1;bogus}</style>", 1)
    with caplog.at_level(logging.DEBUG):
        inline(noisy, "premailer")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


@pytest.fixture
def css_server():
    """A loopback HTTP server recording every request: nothing should reach it."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"p{color:green}")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_no_network(engine, css_server):
    base, hits = css_server
    page = (
        f'<!DOCTYPE html><html><head><link rel="stylesheet" href="{base}/link.css">'
        f"<style>@import url({base}/import.css); p{{color:red}}</style></head>"
        f'<body><p>x</p><img src="{base}/img.png" alt="x"></body></html>'
    )
    out = inline(page, engine)
    assert hits == []
    assert 'style="color:red"' in out


def test_unknown_engine():
    with pytest.raises(RenderError, match="unknown inliner 'juice'"):
        inline("<html></html>", "juice")  # type: ignore[arg-type]


def test_missing_css_inline_is_a_render_error(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *args, **kwargs):
        if name == "css_inline":
            raise ImportError("no css_inline")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with pytest.raises(RenderError, match="pip install 'bulletin\\[fast\\]'"):
        inline("<html><body></body></html>", "css-inline")


def test_mjml_error_is_a_render_error():
    with pytest.raises(RenderError, match="^templates/x.mjml.j2: <b> is never closed: add </b> before </p>"):
        compile_mjml("<mjml><mj-body><p>unclosed <b>x</p></mj-body></mjml>", "templates/x.mjml.j2")
