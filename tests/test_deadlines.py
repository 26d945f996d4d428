"""bulletin.deadlines: one watcher thread cuts a request off at its deadline; ``meanwhile`` work runs once the request is
written, before its answer is read."""

from __future__ import annotations

import http.server
import threading
import time
import urllib.request
from collections.abc import Iterator

import pytest

from bulletin import web


@pytest.fixture
def server() -> Iterator[tuple[str, list[str], threading.Event]]:
    """A loopback server: /slow answers once ``answer`` is set (or after 5 s); every path is logged when its body is read."""
    log: list[str] = []
    answer = threading.Event()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            log.append(f"received {self.path}")
            if self.path == "/slow":
                answer.wait(5)
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", log, answer
    answer.set()
    httpd.shutdown()
    httpd.server_close()


def post(url: str) -> int:
    with web.opener(follow_redirects=False).open(urllib.request.Request(url, data=b"x" * 100_000, method="POST"), timeout=10) as response:
        return int(response.status)


def test_work_meanwhile_runs_once_the_request_is_written_before_its_answer(server) -> None:
    url, log, answer = server

    def work() -> None:
        deadline = time.monotonic() + 5
        while "received /slow" not in log and time.monotonic() < deadline:  # the server has the whole request ...
            time.sleep(0.01)
        log.append("meanwhile")
        answer.set()  # ... and answers only now: the work ran before the answer was read

    with web.deadline(10), web.meanwhile(work):
        assert post(f"{url}/slow") == 202
    assert log == ["received /slow", "meanwhile"]
    with web.meanwhile(lambda: log.append("again")):  # once per block, for its first request
        post(f"{url}/fast")
        post(f"{url}/fast")
    assert sorted(log[2:]) == ["again", "received /fast", "received /fast"] and log[-1] == "received /fast"  # during the first


def test_a_request_past_its_deadline_is_cut_off_by_the_one_watcher_thread(server) -> None:
    url, _, answer = server
    for _ in range(30):  # requests within their deadline: no thread per request
        with web.deadline(10):
            post(f"{url}/fast")
    watchers = [t for t in threading.enumerate() if t.name == "bulletin-deadlines"]
    assert len(watchers) == 1
    with pytest.raises(web.DeadlineExceeded), web.deadline(0.3):
        post(f"{url}/slow")  # the server holds its answer for 5 s, then answers 202: only the cut makes this an error
    answer.set()
