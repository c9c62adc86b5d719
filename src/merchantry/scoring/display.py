"""The consumer display value (消费者端展示分), in Python, for people and tests.

The stage computes the same mapping in SQL (:func:`display_sql`); a test holds the two
equal for every score from 50 to 100.

Douyin (platform-rules.md §1.2): the score is first rounded to whole points
(an assumption: the text's examples use whole scores), then

* 61–100: ``4.0 + ceil((S − 60) / 4) × 0.1`` (97–100 → 5.0, 61–64 → 4.1);
* 50–60: ``3.0 + (S − 50) × 0.1`` (60 → 4.0, 50 → 3.0).

Taobao shows its 3–5 score to one decimal.
"""

from __future__ import annotations

import sqlglot.expressions as exp

from merchantry.kit.money import div_round, div_round_sql


def display_tenths(score_cp: int, mode: str = "douyin_stars") -> int:
    """Display value in tenths (48 = 4.8) of a score in hundredths of a point."""
    if mode == "tenths":
        return div_round(score_cp, 10)
    points = div_round(score_cp, 100)
    if points >= 61:
        return 40 + -(-(points - 60) // 4)
    if points >= 50:
        return 30 + (points - 50)
    return 30


def _lit(value: int | str) -> exp.Expr:
    return exp.Literal.number(value) if isinstance(value, int) else exp.Literal.string(value)


def display_sql(score: exp.Expr, mode: exp.Expr, stage: exp.Expr) -> exp.Expr:
    """SQL twin of :func:`display_tenths`; NULL unless the stage is formal."""
    points = div_round_sql(score.copy(), _lit(100))
    stars = (
        exp.Case()
        .when(
            points.copy() >= 61,
            exp.Add(
                this=_lit(40),
                expression=exp.IntDiv(
                    this=exp.paren(exp.Sub(this=points.copy(), expression=_lit(57))),
                    expression=_lit(4),
                ),
            ),
        )
        .when(
            points.copy() >= 50,
            exp.Add(this=_lit(30), expression=exp.Sub(this=points.copy(), expression=_lit(50))),
        )
        .else_(_lit(30))
    )
    tenths = div_round_sql(score.copy(), _lit(10))
    shown = (
        exp.Case()
        .when(exp.EQ(this=mode.copy(), expression=_lit("douyin_stars")), stars)
        .else_(tenths)
    )
    shown_when = exp.and_(
        exp.EQ(this=stage, expression=_lit("formal")), score.copy().is_(exp.Null()).not_()
    )
    return exp.cast(exp.Case().when(shown_when, shown), "INTEGER")
