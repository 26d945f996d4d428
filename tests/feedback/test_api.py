"""The suppression/statistics client: no redirects followed, a whole-request deadline, the key never in an error."""

from __future__ import annotations

import http.server
import socket
import threading
from pathlib import Path

import pytest

from bulletin.dispatch.retry import RetryPolicy
from bulletin.errors import DispatchError
from bulletin.feedback.api import SendGridAPI
from bulletin.feedback.sync import sync
from fakes.sendgrid_server import FakeSendGrid

from .test_sync import api


def test_a_redirect_is_not_followed(tmp_project: Path, fake_sendgrid: FakeSendGrid) -> None:
    from fakes.sendgrid_server import Reply

    fake_sendgrid.routes[("GET", "/v3/suppression/unsubscribes")] = lambda request: Reply(302, None, {"Location": "http://127.0.0.1:9/steal"})
    with pytest.raises(DispatchError, match="redirect") as error:
        sync(tmp_project, api=api(fake_sendgrid))
    assert fake_sendgrid.api_key not in str(error.value)


def test_a_server_that_never_answers_hits_the_deadline(tmp_project: Path) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(listener.accept()[0]), daemon=True).start()
    client = SendGridAPI("SG.secret-key", base_url=f"http://127.0.0.1:{listener.getsockname()[1]}", deadline=0.3,
                         retry=RetryPolicy(attempts=1))
    try:
        with pytest.raises(DispatchError, match="timed out") as error:
            client.get("/suppression/bounces")
        assert "SG.secret-key" not in str(error.value)
    finally:
        listener.close()
        for sock in accepted:
            sock.close()


def test_a_dribbling_server_cannot_stretch_the_deadline(tmp_project: Path) -> None:
    class Slow(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            self.send_response(200)
            self.send_header("Content-Length", "100000")
            self.end_headers()
            try:
                for _ in range(100000):
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    threading.Event().wait(0.01)
            except OSError:
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Slow)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = SendGridAPI("SG.k", base_url=f"http://127.0.0.1:{server.server_address[1]}", deadline=0.5, retry=RetryPolicy(attempts=1))
    try:
        with pytest.raises(DispatchError, match="timed out"):
            client.get("/suppression/bounces")
    finally:
        server.shutdown()
        server.server_close()
