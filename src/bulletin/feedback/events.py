"""Event Webhook events, kept in the state database for ``bulletin report`` (clicks per item and section).

One row per ``sg_event_id`` (SendGrid delivers at least once: a replayed batch changes nothing). No
address is kept here: ``person`` is a digest, enough to count unique clickers. Events that make a
suppression (bounce, dropped, spam report, unsubscribe, group unsubscribe) also go to the suppression
store at once, with their address, since they must keep it out of the next send.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from ..ledger_feedback import Event, FeedbackStore

#: Event -> suppression kind (suppressions.KINDS).
SUPPRESSING_EVENTS = {"bounce": "bounce", "dropped": "dropped", "spamreport": "spam_report", "unsubscribe": "unsubscribe",
                      "group_unsubscribe": "group_unsubscribe"}
#: A drop suppresses only when it is about the address; not for "Spam Content" (the message) or a bad request.
ADDRESS_DROPS = ("bounced address", "unsubscribed address", "spam reporting address", "invalid")


@dataclass(frozen=True)
class Stored:
    """What one batch of events did."""

    received: int
    new: int
    suppressions: int


def person(email: str) -> str:
    """The digest standing for an address."""
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def categories_of(event: dict[str, Any]) -> list[str]:
    """An event's categories: SendGrid sends one as a string, several as a list."""
    found = event.get("category")
    if isinstance(found, str):
        return [found]
    return [str(c) for c in found] if isinstance(found, list) else []


def store_events(store: FeedbackStore, events: Iterable[dict[str, Any]], now: dt.datetime) -> Stored:
    """Store a batch of events (deduplicated) and apply the suppressing ones, in one transaction."""
    received = new = made = 0
    with store.transaction():
        for event in events:
            received += 1
            kind, email = str(event.get("event") or ""), str(event.get("email") or "")
            event_id = event.get("sg_event_id")
            if not event_id or not kind:
                continue
            when = int(event.get("timestamp") or now.timestamp())
            stored = Event(str(event_id), kind, when, categories_of(event), str(event["url"]) if event.get("url") else None,
                           person(email) if email else None)
            if not store.add_event(stored, now):
                continue  # a replay
            new += 1
            about_address = kind != "dropped" or str(event.get("reason") or "").strip().lower().startswith(ADDRESS_DROPS)
            if kind in SUPPRESSING_EVENTS and email and about_address:
                reason = " ".join(str(event[k]) for k in ("status", "reason") if event.get(k))
                if kind == "group_unsubscribe" and event.get("asm_group_id"):
                    reason = f"unsubscribe group {event['asm_group_id']}"
                made += store.add([(email, SUPPRESSING_EVENTS[kind], reason, when)], source="webhook", now=now)
    return Stored(received, new, made)

