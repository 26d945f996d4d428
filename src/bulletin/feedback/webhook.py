"""``bulletin webhook``: receive SendGrid's signed Event Webhook posts.

Only ``POST`` on one path. Each post must carry SendGrid's signature: an ECDSA (P-256, SHA-256)
signature, base64 ASN.1, in ``X-Twilio-Email-Event-Webhook-Signature``, over the timestamp header
``X-Twilio-Email-Event-Webhook-Timestamp`` followed by the raw body bytes, checked with the public key
from bulletin.yaml (``sendgrid.webhook_public_key``). Unsigned, badly signed and stale posts (more than
10 minutes off) get 403 and nothing is stored; bodies are bounded. Accepted events are stored
deduplicated by ``sg_event_id`` (events.py); suppressing ones become suppressions at once.
"""

from __future__ import annotations

import base64
import binascii
import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key, load_pem_public_key

from ..config import load_project
from ..errors import ConfigError, Option, Phrase
from ..ledger import Clock, utc_now
from ..ledger_feedback import FeedbackStore, state_db
from ..model import Project
from .events import store_events

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"
PATH = "/sendgrid/events"
MAX_BODY = 4 << 20  # bytes; SendGrid posts batches of about 768 KB at most
MAX_SKEW = 600  # seconds: a post signed longer ago (or ahead) is refused as stale (a replay)
READ_TIMEOUT = 30  # seconds for a client to send its request


def public_key(text: str | None) -> ec.EllipticCurvePublicKey:
    """The verification key from bulletin.yaml: base64 DER as SendGrid shows it, or PEM."""
    if not text:
        raise ConfigError("bulletin.yaml: sendgrid.webhook_public_key is not set: copy the verification key from SendGrid "
                          "(Settings > Mail Settings > Event Webhook > Signature Verification) into it")
    try:
        key = load_pem_public_key(text.encode()) if text.lstrip().startswith("-----BEGIN") else \
            load_der_public_key(base64.b64decode("".join(text.split()), validate=True))
    except (ValueError, binascii.Error, TypeError):
        key = None
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise ConfigError("bulletin.yaml: sendgrid.webhook_public_key is not SendGrid's verification key (an EC public key "
                          "in base64); copy it again from SendGrid's Event Webhook settings")
    return key


def verify(key: ec.EllipticCurvePublicKey, signature: str | None, timestamp: str | None, body: bytes, now: float) -> str | None:
    """Why a post must be refused, or None when it is signed by SendGrid within the last 10 minutes."""
    if not signature or not timestamp:
        return "unsigned"
    if not timestamp.strip().isdigit():
        return "bad timestamp"
    if abs(now - int(timestamp)) > MAX_SKEW:
        return "stale timestamp"
    try:
        key.verify(base64.b64decode(signature, validate=True), timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, binascii.Error, ValueError):
        return "bad signature"
    return None


class WebhookServer(ThreadingHTTPServer):
    """The HTTP server; ``serve_forever()`` / ``shutdown()``."""

    daemon_threads = True

    def __init__(self, project: Project, host: str, port: int, *, path: str = PATH, clock: Clock | None = None,
                 log: Callable[[str], None] | None = None) -> None:
        self.key = public_key(project.sendgrid.webhook_public_key)
        self.project, self.path, self.clock = project, path, clock or utc_now
        self.log = log or (lambda line: None)
        self.db = state_db(project.root, project.state_dir)
        self.lock = threading.Lock()  # one batch stored at a time
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        """Where it listens."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{self.path}"

    def receive(self, signature: str | None, timestamp: str | None, body: bytes) -> tuple[int, str]:
        """(status, what happened) for one post."""
        now = self.clock()
        refused = verify(self.key, signature, timestamp, body, now.timestamp())
        if refused:
            return 403, refused
        try:
            events = json.loads(body)
        except ValueError:
            return 400, "the body is not JSON"
        if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
            return 400, "expected a JSON array of events"
        with self.lock, FeedbackStore(self.db) as store:
            stored = store_events(store, events, now)
        return 200, f"{stored.received} events, {stored.new} new, {stored.suppressions} new suppressions"


class _Handler(BaseHTTPRequestHandler):
    server: WebhookServer
    timeout = READ_TIMEOUT
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # the default prints to stderr with the client's address
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        if self.path.split("?", 1)[0] != self.server.path:
            return self._answer(404, "not found")
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            return self._answer(411, "a Content-Length is required")
        if int(length) > MAX_BODY:
            return self._answer(413, f"body over {MAX_BODY >> 20} MB")
        body = self.rfile.read(int(length))
        try:
            status, what = self.server.receive(self.headers.get(SIGNATURE_HEADER), self.headers.get(TIMESTAMP_HEADER), body)
        except Exception as exc:  # noqa: BLE001 - SendGrid retries a 500 for 24 hours: nothing is lost
            status, what = 500, f"could not store the events ({type(exc).__name__})"
        self.server.log(f"{self.server.clock():%Y-%m-%d %H:%M:%S} POST {self.server.path}: {status} {what}")
        self._answer(status, what if status != 200 else "")

    def _refuse(self) -> None:
        self._answer(405 if self.path.split("?", 1)[0] == self.server.path else 404, "only POST")

    do_GET = do_PUT = do_DELETE = do_PATCH = do_HEAD = _refuse  # noqa: N815

    def _answer(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        if status == 405:
            self.send_header("Allow", "POST")
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.close_connection = True


def serve(host: str = "127.0.0.1", port: int = 8025, *, path: str = PATH, project: Project | None = None,
          log: Callable[[str], None] | None = None, ready: Callable[[WebhookServer], None] | None = None) -> None:
    """Run the endpoint until interrupted."""
    project = project or load_project()
    try:
        server = WebhookServer(project, host, port, path=path, log=log)
    except OSError as exc:
        raise ConfigError(Phrase(f"cannot listen on {host}:{port} ({exc.strerror}); choose another ", Option.PORT)) from None
    if ready:
        ready(server)
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()

