"""Helpers of the site tests."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

T0 = dt.datetime(2021, 7, 5, 7, 0, tzinfo=dt.UTC)  # "now" of the publish tests


def snapshot(root: Path) -> dict[str, tuple[bytes, int]]:
    """Every file under ``root`` with its bytes and mtime (ns)."""
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(root.rglob("*")) if p.is_file()}
