"""bulletin webhook: signed batches accepted (a test key pair), everything else refused with nothing stored;
replays deduplicated; a bounce event becomes a suppression the next send honours."""

from __future__ import annotations

import base64
import http.client
import json
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from bulletin.config import load_project
from bulletin.errors import ConfigError
from bulletin.feedback.webhook import MAX_BODY, SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookServer
from dispatch.helpers import run
from fakes.sendgrid_server import FakeSendGrid

PRIVATE = ec.generate_private_key(ec.SECP256R1())
PUBLIC = base64.b64encode(PRIVATE.public_key().public_bytes(serialization.Encoding.DER,
                                                            serialization.PublicFormat.SubjectPublicKeyInfo)).decode()
OTHER = ec.generate_private_key(ec.SECP256R1())


def sign(body: bytes, timestamp: str, key: ec.EllipticCurvePrivateKey = PRIVATE) -> str:
    return base64.b64encode(key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))).decode()


def batch(*events: dict[str, object]) -> bytes:
    return json.dumps(list(events)).encode()


BOUNCE = {"email": "jean.dupont@member-org.example", "timestamp": 1700000000, "event": "bounce", "sg_event_id": "ev-bounce-1",
          "sg_message_id": "m1", "reason": "550 5.1.1 The email account does not exist", "status": "5.1.1", "type": "bounce",
          "category": ["bulletin", "bulletin-issue-example"], "bulletin_batch": "1"}
CLICK = {"email": "anna.keller@member-org.example", "timestamp": 1700000001, "event": "click", "sg_event_id": "ev-click-1",
         "url": "https://example.org/news/pay-transparency?utm_source=bulletin", "category": "bulletin-issue-example"}


@pytest.fixture
def server(sendgrid_project: Path) -> Iterator[WebhookServer]:
    text = (sendgrid_project / "bulletin.yaml").read_text(encoding="utf-8")
    (sendgrid_project / "bulletin.yaml").write_text(
        text.replace("  categories: [bulletin]", f"  categories: [bulletin]\n  webhook_public_key: {PUBLIC}"), encoding="utf-8")
    lines: list[str] = []
    found = WebhookServer(load_project(sendgrid_project), "127.0.0.1", 0, log=lines.append)
    thread = threading.Thread(target=found.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield found
    found.shutdown()
    found.server_close()
    assert not any("@" in line for line in lines)  # the log names no address


def post(server: WebhookServer, body: bytes, headers: dict[str, str], *, method: str = "POST", path: str = "/sendgrid/events") -> int:
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers)
        return connection.getresponse().status
    finally:
        connection.close()


def signed(body: bytes, *, at: float | None = None, key: ec.EllipticCurvePrivateKey = PRIVATE) -> dict[str, str]:
    stamp = str(int(time.time() if at is None else at))
    return {SIGNATURE_HEADER: sign(body, stamp, key), TIMESTAMP_HEADER: stamp, "Content-Type": "application/json"}


def rows(project: Path, table: str) -> int:
    if not (project / ".bulletin" / "ledger.db").exists():
        return 0
    with sqlite3.connect(project / ".bulletin" / "ledger.db") as db:
        try:
            return int(db.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
        except sqlite3.OperationalError:
            return 0


def test_a_signed_batch_is_stored_and_a_replay_changes_nothing(server: WebhookServer, sendgrid_project: Path) -> None:
    body = batch(BOUNCE, CLICK)
    assert post(server, body, signed(body)) == 200
    assert rows(sendgrid_project, "events") == 2 and rows(sendgrid_project, "suppressions") == 1
    assert post(server, body, signed(body)) == 200  # SendGrid delivers at least once
    assert rows(sendgrid_project, "events") == 2 and rows(sendgrid_project, "suppressions") == 1


@pytest.mark.parametrize("case", ["unsigned", "other key", "modified body", "stale", "future", "garbage signature", "no timestamp"])
def test_refused_posts_store_nothing(server: WebhookServer, sendgrid_project: Path, case: str) -> None:
    body = batch(BOUNCE)
    headers = {
        "unsigned": {"Content-Type": "application/json"},
        "other key": signed(body, key=OTHER),
        "modified body": signed(batch({**BOUNCE, "email": "someone@else.example"})),
        "stale": signed(body, at=time.time() - 11 * 60),
        "future": signed(body, at=time.time() + 11 * 60),
        "garbage signature": {**signed(body), SIGNATURE_HEADER: "not base64!"},
        "no timestamp": {k: v for k, v in signed(body).items() if k != TIMESTAMP_HEADER},
    }[case]
    assert post(server, body, headers) == 403
    assert rows(sendgrid_project, "events") == 0 and rows(sendgrid_project, "suppressions") == 0


def test_an_oversized_body_is_refused_unread(server: WebhookServer, sendgrid_project: Path) -> None:
    body = b"[" + b" " * MAX_BODY + b"]"
    connection = http.client.HTTPConnection(*server.server_address[:2], timeout=10)
    connection.putrequest("POST", "/sendgrid/events")
    for name, value in signed(body).items():
        connection.putheader(name, value)
    connection.putheader("Content-Length", str(len(body)))
    connection.endheaders(b"[  ")  # the answer comes before the body is sent: it is never read
    assert connection.getresponse().status == 413
    connection.close()
    assert rows(sendgrid_project, "events") == 0
    assert post(server, b"[]", {**signed(b"[]"), "Transfer-Encoding": "chunked"}) == 411  # no length: refused


def test_one_path_and_only_post(server: WebhookServer) -> None:
    body = batch(CLICK)
    assert post(server, body, signed(body), path="/other") == 404
    assert post(server, b"", {}, method="GET") == 405
    assert post(server, body, signed(body), method="PUT") == 405


def test_a_signed_body_that_is_not_events_is_a_bad_request(server: WebhookServer, sendgrid_project: Path) -> None:
    body = b'{"not": "a list"}'
    assert post(server, body, signed(body)) == 400
    assert rows(sendgrid_project, "events") == 0


def test_a_bounce_event_keeps_the_address_out_of_the_next_send(server: WebhookServer, sendgrid_project: Path,
                                                              fake_sendgrid: FakeSendGrid) -> None:
    body = batch(BOUNCE)
    assert post(server, body, signed(body)) == 200
    plan = run("send", "issues/example.yaml", "--list", "members", "--dry-run")
    assert "1 suppressed at SendGrid (1 bounced)" in plan.output
    assert run("send", "issues/example.yaml", "--list", "members", "--yes").exit_code == 0
    assert "jean.dupont@member-org.example" not in fake_sendgrid.recipients()
    assert len(fake_sendgrid.recipients()) == 4
    assert fake_sendgrid.recipients() == Counter({a: 1 for a in fake_sendgrid.recipients()})


def test_a_missing_or_wrong_key_is_a_clear_error(sendgrid_project: Path) -> None:
    with pytest.raises(ConfigError, match="webhook_public_key is not set"):
        WebhookServer(load_project(sendgrid_project), "127.0.0.1", 0)
    text = (sendgrid_project / "bulletin.yaml").read_text(encoding="utf-8")
    (sendgrid_project / "bulletin.yaml").write_text(text.replace("  categories: [bulletin]", "  categories: [bulletin]\n  webhook_public_key: abc"))
    result = run("webhook", "--port", "0")
    assert result.exit_code == 2 and "not SendGrid's verification key" in result.output
