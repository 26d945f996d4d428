"""Markdown files with YAML front matter: one item per file, the body is the summary."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from .. import yamlfile, yamlparse, yamltext
from ..config import display_path
from ..errors import Problem, SourceError, raise_if
from ..model import Item
from . import fields, translations

FRONT_MATTER_HINT = "the file must start with a line '---', then date:, title:, url:, then a line '---'"


def read(path: Path, *, root: Path, languages: Sequence[str] = ()) -> list[Item]:
    """Read one Markdown file, or every ``*.md`` under a directory (sorted, recursive).

    With the project's ``languages`` (default first), ``NAME.fr.md`` is the French translation of ``NAME.md``
    (see :mod:`.translations`); without them every file is an item.
    """
    files = find(path, root=root) if path.is_dir() else [path]
    items: list[Item] = []
    problems: list[Problem] = []
    # a project in one language: every file is an item, x.fr.md too (as before languages existed)
    plan = translations.Plan(items=files)
    if languages:
        plan = translations.arrange(files if path.is_dir() else translations.siblings(path, languages), languages,
                                    lambda file: display_path(file, root))
        problems.extend(Problem(where, message) for where, message in plan.problems)
    for file in plan.items:
        item = read_file(file, root=root, problems=problems, languages=languages)
        if item is not None and (file in plan.translations or file in plan.warnings):
            item = _translated(item, plan.translations.get(file, []), plan.warnings.get(file, []), root, problems)
        if item is not None:
            items.append(item)
    where = display_path(path, root) + ("/" if path.is_dir() else "")
    raise_if(problems, SourceError, f"Invalid items in {where}")
    return items


def find(directory: Path, *, root: Path) -> list[Path]:
    """The Markdown files under ``directory``, in a stable order. Skipped: hidden files and folders (editors and
    tools leave .git/.obsidian around), names starting with '_' (drafts, as in Jekyll and Hugo) and README.md."""
    found = []
    for file in directory.rglob("*.md"):
        relative = file.relative_to(directory)
        if any(part.startswith((".", "_")) for part in relative.parts) or file.name.lower() == "readme.md":
            continue
        if file.is_file():
            found.append((relative.as_posix(), file))
    return [file for _key, file in sorted(found)]


def read_file(file: Path, *, root: Path, problems: list[Problem], languages: Sequence[str] = ()) -> Item | None:
    """Read one file; append its problems (each with file:line) and return None if it has any."""
    parsed = _parse(file, root, problems, languages)
    if parsed is None:
        return None
    name, data, node, body, bad, notes = parsed
    values, found = fields.check(data, languages)
    bad.extend(_lines(node, found, data, body))
    if bad:
        problems.extend(Problem(f"{name}:{line}", message) for line, message in sorted(bad, key=lambda b: b[0]))
        return None
    if body:
        values["summary"] = body
    values["notes"] = notes + [(f"{name}:{(yamlfile.line_of(node, key) or 0) + 1}", message)
                               for key, message in values["warnings"]]
    return fields.make(values, origin=f"{name}:1", path=name, where=lambda key: f"{name}:{(yamlfile.line_of(node, (key,)) or 0) + 1}")


def _translated(
    item: Item, files: list[tuple[str, Path]], warnings: list[tuple[str, str]], root: Path, problems: list[Problem]
) -> Item | None:
    """``item`` with the translations of its translation files (and the warnings about them); None if one is invalid."""
    texts = list(item.translations)
    notes = list(item.notes) + warnings
    failed = False
    for lang, file in files:
        parsed = _parse(file, root, problems)
        if parsed is None:
            failed = True
            continue
        name, data, node, body, bad, more = parsed
        values, found, warned = translations.check(data, body, item, lang)
        bad.extend(_lines(node, found, data, body))
        twice = [text for text in texts if text.lang == lang]
        if twice:
            bad.append((1, f"the {lang} translation is also given in {twice[0].origin}; keep one"))
        if bad:
            problems.extend(Problem(f"{name}:{line}", message) for line, message in sorted(bad, key=lambda b: b[0]))
            failed = True
            continue
        warned_at = [((yamlfile.line_of(node, key) or 0) + 1, message) for key, message in warned]
        notes += more + [(f"{name}:{line}", message) for line, message in sorted(warned_at, key=lambda w: w[0])]
        if values is not None:  # None: a draft, not used yet
            texts.append(translations.translation(values, origin=f"{name}:1", path=name))
    if failed:
        return None
    return replace(item, translations=tuple(texts), notes=tuple(notes))


def _parse(
    file: Path, root: Path, problems: list[Problem], languages: Sequence[str] = ()
) -> tuple[str, dict[Any, Any], yaml.Node | None, str, list[tuple[int, str]], list[tuple[str, str]]] | None:
    """(name, front matter, its node, body, its repeated keys as (line, message), notes) of a file; None if it
    cannot be read (its problems appended)."""
    name = display_path(file, root)
    try:
        text = yamlparse.decode(file.read_bytes())
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, exc.reason))
        return None
    except OSError as exc:
        problems.append(Problem(name, f"cannot read: {exc.strerror or exc}"))
        return None
    split = split_front_matter(text)
    if isinstance(split, str):
        problems.append(Problem(f"{name}:1", split))
        return None
    front, body = split
    front, notes = lenient(front, name)
    try:
        # the front matter starts on line 2 of the file, after the opening '---'
        data, node = yamlparse.parse_tree(front, first_line=2)
    except yamlparse.YamlSyntaxError as exc:
        where = f"{name}:{exc.line}" if exc.line else name
        problems.append(Problem(where, exc.message))
        return None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        problems.append(Problem(f"{name}:2", f"the front matter must be keys and values; {FRONT_MATTER_HINT}"))
        return None
    # lines in the file are one more than in the front matter, which starts after the opening '---'
    bad = [
        (line + 1, f"{key}: repeated (first on line {first + 1})")
        for line, key, first in yamlfile.duplicate_keys(node)
    ]
    # "title: Bulletin #8": the text keys (title_fr … with languages) are read whole or named in a problem
    cuts = yamlfile.comment_cuts(node, front.splitlines(), fields.text_keys(data, languages))
    bad.extend((1 + (yamlfile.line_of(node, (key,)) or 0), message) for key, message in cuts)
    return name, data, node, body, bad, notes


def _lines(node: yaml.Node | None, found: fields.Found, data: dict[Any, Any], body: str) -> list[tuple[int, str]]:
    """(line in the file, message) of each problem found in the front matter."""
    if body and "summary" in data:
        found = [*found, (("summary",), "summary: given both here and as the text after the front matter; keep one")]
    lines = []
    for key, message in found:
        line = yamlfile.line_of(node, key)
        lines.append((line + 1 if line else 1, message))
    return lines


# "title: EU Strategy: our view" on one line (the next line is not indented: no continuation, no block)
_ONE_LINE = re.compile(r"(title|summary):[ \t]+(?![|>][-+0-9]*[ \t]*$)(\S.*?)[ \t]*")


def lenient(front: str, name: str) -> tuple[str, list[tuple[str, str]]]:
    """The front matter with each one-line title:/summary: that YAML would reject or misread rewritten in double
    quotes as the text of its line (``yamltext.as_written``), and a note for each; a quoted value keeps YAML's meaning."""
    lines = front.split("\n")
    notes = []
    for index, line in enumerate(lines):
        match = _ONE_LINE.fullmatch(line)
        following = lines[index + 1] if index + 1 < len(lines) else ""
        if not match or (following[:1] in (" ", "\t") and following.strip()) or not match[2].isprintable():
            continue  # continued on the next line, or holding a control character: YAML's own message says where
        key, value = match[1], match[2]
        why = yamltext.misread(key, value)
        if why is None:
            continue
        meant = yamltext.as_written(value)
        quoted = yamltext.double_quoted(meant)
        lines[index] = f"{key}: {quoted}"  # the same line: line numbers stay right
        # the front matter starts on line 2 of the file, after the opening '---'
        note = f"{key}: read as written, '{meant}' ({why}); to say so in YAML, write: {key}: {quoted}"
        notes.append((f"{name}:{index + 2}", note))
    return "\n".join(lines), notes


def split_front_matter(text: str) -> tuple[str, str] | str:
    """Return (front matter, body), or a message saying why the text has no front matter."""
    text = text.replace("\r\n", "\n")
    first, _newline, rest = text.partition("\n")
    if first.rstrip() == "+++":  # Hugo's TOML front matter
        return (
            "TOML front matter (between '+++' lines) is not read: write it as YAML between '---' lines "
            '(date: 2021-06-10, title: "…", url: https://…)'
        )
    if first.rstrip() != "---":
        return f"no front matter: {FRONT_MATTER_HINT}"
    # the closing line is '---' (or YAML's '...'), alone on its line
    offset = 0
    while True:
        end = rest.find("\n", offset)
        line = rest[offset:] if end < 0 else rest[offset:end]
        if line.rstrip() in ("---", "..."):
            return rest[:offset], ("" if end < 0 else rest[end + 1 :]).strip()
        if end < 0:
            return "front matter not closed: add a line '---' after the last key"
        offset = end + 1
