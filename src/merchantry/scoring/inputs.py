"""Stage A: the shops × dates grid and every measure on it, set-based in DuckDB.

Temp tables, in order (all ``_sc_*``, replaced on each run):

* ``_sc_grid``: one row per shop and score date, with every condition column of
  :mod:`merchantry.rulebook.columns` (order and creator columns NULL, ``category``
  = the shop's main category, ``shop.age_days`` as of the date) so score rules'
  ``when`` compile onto it as fee rules do onto orders;
* ``_sc_shopfacts``: the grid's last date plus the scale chosen for each shop
  (window, worst tier score) — what the order-level steps need;
* ``_sc_orders``, ``_sc_pickup``, ``_sc_contrib``: orders, per-order pickup
  scores and every contribution (see :mod:`merchantry.scoring.indicators`);
* ``_sc_measures``: grid + window sums of every measure, violation counts by
  kind and the services switched on — the input of stage B.
"""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.model.indicators import PARAMETER_DEFAULTS as PARAMETER_DEFAULTS  # declared there
from merchantry.model.tables import SERVICE_KINDS, VIOLATION_KINDS
from merchantry.rulebook.columns import CONDITION_COLUMNS, SCORE_COLUMNS, ConditionColumn
from merchantry.rulebook.model import Rulebook
from merchantry.rulebook.score_effects import SCORE_INDICATORS
from merchantry.scoring.indicators import (
    CONTRIBUTIONS_SQL,
    MEASURES,
    ORDERS_SQL,
    constant_parameters,
)
from merchantry.scoring.rules import F, ScoreRules, lit
from merchantry.store.sql import run_sql

DIALECT: Final = "duckdb"
HISTORY_DAYS: Final = 90
"""Orders paid this many days before the first window still count (late deliveries,
slow after-sales); older events are ignored."""


def indicator_parameters(rules: ScoreRules) -> dict[str, int]:
    """The :data:`PARAMETER_DEFAULTS` as the rulebook sets them; refused
    (:class:`~merchantry.kit.errors.InputError`, naming the rulebook's file and the
    parameter) when one is out of its range (an hour not one of 0-23) or the service hours
    run backwards."""
    values = {name: rules.parameter(name, default) for name, default in PARAMETER_DEFAULTS.items()}
    rules.book.refuse_problems(values)
    return values


def label_terms(book: Rulebook) -> dict[str, int]:
    """The numbers of ``book`` that indicator names and diagnosis advice quote, by the
    placeholder that quotes them (:func:`merchantry.report.names.fill`): every
    :data:`PARAMETER_DEFAULTS` parameter as the rulebook sets it, and ``pickup_band_hours``,
    the hours of its best-scoring pickup band (Douyin's 24) when it has bands. Every page,
    report and terminal that names an indicator of a score computed under ``book`` reads
    these, so "48-hour pickup rate" says 24 under a rulebook that gives 24 hours."""
    values = {**PARAMETER_DEFAULTS, **book.parameter_values}
    bands = book.rules_of("score_pickup_band")
    if bands:
        best = max(bands, key=lambda r: (r.effect.int("score_cp"), -r.effect.int("max_hours")))
        values["pickup_band_hours"] = best.effect.int("max_hours")
    return values


_TYPES: Final = {
    "text": "VARCHAR",
    "int": "INTEGER",
    "money": "BIGINT",
    "bigint": "BIGINT",
    "bool": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "text_list": "VARCHAR[]",
}


def date_diff(part: str, start: exp.Expr, end: exp.Expr) -> exp.Expr:
    """DuckDB ``date_diff(part, start, end)``, written as is (sqlglot would reorder it)."""
    return exp.Anonymous(this="date_diff", expressions=[lit(part), start, end])


def violation_column(kind: str) -> str:
    return f"v_{kind}"


def service_column(service: str) -> str:
    return f"svc_{service}"


def _shop_value(column: ConditionColumn, score_date: exp.Expr) -> exp.Expr:
    if column.name == "shop.age_days":
        return date_diff("day", exp.column("opened_date", "s"), score_date.copy())
    if column.namespace == "shop" and not column.derived:
        return exp.column(column.field, "s")
    if column.namespace == "category":
        return exp.column(column.field, "c")
    return exp.cast(exp.Null(), _TYPES[column.type.value])


