"""The online state's features equal the batch SQL's, whatever order events arrive in.

Hypothesis draws small histories (two shops, a few buyers, orders, claims with
photos, rejections, deliveries, with times that often tie, which is where the
batch windows' ordering rules bite). The batch features come from
``build_batch_features`` over a warehouse holding the history; the online
features from a state fed the same events one by one in a shuffled order.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merchantry.risk.decisions import RiskRequest
from merchantry.risk.features import build_batch_features
from merchantry.service.online.facts import ORDER_FIELDS, Reference
from merchantry.service.online.risk import RiskState
from merchantry.store.warehouse import connect
from tests.risk.factories import T0, add_claim, add_delivery, add_order, add_shop

FEATURES = (
    "buyer_prior_orders",
    "buyer_prior_claims",
    "buyer_refund_only_rate_bp",
    "buyer_instant_refunds",
    "buyer_rejected_claims",
    "buyer_photo_claims",
    "evidence_images",
    "reused_images",
    "listing_images",
    "request_amount_fen",
    "minutes_since_payment",
    "hours_since_delivery",
    "before_delivery",
    "fault_claim_before_delivery",
    "refund_only",
    "merchant_fault_reason",
    "shop_prior_orders",
    "shop_claim_rate_bp",
)

# times on a coarse grid (half hours over four days) so that ties are common
moments = st.integers(0, 8 * 24).map(lambda k: T0 + timedelta(minutes=30 * k))

orders = st.lists(
    st.tuples(st.sampled_from(["B1", "B2", "B3"]), st.sampled_from(["S1", "S2"]), moments),
    min_size=1,
    max_size=8,
)
claims = st.lists(
    st.tuples(
        st.integers(0, 7),  # which order
        st.integers(0, 6 * 24),  # half hours after payment
        st.sampled_from(["refund_only", "return_refund"]),
        st.sampled_from(["quality", "changed_mind"]),
        st.lists(st.sampled_from(["p1", "p2", "p3", "listing-S1"]), max_size=2),
        st.sampled_from([("approved", "merchant"), ("rejected", "buyer"), ("open", "")]),
    ),
    min_size=1,
    max_size=8,
)
deliveries = st.lists(st.tuples(st.integers(0, 7), st.integers(0, 5 * 24)), max_size=5)


def _history(
    con: duckdb.DuckDBPyConnection, drawn_orders: list[Any], drawn_claims: list[Any], drawn: Any
) -> list[tuple[str, dict[str, Any]]]:
    """Write the history to the warehouse; return its events for the online state."""
    add_shop(con, "S1")
    add_shop(con, "S2")
    con.execute(
        "INSERT INTO products (sku_id, shop_id, category_id, title, price_fen, image_refs) "
        "VALUES ('K1', 'S1', 'C03010', 'tee', 9990, ['listing-S1'])"
    )
    events: list[tuple[str, dict[str, Any]]] = []
    paid: dict[str, datetime] = {}
    for i, (buyer, shop, at) in enumerate(drawn_orders):
        order_id = f"O{i}"
        add_order(con, order_id, buyer, shop_id=shop, paid_at=at)
        paid[order_id] = at
        row = con.execute(
            "SELECT " + ", ".join(ORDER_FIELDS) + " FROM orders WHERE order_id = ?", [order_id]
        ).fetchone()
        assert row is not None
        events.append(("order", dict(zip(ORDER_FIELDS, row, strict=True))))
    seen_deliveries: set[str] = set()
    for which, after in drawn:
        order_id = f"O{which % len(drawn_orders)}"
        if order_id in seen_deliveries:
            continue
        seen_deliveries.add(order_id)
        at = paid[order_id] + timedelta(minutes=30 * after)
        add_delivery(con, order_id, at)
        events.append(("delivery", {"order_id": order_id, "at": at}))
    for i, (which, after, kind, reason, images, (outcome, party)) in enumerate(drawn_claims):
        order_id = f"O{which % len(drawn_orders)}"
        at = paid[order_id] + timedelta(minutes=30 * after)
        add_claim(
            con,
            f"A{i}",
            order_id,
            requested_at=at,
            type_=kind,
            reason=reason,
            images=images,
            outcome=outcome,
            responsible=party or "merchant",
        )
        closed = None if outcome == "open" else at + timedelta(hours=1)
        events.append(
            (
                "claim",
                {
                    "case_id": f"A{i}",
                    "order_id": order_id,
                    "at": at,
                    "type": kind,
                    "images": images,
                    "outcome": outcome,
                    "party": party or "merchant",
                    "closed": closed,
                },
            )
        )
    return events


def _apply(state: RiskState, kind: str, e: dict[str, Any]) -> None:
    if kind == "order":
        state.add_order(e)
    elif kind == "delivery":
        state.add_delivery(e["order_id"], "delivered", e["at"])
    else:
        state.add_claim(
            e["case_id"],
            e["order_id"],
            e["at"],
            e["type"],
            e["images"],
            e["outcome"],
            e["party"],
            e["closed"],
        )


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(drawn_orders=orders, drawn_claims=claims, drawn=deliveries, order=st.randoms())
def test_features_equal_the_batch_features_in_any_arrival_order(
    tmp_path: Path, drawn_orders: Any, drawn_claims: Any, drawn: Any, order: Any
) -> None:
    path = tmp_path / f"h{order.random()}.duckdb"
    con = connect(path)
    try:
        events = _history(con, drawn_orders, drawn_claims, drawn)
        build_batch_features(con)
        cursor = con.execute("SELECT * FROM _risk_features")
        names = [d[0] for d in cursor.description]
        batch = {r[0]: dict(zip(names, r, strict=True)) for r in cursor.fetchall()}
        requests = con.execute(
            "SELECT case_id, order_id, requested_at, type, reason_code, amount_fen, "
            "evidence_images FROM after_sales"
        ).fetchall()
        ref = Reference.load(con)
        state = RiskState()
        state.listing_images = {"S1": {"listing-S1"}}
        # orders first (a claim needs its order), the rest shuffled
        head = [e for e in events if e[0] == "order"]
        tail = [e for e in events if e[0] != "order"]
        order.shuffle(head)
        order.shuffle(tail)
        for kind, e in head + tail:
            _apply(state, kind, e)
        assert set(batch) == {r[0] for r in requests}
        for case_id, order_id, at, kind, reason, amount, images in requests:
            request = RiskRequest(case_id, order_id, at, kind, reason, amount, tuple(images or ()))
            online = state.features(request, ref)
            expected = {f: batch[case_id][f] for f in FEATURES}
            assert {f: online[f] for f in FEATURES} == expected, case_id
    finally:
        con.close()
        path.unlink(missing_ok=True)


def test_an_event_applied_twice_counts_once(tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    try:
        add_shop(con, "S1")
        add_order(con, "O1", "B1", paid_at=T0)
        ref = Reference.load(con)
        row = con.execute("SELECT " + ", ".join(ORDER_FIELDS) + " FROM orders").fetchone()
        assert row is not None
    finally:
        con.close()
    state = RiskState()
    order = dict(zip(ORDER_FIELDS, row, strict=True))
    assert state.add_order(order)
    assert not state.add_order(order)
    at = T0 + timedelta(hours=1)
    assert state.add_claim("A1", "O1", at, "refund_only", ["p"], "approved", "merchant", None)
    assert not state.add_claim("A1", "O1", at, "refund_only", ["p"], "approved", "merchant", None)
    later = RiskRequest("A2", "O1", at + timedelta(hours=1), "refund_only", "quality", 1, ("p",))
    features = state.features(later, ref)
    assert features["buyer_prior_claims"] == 1
    assert features["buyer_prior_orders"] == 1
    assert features["reused_images"] == 1
