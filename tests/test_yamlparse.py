"""yamlparse: aliases that expand too far, or into themselves, are refused with file:line, in little memory."""

from __future__ import annotations

import resource
import subprocess
import sys
from pathlib import Path

import pytest

from bulletin import yamlfile, yamlparse
from bulletin.errors import ConfigError


def bomb(levels: int, width: int = 9) -> str:
    """``levels`` lists of ``width`` aliases to the level below: width**levels values from a few lines."""
    lines = [f"lol0: &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels + 1):
        lines.append(f"lol{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def _limit_memory() -> None:  # a regression must fail the test, not take the machine's memory
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


# the command, reporting its own peak memory (VmHWM: this process since exec, not the test process it forked from)
MEASURED = """
import atexit, sys
from bulletin.cli import main
def peak():
    with open("/proc/self/status") as status:
        print("VmHWM", next(line for line in status if line.startswith("VmHWM")).split()[1], file=sys.stderr)
atexit.register(peak)
main()
"""


def build_measured(project: Path, *args: str) -> tuple[int, str, float]:
    """(exit code, output, peak resident MB) of ``bulletin ARGS`` run as its own process."""
    done = subprocess.run([sys.executable, "-c", MEASURED, *args], cwd=project, capture_output=True, text=True,
                          preexec_fn=_limit_memory, check=False)
    kb = next(int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("VmHWM"))
    return done.returncode, done.stdout + done.stderr, kb / 1024


@pytest.mark.parametrize("where", ["issues/example.yaml", "bulletin.yaml"])
def test_an_alias_bomb_is_refused_with_file_and_line_in_little_memory(tmp_project: Path, where: str) -> None:
    path = tmp_project / where
    path.write_text(path.read_text(encoding="utf-8") + bomb(8), encoding="utf-8")
    first = len(path.read_text(encoding="utf-8").splitlines()) - 8  # line of lol0
    code, output, peak_mb = build_measured(tmp_project, "build", "issues/example.yaml")
    assert code == 2, output
    # lol5 stands for 9**6 values, the first level over 100,000
    assert f"{where}:{first + 5}: YAML error: the aliases (*name) in this value repeat other values more than 100,000 times" in output
    assert "Traceback" not in output
    assert peak_mb < 100, f"{peak_mb:.0f} MB"


def test_a_few_aliases_are_fine() -> None:
    data, _ = yamlparse.parse_tree(bomb(3, width=4) + "more: *l2\n")
    assert len(data["lol3"]) == 4 and data["more"] == data["lol2"]


def test_an_alias_inside_its_own_value_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("title: x\nloop: &a\n  - one\n  - *a\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"x.yaml:2: YAML error: an alias \(\*name\) refers to the value that contains it"):
        yamlfile.load(path, "x.yaml", ConfigError)
