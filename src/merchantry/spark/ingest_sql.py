"""The ingest checks' DuckDB-only constructs, carried to Spark with the same answers.

Ingest's checks (:mod:`merchantry.ingest.checks`, :mod:`merchantry.ingest.coerce`) use
four constructs the general rewrites of :mod:`merchantry.spark.portable` do not carry;
each is rewritten here (the nodes marked :data:`CARRIED`) or left for the check to
refuse by name:

* **regular expressions** (``regexp_matches``, ``regexp_full_match``,
  ``regexp_extract``): the literal pattern written for Java with RE2's matches
  (:func:`merchantry.spark.regex.java_pattern`); ``regexp_full_match`` anchored
  ``\\A(?:…)\\z``; a pattern outside the subset, or one that is not a literal, is
  refused naming the construct;
* ``printf(format, …)``: Spark's ``FORMAT_STRING`` (Java's ``Formatter``) for the
  conversions ``%d``, ``%x``, ``%X`` (with a ``0`` flag and a width; the argument
  widened to BIGINT, whose hexadecimal both engines write alike, negative numbers
  included) and a bare ``%s`` (the argument cast to text; a width would count UTF-16
  units on Java), NULL when any argument is NULL
  (Java would write ``null``); another conversion or flag is refused;
* ``unicode(s)``: Spark's ``ASCII(s)`` (the first code point) and DuckDB's ``-1`` for
  ``''`` (Spark's ``ASCII`` gives 0);
* the typing of a list of text (``coerce.text_list_value``: ``json_valid``,
  ``json_type``, ``json_extract`` and a lambda over the elements), where only whether it
  is NULL is asked (``fails_to_parse``): a regular expression of the JSON text DuckDB
  (yyjson) accepts as an array whose elements are all strings, trailing comma and
  surrogate pairs included (:data:`JSON_TEXT_ARRAY`);
* ``TRY_CAST`` built as a tree: kept a ``TRY_CAST`` (sqlglot would write ``CAST``);
* ``CAST(x AS HUGEINT)`` (the row rules): ``DECIMAL(38, 0)`` (Spark has no 128-bit
  integer);
* ``list_has_all(['a', …], l)`` with a literal list of text: ``FORALL(l, e -> e IS NULL
  OR e IN ('a', …))`` (DuckDB ignores NULL elements; NULL for a NULL ``l`` on both).

``arg_min`` in the sequence check is carried by the statement runner's tie check
(:func:`merchantry.spark.portable.first_value_tie_checks`), as for the score stage.
"""

from __future__ import annotations

import re
from typing import Final

import sqlglot.expressions as exp

from merchantry.ingest.coerce import text_list_value
from merchantry.spark.legs import CARRIED
from merchantry.spark.regex import UnsupportedRegex, java_pattern

_WS: Final = "[\\x{9}\\x{A}\\x{D}\\x{20}]*+"
_HEX: Final = "[0-9a-fA-F]"
_ESCAPE: Final = (
    '\\\\(?:["\\\\/bfnrt]|u(?:[0-9a-cA-Ce-fE-F]' + _HEX + "{3}|[dD][0-7]" + _HEX + "{2}"
    "|[dD][89abAB]" + _HEX + "{2}\\\\u[dD][c-fC-F]" + _HEX + "{2}))"
)
_STRING: Final = '"(?:[^"\\\\\\x{0}-\\x{1F}]++|' + _ESCAPE + ')*+"'
JSON_TEXT_ARRAY: Final = (
    "\\A"
    + _WS
    + "\\["
    + _WS
    + "(?:"
    + _STRING
    + _WS
    + "(?:,"
    + _WS
    + _STRING
    + _WS
    + ")*+(?:,"
    + _WS
    + ")?)?\\]"
    + _WS
    + "\\z"
)
"""Java regular expression of the text DuckDB's ``json_valid`` accepts as an array whose
elements are all strings: JSON white space (space, tab, line feed, carriage return)
around the tokens, one trailing comma after at least one element (DuckDB reads JSON
with trailing commas allowed), strings without raw control characters, escapes
``\\" \\\\ \\/ \\b \\f \\n \\r \\t \\uXXXX`` with a high surrogate only before a low one
and no lone low surrogate. Possessive repetitions keep Java's matcher from recursing
per character on long values."""

_REGEX_FUNCTIONS: Final = {"regexp_matches", "regexp_full_match", "regexp_extract"}
_FORMAT_SPEC: Final = re.compile(r"%(?:(0?)([1-9][0-9]*)?([dxX])|(s)|(%))")


def _name(node: exp.Expr) -> str:
    if isinstance(node, exp.Anonymous):
        return str(node.this).lower()
    if isinstance(node, exp.RegexpLike):
        return "regexp_matches"
    if isinstance(node, exp.RegexpFullMatch):
        return "regexp_full_match"
    if isinstance(node, exp.RegexpExtract):
        return "regexp_extract"
    return ""


