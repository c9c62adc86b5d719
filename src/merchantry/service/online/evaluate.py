"""Compiled rule expressions evaluated in Python on one row, with DuckDB's semantics.

The fee stage, the ledger's rule sets and the risk signals compile rulebooks into
sqlglot trees that DuckDB runs over whole tables. A real-time call has one row
(one order, one after-sales request), and planning a DuckDB query for it costs
more than the answer. :func:`compile_expr` turns the *same* trees into Python
closures once, at start-up; evaluating one on a row (a ``dict`` of column name to
value) then costs microseconds. Nothing is re-derived by hand: the rules stay
defined once, in the compiled trees.

Semantics follow DuckDB where Python differs: three-valued logic (``None`` is
NULL), integer ``//`` and ``%`` truncating toward zero, ``/`` on integers giving
a float, ``least``/``greatest`` skipping NULLs, 1-based list subscripts,
``date_diff`` counting unit boundaries crossed, ``CAST`` of a decimal to an
integer rounding half away from zero. A construct without a translation rule
raises :class:`~merchantry.rulebook.condition.CompileError` naming it, at
compile time, never a wrong answer at run time. ``tests/online/test_evaluate.py``
compares every shipped rulebook's compiled trees with DuckDB on generated rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Final

import sqlglot.expressions as exp

from merchantry.rulebook.condition import CompileError

Row = Mapping[str, Any]
Fn = Callable[[Row], Any]


def compile_expr(node: exp.Expr) -> Fn:
    """A function of a row computing ``node`` as DuckDB would (``None`` for NULL).

    A part that reads no column (``CAST('2026-03-01' AS DATE)``, ``100 * 30``) is computed
    once, here, when its value is a plain scalar; operators with a constant operand then
    skip calling it (a quote evaluates a few hundred such parts)."""
    handler = _HANDLERS.get(type(node))
    if handler is None:
        if isinstance(node, exp.Anonymous):
            raise CompileError(f"no translation rule for function {node.name}() in {node.sql()}")
        raise CompileError(
            f"no translation rule for {type(node).__name__} in {node.sql(dialect='duckdb')}"
        )
    fn = handler(node)
    if _is_constant(fn) or node.find(exp.Column) is not None:
        return fn
    try:
        value = fn({})
    except (CompileError, ArithmeticError, ValueError, TypeError):
        return fn  # left to fail (or not) at run time, as before
    return _const(value) if isinstance(value, _SCALARS) else fn


_SCALARS: Final = (type(None), bool, int, str, Decimal, date, datetime, float)
_NO_VALUE: Final = object()


def _const(value: Any) -> Fn:
    """A constant function, marked so that callers can read its value at compile time."""

    def constant(_row: Row) -> Any:
        return value

    constant.constant_value = value  # type: ignore[attr-defined]
    return constant


def _is_constant(fn: Fn) -> bool:
    return hasattr(fn, "constant_value")


def _value(fn: Fn) -> Any:
    """The value of a constant function, else ``_NO_VALUE``."""
    return getattr(fn, "constant_value", _NO_VALUE)


def compile_columns(columns: Sequence[tuple[str, exp.Expr]]) -> Callable[[dict[str, Any]], None]:
    """One step of ``SELECT f.*, <columns>``: sets each column on the row, in order."""
    compiled = [(name, compile_expr(value)) for name, value in columns]

    def run(row: dict[str, Any]) -> None:
        for name, fn in compiled:
            row[name] = fn(row)

    return run


# --- leaves -----------------------------------------------------------------------------


def _column(node: exp.Column) -> Fn:
    name = node.name
    if not name:
        raise CompileError(f"no translation rule for column {node.sql()}")

    def get(row: Row) -> Any:
        try:
            return row[name]
        except KeyError:
            raise CompileError(f"the row has no column {name!r}") from None

    return get


def _literal(node: exp.Literal) -> Fn:
    value: Any
    if node.is_string:
        value = node.this
    else:
        text = str(node.this)
        value = int(text) if re.fullmatch(r"-?\d+", text) else Decimal(text)
    return _const(value)


def _constant(value: Any) -> Callable[[exp.Expr], Fn]:
    return lambda _node: _const(value)


def _boolean(node: exp.Boolean) -> Fn:
    return _const(bool(node.this))


def _paren(node: exp.Paren) -> Fn:
    return compile_expr(node.this)


# --- logic ------------------------------------------------------------------------------


def _and(node: exp.And) -> Fn:
    left, right = compile_expr(node.this), compile_expr(node.expression)

    def run(row: Row) -> bool | None:
        a = left(row)
        if a is False:
            return False
        b = right(row)
        if b is False:
            return False
        if a is None or b is None:
            return None
        return True

    return run


def _or(node: exp.Or) -> Fn:
    left, right = compile_expr(node.this), compile_expr(node.expression)

    def run(row: Row) -> bool | None:
        a = left(row)
        if a is True:
            return True
        b = right(row)
        if b is True:
            return True
        if a is None or b is None:
            return None
        return False

    return run


def _xor(node: exp.Xor) -> Fn:
    left, right = compile_expr(node.this), compile_expr(node.expression)

    def run(row: Row) -> bool | None:
        a, b = left(row), right(row)
        return None if a is None or b is None else bool(a) != bool(b)

    return run


def _not(node: exp.Not) -> Fn:
    inner = compile_expr(node.this)

    def run(row: Row) -> bool | None:
        value = inner(row)
        return None if value is None else not value

    return run


def _binary(op: Callable[[Any, Any], Any]) -> Callable[[exp.Expr], Fn]:
    def build(node: exp.Expr) -> Fn:
        left, right = compile_expr(node.this), compile_expr(node.expression)
        fixed = _value(right)
        if fixed is None:
            return _const(None)
        if fixed is not _NO_VALUE:

            def with_constant(row: Row) -> Any:
                a = left(row)
                return None if a is None else op(a, fixed)

            return with_constant

        def run(row: Row) -> Any:
            a = left(row)
            if a is None:
                return None
            b = right(row)
            if b is None:
                return None
            return op(a, b)

        return run

    return build


def _null_safe(equal: bool) -> Callable[[exp.Expr], Fn]:
    def build(node: exp.Expr) -> Fn:
        left, right = compile_expr(node.this), compile_expr(node.expression)

        def run(row: Row) -> bool:
            a, b = left(row), right(row)
            same = (a is None and b is None) or (a is not None and b is not None and a == b)
            return same if equal else not same

        return run

    return build


def _in(node: exp.In) -> Fn:
    if node.args.get("query") or node.args.get("unnest") or node.args.get("field"):
        raise CompileError(f"no translation rule for {node.sql(dialect='duckdb')}")
    this = compile_expr(node.this)
    options = [compile_expr(e) for e in node.expressions]
    values = [_value(o) for o in options]
    if all(v is not _NO_VALUE for v in values):
        try:
            listed = frozenset(v for v in values if v is not None)
        except TypeError:  # an unhashable constant: compared one by one below
            pass
        else:
            some_null = any(v is None for v in values)

            def in_constants(row: Row) -> bool | None:
                value = this(row)
                if value is None:
                    return None
                if value in listed:
                    return True
                return None if some_null else False

            return in_constants

    def run(row: Row) -> bool | None:
        value = this(row)
        if value is None:
            return None
        unknown = False
        for option in options:
            candidate = option(row)
            if candidate is None:
                unknown = True
            elif candidate == value:
                return True
        return None if unknown else False

    return run


def _between(node: exp.Between) -> Fn:
    return _and(
        exp.And(
            this=exp.GTE(this=node.this.copy(), expression=node.args["low"].copy()),
            expression=exp.LTE(this=node.this.copy(), expression=node.args["high"].copy()),
        )
    )


def _is(node: exp.Is) -> Fn:
    this = compile_expr(node.this)
    target = node.expression
    if isinstance(target, exp.Null):
        return lambda row: this(row) is None
    if isinstance(target, exp.Boolean):
        wanted = bool(target.this)
        return lambda row: this(row) is wanted
    raise CompileError(f"no translation rule for {node.sql(dialect='duckdb')}")


def _like_pattern(pattern: str, flags: int) -> re.Pattern[str]:
    parts = []
    for char in pattern:
        if char == "%":
            parts.append(".*")
        elif char == "_":
            parts.append(".")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), flags | re.DOTALL)


def _like(insensitive: bool) -> Callable[[exp.Expr], Fn]:
    def build(node: exp.Expr) -> Fn:
        if node.args.get("escape"):
            raise CompileError(f"no translation rule for {node.sql(dialect='duckdb')}")
        left, right = compile_expr(node.this), compile_expr(node.expression)
        flags = re.IGNORECASE if insensitive else 0
        cache: dict[str, re.Pattern[str]] = {}

        def run(row: Row) -> bool | None:
            value, pattern = left(row), right(row)
            if value is None or pattern is None:
                return None
            compiled = cache.get(pattern)
            if compiled is None:
                compiled = cache.setdefault(pattern, _like_pattern(pattern, flags))
            return compiled.fullmatch(value) is not None

        return run

    return build


# --- arithmetic -------------------------------------------------------------------------


def _int_div(a: Any, b: Any) -> Any:
    if b == 0:
        raise CompileError("division by zero in a compiled rule")
    if isinstance(a, int) and isinstance(b, int):
        quotient = abs(a) // abs(b)
        return quotient if (a >= 0) == (b >= 0) else -quotient
    return Decimal(a / b).to_integral_value(rounding="ROUND_DOWN")


def _div(a: Any, b: Any) -> Any:
    if b == 0:
        raise CompileError("division by zero in a compiled rule")
    if isinstance(a, int) and isinstance(b, int):
        return a / b
    return Decimal(a) / Decimal(b)


def _mod(a: Any, b: Any) -> Any:
    if b == 0:
        raise CompileError("modulo by zero in a compiled rule")
    if isinstance(a, int) and isinstance(b, int):
        remainder = abs(a) % abs(b)
        return remainder if a >= 0 else -remainder
    return Decimal(a) % Decimal(b)


def _neg(node: exp.Neg) -> Fn:
    inner = compile_expr(node.this)

    def run(row: Row) -> Any:
        value = inner(row)
        return None if value is None else -value

    return run


def _unary(op: Callable[[Any], Any]) -> Callable[[exp.Expr], Fn]:
    def build(node: exp.Expr) -> Fn:
        inner = compile_expr(node.this)

        def run(row: Row) -> Any:
            value = inner(row)
            return None if value is None else op(value)

        return run

    return build


def _sign(value: Any) -> int:
    return int(value > 0) - int(value < 0)


# --- functions --------------------------------------------------------------------------


def _coalesce(node: exp.Expr) -> Fn:
    parts: list[Fn] = []
    for part in [compile_expr(node.this), *(compile_expr(e) for e in node.expressions)]:
        value = _value(part)
        if value is None:
            continue  # a NULL part never answers
        parts.append(part)
        if value is not _NO_VALUE:
            break  # a constant answers whenever it is reached
    if not parts:
        return _const(None)
    if len(parts) == 1:
        return parts[0]

    def run(row: Row) -> Any:
        for part in parts:
            value = part(row)
            if value is not None:
                return value
        return None

    return run


def _extreme(pick: Callable[..., Any]) -> Callable[[exp.Expr], Fn]:
    def build(node: exp.Expr) -> Fn:
        parts = [compile_expr(node.this), *(compile_expr(e) for e in node.expressions)]

        def run(row: Row) -> Any:
            values = [v for v in (p(row) for p in parts) if v is not None]
            return pick(values) if values else None

        return run

    return build


def _case(node: exp.Case) -> Fn:
    subject = compile_expr(node.this) if node.this is not None else None
    branches = [(compile_expr(i.this), compile_expr(i.args["true"])) for i in node.args["ifs"]]
    default = node.args.get("default")
    otherwise = compile_expr(default) if default is not None else _const(None)
    if subject is None:  # a constant test: a branch never or always taken
        kept: list[tuple[Fn, Fn]] = []
        for test, value in branches:
            known = _value(test)
            if known is _NO_VALUE:
                kept.append((test, value))
            elif known is True:
                otherwise = value
                break
        branches = kept
        if not branches:
            return otherwise

    def run(row: Row) -> Any:
        if subject is None:
            for test, value in branches:
                if test(row) is True:
                    return value(row)
            return otherwise(row)
        key = subject(row)
        if key is not None:
            for test, value in branches:
                if test(row) == key:
                    return value(row)
        return otherwise(row)

    return run


def _if(node: exp.If) -> Fn:
    test, true = compile_expr(node.this), compile_expr(node.args["true"])
    false_node = node.args.get("false")
    false = compile_expr(false_node) if false_node is not None else (lambda _row: None)
    return lambda row: true(row) if test(row) is True else false(row)


def _nullif(node: exp.Nullif) -> Fn:
    left, right = compile_expr(node.this), compile_expr(node.expression)

    def run(row: Row) -> Any:
        a = left(row)
        return None if a is not None and a == right(row) else a

    return run


def _array(node: exp.Array) -> Fn:
    parts = [compile_expr(e) for e in node.expressions]
    return lambda row: [p(row) for p in parts]


def _bracket(node: exp.Bracket) -> Fn:
    if len(node.expressions) != 1 or node.args.get("offset") not in (None, 1, 0):
        raise CompileError(f"no translation rule for {node.sql(dialect='duckdb')}")
    this, index = compile_expr(node.this), compile_expr(node.expressions[0])

    def run(row: Row) -> Any:
        items, position = this(row), index(row)
        if items is None or position is None:
            return None
        if position > 0 and position <= len(items):
            return items[position - 1]
        if position < 0 and -position <= len(items):
            return items[position]
        return None

    return run


def _contains(node: exp.ArrayContains) -> Fn:
    items, value = compile_expr(node.this), compile_expr(node.expression)

    def run(row: Row) -> bool | None:
        listed, wanted = items(row), value(row)
        if listed is None or wanted is None:
            return None
        return wanted in listed

    return run


def _date_part(part: Callable[[date], int]) -> Callable[[exp.Expr], Fn]:
    return _unary(part)


_UNIT_SECONDS: Final = {"SECOND": 1, "MINUTE": 60, "HOUR": 3600}
_EPOCH: Final = datetime(1970, 1, 1)


def _as_datetime(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)


def date_diff(unit: str, start: date | datetime, end: date | datetime) -> int:
    """DuckDB's ``date_diff(unit, start, end)``: unit boundaries crossed from start to end."""
    unit = unit.upper()
    a, b = _as_datetime(start), _as_datetime(end)
    if unit in _UNIT_SECONDS:
        step = timedelta(seconds=_UNIT_SECONDS[unit])
        return (b - _EPOCH) // step - (a - _EPOCH) // step
    if unit == "DAY":
        return (b.date() - a.date()).days
    if unit == "MONTH":
        return (b.year - a.year) * 12 + b.month - a.month
    if unit == "YEAR":
        return b.year - a.year
    raise CompileError(f"no translation rule for date_diff unit {unit!r}")


