"""``bulletin subscribers suppressed``: who must be marked in the member records, and why.

The CSV is written as the subscribers file is (its delimiter, its encoding, its BOM and ``sep=`` line),
so the spreadsheet or CRM it came from reads it back the same way. Its ``status`` column holds what to
write in the subscribers file: ``unsubscribed`` or ``bounced``. Blocks are temporary and left out.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from ..errors import AudienceError
from ..ledger_feedback import KINDS, SUPPRESSING, FeedbackStore, Suppression, state_db
from ..model import Project
from ..sources.csv import delimiter as header_delimiter
from ..sources.csv import sep_line

#: The status to write in the subscribers file for each kind.
STATUS = {"spam_report": "unsubscribed", "unsubscribe": "unsubscribed", "group_unsubscribe": "unsubscribed",
          "bounce": "bounced", "invalid_email": "bounced", "dropped": "bounced"}
COLUMNS = ("email", "status", "kind", "reason", "date")


@dataclass(frozen=True)
class Dialect:
    """How the subscribers file is written."""

    delimiter: str = ","
    encoding: str = "utf-8"  # a Python codec; 'utf-8-sig' writes a BOM
    sep_line: bool = False


def suppressed(project: Project, *, since: dt.date | None = None) -> list[Suppression]:
    """Every suppressing entry (one per address: the most serious kind), oldest first, from ``since`` (in bulletin.yaml's zone)."""
    path = state_db(project.root, project.state_dir)
    if not path.exists():
        return []
    start = dt.datetime.combine(since, dt.time(), ZoneInfo(project.timezone)) if since else None
    with FeedbackStore(path, create=False) as store:
        rows = [s for s in store.rows(start) if s.kind in SUPPRESSING]
    rank = {kind: i for i, kind in enumerate(KINDS)}
    best: dict[str, Suppression] = {}
    for row in rows:
        key = row.email.lower()
        if key not in best or rank[row.kind] < rank[best[key].kind]:
            best[key] = row
    return sorted(best.values(), key=lambda s: (s.created, s.email.lower()))


def dialect_of(path: Path, encoding: str) -> Dialect:
    """The subscribers file's delimiter and encoding; the defaults when it cannot be read."""
    try:
        raw = path.read_bytes()[: 1 << 16]
    except OSError:
        return Dialect()
    bom = raw.startswith(codecs.BOM_UTF8)
    try:  # the read may end mid-character: an incremental decoder keeps that part back
        text = codecs.getincrementaldecoder("utf-8-sig")().decode(raw, final=False)
        codec = "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:  # the Windows encoding bulletin.yaml names
        codec = "utf-8" if codecs.lookup(encoding).name in ("utf-8", "utf-8-sig") else encoding
        text = raw.decode(codec, "replace")
    first = text.lstrip("\r\n").partition("\n")[0]
    named = sep_line(first)
    header = text.lstrip("\r\n").partition("\n")[2].partition("\n")[0] if named else first
    return Dialect(named or header_delimiter(header), codec, bool(named))


def to_csv(rows: list[Suppression], dialect: Dialect, zone: str) -> bytes:
    """The CSV bytes: email, status, kind, reason, date (YYYY-MM-DD in ``zone``)."""
    out = io.StringIO(newline="")
    if dialect.sep_line:
        out.write(f"sep={dialect.delimiter}\r\n")
    writer = csv.writer(out, delimiter=dialect.delimiter, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    local = ZoneInfo(zone)
    for row in rows:
        writer.writerow([row.email, STATUS[row.kind], KINDS[row.kind], " ".join(row.reason.split()),
                         row.when.astimezone(local).date().isoformat()])
    return out.getvalue().encode(dialect.encoding, "replace")


def write_suppressed(project: Project, target: str | os.PathLike[str], *, since: dt.date | None = None) -> int:
    """Write the suppressed list to ``target`` in the subscribers file's dialect; return how many rows."""
    rows = suppressed(project, since=since)
    source = Path(project.subscribers)
    dialect = dialect_of(source if source.is_absolute() else Path(project.root) / source, project.subscribers_encoding)
    try:
        Path(target).write_bytes(to_csv(rows, dialect, project.timezone))
    except OSError as exc:
        raise AudienceError(f"{target}: cannot be written ({exc.strerror})") from None
    return len(rows)
