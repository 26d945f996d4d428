"""`bulletin theme copy`: the built-in theme's files into the project's templates/, to edit there."""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import ConfigError, Remedy
from .model import Project
from .render.jinja import THEMES_DIR
from .yamlfile import closest


def theme_files(theme: str = "default") -> list[str]:
    """The names of the built-in theme's files."""
    return sorted(p.name for p in (THEMES_DIR / theme).iterdir() if p.is_file())


def copy_theme(project: Project, names: list[str] | None = None, *, theme: str = "default", force: bool = False) -> list[Path]:
    """Copy ``names`` (all when empty) of the built-in ``theme`` into ``templates/<theme>/``; the files written.

    A file the project already has is left alone (its edits would be lost) unless ``force``; nothing is copied
    when any name is unknown or any target exists.
    """
    available = theme_files(theme)
    wanted = list(dict.fromkeys(Path(n).name for n in names)) if names else available
    unknown = [n for n in wanted if n not in available]
    if unknown:
        hints = [f"{n!r}" + (f" (did you mean {close!r}?)" if (close := closest(n, available)) else "") for n in unknown]
        raise ConfigError(f"the {theme} theme has no {', '.join(hints)}; its files: {', '.join(available)}")
    target = Path(project.root) / project.templates_dir / theme
    existing = [n for n in wanted if (target / n).exists()]
    if existing and not force:
        shown = ", ".join(f"{project.templates_dir}/{theme}/{n}" for n in existing)
        raise ConfigError(f"{shown} already exist{'s' if len(existing) == 1 else ''}: your changes would be lost "
                          f"(rename or delete {'it' if len(existing) == 1 else 'them'} first)", remedy=Remedy.FORCE,
                          to=f"overwrite {'it' if len(existing) == 1 else 'them'}")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for name in wanted:
        shutil.copyfile(THEMES_DIR / theme / name, target / name)
        written.append(target / name)
    return written
