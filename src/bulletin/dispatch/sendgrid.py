"""The SendGrid transport: its v3 API (``POST /v3/mail/send``, batches, scheduled sends) over urllib.

Every call carries the API key, so it is never redirected (a 3xx is a refusal: a captive portal, a
proxy or a wrong ``BULLETIN_SENDGRID_URL`` would get the key, in clear after https -> http), and
each has a whole-request deadline (``BULLETIN_SENDGRID_TIMEOUT``: connect, send and answer together).

What an answer proves, decided once here for every call (``request``); what is not certain is an
unknown outcome, recorded and never retried automatically:

- certainly NOT accepted, safe to try again (``Retryable``): an error while connecting or writing
  the request (urllib wraps those in ``URLError``: SendGrid cannot have the whole request), the
  deadline passing before the request was written, ``429``, and a ``5xx`` in SendGrid's own JSON
  error format (``{"errors": [...]}``: SendGrid itself says it failed).
- refused (``Refused``): a ``4xx`` (SendGrid's messages shown), and any ``3xx`` (never followed).
- UNKNOWN (``OutcomeUnknown``): after the request was written, no complete answer (read timeout,
  reset, the deadline); a ``5xx`` that is not SendGrid's JSON (a gateway's ``502/503/504`` or an HTML
  page: something between us and SendGrid, which may have accepted the request before it failed);
  and a success status SendGrid does not give for the call, or a web page (``UnexpectedAnswer``).
"""

from __future__ import annotations

import http
import http.client
import json
import math
import os
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from typing import Any

from .. import web
from ..errors import ConfigError
from ..mail import encode
from .retry import parse_retry_after
from .transport import OutcomeUnknown, Refused, Retryable, UnexpectedAnswer

