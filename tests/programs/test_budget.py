"""Real-time grants: the budget is spent to the fen and never past it, even when many
threads grant at once against a real PostgreSQL; a replayed grant id spends nothing."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from merchantry.kit.errors import Conflict, InputError
from merchantry.ops import open_ops
from merchantry.programs import load_programme
from merchantry.programs.budget import budget_left, grant
from merchantry.programs.rulebook import Budget, Number
from tests.api.conftest import fresh_postgres

DAY = date(2026, 3, 2)


def fen(value: int) -> Number:
    return Number(value, "test", False, "", 0)


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    else:
        url = fresh_postgres(request.getfixturevalue("postgres_url"))
    e = open_ops(url)
    try:
        yield e
    finally:
        e.dispose()


def small(total: int, merchant: int | None = None, month: int | None = None):  # type: ignore[no-untyped-def]
    p = load_programme("douyin-2026-industry-belts")
    return dataclasses.replace(
        p,
        budget=Budget(
            total_fen=fen(total),
            per_merchant_fen=fen(merchant) if merchant is not None else None,
            per_month_fen=fen(month) if month is not None else None,
        ),
    )


def test_many_threads_never_overspend_by_one_fen(engine: Engine) -> None:
    budget = 1_000_003  # not a multiple of the grant: the last grant is cut to the fen
    programme = small(budget)

    def one(i: int) -> int:
        return grant(
            engine,
            programme,
            grant_id=f"g-{i}",
            shop_id=f"S{i % 37}",
            reward_kind="traffic_coupon",
            amount_fen=7_000 + i % 5,
            on=DAY,
        ).amount_fen

    with ThreadPoolExecutor(max_workers=16) as pool:
        amounts = list(pool.map(one, range(240)))  # asks for about 1.7 m fen of 1 m
    assert sum(amounts) == budget
    assert sum(1 for a in amounts if 0 < a < 7_000) <= 1
    with engine.connect() as conn:
        spent = conn.execute(text("SELECT sum(amount_fen) FROM program_grants")).scalar_one()
    assert int(spent) == budget
    left = budget_left(engine, programme)
    assert (left.spent_fen, left.left_fen) == (budget, 0)


def test_merchant_and_month_budgets_hold_under_concurrency(engine: Engine) -> None:
    programme = small(10**9, merchant=50_000, month=120_000)

    def one(i: int) -> int:
        return grant(
            engine,
            programme,
            grant_id=f"m-{i}",
            shop_id="A" if i % 2 else "B",
            reward_kind="cash",
            amount_fen=3_000,
            on=DAY,
        ).amount_fen

    with ThreadPoolExecutor(max_workers=8) as pool:
        amounts = list(pool.map(one, range(60)))
    with engine.connect() as conn:
        by_shop = dict(
            conn.execute(
                text("SELECT shop_id, sum(amount_fen) FROM program_grants GROUP BY shop_id")
            ).all()
        )
    assert {k: int(v) for k, v in by_shop.items()} == {"A": 50_000, "B": 50_000}
    assert sum(amounts) == 100_000
    april = grant(
        engine,
        programme,
        grant_id="april",
        shop_id="C",
        reward_kind="cash",
        amount_fen=130_000,
        on=date(2026, 4, 1),
    )
    assert (april.amount_fen, april.limit_kind) == (50_000, "merchant_budget")


def test_a_replayed_grant_spends_nothing(engine: Engine) -> None:
    programme = small(10_000)
    first = grant(
        engine, programme, grant_id="x", shop_id="A", reward_kind="cash", amount_fen=6_000, on=DAY
    )
    again = grant(
        engine, programme, grant_id="x", shop_id="A", reward_kind="cash", amount_fen=6_000, on=DAY
    )
    assert (first.amount_fen, first.replayed, again.amount_fen, again.replayed) == (
        6_000,
        False,
        6_000,
        True,
    )
    cut = grant(
        engine, programme, grant_id="y", shop_id="B", reward_kind="cash", amount_fen=6_000, on=DAY
    )
    assert (cut.amount_fen, cut.limit_kind) == (4_000, "total_budget")
    empty = grant(
        engine, programme, grant_id="z", shop_id="B", reward_kind="cash", amount_fen=1, on=DAY
    )
    assert empty.amount_fen == 0
    with pytest.raises(Conflict, match="grant id x"):
        grant(
            engine,
            programme,
            grant_id="x",
            shop_id="B",
            reward_kind="cash",
            amount_fen=6_000,
            on=DAY,
        )


def test_bad_grants_are_refused(engine: Engine) -> None:
    programme = small(10_000)
    with pytest.raises(InputError, match="outside programme"):
        grant(
            engine,
            programme,
            grant_id="a",
            shop_id="A",
            reward_kind="cash",
            amount_fen=1,
            on=date(2025, 1, 1),
        )
    with pytest.raises(InputError, match="unknown reward kind"):
        grant(
            engine, programme, grant_id="a", shop_id="A", reward_kind="gold", amount_fen=1, on=DAY
        )
    with pytest.raises(InputError, match="positive"):
        grant(
            engine, programme, grant_id="a", shop_id="A", reward_kind="cash", amount_fen=0, on=DAY
        )
