"""The SendGrid transport: ``POST /v3/mail/send`` (v3 Web API) over one keep-alive HTTP connection.

The standard library's ``http.client`` keeps the connection open between requests (the official
``sendgrid`` library goes through urllib, which connects anew for every request, and imports 120 ms
of cryptography it never uses here). Failures are sorted by *when* they happened: an error while
connecting or writing the request means SendGrid cannot have the whole request, so trying again is
safe. Errors after the request was written (read timeout, reset, closed) mean SendGrid may have
accepted it: the outcome is unknown and the batch is not retried.
"""

from __future__ import annotations

import http.client
import json
import logging
import math
import os
import re
import select
import time
import urllib.parse
from collections.abc import Mapping
from typing import Any

from ..errors import ConfigError
from ..mail import encode
from .retry import parse_retry_after
from .transport import OutcomeUnknown, Refused, Retryable, UnexpectedAnswer

DEFAULT_URL = "https://api.sendgrid.com"
KEY_VARIABLE = "SENDGRID_API_KEY"
URL_VARIABLE = "BULLETIN_SENDGRID_URL"
TIMEOUT_VARIABLE = "BULLETIN_SENDGRID_TIMEOUT"
DEFAULT_TIMEOUT = 30.0
USER_AGENT = "bulletin (SendGrid v3 Web API)"
_LOG = logging.getLogger(__name__)

_HINTS = {
    400: "the request was not valid",
    401: f"the API key was refused: check {KEY_VARIABLE} (it may be mistyped, deleted or revoked)",
    403: "the API key may not send mail (give it the 'Mail Send' permission) or the sender address is not verified in SendGrid",
    404: f"wrong address for the SendGrid API: check {URL_VARIABLE}",
    413: "the message is too large for SendGrid (30 MB at most)",
}


