"""CSV and JSON Lines carry the same rows as Parquet, in the agreed conventions."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import pytest

from merchantry.model.tables import TABLES
from merchantry.synth import generate
from tests.synth.market import open_market


@pytest.fixture(scope="module")
def three_formats(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    base = tmp_path_factory.mktemp("formats")
    return {
        fmt: generate(base / fmt, shops=20, days=3, seed=8, fmt=fmt, progress=False).out
        for fmt in ("parquet", "csv", "jsonl")
    }


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_text_formats_hold_the_same_rows_as_parquet(
    three_formats: dict[str, Path], fmt: str
) -> None:
    reference = open_market(three_formats["parquet"])
    other = open_market(three_formats[fmt], fmt)
    for t in TABLES:
        if fmt == "jsonl" and (three_formats[fmt] / f"{t.name}.jsonl").stat().st_size == 0:
            # An empty JSON Lines file carries no columns; only a table with no rows has one.
            assert reference.table(t.name).count("*").fetchall() == [(0,)], t.name
            continue
        assert tuple(other.table(t.name).columns) == t.column_names, t.name
        assert (
            reference.table(t.name).count("*").fetchall()
            == other.table(t.name).count("*").fetchall()
        ), t.name
    money = "SELECT sum(amount_paid_fen), sum(ad_cost_fen), count(creator_id) FROM orders"
    assert reference.execute(money).fetchall() == other.execute(money).fetchall()


def test_csv_follows_the_conventions(three_formats: dict[str, Path]) -> None:
    with (three_formats["csv"] / "orders.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    first = rows[0]
    assert list(first) == list(next(t for t in TABLES if t.name == "orders").column_names)
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", first["paid_at"])
    assert {r["is_gift"] for r in rows} <= {"true", "false"}
    assert any(r["creator_id"] == "" for r in rows)  # NULL is an empty field

    with (three_formats["csv"] / "after_sales.csv").open(encoding="utf-8", newline="") as fh:
        images = [r["evidence_images"] for r in csv.DictReader(fh) if "|" in r["evidence_images"]]
    assert images
    assert all(part.startswith("ev/") for part in images[0].split("|"))


def test_jsonl_has_one_object_per_line_with_lists_as_arrays(
    three_formats: dict[str, Path],
) -> None:
    lines = (three_formats["jsonl"] / "products.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    assert isinstance(first["price_fen"], int)
    assert first["image_refs"] is None or isinstance(first["image_refs"], list)
