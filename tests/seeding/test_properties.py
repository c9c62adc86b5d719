"""Property: however an order is split, the videos' shares add up to the tier amount exactly."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merchantry.kit.money import apply_rate
from merchantry.seeding.rules import Tier
from tests.seeding.factories import Market, ago, rules

CLEAR = (
    "DELETE FROM orders; DELETE FROM creator_videos; DELETE FROM video_views; "
    "DELETE FROM searches; DELETE FROM seeding_attributions; DELETE FROM seeding_payouts; "
    "DELETE FROM seeding_clawbacks"
)


@pytest.fixture(scope="module")
def market() -> Iterator[Market]:
    con = duckdb.connect()
    try:
        yield Market(con)
    finally:
        con.close()


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    gmv=st.integers(min_value=0, max_value=50_000_000),
    videos=st.integers(min_value=1, max_value=6),
    rates=st.lists(st.integers(min_value=0, max_value=10_000), min_size=1, max_size=3),
    bounds=st.lists(
        st.integers(min_value=1, max_value=10_000_000), min_size=2, max_size=2, unique=True
    ),
    cap=st.integers(min_value=0, max_value=1_000_000),
    split=st.sampled_from(["linear", "last_touch", "first_touch"]),
)
def test_shares_sum_to_the_tier_amount(
    market: Market, gmv: int, videos: int, rates: list[int], bounds: list[int], cap: int, split: str
) -> None:
    market.con.execute(CLEAR)
    mins = [0, *sorted(bounds)][: len(rates)]
    pairs = zip(mins, rates, strict=False)
    tiers = tuple(Tier(f"t{i}", low, rate, 0) for i, (low, rate) in enumerate(pairs))
    book = rules(tiers=tiers, split=split, max_per_order_fen=cap, max_per_creator_day_fen=10**12)
    for v in range(videos):
        market.video(f"V{v}", creator=f"C{v}")
        market.view(f"V{v}", ago(hours=2, minutes=v))
    market.search(ago(hours=1))
    market.order("O1", gmv_fen=gmv)
    market.run(book)
    rows = market.rows()
    rate = next(t.rate_bp for t in reversed(tiers) if gmv >= t.min_gmv_fen)
    expected = min(apply_rate(gmv, rate), cap)
    assert sum(r["reward_fen"] for r in rows) == expected
    assert sum(r["payout_fen"] for r in rows) == expected
    assert sum(r["attributed_gmv_fen"] for r in rows) == gmv
    assert len(rows) == (videos if split == "linear" else 1)
    rewards = [r["reward_fen"] for r in rows]
    assert max(rewards) - min(rewards) <= 1
    assert all(r["paid_at"] - r["viewed_at"] <= timedelta(days=book.view_window_days) for r in rows)
