"""Invariant: every breakdown of the savings adds up to the same total, to the fen.

Hypothesis draws a small market (shops, orders, scenes) and random fee lines for
two rulebooks (any payer and payee, refunds negative, waivers or not); the
total is also recomputed here in plain Python from the lines drawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merchantry.model.outputs import FEE_KINDS, PAYERS
from merchantry.model.tables import SCENES
from merchantry.simulate import simulate
from merchantry.simulate.wording import DIMENSION_LABELS
from merchantry.store.warehouse import connect
from tests.simulate.factories import Market

REFUNDS = {"fee_refund", "promotion_fee_refund"}


@dataclass(frozen=True)
class Line:
    rulebook: str
    order: int
    kind: str
    amount: int
    payer: str
    payee: str
    rule: str
    waiver: str | None


def lines_for(rulebook: str, orders: int) -> st.SearchStrategy[list[Line]]:
    parties = st.lists(st.sampled_from(PAYERS), min_size=2, max_size=2, unique=True)

    def one(order: int, kind: str) -> st.SearchStrategy[Line]:
        amount = st.integers(-50_000, 0) if kind in REFUNDS else st.integers(0, 50_000)
        return st.builds(
            lambda a, p, r, w: Line(rulebook, order, kind, a, p[0], p[1], r, w),
            amount,
            parties,
            st.sampled_from(["r1", "r2", "r3"]),
            st.none() | st.sampled_from(["w1", "w2"]),
        )

    keys = st.lists(
        st.tuples(st.integers(0, orders - 1), st.sampled_from(FEE_KINDS)),
        unique=True,
        min_size=1,
        max_size=3 * orders,
    )
    return keys.flatmap(lambda ks: st.tuples(*(one(o, k) for o, k in ks)).map(list))


market_shape = st.integers(1, 8).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(st.integers(0, 3), min_size=n, max_size=n),  # shop of each order
        st.lists(st.sampled_from(SCENES), min_size=n, max_size=n),
        st.lists(st.integers(0, 200_000), min_size=n, max_size=n),  # GMV of each order
        lines_for("old", n),
        lines_for("new", n),
    )
)


def merchant_cost(line: Line) -> int:
    return line.amount * ((line.payer == "merchant") - (line.payee == "merchant"))


def platform_net(line: Line) -> int:
    return line.amount * ((line.payee == "platform") - (line.payer == "platform"))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(market_shape)
def test_every_breakdown_adds_up_to_the_total(
    shape: tuple[int, list[int], list[str], list[int], list[Line], list[Line]],
) -> None:
    n, shop_of, scene_of, gmv_of, old, new = shape
    con = connect(":memory:")
    m = Market(con)
    for s in range(4):
        m.shop(
            f"S{s}",
            opened=date(2025, 11, 1) if s % 2 else date(2023, 1, 1),
            industry=["apparel", "food"][s % 2],
            store_type=["personal", "flagship"][s // 2],
        )
    for o in range(n):
        m.order(f"O{o}", f"S{shop_of[o]}", scene=scene_of[o], paid_fen=gmv_of[o])
    for line in (*old, *new):
        m.line(
            line.rulebook,
            f"O{line.order}",
            line.kind,
            line.amount,
            payer=line.payer,
            payee=line.payee,
            rule_id=line.rule,
            waiver=line.waiver,
        )

    result = simulate(con, "old", "new", date(2026, 1, 1), date(2026, 1, 31))

    total = sum(map(merchant_cost, old)) - sum(map(merchant_cost, new))
    s = result.summary
    assert s.saving_fen == total
    assert s.saving_fen == s.baseline_cost_fen - s.candidate_cost_fen
    assert sum(line.saving_fen for line in result.by_line) == total
    shop_total = con.execute("SELECT sum(saving_fen) FROM sim_shop_savings").fetchone()
    assert shop_total == (total,)
    for dimension in DIMENSION_LABELS:
        assert sum(seg.saving_fen for seg in result.segments(dimension)) == total, dimension
        assert sum(seg.orders for seg in result.segments(dimension)) == n, dimension
    giveup = sum(map(platform_net, old)) - sum(map(platform_net, new))
    assert s.platform_giveup_fen == giveup
    assert s.others_change_fen == giveup - total
    assert s.shops_gain + s.shops_lose + s.shops_unchanged == s.shops
    con.close()
