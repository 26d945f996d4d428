"""Shared fixtures: a throwaway copy of the example project."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def tmp_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example project (bulletin.yaml, content/, issues/, subscribers) as the cwd."""
    root = tmp_path / "project"
    root.mkdir()
    for name in ("bulletin.yaml", "subscribers.example.csv"):
        shutil.copy(REPO / name, root / name)
    for name in ("content", "issues"):
        if (REPO / name).is_dir():
            shutil.copytree(REPO / name, root / name)
    monkeypatch.chdir(root)
    monkeypatch.delenv("SENDGRID_API_KEY", raising=False)
    return root


@pytest.fixture
def write(tmp_project: Path):
    """Write a text file into the project: write("issues/x.yaml", "...")."""

    def _write(name: str, text: str) -> Path:
        path = tmp_project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write
