"""Rich text kept between runs: keyed by everything that shapes it, so a kept result is never another text's."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bulletin.render.richtext import summary


def test_a_kept_summary_is_the_one_of_its_text_and_its_links_parameters() -> None:
    plain, _ = summary("See [the report](https://example.org/r).", "markdown", (), None)
    tagged, text = summary("See [the report](https://example.org/r).", "markdown", (("utm_source", "bulletin"),), None)
    assert 'href="https://example.org/r"' in plain and 'href="https://example.org/r?utm_source=bulletin"' in tagged
    assert text.startswith("See the report")
    assert summary("", "markdown", (), None) == ("", "")


def test_an_edited_summary_is_made_anew_in_the_next_run(tmp_project: Path, tmp_path: Path) -> None:
    item = tmp_project / "content" / "2021-06-10-industrial-strategy.md"
    env = {**os.environ, "TMPDIR": str(tmp_path)}  # its own render caches
    build = [sys.executable, "-m", "bulletin.cli", "build", "issues/example.yaml"]
    subprocess.run(build, check=True, capture_output=True, env=env)
    item.write_text(item.read_text(encoding="utf-8").replace("We explain", "We now explain"), encoding="utf-8")
    subprocess.run(build, check=True, capture_output=True, env=env)
    html = (tmp_project / "build" / "example" / "index.html").read_text(encoding="utf-8")
    assert "We now explain" in html and "We explain" not in html

