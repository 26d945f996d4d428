"""`bulletin preview` on the command line: messages, exit codes, and the serve loop."""

from __future__ import annotations

import builtins
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from bulletin.cli import main
from bulletin.errors import BulletinError
from bulletin.preview import run, take_screenshots

ISSUE = "issues/example.yaml"


def invoke(*args: str):
    return CliRunner().invoke(main, ["preview", ISSUE, *args])


def test_as_an_unknown_subscriber_exits_2_with_a_clear_message(tmp_project: Path) -> None:
    result = invoke("--no-open", "--as", "who@example.org")
    assert result.exit_code == 2
    assert result.output.startswith("Error: subscribers.example.csv: 'who@example.org' is not one of the 6 subscribed addresses")


def test_a_missing_issue_exits_2(tmp_project: Path) -> None:
    result = CliRunner().invoke(main, ["preview", "issues/missing.yaml", "--no-open"])
    assert result.exit_code == 2 and "issues/missing.yaml: no such issue file" in result.output


def test_screenshot_without_chromium_names_the_path_and_how_to_install(tmp_project: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-chromium-here"
    result = invoke("--screenshot", str(tmp_path / "shots"), "--browser", str(missing))
    assert result.exit_code == 2
    assert f"no Chromium browser found at {missing}" in result.output
    assert "apt-get install chromium" in result.output and "--browser PATH" in result.output
    assert not (tmp_path / "shots").exists()


def test_screenshot_without_playwright_says_what_to_install(tmp_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_playwright(name: str, *args, **kwargs):
        if name.startswith("playwright"):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_playwright)
    with pytest.raises(BulletinError, match=r"pip install 'bulletin\[browser\]'"):
        take_screenshots(ISSUE, tmp_path / "shots", browser=sys.executable)


def test_screenshot_of_a_broken_issue_is_the_build_error(tmp_project: Path, tmp_path: Path) -> None:
    issue = tmp_project / ISSUE
    issue.write_text(issue.read_text(encoding="utf-8").replace("order: newest", "order: [newest"), encoding="utf-8")
    result = invoke("--screenshot", str(tmp_path / "shots"), "--browser", sys.executable)
    assert result.exit_code == 2 and "issues/example.yaml:12: YAML syntax error" in result.output


def test_run_prints_the_url_opens_the_browser_and_serves_until_stopped(tmp_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    monkeypatch.setattr("webbrowser.open", opened.append)
    lines: list[str] = []
    stop = threading.Event()
    thread = threading.Thread(target=run, args=(ISSUE,), kwargs={"port": 0, "log": lines.append, "stop": stop})
    thread.start()
    try:
        for _ in range(100):
            if opened:
                break
            time.sleep(0.05)
        assert opened and opened[0].startswith("http://127.0.0.1:")
        assert f"Previewing {ISSUE} at {opened[0]}" in lines
        assert lines[0].startswith("built in ") and "22 items" in lines[0]
        with urllib.request.urlopen(opened[0] + "status.json", timeout=5) as response:
            assert response.status == 200
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()


def start_preview() -> subprocess.Popen[str]:
    """`bulletin preview` in a process of its own, its output unbuffered so lines arrive as printed."""
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "bulletin.cli", "preview", ISSUE, "--port", "0", "--no-open"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
    )


def test_the_command_serves_until_ctrl_c(tmp_project: Path) -> None:
    process = start_preview()
    try:
        assert process.stdout is not None
        url, said = None, []
        for line in process.stdout:  # up to the last line said on starting (communicate() would skip what is read ahead)
            said.append(line)
            if line.startswith("Previewing "):
                url = line.rsplit(" at ", 1)[1].strip()
            if line.startswith("The page's buttons"):
                break
        assert url and url.startswith("http://127.0.0.1:")
        assert said[-1] == f"The page's buttons (feature, pin, exclude, ...) edit {ISSUE}; --read-only turns them off.\n"  # its flag
        with urllib.request.urlopen(url + "email.txt", timeout=5) as response:
            assert b"Bulletin on EU Social Affairs #7" in response.read()
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=10)
        assert process.returncode == 0 and "Stopped." in rest
    finally:
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize("after", ["built in ", "Previewing "])
def test_ctrl_c_at_any_moment_still_stops_cleanly(tmp_project: Path, after: str) -> None:
    """Ctrl+C right after the first build, or right after the URL is printed, is a clean stop, not exit 130."""
    process = start_preview()
    try:
        assert process.stdout is not None
        for line in process.stdout:
            if line.startswith(after):
                break
        process.send_signal(signal.SIGINT)
        rest, _ = process.communicate(timeout=10)
        assert process.returncode == 0, rest
        assert "Stopped." in rest and "Interrupted" not in rest
    finally:
        if process.poll() is None:
            process.kill()
