"""No SQL is built by Python string formatting anywhere in ``src/``.

The source is walked with :mod:`ast`. SQL text is a string whose literal part reads like a
statement (``SELECT … FROM``, ``INSERT INTO``, ``DELETE FROM``, ``CREATE … TABLE``, …).
Such text may not be

* an f-string with an interpolation, unless the interpolation is
  :func:`merchantry.store.sql.ident` (the one helper that quotes a name);
* the receiver of ``.format(...)`` or ``.replace(...)``, or the left side of ``%``;
* added (``+``) to anything but another string literal.

Constants and sub-queries go in through the sqlglot tree (``store.sql.fill``), values as
bound parameters. The checker itself is tested on small sources, so it can fail.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "merchantry"

SQL_TEXT = re.compile(
    r"\bSELECT\b[\s\S]*\bFROM\b|\bINSERT\s+INTO\b|\bDELETE\s+FROM\b|\bUPDATE\s+\S+\s+SET\b"
    r"|\bCREATE\s+(OR\s+REPLACE\s+)?(TEMP\s+|TEMPORARY\s+)?(TABLE|VIEW|MACRO)\b"
    r"|\bDROP\s+(TABLE|VIEW)\b|\bALTER\s+TABLE\b|\bWITH\s+\w+\s+AS\s*\(|\bSELECT\s+[*\w\"]"
    r"|^\s*SELECT\s*$",
)
"""Statement shapes, upper case as this project writes SQL (prose rarely matches)."""

QUOTING_HELPER = "ident"
"""The one call allowed inside an f-string of SQL: it quotes an identifier."""


def _literal_text(node: ast.expr, strings: dict[str, str]) -> str | None:
    """The literal text of a node: a string constant, the constant parts of an f-string, or
    a module-level name bound to a string constant."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
    if isinstance(node, ast.Name):
        return strings.get(node.id)
    return None


def _is_sql(node: ast.expr, strings: dict[str, str]) -> bool:
    text = _literal_text(node, strings)
    return text is not None and SQL_TEXT.search(text) is not None


def _is_quoting_call(node: ast.expr) -> bool:
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
    return name == QUOTING_HELPER


def _module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound to a plain string constant."""
    found: dict[str, str] = {}
    for stmt in tree.body:
        target, value = None, None
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
            target, value = stmt.targets[0], stmt.value
        elif isinstance(stmt, ast.AnnAssign):
            target, value = stmt.target, stmt.value
        if (
            isinstance(target, ast.Name)
            and isinstance(value, ast.Constant)
            and isinstance(value.value, str)
        ):
            found[target.id] = value.value
    return found


def formatted_sql(source: str) -> list[tuple[int, str]]:
    """(line, what) for every place ``source`` builds SQL text by string formatting."""
    tree = ast.parse(source)
    strings = _module_strings(tree)
    problems: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and _is_sql(node, strings):
            for part in node.values:
                if isinstance(part, ast.FormattedValue) and not _is_quoting_call(part.value):
                    problems.append(
                        (node.lineno, f"f-string SQL interpolates {ast.unparse(part.value)}")
                    )
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ("format", "replace")
            and _is_sql(node.func.value, strings)
        ):
            problems.append((node.lineno, f"SQL text filled by .{node.func.attr}()"))
        elif (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod)
            and _is_sql(node.left, strings)
        ):
            problems.append((node.lineno, "SQL text filled by %"))
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            sides = (node.left, node.right)
            if any(_is_sql(s, strings) for s in sides) and not all(
                isinstance(s, ast.Constant) and isinstance(s.value, str) for s in sides
            ):
                problems.append((node.lineno, f"SQL text joined with +: {ast.unparse(node)[:60]}"))
    return problems


def test_no_sql_is_built_by_string_formatting() -> None:
    found = [
        f"{path.relative_to(SRC.parent)}:{line}: {what}"
        for path in sorted(SRC.rglob("*.py"))
        for line, what in formatted_sql(path.read_text(encoding="utf-8"))
    ]
    assert not found, "build SQL through store.sql (fill, parameters, ident):\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        'con.execute(f"SELECT * FROM t WHERE n = {n}")',
        'Q = f"""\nSELECT a FROM t WHERE m <= {LIMIT}\n"""',
        'X = "SELECT a FROM t WHERE b IN {ids}".format(ids=ids)',
        'X = "DELETE FROM t WHERE id = %s" % value',
        'SQL = "SELECT a FROM __table__"\nX = SQL.replace("__table__", name)',
        'X = "DELETE FROM shop_scores" + PERIOD',
        'X = "SELECT " + ", ".join(cols) + " FROM t"',
        'DIGEST = "SELECT " + ", ".join(parts)',
        'BASE = "WITH a AS (SELECT 1) "\nX = BASE + tail',
        'X = f"CREATE OR REPLACE TEMP TABLE {name} AS SELECT 1"',
        'X = f"SELECT * FROM {quote(name)}"',
    ],
)
def test_the_check_finds_formatted_sql(source: str) -> None:
    assert formatted_sql(source), source


@pytest.mark.parametrize(
    "source",
    [
        'con.execute("SELECT * FROM t WHERE n = $n", {"n": n})',
        'X = f"SELECT * FROM {ident(name)} WHERE a = 1"',
        'X = f"SELECT * FROM {sql.ident(name)}"',
        'X = ("SELECT a " "FROM t")',
        'X = "SELECT a " + "FROM t"',
        'raise NotFound(f"no rows from {path}: select another file")',
        'message = f"{count} rows selected from the file"',
        'fill_sql("SELECT p_x FROM t", p_x=lit(3))',
    ],
)
def test_the_check_passes_sql_built_through_the_kit(source: str) -> None:
    assert formatted_sql(source) == [], source
