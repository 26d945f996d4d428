"""The preview's HTTP server: loopback only, a fixed set of routes, the page's assets, and an SSE stream."""

from __future__ import annotations

import errno
import hmac
import json
import threading
from functools import cache
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from ..errors import AudienceError, BulletinError, Option, Phrase
from ..languages import match
from ..render.context import fill_merge_tags
from .actions import ACTIONS, Composer, Refused
from .personal import edition_for, find_subscriber, merge_values, picker_emails
from .session import PreviewSession

HOST = "127.0.0.1"
#: How many ports after the asked one are tried when it is busy.
PORT_TRIES = 20
#: Seconds between SSE keep-alive comments; also how soon a closed tab's thread notices.
KEEPALIVE = 10.0

STATIC_DIR = Path(__file__).resolve().parent / "static"
# The only files served from disk, by exact URL: nothing in a URL ever becomes a filesystem path.
STATIC = {
    "/": ("index.html", "text/html; charset=utf-8"),
    "/static/preview.css": ("preview.css", "text/css; charset=utf-8"),
    "/static/preview.js": ("preview.js", "text/javascript; charset=utf-8"),
}
_SHELL_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; frame-src 'self'; "
    "img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
_ALLOWED_HOSTS = {HOST, "localhost"}
#: The one address that writes (the compose actions), by POST with a JSON body only.
COMPOSE_PATH = "/compose"
TOKEN_HEADER = "X-Bulletin-Token"
_TOKEN_SLOT = b'<meta name="bulletin-token" content="">'
#: The largest compose request read (an intro of a few pages fits many times over).
MAX_BODY = 256 * 1024


@cache
def _asset(name: str) -> bytes:
    return (STATIC_DIR / name).read_bytes()


class PreviewHTTPServer(ThreadingHTTPServer):
    """A ThreadingHTTPServer bound to 127.0.0.1 that knows its PreviewSession."""

    daemon_threads = True  # a page's open event stream must not keep the process alive

    def __init__(self, session: PreviewSession, port: int, composer: Composer | None = None, token: str | None = None) -> None:
        self.session = session
        self.composer = composer  # None: read-only, every write is refused
        self.token = token
        super().__init__((HOST, port), PreviewHandler)

    @property
    def url(self) -> str:
        """The page's address."""
        return f"http://{HOST}:{self.server_address[1]}/"


def bind(
    session: PreviewSession, port: int, *, composer: Composer | None = None, token: str | None = None,
) -> tuple[PreviewHTTPServer, str | None]:
    """Listen on ``port`` (0: any free one); if it is busy, on the next free one, and say so."""
    candidates = [0] if port == 0 else range(port, min(port + PORT_TRIES, 65536))
    for candidate in candidates:
        try:
            server = PreviewHTTPServer(session, candidate, composer, token)
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                continue
            raise BulletinError(f"cannot listen on {HOST}:{candidate}: {exc.strerror}") from None
        note = None if candidate == port else f"port {port} is busy; using {server.server_address[1]} instead"
        return server, note
    raise BulletinError(Phrase(
        f"ports {port} to {port + PORT_TRIES - 1} are all in use: pick another with ", (Option.PORT, "N"), ", or ",
        (Option.PORT, "0"), " for any free port"
    ))


def serve_in_thread(server: PreviewHTTPServer) -> threading.Thread:
    """Run ``server`` in a daemon thread and return the thread."""
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, name="bulletin-preview-http", daemon=True)
    thread.start()
    return thread


