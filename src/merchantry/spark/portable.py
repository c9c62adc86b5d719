"""Carry a stage's DuckDB SQL to Spark SQL with the same meaning, or refuse it.

A stage's query is built once, as a sqlglot tree in DuckDB's dialect (the tree the
DuckDB engine runs). :func:`to_spark` takes that tree and

1. binds the run's parameters (``$start``, ``$end``) as typed literals;
2. applies :data:`REWRITES` in order: each a small pure function that turns a
   construct whose meaning differs between the two engines into one that means the
   same on both (explicit ``NULLS LAST``, calendar-boundary ``date_diff``, ``ASOF``
   joins as windowed ``LEFT JOIN``, 1-based list literals as ``CASE``, ``sign`` as
   an integer, ``list_contains`` with DuckDB's answer for a list holding NULLs);
3. runs :data:`CHECKS` over the rewritten tree and, when any construct is left that
   the transpiler would carry with another meaning, raises :class:`UnportableSQL`
   naming every one of them and where it stands (before Spark sees anything);
4. writes Spark SQL with sqlglot (``write="spark"``).

What is refused and why (``docs/scale.md`` has the table):

* ``date_diff`` in a unit other than second, minute, hour, day, month or year
  (DuckDB counts calendar boundaries; Spark's ``DATEDIFF(unit, …)`` counts whole
  units elapsed; truncating both ends makes them agree only for those units);
* ``range``/``generate_series`` unless both bounds are integer literals in
  ascending order with no step other than 1 (Spark's ``sequence`` includes its end,
  counts down when start > end, and sqlglot shifts an exclusive end by one step,
  which is wrong for a step that does not divide the span);
* ``/`` (DuckDB: DOUBLE, ``x/0`` is ±inf; Spark: DOUBLE or a DECIMAL of other
  scale, ``x/0`` raises) and ``//`` on an operand that is visibly not an integer;
* ``arg_max``/``arg_min``/``max_by``/``min_by``, ``any_value``, ``first``/``last``,
  ``string_agg``/``list``/``array_agg`` (ties and order are arbitrary on both, and
  differently so);
* list, struct and lambda constructs, ``UNNEST``, ``PIVOT``, ``DISTINCT ON``,
  ``QUALIFY``, list indexing that is not a literal list, and any function sqlglot
  does not know (a DuckDB macro, a UDF: written through unchanged, it would fail on
  Spark or mean something else).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

import sqlglot.expressions as exp
from sqlglot.expressions.builders import apply_index_offset

from merchantry.kit.errors import MerchantryError
from merchantry.spark.ingest_sql import INGEST_REWRITES, printf_problems, uncarried_regexes
from merchantry.spark.legs import CARRIED, LEG_REWRITES

READ: Final = "duckdb"
WRITE: Final = "spark"

ASOF_NEXT: Final = "__asof_next"
"""Column the ASOF rewrite adds to the right side: the next key value of the same group."""

SAFE_DIFF_UNITS: Final = frozenset({"SECOND", "MINUTE", "HOUR", "DAY", "MONTH", "YEAR"})
"""Units whose calendar-boundary count equals Spark's whole-units count once both ends
are truncated to the unit."""

INTEGER_TYPES: Final = frozenset(
    {
        exp.DataType.Type.TINYINT,
        exp.DataType.Type.SMALLINT,
        exp.DataType.Type.INT,
        exp.DataType.Type.BIGINT,
    }
)


class UnportableSQL(MerchantryError):
    """A stage's SQL uses constructs Spark would run with another meaning; nothing ran."""

    def __init__(self, where: str, problems: list[str]) -> None:
        self.where = where
        self.problems = tuple(problems)
        super().__init__(
            f"{where} cannot run on Spark with the same meaning as on DuckDB:\n  "
            + "\n  ".join(problems)
        )


@dataclass(frozen=True, slots=True)
class Problem:
    """One construct the check refuses: what it is, why, and the SQL where it stands."""

    construct: str
    reason: str
    at: str

    def __str__(self) -> str:
        return f"{self.construct}: {self.reason} (at {self.at})"


def _where(node: exp.Expr) -> str:
    """The DuckDB text of the node, cut to a readable length."""
    text = node.sql(dialect=READ)
    return text if len(text) <= 120 else text[:117] + "..."


# --- parameters -----------------------------------------------------------------------


Value = date | int | str | bool | None | Sequence[date | int | str]
"""A bound parameter: a scalar (None: NULL), or a list (bound as a literal list)."""


def bind(tree: exp.Expr, params: Mapping[str, Value] | Sequence[Value]) -> exp.Expr:
    """``tree`` with each ``$name`` parameter (or each ``?``, in order, when ``params``
    is a sequence) replaced by its value as a typed literal.

    A parameter without a value is an error naming it (a Spark query has no binding).
    """
    tree = tree.copy()
    nodes = list(tree.find_all(exp.Placeholder, exp.Parameter))
    if not isinstance(params, Mapping):
        if len(nodes) != len(params):
            raise KeyError(f"SQL has {len(nodes)} `?` parameters, {len(params)} values given")
        for node, value in zip(nodes, params, strict=True):
            node.replace(_literal(value))
        return tree
    for node in nodes:
        name = node.name
        if name not in params:
            raise KeyError(f"SQL parameter ${name} has no value")
        node.replace(_literal(params[name]))
    return tree


def _literal(value: Value) -> exp.Expr:
    if value is None:
        return exp.null()
    if isinstance(value, bool):
        return exp.true() if value else exp.false()
    if isinstance(value, date):
        return exp.cast(exp.Literal.string(value.isoformat()), "DATE")
    if isinstance(value, int):
        return exp.Literal.number(value)
    if isinstance(value, str):
        return exp.Literal.string(value)
    return exp.Array(expressions=[_literal(v) for v in value])


