"""A fake SendGrid API on 127.0.0.1: validates every request against the official OpenAPI spec,
enforces SendGrid's documented limits, records what it accepted, and fails on request.

    with FakeSendGrid() as sg:                       # sg.url, sg.api_key
        sg.fail(2, "429", retry_after=1)             # the 2nd mail/send answers 429 Retry-After: 1
        ... send with BULLETIN_SENDGRID_URL=sg.url, SENDGRID_API_KEY=sg.api_key ...
        assert sg.recipients() == Counter({...})     # addresses of accepted requests
        assert not sg.invalid                        # no request broke the spec or the limits

Faults (by mail/send request number, 1-based): "429" (retry_after=seconds or None), "500", "503",
"401", "400", "403", "413", "reset-before-body" (connection reset before the body is read: nothing
delivered), "reset-after-body" (body read and delivered, then reset: the client cannot know), "drop" (body read,
not delivered, then reset: the client cannot know either),
"stall" (body read and delivered, answer only after ``seconds``, or else not before ``release()`` or the fake
stops: the client times out, however slow the machine),
"redirect" (not delivered: ``302 Location: location``, as a captive portal or a wrong URL answers),
"504-html" (delivered, then a gateway's ``504`` web page: the client cannot know), "trickle" (delivered,
then ``202`` announcing ``length`` bytes sent one a second, for at most ``seconds``).

Scheduled sends, on the fake's own clock (``clock``, unix seconds; ``set_time(datetime)``):
``POST /v3/mail/batch`` (a new batch id), ``GET /v3/mail/batch/{id}`` (validate), ``POST
/v3/user/scheduled_sends`` ({batch_id, status: cancel | pause}; 400 for an unknown batch, a batch that
already has a status, or within 10 minutes of its send_at), ``GET /v3/user/scheduled_sends/{id}``.
mail/send refuses a ``send_at`` more than 72 h ahead and an unknown ``batch_id``. ``delivered()`` is
what recipients end up with: accepted requests whose batch was not cancelled or paused, once their
send_at has come.

Suppression lists and category statistics (``sg.feedback``, tests/fakes/sendgrid_feedback.py): paged with
limit/offset, filtered by start_time/end_time; ``fail_call(method, path, number, status, retry_after=)``
answers the ``number``-th request of any endpoint with an error (e.g. 429 during a sync);
``trickle_call(method, path, number, part=, seconds=)`` answers it with a trickle: its headers one byte a
second (``part="headers"``: every socket read is quick, the header block never ends) or a 200 whose body does.

Other endpoints: add a handler to ``routes[(method, path)]`` (a path segment ``{name}`` matches any).
Every request is validated against the specs in tests/openapi/.
``validate=False`` skips the OpenAPI check (the benchmark's fast mode); the limits still apply.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
import urllib.parse
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Self

SPECS = Path(__file__).resolve().parent.parent / "openapi"
SPEC_FILES = ("tsg_mail_v3.json", "tsg_scheduled_sends_v3.json", "tsg_suppressions_v3.json", "tsg_stats_v3.json")
MAX_PERSONALIZATIONS = 1000
MAX_RECIPIENTS = 1000
MAX_CATEGORIES = 10
MAX_CUSTOM_ARGS_BYTES = 10_000
MAX_SUBSTITUTIONS_BYTES = 10_000  # per personalization, keys and values
MAX_SEND_AT_AHEAD = 72 * 3600  # SendGrid: send_at at most 72 hours ahead
CANCEL_CUTOFF = 10 * 60  # SendGrid: no cancel or pause within 10 minutes of send_at

Handler = Callable[["Request"], "Reply"]


@dataclass
class Request:
    """A request as the fake saw it."""

    number: int  # per (method, path), 1-based
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    json: Any = None
    query: dict[str, str] = field(default_factory=dict)  # the first value of each query parameter


@dataclass
class Reply:
    """What to answer."""

    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Accepted:
    """A mail/send request the fake accepted (delivered), even if the client never heard back."""

    number: int
    body: dict[str, Any]
    recipients: list[str]
    message_id: str
    send_at: int | None = None
    batch_id: str | None = None


def _load_specs(base_url: str) -> list[Any]:
    from openapi_core import OpenAPI

    apis = []
    for name in SPEC_FILES:
        spec = json.loads((SPECS / name).read_text(encoding="utf-8"))
        spec["servers"] = [*spec.get("servers", []), {"url": base_url}]  # else openapi-core: ServerNotFound
        apis.append(OpenAPI.from_dict(spec))
    return apis


def _errors(*messages: str, field_: str | None = None) -> dict[str, Any]:
    return {"errors": [{"message": m, "field": field_, "help": None} for m in messages]}


class FakeSendGrid:
    """The fake server; start() / stop() or use as a context manager."""

    def __init__(self, *, api_key: str = "SG.fake-key-for-tests.do-not-log-me", validate: bool = True, delay: float = 0.0,
                 read_delay: float = 0.0, keep_bodies: bool = True) -> None:
        self.api_key = api_key
        self.validate = validate
        self.keep_bodies = keep_bodies  # False: remember recipients only (the benchmark's million)
        self.delay = delay  # seconds before answering each mail/send (makes crashes land mid-request)
        self.read_delay = read_delay  # seconds before reading each mail/send body
        self.faults: dict[int, tuple[str, dict[str, Any]]] = {}
        self.requests: list[tuple[Request, int]] = []  # every request and the status answered (0: none)
        self.accepted: list[Accepted] = []
        self.invalid: list[str] = []  # why requests broke the spec or the limits
        self.trickles: list[str] = []  # how each "trickle" ended: "client left" | "server ended"
        self.routes: dict[tuple[str, str], Handler] = {
            ("POST", "/v3/mail/send"): self._mail_send,
            ("POST", "/v3/mail/batch"): self._new_batch,
            ("GET", "/v3/mail/batch/{id}"): self._get_batch,
            ("POST", "/v3/user/scheduled_sends"): self._scheduled_send,
            ("GET", "/v3/user/scheduled_sends/{id}"): self._get_scheduled_send,
        }
        self.clock: Callable[[], float] = time.time  # the fake's "now" (unix seconds) for send_at rules
        self.batches: dict[str, str | None] = {}  # batch id -> None | "cancel" | "pause"
        self._counts: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._released = threading.Event()  # stalled requests answer once it is set
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._apis = _load_specs(self.url) if validate else []
        self._thread: threading.Thread | None = None
        self.call_faults: dict[tuple[str, str, int], Reply] = {}
        self.call_trickles: dict[tuple[str, str, int], tuple[str, float]] = {}  # -> (part, seconds)
        from .sendgrid_feedback import Feedback

        self.feedback = Feedback(self)  # suppression lists and statistics

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> FakeSendGrid:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving."""
        self.release()
        self._server.shutdown()
        self._server.server_close()

    def fail(self, number: int, kind: str, **options: Any) -> None:
        """Script a fault for the ``number``-th mail/send request."""
        self.faults[number] = (kind, options)

    def release(self) -> None:
        """Let stalled requests answer (too late: their clients have given up)."""
        self._released.set()

    def fail_call(self, method: str, path: str, number: int, status: int, retry_after: float | None = None) -> None:
        """Answer the ``number``-th request of ``method path`` (e.g. 'GET', '/v3/suppression/bounces') with ``status``."""
        headers = {"Retry-After": f"{retry_after:g}"} if retry_after is not None else {}
        if status == 429:
            headers |= {"X-RateLimit-Limit": "600", "X-RateLimit-Remaining": "0"}
        self.call_faults[(method, path, number)] = Reply(status, _errors(f"fault {status}"), headers)

    def trickle_call(self, method: str, path: str, number: int, *, part: str = "headers", seconds: float = 60.0) -> None:
        """Answer the ``number``-th request of ``method path`` with a trickle of its ``part`` ("headers" | "body")."""
        self.call_trickles[(method, path, number)] = (part, seconds)

    def recipients(self) -> Counter[str]:
        """How many times each address was in an accepted request (lower-cased)."""
        return Counter(r.lower() for a in self.accepted for r in a.recipients)

    def wait_trickles(self) -> list[str]:
        """How the "trickle" answers ended, once each has (it notices a client gone at its next byte)."""
        for _ in range(100):
            if len(self.trickles) >= sum(1 for kind, _ in self.faults.values() if kind == "trickle") + len(self.call_trickles):
                break
            time.sleep(0.05)
        return list(self.trickles)

    def mail_requests(self) -> int:
        """How many mail/send requests arrived (whatever became of them)."""
        return self._counts[("POST", "/v3/mail/send")]

    def calls(self, method: str, path: str) -> int:
        """How many requests arrived for an endpoint ('POST', '/v3/mail/batch')."""
        return self._counts[(method, path)]

    def set_time(self, when: Any) -> None:
        """Freeze the fake's clock at an aware datetime."""
        stamp = when.timestamp()
        self.clock = lambda: stamp

    def delivered(self, at: float | None = None) -> Counter[str]:
        """What people receive: accepted requests not in a cancelled or paused batch, whose send_at has come (lower-cased)."""
        now = self.clock() if at is None else at
        with self._lock:
            accepted = list(self.accepted)
            batches = dict(self.batches)
        return Counter(
            r.lower() for a in accepted
            if not (a.batch_id and batches.get(a.batch_id)) and (a.send_at is None or a.send_at <= now)
            for r in a.recipients
        )

    def batch_send_at(self, batch_id: str) -> int | None:
        """The earliest send_at of the accepted requests of a batch."""
        with self._lock:
            times = [a.send_at for a in self.accepted if a.batch_id == batch_id and a.send_at is not None]
        return min(times) if times else None

    # --- scheduled sends ---------------------------------------------------------------------

    def _new_batch(self, request: Request) -> Reply:
        batch_id = uuid.uuid4().hex
        with self._lock:
            self.batches[batch_id] = None
        return Reply(201, {"batch_id": batch_id})

    def _get_batch(self, request: Request) -> Reply:
        batch_id = request.path.rsplit("/", 1)[1]
        if batch_id not in self.batches:
            return Reply(400, _errors("invalid batch id", field_="batch_id"))
        return Reply(200, {"batch_id": batch_id})

    def _scheduled_send(self, request: Request) -> Reply:
        batch_id, status = request.json["batch_id"], request.json["status"]
        if batch_id not in self.batches:
            return Reply(400, _errors("batch id not found", field_="batch_id"))
        if self.batches[batch_id] is not None:
            return Reply(400, _errors(f"this batch id already has the status {self.batches[batch_id]}", field_="batch_id"))
        send_at = self.batch_send_at(batch_id)
        if send_at is not None and send_at - self.clock() < CANCEL_CUTOFF:
            return Reply(400, _errors("cannot cancel or pause a scheduled send within 10 minutes of its send_at", field_="batch_id"))
        with self._lock:
            self.batches[batch_id] = status
        return Reply(201, {"batch_id": batch_id, "status": status})

    def _get_scheduled_send(self, request: Request) -> Reply:
        batch_id = request.path.rsplit("/", 1)[1]
        status = self.batches.get(batch_id)
        return Reply(200, [{"batch_id": batch_id, "status": status}] if status else [])

    # --- request handling --------------------------------------------------------------------

    def count(self, method: str, path: str) -> int:
        with self._lock:
            self._counts[(method, path)] += 1
            return self._counts[(method, path)]

    def check(self, request: Request) -> Reply | None:
        """Auth and OpenAPI validation; a Reply when the request must be refused."""
        auth = request.headers.get("authorization", "")
        if auth != f"Bearer {self.api_key}":
            return Reply(401, _errors("The provided authorization grant is invalid, expired, or revoked"))
        if not self.validate:
            return None
        from openapi_core.testing import MockRequest

        mock = MockRequest(self.url, request.method.lower(), request.path, args=request.query, headers=request.headers, data=request.body,
                           content_type=request.headers.get("content-type", "application/json"))
        problems = []
        for api in self._apis:
            try:
                api.validate_request(mock)
                return None
            except Exception as exc:  # noqa: BLE001 - openapi-core raises many kinds; report them all
                problems.append(_describe(exc))
        found = [p for p in problems if "not found" not in p.lower()] or ["no such endpoint in the spec"]
        message = f"{request.method} {request.path}: " + " | ".join(found)
        self.invalid.append(message)
        return Reply(400, _errors(message))

    def _mail_send(self, request: Request) -> Reply:
        body = request.json
        personalizations = body.get("personalizations", [])
        problems = []
        if len(personalizations) > MAX_PERSONALIZATIONS:
            problems.append(f"The personalizations field may not have more than {MAX_PERSONALIZATIONS} items")
        seen: set[str] = set()
        recipients = []
        for p in personalizations:
            substitutions = sum(len(k.encode()) + len(str(v).encode()) for k, v in p.get("substitutions", {}).items())
            if substitutions > MAX_SUBSTITUTIONS_BYTES:
                problems.append(f"substitutions may not exceed {MAX_SUBSTITUTIONS_BYTES:,} bytes per personalization")
            for kind in ("to", "cc", "bcc"):
                for who in p.get(kind, []):
                    address = who["email"].lower()
                    if address in seen:
                        problems.append(f"Each email address in the personalization block should be unique: {address}")
                    seen.add(address)
                    recipients.append(who["email"])
        if len(recipients) > MAX_RECIPIENTS:
            problems.append(f"more than {MAX_RECIPIENTS} recipients in one request")
        if len(body.get("categories", [])) > MAX_CATEGORIES:
            problems.append(f"at most {MAX_CATEGORIES} categories")
        if len(json.dumps(body.get("custom_args", {})).encode()) > MAX_CUSTOM_ARGS_BYTES:
            problems.append("custom_args may not exceed 10,000 bytes")
        send_at, batch_id = body.get("send_at"), body.get("batch_id")
        if send_at is not None and send_at > self.clock() + MAX_SEND_AT_AHEAD:
            problems.append("send_at: cannot be more than 72 hours in the future")
        if batch_id is not None and batch_id not in self.batches:
            problems.append("batch_id: invalid batch id")
        if problems:
            self.invalid.extend(problems)
            return Reply(400, _errors(*problems))
        message_id = uuid.uuid4().hex[:22]
        with self._lock:
            self.accepted.append(Accepted(request.number, body if self.keep_bodies else {}, recipients, message_id, send_at, batch_id))
        return Reply(202, None, {"X-Message-Id": message_id})


