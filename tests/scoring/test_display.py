"""The consumer display value: the documented edges, and SQL equal to Python everywhere."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot.expressions as exp

from merchantry.scoring import display_tenths
from merchantry.scoring.display import display_sql


@pytest.mark.parametrize(
    ("points", "shown"),
    [(50, 30), (55, 35), (60, 40), (61, 41), (64, 41), (65, 42), (88, 47), (89, 48),
     (92, 48), (93, 49), (96, 49), (97, 50), (100, 50)],
)  # fmt: skip
def test_douyin_display_edges(points: int, shown: int) -> None:
    assert display_tenths(points * 100) == shown


def test_scores_are_rounded_to_whole_points_before_the_mapping() -> None:
    assert display_tenths(6049) == 40  # 60.49 -> 60 -> 4.0
    assert display_tenths(6050) == 41  # 60.50 -> 61 -> 4.1


def test_taobao_shows_one_decimal() -> None:
    assert display_tenths(483, "tenths") == 48
    assert display_tenths(485, "tenths") == 49


def test_sql_and_python_agree_for_every_score() -> None:
    score = exp.column("s")
    sql = display_sql(score, exp.Literal.string("douyin_stars"), exp.Literal.string("formal"))
    query = exp.select(score, sql).from_("range(5000, 10001) AS t(s)").sql(dialect="duckdb")
    with duckdb.connect() as con:  # its own connection: the default one is shared by tests
        rows = con.execute(query).fetchall()
    for s, shown in rows:
        assert shown == display_tenths(int(s)), s