class SendGridTransport:
    """Posts request bodies to SendGrid; the key never leaves the Authorization header."""

    name = "sendgrid"
    seconds_per_request = 0.5  # for the plan's estimate: SendGrid takes a few tenths of a second per 1000

    def __init__(self, api_key: str, *, base_url: str | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        if not api_key or not api_key.strip():
            raise ConfigError(missing_key_message())
        self._key = api_key.strip()
        if not all("!" <= c <= "~" for c in self._key):  # printable ASCII without spaces, as SendGrid's keys are
            raise ConfigError(
                f"{KEY_VARIABLE} holds a space, a line break or a character no API key has (a typographic quote "
                "copied from a document?): copy the key from SendGrid again and set it once more"
            )
        self.base_url = _checked_url((base_url or DEFAULT_URL).strip()).rstrip("/")
        self.timeout = timeout
        self._headers = {"Authorization": f"Bearer {self._key}", "Content-Type": "application/json",
                         "Accept": "application/json", "User-Agent": USER_AGENT}
        self._connection: http.client.HTTPConnection | None = None

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> SendGridTransport:
        """The transport configured by SENDGRID_API_KEY, BULLETIN_SENDGRID_URL and BULLETIN_SENDGRID_TIMEOUT."""
        env = os.environ if environ is None else environ
        key = env.get(KEY_VARIABLE, "")
        if not key.strip():
            raise ConfigError(missing_key_message())
        timeout = DEFAULT_TIMEOUT
        if env.get(TIMEOUT_VARIABLE):
            try:
                timeout = float(env[TIMEOUT_VARIABLE])
            except ValueError:
                timeout = math.nan
            if not 0 < timeout < math.inf:
                raise ConfigError(f"{TIMEOUT_VARIABLE} must be a number of seconds above 0, got '{env[TIMEOUT_VARIABLE]}'")
        return cls(key, base_url=env.get(URL_VARIABLE) or None, timeout=timeout)

    def __repr__(self) -> str:
        return f"SendGridTransport({self.base_url!r})"

    def describe(self) -> str:
        """Where the mail goes."""
        return f"SendGrid ({self.base_url})"

    def post(self, body: Mapping[str, Any]) -> str | None:
        """POST /v3/mail/send; return X-Message-Id."""
        try:
            _, headers, _ = self.request("POST", "/mail/send", encode(body), expect=(202,))
        except Refused as exc:
            raise _name_recipients(exc, body) from None
        return headers.get("X-Message-Id")

    def create_batch(self) -> str:
        """POST /v3/mail/batch: a new batch id, which groups the requests of a scheduled dispatch."""
        _, _, body = self.request("POST", "/mail/batch", expect=(201,))
        try:
            return str(json.loads(body)["batch_id"])
        except (ValueError, KeyError, TypeError):
            raise Refused("SendGrid's answer to 'create a batch id' held no batch id") from None

    def cancel_batch(self, batch_id: str) -> None:
        """POST /v3/user/scheduled_sends {batch_id, status: cancel}; fine if it is cancelled already."""
        try:
            self.request("POST", "/user/scheduled_sends", {"batch_id": batch_id, "status": "cancel"}, expect=(201,))
        except Refused as exc:
            # a cancel whose answer was lost and is sent again gets a 400: look before failing
            if exc.status == 400 and self.batch_status(batch_id) == "cancel":
                return
            raise

    def batch_status(self, batch_id: str) -> str | None:
        """GET /v3/user/scheduled_sends/{batch_id}: 'cancel', 'pause', or None (it will be sent)."""
        try:
            _, _, body = self.request("GET", f"/user/scheduled_sends/{batch_id}", expect=(200,))
        except Refused as exc:
            if exc.status == 404:  # no status set for this batch
                return None
            raise
        try:
            found = json.loads(body or b"[]")
        except ValueError:
            found = []
        for item in found if isinstance(found, list) else []:
            if isinstance(item, dict) and item.get("batch_id") == batch_id:
                return str(item.get("status")) if item.get("status") else None
        return None

    def request(self, method: str, path: str, body: Any = None, *, expect: tuple[int, ...] = (200, 201, 202)) -> tuple[int, Any, bytes]:
        """Any v3 call (path after /v3, e.g. '/mail/batch'): (status, headers, body), failures classified.

        ``body`` is JSON-ready data, or bytes already encoded. A success status SendGrid does not give for
        this call (``expect``, as in its spec), or a web page, came from something else on the way (a
        proxy, a captive portal): the outcome is unknown.
        """
        data = body if isinstance(body, bytes) or body is None else encode(body)
        target = f"{urllib.parse.urlsplit(self.base_url).path}/v3/{path.strip('/')}"
        _LOG.debug("%s %s%s (%d bytes)", method, self.base_url, target, len(data or b""))
        connection = self._connect()
        try:
            connection.request(method, target, body=data, headers=self._headers)
        except (OSError, http.client.HTTPException) as exc:
            # raised while connecting or writing the request: SendGrid does not have it
            self.close()
            raise Retryable(self._redact(f"cannot reach SendGrid at {self.base_url}: {_reason(exc)}")) from None
        try:
            response = connection.getresponse()
            content = response.read()
        except (OSError, http.client.HTTPException) as exc:
            # the request was written, the answer did not come: it may have been accepted
            self.close()
            raise OutcomeUnknown(self._redact(f"no answer from SendGrid after sending the request: {_reason(exc)}")) from None
        if response.will_close:
            self.close()
        status = response.status
        if status >= 400:
            raise self._http_error(status, response.reason, response.headers, content)
        if status not in expect or (content and _content_type(response.headers) == "text/html"):
            what = "a web page" if status in expect else f"{status} instead of {expect[-1]} {http.HTTPStatus(expect[-1]).phrase}"
            raise UnexpectedAnswer(self._redact(
                f"{self.base_url} answered {what}{': ' + _snippet(content) if content else ''}; "
                f"it may not be SendGrid (a proxy?), check {URL_VARIABLE}"
            ))
        return status, response.headers, content

    def close(self) -> None:
        """Close the connection (the next request opens a new one)."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _connect(self) -> http.client.HTTPConnection:
        """The open connection, or a new one if there is none or the server closed it while idle."""
        connection = self._connection
        if connection is not None and connection.sock is not None:
            # an idle keep-alive socket that is readable was closed by the server: writing to it could
            # lose the request after it was sent, which would make its outcome unknown for nothing
            readable, _, _ = select.select([connection.sock], [], [], 0)
            if not readable:
                return connection
            self.close()
        parts = urllib.parse.urlsplit(self.base_url)
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        self._connection = kind(parts.hostname or "", parts.port, timeout=self.timeout)
        return self._connection

    def _http_error(self, status: int, reason: str, headers: Any, body: bytes) -> Exception:
        messages = _messages(body)
        detail = self._redact("; ".join(messages))
        if status == 429:
            headers = headers or {}
            wait = parse_retry_after(headers.get("Retry-After"))
            if wait is None and str(headers.get("X-RateLimit-Reset", "")).isdigit():
                wait = max(0.0, float(headers["X-RateLimit-Reset"]) - time.time())
            return Retryable("SendGrid asks to slow down (429 Too Many Requests)", retry_after=wait)
        if status >= 500:
            return Retryable(f"SendGrid had an error ({status}{': ' + detail if detail else ''})")
        hint = _HINTS.get(status, "")
        text = f"SendGrid refused the request ({status}): {str(detail or reason).rstrip('.')}"
        return Refused(f"{text}. {hint[0].upper() + hint[1:]}." if hint else text, status)

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "[redacted]") if self._key else text


def _checked_url(url: str) -> str:
    """The API base URL, or a clear error (urllib would fail with an internal error, or only when sending)."""
    try:
        parts = urllib.parse.urlsplit(url)
        valid = parts.scheme in ("http", "https") and bool(parts.hostname) and (parts.port or 1) > 0  # .port checks the range
    except ValueError:
        valid = False
    if not valid or any(c.isspace() or not c.isprintable() for c in url):
        raise ConfigError(f"{URL_VARIABLE} must be a web address like {DEFAULT_URL}, got '{url}'")
    return url


def missing_key_message() -> str:
    """What to do when the key is not set."""
    return (
        f"{KEY_VARIABLE} is not set: the SendGrid transport needs an API key in that environment variable "
        "(never in bulletin.yaml). Set it, e.g. export SENDGRID_API_KEY=SG.xxxx, or use 'transport: outbox' to try without sending."
    )


def _messages(body: bytes | str | None) -> list[str]:
    """SendGrid's error messages from an error body ({"errors": [{"message", "field"}]})."""
    if not body:
        return []
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
        return [text.strip()[:300]] if text.strip() else []
    out = []
    for error in data.get("errors", []) if isinstance(data, dict) else []:
        if isinstance(error, dict) and error.get("message"):
            where = error.get("field")
            out.append(f"{where}: {error['message']}" if where else str(error["message"]))
    return out


def _name_recipients(exc: Refused, body: Mapping[str, Any]) -> Refused:
    """SendGrid names a refused recipient by its place (personalizations.17.to.0.email): add the address."""
    people = body.get("personalizations") or []
    named: list[str] = []

    def address(match: re.Match[str]) -> str:
        index = int(match.group(1))
        try:
            email = str(people[index]["to"][0]["email"])
        except (IndexError, KeyError, TypeError):
            return match.group(0)
        named.append(email)
        return f"{match.group(0)} ({email})"

    text = _PLACE.sub(address, str(exc))
    if not named:
        return exc
    return Refused(f"{text}\nFix or remove {', '.join(dict.fromkeys(named))} in the subscribers file (or mark it bounced), "
                   "then run the same command again", exc.status)


_PLACE = re.compile(r"personalizations\.(\d+)(?:\.[A-Za-z_]+(?:\.\d+)?)*")


def _content_type(headers: Any) -> str:
    return str((headers or {}).get("Content-Type") or "").split(";")[0].strip().lower()


def _snippet(body: bytes | str) -> str:
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    return " ".join(text.split())[:200]


def _reason(error: object) -> str:
    text = str(error) or type(error).__name__
    return {"timed out": "timed out"}.get(text, text)
