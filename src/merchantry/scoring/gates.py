"""Gates and the good-service ranking: rules over the published score series.

A gate (affiliate entry, mega-sale sign-up, …) is evaluated on the same relation
the fee stage sees: each shop on each date with its condition columns and the
score columns resolved *as of* that date from ``shop_scores`` (every platform's
series, so a Douyin gate may read the Taobao score too), and the gate-only columns
(``shop.violations_30d``, ``shop.has_counterfeit_record``,
``shop.severe_violations_180d``) counted from ``violations``
before that date. The first matching ``score_gate`` rule per gate decides pass or block;
no matching rule means closed.

The ranking (好服务榜单) lists, per industry and date, the shops whose score
reaches the ``score_ranking`` rule's bar and that have enough characteristic
services switched on, best score first, ``top_n`` of them.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import duckdb
import sqlglot
import sqlglot.expressions as exp

from merchantry.rulebook.columns import (
    COUNTERFEIT_RECORD_KINDS,
    GATE_COLUMNS,
    SCORE_SERIES_SQL,
    SEVERE_VIOLATION_KINDS,
)
from merchantry.scoring.inputs import date_range, grid_select
from merchantry.scoring.rules import F, ScoreRules, lit
from merchantry.store.sql import fill_sql

DIALECT: Final = "duckdb"

AS_OF_SQL: Final = """
CREATE OR REPLACE TEMP TABLE _sc_gate_scores AS
SELECT g.shop_id AS gate_shop_id, g.score_date AS gate_date, sc.*
FROM (SELECT shop_id, score_date FROM shop_scores
      WHERE rulebook = $rulebook AND score_date BETWEEN $start AND $end) AS g
ASOF LEFT JOIN _sc_series AS sc ON sc.shop_id = g.shop_id AND g.score_date >= sc.score_date
"""
"""Score columns of every scored shop and date, from the latest series row on or before it."""


VIOLATIONS_SQL: Final = """
CREATE OR REPLACE TEMP TABLE _sc_gate_violations AS
SELECT g.shop_id AS gate_shop_id, g.score_date AS gate_date,
  CAST(coalesce(sum(CASE WHEN CAST(v.occurred_at AS DATE) >= g.score_date - 30
                         THEN 1 ELSE 0 END), 0) AS INTEGER) AS violations_30d,
  coalesce(max(CASE WHEN v.kind IN (p_record_kinds) THEN 1 ELSE 0 END), 0) = 1
    AS has_counterfeit_record,
  CAST(coalesce(sum(CASE WHEN CAST(v.occurred_at AS DATE) >= g.score_date - 180
                          AND v.kind IN (p_severe_kinds)
                         THEN 1 ELSE 0 END), 0) AS INTEGER) AS severe_violations_180d
FROM (SELECT DISTINCT shop_id, score_date FROM shop_scores
      WHERE rulebook = $rulebook AND score_date BETWEEN $start AND $end) AS g
LEFT JOIN (
  SELECT * FROM violations
  WHERE violation_id NOT IN (SELECT violation_id FROM withdrawn_violations)
) AS v ON v.shop_id = g.shop_id AND CAST(v.occurred_at AS DATE) < g.score_date
GROUP BY g.shop_id, g.score_date
"""
"""The gate-only columns of every scored shop and date: violations confirmed in the 30 days
before the date (D-30..D-1; the gate is decided in the morning, like the score), and whether
a counterfeit or confusing-information violation was ever confirmed before it, and the severe
violations confirmed in the 180 days before it (D-180..D-1). Violations an
overturned case withdrew are left out, as in the score's deductions."""


def _violations_sql() -> str:
    """:data:`VIOLATIONS_SQL` with the record and severe kinds put in as literals."""
    return fill_sql(
        VIOLATIONS_SQL,
        p_record_kinds=[lit(k) for k in COUNTERFEIT_RECORD_KINDS],
        p_severe_kinds=[lit(k) for k in SEVERE_VIOLATION_KINDS],
    )


def _series_view() -> str:
    query = sqlglot.parse_one(SCORE_SERIES_SQL, read=DIALECT)
    view = exp.Create(
        this=exp.to_table("_sc_series"),
        kind="VIEW",
        expression=query,
        replace=True,
        properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
    )
    return view.sql(dialect=DIALECT)


