"""Ingest with its checks on local Spark leaves DuckDB's warehouse, quarantine included.

A small marketplace (the ingest tests' valid dataset) with bad rows planted for every
check: wrong types, a bad list in JSON, ranges, choices (one in a list column), a row
rule, hidden characters and spaces in ids, missing parents (cascading to children),
times out of order, an event sequence broken within the batch and against stored
events, duplicates in a file, across files and against the warehouse. Two ingests (the
second one a later batch) on two copies of a warehouse, one with DuckDB's checks, one
through ``merchantry ingest --engine spark``; then every table is compared with ``EXCEPT
ALL`` both ways.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.ingest import ingest_dir
from merchantry.kit.errors import ExitCode
from merchantry.store.warehouse import connect
from tests.ingest.dataset import Rows, valid_dataset, write_csv, write_dataset_csv
from tests.spark.test_close_parity import compare

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def first_batch(directory: Path) -> Path:
    data: dict[str, Rows] = valid_dataset()
    orders = data["orders"]  # o1 and o2 stay good: their events, case and review follow
    for n, (column, value) in enumerate(
        (
            ("quantity", "1.5"),
            ("paid_at", "2025-02-30 10:00:00"),
            ("is_gift", "yes"),
            ("shipping_fen", "-100"),
            ("amount_paid_fen", "1"),
            ("shop_id", "s404"),
            ("order_id", " o11"),
        ),
        start=5,
    ):
        row = dict(orders[2], order_id=f"o{n}")
        row[column] = value
        orders.append(row)
    data["shops"][1]["tags"] = "rural|vip"
    data["reviews"][0]["rating"] = "6"
    data["after_sales"][0]["closed_at"] = "2025-03-03 10:00:00"
    events = data["logistics_events"]
    events[2]["event_at"] = "2025-03-01 19:00:00"  # delivered before picked up
    data["products"].append(dict(data["products"][0], sku_id="sku\u200bx"))
    data["products"].append(dict(data["products"][0], sku_id="sku-z "))
    data["products"].append(dict(data["products"][0], sku_id="sku-y", shop_id="s404"))
    data["creators"].append(dict(data["creators"][0]))  # in-file duplicate
    write_dataset_csv(directory, data)
    # orders with lists given as JSON values: bad lists, a trailing comma, a bad choice
    lines = []
    for i, plans in enumerate(
        ([1], ["colonel", None], [["colonel"]], ["colonel", "nope"], ["colonel"], [])
    ):
        row = dict(orders[-1], order_id=f"oj{i}", affiliate_plans=plans)
        lines.append(json.dumps(row, ensure_ascii=False))
    (directory / "orders-00002.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def later_batch(directory: Path) -> Path:
    data = valid_dataset()
    directory.mkdir(parents=True)
    creator = dict(data["creators"][0], creator_id="cr9")
    write_csv(directory / "creators-00001.csv", "creators", [creator, data["creators"][0]])
    write_csv(directory / "creators-00002.csv", "creators", [creator])
    event = {
        "order_id": "o2",
        "event": "delivered",
        "event_at": "2025-03-02 08:30:00",
        "auto_confirmed": "",
        "carrier": "SF",
    }
    write_csv(directory / "logistics_events.csv", "logistics_events", [event])
    return directory


@pytest.mark.slow
def test_ingest_checked_on_spark_leaves_duckdbs_warehouse(
    spark: SparkSession, tmp_path: Path
) -> None:
    batches = [first_batch(tmp_path / "first"), later_batch(tmp_path / "later")]
    on_duckdb, on_spark = tmp_path / "duckdb.duckdb", tmp_path / "spark.duckdb"
    for batch in batches:
        con = connect(on_duckdb)
        try:
            ingest_dir(con, batch, progress=False, max_bad_share=1.0)
        finally:
            con.close()
        result = CliRunner().invoke(
            app,
            [
                "ingest",
                str(batch),
                "--db",
                str(on_spark),
                "--engine",
                "spark",
                "--max-bad-share",
                "1",
                "--no-progress",
            ],
            env={"COLUMNS": "200"},
        )
        assert result.exit_code == ExitCode.OK, result.output
    rows = compare(on_duckdb, on_spark)
    assert rows["quarantine"] >= 20
    con = connect(on_duckdb)
    try:
        reasons = {
            str(r[0]) for r in con.execute("SELECT DISTINCT reason FROM quarantine").fetchall()
        }
    finally:
        con.close()
    assert reasons >= {
        "bad_integer",
        "bad_timestamp",
        "bad_boolean",
        "bad_list",
        "below_minimum",
        "above_maximum",
        "bad_choice",
        "row_check",
        "bad_id",
        "missing_reference",
        "time_order",
        "sequence_order",
        "duplicate_in_file",
        "duplicate_in_batch",
        "duplicate_in_warehouse",
    }
    assert rows["orders"] > 0
    assert rows["logistics_events"] > 0
