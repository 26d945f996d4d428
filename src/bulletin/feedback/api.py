"""A small read-only client for SendGrid's suppression and statistics endpoints.

Every request carries the key, so: redirects are never followed (a 3xx is an error), each request has
a whole-request deadline (connect, send, headers and body together: ``bulletin.web.fetch``, whose
deadline cuts the socket), answers are bounded in size, and
the key never appears in an error. GETs are idempotent: 429 (waiting Retry-After), 5xx and lost
connections are retried through the send path's ``RetryPolicy``.
"""

from __future__ import annotations

import http.client
import json
import os
import time
import urllib.error
import urllib.parse
from collections.abc import Iterator, Mapping
from typing import Any

from .. import web
from ..dispatch.retry import RetryPolicy, parse_retry_after
from ..dispatch.sendgrid import DEFAULT_URL, KEY_VARIABLE, URL_VARIABLE, error_messages, missing_key_message, timeout_from_env
from ..dispatch.transport import Refused, Retryable
from ..errors import ConfigError, DispatchError

DEFAULT_DEADLINE = 60.0  # seconds for one whole request
MAX_ANSWER = 32 << 20  # bytes: a page of 500 suppressions is ~50 KB
PAGE = 500  # SendGrid's largest page for the suppression lists

_HINTS = {
    401: f"the API key was refused: check {KEY_VARIABLE}",
    403: "the API key may not read this (give it read access to 'Suppressions' and 'Stats' in SendGrid's API key settings)",
    404: f"not found: check {URL_VARIABLE} (and sendgrid.unsubscribe_group_id in bulletin.yaml)",
}


class SendGridAPI:
    """GET JSON from SendGrid's v3 API with the project's key."""

    def __init__(self, api_key: str, *, base_url: str | None = None, deadline: float = DEFAULT_DEADLINE,
                 retry: RetryPolicy | None = None, page_size: int = PAGE) -> None:
        self._key = api_key.strip()
        if not self._key:
            raise ConfigError(missing_key_message())
        if not all("!" <= c <= "~" for c in self._key):
            raise ConfigError(f"{KEY_VARIABLE} holds a space, a line break or a character no API key has: copy the key from SendGrid again")
        self.base_url = (base_url or DEFAULT_URL).strip().rstrip("/")
        parts = urllib.parse.urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(f"{URL_VARIABLE} must be a web address like {DEFAULT_URL}, got '{self.base_url}'")
        self._parts = parts
        self.deadline = deadline
        self.retry = retry or RetryPolicy()
        self.requests = 0
        self.page_size = page_size

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, retry: RetryPolicy | None = None) -> SendGridAPI:
        """The client configured by SENDGRID_API_KEY, BULLETIN_SENDGRID_URL and BULLETIN_SENDGRID_TIMEOUT."""
        env = os.environ if environ is None else environ
        return cls(env.get(KEY_VARIABLE, ""), base_url=env.get(URL_VARIABLE) or None, deadline=timeout_from_env(env), retry=retry)

    def get(self, path: str, query: Mapping[str, str | int] | None = None, *, on_wait: Any = None) -> Any:
        """GET /v3<path>?query and return its JSON; retried when that is safe."""
        return self.retry.call(lambda: self._get(path, query or {}), on_wait)

    def pages(self, path: str, query: Mapping[str, str | int] | None = None, *, on_wait: Any = None) -> Iterator[list[Any]]:
        """Each page of a list endpoint that pages with limit/offset, until a short page."""
        offset, limit = 0, self.page_size
        while True:
            page = self.get(path, {**(query or {}), "limit": limit, "offset": offset}, on_wait=on_wait)
            if not isinstance(page, list):
                raise DispatchError(f"SendGrid's answer to GET /v3{path} is not a list")
            yield page
            if len(page) < limit:
                return
            offset += len(page)

    def _get(self, path: str, query: Mapping[str, str | int]) -> Any:
        status, headers, body = self._request("GET", path, query)
        if status == 200:
            try:
                return json.loads(body or b"null")
            except ValueError:
                raise DispatchError(f"{self.base_url} answered GET /v3{path} with something that is not JSON; check {URL_VARIABLE}") from None
        if status == 429:
            wait = parse_retry_after(headers.get("retry-after"))
            reset = headers.get("x-ratelimit-reset", "")
            if wait is None and reset.isdigit():
                wait = max(0.0, float(reset) - time.time())
            raise Retryable("SendGrid asks to slow down (429 Too Many Requests)", retry_after=wait)
        if status >= 500:
            raise Retryable(f"SendGrid had an error ({status})")
        if 300 <= status < 400:
            raise Refused(f"{self.base_url} answered GET /v3{path} with a redirect ({status}), which is not followed "
                          f"(it would carry the API key elsewhere); check {URL_VARIABLE}", status)
        detail = self._redact("; ".join(error_messages(body)))
        hint = _HINTS.get(status, "")
        raise Refused(f"SendGrid refused GET /v3{path} ({status}){': ' + detail if detail else ''}" + (f". {hint[0].upper()}{hint[1:]}." if hint else ""), status)

    def _request(self, method: str, path: str, query: Mapping[str, str | int]) -> tuple[int, dict[str, str], bytes]:
        """One request under one whole-request deadline (bulletin.web): (status, lower-cased headers, body)."""
        parts = self._parts
        target = f"{parts.path.rstrip('/')}/v3{path}" + (f"?{urllib.parse.urlencode(query)}" if query else "")
        headers = {"Authorization": f"Bearer {self._key}", "Accept": "application/json", "User-Agent": "bulletin"}
        self.requests += 1
        try:  # GET only: fetch() reads whole answers; the key never follows a redirect
            answer = web.fetch(f"{parts.scheme}://{parts.netloc}{target}", seconds=self.deadline, max_bytes=MAX_ANSWER,
                               headers=headers, follow_redirects=False)
        except web.TooLarge:
            raise DispatchError(f"SendGrid's answer to {method} /v3{path} is larger than {MAX_ANSWER >> 20} MB; check {URL_VARIABLE}") from None
        except web.DeadlineExceeded as exc:
            raise Retryable(f"no answer from SendGrid at {self.base_url}: timed out (no complete answer within {exc.seconds:g} s)") from None
        except urllib.error.URLError as exc:
            raise Retryable(self._redact(f"no answer from SendGrid at {self.base_url}: {exc.reason}")) from None
        except (OSError, http.client.HTTPException, ValueError) as exc:
            raise Retryable(self._redact(f"no answer from SendGrid at {self.base_url}: {exc or type(exc).__name__}")) from None
        return answer.status, answer.headers, answer.body

    def _redact(self, text: str) -> str:
        return text.replace(self._key, "[redacted]")
