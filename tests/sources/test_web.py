"""The bounded GET of sources on the web: redirects up to the limit, answers of any status, the size limit."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest

from bulletin.errors import SourceError
from bulletin.sources import web


@pytest.fixture
def hops() -> Iterator[str]:
    """/hop/N redirects to /hop/N-1; /hop/0 answers 'arrived'; /missing is a 404 with a body."""

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            if self.path.startswith("/hop/") and self.path != "/hop/0":
                self.send_response(302)
                self.send_header("Location", f"/hop/{int(self.path.rsplit('/', 1)[1]) - 1}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            status, body = (200, b"arrived") if self.path == "/hop/0" else (404, b"gone")
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_five_redirects_are_followed(hops):
    answer = web.get(f"{hops}/hop/5")

    assert (answer.status, answer.body, answer.url) == (200, b"arrived", f"{hops}/hop/0")


def test_a_sixth_redirect_is_an_error_naming_the_first_address(hops):
    with pytest.raises(SourceError) as info:
        web.get(f"{hops}/hop/6")

    assert str(info.value) == f"{hops}/hop/6: more than 5 redirects (the site sends it on and on, or in a loop)"


def test_an_error_status_is_an_answer_for_the_caller_to_read(hops):
    answer = web.get(f"{hops}/missing")

    assert (answer.status, answer.body, answer.content_type) == (404, b"gone", "text/plain")


def test_a_body_just_over_the_limit_is_refused(hops):
    assert web.get(f"{hops}/hop/0", max_bytes=7).body == b"arrived"
    with pytest.raises(SourceError, match="the answer is larger than 6 bytes"):
        web.get(f"{hops}/hop/0", max_bytes=6)