# --- rewrites: same meaning on both engines --------------------------------------------


def explicit_null_order(tree: exp.Expr) -> exp.Expr:
    """Every ``ORDER BY`` key (queries and windows) gets DuckDB's default ``NULLS LAST``
    written out: Spark's default puts NULLs first in ascending order."""
    for ordered in tree.find_all(exp.Ordered):
        if ordered.args.get("nulls_first") is None:
            ordered.set("nulls_first", False)
    return tree


def _unit(node: exp.DateDiff) -> str:
    unit = node.args.get("unit")
    return (unit.name if unit is not None else "DAY").upper()


def boundary_date_diff(tree: exp.Expr) -> exp.Expr:
    """``date_diff(u, a, b)`` as ``date_diff(u, date_trunc(u, a), date_trunc(u, b))`` for
    the units in :data:`SAFE_DIFF_UNITS`: DuckDB counts unit boundaries crossed, Spark
    whole units elapsed, and the two agree between truncated values."""
    for node in list(tree.find_all(exp.DateDiff)):
        unit = _unit(node)
        if unit not in SAFE_DIFF_UNITS:
            continue  # refused by the check
        for key in ("this", "expression"):
            arg = node.args.get(key)
            if arg is None or _is_trunc(arg, unit):
                continue
            node.set(key, exp.TimestampTrunc(this=arg.copy(), unit=exp.var(unit)))
    return tree


def _is_trunc(node: exp.Expr, unit: str) -> bool:
    if not isinstance(node, exp.TimestampTrunc | exp.DateTrunc):
        return False
    given = node.args.get("unit")
    return given is not None and given.name.upper() == unit


def literal_list_element(tree: exp.Expr) -> exp.Expr:
    """``[v1, v2, …][i]`` (a literal list) as ``CASE i WHEN 1 THEN v1 … END``: DuckDB
    lists are 1-based and NULL past the end; Spark arrays are 0-based and raise."""
    for node in list(tree.find_all(exp.Bracket)):
        values = node.this
        if not isinstance(values, exp.Array) or len(node.expressions) != 1:
            continue
        base = node.args.get("offset")
        first = 1 if base is None else int(base)
        case = exp.Case(this=node.expressions[0].copy())
        for i, value in enumerate(values.expressions):
            case = case.when(exp.Literal.number(i + first), value.copy())
        node.replace(case)
    return tree


def nth_of_a_day_series(tree: exp.Expr) -> exp.Expr:
    """``list_filter(generate_series(a, b, INTERVAL 1 DAY), lambda d: p)[n]`` (the n-th
    working day after a date, :func:`merchantry.kit.businessdays.add_business_days_sql`):
    Spark's ``FILTER(SEQUENCE(a, b, INTERVAL 1 DAY), d -> a <= b AND p)``, element ``n``
    taken by ``TRY_ELEMENT_AT`` (``n = 0``: NULL). Both series include ``b``; the guard
    keeps Spark's list empty when ``a > b`` (its sequence would count down where DuckDB's
    is empty); DuckDB's index is 1-based and NULL past the end, as ``TRY_ELEMENT_AT``'s,
    and a negative one counts from the end on both."""
    for node in list(tree.find_all(exp.Bracket)):
        kept = node.this
        if len(node.expressions) != 1 or not isinstance(kept, exp.ArrayFilter):
            continue
        series, test = kept.this, kept.expression
        if not isinstance(test, exp.Lambda) or not isinstance(series, exp.GenerateSeries):
            continue
        if series.args.get("is_end_exclusive") or not _one_day(series.args.get("step")):
            continue
        start, end = series.args.get("start"), series.args.get("end")
        if start is None or end is None:
            continue
        guarded = exp.Lambda(
            this=exp.and_(
                exp.paren(exp.LTE(this=start.copy(), expression=end.copy())),
                exp.paren(test.this.copy()),
            ),
            expressions=[v.copy() for v in test.expressions],
        )
        days = series.copy()
        days.meta[CARRIED] = True
        filtered = exp.ArrayFilter(this=days, expression=guarded)
        guarded.meta[CARRIED] = True
        # DuckDB's 1-based index as sqlglot writes it (inside, a typed index is 0-based)
        shift = 1 - int(node.args.get("offset") or 0)
        key = apply_index_offset(filtered, [node.expressions[0].copy()], shift, dialect=WRITE)[0]
        element = exp.Anonymous(this="TRY_ELEMENT_AT", expressions=[filtered, key])
        element.meta[CARRIED] = True
        zero = key.copy().eq(exp.Literal.number(0))
        node.replace(exp.Case().when(zero, exp.null()).else_(element))
    return tree


def iso_weekday(tree: exp.Expr) -> exp.Expr:
    """``isodow(d)`` (1 = Monday … 7 = Sunday) as Spark's ``WEEKDAY(d) + 1`` (0 = Monday):
    sqlglot writes ``DAYOFWEEK(d) % 7 + 1``, which gives 2 for a Monday."""
    for node in reversed(list(tree.find_all(exp.DayOfWeekIso))):  # innermost first
        weekday = exp.Anonymous(this="WEEKDAY", expressions=[node.this.copy()])
        weekday.meta[CARRIED] = True
        node.replace(exp.paren(exp.Add(this=weekday, expression=exp.Literal.number(1))))
    return tree