def grid_select(dates: exp.Expr, *, scores: exp.Expr | None = None) -> exp.Select:
    """Shops × dates with the condition columns; ``scores`` joins a score series (gates).

    ``dates`` is a relation with a ``score_date`` column. Without ``scores`` the
    score columns are NULL placeholders (score rules other than gates may not read
    them, see :func:`merchantry.scoring.rules.check_score_rules`).
    """
    score_date = exp.column("score_date", "d")
    select = exp.select(
        exp.alias_(exp.column("shop_id", "s"), "shop_id"),
        exp.alias_(score_date, "score_date"),
        exp.alias_(exp.column("industry", "s"), "industry"),
    )
    for column in CONDITION_COLUMNS:
        select = select.select(
            exp.alias_(_shop_value(column, score_date), column.fact_column), copy=False
        )
    for column in SCORE_COLUMNS:
        value: exp.Expr = (
            exp.column(column.field, "sc")
            if scores is not None
            else exp.cast(exp.Null(), "DECIMAL(9, 2)" if column.type.value == "int" else "VARCHAR")
        )
        if column.field == "special_services" and scores is None:
            value = exp.cast(exp.Null(), "INTEGER")
        select = select.select(exp.alias_(value, column.fact_column), copy=False)
    select = (
        select.from_(exp.alias_(exp.to_table("shops"), "s", table=True))
        .join(exp.alias_(dates, "d", table=True), join_type="CROSS")
        .join(
            exp.alias_(exp.to_table("categories"), "c", table=True),
            on=exp.column("category_id", "c").eq(exp.column("main_category_id", "s")),
            join_type="LEFT",
        )
    )
    return select


def date_lit(day: date) -> exp.Expr:
    """``CAST('YYYY-MM-DD' AS DATE)``."""
    return exp.cast(lit(day.isoformat()), "DATE")


def date_range(first: date, last: date) -> exp.Expr:
    """A relation of every date from ``first`` to ``last`` as ``score_date``."""
    days = exp.func(
        "range",
        exp.cast(date_lit(first), "TIMESTAMP"),
        exp.cast(date_lit(last + timedelta(days=1)), "TIMESTAMP"),
        exp.Interval(this=lit("1"), unit=exp.var("DAY")),
    )
    return (
        exp.select(exp.alias_(exp.cast(exp.column("range"), "DATE"), "score_date"))
        .from_(days)
        .subquery()
    )


def create_temp(name: str, query: exp.Expr) -> str:
    """``CREATE OR REPLACE TEMP TABLE name AS query`` (DuckDB SQL)."""
    create = exp.Create(
        this=exp.to_table(name),
        kind="TABLE",
        expression=query,
        replace=True,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )
    return create.sql(dialect=DIALECT)


def _col(name: str, table: str | None = None) -> exp.Column:
    return exp.column(name, table=table, quoted=True)


def _grid_sql(
    rules: ScoreRules, first: date, last: date, shop: str | None, part: tuple[int, int] | None
) -> tuple[str, str]:
    """``_sc_grid`` and ``_sc_shopfacts`` (scale per shop as of ``last``)."""
    grid = grid_select(date_range(first, last))
    if shop is not None:
        grid = grid.where(exp.column("shop_id", "s").eq(lit(shop)))
    if part is not None:
        index, parts = part
        bucket = exp.Mod(this=exp.func("hash", exp.column("shop_id", "s")), expression=lit(parts))
        grid = grid.where(exp.EQ(this=bucket, expression=lit(index)))
    scale = rules.group("score_scale")
    chosen = scale.rule_id()
    facts = (
        exp.select(
            exp.Star(),
            exp.alias_(chosen, "scale_rule_id"),
            exp.alias_(
                scale.lookup(chosen, lambda r: lit(r.effect.int("window_days"))), "window_days"
            ),
            exp.alias_(scale.lookup(chosen, lambda r: lit(r.effect.int("tier_0_cp"))), "tier_0_cp"),
            exp.alias_(
                rules.group("score_pickup_deadline", "orders", "all").int_field("hours"),
                "pickup_deadline_hours",
            ),
            exp.alias_(
                rules.group("score_pickup_deadline", "orders", "qic_inspected").int_field("hours"),
                "qic_pickup_deadline_hours",
            ),
        )
        .from_(exp.alias_(exp.to_table("_sc_grid"), F, table=True))
        .where(_col("score_date", F).eq(date_lit(last)))
    )
    return create_temp("_sc_grid", grid), create_temp("_sc_shopfacts", facts)


