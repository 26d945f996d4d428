"""The email as it is mailed: the message of a dispatch, the SendGrid request body of each batch,
and the MIME message a recipient gets (the outbox's sample, the checks' input).

Merge fields: the build leaves tags like ``*|NAME|*`` in the subject, text and HTML. SendGrid fills
them per recipient through ``substitutions``, the same value in every part, so the HTML part gets
its own tags (``*|NAME:HTML|*``) holding the HTML-escaped value: "Tom & Jerry <3" reads right in both
parts and a value can never inject markup. A request whose values all read the same escaped (most: no
``&<>"'`` in them) has the HTML part keep the plain tags and one substitution per field: the same email in
a smaller request. Line breaks and control characters become spaces, and a value can never hold a merge tag.
"""

from __future__ import annotations

import datetime as dt
import html as htmllib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid
from typing import Any

from .build import BuildResult
from .model import IssueSpec
from .render import Rendered
from .render.context import UNSUBSCRIBE_TAG, merge_tag

MAX_PER_REQUEST = 1000  # SendGrid: at most 1000 personalizations per request
#: Every real dispatch also carries this category, unique to the issue: `bulletin report` reads its statistics.
#: It holds the issue's name only, never personal data (SendGrid stores categories and echoes them in events).
ISSUE_CATEGORY = "bulletin-issue-{slug}"
TEST_PREFIX = "[TEST] "
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")
_SPECIAL = re.compile(r"[&<>\"']")  # what html.escape changes
_STRING = json.encoder.encode_basestring  # a str as a JSON string (non-ASCII kept), in C


@dataclass(frozen=True)
class Message:
    """What every request of a dispatch carries apart from its recipients; frozen in the ledger."""

    slug: str
    subject: str
    html: str
    text: str
    from_email: str
    from_name: str | None
    reply_to: str | None
    categories: tuple[str, ...]
    group_id: int | None
    fields: tuple[str, ...]  # merge field names (lower case), the order of each recipient's values
    fallbacks: tuple[str, ...]
    lang: str = ""  # the edition's language ("" in dispatches planned before editions)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form, for the ledger."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Message:
        """Inverse of to_dict (the other editions stored with a dispatch's default one are left to ``messages_from_dict``)."""
        values = {k: v for k, v in data.items() if k != "editions"}
        for key in ("categories", "fields", "fallbacks"):
            values[key] = tuple(values.get(key) or ())
        return cls(**values)

    def as_test(self) -> Message:
        """The same message with the subject marked as a test, without the issue's category (tests are not in its report)."""
        categories = tuple(c for c in self.categories if c != issue_category(self.slug))
        return Message(**{**asdict(self), "subject": TEST_PREFIX + self.subject, "categories": categories})


def message_for(result: BuildResult) -> Message:
    """The message of a built issue: of ``result.spec`` and ``result.rendered`` (the default language's edition, or the one
    edition a result stands for)."""
    fields = tuple(result.rendered.merge_fields)
    return _message(result, result.spec, result.rendered, fields, result.spec.lang or result.project.editions[0])


def messages_for(result: BuildResult) -> dict[str, Message]:
    """The message of each edition of a built issue, the default language first; all take the merge fields of every
    edition, in one order (a recipient's values are read once, whichever edition they get)."""
    editions = [(lang, e.spec, e.rendered) for lang, e in result.editions.items()]
    if not editions:
        return {(message := message_for(result)).lang: message}
    fields = tuple(dict.fromkeys(f for _, _, rendered in editions for f in rendered.merge_fields))
    return {lang: _message(result, spec, rendered, fields, lang) for lang, spec, rendered in editions}


def _message(result: BuildResult, spec: IssueSpec, rendered: Rendered, fields: tuple[str, ...], lang: str) -> Message:
    project = result.project
    default = next(iter(result.editions.values())).rendered.merge_fields if result.editions else rendered.merge_fields
    return Message(
        slug=result.spec.slug,
        subject=spec.subject,
        html=rendered.html,
        text=rendered.text,
        from_email=project.sender.email,
        from_name=project.sender.name,
        reply_to=project.sender.reply_to,
        categories=tuple(dict.fromkeys([*project.sendgrid.categories, issue_category(result.spec.slug)])),
        group_id=project.sendgrid.unsubscribe_group_id,
        fields=fields,
        fallbacks=tuple(rendered.merge_fields.get(f, default.get(f, "")) for f in fields),
        lang=lang,
    )


