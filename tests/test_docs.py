"""The documentation a clone has: every file the README and docs/ point to is in the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# `path/file.md`, [text](path), written as a path (with a / or a known suffix), not a command or a URL
_MENTION = re.compile(r"\]\(([^)#\s]+)\)|`((?:\.\./|\./|[\w.-]+/)[\w./-]*\.(?:md|py|yaml|csv|timer|service|example))`")


def mentions(page: Path) -> list[str]:
    """The repository paths a page points to."""
    found = []
    text = page.read_text(encoding="utf-8")
    # a Markdown link shown as an example inside `code` is not one the page makes
    text = re.sub(r"`[^`\n]*\]\([^`\n]*`", "", text)
    for link, code in _MENTION.findall(text):
        target = link or code
        if "://" not in target and not target.startswith(("mailto:", "content/2021-06-10", "issues/2021-h1", "templates/default/")):
            found.append(target)
    return found


@pytest.mark.parametrize("page", ["README.md", "docs/design.md", "templates/README.md", "contrib/README.md"])
def test_every_file_a_page_points_to_is_in_the_repository(page: str) -> None:
    """Issue 9, defect 8: the README pointed to ../shared/design.md, which a clone does not have."""
    source = REPO / page
    assert source.is_file()
    missing = [target for target in mentions(source)
               if not any(path.resolve().is_relative_to(REPO) and path.exists() for path in (source.parent / target, REPO / target, REPO / "src" / "bulletin" / target))]
    assert missing == []


def test_the_readme_points_developers_to_the_design_page() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "docs/design.md" in readme and "../shared" not in readme
    design = (REPO / "docs" / "design.md").read_text(encoding="utf-8")
    for module in ("select.py", "render/", "dispatch/", "ledger.py", "audience.py", "cli/"):
        assert module in design