def _pickup_select(rules: ScoreRules) -> exp.Select:
    """Per-order pickup score: the first band rule that holds for the shop and the hours."""
    seconds = date_diff("second", _col("pickup_clock", "o"), _col("picked_at", "o"))
    case = exp.Case().when(exp.column("fraud_at", "o").is_(exp.Null()).not_(), _col("tier_0_cp", F))
    for rule in rules.all("score_pickup_band"):
        within = exp.LTE(this=seconds.copy(), expression=lit(rule.effect.int("max_hours") * 3600))
        case = case.when(exp.and_(rules.compiled(rule), within), lit(rule.effect.int("score_cp")))
    case = case.else_(_col("tier_0_cp", F))
    return (
        exp.select(_col("order_id", "o"), exp.alias_(case, "pickup_score"))
        .from_(exp.alias_(exp.to_table("_sc_orders"), "o", table=True))
        .join(
            exp.alias_(exp.to_table("_sc_shopfacts"), F, table=True),
            on=_col("shop_shop_id", F).eq(_col("shop_id", "o")),
        )
        .where(_col("picked_at", "o").is_(exp.Null()).not_())
    )


def _measure_names() -> tuple[str, ...]:
    return (*MEASURES, *(violation_column(k) for k in VIOLATION_KINDS))


DELTAS_SQL: Final = """
CREATE OR REPLACE TEMP TABLE _sc_deltas AS
WITH spans AS (
  SELECT c.shop_id, greatest(c.b, coalesce(c.k, c.b)) + 1 AS s,
         c.b + CAST(w.window_days AS INTEGER) AS e, c.m, c.v
  FROM _sc_contrib AS c JOIN _sc_shopfacts AS w ON w.shop_shop_id = c.shop_id
)
SELECT shop_id, day, m, sum(v) AS v FROM (
  SELECT shop_id, greatest(s, $first) AS day, m, v FROM spans
  WHERE s <= e AND s <= $last AND e >= $first
  UNION ALL
  SELECT shop_id, e + 1 AS day, m, -v FROM spans
  WHERE s <= e AND e + 1 <= $last AND e >= $first
)
GROUP BY shop_id, day, m
"""
"""+value on the first day a contribution counts, −value the day after its last, per
shop, day and measure (long: only the measures that change)."""


def _deltas() -> exp.Select:
    """The long deltas pivoted to one row per shop and day that has any.

    ``sum(CASE WHEN m = … THEN v END)`` rather than ``sum(v) FILTER (WHERE m = …)``: the
    same values (NULL where a measure has no delta), and DuckDB's hash aggregate runs it
    in about half the CPU time (45 filtered aggregates each build a selection per chunk).
    """
    columns = [
        exp.alias_(
            exp.func(
                "sum",
                exp.Case().when(
                    exp.EQ(this=exp.column("m"), expression=lit(n)), exp.column("v"), copy=False
                ),
            ),
            n,
        )
        for n in _measure_names()
    ]
    return (
        exp.select(exp.column("shop_id"), exp.column("day"), *columns)
        .from_("_sc_deltas")
        .group_by("shop_id", "day")
    )