def raise_error(tree: exp.Expr) -> exp.Expr:
    """DuckDB's ``error(message)`` (a statement stops with the message) as Spark's
    ``RAISE_ERROR(message)``."""
    for node in reversed(list(tree.find_all(exp.Anonymous))):
        if str(node.this).lower() == "error" and len(node.expressions) == 1:
            raised = exp.Anonymous(this="RAISE_ERROR", expressions=[node.expressions[0].copy()])
            raised.meta[CARRIED] = True
            node.replace(raised)
    return tree


def integer_sign(tree: exp.Expr) -> exp.Expr:
    """``sign(x)`` as ``CAST(sign(x) AS BIGINT)``: Spark's ``signum`` is a DOUBLE, which
    would turn integer money arithmetic around it into floating point."""
    for node in list(tree.find_all(exp.Sign)):
        parent = node.parent
        if isinstance(parent, exp.Cast) and parent.to.this in INTEGER_TYPES:
            continue
        node.replace(exp.cast(node.copy(), "BIGINT"))
    return tree


def asof_as_window(tree: exp.Expr) -> exp.Expr:
    """``ASOF LEFT JOIN r ON r.k = l.k AND l.x >= r.t`` as a plain ``LEFT JOIN`` on a
    subquery of ``r`` that carries the next ``t`` of the same keys (``LEAD``), matching
    the one row with ``t <= x < next t`` (Spark has no ASOF join). Shapes other than
    equalities plus one ``>=``/``>`` from the left side are left for the check to
    refuse. The right side's (keys, ``t``) should be unique, as in every ASOF join this
    project writes: with duplicates each engine picks one of them, not necessarily the
    same."""
    for join in reversed(list(tree.find_all(exp.Join))):  # innermost first
        if not _is_asof(join):
            continue
        rewritten = _asof_join(join)
        if rewritten is not None:
            join.replace(rewritten)
    return tree


def _is_asof(join: exp.Join) -> bool:
    return "ASOF" in {str(join.args.get(k) or "").upper() for k in ("method", "kind")}


def _asof_join(join: exp.Join) -> exp.Join | None:
    alias = join.alias_or_name
    on = join.args.get("on")
    if not alias or on is None or (join.side or "").upper() != "LEFT":
        return None
    terms = list(on.flatten()) if isinstance(on, exp.And) else [on]
    keys: list[exp.Column] = []
    inequality: tuple[exp.Expr, exp.Column, bool] | None = None
    for term in terms:
        if isinstance(term, exp.EQ):
            right = _side_column(term, alias)
            if right is None:
                return None
            keys.append(right)
            continue
        found = _asof_inequality(term, alias)
        if found is None or inequality is not None:
            return None
        inequality = found
    if inequality is None:
        return None
    left, key, strict = inequality
    source = join.this
    inner_alias = f"{alias}__src"
    if isinstance(source, exp.Table):
        relation: exp.Expr = exp.Table(
            this=source.this.copy(),
            db=source.args.get("db"),
            alias=exp.TableAlias(this=exp.to_identifier(inner_alias)),
        )
    elif isinstance(source, exp.Subquery):
        relation = exp.Subquery(
            this=source.this.copy(), alias=exp.TableAlias(this=exp.to_identifier(inner_alias))
        )
    else:
        return None
    inner_key = exp.column(key.name, table=inner_alias)
    window = exp.Window(
        this=exp.Lead(this=inner_key),
        partition_by=[exp.column(k.name, table=inner_alias) for k in keys],
        order=exp.Order(expressions=[exp.Ordered(this=inner_key.copy(), nulls_first=False)]),
    )
    select = exp.select(
        exp.column(exp.Star(), table=inner_alias), exp.alias_(window, ASOF_NEXT)
    ).from_(relation)
    nxt = exp.column(ASOF_NEXT, table=alias)
    # t <= x < next t (or t < x <= next t for a strict `>`): the one row ASOF picks
    above: exp.Expr = (
        exp.GTE(this=nxt.copy(), expression=left.copy())
        if strict
        else exp.GT(this=nxt.copy(), expression=left.copy())
    )
    condition = exp.and_(
        on.copy(), exp.paren(exp.or_(exp.Is(this=nxt.copy(), expression=exp.Null()), above))
    )
    return exp.Join(
        this=exp.Subquery(this=select, alias=exp.TableAlias(this=exp.to_identifier(alias))),
        side="LEFT",
        on=condition,
    )


def _side_column(term: exp.Binary, alias: str) -> exp.Column | None:
    """The right side's column of an equality ``l.k = r.k`` (either order)."""
    for mine, other in ((term.this, term.expression), (term.expression, term.this)):
        if (
            isinstance(mine, exp.Column)
            and mine.table == alias
            and alias not in {c.table for c in other.find_all(exp.Column)}
        ):
            return mine
    return None


def _asof_inequality(term: exp.Expr, alias: str) -> tuple[exp.Expr, exp.Column, bool] | None:
    """(left value, right key column, strict) of ``left >= r.t`` / ``r.t <= left``."""
    if isinstance(term, exp.GTE | exp.GT):
        left, right = term.this, term.expression
    elif isinstance(term, exp.LTE | exp.LT):
        left, right = term.expression, term.this
    else:
        return None
    if not isinstance(right, exp.Column) or right.table != alias:
        return None
    if alias in {c.table for c in left.find_all(exp.Column)}:
        return None
    return left, right, isinstance(term, exp.GT | exp.LT)


def null_skipping_concat(tree: exp.Expr) -> exp.Expr:
    """DuckDB's ``concat(a, b, …)`` skips NULL arguments; Spark's ``concat`` is NULL when
    any argument is. Each argument becomes ``coalesce(CAST(arg AS VARCHAR), '')``.
    (Text, integers and dates print alike on both engines; a DOUBLE argument may not,
    and none of the stages concatenates one.)"""
    for node in reversed(list(tree.find_all(exp.Anonymous))):  # innermost first
        if node.name.lower() != "concat":
            continue
        parts = [
            exp.func("coalesce", exp.cast(arg.copy(), "VARCHAR"), exp.Literal.string(""))
            for arg in node.expressions
        ]
        node.replace(exp.Concat(expressions=parts))
    return tree