DEFAULT_URL = "https://api.sendgrid.com"
KEY_VARIABLE = "SENDGRID_API_KEY"
URL_VARIABLE = "BULLETIN_SENDGRID_URL"
TIMEOUT_VARIABLE = "BULLETIN_SENDGRID_TIMEOUT"
DEFAULT_TIMEOUT = 60.0  # seconds for a whole request: a 1,000-recipient request is well under a megabyte

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
        self._opener = web.opener(follow_redirects=False)  # the key must never follow a redirect

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> SendGridTransport:
        """The transport configured by SENDGRID_API_KEY, BULLETIN_SENDGRID_URL and BULLETIN_SENDGRID_TIMEOUT."""
        env = os.environ if environ is None else environ
        key = env.get(KEY_VARIABLE, "")
        if not key.strip():
            raise ConfigError(missing_key_message())
        return cls(key, base_url=env.get(URL_VARIABLE) or None, timeout=timeout_from_env(env))

    def __repr__(self) -> str:
        return f"SendGridTransport({self.base_url!r})"


    def describe(self) -> str:
        """Where the mail goes."""
        return f"SendGrid ({self.base_url})"

    def post(self, body: Mapping[str, Any]) -> str | None:
        """POST /v3/mail/send; return X-Message-Id."""
        try:
            _, headers, _ = self.request("POST", "/mail/send", body, expect=(202,))
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
        """Any v3 call (path after /v3, e.g. '/mail/batch'): (status, headers, body), failures classified (module docstring).

        ``expect``: the success statuses SendGrid gives for this call, as in its spec.
        """
        request = urllib.request.Request(
            f"{self.base_url}/v3/{path.strip('/')}", method=method,
            data=None if body is None else encode(body),  # a dispatch's Body is JSON already (mail.py)
            headers={"Authorization": f"Bearer {self._key}", "Content-Type": "application/json", "Accept": "application/json",
                     "User-Agent": "bulletin (SendGrid v3 API client)"},
        )
        try:
            with web.deadline(self.timeout):
                try:
                    with self._opener.open(request, timeout=self.timeout) as response:
                        status, headers, content = response.status, response.headers, response.read()
                except urllib.error.HTTPError as exc:  # 3xx, 4xx, 5xx: an answer all the same
                    with exc:
                        status, headers, content = exc.code, exc.headers, exc.read()
        except web.DeadlineExceeded as exc:
            if isinstance(exc.cause, urllib.error.URLError):  # still connecting or writing: SendGrid has no whole request
                raise Retryable(self._redact(f"cannot reach SendGrid at {self.base_url}: {exc}")) from None
            raise OutcomeUnknown(f"{exc} from SendGrid after sending the request") from None
        except urllib.error.URLError as exc:
            # raised while connecting or writing the request: SendGrid does not have it
            raise Retryable(self._redact(f"cannot reach SendGrid at {self.base_url}: {_reason(exc.reason)}")) from None
        except (OSError, http.client.HTTPException) as exc:
            # the request was written, the answer did not come: it may have been accepted
            raise OutcomeUnknown(self._redact(f"no answer from SendGrid after sending the request: {_reason(exc)}")) from None
        return self._answer(status, headers, content or b"", expect)

    def _answer(self, status: int, headers: Any, content: bytes, expect: tuple[int, ...]) -> tuple[int, Any, bytes]:
        """The answer if it is a success; else the failure it proves (module docstring)."""
        page = bool(content) and _content_type(headers) == "text/html"
        if status in expect and not page:
            return status, headers, content
        phrase = _phrase(status)
        if 300 <= status < 400:
            where = str((headers or {}).get("Location") or "another address")
            raise Refused(self._redact(
                f"{self.base_url} answered {status} {phrase} (a redirect to {where}) instead of SendGrid's answer: bulletin never "
                f"follows a redirect, which would hand the API key to that address. Check {URL_VARIABLE} (it should be "
                f"{DEFAULT_URL}) and that no proxy or captive portal (hotel, train Wi-Fi) is in the way"
            ), status)
        if status == 429:
            wait = parse_retry_after((headers or {}).get("Retry-After"))
            reset = str((headers or {}).get("X-RateLimit-Reset") or "")
            if wait is None and reset.isdigit():
                wait = max(0.0, float(reset) - time.time())
            raise Retryable("SendGrid asks to slow down (429 Too Many Requests)", retry_after=wait)
        sendgrids = _sendgrid_errors(content, headers)
        if status >= 500 and sendgrids is not None:  # SendGrid itself says it failed: nothing was accepted
            detail = self._redact("; ".join(sendgrids))
            raise Retryable(f"SendGrid had an error ({status}{': ' + detail if detail else ''})")
        if 400 <= status < 500:
            messages = sendgrids if sendgrids is not None else error_messages(content)
            detail = self._redact("; ".join(messages))
            hint = _HINTS.get(status, "")
            text = f"SendGrid refused the request ({status}): {str(detail or phrase).rstrip('.')}"
            raise Refused(f"{text}. {hint[0].upper() + hint[1:]}." if hint else text, status)
        if status >= 500:
            what = f"{status} {phrase}{' with a web page' if page else ''}"
            raise UnexpectedAnswer(self._redact(
                f"{self.base_url} answered {what}, not in SendGrid's own error format{': ' + _snippet(content) if content else ''}; "
                "something between bulletin and SendGrid (a gateway or proxy) failed, possibly after SendGrid had accepted the request"
            ))
        what = "a web page" if status in expect else f"{status} instead of {expect[-1]} {_phrase(expect[-1])}"
        raise UnexpectedAnswer(self._redact(
            f"{self.base_url} answered {what}{': ' + _snippet(content) if content else ''}; "
            f"it may not be SendGrid (a proxy?), check {URL_VARIABLE}"
        ))

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


def _phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return "(unknown status)"


def _sendgrid_errors(body: bytes, headers: Any) -> list[str] | None:
    """SendGrid's messages if the body is its JSON error format ({"errors": [...]}), else None (someone else answered)."""
    if _content_type(headers) != "application/json":
        return None
    try:
        data = json.loads(body)
    except (ValueError, TypeError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("errors"), list):
        return None
    return error_messages(body)


def error_messages(body: bytes | str | None) -> list[str]:
    """SendGrid's error messages from an error body ({"errors": [{"message", "field"}]}), each after its field if it
    names one; a body in another form, its first 300 characters (the mail and the suppression APIs use this)."""
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


def timeout_from_env(env: Mapping[str, str]) -> float:
    """Seconds for one whole SendGrid request: BULLETIN_SENDGRID_TIMEOUT, else DEFAULT_TIMEOUT."""
    if not env.get(TIMEOUT_VARIABLE):
        return DEFAULT_TIMEOUT
    try:
        timeout = float(env[TIMEOUT_VARIABLE])
    except ValueError:
        timeout = math.nan
    if not 0 < timeout < math.inf:
        raise ConfigError(f"{TIMEOUT_VARIABLE} must be a number of seconds above 0, got '{env[TIMEOUT_VARIABLE]}'")
    return timeout
