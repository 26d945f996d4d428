"""Jinja2 stage: the cached environment, the template search path, errors with file:line."""

from __future__ import annotations

import dataclasses
import os
import re
import traceback
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

import jinja2

from ..catalogue import linked
from ..errors import RenderError, Where, display_path
from ..model import Image, Project
from ..yamlfile import closest
from . import context as context_module
from .context import current_merge, merge_global
from .locate import LineMarks, source_map
from .text import wrap

#: The built-in themes shipped inside the package.
THEMES_DIR = Path(__file__).resolve().parent.parent / "themes"


def template_dirs(project: Project, theme: str) -> list[Path]:
    """Where templates of ``theme`` are looked up, first match wins: the project, then built-in."""
    return [Path(project.root) / project.templates_dir / theme, THEMES_DIR / theme]


def template_origin(project: Project, theme: str, name: str) -> str:
    """Where template ``name`` of ``theme`` comes from (project override or built-in), for messages."""
    for directory in template_dirs(project, theme):
        if (directory / name).is_file():
            return display_path(directory / name, project.root)
    return name


def _autoescape(name: str | None) -> bool:
    # plain-text templates must not be HTML-escaped; everything else (MJML, HTML) must be
    return not (name or "").endswith((".txt.j2", ".txt"))


#: ``{% import "_words.j2" as words %}`` / ``{% from "_words.j2" import … %}``, as templates wrote it.
_WORDS_IMPORT = re.compile(r"""\{%-?\s*(?:import\s+(["'])_words\.j2\1\s+as\s+\w+|from\s+(["'])_words\.j2\2\s+import\s[^%]*?)(?=\s*-?%\})""")


def words_with_context(source: str) -> str:
    """Every import of ``_words.j2`` made ``with context``: its texts come from the edition's ``messages``.

    Templates copied before the theme's texts were per language import it without context; Jinja would
    then evaluate it once, without ``messages``, and keep that for every language.
    """

    def add(found: re.Match[str]) -> str:
        text = found.group(0)
        return text if re.search(r"\b(?:with|without)\s+context\s*$", text) else f"{text} with context"

    return _WORDS_IMPORT.sub(add, source)


class ThemeLoader(jinja2.FileSystemLoader):
    """FileSystemLoader whose cached templates also go stale when an override appears (and lose any BOM).

    Jinja's auto_reload only watches the file it loaded: a copy newly put into the project's
    templates/ folder (which takes precedence) would go unnoticed by a running preview server.
    An older copied template's ``_words.j2`` import gets ``with context`` (see :func:`words_with_context`).
    """

    def get_source(self, environment, template):
        source, filename, uptodate = super().get_source(environment, template)
        # Windows editors save UTF-8 with a byte order mark; inside an included partial it breaks MJML
        source = words_with_context(source.removeprefix("\ufeff"))
        pieces = jinja2.loaders.split_template_path(template)
        candidates = [os.path.normpath(os.path.join(p, *pieces)) for p in self.searchpath]
        found = os.path.normpath(filename)
        earlier = candidates[: candidates.index(found)] if found in candidates else []

        def still_valid() -> bool:
            return bool(uptodate and uptodate()) and not any(map(os.path.isfile, earlier))

        return source, filename, still_valid


@lru_cache(maxsize=32)
def environment(dirs: tuple[str, ...], marked: bool = False) -> jinja2.Environment:
    """The Environment for a template search path, created once per path.

    auto_reload (on by default) re-checks the files' mtimes, so the preview server sees edits
    without recompiling unchanged templates at every build. ``marked`` adds
    :class:`~bulletin.render.locate.LineMarks` (used only to locate an MJML error). Compiled
    templates are kept between runs in Jinja's per-user cache folder (a changed template is compiled
    again): compiling them was half the time of a ``bulletin build`` after its imports.
    """
    env = jinja2.Environment(
        extensions=[LineMarks] if marked else [],
        loader=ThemeLoader(list(dirs)),
        undefined=jinja2.StrictUndefined,
        autoescape=_autoescape,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=True,
        bytecode_cache=None if marked else _bytecode_cache(),
    )
    env.filters["wrap"] = wrap
    env.filters["linked"] = linked
    env.globals["merge"] = merge_global
    return env


@lru_cache(maxsize=1)
def _bytecode_cache() -> jinja2.BytecodeCache | None:
    """Jinja's cache of compiled templates in a private temporary folder; its files are named after the
    options that shape the compiled code, so templates compiled another way are never taken."""
    options = f"{jinja2.__version__}-trim-lstrip-keepnl-strict-autoescape-txt"
    try:
        return jinja2.FileSystemBytecodeCache(pattern=f"__bulletin_{options}_%s.cache")
    except RuntimeError:  # no private temporary folder can be made: compile each time
        return None


def cache_folder() -> Path | None:
    """The private per-user folder of Jinja's compiled templates (other render caches sit beside them), or None."""
    cache = _bytecode_cache()
    return Path(cache.directory) if isinstance(cache, jinja2.FileSystemBytecodeCache) else None


def render_template(project: Project, theme: str, name: str, context: dict) -> str:
    """Render ``name`` of ``theme`` with ``context``; every failure is a RenderError."""
    dirs = template_dirs(project, theme)
    env = environment(tuple(str(d) for d in dirs))
    token = current_merge.set(context.get("merge"))
    try:
        template = env.get_template(name)
        return template.render(context)
    except jinja2.TemplateNotFound as exc:
        raise _not_found_error(project, theme, name, exc, dirs) from None
    except jinja2.TemplateSyntaxError as exc:
        where = display_path(exc.filename, project.root) if exc.filename else name
        line, message = exc.lineno, exc.message
        unclosed = _unclosed_block(env, exc) if "Unexpected end of template" in (message or "") else None
        if unclosed:
            # Jinja names the end of the file; the user needs the line that opened the block
            keyword, line = unclosed
            message = f"this {{% {keyword} %}} is never closed: add {{% end{keyword} %}} where it should end"
        raise RenderError(f"syntax error: {_friendly(message or '', env)}", where=Where(where, line)) from None
    except RenderError:
        raise
    except Exception as exc:  # any failure inside a template is the template's
        raise _runtime_error(project, name, exc, dirs) from exc
    finally:
        current_merge.reset(token)