def _date_diff(node: exp.DateDiff) -> Fn:
    unit_node = node.args.get("unit")
    unit = unit_node.name if unit_node is not None else "DAY"
    if unit.upper() not in (*_UNIT_SECONDS, "DAY", "MONTH", "YEAR"):
        raise CompileError(f"no translation rule for date_diff unit {unit!r}")
    end, start = compile_expr(node.this), compile_expr(node.expression)

    def run(row: Row) -> int | None:
        a, b = start(row), end(row)
        return None if a is None or b is None else date_diff(unit, a, b)

    return run


def _to_int(value: Any) -> int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, Decimal):
        return int(value.to_integral_value(rounding=ROUND_HALF_UP))
    if isinstance(value, float):
        return int(Decimal(value).to_integral_value(rounding=ROUND_HALF_UP))
    if isinstance(value, str):
        return int(value.strip())
    raise CompileError(f"no translation rule for CAST of {type(value).__name__} to an integer")


def _to_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value)


def _to_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return date.fromisoformat(value.strip()[:10])
    raise CompileError(f"no translation rule for CAST of {type(value).__name__} to DATE")


def _to_timestamp(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day)
    if isinstance(value, str):
        return datetime.fromisoformat(value.strip())
    raise CompileError(f"no translation rule for CAST of {type(value).__name__} to TIMESTAMP")


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "t", "1"):
            return True
        if lowered in ("false", "f", "0"):
            return False
        raise CompileError(f"cannot CAST {value!r} to BOOLEAN")
    return bool(value)


