"""contrib/: the systemd units and the crontab line run `bulletin dispatch-due` every 5 minutes, with the key
from a file, and that command works as written."""

from __future__ import annotations

import configparser
import shlex
from pathlib import Path

from dispatch.helpers import run

CONTRIB = Path(__file__).resolve().parents[2] / "contrib"


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # systemd keys are case-sensitive
    parser.read_string((CONTRIB / name).read_text(encoding="utf-8"))
    return parser


def test_systemd_units(tmp_project: Path) -> None:
    service, timer = unit("bulletin-dispatch-due.service"), unit("bulletin-dispatch-due.timer")
    assert service["Service"]["Type"] == "oneshot"
    assert service["Service"]["EnvironmentFile"].startswith("/etc/")  # the key: never in bulletin.yaml or the unit
    assert "SENDGRID_API_KEY" not in service["Service"]["ExecStart"]
    command = shlex.split(service["Service"]["ExecStart"])
    assert command[0].endswith("/bulletin") and command[1:] == ["dispatch-due", "--quiet"]
    assert timer["Timer"]["OnCalendar"] == "*:0/5" and timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"
    result = run(*command[1:])  # nothing scheduled: silent, exit 0
    assert (result.exit_code, result.output) == (0, "")


def test_crontab_line(tmp_project: Path) -> None:
    [line] = [raw for raw in (CONTRIB / "crontab.example").read_text(encoding="utf-8").splitlines() if raw and not raw.startswith("#")]
    schedule, command = line.split(" ", 5)[:5], line.split(" ", 5)[5]
    assert schedule == ["*/5", "*", "*", "*", "*"]
    assert command.endswith("bulletin dispatch-due --quiet") and "sendgrid.env" in command
    result = run("dispatch-due", "--quiet")
    assert (result.exit_code, result.output) == (0, "")
