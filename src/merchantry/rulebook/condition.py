"""Rule conditions: parse, check, and compile through the AST.

A ``when`` is a SQL boolean expression in the DuckDB dialect over the names in
:mod:`merchantry.rulebook.columns`. Checking is an allowlist: every node of the
parsed tree must be a known-safe construct, every function must be allowed,
every column declared. Statements, ``;``, comments, subqueries and table
references never get through. Compiling rewrites each column onto the fact
relation and each ``param.x`` onto its value; it raises :class:`CompileError`
naming any construct it has no rule for, so a gap in the checker cannot turn
into SQL that was never meant.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

import sqlglot
import sqlglot.expressions as exp
from sqlglot.dialects.duckdb import DuckDB
from sqlglot.errors import ParseError, TokenError
from sqlglot.tokenizer_core import TokenType

from merchantry.kit.errors import MerchantryError
from merchantry.model.schema import ColumnType
from merchantry.rulebook.columns import COLUMNS_BY_NAME
from merchantry.rulebook.limits import (
    MAX_CONDITION_CHARS,
    MAX_CONDITION_DEPTH,
    MAX_CONDITION_TERMS,
)

DIALECT: Final = "duckdb"
PARAM_NAMESPACE: Final = "param"

ALLOWED_FUNCTIONS: Final[dict[type[exp.Expr], str]] = {
    exp.Coalesce: "coalesce",
    exp.ArrayContains: "list_contains",
    exp.Lower: "lower",
    exp.Upper: "upper",
    exp.Abs: "abs",
    exp.Least: "least",
    exp.Greatest: "greatest",
    exp.Year: "year",
    exp.Month: "month",
    exp.Day: "day",
    exp.DayOfWeek: "dayofweek",
    exp.DateDiff: "date_diff",
    exp.If: "if",
    exp.Nullif: "nullif",
    exp.Length: "length",
}
"""Functions a condition may call, by node class, with the name users write."""

PREDICATE_NODES: Final[tuple[type[exp.Expr], ...]] = (
    exp.And,
    exp.Or,
    exp.Not,
    exp.Xor,
    exp.EQ,
    exp.NEQ,
    exp.GT,
    exp.GTE,
    exp.LT,
    exp.LTE,
    exp.NullSafeEQ,
    exp.NullSafeNEQ,
    exp.In,
    exp.Between,
    exp.Is,
    exp.Like,
    exp.ILike,
)
"""Logic and comparisons: allowed in a condition, and true or false whatever they compare."""

ALLOWED_NODES: Final[tuple[type[exp.Expr], ...]] = (
    *PREDICATE_NODES,
    exp.Paren,
    exp.Add,
    exp.Sub,
    exp.Mul,
    exp.Div,
    exp.IntDiv,
    exp.Mod,
    exp.Neg,
    exp.Literal,
    exp.Boolean,
    exp.Null,
    exp.Column,
    exp.Identifier,
    exp.Array,
    exp.Case,
    exp.Cast,
    exp.DataType,
    exp.Var,
)
"""Non-function constructs a condition may contain."""

ALLOWED_CASTS: Final = frozenset({"DATE", "INT", "BIGINT", "VARCHAR", "TIMESTAMP", "BOOLEAN"})
BOOLEAN_NODES: Final = (*PREDICATE_NODES, exp.ArrayContains, exp.Boolean)


class CompileError(MerchantryError):
    """The compiler met a construct it has no translation rule for."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with a condition (the checker turns it into a Diagnostic)."""

    code: str
    message: str
    hint: str = ""
    line_offset: int = 0
    """Lines below the start of the condition text."""


