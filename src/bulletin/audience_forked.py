"""Reading a large subscribers file on both cores: a forked child reads the rows, this process dedupes them.

The child streams what each row says (``RowReader``, the first stage) through a pipe; this process
replays it in file order through ``Dedupe`` (the second stage) while its caller plans the send, then adds
the child's figures (rows left out, bad rows, lists) to the report. The outcome is the one of reading the
file here, row by row: the same recipients, counts, bad rows and errors (after the same recipients).
"""

from __future__ import annotations

import io
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from . import forked
from .audience_cells import MAX_REPORTED
from .audience_rows import Dedupe, Recipient, RowReader
from .spreadsheet import Table

CHUNK = 1000  # rows' results per message from the child, and recipients per list


def file_size(raw: io.BufferedReader) -> int:
    """The file's size in bytes."""
    return os.fstat(raw.fileno()).st_size


def read_forked(table: Table, reader: RowReader, dedupe: Dedupe) -> Iterator[list[Recipient]]:
    """The recipients, in lists, of the rows ``table`` reads (its header read), read by a forked child and deduped
    here; then the child's figures are added to the report."""
    child = forked.Forked(_first_stage(reader, table))
    try:
        for results in child:
            yield dedupe.take_all(results)
    finally:
        child.stop()
    read = child.result
    report = reader.report
    report.rows += read["rows"]
    report.skipped.update(read["skipped"])
    report.statuses.update(read["statuses"])
    for name, counts in read["lists"].items():
        report.lists.setdefault(name, Counter()).update(counts)
    report.bad_rows = sorted(report.bad_rows + read["bad_rows"], key=lambda b: b.row)[:MAX_REPORTED]
    table.too_wide[:] = read["too_wide"]
    reader.lists.known.update(read["known"])  # the first spelling of each list in the file: the child read them all


def _first_stage(reader: RowReader, table: Table) -> Callable[[forked.Send], dict[str, Any]]:
    """The work of a child: read the table's rows, sending what each says in chunks; return its figures."""
    def work(send: forked.Send) -> dict[str, Any]:
        results: list[tuple[Any, ...]] = []

        def take(row: int, email: str, key: str, values: tuple[str, ...], lang: str, fell_back: str | None,
                 too_long: str | None) -> None:
            # the key is most often the address itself: not sent twice (Dedupe.take_all)
            results.append((row, email, None if key == email else key, values, lang, fell_back, too_long))
            if len(results) >= CHUNK:
                send(results[:])
                results.clear()

        def suppress(key: str, status: str) -> None:
            results.append((key, status))

        for _ in reader.read(table.rows(on_wide=reader.wide(suppress)), take, suppress):
            pass  # take() keeps every row: nothing is yielded here
        send(results)
        report = reader.report
        return {"rows": report.rows, "skipped": report.skipped, "statuses": report.statuses, "lists": report.lists,
                "bad_rows": report.bad_rows, "too_wide": table.too_wide, "known": reader.lists.known}

    return work


def in_lists(recipients: Iterable[Recipient], size: int = CHUNK) -> Iterator[list[Recipient]]:
    """Recipients in lists of ``size`` (the last shorter)."""
    chunk: list[Recipient] = []
    for recipient in recipients:
        chunk.append(recipient)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
