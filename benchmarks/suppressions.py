"""Suppressions benchmark: what SendGrid's suppressions cost the subscribers reader, and a sync's storing.

Reads a generated subscribers file of 1,000,000 rows with no suppressions and with 100,000 suppressed
keys (the mapping the send path passes to the audience), and stores 100,000 synced suppressions
(500 per page, one transaction each, as ``bulletin sync`` does) plus loading them back.

    .venv/bin/python benchmarks/suppressions.py [--rows 1000000] [--suppressed 100000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from pathlib import Path

from bulletin.audience import Audience
from bulletin.suppressions import SuppressionStore


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--suppressed", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        csv = Path(folder) / "people.csv"
        with open(csv, "w", encoding="utf-8") as handle:
            handle.write("email,name,lists,status\n")
            for i in range(args.rows):
                handle.write(f"person{i}@members.example,Person {i},members,subscribed\n")
        keys = {f"person{i * (args.rows // args.suppressed)}@members.example": "bounce" for i in range(args.suppressed)}
        for label, mapping in (("no suppressions", {}), (f"{args.suppressed:,} suppressed", keys)):
            start = time.perf_counter()
            audience = Audience(csv, list_name="members", sendgrid=mapping)
            count = sum(1 for _ in audience)
            print(f"read {args.rows:,} rows, {label}: {time.perf_counter() - start:.2f} s ({count:,} recipients)")
        now = dt.datetime.now(dt.UTC)
        with SuppressionStore(Path(folder) / "state" / "ledger.db") as store:
            start = time.perf_counter()
            rows = [(f"person{i}@members.example", "bounce", "550 5.1.1 user unknown", 1_600_000_000 + i) for i in range(args.suppressed)]
            for page in range(0, len(rows), 500):
                with store.transaction():
                    store.add(rows[page:page + 500], source="sync", now=now)
            stored = time.perf_counter() - start
            start = time.perf_counter()
            loaded = store.suppressed()
            print(f"store {args.suppressed:,} suppressions in pages of 500: {stored:.2f} s; load them for a send: "
                  f"{time.perf_counter() - start:.2f} s ({len(loaded):,})")


if __name__ == "__main__":
    main()
