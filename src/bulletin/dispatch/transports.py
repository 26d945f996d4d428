"""The transport a dispatch goes through, by the name bulletin.yaml (or the ledger) gives it."""

from __future__ import annotations

from pathlib import Path

from ..errors import LedgerError
from ..ledger import Clock
from ..model import Project
from .outbox import OutboxTransport
from .sendgrid import SendGridTransport
from .transport import Transport


def transport_for(name: str, project: Project, clock: Clock | None = None) -> Transport:
    """The transport a dispatch was planned for (SendGrid needs SENDGRID_API_KEY)."""
    if name == "outbox":
        return OutboxTransport(Path(project.root) / project.outbox_dir, shown=project.outbox_dir, clock=clock)
    if name == "sendgrid":
        return SendGridTransport.from_env()
    raise LedgerError(f"the ledger names a transport bulletin does not know: '{name}'")