def regex_problem(node: exp.Expr) -> str | None:
    """Why a regular-expression call cannot be carried (None: it can)."""
    name = _name(node)
    args = (
        list(node.expressions)
        if isinstance(node, exp.Anonymous)
        else [a for a in (node.this, node.expression) if a is not None]
    )
    extra = [
        k
        for k in ("group", "parameters", "position", "occurrence", "modifiers", "flag")
        if node.args.get(k) is not None
    ]
    group = node.args.get("group")
    if name == "regexp_extract" and group is not None:
        if not (isinstance(group, exp.Literal) and group.is_int):
            return f"{name}: a group that is not a whole-number literal"
        extra.remove("group")
    if len(args) != 2 or extra:
        return f"{name}: options or arguments other than (text, pattern)"
    pattern = args[1]
    if not (isinstance(pattern, exp.Literal) and pattern.is_string):
        return f"{name}: a pattern that is not a literal"
    try:
        java_pattern(pattern.name, full=name == "regexp_full_match")
    except UnsupportedRegex as err:
        return f"{name}: {err}"
    return None


def _is_regex(node: exp.Expr) -> bool:
    return _name(node) in _REGEX_FUNCTIONS


def java_regexes(tree: exp.Expr) -> exp.Expr:
    """Each carriable regular-expression call as Spark's ``RLIKE`` or ``REGEXP_EXTRACT``
    with the pattern written for Java; the rest is left for :func:`refuse_regexes`."""
    for node in list(tree.find_all(exp.Anonymous, exp.RegexpLike, exp.RegexpFullMatch)):
        if not _is_regex(node) or node.meta.get(CARRIED) or regex_problem(node) is not None:
            continue
        args = list(node.expressions) if isinstance(node, exp.Anonymous) else [node.this]
        if not isinstance(node, exp.Anonymous):
            args.append(node.expression)
        value, pattern = args[0].copy(), args[1].name
        name = _name(node)
        java = exp.Literal.string(java_pattern(pattern, full=name == "regexp_full_match"))
        carried: exp.Expr
        if name == "regexp_extract":
            carried = exp.RegexpExtract(this=value, expression=java, group=exp.Literal.number(0))
        else:
            carried = exp.RegexpLike(this=value, expression=java)
        carried.meta[CARRIED] = True
        node.replace(carried)
    for node in list(tree.find_all(exp.RegexpExtract)):
        if node.meta.get(CARRIED) or regex_problem(node) is not None:
            continue
        group = node.args.get("group") or exp.Literal.number(0)
        java = exp.Literal.string(java_pattern(node.expression.name))
        carried = exp.RegexpExtract(this=node.this.copy(), expression=java, group=group.copy())
        carried.meta[CARRIED] = True
        node.replace(carried)
    return tree


REGEX_NODES: Final = (
    exp.RegexpLike,
    exp.RegexpILike,
    exp.RegexpExtract,
    exp.RegexpExtractAll,
    exp.RegexpReplace,
    exp.RegexpSplit,
    exp.RegexpFullMatch,
)


def uncarried_regexes(tree: exp.Expr) -> list[tuple[exp.Expr, str]]:
    """(node, why) of every regular expression left uncarried."""
    found: list[tuple[exp.Expr, str]] = []
    for node in tree.walk():
        if node.meta.get(CARRIED):
            continue
        if isinstance(node, exp.Anonymous) and _is_regex(node):
            found.append((node, regex_problem(node) or "not carried"))
        elif isinstance(node, REGEX_NODES):
            why = regex_problem(node) if _is_regex(node) else None
            found.append((node, why or f"{node.key}: Java and RE2 patterns differ"))
    return found


def _format_problem(node: exp.Anonymous) -> str | None:
    if not node.expressions:
        return "printf without a format"
    fmt = node.expressions[0]
    if not (isinstance(fmt, exp.Literal) and fmt.is_string):
        return "printf with a format that is not a literal"
    text, at, specs = fmt.name, 0, 0
    while True:
        at = text.find("%", at)
        if at < 0:
            break
        match = _FORMAT_SPEC.match(text, at)
        if match is None:
            return f"printf conversion {text[at : at + 4]!r}: only %d %x %X (0, width), %s, %%"
        if match.group(5) is None:
            specs += 1
        at = match.end()
    if specs != len(node.expressions) - 1:
        return "printf whose arguments do not match its conversions one to one"
    return None


def format_string(tree: exp.Expr) -> exp.Expr:
    """``printf(fmt, a, …)`` as ``CASE WHEN a IS NULL … THEN NULL ELSE FORMAT_STRING(fmt,
    CAST(a AS BIGINT | VARCHAR), …) END`` for the conversions :func:`_format_problem`
    accepts."""
    for node in reversed(list(tree.find_all(exp.Anonymous))):
        if node.name.lower() != "printf" or _format_problem(node) is not None:
            continue
        fmt = node.expressions[0]
        kinds = [
            m.group(3) or m.group(4) for m in _FORMAT_SPEC.finditer(fmt.name) if m.group(5) is None
        ]
        args = [
            exp.cast(a.copy(), "VARCHAR" if kind == "s" else "BIGINT")
            for a, kind in zip(node.expressions[1:], kinds, strict=True)
        ]
        formatted = exp.Anonymous(this="FORMAT_STRING", expressions=[fmt.copy(), *args])
        formatted.meta[CARRIED] = True
        nulls = [exp.Is(this=a.copy(), expression=exp.Null()) for a in node.expressions[1:]]
        node.replace(
            exp.Case().when(exp.or_(*nulls), exp.null()).else_(formatted) if nulls else formatted
        )
    return tree


