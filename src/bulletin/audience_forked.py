"""Reading a large subscribers file on both cores: a forked child reads the rows, this process dedupes them.

The child streams what each row says (``RowReader``, the first stage) through a pipe; this process
replays it in file order through ``Dedupe`` (the second stage) while its caller plans the send, then adds
the child's figures (rows left out, bad rows, lists) to the report. The first stage costs more than the
second, so this process reads the first rows itself (``HEAD_SHARE`` of them, both stages) while the
child, on its own handle of the file, starts after them. The outcome is the one of reading the file
here, row by row: the same recipients, counts, bad rows and errors (after the same recipients).
"""

from __future__ import annotations

import io
import itertools
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from . import forked
from .audience_cells import MAX_REPORTED
from .audience_rows import Dedupe, Recipient, RowReader
from .spreadsheet import MAX_TOO_WIDE, Table

CHUNK = 1000  # rows' results per message from the child, and recipients per list
HEAD_SHARE = 0.08  # of the rows, read here while the child reads the rest (measured: both end together)
_PROBE = 1 << 16  # bytes looked at to estimate the rows of a file


def file_size(raw: io.BufferedReader) -> int:
    """The file's size in bytes."""
    return os.fstat(raw.fileno()).st_size


def read_forked(table: Table, reader: RowReader, dedupe: Dedupe, reopen: Callable[[], Table], head: int) -> Iterator[list[Recipient]]:
    """The recipients, in lists, of the rows ``table`` reads (its header read): the first ``head`` rows read here, the
    rest by a forked child on ``reopen()`` (the file opened anew: the two never share a read position) and deduped
    here; then the child's figures are added to the report."""
    child = forked.Forked(_first_stage(reader, reopen, head))
    try:
        rows = table.rows(on_wide=reader.wide(dedupe.suppress))
        yield from in_lists(reader.read(itertools.islice(rows, head), dedupe.take, dedupe.suppress))
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
    table.too_wide[:] = (table.too_wide + read["too_wide"])[:MAX_TOO_WIDE]
    for folded, spelling in read["known"].items():  # each list's first spelling: the rows read here come first
        reader.lists.known.setdefault(folded, spelling)


def head_rows(raw: io.BufferedReader) -> int:
    """How many rows this process reads itself: HEAD_SHARE of the rows, as the file's size and its first lines tell."""
    probe = os.pread(raw.fileno(), _PROBE, 0)
    return int(HEAD_SHARE * file_size(raw) * max(1, probe.count(b"\n")) / max(1, len(probe)))


def _first_stage(reader: RowReader, reopen: Callable[[], Table], head: int) -> Callable[[forked.Send], dict[str, Any]]:
    """The work of the child: read the rows after the first ``head`` (read by the parent), sending what each says in
    chunks; return its figures."""
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

        table = reopen()
        skipping = True
        on_wide = reader.wide(suppress)
        rows = table.rows(on_wide=lambda cells: None if skipping else on_wide(cells))
        for _ in itertools.islice(rows, head):
            pass  # the parent's
        skipping, table.too_wide[:] = False, []
        for _ in reader.read(rows, take, suppress):
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
