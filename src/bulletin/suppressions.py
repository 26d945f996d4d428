"""Suppressions: addresses SendGrid says must not be mailed, kept in the project's state database.

``bulletin sync`` (feedback/sync.py) and the Event Webhook (feedback/webhook.py) write them; every place
that chooses recipients reads them (``suppressed_keys``) and leaves those addresses out. One row per
address and kind, keyed by the address in the normal form used for sending (addresses.py), lower-cased
as the subscribers reader compares them. The subscribers file itself is never edited.

The rows are kept by ``ledger_feedback.FeedbackStore`` (the tables live in the ledger's SQLite file);
this module holds what they mean: who is suppressed, why, and whether the last sync is too old.
"""

from __future__ import annotations

import datetime as dt
import os

from .ledger_feedback import KINDS, SUPPRESSING, FeedbackStore, Suppression, key_of, state_db

__all__ = ["KINDS", "STALE_AFTER", "SUPPRESSING", "Suppression", "key_of", "kind_counts", "last_sync", "stale_warning",
           "suppressed_keys", "why"]

STALE_AFTER = dt.timedelta(days=7)  # send warns when the last sync is older


def suppressed_keys(root: str | os.PathLike[str], state_dir: str) -> dict[str, str]:
    """key -> kind of every address SendGrid suppresses, for the subscribers reader; {} before the first sync."""
    path = state_db(root, state_dir)
    if not path.exists():
        return {}
    with FeedbackStore(path, create=False) as store:
        return store.suppressed()


def last_sync(root: str | os.PathLike[str], state_dir: str) -> dt.datetime | None:
    """When ``bulletin sync`` last finished, or None."""
    path = state_db(root, state_dir)
    if not path.exists():
        return None
    with FeedbackStore(path, create=False) as store:
        return store.last_sync()


def stale_warning(last: dt.datetime | None, now: dt.datetime) -> str | None:
    """The send plan's warning when SendGrid's suppressions were not fetched for over 7 days."""
    if last is None:
        return ("SendGrid's suppression lists (unsubscribes, bounces, spam reports) were never fetched: run bulletin sync "
                "before sending, so that nobody who left through SendGrid is mailed")
    if now - last > STALE_AFTER:
        return (f"SendGrid's suppression lists were last fetched {(now - last).days} days ago: run bulletin sync before sending")
    return None


def kind_counts(text_counts: dict[str, int]) -> str:
    """'9 bounced, 2 spam reports, 1 unsubscribed' from counts per kind, most serious first."""
    from .words import count

    parts = []
    for kind, word in KINDS.items():
        n = text_counts.get(kind, 0)
        if n:
            parts.append(count(n, word) if kind == "spam_report" else f"{n:,} {word}")
    return ", ".join(parts)


def why(root: str | os.PathLike[str], state_dir: str, key: str) -> str | None:
    """Why SendGrid suppresses an address ('bounced at SendGrid on 2021-05-03: 550 user unknown'), or None."""
    path = state_db(root, state_dir)
    if not path.exists():
        return None
    with FeedbackStore(path, create=False) as store:
        found = [s for s in store.rows_for(key) if s.kind in SUPPRESSING]
    if not found:
        return None
    first = min(found, key=lambda s: list(KINDS).index(s.kind))
    reason = f": {first.reason}" if first.reason else ""
    return f"{KINDS[first.kind]} at SendGrid on {first.when:%Y-%m-%d}{reason}"
