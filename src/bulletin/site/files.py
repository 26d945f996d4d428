"""Deterministic, atomic writes: a file is replaced only when its bytes change, never left half-written."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

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
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _file_mode())  # mkstemp makes the file private; the site is meant to be read
        os.replace(tmp, path)
    except OSError as exc:
        if tmp:
            Path(tmp).unlink(missing_ok=True)
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
