"""The compose actions over HTTP, without a browser: what they write, and every write that must be refused."""

from __future__ import annotations

import http.client
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bulletin.preview import Preview
from bulletin.preview.actions import STALE
from bulletin.preview.server import TOKEN_HEADER

ISSUE = "issues/example.yaml"
INDUSTRY = "content/2021-06-10-industrial-strategy.md"
WORKSHOP = "content/2021-05-11-workshop.md"


def request(preview: Preview, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None):
    """(status, body) of one request, headers exactly as given (no Host/Origin added unless named)."""
    parts = urlsplit(preview.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for name, value in (headers or {}).items():
            connection.putheader(name, value)
        if body is not None:
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def page_headers(preview: Preview, **override: str) -> dict[str, str]:
    """The headers the preview page's own fetch sends."""
    host = urlsplit(preview.url).netloc
    headers = {"Host": host, "Origin": f"http://{host}", "Content-Type": "application/json", TOKEN_HEADER: preview.token or ""}
    headers.update(override)
    return {k: v for k, v in headers.items() if v != ""}


def revision(preview: Preview) -> str:
    code, body = request(preview, "GET", "/status.json", headers={"Host": urlsplit(preview.url).netloc})
    assert code == 200
    return json.loads(body)["revision"]


def post(preview: Preview, payload: dict, **headers: str):
    body = json.dumps({"base": revision(preview), **payload}).encode()
    code, answer = request(preview, "POST", "/compose", body, page_headers(preview, **headers))
    return code, answer


@pytest.fixture
def files(tmp_project: Path) -> dict[Path, bytes]:
    """Every file of the project as it was, to prove a refused write changed nothing."""
    return {path: path.read_bytes() for path in tmp_project.rglob("*") if path.is_file()}


def unchanged(files: dict[Path, bytes], root: Path) -> bool:
    now = {path: path.read_bytes() for path in root.rglob("*") if path.is_file()}
    return now == files


def test_the_page_carries_the_token_and_no_url_or_cookie_does(still_preview: Preview) -> None:
    host = urlsplit(still_preview.url).netloc
    code, body = request(still_preview, "GET", "/", headers={"Host": host})
    assert code == 200 and still_preview.token and len(still_preview.token) >= 32
    assert f'<meta name="bulletin-token" content="{still_preview.token}">'.encode() in body
    for path in ("/status.json", "/email.html", "/static/preview.js"):
        assert still_preview.token.encode() not in request(still_preview, "GET", path, headers={"Host": host})[1]


def test_pin_writes_the_issue_file_and_the_next_status_shows_it(still_preview: Preview, tmp_project: Path) -> None:
    issue = tmp_project / ISSUE
    before = issue.read_text(encoding="utf-8")
    code, body = post(still_preview, {"action": "pin", "item": INDUSTRY})
    assert code == 200, body
    assert json.loads(body)["ok"] is True
    assert issue.read_text(encoding="utf-8") == before.replace(
        "pin: [https://example.org/news/annual-report]", f"pin: [https://example.org/news/annual-report, {INDUSTRY}]"
    )
    status = json.loads(request(still_preview, "GET", "/status.json", headers={"Host": urlsplit(still_preview.url).netloc})[1])
    papers = next(s for s in status["sections"] if s["title"] == "Position papers")
    assert papers["items"][0]["name"] == INDUSTRY and papers["items"][0]["pinned"] is True
    assert status["undo"] == "Pin 'EU Industrial Strategy Update: our reaction & lessons'"


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({TOKEN_HEADER: ""}, id="no token"),
        pytest.param({TOKEN_HEADER: "x" * 43}, id="wrong token"),
        pytest.param({"Origin": "http://evil.example"}, id="another origin"),
        pytest.param({"Origin": ""}, id="no origin"),
        pytest.param({"Origin": "null"}, id="sandboxed origin"),
        pytest.param({"Content-Type": "application/x-www-form-urlencoded"}, id="form"),
        pytest.param({"Content-Type": "text/plain"}, id="text/plain (a no-cors fetch)"),
        pytest.param({"Host": "evil.example"}, id="dns rebinding"),
        pytest.param({"Sec-Fetch-Site": "cross-site"}, id="cross-site fetch"),
    ],
)
def test_a_write_not_from_the_page_is_403_and_changes_nothing(
    still_preview: Preview, tmp_project: Path, files: dict[Path, bytes], change: dict[str, str],
) -> None:
    code, body = post(still_preview, {"action": "exclude", "item": INDUSTRY}, **change)
    assert code == 403, body
    assert unchanged(files, tmp_project)


def test_a_get_or_another_path_cannot_write(still_preview: Preview, tmp_project: Path, files: dict[Path, bytes]) -> None:
    host = urlsplit(still_preview.url).netloc
    assert request(still_preview, "GET", f"/compose?action=exclude&item={INDUSTRY}", headers={"Host": host})[0] == 403
    body = json.dumps({"action": "exclude", "item": INDUSTRY, "base": revision(still_preview)}).encode()
    assert request(still_preview, "POST", "/status.json", body, page_headers(still_preview))[0] == 403
    for method in ("PUT", "PATCH", "DELETE"):
        assert request(still_preview, method, "/compose", body, page_headers(still_preview))[0] == 403
    assert unchanged(files, tmp_project)


