"""A small valid marketplace, as rows of text, and writers for each file format.

Every row here passes every check; tests corrupt copies of it and assert what
is quarantined. Values are the CSV text form (lists joined by ``|``, empty =
NULL).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from merchantry.model.schema import ColumnType
from merchantry.model.tables import table

Rows = list[dict[str, str]]


def _order(
    order_id: str, shop: str, sku: str, paid_at: str, goods: int, **extra: str
) -> dict[str, str]:
    row = {
        "order_id": order_id,
        "shop_id": shop,
        "buyer_id": "b-" + order_id,
        "sku_id": sku,
        "quantity": "1",
        "paid_at": paid_at,
        "goods_fen": str(goods),
        "shipping_fen": "0",
        "platform_coupon_fen": "0",
        "merchant_coupon_fen": "0",
        "amount_paid_fen": str(goods),
        "scene": "live",
        "entry_point": "douyin_app",
        "ad_product": "",
        "ad_cost_fen": "0",
        "creator_id": "",
        "commission_rate_bp": "",
        "ad_commission_rate_bp": "",
        "insurance_type": "",
        "insured_by": "",
        "is_gift": "false",
        "buyer_device_hash": "d" + order_id,
        "buyer_phone_hash": "p" + order_id,
        "buyer_address_hash": "a" + order_id,
        "buyer_payment_hash": "y" + order_id,
    }
    row.update(extra)
    return row


def _event(order_id: str, event: str, at: str) -> dict[str, str]:
    confirmed = "true" if event == "receipt_confirmed" else ""
    return {
        "order_id": order_id,
        "event": event,
        "event_at": at,
        "auto_confirmed": confirmed,
        "carrier": "SF",
    }


def valid_dataset() -> dict[str, Rows]:
    """Two categories, two shops, two products, a creator, four orders and their events."""
    return {
        "categories": [
            {
                "category_id": "c1",
                "name": "服饰",
                "industry": "apparel",
                "parent_id": "",
                "after_sales_days": "7",
            },
            {
                "category_id": "c2",
                "name": "T恤",
                "industry": "apparel",
                "parent_id": "c1",
                "after_sales_days": "7",
            },
        ],
        "shops": [
            {
                "shop_id": f"s{i}",
                "name": f"小店{i}",
                "industry": "apparel",
                "main_category_id": "c2",
                "store_type": "enterprise",
                "opened_date": "2024-01-0" + str(i),
                "region": "浙江",
                "county_code": "330106",
                "tags": "new_merchant|rural",
                "entry_plan": "standard",
                "business_mode": "domestic",
            }
            for i in (1, 2)
        ],
        "products": [
            {
                "sku_id": f"k{i}",
                "shop_id": f"s{i}",
                "category_id": "c2",
                "title": f"短袖{i}",
                "price_fen": "5900",
                "image_refs": "img/a.jpg|img/b.jpg",
            }
            for i in (1, 2)
        ],
        "creators": [{"creator_id": "cr1", "name": "达人甲", "tier": "A", "followers": "12000"}],
        "orders": [
            _order("o1", "s1", "k1", "2025-03-01 10:00:00", 5900),
            _order(
                "o2",
                "s1",
                "k1",
                "2025-03-01 11:00:00",
                5900,
                creator_id="cr1",
                commission_rate_bp="2000",
            ),
            _order(
                "o3",
                "s2",
                "k2",
                "2025-03-02 09:30:00",
                11800,
                quantity="2",
                insurance_type="small",
                insured_by="merchant",
            ),
            _order(
                "o4",
                "s2",
                "k2",
                "2025-03-03 20:15:00",
                5900,
                shipping_fen="500",
                platform_coupon_fen="300",
                amount_paid_fen="6100",
            ),
        ],
        "logistics_events": [
            _event("o1", "shipped", "2025-03-01 18:00:00"),
            _event("o1", "picked_up", "2025-03-01 20:00:00"),
            _event("o1", "delivered", "2025-03-03 12:00:00"),
            _event("o1", "receipt_confirmed", "2025-03-10 12:00:00"),
            _event("o2", "shipped", "2025-03-02 08:00:00"),
            _event("o2", "picked_up", "2025-03-02 09:00:00"),
        ],
        "after_sales": [
            {
                "case_id": "a1",
                "order_id": "o1",
                "requested_at": "2025-03-04 10:00:00",
                "type": "return_refund",
                "reason_code": "wrong_size",
                "reason_text": "偏小",
                "evidence_images": "",
                "amount_fen": "5900",
                "compensation_fen": "0",
                "outcome": "approved",
                "responsible_party": "buyer",
                "closed_at": "2025-03-06 10:00:00",
                "escalated": "false",
            },
        ],
        "reviews": [
            {
                "review_id": "r1",
                "order_id": "o1",
                "rating": "5",
                "logistics_rating": "4",
                "text": "很好",
                "created_at": "2025-03-04 09:00:00",
            },
        ],
    }


def write_csv(path: Path, table_name: str, rows: Rows, encoding: str = "utf-8") -> Path:
    """Write rows as CSV with the declared column order as header."""
    names = table(table_name).column_names
    with path.open("w", encoding=encoding, newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(names)
        for row in rows:
            writer.writerow([row.get(n, "") for n in names])
    return path


def write_dataset_csv(directory: Path, data: dict[str, Rows]) -> Path:
    """One ``<table>.csv`` per table."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, rows in data.items():
        write_csv(directory / f"{name}.csv", name, rows)
    return directory


def _typed(table_name: str, rows: Rows) -> dict[str, list[object]]:
    out: dict[str, list[object]] = {}
    for c in table(table_name).columns:
        values: list[object] = []
        for row in rows:
            v = row.get(c.name, "")
            if v == "":
                values.append(None)
            elif c.type is ColumnType.TEXT_LIST:
                values.append(v.split("|"))
            elif c.type in (ColumnType.INT, ColumnType.MONEY, ColumnType.BIGINT):
                values.append(int(v))
            elif c.type is ColumnType.BOOL:
                values.append(v == "true")
            else:
                values.append(v)
        out[c.name] = values
    return out


def write_parquet(path: Path, table_name: str, rows: Rows) -> Path:
    """Parquet with natural types: integers, booleans, lists (times stay text)."""
    pq.write_table(pa.table(_typed(table_name, rows)), path)
    return path


def write_jsonl(path: Path, table_name: str, rows: Rows) -> Path:
    """One JSON object per line, with natural JSON types."""
    data = _typed(table_name, rows)
    with path.open("w", encoding="utf-8") as fh:
        for i in range(len(rows)):
            fh.write(json.dumps({k: v[i] for k, v in data.items()}, ensure_ascii=False) + "\n")
    return path
