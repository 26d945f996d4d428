"""The MIME message a subscriber would receive, built as it is sent (dispatch's request body, the outbox's
message), with SendGrid's tags as sample links, for scoring."""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime

from ..build import BuildResult
from ..mail import BodyBuilder, message_for, sample

#: What SendGrid substitutes for its tags, in form (the real links are per recipient).
SAMPLE_SENDGRID = {
    "<%asm_group_unsubscribe_raw_url%>": "https://{domain}/unsubscribe?u=sample",
    "<%asm_global_unsubscribe_raw_url%>": "https://{domain}/unsubscribe?all=1&u=sample",
    "<%asm_preferences_raw_url%>": "https://{domain}/preferences?u=sample",
}
SAMPLE_RECIPIENT = "reader@example.com"


def sample_date(result: BuildResult) -> dt.datetime:
    """A fixed send time (the day after the period, 09:00 UTC) so the message is the same every run."""
    day = result.spec.period.end + dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=dt.UTC)


def build_message(result: BuildResult, date: dt.datetime | None = None) -> EmailMessage:
    """multipart/alternative (text, then HTML) with the headers bulletin sends, for a recipient with no merge values."""
    message = message_for(result)
    domain = message.from_email.rpartition("@")[2] or "example.org"
    body = dict(BodyBuilder(message, custom_args={}).body([[SAMPLE_RECIPIENT, *("" for _ in message.fields)]], batch=1))
    # SendGrid's tags appear in the content and the List-Unsubscribe header
    body["content"] = [{**part, "value": _sample_links(part["value"], domain)} for part in body["content"]]
    body["headers"] = {name: _sample_links(value, domain) for name, value in body["headers"].items()}
    digest = result.manifest.get("content_hash", "x")
    msg = sample(body, date or sample_date(result), message_id=f"<{result.spec.slug}.{digest[:16]}@{domain}>")
    msg.set_boundary(f"=_bulletin_{digest[:24]}")  # deterministic bytes
    return msg


def _sample_links(text: str, domain: str) -> str:
    for tag, url in SAMPLE_SENDGRID.items():
        text = text.replace(tag, url.format(domain=domain))
    return text


def received_header(result: BuildResult, date: dt.datetime | None = None) -> str:
    """A Received line as the sending service adds it, so date rules compare against a real hop."""
    date = date or sample_date(result)
    return (f"from mail.sendgrid.net (mail.sendgrid.net [149.72.0.1]) by mx.example.com with ESMTPS "
            f"id sample; {format_datetime(date)}")
