"""The inbox on SQLite and PostgreSQL: once per event id, in order, drained exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, text, update

from merchantry.model.tables import TABLES_BY_NAME
from merchantry.ops import open_ops
from merchantry.ops.tables import online_inbox
from merchantry.service.inbox import (
    InboxReader,
    Refusal,
    drain_inbox,
    drained_through,
    read_since,
    record_accepted,
    record_refused,
    recorded,
)
from merchantry.store.warehouse import connect
from tests.risk.factories import T0, add_shop

ORDERS = TABLES_BY_NAME["orders"]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    else:
        url = request.getfixturevalue("postgres_url")
        cleaner = create_engine(url)
        with (
            cleaner.begin() as conn
        ):  # every table any earlier test migrated in, whoever declares it
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        cleaner.dispose()
    engine = open_ops(url)
    try:
        yield engine
    finally:
        engine.dispose()


def order(order_id: str, at: datetime) -> dict[str, Any]:
    return {
        "order_id": order_id,
        "shop_id": "S1",
        "buyer_id": "B1",
        "sku_id": "K1",
        "quantity": 1,
        "paid_at": at,
        "goods_fen": 9990,
        "shipping_fen": 0,
        "platform_coupon_fen": 0,
        "merchant_coupon_fen": 0,
        "amount_paid_fen": 9990,
        "scene": "live",
        "entry_point": "douyin_app",
        "ad_cost_fen": 0,
        "is_gift": False,
        "buyer_device_hash": "d1",
        "buyer_phone_hash": "p1",
        "buyer_address_hash": "a1",
        "buyer_payment_hash": "y1",
    }


def test_an_event_id_is_recorded_once_and_read_in_order(engine: Engine) -> None:
    first = record_accepted(engine, "orders", [("O1", order("O1", T0))], "k1")
    again = record_accepted(engine, "orders", [("O1", order("O1", T0 + timedelta(1)))], "k2")
    more = record_accepted(
        engine, "orders", [("O2", order("O2", T0)), ("O3", order("O3", T0))], "k1"
    )
    assert again == first
    assert first["O1"] < more["O2"] < more["O3"]
    events = read_since(engine, 0)
    assert [e.row["order_id"] for e in events] == ["O1", "O2", "O3"]
    assert events[0].row["paid_at"] == T0  # the first body stands, typed again
    reader = InboxReader(engine)
    try:
        assert [e.seq for e in reader.read_since(first["O1"])] == [more["O2"], more["O3"]]
    finally:
        reader.close()


def test_a_drain_moves_each_event_once_even_after_a_crash(engine: Engine, tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    try:
        add_shop(con, "S1")
        con.execute(
            "INSERT INTO products (sku_id, shop_id, category_id, title, price_fen, image_refs) "
            "VALUES ('K1', 'S1', 'C03010', 'tee', 9990, [])"
        )
        seqs = record_accepted(
            engine, "orders", [(f"O{i}", order(f"O{i}", T0)) for i in range(3)], None
        )
        record_refused(
            engine,
            "orders",
            [Refusal(0, "X", "paid_at", "bad_timestamp", "not a time", "{}")],
            None,
        )
        run = drain_inbox(engine, con)
        assert (run.events, run.accepted, run.quarantined, run.refused_copied) == (3, 3, 0, 1)
        assert drained_through(con) == max(seqs.values())
        # a crash after the warehouse committed but before the inbox was marked
        with engine.begin() as conn:
            conn.execute(update(online_inbox).values(drained_at=None))
        again = drain_inbox(engine, con)
        assert (again.events, again.refused_copied) == (0, 0)
        assert con.execute("SELECT count(*) FROM orders").fetchone() == (3,)
        assert con.execute(
            "SELECT column_name, reason FROM quarantine WHERE source_file = 'api:orders'"
        ).fetchall() == [("paid_at", "bad_timestamp")]
        later = record_accepted(engine, "orders", [("O9", order("O9", T0))], None)
        third = drain_inbox(engine, con)
        assert (third.events, third.through_seq) == (1, later["O9"])
    finally:
        con.close()


def test_looking_up_recorded_events_does_not_wait_for_a_writer(engine: Engine) -> None:
    """On SQLite every transaction starts with the write lock (BEGIN IMMEDIATE) so that a
    read-then-write never fails; the lookup only reads, so while another connection
    holds the lock it still answers (before, it waited for the lock: 30 s, then failed)."""
    seqs = record_accepted(engine, "orders", [("O1", order("O1", T0))], None)
    with engine.begin() as writing:
        writing.execute(update(online_inbox).values(key_id="held"))  # holds the write lock
        assert recorded(engine, "orders", ["O1", "O2"]) == {"O1": seqs["O1"]}