class PreviewHandler(BaseHTTPRequestHandler):
    """Routes: / and /static/* (page), /email.html, /email.txt, /status.json, /subscribers.json, /events."""

    server: PreviewHTTPServer
    server_version = "bulletin-preview"
    sys_version = ""

    def do_GET(self) -> None:
        """Answer a GET request."""
        self._route(head=False)

    def do_HEAD(self) -> None:
        """Answer a HEAD request."""
        self._route(head=True)

    def do_POST(self) -> None:
        """A compose action: only from the preview page itself (token, Origin, JSON), else 403 and nothing changes."""
        try:
            refusal = self._write_refusal()
            if refusal:
                self._send(HTTPStatus.FORBIDDEN, f"Forbidden: {refusal}\n".encode(), "text/plain; charset=utf-8", False)
                return
            request = self._compose_request()
            if isinstance(request, str):
                self._send(HTTPStatus.FORBIDDEN, f"Forbidden: {request}\n".encode(), "text/plain; charset=utf-8", False)
                return
            composer = self.server.composer
            assert composer is not None
            try:
                done = composer.apply(request)
            except Refused as exc:
                self._json({"ok": False, "error": str(exc), "stale": exc.status == HTTPStatus.CONFLICT}, False, exc.status)
                return
            self._json({"ok": True, "message": done.message}, False)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _refuse(self) -> None:
        self._send(HTTPStatus.FORBIDDEN, b"Forbidden: the preview writes only through POST /compose\n", "text/plain; charset=utf-8", False)

    do_PUT = do_PATCH = do_DELETE = _refuse

    def _write_refusal(self) -> str | None:
        """Why a write request is not from the preview page (None: it is)."""
        if urlsplit(self.path).path != COMPOSE_PATH:
            return "the preview writes only through " + COMPOSE_PATH
        if not self._host_ok() or self.headers.get("Host") is None:
            return "unknown Host"
        if self.server.composer is None or not self.server.token:
            return "this preview is read-only (--read-only)"
        # a page of another site may send a request here, but its browser names that site in Origin
        host = self.headers.get("Host", "")
        if self.headers.get("Origin") != f"http://{host}" or host.rsplit(":", 1)[-1] != str(self.server.server_address[1]):
            return "not from the preview page (Origin)"
        if self.headers.get("Sec-Fetch-Site", "same-origin") != "same-origin":
            return "not from the preview page (Sec-Fetch-Site)"
        # a form (or a no-CORS fetch) cannot send JSON: another site's page cannot make this request at all
        if self.headers.get_content_type() != "application/json":
            return "expected a JSON body (Content-Type: application/json)"
        if not hmac.compare_digest(self.headers.get(TOKEN_HEADER, "").encode(), self.server.token.encode()):
            return "missing or wrong token"
        return None

    def _compose_request(self) -> dict | str:
        """The request's JSON object, or why it is refused."""
        try:
            length = int(self.headers.get("Content-Length", ""))
        except ValueError:
            return "a Content-Length is required"
        if not 0 < length <= MAX_BODY:
            return f"a body of 1 to {MAX_BODY} bytes is required"
        try:
            request = json.loads(self.rfile.read(length).decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return "the body is not JSON"
        if not isinstance(request, dict) or request.get("action") not in ACTIONS:
            return f"unknown action (expected one of: {', '.join(ACTIONS)})"
        allowed = {"action", "base", "issue", *ACTIONS[request["action"]]}
        extra = sorted(set(request) - allowed)
        if extra:
            return f"unexpected {', '.join(extra)} (the preview writes only its own issue file)"
        result = self.server.session.result
        if "issue" in request and (result is None or request["issue"] != result.spec.path):
            return "the preview writes only the issue it shows"
        if not all(isinstance(request.get(key, ""), str) for key in allowed):
            return "every value must be text"
        return request

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: the terminal shows rebuilds and errors, not every request."""

    def _route(self, head: bool) -> None:
        if not self._host_ok():
            # a page from another site reaching us through DNS rebinding names itself in Host
            self._send(HTTPStatus.FORBIDDEN, b"Forbidden\n", "text/plain; charset=utf-8", head)
            return
        parts = urlsplit(self.path)
        query = parse_qs(parts.query, keep_blank_values=True)
        path = parts.path
        try:
            if path == COMPOSE_PATH:
                self._send(HTTPStatus.FORBIDDEN, b"Forbidden: writes are POST requests from the preview page\n", "text/plain; charset=utf-8", head)
            elif path in STATIC:
                name, ctype = STATIC[path]
                extra = {"Content-Security-Policy": _SHELL_CSP} if name.endswith(".html") else {}
                body = _asset(name)
                if name == "index.html" and self.server.token:
                    # the page, and only the page, learns the token: another site can send us requests but cannot read answers
                    body = body.replace(_TOKEN_SLOT, _TOKEN_SLOT.replace(b'""', f'"{self.server.token}"'.encode()))
                self._send(HTTPStatus.OK, body, ctype, head, extra)
            elif path in ("/email.html", "/email.txt"):
                self._email("html" if path.endswith(".html") else "text", query, head)
            elif path == "/status.json":
                self._json(self.server.session.status(), head)
            elif path == "/subscribers.json":
                self._subscribers(head)
            elif path == "/events" and not head:
                self._events(query)
            else:
                self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", head)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the tab was closed mid-answer

    def _host_ok(self) -> bool:
        host = self.headers.get("Host")
        if host is None:
            return True
        name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
        return name.strip().lower() in _ALLOWED_HOSTS

    def _email(self, kind: str, query: dict[str, list[str]], head: bool) -> None:
        session = self.server.session
        result = session.result
        ctype = "text/html; charset=utf-8" if kind == "html" else "text/plain; charset=utf-8"
        if result is None:
            message = f"No successful build yet.\n\n{session.error or ''}\n"
            self._send(HTTPStatus.SERVICE_UNAVAILABLE, message.encode(), "text/plain; charset=utf-8", head)
            return
        # ?as= (empty): fallbacks, as a subscriber without the field would see; ?as=EMAIL: that row
        email = query.get("as", [""])[0].strip()
        try:
            row = find_subscriber(result.project, email, [*result.rendered.merge_fields, "language"]) if email else None
        except AudienceError as exc:
            self._send(HTTPStatus.NOT_FOUND, f"{exc}\n".encode(), "text/plain; charset=utf-8", head)
            return
        # ?lang=fr: that edition; none: the person's (?as=), else the one the preview started with, else the default
        asked = query.get("lang", [""])[0].strip()
        lang = match(asked, list(result.editions)) if asked else \
            edition_for(result.project, row) if row is not None else session.lang or next(iter(result.editions), None)
        edition = result.editions.get(lang or "")
        if edition is None and (asked or result.editions):
            message = f"This issue has no '{asked}' edition (its languages: {', '.join(result.editions)}).\n"
            self._send(HTTPStatus.NOT_FOUND, message.encode(), "text/plain; charset=utf-8", head)
            return
        rendered = edition.rendered if edition else result.rendered
        body = rendered.html if kind == "html" else rendered.text
        if "as" in query:
            body = fill_merge_tags(body, merge_values(rendered.merge_fields, row), escape=kind == "html")
        self._send(HTTPStatus.OK, body.encode("utf-8"), ctype, head, {"Content-Language": (edition.spec if edition else result.spec).lang or ""})

    def _subscribers(self, head: bool) -> None:
        result = self.server.session.result
        payload: dict = {"file": None, "emails": [], "total": 0, "error": None}
        if result is not None:
            payload["file"] = result.project.subscribers
            try:
                payload["emails"], payload["total"] = picker_emails(result.project)
            except AudienceError as exc:
                payload["error"] = str(exc)
        self._json(payload, head)

    def _events(self, query: dict[str, list[str]]) -> None:
        session = self.server.session
        try:
            last = int(self.headers.get("Last-Event-ID") or query.get("since", ["-1"])[0])
        except ValueError:
            last = -1
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(b"retry: 500\n\n")  # reconnect quickly when the preview restarts
        self.wfile.flush()
        while not session.closed:
            version = session.wait(last, KEEPALIVE)
            if session.closed:
                break
            if version > last:
                last = version
                self.wfile.write(f"id: {version}\nevent: version\ndata: {json.dumps({'version': version})}\n\n".encode())
            else:
                self.wfile.write(b": keep-alive\n\n")
            self.wfile.flush()

    def _json(self, payload: dict, head: bool, status: int = HTTPStatus.OK) -> None:
        self._send(HTTPStatus(status), json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8", head)

    def _send(self, status: HTTPStatus, body: bytes, ctype: str, head: bool, extra: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")  # every answer reflects the latest build
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        for name, value in (extra or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)
