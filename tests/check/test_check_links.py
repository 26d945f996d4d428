"""Link check against a loopback server: 200, redirect, 404, 500, slow, HEAD refused; cached for a day."""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import pytest

from bulletin.build import prepare
from bulletin.check import run_checks
from bulletin.check.links import HttpProbe
from bulletin.site import publish

T0 = dt.datetime(2022, 6, 1, 9, 0, tzinfo=dt.UTC)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    requests: list[tuple[str, str]]
    lock: threading.Lock
    release: threading.Event


class Handler(BaseHTTPRequestHandler):
    server: Server

    def _answer(self) -> None:
        path = urlsplit(self.path).path
        with self.server.lock:
            self.server.requests.append((self.command, path))
        if path == "/slow":
            self.server.release.wait(5)  # longer than the probe's timeout; released at teardown
        if path == "/drip":  # headers one every 0.2 s: each read is quick, the answer never ends
            self.wfile.write(b"HTTP/1.1 200 OK\r\n")
            try:
                for n in range(300):
                    if self.server.release.wait(0.2):
                        break
                    self.wfile.write(f"X-Drip-{n}: x\r\n".encode())
                    self.wfile.flush()
            except OSError:
                self.server.requests.append(("DRIP", "client left"))
            self.close_connection = True
            return
        if path in ("/moved", "/gone"):
            self.send_response(301)
            self.send_header("Location", "/ok" if path == "/moved" else "/missing")
        elif path == "/nohead" and self.command == "HEAD":
            self.send_response(405)
        else:
            self.send_response({"/ok": 200, "/slow": 200, "/nohead": 200, "/error": 500}.get(path, 404))
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_HEAD = do_GET = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[Server]:
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.requests, httpd.lock, httpd.release = [], threading.Lock(), threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def link_issue(tmp_project, news, template, server):
    """An issue (minimal template: no other URLs) whose items point at the loopback server."""
    base = f"http://127.0.0.1:{server.server_address[1]}"
    template()
    news("ok.md", title="Fine page", url=f"{base}/ok")
    news("moved.md", title="Moved page", url=f"{base}/moved")
    news("missing.md", title="Gone page", url=f"{base}/missing")
    news("error.md", title="Broken server", url=f"{base}/error", summary=f"See also [the ok page]({base}/ok).")
    news("slow.md", title="Slow page", url=f"{base}/slow")
    news("nohead.md", title="No HEAD", url=f"{base}/nohead", summary=f"Details in [the annex]({base}/missing-annex).")
    return base


def run(**kwargs):
    kwargs.setdefault("fetch", HttpProbe(timeout=1.5))  # /slow never answers in time; the others answer at once, even on a loaded machine
    kwargs.setdefault("clock", lambda: T0)
    return run_checks(prepare("issues/check.yaml"), links=True, **kwargs)


def by_code(report, code):
    return sorted((f for f in report.findings if f.code == code), key=lambda f: f.where)


def test_broken_links_are_errors_naming_their_items(link_issue, server):
    report = run()
    broken = by_code(report, "broken-link")
    assert [(f.where, f.message.split(" ", 3)[2]) for f in broken] == [
        ("news/error.md:1", f"{link_issue}/error?utm_source=bulletin&utm_medium=email&utm_campaign=check:"),
        ("news/missing.md:1", f"{link_issue}/missing?utm_source=bulletin&utm_medium=email&utm_campaign=check:"),
        ("news/nohead.md:1", f"{link_issue}/missing-annex?utm_source=bulletin&utm_medium=email&utm_campaign=check:"),
        ("news/slow.md:1", f"{link_issue}/slow?utm_source=bulletin&utm_medium=email&utm_campaign=check:"),
    ]
    assert broken[0].message.endswith("500 Internal Server Error")
    assert broken[1].message.endswith("404 Not Found")
    assert broken[3].message.endswith("no answer within 1.5 s")
    assert not report.ok


def test_redirect_is_a_warning_with_the_final_url(link_issue):
    [finding] = by_code(run(), "redirect")
    assert finding.severity == "warning" and finding.where == "news/moved.md:1"
    assert finding.message.endswith(f"redirects to {link_issue}/ok: link to the final address")


def test_redirect_to_a_missing_page_is_broken_and_says_where_it_went(tmp_project, news, template, server):
    base = f"http://127.0.0.1:{server.server_address[1]}"
    template()
    news("gone.md", title="Gone", url=f"{base}/gone")
    [finding] = by_code(run(), "broken-link")
    assert finding.where == "news/gone.md:1"
    assert finding.message.endswith(f"404 Not Found (it redirects to {base}/missing)")


def test_items_whose_urls_differ_only_in_the_query_are_told_apart(tmp_project, news, template, server):
    base = f"http://127.0.0.1:{server.server_address[1]}"
    template()
    news("a.md", title="Article 5", url=f"{base}/missing?id=5")
    news("b.md", title="Article 6", url=f"{base}/missing?id=6")
    found = by_code(run(), "broken-link")
    assert [(f.where, "id=5" in f.message) for f in found] == [("news/a.md:1", True), ("news/b.md:1", False)]