def _gate_relation(start: date, end: date, rulebook_shops: exp.Expr) -> exp.Select:
    relation = grid_select(date_range(start, end), scores=exp.to_table("_sc_gate_scores"))
    relation = relation.join(
        exp.alias_(exp.to_table("_sc_gate_scores"), "sc", table=True),
        on=exp.and_(
            exp.column("gate_shop_id", "sc").eq(exp.column("shop_id", "s")),
            exp.column("gate_date", "sc").eq(exp.column("score_date", "d")),
        ),
    )
    relation = relation.join(
        exp.alias_(exp.to_table("_sc_gate_violations"), "gv", table=True),
        on=exp.and_(
            exp.column("gate_shop_id", "gv").eq(exp.column("shop_id", "s")),
            exp.column("gate_date", "gv").eq(exp.column("score_date", "d")),
        ),
        join_type="LEFT",
    )
    for column in GATE_COLUMNS:
        relation = relation.select(
            exp.alias_(exp.column(column.field, "gv"), column.fact_column), copy=False
        )
    return relation.where(rulebook_shops)


PEER_SQL: Final = """
CREATE OR REPLACE TEMP TABLE _sc_peer AS
WITH means AS (
  SELECT a.shop_id, a.score_date, a.industry, a.stage, d.days,
    avg(b.score_cp) AS mean_cp
  FROM shop_scores AS a
  CROSS JOIN (SELECT unnest($days) AS days) AS d
  JOIN shop_scores AS b
    ON b.rulebook = a.rulebook AND b.shop_id = a.shop_id
   AND b.score_date BETWEEN a.score_date - CAST(d.days - 1 AS INTEGER) AND a.score_date
  WHERE a.rulebook = $rulebook AND a.score_date BETWEEN $start AND $end
  GROUP BY ALL
)
SELECT m.shop_id, m.score_date, m.days, m.mean_cp,
  avg(m.mean_cp) FILTER (WHERE m.stage = 'formal')
    OVER (PARTITION BY m.score_date, m.industry, m.days) AS peer_cp
FROM means AS m
"""
"""Each scored shop's mean score over the last ``days`` dates (the dates it has a score
on) and the mean of those means over the formal-stage shops of its industry (同行均值)."""


def _peer_gate(rules: ScoreRules, rulebook: str, gate: str, relation: exp.Select) -> exp.Select:
    """Rows of a ``score_peer_gate`` gate: the rule holds and the shop's mean reaches its peers'."""
    group = rules.group("score_peer_gate", "gate", gate)
    chosen = exp.column("rule", "x")
    days = group.lookup_int(chosen, "average_days")
    passed = exp.and_(
        chosen.copy().is_(exp.Null()).not_(),
        exp.column("mean_cp", "p") >= exp.column("peer_cp", "p"),
    )
    inner = exp.select(
        exp.column("shop_id", F), exp.column("score_date", F), exp.alias_(group.rule_id(), "rule")
    ).from_(exp.alias_(relation.subquery(), F, table=True))
    return (
        exp.select(
            exp.alias_(lit(rulebook), "rulebook"),
            exp.column("shop_id", "x"),
            exp.column("score_date", "x"),
            exp.alias_(lit(gate), "gate"),
            exp.alias_(exp.func("coalesce", passed, exp.false()), "passed"),
            exp.alias_(chosen.copy(), "rule_id"),
        )
        .from_(exp.alias_(inner.subquery(), "x", table=True))
        .join(
            exp.alias_(exp.to_table("_sc_peer"), "p", table=True),
            on=exp.and_(
                exp.column("shop_id", "p").eq(exp.column("shop_id", "x")),
                exp.column("score_date", "p").eq(exp.column("score_date", "x")),
                exp.column("days", "p").eq(days),
            ),
            join_type="LEFT",
        )
    )


def write_gates(
    con: duckdb.DuckDBPyConnection, rules: ScoreRules, rulebook: str, start: date, end: date
) -> int:
    """Evaluate every gate for every scored shop and date; returns the rows written."""
    gates = rules.keys("score_gate", "gate")
    peer_gates = rules.keys("score_peer_gate", "gate")
    if not gates and not peer_gates:
        return 0
    con.execute(_series_view())
    con.execute(AS_OF_SQL, {"rulebook": rulebook, "start": start, "end": end})
    con.execute(_violations_sql(), {"rulebook": rulebook, "start": start, "end": end})
    relation = _gate_relation(start, end, exp.true())
    query: exp.Query | None = None
    if peer_gates:
        days = sorted({r.effect.int("average_days") for r in rules.all("score_peer_gate")})
        con.execute(PEER_SQL, {"rulebook": rulebook, "start": start, "end": end, "days": days})
        for gate in peer_gates:
            select = _peer_gate(rules, rulebook, gate, relation)
            query = (
                select if query is None else exp.union(query, select, distinct=False, copy=False)
            )
    for gate in gates:
        group = rules.group("score_gate", "gate", gate)
        chosen = exp.column("rule", "x")
        result = group.lookup_text(chosen, "result")
        select = exp.select(
            exp.alias_(lit(rulebook), "rulebook"),
            exp.column("shop_id", "x"),
            exp.column("score_date", "x"),
            exp.alias_(lit(gate), "gate"),
            exp.alias_(
                exp.func("coalesce", exp.EQ(this=result, expression=lit("pass")), exp.false()),
                "passed",
            ),
            exp.alias_(chosen.copy(), "rule_id"),
        ).from_(
            exp.alias_(
                exp.select(
                    exp.column("shop_id", F),
                    exp.column("score_date", F),
                    exp.alias_(group.rule_id(), "rule"),
                )
                .from_(exp.alias_(relation.subquery(), F, table=True))
                .subquery(),
                "x",
                table=True,
            )
        )
        query = select if query is None else exp.union(query, select, distinct=False, copy=False)
    assert query is not None
    con.execute(exp.insert(query, "shop_gates").sql(dialect=DIALECT))
    count = con.execute(
        "SELECT count(*) FROM shop_gates WHERE rulebook = ? AND score_date BETWEEN ? AND ?",
        [rulebook, start, end],
    ).fetchone()
    return int(count[0]) if count else 0


def _when_else(cond: exp.Expr, then: exp.Expr, other: exp.Expr) -> exp.Expr:
    return exp.Case().when(cond, then).else_(other)


def write_ranking(
    con: duckdb.DuckDBPyConnection, rules: ScoreRules, rulebook: str, start: date, end: date
) -> int:
    """The good-service ranking per industry and date; returns the rows written."""
    group = rules.group("score_ranking")
    if not group.rules:
        return 0
    chosen = exp.column("rule", "x")
    score, bar = exp.column("score_cp", "x"), group.lookup_int(chosen, "min_score_cp")
    strictly = exp.EQ(this=group.lookup_text(chosen, "compare"), expression=lit("above"))
    eligible = exp.and_(
        chosen.copy().is_(exp.Null()).not_(),
        _when_else(strictly, exp.GT(this=score, expression=bar), score.copy() >= bar.copy()),
        exp.column("special_services", "x") >= group.lookup_int(chosen, "min_services"),
    )
    rank = exp.Window(
        this=exp.func("row_number"),
        partition_by=[exp.column("score_date", "x"), exp.column("industry", "x")],
        order=exp.Order(
            expressions=[
                exp.Ordered(this=exp.column("score_cp", "x"), desc=True),
                exp.Ordered(this=exp.column("shop_id", "x")),
            ]
        ),
    )
    relation = grid_select(date_range(start, end)).join(
        exp.alias_(exp.to_table("shop_scores"), "ss", table=True),
        on=exp.and_(
            exp.column("shop_id", "ss").eq(exp.column("shop_id", "s")),
            exp.column("score_date", "ss").eq(exp.column("score_date", "d")),
            exp.column("rulebook", "ss").eq(lit(rulebook)),
            exp.EQ(this=exp.column("stage", "ss"), expression=lit("formal")),
        ),
    )
    relation = relation.select(
        exp.column("score_cp", "ss"),
        exp.alias_(exp.column("special_services", "ss"), "services"),
        copy=False,
    )
    inner = exp.select(
        exp.column("shop_id", F),
        exp.column("score_date", F),
        exp.column("industry", F),
        exp.column("score_cp", F),
        exp.alias_(exp.column("services", F), "special_services"),
        exp.alias_(group.rule_id(), "rule"),
    ).from_(exp.alias_(relation.subquery(), F, table=True))
    ranked = (
        exp.select(
            exp.alias_(lit(rulebook), "rulebook"),
            exp.column("score_date", "x"),
            exp.column("industry", "x"),
            exp.alias_(exp.cast(rank, "INTEGER"), "rank"),
            exp.column("shop_id", "x"),
            exp.column("score_cp", "x"),
            exp.alias_(
                exp.cast(exp.column("special_services", "x"), "INTEGER"), "special_services"
            ),
            exp.alias_(chosen.copy(), "rule_id"),
            exp.alias_(group.lookup_int(chosen.copy(), "top_n"), "top_n"),
        )
        .from_(exp.alias_(inner.subquery(), "x", table=True))
        .where(eligible)
    )
    top = (
        exp.select(
            "rulebook",
            "score_date",
            "industry",
            "rank",
            "shop_id",
            "score_cp",
            "special_services",
            "rule_id",
        )
        .from_(ranked.subquery("y"))
        .where(exp.column("rank") <= exp.column("top_n"))
    )
    con.execute(exp.insert(top, "service_rankings").sql(dialect=DIALECT))
    count = con.execute(
        "SELECT count(*) FROM service_rankings WHERE rulebook = ? AND score_date BETWEEN ? AND ?",
        [rulebook, start, end],
    ).fetchone()
    return int(count[0]) if count else 0
