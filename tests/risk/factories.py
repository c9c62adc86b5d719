"""Small, readable warehouse fixtures for the risk tests: one helper per event kind."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

import duckdb

T0 = datetime(2026, 10, 1, 10, 0)


def add_shop(con: duckdb.DuckDBPyConnection, shop_id: str = "S1") -> None:
    con.execute(
        "INSERT INTO shops (shop_id, name, industry, main_category_id, store_type, opened_date, "
        "region, county_code, tags, entry_plan, business_mode) VALUES "
        "(?, ?, 'apparel', 'C03010', 'enterprise', DATE '2024-01-01', '浙江', '330782', [], "
        "'standard', 'domestic')",
        [shop_id, f"shop {shop_id}"],
    )


def add_order(
    con: duckdb.DuckDBPyConnection,
    order_id: str,
    buyer_id: str,
    *,
    shop_id: str = "S1",
    paid_at: datetime = T0,
    amount_fen: int = 9_990,
    device: str | None = None,
    phone: str | None = None,
    address: str | None = None,
    payment: str | None = None,
    scene: str = "live",
) -> None:
    """An order whose identifiers default to ones private to the buyer."""
    con.execute(
        "INSERT INTO orders (order_id, shop_id, buyer_id, sku_id, quantity, paid_at, goods_fen, "
        "shipping_fen, platform_coupon_fen, merchant_coupon_fen, amount_paid_fen, scene, "
        "entry_point, ad_cost_fen, is_gift, buyer_device_hash, buyer_phone_hash, "
        "buyer_address_hash, buyer_payment_hash) VALUES "
        "(?, ?, ?, 'K1', 1, ?, ?, 0, 0, 0, ?, ?, 'douyin_app', 0, false, ?, ?, ?, ?)",
        [
            order_id,
            shop_id,
            buyer_id,
            paid_at,
            amount_fen,
            amount_fen,
            scene,
            device or f"dev-{buyer_id}",
            phone or f"tel-{buyer_id}",
            address or f"addr-{buyer_id}",
            payment or f"pay-{buyer_id}",
        ],
    )


def add_claim(
    con: duckdb.DuckDBPyConnection,
    case_id: str,
    order_id: str,
    *,
    requested_at: datetime = T0 + timedelta(days=2),
    type_: str = "refund_only",
    reason: str = "quality",
    images: Sequence[str] = (),
    amount_fen: int = 9_990,
    outcome: str = "approved",
    responsible: str = "merchant",
) -> None:
    closed = None if outcome == "open" else requested_at + timedelta(hours=1)
    con.execute(
        "INSERT INTO after_sales (case_id, order_id, requested_at, type, reason_code, "
        "evidence_images, amount_fen, compensation_fen, outcome, responsible_party, closed_at, "
        "escalated) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, false)",
        [
            case_id,
            order_id,
            requested_at,
            type_,
            reason,
            list(images) or None,
            amount_fen,
            outcome,
            responsible,
            closed,
        ],
    )


def add_delivery(con: duckdb.DuckDBPyConnection, order_id: str, at: datetime) -> None:
    con.execute(
        "INSERT INTO logistics_events (order_id, event, event_at, carrier) "
        "VALUES (?, 'delivered', ?, '顺丰速运')",
        [order_id, at],
    )