def test_a_non_ascii_address_is_not_a_redirect(server):
    base = f"http://127.0.0.1:{server.server_address[1]}"
    status = HttpProbe(timeout=2)(f"{base}/ok?q=Straße")
    assert status.ok and status.final_url == f"{base}/ok?q=Straße"
    assert ("HEAD", "/ok") in server.requests


def test_a_trickling_answer_ends_at_the_deadline(server):
    base = f"http://127.0.0.1:{server.server_address[1]}"
    status = HttpProbe(timeout=1)(f"{base}/drip")
    assert (status.status, status.error) == (None, "no answer within 1 s")
    for _ in range(50):  # the server notices at its next line
        if ("DRIP", "client left") in server.requests:
            break
        server.release.wait(0.1)
    assert ("DRIP", "client left") in server.requests  # cut at the deadline, not when the server stopped


def test_a_non_ascii_host_name_goes_as_idna():
    from bulletin.check.links import _quote

    assert _quote("https://bücher.example/straße?q=ä") == "https://xn--bcher-kva.example/stra%C3%9Fe?q=%C3%A4"


def test_head_then_get_fallback_and_each_url_checked_once(link_issue, server):
    report = run()
    requests = sorted(server.requests)
    assert ("HEAD", "/nohead") in requests and ("GET", "/nohead") in requests
    # the item url and the same url in a summary (identical once UTM is added) once, the redirect target once
    assert requests.count(("HEAD", "/ok")) == 2
    assert report.stats["links"] == {"urls": 7, "checked": 7, "cached": 0, "broken": 4}
    assert all(method == "HEAD" for method, path in requests if path != "/nohead")


def test_good_results_are_cached_for_a_day_broken_ones_are_not(link_issue, server, tmp_project):
    run()
    cache = json.loads((tmp_project / ".bulletin" / "linkcheck.json").read_text())
    assert len(cache["links"]) == 3  # ok, moved (its final status is 200), nohead (200 on GET)
    server.requests.clear()
    report = run(clock=lambda: T0 + dt.timedelta(hours=23))
    assert sorted(path for _, path in server.requests) == ["/error", "/missing", "/missing-annex", "/slow"]
    assert by_code(report, "redirect"), "a cached redirect is still reported"
    assert report.stats["links"]["cached"] == 3
    server.requests.clear()
    run(clock=lambda: T0 + dt.timedelta(hours=25))
    assert ("HEAD", "/ok") in server.requests


def test_view_in_browser_page_not_online_is_only_a_warning(tmp_project, news, template, server, write):
    base = f"http://127.0.0.1:{server.server_address[1]}"
    text = (tmp_project / "bulletin.yaml").read_text()
    write("bulletin.yaml", text.replace('web_url: "https://example.org/bulletin/{slug}/"', f'web_url: "{base}/missing/{{slug}}/"'))
    template(footer='<a href="{{ view_in_browser_url }}">View in browser</a> <a href="{{ unsubscribe_url }}">Unsubscribe</a>')
    news("ok.md", url=f"{base}/ok")
    report = run()
    [finding] = by_code(report, "web-copy")
    assert finding.severity == "warning" and report.ok
    assert finding.message == (
        f"the 'View in browser' page {base}/missing/check/ does not answer (404 Not Found): publish it "
        "(bulletin publish issues/check.yaml) and upload the folder site/ to the website before sending"
    )


def test_a_published_web_edition_that_does_not_answer_was_not_uploaded(tmp_project, news, template, server, write):
    base = f"http://127.0.0.1:{server.server_address[1]}"
    text = (tmp_project / "bulletin.yaml").read_text()
    write("bulletin.yaml", text.replace('web_url: "https://example.org/bulletin/{slug}/"', f'web_url: "{base}/missing/{{slug}}/"'))
    news("ok.md", url=f"{base}/ok")
    publish("issues/check.yaml")
    [finding] = by_code(run(), "web-copy")
    assert finding.message == (
        f"the 'View in browser' page {base}/missing/check/ does not answer (404 Not Found): the web edition is in "
        "site/check/: upload the folder site/ to the website before sending"
    )


def test_progress_is_reported(link_issue):
    seen = []
    run(progress=lambda done, total: seen.append((done, total)))
    assert seen[0] == (0, 7) and seen[-1] == (7, 7)


def test_links_are_checked_concurrently(link_issue):
    # three fetches must be in progress at the same time, or the barrier breaks
    barrier = threading.Barrier(3, timeout=5)
    probe = HttpProbe(timeout=0.5)
    broken, calls, lock = [], [], threading.Lock()

    def fetch(url):
        with lock:
            calls.append(url)
            first = len(calls) <= 3
        try:
            if first:
                barrier.wait()
        except threading.BrokenBarrierError:
            broken.append(url)
        return probe(url)

    run(fetch=fetch)
    assert broken == []
