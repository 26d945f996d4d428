"""Writing a file in one step: next to the target, then moved in place (below every stage)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import IO, Any


def write_atomic(path: Path, data: bytes | str, *, mode: int | None = None, sync: bool = False) -> None:
    """Replace ``path`` with ``data`` (text is written as UTF-8, newlines as given) so that a reader never sees half of it.

    The temporary file is removed on any failure (a full disk leaves nothing behind); OSError is the caller's to word.
    ``mode`` sets the permissions (mkstemp makes the file private); ``sync`` flushes it to the disk before the move.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        handle: IO[Any] = (
            os.fdopen(fd, "w", encoding="utf-8", newline="") if isinstance(data, str) else os.fdopen(fd, "wb")
        )
        with handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
