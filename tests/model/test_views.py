"""The lateness view: late shipped and late delivered are measured against the promise.

Each case below is one order (ship-by 07-02 23:59:59, delivery promised by
07-04 23:59:59, local time, unless said otherwise); the view must answer:

- ``on``: picked up 07-02 20:00, delivered 07-04 10:00: neither late.
- ``edge``: picked up and delivered exactly at the promised second: neither late.
- ``late``: shipped 07-02 10:00 but picked up 07-03 00:00:01, delivered 07-05 00:00:01:
  both late (the carrier's pickup is the hand-over, not the shipping notice).
- ``ship``: only a ``shipped`` event, 07-03 08:00: late shipped (the one hand-over time
  known); not delivered, so late delivery is empty.
- ``none``: no promises: both flags empty, whatever happened.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb

from merchantry.store.warehouse import connect

ORDERS = [
    ("on", "2026-07-02 23:59:59", "2026-07-04 23:59:59"),
    ("edge", "2026-07-02 23:59:59", "2026-07-04 23:59:59"),
    ("late", "2026-07-02 23:59:59", "2026-07-04 23:59:59"),
    ("ship", "2026-07-02 23:59:59", "2026-07-04 23:59:59"),
    ("none", None, None),
]
EVENTS = [
    ("on", "shipped", "2026-07-02 10:00:00"),
    ("on", "picked_up", "2026-07-02 20:00:00"),
    ("on", "delivered", "2026-07-04 10:00:00"),
    ("edge", "picked_up", "2026-07-02 23:59:59"),
    ("edge", "delivered", "2026-07-04 23:59:59"),
    ("late", "shipped", "2026-07-02 10:00:00"),
    ("late", "picked_up", "2026-07-03 00:00:01"),
    ("late", "delivered", "2026-07-05 00:00:01"),
    ("ship", "shipped", "2026-07-03 08:00:00"),
    ("none", "picked_up", "2026-07-05 09:00:00"),
    ("none", "delivered", "2026-07-06 09:00:00"),
]
EXPECTED = {
    "on": (False, False),
    "edge": (False, False),
    "late": (True, True),
    "ship": (True, None),
    "none": (None, None),
}


def _load(con: duckdb.DuckDBPyConnection) -> None:
    for order_id, ship_by, promised in ORDERS:
        con.execute(
            "INSERT INTO orders (order_id, shop_id, paid_at, ship_by_at, promised_delivery_at) "
            "VALUES (?, 'S1', TIMESTAMP '2026-07-01 21:00:00', ?, ?)",
            [order_id, ship_by, promised],
        )
    con.executemany(
        "INSERT INTO logistics_events (order_id, event, event_at) VALUES (?, ?, ?)", EVENTS
    )


def test_lateness_is_measured_against_the_promise(warehouse: duckdb.DuckDBPyConnection) -> None:
    _load(warehouse)
    got = {
        o: (s, d)
        for o, s, d in warehouse.execute(
            "SELECT order_id, late_shipped, late_delivered FROM order_fulfilment"
        ).fetchall()
    }
    assert got == EXPECTED


def test_an_order_not_yet_handed_over_is_late_once_its_deadline_passed(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    """The documented as-of rule for a score date D."""
    _load(warehouse)
    warehouse.execute(
        "INSERT INTO orders (order_id, shop_id, paid_at, ship_by_at) VALUES "
        "('waiting', 'S1', TIMESTAMP '2026-07-01 21:00:00', TIMESTAMP '2026-07-02 23:59:59')"
    )
    rule = (
        "SELECT order_id FROM order_fulfilment "
        "WHERE late_shipped OR (awaiting_hand_over AND ship_by_at < ?) ORDER BY 1"
    )
    assert warehouse.execute(rule, [datetime(2026, 7, 2, 12)]).fetchall() == [
        ("late",),
        ("ship",),
    ]
    assert warehouse.execute(rule, [datetime(2026, 7, 3)]).fetchall() == [
        ("late",),
        ("ship",),
        ("waiting",),
    ]


def test_a_checkout_of_several_lines_is_one_placed_order(
    warehouse: duckdb.DuckDBPyConnection,
) -> None:
    warehouse.execute(
        "INSERT INTO orders (order_id, shop_id, paid_at, parent_order_id) VALUES "
        "('P-1', 'S1', TIMESTAMP '2026-07-01 21:00:00', 'P'), "
        "('P-2', 'S1', TIMESTAMP '2026-07-01 21:00:00', 'P'), "
        "('Q', 'S1', TIMESTAMP '2026-07-01 22:00:00', NULL)"
    )
    assert warehouse.execute(
        "SELECT count(*), count(DISTINCT placed_order_id) FROM order_fulfilment"
    ).fetchall() == [(3, 2)]


def test_a_warehouse_made_before_the_promises_opens_with_them_empty(tmp_path: Path) -> None:
    """An older file (no promise columns yet) keeps its rows and gains empty promises."""
    db = tmp_path / "old.duckdb"
    con = connect(db)
    con.execute("DROP VIEW order_fulfilment")
    for column in ("ship_by_at", "promised_delivery_at", "parent_order_id"):
        con.execute(f"ALTER TABLE orders DROP COLUMN {column}")
    con.execute("INSERT INTO orders (order_id, shop_id) VALUES ('old', 'S1')")
    con.close()
    con = connect(db)
    assert con.execute(
        "SELECT order_id, ship_by_at, placed_order_id, late_shipped FROM order_fulfilment"
    ).fetchall() == [("old", None, "old", None)]
    con.close()
