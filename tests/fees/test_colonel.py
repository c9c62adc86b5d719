"""The colonel (团长) bound: creator commission plus colonel fee at most 90% (§3.7).

The platform refuses a colonel plan whose two rates pass the bound; a sale recorded above it
still settles, with the creator's rate cut to fit, and the fee run says so, naming the order.
"""

from __future__ import annotations

from datetime import datetime

import duckdb

from merchantry.fees import compute_fees
from tests.fees.market import Market

PAID = datetime(2025, 6, 10, 12)
PERIOD = (PAID.date(), PAID.date())


def _commission(con: duckdb.DuckDBPyConnection, order: str) -> int | None:
    row = con.execute(
        "SELECT rate_bp FROM fee_lines WHERE order_id = ? AND fee_kind = 'affiliate_commission'",
        [order],
    ).fetchone()
    return None if row is None else int(row[0])


def test_a_sale_past_the_bound_is_cut_and_named_in_a_warning(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    market = Market(warehouse)
    creator = market.creator("A")
    over = market.order(
        creator=creator, commission_bp=4_000, colonel_bp=5_500, plans=["colonel"], paid_at=PAID
    )
    within = market.order(
        creator=creator, commission_bp=4_000, colonel_bp=5_000, plans=["colonel"], paid_at=PAID
    )
    summary = compute_fees(warehouse, "douyin-2025", *PERIOD)
    assert (_commission(warehouse, over), _commission(warehouse, within)) == (3_500, 4_000)
    [warning] = [w for w in summary.warnings if "colonel" in w]
    assert f"1 affiliate orders paid {PAID.date()}..{PAID.date()} (first {over})" in warning
    assert "passes 90%" in warning
    assert "aff.plan.colonel" in warning


def test_no_warning_when_every_sale_fits(warehouse: duckdb.DuckDBPyConnection) -> None:
    market = Market(warehouse)
    market.order(
        creator=market.creator("A"),
        commission_bp=4_000,
        colonel_bp=5_000,
        plans=["hosted_colonel"],
        paid_at=PAID,
    )
    summary = compute_fees(warehouse, "douyin-2025", *PERIOD)
    assert not [w for w in summary.warnings if "colonel" in w]