def _did_you_mean(word: str, options: list[str]) -> str:
    longer = [o for o in options if o.startswith(word)]
    close = longer[:1] or difflib.get_close_matches(word, options, n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else ""


def _too_deep(line_offset: int = 0) -> Problem:
    return Problem(
        "condition-too-deep",
        f"the condition nests more than {MAX_CONDITION_DEPTH} levels deep",
        "flatten it: AND/OR chains need no parentheses, and IN (...) replaces long ORs",
        line_offset,
    )


def _scan_tokens(text: str) -> list[Problem]:
    """Refuse statement separators and comments before parsing (they can hide statements),
    and parentheses nested beyond the limit (parsing them would exhaust the recursion)."""
    problems: list[Problem] = []
    try:
        tokens = DuckDB().tokenize(text)
    except TokenError as err:
        return [Problem("condition-syntax", "cannot read condition: " + _token_message(text, err))]
    depth = 0
    for token in tokens:
        if token.token_type is TokenType.L_PAREN:
            depth += 1
            if depth > MAX_CONDITION_DEPTH:
                return [_too_deep(token.line - 1)]
        elif token.token_type is TokenType.R_PAREN:
            depth -= 1
        if token.token_type is TokenType.SEMICOLON:
            problems.append(
                Problem(
                    "statement-separator",
                    "';' is not allowed in a condition",
                    "a condition is one boolean expression, never statements",
                    token.line - 1,
                )
            )
        if token.comments:
            problems.append(
                Problem(
                    "comment-not-allowed",
                    "comments are not allowed in a condition",
                    "put explanations in the rule's `note`",
                    token.line - 1,
                )
            )
    return problems


def _function_name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.name).lower()
    if isinstance(node, exp.Func):
        return str(node.sql_name()).lower()
    return str(node.key)


def _check_node(node: exp.Expr, params: Mapping[str, int]) -> list[Problem]:
    if isinstance(node, (exp.Select, exp.Subquery, exp.Query)):
        return [
            Problem(
                "subquery",
                "subqueries are not allowed in a condition",
                "use the documented columns (see docs/rulebooks.md)",
            )
        ]
    if isinstance(node, (exp.Table, exp.From, exp.Join)):
        return [Problem("table-reference", "table references are not allowed in a condition")]
    if isinstance(node, exp.Column):
        return _check_column(node, params)
    if isinstance(node, exp.Cast):
        return _check_cast(node)
    if isinstance(node, ALLOWED_NODES) or type(node) in ALLOWED_FUNCTIONS:
        return []
    if isinstance(node, exp.Func):
        name = _function_name(node)
        allowed = sorted(ALLOWED_FUNCTIONS.values())
        hint = _did_you_mean(name, allowed) or "allowed: " + ", ".join(allowed)
        return [Problem("unknown-function", f"function {name}() is not allowed", hint)]
    return [
        Problem(
            "unsupported-construct",
            f"{node.key.upper()} ({node.sql(DIALECT)[:40]}) is not allowed in a condition",
            "use comparisons, AND/OR/NOT, IN, BETWEEN, CASE and the allowed functions",
        )
    ]


def _check_cast(node: exp.Cast) -> list[Problem]:
    target = node.to.this.value if isinstance(node.to.this, exp.DataType.Type) else ""
    if target not in ALLOWED_CASTS:
        return [
            Problem(
                "bad-cast",
                f"cast to {node.to.sql(DIALECT)} is not allowed",
                "allowed: " + ", ".join(sorted(ALLOWED_CASTS)),
            )
        ]
    return []


def _check_column(node: exp.Column, params: Mapping[str, int]) -> list[Problem]:
    if node.args.get("db") or node.args.get("catalog"):
        return [Problem("table-reference", f"{node.sql(DIALECT)} names a table")]
    namespace, name = node.table, node.name
    if namespace == PARAM_NAMESPACE:
        if name not in params:
            hint = _did_you_mean(name, sorted(params)) or "declare it under `parameters`"
            return [Problem("unknown-parameter", f"unknown parameter param.{name}", hint)]
        return []
    dotted = f"{namespace}.{name}" if namespace else name
    if dotted not in COLUMNS_BY_NAME:
        options = list(COLUMNS_BY_NAME) + [f"param.{p}" for p in params]
        hint = _did_you_mean(dotted, options) or "see the condition columns in docs/rulebooks.md"
        return [Problem("unknown-column", f"unknown column {dotted}", hint)]
    return []


