"""The shape of the code (docs/design.md, "Map of the modules"): only the ledger layer speaks SQL, no module
imports another's private names, the send path's packages do not import each other both ways, and library
errors leave the flags to the CLI."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import bulletin
from bulletin.cli import OPTION_FLAGS, REMEDY_FLAGS

PACKAGE = Path(bulletin.__file__).parent
#: The ledger layer: the only modules that may open the SQLite database or run SQL.
LEDGER_LAYER = {"ledger.py", "ledger_batches.py", "ledger_schema.py", "ledger_feedback.py"}
SQL_CALLS = {"execute", "executemany", "executescript"}


def modules() -> list[tuple[str, ast.Module]]:
    """(path relative to the package, parsed module) of every module of bulletin."""
    return [(path.relative_to(PACKAGE).as_posix(), ast.parse(path.read_text(encoding="utf-8"), str(path)))
            for path in sorted(PACKAGE.rglob("*.py"))]


def module_name(relative: str) -> str:
    parts = ["bulletin", *relative.removesuffix(".py").split("/")]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(relative: str, tree: ast.Module) -> list[tuple[str, list[str]]]:
    """(absolute module, names) of every import in a module, at any depth (lazy imports too)."""
    here = module_name(relative)
    package = here if relative.endswith("__init__.py") else here.rpartition(".")[0]
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package
            for _ in range(node.level - 1):
                base = base.rpartition(".")[0]
            target = ".".join(p for p in (base if node.level else "", node.module or "") if p)
            found.append((target, [alias.name for alias in node.names]))
    return found


def sql_uses(tree: ast.Module) -> list[str]:
    """What in a module speaks SQL: an import of sqlite3, a call of .execute/.executemany/.executescript."""
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(a.name.split(".")[0] == "sqlite3" for a in node.names):
            uses.append(f"line {node.lineno}: import sqlite3")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "sqlite3" and not node.level:
            uses.append(f"line {node.lineno}: from sqlite3 import …")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in SQL_CALLS:
            uses.append(f"line {node.lineno}: .{node.func.attr}(")
    return uses


def test_only_the_ledger_layer_speaks_sql() -> None:
    found = {path: uses for path, tree in modules() if path not in LEDGER_LAYER and (uses := sql_uses(tree))}
    assert found == {}


@pytest.mark.parametrize("source", ["import sqlite3\n", "from sqlite3 import connect\n", "db.execute('SELECT 1')\n",
                                    "self.db.executemany('DELETE FROM t', [])\n"])
def test_the_sql_check_sees_each_way_of_speaking_sql(source: str) -> None:
    assert sql_uses(ast.parse(source))


def test_the_ledger_layer_itself_is_seen_speaking_sql() -> None:
    speaking = {path for path, tree in modules() if sql_uses(tree)}
    assert {"ledger.py", "ledger_batches.py", "ledger_feedback.py"} <= speaking


def private_imports(path: str, tree: ast.Module) -> list[str]:
    """Private names a module imports from bulletin: ``from .x import _name``, a private module ``from . import _x``
    or ``import bulletin._x`` (a module used by its siblings is not private: give it a public name)."""
    found = []
    for target, names in imported(path, tree):
        if target.split(".")[0] != "bulletin":
            continue
        found += [f"{path}: {target}" for part in target.split(".") if part.startswith("_")][:1]
        found += [f"{path}: {target}.{name}" for name in names if name.startswith("_")]
    return found


def test_no_private_names_imported_across_modules() -> None:
    found = [hit for path, tree in modules() for hit in private_imports(path, tree)]
    assert found == []


@pytest.mark.parametrize("source", ["from .yamlfile import _walk\n", "from . import _fields\n", "from ._fields import check\n",
                                    "import bulletin.sources._fields\n", "from bulletin.sources import _fields\n"])
def test_the_private_name_check_sees_each_way_of_importing_one(source: str) -> None:
    assert private_imports("sources/csv.py", ast.parse(source))


def test_the_private_name_check_lets_public_names_and_outside_libraries_be() -> None:
    assert private_imports("sources/csv.py", ast.parse("from . import fields\nfrom ..yamlfile import hint\nfrom yaml import _x\n")) == []


def test_every_module_stays_small() -> None:
    """Issue 11: modules stay under ~400 lines, split along their seams (cli.py had grown to 628, ledger.py to 501,
    audience.py to 465)."""
    sizes = {path: len((PACKAGE / path).read_text(encoding="utf-8").splitlines()) for path, _ in modules()}
    assert {"cli/base.py", "ledger.py", "ledger_batches.py", "audience_rows.py", "deadlines.py"} <= set(sizes)
    assert {path: lines for path, lines in sizes.items() if lines >= 400} == {}


def test_check_and_dispatch_do_not_import_each_other() -> None:
    def uses(package: str, other: str) -> list[str]:
        return [f"{path}: {target}" for path, tree in modules() if path.startswith(f"{package}/")
                for target, _ in imported(path, tree) if target == f"bulletin.{other}" or target.startswith(f"bulletin.{other}.")]

    assert uses("check", "dispatch") == [] or uses("dispatch", "check") == []


def raised_flags(tree: ast.Module, flags: set[str]) -> list[str]:
    """The remedy flags named by the text of errors a module raises (or builds to raise: ``XError(...)``)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        is_error = isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id.endswith("Error")
        if isinstance(node, ast.Raise) or is_error:
            for part in ast.walk(node):
                if isinstance(part, ast.Constant) and isinstance(part.value, str):
                    found.update(f"line {part.lineno}: {flag}" for flag in flags if flag in part.value)
    return sorted(found)