def plain_ctes(tree: exp.Expr) -> exp.Expr:
    """``WITH x AS MATERIALIZED (…)`` as a plain CTE: a DuckDB execution hint that Spark's
    parser does not know; the rows are the same. (:func:`spark_steps` first turns the
    materialized CTEs of the outermost query into views computed once.)"""
    for cte in tree.find_all(exp.CTE):
        if cte.args.get("materialized") is not None:
            cte.set("materialized", None)
    return tree


def null_aware_list_contains(tree: exp.Expr) -> exp.Expr:
    """``list_contains(l, x)`` as ``CASE WHEN l IS NULL OR x IS NULL THEN NULL ELSE
    coalesce(array_contains(l, x), FALSE) END``. Both engines give NULL for a NULL list
    or a NULL value, and TRUE when ``x`` is found; when it is not found in a list that
    holds a NULL, DuckDB gives FALSE and Spark NULL (``NOT list_contains(…)`` would then
    drop the row on Spark only)."""
    for node in reversed(list(tree.find_all(exp.ArrayContains))):  # innermost first
        values, wanted = node.this, node.expression
        if values is None or wanted is None:
            continue
        nullable = [values] + ([] if _non_null_literal(wanted) else [wanted])
        either_null = exp.or_(*[exp.Is(this=v.copy(), expression=exp.Null()) for v in nullable])
        found = exp.Coalesce(
            this=exp.ArrayContains(this=values.copy(), expression=wanted.copy()),
            expressions=[exp.false()],
        )
        case = exp.Case().when(either_null, exp.cast(exp.Null(), "BOOLEAN")).else_(found)
        node.replace(exp.paren(case))
    return tree


def _non_null_literal(node: exp.Expr) -> bool:
    return isinstance(node, exp.Literal)


def literal_list_membership(tree: exp.Expr) -> exp.Expr:
    """``list_contains([v1, v2, …], x)`` with a literal list of non-NULL values (a bound
    list parameter) as ``x IN (v1, v2, …)``: NULL for a NULL ``x``, TRUE when found,
    FALSE otherwise, on both engines (an empty list: FALSE, or NULL for a NULL ``x``)."""
    for node in list(tree.find_all(exp.ArrayContains)):
        values, wanted = node.this, node.expression
        if not isinstance(values, exp.Array) or wanted is None:
            continue
        items = list(values.expressions)
        if not all(isinstance(v, exp.Literal | exp.Cast) and _constant(v) for v in items):
            continue
        if items:
            node.replace(
                exp.paren(exp.In(this=wanted.copy(), expressions=[v.copy() for v in items]))
            )
            continue
        empty = (
            exp.Case()
            .when(
                exp.Is(this=wanted.copy(), expression=exp.Null()), exp.cast(exp.Null(), "BOOLEAN")
            )
            .else_(exp.false())
        )
        node.replace(exp.paren(empty))
    return tree


def _constant(node: exp.Expr) -> bool:
    """A literal, or a cast of one (a bound date): no column, no NULL."""
    return not list(node.find_all(exp.Column, exp.Null))


def hours_interval(tree: exp.Expr) -> exp.Expr:
    """DuckDB's ``to_hours(n)`` as ``n * INTERVAL '1' HOUR``: the same interval on both
    engines (Spark has no ``to_hours``)."""
    for node in list(tree.find_all(exp.Anonymous)):
        if node.name.lower() != "to_hours" or len(node.expressions) != 1:
            continue
        hour = exp.Interval(this=exp.Literal.string("1"), unit=exp.var("HOUR"))
        node.replace(
            exp.paren(exp.Mul(this=exp.paren(node.expressions[0].copy()), expression=hour))
        )
    return tree


def _constant_day(node: exp.Expr | None) -> date | None:
    """The day of ``CAST(CAST('YYYY-MM-DD' AS DATE) AS TIMESTAMP)`` (or of a date literal
    cast once), else None."""
    while isinstance(node, exp.Cast):
        node = node.this
    if isinstance(node, exp.Literal) and node.is_string:
        try:
            return date.fromisoformat(node.name)
        except ValueError:
            return None
    return None


def _one_day(node: exp.Expr | None) -> bool:
    if not isinstance(node, exp.Interval):
        return False
    unit = node.args.get("unit")
    return (
        (_int_literal(node.this) == 1 or node.this.name == "1")
        and unit is not None
        and unit.name.upper() == "DAY"
    )


def date_series_values(tree: exp.Expr) -> exp.Expr:
    """``FROM range(<day a>, <day b>, INTERVAL 1 DAY)`` over constant days (the score
    grid's dates) as ``FROM (VALUES (TIMESTAMP a), …, (TIMESTAMP b - 1 day)) AS (range)``:
    the very rows DuckDB's exclusive ``range`` gives (``generate_series``: through ``b``).
    Spark's ``sequence`` is inclusive and counts down when a > b; VALUES has no such trap.
    An empty series is left for the check to refuse."""
    for node in list(tree.find_all(exp.GenerateSeries)):
        table = node.parent
        first, last = _constant_day(node.args.get("start")), _constant_day(node.args.get("end"))
        if not isinstance(table, exp.Table) or first is None or last is None:
            continue
        if not _one_day(node.args.get("step")):
            continue
        exclusive = bool(node.args.get("is_end_exclusive"))
        count = (last - first).days + (0 if exclusive else 1)
        if count <= 0:
            continue
        name = "range" if exclusive else "generate_series"
        alias = table.args.get("alias")
        alias_name = alias.name if isinstance(alias, exp.TableAlias) and alias.name else "__series"
        rows = [
            exp.Tuple(
                expressions=[
                    exp.cast(
                        exp.Literal.string(
                            datetime.combine(
                                first + timedelta(days=i), datetime.min.time()
                            ).isoformat(sep=" ")
                        ),
                        "TIMESTAMP",
                    )
                ]
            )
            for i in range(count)
        ]
        values = exp.Values(
            expressions=rows,
            alias=exp.TableAlias(
                this=exp.to_identifier(alias_name), columns=[exp.to_identifier(name)]
            ),
        )
        table.replace(values)
    return tree


