"""The MIME message a subscriber would receive, built the way SendGrid sends it, for scoring."""

from __future__ import annotations

import datetime as dt
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from ..build import BuildResult
from ..render.context import fill_merge_tags

#: What SendGrid substitutes for its tags, in form (the real links are per recipient).
SAMPLE_SENDGRID = {
    "<%asm_group_unsubscribe_raw_url%>": "https://{domain}/unsubscribe?u=sample",
    "<%asm_global_unsubscribe_raw_url%>": "https://{domain}/unsubscribe?all=1&u=sample",
    "<%asm_preferences_raw_url%>": "https://{domain}/preferences?u=sample",
}
SAMPLE_RECIPIENT = Address("Sample Reader", "reader", "example.com")


def fill(text: str, result: BuildResult, domain: str) -> str:
    """Replace merge tags by their fallbacks and SendGrid tags by sample links, as in a delivered message."""
    fallbacks = {k.lower(): v for k, v in result.rendered.merge_fields.items()}
    text = fill_merge_tags(text, fallbacks, escape=False)
    for tag, url in SAMPLE_SENDGRID.items():
        text = text.replace(tag, url.format(domain=domain))
    return text


def sample_date(result: BuildResult) -> dt.datetime:
    """A fixed send time (the day after the period, 09:00 UTC) so the message is the same every run."""
    day = result.spec.period.end + dt.timedelta(days=1)
    return dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=dt.UTC)


def build_message(result: BuildResult, date: dt.datetime | None = None) -> EmailMessage:
    """multipart/alternative (text, then HTML) with the headers a bulk sender must set."""
    project, spec = result.project, result.spec
    sender = project.sender
    domain = sender.email.rpartition("@")[2] or "example.org"
    date = date or sample_date(result)
    unsubscribe = SAMPLE_SENDGRID["<%asm_group_unsubscribe_raw_url%>"].format(domain=domain)
    msg = EmailMessage()
    msg["From"] = formataddr((sender.name or project.organisation.name, sender.email))
    msg["To"] = str(SAMPLE_RECIPIENT)
    if sender.reply_to:
        msg["Reply-To"] = sender.reply_to
    msg["Subject"] = fill(spec.subject, result, domain)
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = f"<{spec.slug}.{result.manifest.get('content_hash', 'x')[:16]}@{domain}>"
    msg["List-Unsubscribe"] = f"<{unsubscribe}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(fill(result.rendered.text, result, domain), subtype="plain", cte="quoted-printable")
    msg.add_alternative(fill(result.rendered.html, result, domain), subtype="html", cte="quoted-printable")
    msg.set_boundary(f"=_bulletin_{result.manifest.get('content_hash', 'x')[:24]}")  # deterministic bytes
    return msg


def received_header(result: BuildResult, date: dt.datetime | None = None) -> str:
    """A Received line as the sending service adds it, so date rules compare against a real hop."""
    date = date or sample_date(result)
    return (f"from mail.sendgrid.net (mail.sendgrid.net [149.72.0.1]) by mx.example.com with ESMTPS "
            f"id sample; {format_datetime(date)}")
