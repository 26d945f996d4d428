"""bulletin.atomic: one-step file replacement."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bulletin.atomic import write_atomic


def test_text_and_bytes_replace_the_file_with_the_given_mode(tmp_path: Path) -> None:
    target = tmp_path / "a.txt"
    target.write_text("old", encoding="utf-8")
    write_atomic(target, "é\r\nline", mode=0o644)
    assert target.read_bytes() == "é\r\nline".encode() and (target.stat().st_mode & 0o777) == 0o644
    write_atomic(target, b"\x00raw", sync=True)
    assert target.read_bytes() == b"\x00raw"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.txt"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "a.json"
    target.write_text("{}", encoding="utf-8")

    def refuse(src: str, dst: object) -> None:
        raise OSError(28, os.strerror(28))

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(OSError):
        write_atomic(target, "{\"new\": 1}")
    assert target.read_text(encoding="utf-8") == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.json"]
