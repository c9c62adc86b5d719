"""The one rounding rule, in Python and in SQL, and the parsers that refuse lossy input."""

from __future__ import annotations

import duckdb
import pytest
import sqlglot.expressions as exp
from hypothesis import given, settings
from hypothesis import strategies as st

from merchantry.kit.money import (
    apply_rate,
    apply_rate_sql,
    div_round,
    format_bp,
    format_fen,
    percent_to_bp,
    pro_rata,
    pro_rata_sql,
    yuan_to_fen,
)

FEN = st.integers(min_value=-(10**12), max_value=10**12)
RATE = st.integers(min_value=0, max_value=10_000)


@pytest.mark.parametrize(
    ("amount", "rate", "expected"),
    [
        (12_345, 1_000, 1_235),  # 10% of ¥123.45 = 1,234.5 fen -> 1,235 (half away from zero)
        (12_345, 60, 74),  # 0.6% of ¥123.45 = 74.07 fen -> 74
        (5, 5_000, 3),  # half of 5 fen = 2.5 -> 3
        (-5, 5_000, -3),  # a refund rounds the same way, mirrored
        (0, 500, 0),
        (99, 0, 0),
    ],
)
def test_apply_rate_examples(amount: int, rate: int, expected: int) -> None:
    assert apply_rate(amount, rate) == expected


def test_pro_rata_splits_a_fee_by_the_refunded_share() -> None:
    # fee 1,235 fen on a 12,345-fen base; 5,000 fen refunded -> 500.2 -> 500 fen back
    assert pro_rata(1_235, 5_000, 12_345) == 500
    assert pro_rata(1_235, 5_000, 0) == 0


def test_div_round_refuses_a_non_positive_denominator() -> None:
    with pytest.raises(ValueError, match="positive"):
        div_round(1, 0)


@settings(deadline=None)  # each example runs a DuckDB query: its time is the machine's load
@given(amount=FEN, rate=RATE)
def test_sql_rounding_equals_python_rounding(amount: int, rate: int) -> None:
    sql = exp.select(apply_rate_sql(exp.Literal.number(amount), exp.Literal.number(rate)))
    row = duckdb.execute(sql.sql(dialect="duckdb")).fetchone()
    assert row is not None
    assert row[0] == apply_rate(amount, rate)


@given(
    amount=st.integers(min_value=0, max_value=10**9),
    part=st.integers(min_value=0, max_value=10**9),
    whole=st.integers(min_value=0, max_value=10**9),
)
def test_sql_pro_rata_equals_python_pro_rata(amount: int, part: int, whole: int) -> None:
    sql = exp.select(
        pro_rata_sql(
            exp.Literal.number(amount), exp.Literal.number(part), exp.Literal.number(whole)
        )
    )
    row = duckdb.execute(sql.sql(dialect="duckdb")).fetchone()
    assert row is not None
    assert row[0] == pro_rata(amount, part, whole)


@given(amount=st.integers(min_value=0, max_value=10**12), rate=RATE)
def test_a_rate_never_charges_more_than_the_amount(amount: int, rate: int) -> None:
    assert 0 <= apply_rate(amount, rate) <= amount


def test_parsers_refuse_fractions_they_cannot_hold() -> None:
    assert yuan_to_fen("12.34") == 1_234
    assert percent_to_bp("0.6") == 60
    with pytest.raises(ValueError, match="fraction of a fen"):
        yuan_to_fen("0.001")
    with pytest.raises(ValueError, match="basis point"):
        percent_to_bp("0.005")


def test_formatting() -> None:
    assert format_fen(123_456) == "¥1,234.56"
    assert format_fen(-5) == "-¥0.05"
    assert format_bp(60) == "0.6%"
    assert format_bp(500) == "5%"
