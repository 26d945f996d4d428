"""What a transport is, and the three ways a request can fail.

A transport takes one request body (the JSON SendGrid's ``POST /v3/mail/send`` expects; a
``mail.Body`` when it comes from a dispatch: its JSON encoded once, fast) and either
returns the message id or raises one of:

``Retryable``       not delivered, safe to try again (429, the API's own 5xx, no connection, request
                    not fully sent)
``OutcomeUnknown``  the request was sent but no complete answer came (timeout, deadline, connection
                    dropped), or an answer the API never gives (``UnexpectedAnswer``: a gateway's 5xx,
                    a web page): it may have been accepted, so it is never retried automatically
``Refused``         the API said no (400, 401, 403, 413...), or redirected (never followed): stop and
                    show why

``sendgrid.py`` states, per answer, which of these it is.

A transport that can schedule (``Scheduling``) also creates and cancels batch ids.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from ..errors import DispatchError


class Transport(Protocol):
    """Sends request bodies; ``name`` is stored in the ledger (dispatches are per transport)."""

    name: str

    def post(self, body: Mapping[str, Any]) -> str | None:
        """Send one request; return the message id (SendGrid's X-Message-Id) if there is one."""
        ...  # pragma: no cover

    def describe(self) -> str:
        """Where the mail goes, for the send plan: 'SendGrid (https://api.sendgrid.com)'."""
        ...  # pragma: no cover


class Scheduling(Protocol):
    """A transport that can schedule: batch ids group a dispatch's requests so they can be cancelled together."""

    def create_batch(self) -> str:
        """A new batch id."""
        ...  # pragma: no cover

    def cancel_batch(self, batch_id: str) -> None:
        """Cancel every request sent with this batch id (fine if cancelled already)."""
        ...  # pragma: no cover

    def batch_status(self, batch_id: str) -> str | None:
        """'cancel', 'pause', or None when the batch will be sent."""
        ...  # pragma: no cover


class Retryable(Exception):
    """Not delivered; try again after ``retry_after`` seconds if given, else back off."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class OutcomeUnknown(Exception):
    """The request left but its answer did not arrive: it may or may not have been accepted."""


class UnexpectedAnswer(OutcomeUnknown):
    """An answer the API never gives (a proxy's page instead of 202 Accepted): unknown, and trying again will not help."""


class Refused(DispatchError):
    """The API refused the request; the message holds its error messages (never the key)."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status