def window_filter_as_case(tree: exp.Expr) -> exp.Expr:
    """``agg(x) FILTER (WHERE c) OVER (…)`` as ``agg(CASE WHEN c THEN x END) OVER (…)``
    (``count(*)``: ``count(CASE WHEN c THEN 1 END)``): the same rows aggregated; Spark
    takes no FILTER on a window function."""
    for window in list(tree.find_all(exp.Window)):
        filtered = window.this
        if not isinstance(filtered, exp.Filter):
            continue
        agg, where = filtered.this, filtered.expression
        condition = where.this if isinstance(where, exp.Where) else where
        agg = agg.copy()
        arg = agg.this
        kept = exp.Literal.number(1) if arg is None or isinstance(arg, exp.Star) else arg.copy()
        agg.set("this", exp.Case().when(condition.copy(), kept))
        window.set("this", agg)
    return tree


def unpivot_union_by_name(tree: exp.Expr) -> exp.Expr:
    """``UNPIVOT (<select> UNION ALL BY NAME <select> …) ON COLUMNS(* EXCLUDE (keys…))
    INTO NAME m VALUE v`` as one plain ``UNION ALL`` giving ``keys…, '<column>' AS m,
    CAST(<column> AS BIGINT) AS v`` for each measure column of every branch,
    keeping rows whose ``v`` is not NULL (DuckDB's UNPIVOT drops NULL values; a column a
    branch lacks is NULL under BY NAME, so it gives no row). Spark has neither BY NAME
    nor DuckDB's ``COLUMNS``; only integer measures are carried (the cast is checked by
    Spark's ANSI mode). Each branch is computed once and crossed with the VALUES of its
    measure names (``CASE name WHEN 'a' THEN a …`` picks the value)."""
    for pivot in list(tree.find_all(exp.Pivot)):
        if not pivot.args.get("unpivot"):
            continue
        carried = _unpivot_by_name(pivot)
        if carried is not None:
            pivot.replace(carried)
    return tree


def _union_leaves(node: exp.Expr) -> list[exp.Select] | None:
    if isinstance(node, exp.Select):
        return [node]
    if isinstance(node, exp.Union) and node.args.get("by_name") and not node.args.get("distinct"):
        left, right = _union_leaves(node.this), _union_leaves(node.expression)
        return None if left is None or right is None else left + right
    return None


def _unpivot_by_name(pivot: exp.Pivot) -> exp.Expr | None:
    into = pivot.args.get("into")
    source = pivot.this
    if (
        not isinstance(into, exp.UnpivotColumns)
        or len(into.expressions) != 1
        or not isinstance(source, exp.Subquery)
        or len(pivot.expressions) != 1
        or not isinstance(pivot.expressions[0], exp.Columns)
        or not isinstance(pivot.expressions[0].this, exp.Star)
    ):
        return None
    name_col, value_col = into.this.name, into.expressions[0].name
    keys = [c.name for c in pivot.expressions[0].this.args.get("except_") or []]
    body = source.this.copy()
    with_ = body.args.get(WITH_KEY)
    body.set(WITH_KEY, None)
    leaves = _union_leaves(body)
    if not keys or leaves is None:
        return None
    parts: list[exp.Select] = []
    for index, leaf in enumerate(leaves):
        named = {p.alias_or_name: p for p in leaf.expressions}
        if any(k not in named for k in keys) or any(
            isinstance(p, exp.Star) or not p.alias_or_name for p in leaf.expressions
        ):
            return None
        measures = [c for c in named if c not in keys]
        if not measures:
            continue
        # the branch once, crossed with its measure names (copies of the branch per
        # measure would make Spark plan the branch's joins dozens of times)
        branch, names = f"__branch{index}", f"__names{index}"
        which = exp.column(name_col, table=names)
        value = exp.Case(this=which.copy())
        for column in measures:
            value = value.when(
                exp.Literal.string(column), exp.cast(exp.column(column, table=branch), "BIGINT")
            )
        rows = [exp.Tuple(expressions=[exp.Literal.string(c)]) for c in measures]
        parts.append(
            exp.select(
                *[exp.column(k, table=branch) for k in keys],
                exp.alias_(which, name_col),
                exp.alias_(value, value_col),
            )
            .from_(leaf.copy().subquery(branch))
            .join(
                exp.Values(
                    expressions=rows,
                    alias=exp.TableAlias(
                        this=exp.to_identifier(names), columns=[exp.to_identifier(name_col)]
                    ),
                ),
                join_type="CROSS",
            )
        )
    if not parts:
        return None
    union: exp.Query = parts[0]
    for part in parts[1:]:
        union = exp.union(union, part, distinct=False)
    kept = (
        exp.select(*[exp.column(k) for k in keys], exp.column(name_col), exp.column(value_col))
        .from_(union.subquery("__unpivoted"))
        .where(exp.column(value_col).is_(exp.Null()).not_())
    )
    if isinstance(with_, exp.With):
        kept.set(WITH_KEY, with_)
    return kept


