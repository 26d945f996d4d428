"""Numbers in messages as people write them: '1 recipient', '2,500 recipients'."""

from __future__ import annotations


def count(number: int, noun: str, plural: str | None = None) -> str:
    """``number`` with thousands separators and ``noun`` in the singular or plural (``noun + 's'`` by default)."""
    return f"{number:,} {noun if number == 1 else plural or noun + 's'}"
