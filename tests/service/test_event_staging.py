"""Posted events are staged from Python exactly as the ingest stages a JSONL file.

The oracle is the ingest's own JSONL staging (:func:`stage_jsonl`, SQL over the
lines); the desk's Python staging must give the same row for every event, and must
hand any batch it cannot stage plainly to that SQL path.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from merchantry.ingest.stage import FilePart, create_stage, stage_jsonl
from merchantry.model.tables import TABLES_BY_NAME
from merchantry.service.online import desk as desk_module
from merchantry.service.online.desk import STAGE, EventDesk, stage_rows

ORDER: dict[str, Any] = {
    "order_id": "O1",
    "shop_id": "S1",
    "buyer_id": "B1",
    "sku_id": "K1",
    "quantity": 2,
    "paid_at": "2026-03-14 10:02:11",
    "goods_fen": 12_900,
    "shipping_fen": 0,
    "platform_coupon_fen": None,
    "amount_paid_fen": -5,
    "scene": "",
    "is_gift": True,
}

PLAIN: dict[str, list[dict[str, Any]]] = {
    "orders": [
        ORDER,
        {**ORDER, "order_id": "O2", "is_gift": False, "quantity": "three", "scene": "直播/live"},
        {"order_id": "O3"},
        {**ORDER, "order_id": "", "goods_fen": 2**62},
    ],
    "after_sales": [
        {
            "case_id": "AS1",
            "order_id": "O1",
            "requested_at": "2026-03-15 09:00:00",
            "type": "refund_only",
            "evidence_images": ["a/1.jpg", "b|2.jpg", "图"],
        },
        {"case_id": "AS2", "order_id": "O1", "evidence_images": "x.jpg|y.jpg"},
        {"case_id": "AS3", "order_id": "O1", "evidence_images": []},
        {"case_id": "AS4", "order_id": "O1", "evidence_images": ""},
        {"case_id": "AS5", "order_id": "O1", "evidence_images": None},
    ],
}

NOT_PLAIN: list[list[Any]] = [
    [ORDER, {**ORDER, "no_such_column": 1}],
    [ORDER, {**ORDER, "goods_fen": 12.5}],
    [ORDER, {**ORDER, "goods_fen": {"yuan": 129}}],
    [ORDER, ["not", "an", "object"]],
    [ORDER, {**ORDER, "goods_fen": 2**64}],
]


def staged(desk: EventDesk) -> list[tuple[Any, ...]]:
    return desk.con.execute(f"SELECT * FROM {STAGE} ORDER BY _row").fetchall()


def by_sql(desk: EventDesk, table_name: str, lines: list[str], tmp_path: Path) -> None:
    path = tmp_path / f"{table_name}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = TABLES_BY_NAME[table_name]
    create_stage(desk.con, STAGE, table)
    stage_jsonl(desk.con, STAGE, table, path, FilePart(0, 0), lambda _n: None)


@pytest.mark.parametrize("table_name", sorted(PLAIN))
def test_plain_events_stage_as_the_jsonl_ingest_stages_them(
    table_name: str, tmp_path: Path
) -> None:
    events = PLAIN[table_name]
    lines = [json.dumps(e, ensure_ascii=False) for e in events]
    table = TABLES_BY_NAME[table_name]
    assert isinstance(stage_rows(table, events, lines), pa.Table)
    desk = EventDesk()
    by_sql(desk, table_name, lines, tmp_path)
    expected = staged(desk)
    desk.stage(table, events, lines)
    assert staged(desk) == expected
    assert len(expected) == len(events)


@pytest.mark.parametrize("events", NOT_PLAIN, ids=["unknown", "float", "nested", "array", "huge"])
def test_other_events_go_through_the_jsonl_ingest(events: list[Any], tmp_path: Path) -> None:
    lines = [json.dumps(e, ensure_ascii=False) for e in events]
    table = TABLES_BY_NAME["orders"]
    assert stage_rows(table, events, lines) is None
    desk = EventDesk()
    by_sql(desk, "orders", lines, tmp_path)
    expected = staged(desk)
    desk.stage(table, events, lines)
    assert staged(desk) == expected
    problems = [row[4] for row in expected]
    assert problems[0] is None
    assert problems[1] is not None or events[1].get("goods_fen") in (12.5, 2**64)


def test_checks_refuse_the_same_events_either_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the whole check (reference tables empty, so references fail too): the
    refusals of Python-staged events equal those of the same events staged by SQL."""
    table = TABLES_BY_NAME["orders"]
    events = PLAIN["orders"]
    fast = EventDesk().check(table, events)
    monkeypatch.setattr(desk_module, "stage_rows", lambda *_args: None)
    slow = EventDesk().check(table, events)
    assert fast == slow
    assert {r.index for r in fast.refused} == {0, 1, 2, 3}
    quantity = next(r for r in fast.refused if r.index == 1)
    assert "quantity" in quantity.message