def printf_problems(tree: exp.Expr) -> list[tuple[exp.Expr, str]]:
    return [
        (node, problem)
        for node in tree.find_all(exp.Anonymous)
        if node.name.lower() == "printf" and (problem := _format_problem(node)) is not None
    ]


def first_code_point(tree: exp.Expr) -> exp.Expr:
    """``unicode(s)`` as ``CASE WHEN s = '' THEN -1 ELSE ASCII(s) END``."""
    for node in reversed(list(tree.find_all(exp.Unicode))):
        value = node.this
        first = exp.Anonymous(this="ASCII", expressions=[value.copy()])
        first.meta[CARRIED] = True
        empty = exp.EQ(this=value.copy(), expression=exp.Literal.string(""))
        node.replace(exp.Case().when(empty, exp.Literal.number(-1)).else_(first))
    return tree


def _json_value(node: exp.Case) -> exp.Expr | None:
    """``x`` when ``node`` is ``coerce.text_list_value(x)``."""
    for found in node.find_all(exp.Anonymous):
        if found.name.lower() == "json_valid" and len(found.expressions) == 1:
            value = found.expressions[0]
            return value if node == text_list_value(value.copy()) else None
    return None


def json_text_lists(tree: exp.Expr) -> exp.Expr:
    """``text_list_value(x) IS NULL`` as ``NOT coalesce(x RLIKE JSON_TEXT_ARRAY, FALSE)``."""
    for node in list(tree.find_all(exp.Is)):
        case = node.this.unnest() if node.this is not None else None
        if not isinstance(case, exp.Case) or not isinstance(node.expression, exp.Null):
            continue
        value = _json_value(case)
        if value is None:
            continue
        matches = exp.RegexpLike(this=value.copy(), expression=exp.Literal.string(JSON_TEXT_ARRAY))
        matches.meta[CARRIED] = True
        node.replace(exp.not_(exp.func("coalesce", matches, exp.false())))
    return tree


def list_has_all(tree: exp.Expr) -> exp.Expr:
    """``list_has_all(['a', …], l)`` (a literal list of text) as ``CASE WHEN l IS NULL
    THEN NULL ELSE FORALL(l, e -> e IS NULL OR e IN ('a', …)) END``."""
    for node in reversed(list(tree.find_all(exp.Anonymous))):
        if node.name.lower() != "list_has_all" or len(node.expressions) != 2:
            continue
        allowed, values = node.expressions
        if not isinstance(allowed, exp.Array) or not all(
            isinstance(v, exp.Literal) and v.is_string for v in allowed.expressions
        ):
            continue
        element = exp.to_identifier("__e")
        test = exp.or_(
            exp.Is(this=exp.column(element.copy()), expression=exp.Null()),
            exp.In(
                this=exp.column(element.copy()), expressions=[v.copy() for v in allowed.expressions]
            )
            if allowed.expressions
            else exp.false(),
        )
        function = exp.Lambda(this=test, expressions=[element])
        function.meta[CARRIED] = True
        forall = exp.Anonymous(this="FORALL", expressions=[values.copy(), function])
        forall.meta[CARRIED] = True
        node.replace(
            exp.Case()
            .when(exp.Is(this=values.copy(), expression=exp.Null()), exp.null())
            .else_(forall)
        )
    return tree


def try_casts(tree: exp.Expr) -> exp.Expr:
    """Every ``TRY_CAST`` kept one on Spark: a tree built as ``exp.TryCast`` (not parsed)
    lacks sqlglot's ``safe`` flag and would be written as a plain ``CAST``, which raises
    under ANSI mode where DuckDB gives NULL (``'99999999999'`` as an INTEGER)."""
    for node in tree.find_all(exp.TryCast):
        node.set("safe", True)
    return tree


def hugeint_as_decimal(tree: exp.Expr) -> exp.Expr:
    """``CAST(x AS HUGEINT)`` (a row rule's integers widened so that its sums cannot
    overflow) as ``CAST(x AS DECIMAL(38, 0))``: exact integers on both engines, to 38
    digits on Spark (past them Spark raises under ANSI mode; DuckDB's HUGEINT goes to 39,
    and the rules add a few 64-bit amounts)."""
    for node in tree.find_all(exp.Cast):
        if node.to.this == exp.DataType.Type.INT128:
            node.set("to", exp.DataType.build("DECIMAL(38, 0)"))
    return tree


INGEST_REWRITES: Final = (
    try_casts,
    hugeint_as_decimal,
    json_text_lists,
    list_has_all,
    java_regexes,
    format_string,
    first_code_point,
)
"""Run before the general rewrites (which would otherwise take the calls apart)."""
