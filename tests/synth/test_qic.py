"""QIC-inspected orders (``orders.qic_inspected``) come from their own stream (18).

Marking them takes no draw from any other stream: a market generated with the marking
switched off (every order left unrecorded) is the same market, file for file, except for
that one column of ``orders``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from merchantry.synth import generate, generator
from merchantry.synth.orders import OrderBatch
from merchantry.synth.qic import QIC_INDUSTRIES
from tests.synth.market import digests, open_market, scalar

SIZE = {"shops": 200, "days": 3, "seed": 7, "orders_per_shop_day": 2.0}


def test_marking_qic_moves_no_other_draw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    marked = generate(tmp_path / "marked", progress=False, **SIZE)

    def unmarked(_rng: object, batch: OrderBatch) -> OrderBatch:
        return dataclasses.replace(batch)

    monkeypatch.setattr(generator, "mark_qic", unmarked)
    plain = generate(tmp_path / "plain", progress=False, **SIZE)

    one, other = digests(marked.out), digests(plain.out)
    assert {name for name in one if one[name] != other[name]} == {"orders.parquet"}
    with_mark = pq.read_table(marked.out / "orders.parquet")
    without = pq.read_table(plain.out / "orders.parquet")
    assert with_mark.drop(["qic_inspected"]).equals(without.drop(["qic_inspected"]))
    assert without.column("qic_inspected").null_count == without.num_rows


def test_only_the_inspected_industries_have_qic_orders(tmp_path: Path) -> None:
    market = generate(tmp_path / "m", progress=False, **SIZE)
    con = open_market(market.out)
    try:
        con.execute(
            "CREATE VIEW o AS SELECT o.qic_inspected, c.industry FROM orders AS o "
            "JOIN products AS p USING (sku_id) JOIN categories AS c USING (category_id)"
        )
        inspected = scalar(con, "SELECT count(*) FROM o WHERE qic_inspected")
        outside = scalar(
            con,
            "SELECT count(*) FROM o WHERE qic_inspected AND NOT list_contains(?, industry)",
            list(QIC_INDUSTRIES),
        )
        unrecorded = scalar(con, "SELECT count(*) FROM o WHERE qic_inspected IS NULL")
    finally:
        con.close()
    assert inspected > 0
    assert outside == 0
    assert unrecorded == 0