def _measures_select(first: date, last: date) -> exp.Select:
    """``_sc_measures``: the grid, the running sums of the deltas, services, overrides.

    The running sums are taken over the grid's keys alone (``run``) and joined back to the
    grid's ~50 condition columns afterwards: the window operator sorts and materializes every
    column it carries, and carrying the grid's made it half again dearer.
    """
    window = exp.Window(
        partition_by=[_col("shop_id", "g")],
        order=exp.Order(expressions=[exp.Ordered(this=_col("score_date", "g"))]),
        spec=exp.WindowSpec(kind="ROWS", start="UNBOUNDED", start_side="PRECEDING"),
    )
    running = exp.select(
        exp.alias_(_col("shop_id", "g"), "run_shop_id"),
        exp.alias_(_col("score_date", "g"), "run_score_date"),
    )
    select = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier("g")))
    for name in _measure_names():
        total = window.copy()
        total.set("this", exp.func("sum", exp.func("coalesce", _col(name, "dl"), lit(0))))
        running = running.select(exp.alias_(exp.cast(total, "BIGINT"), name), copy=False)
        select = select.select(_col(name, "run"), copy=False)
    running = running.from_(
        exp.alias_(
            exp.select("shop_id", "score_date").from_("_sc_grid").subquery(), "g", table=True
        )
    ).join(
        exp.alias_(_deltas().subquery(), "dl", table=True),
        on=exp.and_(
            _col("shop_id", "dl").eq(_col("shop_id", "g")),
            _col("day", "dl").eq(_col("score_date", "g")),
        ),
        join_type="LEFT",
    )
    services = exp.select(_col("shop_id", "sv"), _col("score_date", "gd"))
    for service in SERVICE_KINDS:
        flag = exp.func("bool_or", exp.EQ(this=_col("service", "sv"), expression=lit(service)))
        services = services.select(exp.alias_(flag, service_column(service)), copy=False)
    services = services.select(
        exp.alias_(
            exp.func("count", exp.Distinct(expressions=[_col("service", "sv")])), "special_services"
        ),
        copy=False,
    )
    on = exp.and_(
        _col("shop_id", "sv").eq(_col("shop_id", "gd")),
        _col("enabled_from", "sv") <= _col("score_date", "gd"),
        exp.or_(
            _col("enabled_to", "sv").is_(exp.Null()),
            _col("enabled_to", "sv") >= _col("score_date", "gd"),
        ),
    )
    services = (
        services.from_(exp.alias_(exp.to_table("_sc_grid"), "gd", table=True))
        .join(exp.alias_(exp.to_table("shop_services"), "sv", table=True), on=on)
        .group_by(_col("shop_id", "sv"), _col("score_date", "gd"))
    )
    for service in SERVICE_KINDS:
        select = select.select(
            exp.alias_(
                exp.func("coalesce", _col(service_column(service), "svc"), exp.false()),
                service_column(service),
            ),
            copy=False,
        )
    select = select.select(
        exp.alias_(
            exp.func("coalesce", _col("special_services", "svc"), lit(0)), "special_services"
        ),
        copy=False,
    )
    for indicator in SCORE_INDICATORS:
        override = exp.cast(exp.Null(), "BIGINT")
        select = select.select(
            exp.alias_(override, f"{indicator}__override", quoted=True), copy=False
        )
    return (
        select.from_(exp.alias_(exp.to_table("_sc_grid"), "g", table=True))
        .join(
            exp.alias_(running.subquery(), "run", table=True),
            on=exp.and_(
                _col("run_shop_id", "run").eq(_col("shop_id", "g")),
                _col("run_score_date", "run").eq(_col("score_date", "g")),
            ),
        )
        .join(
            exp.alias_(services.subquery(), "svc", table=True),
            on=exp.and_(
                _col("shop_id", "svc").eq(_col("shop_id", "g")),
                _col("score_date", "svc").eq(_col("score_date", "g")),
            ),
            join_type="LEFT",
        )
    )


@functools.lru_cache(maxsize=64)
def measure_statements(
    book: Rulebook,
    first: date,
    last: date,
    shop: str | None = None,
    part: tuple[int, int] | None = None,
) -> tuple[str, str, str, str]:
    """The generated statements of stage A (grid, shop facts, pickups, measures),
    compiled once per rulebook, period and shop."""
    rules = ScoreRules(book)
    grid, facts = _grid_sql(rules, first, last, shop, part)
    return (
        grid,
        facts,
        create_temp("_sc_pickup", _pickup_select(rules)),
        create_temp("_sc_measures", _measures_select(first, last)),
    )


def build_measures(
    con: duckdb.DuckDBPyConnection,
    rules: ScoreRules,
    first: date,
    last: date,
    *,
    shop: str | None = None,
    part: tuple[int, int] | None = None,
) -> None:
    """Fill ``_sc_measures`` for every shop (or one, or the ``part = (i, n)``-th of n hash
    partitions of the shops) and every date ``first``..``last``."""
    grid, facts, pickup, measures = measure_statements(rules.book, first, last, shop, part)
    con.execute(grid)
    con.execute(facts)
    longest = con.execute("SELECT coalesce(max(window_days), 30) FROM _sc_shopfacts").fetchone()
    window = int(longest[0]) if longest else 30
    since = first - timedelta(days=window + HISTORY_DAYS)
    params: dict[str, object] = {"since": since, "last": last}
    params = {**params, **constant_parameters(), **indicator_parameters(rules)}
    run_sql(con, ORDERS_SQL, params)  # each statement binds only the parameters it names
    con.execute(pickup)
    run_sql(con, CONTRIBUTIONS_SQL, params)
    con.execute(DELTAS_SQL, {"first": first, "last": last})
    con.execute(measures)