_CASTS: Final[dict[str, Callable[[Any], Any]]] = {
    "BIGINT": _to_int,
    "INT": _to_int,
    "INTEGER": _to_int,
    "SMALLINT": _to_int,
    "TINYINT": _to_int,
    "UBIGINT": _to_int,
    "VARCHAR": _to_text,
    "TEXT": _to_text,
    "DATE": _to_date,
    "TIMESTAMP": _to_timestamp,
    "DATETIME": _to_timestamp,
    "BOOLEAN": _to_bool,
}


def _cast(node: exp.Cast) -> Fn:
    target = node.to.this.name if hasattr(node.to.this, "name") else str(node.to.this)
    convert = _CASTS.get(target.upper())
    if convert is None:
        raise CompileError(f"no translation rule for CAST to {target}")
    return _unary(convert)(node)


def _dayofweek(value: date) -> int:
    return (value.weekday() + 1) % 7  # DuckDB: Sunday is 0


_HANDLERS: Final[dict[type[exp.Expr], Callable[[Any], Fn]]] = {
    exp.Column: _column,
    exp.Literal: _literal,
    exp.Boolean: _boolean,
    exp.Null: _constant(None),
    exp.Paren: _paren,
    exp.And: _and,
    exp.Or: _or,
    exp.Xor: _xor,
    exp.Not: _not,
    exp.EQ: _binary(lambda a, b: a == b),
    exp.NEQ: _binary(lambda a, b: a != b),
    exp.GT: _binary(lambda a, b: a > b),
    exp.GTE: _binary(lambda a, b: a >= b),
    exp.LT: _binary(lambda a, b: a < b),
    exp.LTE: _binary(lambda a, b: a <= b),
    exp.NullSafeEQ: _null_safe(True),
    exp.NullSafeNEQ: _null_safe(False),
    exp.In: _in,
    exp.Between: _between,
    exp.Is: _is,
    exp.Like: _like(False),
    exp.ILike: _like(True),
    exp.Add: _binary(lambda a, b: a + b),
    exp.Sub: _binary(lambda a, b: a - b),
    exp.Mul: _binary(lambda a, b: a * b),
    exp.Div: _binary(_div),
    exp.IntDiv: _binary(_int_div),
    exp.Mod: _binary(_mod),
    exp.Neg: _neg,
    exp.Abs: _unary(abs),
    exp.Sign: _unary(_sign),
    exp.Coalesce: _coalesce,
    exp.Least: _extreme(min),
    exp.Greatest: _extreme(max),
    exp.Case: _case,
    exp.If: _if,
    exp.Nullif: _nullif,
    exp.Array: _array,
    exp.Bracket: _bracket,
    exp.ArrayContains: _contains,
    exp.Lower: _unary(str.lower),
    exp.Upper: _unary(str.upper),
    exp.Length: _unary(len),
    exp.Year: _date_part(lambda d: d.year),
    exp.Month: _date_part(lambda d: d.month),
    exp.Day: _date_part(lambda d: d.day),
    exp.DayOfWeek: _date_part(_dayofweek),
    exp.DateDiff: _date_diff,
    exp.Cast: _cast,
}