def _literal_values(node: exp.Expr) -> list[str]:
    if isinstance(node, exp.Literal) and node.is_string:
        return [node.name]
    return []


def _check_values(tree: exp.Expr) -> list[Problem]:
    """A string compared with an enumerated column must be one of its values."""
    problems: list[Problem] = []
    pairs: list[tuple[exp.Expr, list[exp.Expr]]] = []
    for node in tree.walk():
        if isinstance(node, (exp.EQ, exp.NEQ)):
            pairs.append((node.this, [node.expression]))
            pairs.append((node.expression, [node.this]))
        elif isinstance(node, exp.In):
            pairs.append((node.this, list(node.expressions)))
        elif isinstance(node, exp.ArrayContains):
            pairs.append((node.this, [node.expression]))
    for column, others in pairs:
        if not isinstance(column, exp.Column):
            continue
        declared = COLUMNS_BY_NAME.get(f"{column.table}.{column.name}")
        if declared is None or not declared.choices:
            continue
        for other in others:
            for value in _literal_values(other):
                if value not in declared.choices:
                    hint = _did_you_mean(value, list(declared.choices)) or (
                        "one of: " + ", ".join(declared.choices)
                    )
                    problems.append(
                        Problem("unknown-value", f"{declared.name} is never {value!r}", hint)
                    )
    return problems


def _is_boolean(tree: exp.Expr) -> bool | None:
    """True/False when the result type is evident; None when it cannot be told."""
    while isinstance(tree, exp.Paren):
        tree = tree.this
    if isinstance(tree, BOOLEAN_NODES):
        return True
    if isinstance(tree, exp.Column):
        declared = COLUMNS_BY_NAME.get(f"{tree.table}.{tree.name}")
        return None if declared is None else declared.type is ColumnType.BOOL
    if isinstance(tree, (exp.Literal, exp.Add, exp.Sub, exp.Mul, exp.Div, exp.Neg, exp.Array)):
        return False
    return None