def _describe(exc: BaseException) -> str:
    """A short description of an openapi-core error (its messages quote the whole body otherwise)."""
    parts = []
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        for error in getattr(exc, "schema_errors", ()) or ():
            path = "/".join(str(p) for p in getattr(error, "absolute_path", ()))
            parts.append(f"{path or 'body'}: {str(getattr(error, 'message', error))[:200]}")
        exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
        if exc is not None and not parts and not getattr(exc, "schema_errors", None):
            parts_text = str(exc)[:200]
            if parts_text:
                parts.append(parts_text)
    return "; ".join(parts) or "invalid request"


def _match(routes: dict[tuple[str, str], Handler], method: str, path: str) -> Handler | None:
    """The handler whose path pattern matches, a segment '{name}' matching any one segment."""
    parts = path.split("/")
    for (verb, pattern), handler in routes.items():
        want = pattern.split("/")
        if verb == method and len(want) == len(parts) and all(w == p or w.startswith("{") for w, p in zip(want, parts, strict=True)):
            return handler
    return None


def _handler(fake: FakeSendGrid) -> type[BaseHTTPRequestHandler]:
    class Handle(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _any(self) -> None:
            path, _, query = self.path.partition("?")
            method = self.command
            number = fake.count(method, path)
            kind, options = fake.faults.get(number, ("", {})) if (method, path) == ("POST", "/v3/mail/send") else ("", {})
            headers = {k.lower(): v for k, v in self.headers.items()}
            args = {k: v[0] for k, v in urllib.parse.parse_qs(query, keep_blank_values=True).items()}
            request = Request(number, method, path, headers, b"", query=args)
            if kind == "reset-before-body":
                fake.requests.append((request, 0))
                return self._reset()
            if fake.read_delay and (method, path) == ("POST", "/v3/mail/send"):
                time.sleep(fake.read_delay)  # a slow link: a client killed now never delivers the body
            expected = int(self.headers.get("Content-Length") or 0)
            request.body = self.rfile.read(expected)
            if len(request.body) < expected:  # the client went away mid-request (killed): SendGrid would drop it
                fake.requests.append((request, 0))
                return
            if (method, path, number) in fake.call_trickles:
                fake.requests.append((request, 200))
                part, seconds = fake.call_trickles[(method, path, number)]
                return self._trickle(100_000, seconds, status=200, headers_too=part == "headers")
            reply = self._answer(request, method, path)
            if kind and reply.status == 202:
                reply = self._fault(kind, options, request, reply)
                if reply is None:
                    return
            elif fake.delay and (method, path) == ("POST", "/v3/mail/send"):
                time.sleep(fake.delay)
            if not fake.keep_bodies:  # the benchmark's million: parsed bodies kept would make the collector pause for seconds
                request.body, request.json = b"", None
            fake.requests.append((request, reply.status))
            self._send(reply)

        def _answer(self, request: Request, method: str, path: str) -> Reply:
            handler = fake.routes.get((method, path)) or _match(fake.routes, method, path)
            refused = fake.check(request)
            if refused is not None:
                return refused
            if (method, path, request.number) in fake.call_faults:
                return fake.call_faults[(method, path, request.number)]
            if handler is None:
                return Reply(404, _errors(f"no fake for {method} {path}"))
            try:
                request.json = json.loads(request.body) if request.body else None
            except ValueError:
                return Reply(400, _errors("Bad Request: the body is not JSON"))
            return handler(request)

        def _fault(self, kind: str, options: dict[str, Any], request: Request, accepted: Reply) -> Reply | None:
            """Apply a fault to a request the fake would have accepted; None when the connection is gone."""
            if kind in ("429", "500", "503", "400", "401", "403", "413"):
                fake.accepted.pop()  # not delivered after all
                status = int(kind)
                headers = {}
                if status == 429:
                    if options.get("retry_after") is not None:
                        headers["Retry-After"] = str(options["retry_after"])
                    headers["X-RateLimit-Limit"] = "600"
                    headers["X-RateLimit-Remaining"] = "0"
                message = options.get("message", {429: "too many requests", 500: "internal error", 503: "service unavailable",
                                                  400: "Bad Request", 401: "The provided authorization grant is invalid, expired, or revoked",
                                                  403: "access forbidden", 413: "Payload Too Large"}[status])
                return Reply(status, _errors(message), headers)
            if kind == "redirect":
                fake.accepted.pop()  # a redirect is not an acceptance
                return Reply(int(options.get("status", 302)), None, {"Location": str(options["location"])})
            if kind == "504-html":  # a gateway timed out waiting for SendGrid, which had accepted the mail
                return Reply(504, "<html><body><h1>504 Gateway Time-out</h1></body></html>", {"Content-Type": "text/html"})
            if kind == "trickle":
                fake.requests.append((request, 202))
                self._trickle(int(options.get("length", 100_000)), float(options.get("seconds", 60.0)))
                return None
            if kind in ("reset-after-body", "drop"):
                if kind == "drop":
                    fake.accepted.pop()  # lost on the way: never delivered, and the client cannot know
                fake.requests.append((request, 0))
                self._reset()
                return None
            if kind == "stall":
                fake.requests.append((request, 0))
                if options.get("seconds") is not None:
                    time.sleep(float(options["seconds"]))
                else:
                    fake._released.wait()
                try:
                    self._send(accepted)
                except OSError:
                    pass
                return None
            raise ValueError(f"unknown fault {kind!r}")

        def _trickle(self, length: int, seconds: float, *, status: int = 202, headers_too: bool = False) -> None:
            """A ``status`` whose announced body (or, ``headers_too``, a header) comes one byte a second (until the client goes or ``seconds`` pass)."""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(length))
            if headers_too:
                self.flush_headers()  # without the blank line: the header block stays open
                self.wfile.write(b"X-Trickle: ")
            else:
                self.end_headers()
            self.close_connection = True
            ends = time.monotonic() + seconds
            try:
                while time.monotonic() < ends:
                    self.wfile.write(b"a" if headers_too else b" ")
                    self.wfile.flush()
                    time.sleep(1.0)
            except OSError:
                fake.trickles.append("client left")  # the client gave up
                return
            fake.trickles.append("server ended")

        def _send(self, reply: Reply) -> None:
            if isinstance(reply.body, (str, bytes)):  # a web page, as a proxy or gateway answers
                data = reply.body.encode() if isinstance(reply.body, str) else reply.body
            else:
                data = b"" if reply.body is None else json.dumps(reply.body).encode()
            self.send_response(reply.status)
            for key, value in reply.headers.items():
                self.send_header(key, value)
            if not any(k.lower() == "content-type" for k in reply.headers):
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(data)
            self.close_connection = True

        def _reset(self) -> None:
            # SO_LINGER 0: close with RST, as a dropped connection looks to the client
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _any

    return Handle


def main() -> None:  # pragma: no cover - used by the benchmark as a separate process
    """Run a fake on a free port; print its URL; serve until stdin closes."""
    import argparse
    import gc
    import sys

    parser = argparse.ArgumentParser()
    parser.add_argument("--no-validate", action="store_true")
    parser.add_argument("--api-key", default="SG.benchmark-key")
    args = parser.parse_args()
    # the benchmark's millions of addresses stay in memory: the cyclic collector, scanning them again and again, paused
    # the fake for up to 0.1 s at a time, later runs more (the fake's garbage has no cycles: reference counting frees it)
    gc.disable()
    fake = FakeSendGrid(api_key=args.api_key, validate=not args.no_validate, keep_bodies=False).start()
    print(fake.url, flush=True)
    for line in sys.stdin:
        if line.strip() == "count":
            print(json.dumps({"requests": fake.mail_requests(), "recipients": sum(len(a.recipients) for a in fake.accepted),
                              "unique": len(fake.recipients()), "invalid": fake.invalid[:5]}), flush=True)
    fake.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