@pytest.mark.parametrize(
    "payload",
    [
        pytest.param({"action": "exclude", "item": INDUSTRY, "issue": "bulletin.yaml"}, id="another issue"),
        pytest.param({"action": "exclude", "item": INDUSTRY, "file": "../bulletin.yaml"}, id="a file key"),
        pytest.param({"action": "intro", "value": "x", "path": "/etc/passwd"}, id="a path key"),
        pytest.param({"action": "write", "item": "bulletin.yaml"}, id="unknown action"),
    ],
)
def test_a_write_naming_another_file_is_403_and_changes_nothing(
    still_preview: Preview, tmp_project: Path, files: dict[Path, bytes], payload: dict,
) -> None:
    code, body = post(still_preview, payload)
    assert code == 403, body
    assert unchanged(files, tmp_project)


def test_an_item_that_is_no_item_is_refused(still_preview: Preview, tmp_project: Path, files: dict[Path, bytes]) -> None:
    code, body = post(still_preview, {"action": "exclude", "item": "../bulletin.yaml"})
    assert code == 409 and "no item '../bulletin.yaml'" in json.loads(body)["error"]
    assert unchanged(files, tmp_project)


def test_read_only_serves_no_token_and_refuses_every_write(tmp_project: Path, files: dict[Path, bytes]) -> None:
    with Preview(ISSUE, port=0, watch=False, read_only=True) as preview:
        host = urlsplit(preview.url).netloc
        page = request(preview, "GET", "/", headers={"Host": host})[1]
        assert b'<meta name="bulletin-token" content="">' in page
        status = json.loads(request(preview, "GET", "/status.json", headers={"Host": host})[1])
        assert status["compose"] is False
        for token in ("", "anything"):
            code, _ = post(preview, {"action": "exclude", "item": INDUSTRY}, **{TOKEN_HEADER: token})
            assert code == 403
    assert unchanged(files, tmp_project)


def test_a_stale_page_is_refused(still_preview: Preview, tmp_project: Path) -> None:
    issue = tmp_project / ISSUE
    base = revision(still_preview)
    edited = issue.read_text(encoding="utf-8").replace("order: newest", "order: oldest  # changed in the editor")
    issue.write_text(edited, encoding="utf-8")
    body = json.dumps({"action": "exclude", "item": INDUSTRY, "base": base}).encode()
    code, answer = request(still_preview, "POST", "/compose", body, page_headers(still_preview))
    assert code == 409 and json.loads(answer) == {"ok": False, "error": STALE, "stale": True}
    assert issue.read_text(encoding="utf-8") == edited


def test_an_invalid_action_is_refused_with_the_builds_message(still_preview: Preview, tmp_project: Path) -> None:
    item = tmp_project / WORKSHOP
    item.write_text(item.read_text(encoding="utf-8").replace("---\n", "---\ndraft: true\n", 1), encoding="utf-8")
    still_preview.rebuild()
    before = (tmp_project / ISSUE).read_text(encoding="utf-8")
    code, body = post(still_preview, {"action": "include", "item": WORKSHOP})
    error = json.loads(body)["error"]
    assert code == 422
    assert "issues/example.yaml asks for items that are not in the issue (1 problem):" in error
    assert f"'{WORKSHOP}' is a draft (draft: true in its file): publish it, or remove it from include" in error
    assert (tmp_project / ISSUE).read_text(encoding="utf-8") == before


def test_undo_restores_the_file_byte_for_byte(still_preview: Preview, tmp_project: Path) -> None:
    issue = tmp_project / ISSUE
    before = issue.read_bytes()
    assert post(still_preview, {"action": "exclude", "item": INDUSTRY})[0] == 200
    assert post(still_preview, {"action": "subject", "value": "Spring: news"})[0] == 200
    assert b'subject: "Spring: news"' in issue.read_bytes()
    assert post(still_preview, {"action": "undo"})[0] == 200
    assert post(still_preview, {"action": "undo"})[0] == 200
    assert issue.read_bytes() == before
    code, body = post(still_preview, {"action": "undo"})
    assert code == 422 and json.loads(body)["error"] == "Nothing to undo."


def test_publish_removes_draft_from_the_items_own_file_and_undo_puts_it_back(still_preview: Preview, tmp_project: Path) -> None:
    item = tmp_project / INDUSTRY
    published = item.read_bytes()
    item.write_bytes(published.replace(b"---\n", b"---\ndraft: true   # not yet\n", 1))
    draft = item.read_bytes()
    issue = (tmp_project / ISSUE).read_bytes()
    still_preview.rebuild()
    code, body = post(still_preview, {"action": "publish", "item": INDUSTRY})
    assert code == 200, body
    assert item.read_bytes() == published and (tmp_project / ISSUE).read_bytes() == issue
    status = json.loads(request(still_preview, "GET", "/status.json", headers={"Host": urlsplit(still_preview.url).netloc})[1])
    assert INDUSTRY in [i["name"] for s in status["sections"] for i in s["items"]]
    assert post(still_preview, {"action": "undo"})[0] == 200
    assert item.read_bytes() == draft


def test_publish_touches_only_a_draft_items_file(still_preview: Preview, tmp_project: Path, files: dict[Path, bytes]) -> None:
    for name in (INDUSTRY, "https://example.org/news/industrial-strategy", "../bulletin.yaml", "bulletin.yaml"):
        code, _ = post(still_preview, {"action": "publish", "item": name})
        assert code in (409, 422)
    assert unchanged(files, tmp_project)