Rewrite = Callable[[exp.Expr], exp.Expr]

REWRITES: Final[tuple[Rewrite, ...]] = (
    *INGEST_REWRITES,
    *LEG_REWRITES,
    unpivot_union_by_name,
    date_series_values,
    hours_interval,
    window_filter_as_case,
    literal_list_membership,
    asof_as_window,
    plain_ctes,
    explicit_null_order,
    boundary_date_diff,
    nth_of_a_day_series,
    iso_weekday,
    raise_error,
    literal_list_element,
    integer_sign,
    null_skipping_concat,
    null_aware_list_contains,
)
"""Applied in order; each keeps the DuckDB meaning and makes it Spark's too."""


# --- first values: carried only where ties were checked -------------------------------

TIES_CHECKED: Final = "ties_checked"
"""Meta flag of an ``arg_min``/``arg_max`` whose ties a query on the data has ruled out
(:func:`first_value_tie_checks`); the check refuses every other one."""


def mark_first_values(tree: exp.Expr) -> exp.Expr:
    """Each ``arg_min(x, t)`` / ``arg_max(x, t)`` as ``min_by``/``max_by(x, CASE WHEN x IS
    NOT NULL THEN t END)``, flagged :data:`TIES_CHECKED`. DuckDB skips rows whose ``x``
    or ``t`` is NULL; Spark's ``min_by`` skips only a NULL ``t`` (and would return a
    NULL ``x``), so ``t`` is made NULL where ``x`` is. Run only together with the
    queries of :func:`first_value_tie_checks`, which must all find nothing: with two
    different ``x`` at the same first ``t`` each engine picks one, not the same one."""
    for node in list(tree.find_all(exp.ArgMin, exp.ArgMax)):
        x, t = node.this, node.expression
        if x is None or t is None:
            continue
        when = exp.Case().when(exp.Is(this=x.copy(), expression=exp.Null()).not_(), t.copy())
        carried = type(node)(this=x.copy(), expression=when)
        carried.meta[TIES_CHECKED] = True
        node.replace(carried)
    return tree


def first_value_tie_checks(tree: exp.Expr) -> list[tuple[str, exp.Expr]]:
    """For each ``SELECT … GROUP BY`` holding ``arg_min``/``arg_max``: (the aggregates, a
    query counting the groups where some ``x`` has two different non-NULL values at its
    first (last) ``t``). The query keeps the statement's CTEs, FROM, joins and WHERE."""
    root_with = tree.args.get(WITH_KEY) if isinstance(tree, exp.Query) else None
    if isinstance(tree, exp.Create | exp.Insert):
        inner = tree.expression
        root_with = inner.args.get(WITH_KEY) if isinstance(inner, exp.Query) else None
    checks: list[tuple[str, exp.Expr]] = []
    selects: list[exp.Select] = []
    for node in tree.find_all(exp.ArgMin, exp.ArgMax):
        select = node.find_ancestor(exp.Select)
        if select is not None and all(select is not s for s in selects):
            selects.append(select)
    for select in selects:
        checks.append(_tie_check(select, root_with))
    return checks


def _tie_check(select: exp.Select, with_: exp.Expr | None) -> tuple[str, exp.Expr]:
    group = select.args.get("group")
    keys = list(group.expressions) if isinstance(group, exp.Group) else []
    firsts = [
        n for n in select.find_all(exp.ArgMin, exp.ArgMax) if n.find_ancestor(exp.Select) is select
    ]
    inner = select.copy()
    inner.set(WITH_KEY, None)
    projections: list[exp.Expr] = [exp.alias_(k.copy(), f"__g{i}") for i, k in enumerate(keys)]
    outer_cols: list[exp.Expr] = [exp.column(f"__g{i}") for i in range(len(keys))]
    tied: list[exp.Expr] = []
    by_t: dict[str, int] = {}
    for node in firsts:
        t_sql = node.expression.sql(dialect=READ)
        if t_sql not in by_t:
            by_t[t_sql] = len(by_t)
            projections.append(exp.alias_(node.expression.copy(), f"__t{by_t[t_sql]}"))
    ts = {n.expression.sql(dialect=READ): n.expression for n in firsts}
    group_by = [k.copy() for k in keys] + [t.copy() for t in ts.values()]
    for j, node in enumerate(firsts):
        i = by_t[node.expression.sql(dialect=READ)]
        t_col = exp.column(f"__t{i}")
        projections.append(
            exp.alias_(exp.Count(this=exp.Distinct(expressions=[node.this.copy()])), f"__n{j}")
        )
        edge = "min" if isinstance(node, exp.ArgMin) else "max"
        first_t = exp.Window(
            this=exp.func(edge, exp.Case().when(exp.column(f"__n{j}") > 0, t_col.copy())),
            partition_by=[exp.column(f"__g{k}") for k in range(len(keys))] or None,
        )
        outer_cols.append(exp.alias_(first_t, f"__f{j}"))
        outer_cols.append(exp.column(f"__n{j}"))
        outer_cols.append(t_col.copy())
        tied.append(
            exp.and_(
                exp.column(f"__n{j}") > 1,
                exp.EQ(this=t_col.copy(), expression=exp.column(f"__f{j}")),
            )
        )
    inner.set("expressions", projections)
    inner.set("group", exp.Group(expressions=group_by))
    inner.set("having", None)
    seen = ", ".join(dict.fromkeys(_where(n) for n in firsts))
    ranked = exp.select(*outer_cols).from_(inner.subquery("__groups"))
    query = (
        exp.select(exp.Count(this=exp.Star()))
        .from_(ranked.subquery("__firsts"))
        .where(exp.or_(*tied))
    )
    if isinstance(with_, exp.With):
        query.set(WITH_KEY, with_.copy())
    return seen, query


