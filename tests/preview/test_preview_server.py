"""The preview server without a browser: routes, safety, byte-identical output, errors, personalisation."""

from __future__ import annotations

import http.client
import json
import socket
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from bulletin.build import build
from bulletin.errors import BulletinError
from bulletin.preview import Preview
from bulletin.preview.session import PreviewSession

ISSUE = "issues/example.yaml"



GOOD_TITLE = 'title: "EU Industrial Strategy Update: our reaction & lessons"'
ITEM = "content/2021-06-10-industrial-strategy.md"


def get(url: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    """GET ``path`` exactly as written (no URL normalisation), return (status, headers, body)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.putrequest("GET", path, skip_host=headers is not None and "Host" in headers)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def status(preview: Preview) -> dict:
    code, _, body = get(preview.url, "/status.json")
    assert code == 200
    return json.loads(body)


def test_binds_to_loopback_only(still_preview: Preview) -> None:
    assert still_preview.server is not None
    assert still_preview.server.server_address[0] == "127.0.0.1"
    assert still_preview.url.startswith("http://127.0.0.1:")


def test_email_html_and_text_are_byte_identical_to_bulletin_build(still_preview: Preview, tmp_project: Path) -> None:
    built = build(ISSUE)
    assert built.out_dir is not None
    for route, name, ctype in (("/email.html", "index.html", "text/html"), ("/email.txt", "index.txt", "text/plain")):
        code, headers, body = get(still_preview.url, route)
        assert code == 200
        assert headers["content-type"] == f"{ctype}; charset=utf-8"
        assert body == (built.out_dir / name).read_bytes()
    # the unpersonalised build keeps its merge tags for the sending service to fill
    assert b"*|FIRST_NAME|*" in get(still_preview.url, "/email.html")[2]


@pytest.mark.parametrize(
    "path",
    [
        "/../bulletin.yaml",
        "/static/../../x",
        "/static/../../bulletin.yaml",
        "/static/preview.js/../../bulletin.yaml",
        "/%2e%2e/bulletin.yaml",
        "/bulletin.yaml",
        "/issues/example.yaml",
        "/content/2021-06-10-industrial-strategy.md",
        "/static/",
        "/static/index.html/..",
        "//etc/passwd",
        "/subscribers.example.csv",
    ],
)
def test_only_known_routes_are_served(still_preview: Preview, path: str) -> None:
    code, _, body = get(still_preview.url, path)
    assert code == 404
    assert b"organisation" not in body and b"root:" not in body and b"@member-org" not in body


def test_page_and_assets_are_served_with_a_strict_policy(still_preview: Preview) -> None:
    code, headers, body = get(still_preview.url, "/")
    assert code == 200 and b'<iframe id="email"' in body
    assert "script-src 'self'" in headers["content-security-policy"]
    for asset, ctype in (("/static/preview.js", "text/javascript"), ("/static/preview.css", "text/css")):
        code, headers, body = get(still_preview.url, asset)
        assert code == 200 and headers["content-type"].startswith(ctype) and body


def test_page_script_never_inserts_data_as_html() -> None:
    script = (Path(__file__).resolve().parents[2] / "src/bulletin/preview/static/preview.js").read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "eval("):
        assert sink not in script


def test_requests_naming_another_host_are_refused(still_preview: Preview) -> None:
    # a web page using DNS rebinding reaches 127.0.0.1 under its own name
    code, _, body = get(still_preview.url, "/status.json", headers={"Host": f"evil.example:{urlsplit(still_preview.url).port}"})
    assert code == 403 and b"subject" not in body
    assert get(still_preview.url, "/status.json", headers={"Host": f"localhost:{urlsplit(still_preview.url).port}"})[0] == 200


def test_status_describes_the_issue(still_preview: Preview) -> None:
    data = status(still_preview)
    assert data["ok"] is True and data["error"] is None
    assert data["issue"]["subject"] == "Bulletin on EU Social Affairs #7 — January to June 2021"
    assert data["sender"] == {"name": "ESNF Bulletin", "email": "bulletin@example.org"}
    assert [s["title"] for s in data["sections"]] == ["Position papers", "Events", "Publications", "More news"]
    assert data["featured"]["url"] == "https://example.org/news/congress-2021"
    assert [lo["origin"].split(":")[0] for lo in data["left_out"] if lo["reason"] == "excluded"] == ["content/2021-05-11-workshop.md"]
    assert data["left_out_counts"]["outside period"] == len([lo for lo in data["left_out"] if lo["reason"] == "outside period"])
    assert data["sizes"]["gmail_clip_bytes"] == 102 * 1024
    assert data["sizes"]["html_bytes"] == len(get(still_preview.url, "/email.html")[2])
    assert data["merge_fields"] == {"first_name": "colleague"}


@pytest.mark.parametrize(
    ("who", "greeting"),
    [
        ("anna.keller@member-org.example", "Dear Anna Keller,"),
        ("ANNA.Keller@Member-Org.example", "Dear Anna Keller,"),  # addresses match case-insensitively
        ("piet.jansen@member-org.example", "Dear colleague,"),  # empty name: the fallback
        ("", "Dear colleague,"),  # nobody: every fallback
    ],
)
def test_as_fills_merge_tags_like_that_subscriber(still_preview: Preview, who: str, greeting: str) -> None:
    for route in ("/email.html", "/email.txt"):
        code, _, body = get(still_preview.url, f"{route}?as={who}")
        assert code == 200
        text = body.decode()
        assert greeting in text and "*|FIRST_NAME|*" not in text


def test_subscriber_values_are_escaped_in_html_but_not_in_text(tmp_project: Path) -> None:
    with (tmp_project / "subscribers.example.csv").open("a", encoding="utf-8") as handle:
        handle.write('mallory@member-org.example,"<b>Mal</b> & Co",members,subscribed,en,X\n')
    with Preview(ISSUE, port=0, watch=False) as preview:
        html = get(preview.url, "/email.html?as=mallory@member-org.example")[2].decode()
        text = get(preview.url, "/email.txt?as=mallory@member-org.example")[2].decode()
    assert "Dear &lt;b&gt;Mal&lt;/b&gt; &amp; Co," in html and "<b>Mal</b>" not in html
    assert "Dear <b>Mal</b> & Co," in text


def test_as_finds_a_subscriber_of_an_international_domain(tmp_project: Path) -> None:
    with (tmp_project / "subscribers.example.csv").open("a", encoding="utf-8") as handle:
        handle.write("jose@bücher.example,José,members,subscribed,es,Y\n")
    with Preview(ISSUE, port=0, watch=False) as preview:
        for who in ("jose@bücher.example", "jose@xn--bcher-kva.example"):  # as typed, or in its ASCII form
            code, _, body = get(preview.url, f"/email.txt?as={quote(who)}")
            assert code == 200 and "Dear José," in body.decode()


@pytest.mark.parametrize("who", ["nobody@example.org", "old.member@member-org.example", "bounced@member-org.example"])
def test_as_an_unknown_or_unsubscribed_address_is_a_clear_404(still_preview: Preview, who: str) -> None:
    code, _, body = get(still_preview.url, f"/email.html?as={who}")
    assert code == 404
    assert body.decode().startswith(f"subscribers.example.csv: '{who}' is not one of the 6 subscribed addresses")


def test_as_unknown_address_at_start_is_an_error(tmp_project: Path) -> None:
    with pytest.raises(BulletinError, match=r"subscribers.example.csv: 'who@example.org' is not one of"):
        Preview(ISSUE, as_email="who@example.org").start()


def test_subscribers_json_lists_subscribed_addresses(still_preview: Preview) -> None:
    data = json.loads(get(still_preview.url, "/subscribers.json")[2])
    assert data["file"] == "subscribers.example.csv" and data["error"] is None
    assert data["emails"][0] == "anna.keller@member-org.example"
    assert data["total"] == len(data["emails"]) == 6


def test_api_key_appears_in_no_answer(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = "SG.preview-test-key.ZmFrZS1zZWNyZXQtdmFsdWU"
    monkeypatch.setenv("SENDGRID_API_KEY", secret)
    with Preview(ISSUE, port=0, watch=False, as_email="anna.keller@member-org.example") as preview:
        routes = ["/", "/static/preview.js", "/static/preview.css", "/email.html", "/email.txt", "/email.html?as=",
                  "/email.txt?as=anna.keller@member-org.example", "/status.json", "/subscribers.json", "/nope",
                  "/email.html?as=x@y.org"]
        for route in routes:
            assert secret.encode() not in get(preview.url, route)[2], route
        assert secret not in _first_event(preview.url)
        # nor when the build fails and the page shows the error
        (tmp_project / ISSUE).write_text("title: [\n", encoding="utf-8")
        preview.rebuild()
        assert status(preview)["ok"] is False
        for route in routes:
            assert secret.encode() not in get(preview.url, route)[2], route


def test_a_failing_rebuild_keeps_the_last_good_render_and_recovers(still_preview: Preview, tmp_project: Path) -> None:
    issue = tmp_project / ISSUE
    good = issue.read_text(encoding="utf-8")
    first_html = get(still_preview.url, "/email.html")[2]
    before = status(still_preview)

    issue.write_text(good.replace("order: newest", "order: [newest"), encoding="utf-8")
    still_preview.rebuild()
    broken = status(still_preview)
    assert broken["ok"] is False and broken["error_kind"] == "error"
    assert broken["error"].startswith("issues/example.yaml:12: YAML syntax error")
    assert broken["version"] > before["version"] and broken["build"] == before["build"]
    assert broken["issue"]["subject"] == before["issue"]["subject"]  # the last good build, still shown
    assert get(still_preview.url, "/email.html") == (200, get(still_preview.url, "/email.html")[1], first_html)

    issue.write_text(good.replace("order: newest", "ordr: newest"), encoding="utf-8")
    still_preview.rebuild()
    assert "issues/example.yaml:11: ordr: unknown key (did you mean 'order'?)" in status(still_preview)["error"]

    issue.write_text(good.replace("Bulletin on EU Social Affairs #7 —", "Bulletin #7 (fixed) —"), encoding="utf-8")
    still_preview.rebuild()
    fixed = status(still_preview)
    assert fixed["ok"] is True and fixed["error"] is None and fixed["build"] == before["build"] + 1
    assert fixed["issue"]["subject"].startswith("Bulletin #7 (fixed)")


def test_a_template_error_is_shown_with_its_file_and_line(still_preview: Preview, tmp_project: Path) -> None:
    theme = Path(__file__).resolve().parents[2] / "src/bulletin/themes/default"
    folder = tmp_project / "templates/default"
    folder.mkdir(parents=True)
    text = (theme / "email.txt.j2").read_text(encoding="utf-8")
    (folder / "email.txt.j2").write_text("{{ issue.title }}\n{{ no_such_name.x }}\n" + text, encoding="utf-8")
    still_preview.rebuild()
    data = status(still_preview)
    assert data["ok"] is False and "templates/default/email.txt.j2:2" in data["error"]


def test_an_unexpected_exception_is_shown_as_an_internal_error_and_the_server_keeps_serving(tmp_project: Path) -> None:
    from bulletin.build import prepare

    calls = {"n": 0}

    def flaky():
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("boom")
        return prepare(ISSUE)

    with Preview(ISSUE, port=0, watch=False, builder=flaky) as preview:
        preview.rebuild()
        data = status(preview)
        assert data["ok"] is False and data["error_kind"] == "internal"
        assert data["error"] == "Internal error: RuntimeError: boom"
        assert get(preview.url, "/email.html")[0] == 200
        preview.rebuild()
        assert status(preview)["ok"] is True


def test_a_broken_first_build_still_serves_the_error(tmp_project: Path) -> None:
    issue = tmp_project / ISSUE
    issue.write_text(issue.read_text(encoding="utf-8").replace("order: newest", "order: [newest"), encoding="utf-8")
    with Preview(ISSUE, port=0, watch=False) as preview:
        data = status(preview)
        assert data["ok"] is False and data["issue"] is None and "issues/example.yaml:12" in data["error"]
        code, _, body = get(preview.url, "/email.html")
        assert code == 503 and b"issues/example.yaml:12" in body


def test_missing_issue_file_is_a_clear_error(tmp_project: Path) -> None:
    with pytest.raises(BulletinError, match=r"issues/nope.yaml: no such issue file"):
        Preview("issues/nope.yaml").start()


def test_a_busy_port_moves_to_the_next_free_one(tmp_project: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with Preview(ISSUE, port=port, watch=False) as preview:
            assert urlsplit(preview.url).port != port
            assert preview.note == f"port {port} is busy; using {urlsplit(preview.url).port} instead"
            assert get(preview.url, "/status.json")[0] == 200


def test_session_bumps_the_version_only_when_something_changed(tmp_project: Path) -> None:
    from bulletin.build import prepare

    session = PreviewSession(lambda: prepare(ISSUE))
    first = session.rebuild()
    second = session.rebuild()
    assert first.changed and not second.changed
    assert session.version == 1 and session.build_id == 1


def _first_event(url: str) -> str:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", "/events")
        response = connection.getresponse()
        assert response.status == 200 and response.getheader("Content-Type").startswith("text/event-stream")
        return _read_event(response)
    finally:
        connection.close()


def _read_event(response: http.client.HTTPResponse) -> str:
    lines = []
    while True:
        line = response.fp.readline().decode()
        if line.startswith("event:") or lines:
            lines.append(line)
        if lines and line == "\n":
            return "".join(lines)


def test_events_stream_pushes_a_new_version_after_a_change(still_preview: Preview, tmp_project: Path) -> None:
    parts = urlsplit(still_preview.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request("GET", "/events")
        response = connection.getresponse()
        first = _read_event(response)
        assert first.startswith("event: version\ndata: ")
        version = json.loads(first.split("data: ")[1])["version"]
        item = tmp_project / ITEM
        item.write_text(item.read_text(encoding="utf-8").replace(GOOD_TITLE, 'title: "Pushed by SSE"'), encoding="utf-8")
        still_preview.rebuild()
        second = _read_event(response)
        assert json.loads(second.split("data: ")[1])["version"] == version + 1
    finally:
        connection.close()


def test_as_greets_by_first_name_when_the_subscribers_file_has_one(tmp_project: Path) -> None:
    (tmp_project / "subscribers.example.csv").write_text(
        "email,first_name,name\nzoe@x.example,Zoë,Zoë Müller\njean@x.example,,Jean Dupont\n", encoding="utf-8")
    with Preview(ISSUE, port=0, watch=False) as preview:
        for who, greeting in (("zoe@x.example", "Dear Zoë,"), ("jean@x.example", "Dear Jean Dupont,"), ("", "Dear colleague,")):
            for route in ("/email.html", "/email.txt"):
                code, _, body = get(preview.url, f"{route}?as={quote(who)}")
                assert code == 200 and greeting in body.decode()
