"""Shared fixtures: a throwaway copy of the example project; the fake SendGrid and a project using it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from bulletin.preview.screenshot import CHROMIUM_ARGS, DEFAULT_BROWSER
from fakes.sendgrid_server import FakeSendGrid

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
def published(tmp_project: Path) -> Path:
    """The example project with issues/example.yaml published (its "View in browser" page exists): ready to send."""
    from bulletin.site import publish

    publish("issues/example.yaml")
    return tmp_project


@pytest.fixture
def write(tmp_project: Path):
    """Write a text file into the project: write("issues/x.yaml", "...")."""

    def _write(name: str, text: str) -> Path:
        path = tmp_project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write


TRILINGUAL_ISSUE = """\
title: {en: "Bulletin #7", fr: "Bulletin n° 7", it: "Bollettino n. 7"}
subject: {en: "Bulletin #7 — H1", fr: "Bulletin n° 7 — S1"}
period: {start: 2021-01-01, end: 2021-06-30}
sections:
  - {title: {en: Events, fr: Événements, it: Eventi}, tags: [Event]}
  - {title: More news}
notes:
  Events: {en: "All online.", fr: "Tout en ligne."}
intro: {en: "Six months of work.", fr: "Six mois de travail."}
"""


@pytest.fixture
def trilingual(tmp_project: Path, write) -> Path:
    """The example project with ``languages: [en, fr, it]`` and issues/tri.yaml, an issue with texts per language."""
    config = tmp_project / "bulletin.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("lang: en", "languages: [en, fr, it]"), encoding="utf-8")
    write("issues/tri.yaml", TRILINGUAL_ISSUE)
    return tmp_project


@pytest.fixture
def fake_sendgrid() -> Iterator[FakeSendGrid]:
    """A validating fake SendGrid on 127.0.0.1; the test fails if any request broke the spec or the limits."""
    with FakeSendGrid() as fake:
        yield fake
    assert not fake.invalid, f"requests that SendGrid would reject: {fake.invalid[:3]}"


@pytest.fixture
def sendgrid_project(tmp_project: Path, fake_sendgrid: FakeSendGrid, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example project with ``transport: sendgrid``, pointed at the fake with its key."""
    config = tmp_project / "bulletin.yaml"
    text = config.read_text(encoding="utf-8")
    assert "transport: outbox" in text
    config.write_text(text.replace("transport: outbox", "transport: sendgrid"), encoding="utf-8")
    monkeypatch.setenv("SENDGRID_API_KEY", fake_sendgrid.api_key)
    monkeypatch.setenv("BULLETIN_SENDGRID_URL", fake_sendgrid.url)
    monkeypatch.setenv("BULLETIN_SENDGRID_TIMEOUT", "5")
    return tmp_project


@pytest.fixture(scope="session")
def chromium():
    """Debian's Chromium driven by playwright; fails (never skips) when it is not installed."""
    if not Path(DEFAULT_BROWSER).is_file():
        pytest.fail(f"{DEFAULT_BROWSER} not found: the browser tests need Debian's chromium (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=DEFAULT_BROWSER, args=CHROMIUM_ARGS)
    yield browser
    browser.close()
    playwright.stop()