# --- checks: what is left that would change meaning ------------------------------------

REFUSED: Final[dict[type[exp.Expr], str]] = {
    exp.ArgMax: "ties are broken arbitrarily, and differently on each engine",
    exp.ArgMin: "ties are broken arbitrarily, and differently on each engine",
    exp.AnyValue: "returns an arbitrary row's value",
    exp.First: "depends on row order, which neither engine defines here",
    exp.Last: "depends on row order, which neither engine defines here",
    exp.GroupConcat: "concatenation order is arbitrary",
    exp.ArrayAgg: "list order is arbitrary",
    exp.Div: (
        "`/` is DOUBLE division on DuckDB (x/0 gives ±inf) but DOUBLE or a DECIMAL of "
        "another scale on Spark (x/0 raises); use integer money arithmetic (kit.money)"
    ),
    exp.Lambda: "list lambdas have no Spark counterpart with the same indexing",
    exp.Struct: "struct values are DuckDB-specific here",
    exp.Unnest: "UNNEST's ordering and NULL handling differ from Spark's explode",
    exp.Pivot: "PIVOT column naming differs",
    exp.Qualify: "QUALIFY is not Spark SQL",
    exp.Bracket: "list indexes are 1-based on DuckDB and 0-based on Spark",
    exp.Array: "list functions index from 1 on DuckDB and from 0 on Spark",
}
"""Node types refused wherever they appear, with why."""


def refuse_nodes(tree: exp.Expr) -> list[Problem]:
    found = []
    for node in tree.walk():
        if node.meta.get(TIES_CHECKED) or node.meta.get(CARRIED) or _exploded_literals(node):
            continue
        for kind, reason in REFUSED.items():
            if isinstance(node, kind):
                found.append(Problem(node.key.upper(), reason, _where(node)))
                break
    return found


def _exploded_literals(node: exp.Expr) -> bool:
    """A literal list that is exploded (DuckDB ``unnest([7, 30])``): rows, no indexing."""
    return (
        isinstance(node, exp.Array)
        and isinstance(node.parent, exp.Explode)
        and all(_constant(v) for v in node.expressions)
    )


NAMED_ELSEWHERE: Final = frozenset(
    {"printf", "regexp_matches", "regexp_full_match", "regexp_extract"}
)
"""Functions a more precise check names when they are left uncarried."""


def refuse_unknown_functions(tree: exp.Expr) -> list[Problem]:
    """A function sqlglot does not know (a macro, a UDF, a DuckDB-only function) is
    written through unchanged: refuse it rather than hope Spark means the same.
    (Regular expressions and ``printf`` the rewrites could not carry are named by
    :func:`refuse_regexes` and :func:`refuse_formats`.)"""
    return [
        Problem(f"function {node.name}", "sqlglot has no translation for it", _where(node))
        for node in tree.find_all(exp.Anonymous)
        if not node.meta.get(CARRIED) and node.name.lower() not in NAMED_ELSEWHERE
    ]


def refuse_regexes(tree: exp.Expr) -> list[Problem]:
    """A regular expression outside the subset Java and RE2 read alike
    (:mod:`merchantry.spark.regex`), named with the construct."""
    return [
        Problem("regular expression", why, _where(node)) for node, why in uncarried_regexes(tree)
    ]


def refuse_formats(tree: exp.Expr) -> list[Problem]:
    """A ``printf`` whose format Java's ``Formatter`` would write otherwise."""
    return [Problem("printf", why, _where(node)) for node, why in printf_problems(tree)]


def refuse_date_diff_units(tree: exp.Expr) -> list[Problem]:
    return [
        Problem(
            f"date_diff('{_unit(node).lower()}', …)",
            "DuckDB counts calendar boundaries, Spark whole units elapsed; only "
            f"{', '.join(sorted(u.lower() for u in SAFE_DIFF_UNITS))} are carried",
            _where(node),
        )
        for node in tree.find_all(exp.DateDiff)
        if _unit(node) not in SAFE_DIFF_UNITS
    ]


def _int_literal(node: exp.Expr | None) -> int | None:
    if isinstance(node, exp.Literal) and node.is_int:
        return int(node.name)
    if isinstance(node, exp.Neg):
        inner = _int_literal(node.this)
        return None if inner is None else -inner
    return None


def refuse_series(tree: exp.Expr) -> list[Problem]:
    """``range``/``generate_series``: only integer-literal bounds, ascending, step 1."""
    problems = []
    for node in tree.find_all(exp.GenerateSeries):
        if node.meta.get(CARRIED):
            continue
        start, end = _int_literal(node.args.get("start")), _int_literal(node.args.get("end"))
        step = node.args.get("step")
        name = "range" if node.args.get("is_end_exclusive") else "generate_series"
        if start is None or end is None:
            reason = (
                "bounds that are not integer literals: Spark's sequence counts down when "
                "start > end where DuckDB gives nothing, and dates step differently"
            )
        elif start > end:
            reason = "start > end: DuckDB gives no rows, Spark's sequence counts down"
        elif step is not None and _int_literal(step) != 1:
            reason = "a step: the end's inclusivity differs (Spark's sequence includes it)"
        else:
            continue
        problems.append(Problem(name, reason, _where(node)))
    return problems


def _visibly_not_integer(node: exp.Expr) -> bool:
    node = node.unnest()
    if isinstance(node, exp.Literal):
        return not node.is_string and not node.is_int
    if isinstance(node, exp.Cast):
        return node.to.this not in INTEGER_TYPES
    return isinstance(node, exp.Div)