#: Jinja tags that need an {% end... %}; {% set x %}...{% endset %} only without "=".
_BLOCK_TAGS = frozenset({"for", "if", "macro", "call", "filter", "block", "with", "autoescape", "trans"})


def _unclosed_block(env: jinja2.Environment, exc: jinja2.TemplateSyntaxError) -> tuple[str, int] | None:
    """(keyword, line) of the innermost block still open at the end of the template, if any."""
    source = exc.source
    if source is None and exc.filename:
        try:
            source = Path(exc.filename).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError):
            return None
    open_blocks: list[tuple[str, int]] = []
    tag: list[tuple[int, str, str]] = []
    try:
        for lineno, kind, value in env.lex(source or ""):
            if kind == "block_begin":
                tag = []
            elif kind == "block_end" and tag:
                keyword = tag[0][2]
                if keyword in _BLOCK_TAGS or (keyword == "set" and not any(v == "=" for _, _, v in tag)):
                    open_blocks.append((keyword, tag[0][0]))
                elif keyword.startswith("end") and open_blocks and open_blocks[-1][0] == keyword[3:]:
                    open_blocks.pop()
                tag = []
            elif kind not in ("data", "whitespace", "comment_begin", "comment", "comment_end"):
                tag.append((lineno, kind, value))
    except jinja2.TemplateSyntaxError:
        return None
    return open_blocks[-1] if open_blocks else None


def source_locator(project: Project, theme: str, name: str, context: dict, output: str) -> Callable[[int], Where | None]:
    """From an offset in ``output`` (the render of ``name``) to the template file and line, or None."""
    mapping: list[Callable[[int], tuple[str, int] | None]] = []

    def locate(offset: int) -> Where | None:
        if not mapping:  # rendered again, with line marks, only when an error needs placing
            dirs = template_dirs(project, theme)
            token = current_merge.set(context.get("merge"))
            try:
                marked = environment(tuple(str(d) for d in dirs), marked=True).get_template(name).render(context)
                mapping.append(source_map(marked, output))
            except Exception:  # noqa: BLE001 - only a better message is lost
                mapping.append(lambda _offset: None)
            finally:
                current_merge.reset(token)
        found = mapping[0](offset)
        return Where(display_path(found[0], project.root), found[1]) if found else None

    return locate


def _not_found_error(project, theme, name, exc, dirs) -> RenderError:
    missing = exc.name if isinstance(exc.name, str) else name
    searched = "\n".join(f"  {display_path(d / missing, project.root)}" for d in dirs)
    if not any(d.is_dir() for d in dirs):
        return RenderError(f"theme {theme!r} not found; searched:\n{searched}")
    # an {% include %} / {% import %} of a missing file: say which line asked for it
    where = _template_frame(project, exc, dirs) if missing != name else None
    return RenderError(f"template {missing!r} not found in theme {theme!r}; searched:\n{searched}", where=where)


def _template_frame(project: Project, exc: Exception, dirs: list[Path]) -> Where | None:
    """The file and line of the innermost template line in ``exc``'s traceback, if any."""
    # Jinja rewrites tracebacks so template frames carry the template file and line
    roots = tuple(f"{d.resolve()}{os.sep}" for d in dirs)
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if str(Path(frame.filename).resolve()).startswith(roots):
            return Where(display_path(frame.filename, project.root), frame.lineno)
    return None


#: What the template context's objects are called in messages (see bulletin.render.context).
_VIEWS = {
    "ItemView": ("an item", context_module.ItemView),
    "IssueView": ("issue", context_module.IssueView),
    "OrgView": ("org", context_module.OrgView),
    "SectionView": ("a section", context_module.SectionView),
    "TocEntry": ("a table-of-contents entry", context_module.TocEntry),
    "Image": ("an image", Image),
}
_NO_ATTRIBUTE = re.compile(r"^'(?:[\w.]+\.)?(\w+) object' has no attribute '([^']*)'$")
_NO_FILTER = re.compile(r"^No (filter|test) named '([^']*)'")


def _friendly(message: str, env: jinja2.Environment) -> str:
    """Jinja's message in the words of the template context, with a 'did you mean' when one is close."""
    found = _NO_ATTRIBUTE.match(message)
    if found and found.group(1) in _VIEWS:
        label, view = _VIEWS[found.group(1)]
        names = [f.name for f in dataclasses.fields(view)]
        close = closest(found.group(2), names)
        hint = f"did you mean {close!r}?; " if close else ""
        return f"{label} has no {found.group(2)!r} ({hint}it has: {', '.join(names)})"
    found = _NO_FILTER.match(message)
    if found:
        known = env.filters if found.group(1) == "filter" else env.tests
        close = closest(found.group(2), list(known))
        if close:
            return f"{message[: found.end()]} (did you mean {close!r}?){message[found.end():].removeprefix(' found')}"
    return message


def _runtime_error(project: Project, name: str, exc: Exception, dirs: list[Path]) -> RenderError:
    where = _template_frame(project, exc, dirs) or Where(name)
    if isinstance(exc, jinja2.TemplateError):
        message = _friendly(exc.message or type(exc).__name__, environment(tuple(str(d) for d in dirs)))
    else:
        message = f"{type(exc).__name__}: {exc}"
    return RenderError(message, where=where)