def test_library_errors_leave_the_remedy_flags_to_the_cli() -> None:
    flags = {flag for text in REMEDY_FLAGS.values() for flag in re.findall(r"--[a-z-]+", text)}
    assert {"--force", "--new-dispatch", "--resend-unknown", "--no-safe", "--list", "--at"} <= flags
    found = {path: hits for path, tree in modules() if not path.startswith("cli/") and (hits := raised_flags(tree, flags))}
    assert found == {}


def test_the_flag_check_sees_a_flag_in_an_error() -> None:
    tree = ast.parse('raise LedgerError(f"{issue} changed: add --new-dispatch")\nerror = DispatchError("x --force")\n')
    assert raised_flags(tree, {"--new-dispatch", "--force"}) == ["line 1: --new-dispatch", "line 2: --force"]


#: Terminal output the CLI prints as it is (its commands and flags are the CLI's words), and the preview page's own.
PRESENTATION = {"dispatch/show.py", "preview/server.py"}


def named_flags(tree: ast.Module, flags: set[str]) -> list[str]:
    """The flags named by a module's texts (its string constants, docstrings aside)."""
    docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                  if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                  and node.body and isinstance(node.body[0], ast.Expr)}
    pattern = re.compile(r"(?<![\w-])(" + "|".join(map(re.escape, sorted(flags))) + r")(?![\w-])")
    return [f"line {node.lineno}: {flag}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings
            for flag in pattern.findall(node.value)]


def test_library_texts_leave_every_flag_to_the_cli() -> None:
    """Issue 11: a library text names an input as the library does (at="…", errors.Phrase); the CLI names its flag."""
    flags = set(OPTION_FLAGS.values()) | {flag for text in REMEDY_FLAGS.values() for flag in re.findall(r"--[a-z-]+", text)}
    found = {path: hits for path, tree in modules()
             if not path.startswith("cli/") and path not in PRESENTATION and (hits := named_flags(tree, flags))}
    assert found == {}


def test_the_text_check_sees_a_flag_in_a_text_but_not_in_a_docstring_or_another_word() -> None:
    tree = ast.parse('"""Read --at."""\nnote = f"add --refresh to fetch them"\nargs = ["--attach", "--no-sandbox"]\n')
    assert named_flags(tree, {"--at", "--refresh"}) == ["line 2: --refresh"]