def refuse_fractional_int_div(tree: exp.Expr) -> list[Problem]:
    """``//`` truncates integers alike on both engines; on a fraction DuckDB floors to a
    DOUBLE and Spark's ``DIV`` truncates to a BIGINT."""
    return [
        Problem(
            "`//` on a non-integer",
            "DuckDB floors to DOUBLE, Spark's DIV truncates to BIGINT",
            _where(node),
        )
        for node in tree.find_all(exp.IntDiv)
        if _visibly_not_integer(node.this) or _visibly_not_integer(node.expression)
    ]


def refuse_distinct_on(tree: exp.Expr) -> list[Problem]:
    return [
        Problem("DISTINCT ON", "not Spark SQL; which row survives is arbitrary", _where(node))
        for node in tree.find_all(exp.Distinct)
        if node.args.get("on") is not None
    ]


def refuse_asof(tree: exp.Expr) -> list[Problem]:
    return [
        Problem(
            "ASOF JOIN",
            "only LEFT joins on equalities plus one `>=`/`>` from the left are rewritten",
            _where(node),
        )
        for node in tree.find_all(exp.Join)
        if _is_asof(node)
    ]


Check = Callable[[exp.Expr], list[Problem]]

CHECKS: Final[tuple[Check, ...]] = (
    refuse_asof,
    refuse_unknown_functions,
    refuse_regexes,
    refuse_formats,
    refuse_nodes,
    refuse_date_diff_units,
    refuse_series,
    refuse_fractional_int_div,
    refuse_distinct_on,
)


def rewrite(tree: exp.Expr) -> exp.Expr:
    """``tree`` (a copy) after every rewrite of :data:`REWRITES`."""
    out = tree.copy()
    for step in REWRITES:
        out = step(out)
    return out


def problems_of(tree: exp.Expr) -> list[Problem]:
    """Every construct of a rewritten tree that would change meaning on Spark."""
    return [p for check in CHECKS for p in check(tree)]


def portable(tree: exp.Expr, where: str) -> exp.Expr:
    """The rewritten tree, or :class:`UnportableSQL` naming every problem left."""
    out = rewrite(tree)
    problems = problems_of(out)
    if problems:
        raise UnportableSQL(where, [str(p) for p in problems])
    return out


def to_spark(
    tree: exp.Expr, where: str, params: Mapping[str, date | int | str] | None = None
) -> str:
    """Spark SQL text meaning what ``tree`` means on DuckDB (or :class:`UnportableSQL`)."""
    bound = bind(tree, params or {})
    return portable(bound, where).sql(dialect=WRITE)


def tables_read(tree: exp.Expr) -> tuple[str, ...]:
    """The warehouse tables a query reads (every table name that no CTE of it defines),
    sorted: what Spark must have as views before the query runs."""
    defined = {cte.alias for cte in tree.find_all(exp.CTE)}
    return tuple(sorted(_names(tree) - defined))


def _names(node: exp.Expr) -> set[str]:
    return {t.name for t in node.find_all(exp.Table)}


def _used(ctes: list[exp.CTE], query: exp.Expr) -> list[exp.CTE]:
    """The CTEs the query's body reads, directly or through each other (in order)."""
    body = query.copy()
    body.set(WITH_KEY, None)
    wanted = _names(body)
    for cte in reversed(ctes):
        if cte.alias in wanted:
            wanted |= _names(cte.this)
    return [c for c in ctes if c.alias in wanted]


WITH_KEY: Final = next(k for k in exp.Select.arg_types if k.startswith("with"))
"""sqlglot's argument name of a query's ``WITH`` (``with`` or ``with_`` by version)."""


@dataclass(frozen=True, slots=True)
class SparkStep:
    """One statement of a query carried to Spark: a view computed once (``name``), or
    the final result (``name`` None)."""

    name: str | None
    sql: str


def spark_steps(
    tree: exp.Expr,
    where: str,
    params: Mapping[str, date | int | str] | None = None,
) -> list[SparkStep]:
    """The query as Spark statements: each ``MATERIALIZED`` CTE of the outermost query
    becomes a view computed once (Spark would otherwise recompute a CTE at every
    reference), then the query itself. Every statement is checked before any is
    returned, so nothing runs when one part cannot be carried."""
    bound = bind(tree, params or {})
    with_ = bound.args.get(WITH_KEY)
    ctes = list(with_.expressions) if isinstance(with_, exp.With) else []
    steps: list[SparkStep] = []
    problems: list[str] = []
    plain: list[exp.CTE] = []

    def carry(name: str | None, query: exp.Expr) -> None:
        try:
            steps.append(SparkStep(name, portable(query, where).sql(dialect=WRITE)))
        except UnportableSQL as err:
            problems.extend(err.problems)

    for cte in ctes:
        if cte.args.get("materialized") is None:
            plain.append(cte)
            continue
        body = cte.this.copy()
        own = body.args.get(WITH_KEY)
        earlier = [c.copy() for c in plain]
        if earlier:
            inner = list(own.expressions) if isinstance(own, exp.With) else []
            body.set(WITH_KEY, exp.With(expressions=[*earlier, *inner]))
        carry(cte.alias, body)
    main = bound.copy()
    main_with = main.args.get(WITH_KEY)
    if isinstance(main_with, exp.With):
        kept = _used([c for c in main_with.expressions if c.args.get("materialized") is None], main)
        if kept:
            main_with.set("expressions", kept)
        else:
            main_with.pop()
    carry(None, main)
    if problems:
        raise UnportableSQL(where, problems)
    return steps
