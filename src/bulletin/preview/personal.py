"""Personalised views for the preview: fill merge tags as one subscriber (or nobody) would see them."""

from __future__ import annotations

from pathlib import Path

from email_validator import EmailNotValidError

from ..addresses import normalise
from ..audience import Recipient, read_audience
from ..errors import AudienceError
from ..languages import match
from ..model import Project
from ..suppressions import suppressed_keys
from ..words import count

#: How many addresses the page's picker lists; enough to find someone, small enough to stay fast.
PICKER_LIMIT = 200

def subscribers_path(project: Project) -> Path:
    """The project's subscribers file, absolute."""
    path = Path(project.subscribers)
    return path if path.is_absolute() else Path(project.root) / path


def _recipients(project: Project, fields: list[str]) -> tuple[list[Recipient], int]:
    # read as the send will (delimiter, encoding, normalised addresses, unsubscribed rows dropped),
    # so the preview shows what a real recipient would get
    audience = read_audience(
        subscribers_path(project), fields=fields, encoding=project.subscribers_encoding or "utf-8-sig", shown=project.subscribers,
        sendgrid=suppressed_keys(project.root, project.state_dir), languages=project.editions,
    )
    recipients = list(audience)
    withdrawn = audience.report.withdrawn
    recipients = [r for r in recipients if r.key not in withdrawn]
    return recipients, audience.report.rows


def find_subscriber(project: Project, email: str, fields: list[str] | None = None) -> dict[str, str]:
    """The merge values of subscribed ``email`` (case-insensitive), by field; AudienceError if absent. The field
    ``language`` is the edition the send gives them (read from whichever language column the file has)."""
    names = [f.lower() for f in (fields or [])]
    try:  # the stored keys are normalised (an accented domain in its ASCII form): compare like with like
        wanted = normalise(email).lower()
    except EmailNotValidError:
        wanted = email.strip().lower()
    recipients, rows = _recipients(project, names)
    for recipient in recipients:
        if recipient.key == wanted:
            values = dict(zip(names, recipient.values, strict=True))
            if "language" in names and len(project.editions) > 1:
                values["language"] = recipient.lang
            return values
    raise AudienceError(
        f"{project.subscribers}: '{email.strip()}' is not one of the {count(len(recipients), 'subscribed address', 'subscribed addresses')} "
        f"({count(rows, 'row')}; unsubscribed and bounced rows, and addresses SendGrid suppresses, get nothing)"
    )


def picker_emails(project: Project, limit: int = PICKER_LIMIT) -> tuple[list[str], int]:
    """The first ``limit`` subscribed addresses, and how many there are."""
    recipients, _ = _recipients(project, [])
    return [r.email for r in recipients[:limit]], len(recipients)


def edition_for(project: Project, row: dict[str, str] | None) -> str:
    """The edition a subscriber gets: their ``language`` column as the send reads it (``fr-BE``, ``FR`` → ``fr``); blank
    or a language the project does not have → the default."""
    return match((row or {}).get("language"), project.editions) or project.editions[0]


def merge_values(merge_fields: dict[str, str], row: dict[str, str] | None) -> dict[str, str]:
    """The value of every merge field: the subscriber's column when filled, else the fallback."""
    row = row or {}
    return {name: row.get(name.lower()) or fallback for name, fallback in merge_fields.items()}
