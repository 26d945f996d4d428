"""Deterministic, atomic writes: a file is replaced only when its bytes change, never left half-written."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from ..atomic import write_atomic
from ..errors import BulletinError


def digest(data: bytes) -> str:
    """sha256 of ``data`` in hex."""
    return hashlib.sha256(data).hexdigest()


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file and a rename, unless it already holds them.

    An unchanged file keeps its bytes and its mtime, so rsync or a git deploy moves only what changed.
    Returns True when the file was written.
    """
    try:
        if path.read_bytes() == data:
            return False
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        pass
    except OSError as exc:
        raise BulletinError(f"cannot read {path}: {exc.strerror}") from None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data, mode=_file_mode(), sync=True)  # mkstemp makes the file private; the site is meant to be read
    except OSError as exc:
        raise BulletinError(f"cannot write {path}: {exc.strerror}") from None
    return True


def remove(path: Path) -> bool:
    """Delete a file if it is there; True when it was."""
    try:
        path.unlink()
        return True
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise BulletinError(f"cannot delete {path}: {exc.strerror}") from None


def _file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask
