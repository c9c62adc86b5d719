"""Writing the daily series: ``shop_scores``, ``shop_score_indicators``, adjustments.

Everything is read from ``_sc_result`` (stage B's wide rows) in one statement per
table. The 7-day average is a window over the grid, which starts six days
before the first requested date so every requested date has a full week.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.rulebook.model import Rule
from merchantry.rulebook.score_effects import DIMENSIONS
from merchantry.scoring.compute import Plan, bonus_column, ind
from merchantry.scoring.indicators import INDICATORS
from merchantry.scoring.inputs import date_lit, violation_column
from merchantry.scoring.rules import lit
from merchantry.store.sql import fill_sql

DIALECT: Final = "duckdb"
AVERAGE_DAYS: Final = 7

SCORES_SQL: Final = """
INSERT INTO shop_scores BY NAME
SELECT
  $rulebook AS rulebook, shop_id, score_date, platform, CAST($version_from AS DATE) AS version_from,
  industry, stage, CAST(valid_orders AS INTEGER) AS valid_orders,
  CASE WHEN stage = 'formal' THEN product_cp END AS product_cp,
  CASE WHEN stage = 'formal' THEN logistics_cp END AS logistics_cp,
  CASE WHEN stage = 'formal' THEN service_cp END AS service_cp,
  CASE WHEN stage = 'formal' THEN weighted_cp END AS weighted_cp,
  CASE WHEN stage = 'formal' THEN bonus_cp END AS bonus_cp,
  CASE WHEN stage = 'formal' THEN deduction_cp END AS deduction_cp,
  score_cp,
  CAST(CASE WHEN n7 > 0 THEN (2 * s7 + n7) // (2 * n7) END AS INTEGER) AS score_7d_avg_cp,
  display_tenths, CAST(special_services AS INTEGER) AS special_services,
  stage_rule_id, scale_rule_id
FROM (
  SELECT *,
    sum(score_cp) OVER week AS s7,
    count(score_cp) OVER week AS n7
  FROM _sc_result
  WINDOW week AS (PARTITION BY shop_id ORDER BY score_date ROWS BETWEEN 6 PRECEDING AND CURRENT ROW)
)
WHERE score_date BETWEEN $start AND $end
"""

_DELETE_PERIOD: Final = (
    "DELETE FROM p_table WHERE rulebook = $rulebook AND score_date BETWEEN $start AND $end"
)
DELETE_SQL: Final = tuple(
    fill_sql(_DELETE_PERIOD, p_table=name)
    for name in (
        "shop_scores",
        "shop_score_indicators",
        "shop_score_adjustments",
        "shop_gates",
        "service_rankings",
    )
)
"""Fixed statements (table names are ours) that clear a rulebook's dates before a re-run."""


def _c(name: str) -> exp.Column:
    return exp.column(name, table="r", quoted=True)


def _in_period(start: date, end: date) -> exp.Expr:
    return exp.Between(this=_c("score_date"), low=date_lit(start), high=date_lit(end))


def _source() -> exp.Expr:
    return exp.alias_(exp.to_table("_sc_result"), "r", table=True)


def indicators_query(plan: Plan, rulebook: str, start: date, end: date) -> exp.Query:
    """One ``shop_score_indicators`` row per shop, date and indicator the rulebook uses."""
    query: exp.Query | None = None
    for i in plan.indicators:
        spec = INDICATORS[i]
        tier_rule: exp.Expr = (
            _c(ind(i, "tier_rule")) if plan.tiers[i].rules else exp.cast(exp.Null(), "VARCHAR")
        )
        select = (
            exp.select(
                exp.alias_(lit(rulebook), "rulebook"),
                _c("shop_id"),
                _c("score_date"),
                exp.alias_(lit(i), "indicator"),
                exp.alias_(_c(ind(i, "wdim")), "dimension"),
                exp.alias_(exp.cast(_c(ind(i, "v")), "BIGINT"), "value"),
                exp.alias_(lit(spec.unit), "unit"),
                exp.alias_(_c(ind(i, "num")), "numerator"),
                exp.alias_(_c(ind(i, "den")), "denominator"),
                exp.alias_(_c(ind(i, "bad")), "bad_events"),
                exp.alias_(exp.cast(_c(ind(i, "tier")), "INTEGER"), "tier"),
                exp.alias_(_c(ind(i, "tier_cp")), "tier_cp"),
                exp.alias_(_c(ind(i, "floor_applied")), "floor_applied"),
                exp.alias_(_c(ind(i, "cp")), "indicator_cp"),
                exp.alias_(exp.cast(_c(ind(i, "w")), "INTEGER"), "weight_bp"),
                exp.alias_(tier_rule, "tier_rule_id"),
                exp.alias_(_c(ind(i, "floor_rule")), "floor_rule_id"),
                exp.alias_(_c(ind(i, "weight_rule")), "weight_rule_id"),
            )
            .from_(_source())
            .where(_in_period(start, end))
        )
        query = select if query is None else exp.union(query, select, distinct=False, copy=False)
    if query is None:
        return exp.select(exp.Star()).from_("shop_score_indicators").where(exp.false())
    return query


def _adjustment(
    rulebook: str,
    kind: str,
    target: str,
    rule_id: str,
    cases: exp.Expr,
    points: exp.Expr,
    where: exp.Expr,
    start: date,
    end: date,
) -> exp.Select:
    return (
        exp.select(
            exp.alias_(lit(rulebook), "rulebook"),
            _c("shop_id"),
            _c("score_date"),
            exp.alias_(lit(kind), "kind"),
            exp.alias_(lit(target), "target"),
            exp.alias_(lit(rule_id), "rule_id"),
            exp.alias_(exp.cast(cases, "INTEGER"), "cases"),
            exp.alias_(exp.cast(points, "INTEGER"), "points_cp"),
        )
        .from_(_source())
        .where(
            exp.and_(
                _in_period(start, end),
                exp.EQ(this=_c("stage"), expression=lit("formal")),
                where,
            )
        )
    )


def _bonus_row(rulebook: str, rule: Rule, start: date, end: date) -> exp.Select:
    return _adjustment(
        rulebook,
        "bonus",
        rule.effect.text("target"),
        rule.id,
        lit(0),
        lit(rule.effect.int("points_cp")),
        _c(bonus_column(rule)),
        start,
        end,
    )


def adjustments_query(plan: Plan, rulebook: str, start: date, end: date) -> exp.Query | None:
    """Bonus and deduction rows (formal stage only); ``None`` when the rulebook has none."""
    parts: list[exp.Select] = [_bonus_row(rulebook, r, start, end) for r in plan.bonuses]
    for kind, group in plan.deductions.items():
        for rule in group.rules:
            parts.append(
                _adjustment(
                    rulebook,
                    "deduction",
                    "total",
                    rule.id,
                    _c(violation_column(kind)),
                    exp.Neg(this=_c(f"ded_{kind}__cp")),
                    exp.and_(
                        exp.EQ(this=_c(f"ded_{kind}__rule"), expression=lit(rule.id)),
                        _c(violation_column(kind)) > 0,
                    ),
                    start,
                    end,
                )
            )
    seen: set[int] = set()
    for group in plan.deductions.values():
        for rule in group.rules:
            g, cap = rule.effect.int("cap_group"), rule.effect.int("cap_cp")
            if not g or g in seen:
                continue
            seen.add(g)
            raw = _c(f"dedgroup_{g}__raw")
            parts.append(
                _adjustment(
                    rulebook,
                    "deduction_cap",
                    "total",
                    rule.id,
                    lit(0),
                    exp.Sub(this=raw, expression=lit(cap)),
                    raw.copy() > cap,
                    start,
                    end,
                )
            )
    query: exp.Query | None = None
    for part in parts:
        query = part if query is None else exp.union(query, part, distinct=False, copy=False)
    return query


def clear_series(con: duckdb.DuckDBPyConnection, rulebook: str, start: date, end: date) -> None:
    """Delete the rulebook's rows for ``start``..``end`` from every score table."""
    for sql in DELETE_SQL:
        con.execute(sql, {"rulebook": rulebook, "start": start, "end": end})


def write_series(
    con: duckdb.DuckDBPyConnection,
    plan: Plan,
    rulebook: str,
    version_from: date,
    start: date,
    end: date,
) -> None:
    """Append ``_sc_result``'s rows for ``start``..``end`` (after :func:`clear_series`)."""
    params = {"rulebook": rulebook, "start": start, "end": end}
    con.execute(SCORES_SQL, {**params, "version_from": version_from})
    insert = exp.insert(indicators_query(plan, rulebook, start, end), "shop_score_indicators")
    con.execute(insert.sql(dialect=DIALECT))
    adjustments = adjustments_query(plan, rulebook, start, end)
    if adjustments is not None:
        con.execute(exp.insert(adjustments, "shop_score_adjustments").sql(dialect=DIALECT))


DIMENSION_COLUMNS: Final = tuple(f"{d}_cp" for d in DIMENSIONS)
