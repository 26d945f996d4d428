"""Fixtures for source tests: a project folder and a loopback HTTP server for feeds."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """Write a file under the project root (tmp_path); text is written as-is, bytes too."""

    def write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_bytes(content.encode("utf-8"))
        return path

    return write


class FeedServer:
    """Serves ``routes`` (path -> (status, content type, body[, headers])) on 127.0.0.1; records request headers."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple] = {}
        self.requests: list[dict[str, str]] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.requests.append(dict(self.headers))
                status, kind, body, *extra = server.routes.get(self.path, (404, "text/plain", b"not found"))
                self.send_response(status)
                self.send_header("Content-Type", kind)
                for name, value in (extra[0] if extra else {}).items():  # e.g. Location, Content-Encoding
                    self.send_header(name, value)
                if callable(body):  # writes the body itself (slowly): Content-Length is in the extra headers
                    self.end_headers()
                    body(self.wfile)
                    return
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass  # keep test output clean

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        # a short poll interval so that shutdown() returns quickly
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    """A real HTTP server on a free loopback port, for the default fetcher."""
    server = FeedServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.httpd.shutdown()
        server.httpd.server_close()
        server.thread.join(timeout=5)