def _shape_problems(tree: exp.Expr) -> list[Problem]:
    """Nesting beyond the limit (a chain of one operator counts as one level, parentheses
    none) and AND/OR chains with too many operands; walked without recursion."""
    problems: list[Problem] = []
    stack: list[tuple[exp.Expr, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_CONDITION_DEPTH:
            return [_too_deep()]
        chain = isinstance(node, exp.Connector)
        if chain and not isinstance(node.parent, type(node)):
            terms = sum(1 for _ in node.flatten())
            if terms > MAX_CONDITION_TERMS:
                problems.append(
                    Problem(
                        "condition-too-long",
                        f"one {node.key.upper()} chain has {terms} operands; at most "
                        f"{MAX_CONDITION_TERMS}",
                        "use IN (...) for many values, or split the rule",
                    )
                )
        for child in node.iter_expressions():
            same = isinstance(child, exp.Paren) or (chain and type(child) is type(node))
            stack.append((child, depth if same else depth + 1))
    return problems


_OPERATOR_WORDS: Final = {
    "And": "AND",
    "Or": "OR",
    "Not": "NOT",
    "EQ": "=",
    "NEQ": "<>",
    "LT": "<",
    "LTE": "<=",
    "GT": ">",
    "GTE": ">=",
    "Like": "LIKE",
    "ILike": "ILIKE",
    "In": "IN",
    "Is": "IS",
    "Between": "BETWEEN",
    "Add": "+",
    "Sub": "-",
    "Mul": "*",
    "Div": "/",
}
_MISSING: Final = re.compile(r"Required keyword: '(\w+)' missing for <class '[\w.]*\.(\w+)'>")


def _syntax_message(err: ParseError | TokenError) -> str:
    """The parser's complaint in the rule writer's words: sqlglot names its own classes
    (``Required keyword: 'expression' missing for <class '…And'>``) where a writer needs
    to hear that ``AND`` has nothing after it."""
    first = str(err).split("\n")[0]
    found = _MISSING.search(first)
    if found is None:
        return first
    keyword, kind = found.groups()
    word = _OPERATOR_WORDS.get(kind, kind.upper())
    if kind == "Between":
        said = "BETWEEN needs both bounds: x BETWEEN low AND high"
    elif keyword == "this" and kind == "Not":
        said = "NOT has nothing after it"
    elif keyword == "expression":
        said = f"{word} has nothing after it"
    else:
        said = f"{word} is incomplete"
    place = first[found.end() :].strip(" .").replace("Line", "line").replace("Col:", "column")
    return f"{said} ({place})" if place else said


def _token_message(text: str, err: TokenError) -> str:
    """An unclosed quote is the usual reason the tokenizer gives up; say so."""
    start, quote, at = -1, "", 0
    while at < len(text):
        char = text[at]
        if start < 0 and char in "'\"":
            start, quote = at, char
        elif start >= 0 and char == quote:
            if text[at + 1 : at + 2] == quote:  # a doubled quote stands for itself
                at += 1
            else:
                start = -1
        at += 1
    if start < 0:
        return str(err).split("\n")[0]
    what = "text" if quote == "'" else "name"
    opening = text[start : start + 20]
    return f"the quoted {what} starting at column {start + 1} ({opening}) has no closing {quote}"


def check_condition(text: str, params: Mapping[str, int]) -> tuple[exp.Expr | None, list[Problem]]:
    """Parse and check one condition; the tree is ``None`` when it cannot be used."""
    if len(text) > MAX_CONDITION_CHARS:
        return None, [
            Problem(
                "condition-too-long",
                f"the condition is {len(text):,} characters; at most {MAX_CONDITION_CHARS:,}",
                "use IN (...) for many values, a parameter for a repeated number, or split "
                "the rule",
            )
        ]
    problems = _scan_tokens(text)
    if problems:
        return None, problems
    try:
        statements = sqlglot.parse(text, read=DIALECT)
    except RecursionError:
        return None, [_too_deep()]
    except (ParseError, TokenError) as err:
        return None, [
            Problem(
                "condition-syntax",
                "cannot parse condition: " + _syntax_message(err),
                "write one SQL boolean expression, e.g. order.scene = 'live'",
            )
        ]
    if len(statements) != 1 or statements[0] is None:
        return None, [Problem("statement-separator", "a condition must be exactly one expression")]
    tree = statements[0]
    problems = _shape_problems(tree)
    if problems:
        return None, problems
    for node in tree.walk():
        problems.extend(_check_node(node, params))
    problems = list(dict.fromkeys(problems))
    if not problems:
        problems.extend(_check_values(tree))
        if _is_boolean(tree) is False:
            problems.append(
                Problem(
                    "not-boolean",
                    f"condition {tree.sql(DIALECT)!r} is not true/false",
                    "compare it, e.g. order.goods_fen > 0",
                )
            )
    return (None if problems else tree), problems


def compile_condition(
    tree: exp.Expr, params: Mapping[str, int], *, fact_alias: str = "f"
) -> exp.Expr:
    """Rewrite a checked condition onto the fact relation; DuckDB-ready expression.

    Raises :class:`CompileError` naming any construct it cannot translate.
    """

    def rewrite(node: exp.Expr) -> exp.Expr:
        if isinstance(node, exp.Column):
            if node.table == PARAM_NAMESPACE:
                if node.name not in params:
                    raise CompileError(f"no value for parameter param.{node.name}")
                return exp.Literal.number(params[node.name])
            declared = COLUMNS_BY_NAME.get(f"{node.table}.{node.name}")
            if declared is None:
                raise CompileError(f"no translation rule for column {node.sql(DIALECT)}")
            return exp.column(declared.fact_column, table=fact_alias, quoted=True)
        if isinstance(node, ALLOWED_NODES):
            return node
        if type(node) in ALLOWED_FUNCTIONS:
            return node
        raise CompileError(f"no translation rule for {node.key.upper()}: {node.sql(DIALECT)}")

    compiled = tree.copy().transform(rewrite)
    for node in compiled.walk():
        node.comments = None
    return exp.paren(compiled)