def messages_to_dict(messages: Mapping[str, Message]) -> dict[str, Any]:
    """The editions' messages as a dispatch stores them: the default one's form, with the others under ``editions``."""
    default, *others = messages.values()
    data = default.to_dict()
    if others:
        data["editions"] = {message.lang: message.to_dict() for message in others}
    return data


def messages_from_dict(data: Mapping[str, Any]) -> dict[str, Message]:
    """Inverse of messages_to_dict: each edition's message by language, the default first."""
    default = Message.from_dict(dict(data))
    messages = {default.lang: default}
    for lang, values in dict(data.get("editions") or {}).items():
        messages[str(lang)] = Message.from_dict(values)
    return messages


def issue_category(slug: str) -> str:
    """The SendGrid category unique to an issue."""
    return ISSUE_CATEGORY.format(slug=slug)


def tag(name: str) -> str:
    """The merge tag of a field in the subject and text: *|NAME|*."""
    return merge_tag(name)


def html_tag(name: str) -> str:
    """The merge tag of a field in the HTML part: *|NAME:HTML|*."""
    return f"*|{name.upper()}:HTML|*"


class Body(Mapping[str, Any]):
    """A request body: its JSON (``data``, UTF-8, what is sent or written) and, read on demand, the data."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self._decoded: dict[str, Any] | None = None

    def _body(self) -> dict[str, Any]:
        if self._decoded is None:
            self._decoded = dict(json.loads(self.data))
        return self._decoded

    def __getitem__(self, key: str) -> Any:
        return self._body()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._body())

    def __len__(self) -> int:
        return len(self._body())

    def __repr__(self) -> str:
        return f"Body({len(self.data)} bytes)"


def encode(body: Mapping[str, Any]) -> bytes:
    """A request body as it is sent: compact JSON, UTF-8 (a ``Body`` is encoded already)."""
    if isinstance(body, Body):
        return body.data
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class BodyBuilder:
    """Builds request bodies quickly: the constant part encoded once, then one small JSON object per recipient."""

    def __init__(self, message: Message, *, custom_args: dict[str, str]) -> None:
        self.message = message
        html = message.html
        for name in message.fields:
            html = html.replace(tag(name), html_tag(name))
        sender: dict[str, str] = {"email": message.from_email}
        if message.from_name:
            sender["name"] = message.from_name
        base: dict[str, Any] = {"from": sender, "subject": message.subject}
        if message.reply_to:
            base["reply_to"] = {"email": message.reply_to}
        base["content"] = [{"type": "text/plain", "value": message.text}, {"type": "text/html", "value": html}]
        if message.categories:
            base["categories"] = list(message.categories)
        base["headers"] = unsubscribe_headers(message)
        if message.group_id:
            base["asm"] = {"group_id": message.group_id}
        self._base = _members(base)  # the HTML part with its own tags, filled with the escaped values
        base["content"] = [{"type": "text/plain", "value": message.text}, {"type": "text/html", "value": message.html}]
        self._plain_base = _members(base)  # ... or with the plain ones, when no value changes when escaped
        self.custom_args = dict(custom_args)
        self._tags = [(_STRING(tag(f)), _STRING(html_tag(f)), fb) for f, fb in zip(message.fields, message.fallbacks, strict=True)]

    def body(self, rows: Sequence[Sequence[str]], *, batch: int, send_at: int | None = None, batch_id: str | None = None) -> Body:
        """The request body for recipient rows [email, merge values...]; at most 1000 rows."""
        if len(rows) > MAX_PER_REQUEST:
            raise ValueError(f"{len(rows)} recipients in one request; SendGrid allows {MAX_PER_REQUEST}")
        people, base = self._people(rows, escaped=False), self._plain_base
        if people is None:  # a value changes when escaped: the HTML part takes its own tags
            people, base = self._people(rows, escaped=True), self._base
        tail: dict[str, Any] = {"custom_args": {**self.custom_args, "bulletin_batch": str(batch)}}
        if send_at is not None:
            tail["send_at"] = int(send_at)
        if batch_id is not None:
            tail["batch_id"] = batch_id
        text = '{"personalizations":[' + ",".join(people or ()) + "]," + base + "," + _members(tail) + "}"
        return Body(text.encode())

    def _people(self, rows: Sequence[Sequence[str]], *, escaped: bool) -> list[str] | None:
        """Each recipient's personalization (JSON); ``escaped``: with the HTML part's tags, else None as soon as a value
        would change when escaped."""
        tags, string, special, escape = self._tags, _STRING, _SPECIAL.search, htmllib.escape
        people: list[str] = []
        append = people.append
        for row in rows:
            if not tags:
                append('{"to":[{"email":%s}]}' % string(row[0]))
                continue
            subs: list[str] = []
            for (text_tag, html_tag_, fallback), value in zip(tags, row[1:], strict=False):
                value = clean(value) or fallback
                text = string(value)
                if not escaped:
                    if special(value):
                        return None
                    subs.append(f"{text_tag}:{text}")
                    continue
                subs.append(f"{text_tag}:{text},{html_tag_}:{string(escape(value)) if special(value) else text}")
            append('{"to":[{"email":%s}],"substitutions":{%s}}' % (string(row[0]), ",".join(subs)))
        return people


def _members(data: dict[str, Any]) -> str:
    """The members of a JSON object, without its braces: joined into a larger object."""
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))[1:-1]


def clean(value: str) -> str:
    """A merge value as data: no line breaks or control characters, no merge tags, trimmed."""
    if not value:
        return ""
    value = value.strip() if value.isprintable() else _CONTROL.sub(" ", value).strip()
    # a cell holding *|ORGANISATION|* must not be filled in as a tag (SendGrid may substitute in values)
    return value.replace("*|", "* |") if "*|" in value else value


def unsubscribe_headers(message: Message) -> dict[str, str]:
    """List-Unsubscribe (mailto, plus SendGrid's one-click URL with an ASM group) and List-Unsubscribe-Post (RFC 8058)."""
    mailbox = message.reply_to or message.from_email
    links = [f"<mailto:{mailbox}?subject=unsubscribe>"]
    headers = {}
    if message.group_id:
        links.append(f"<{UNSUBSCRIBE_TAG}>")
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"  # RFC 8058 needs the https link
    return {"List-Unsubscribe": ", ".join(links), **headers}


def fill(text: str, substitutions: dict[str, str]) -> str:
    """Apply substitutions as SendGrid does (for the outbox's sample message)."""
    for key, value in substitutions.items():
        text = text.replace(key, value)
    return text


def sample(body: Mapping[str, Any], when: dt.datetime, message_id: str | None = None) -> EmailMessage:
    """The message the first recipient of a request body would get (the outbox's .eml, the spam check's input)."""
    first = body["personalizations"][0]
    subs: dict[str, str] = first.get("substitutions", {})
    msg = EmailMessage()
    sender = body["from"]
    msg["From"] = formataddr((sender.get("name") or "", sender["email"]))
    msg["To"] = first["to"][0]["email"]
    if body.get("reply_to"):
        msg["Reply-To"] = body["reply_to"]["email"]
    msg["Subject"] = fill(body["subject"], subs)
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = message_id or make_msgid(domain=sender["email"].rpartition("@")[2])
    for key, value in body.get("headers", {}).items():
        msg[key] = value
    if body.get("categories"):
        msg["X-Categories"] = ", ".join(body["categories"])
    parts = {c["type"]: fill(c["value"], subs) for c in body["content"]}
    msg.set_content(parts.get("text/plain", ""), cte="quoted-printable")
    if "text/html" in parts:
        msg.add_alternative(parts["text/html"], subtype="html", cte="quoted-printable")
    return msg
