"""Deliberately corrupted inputs: every row is accounted for, each bad one with its reason.

Row numbers are 1-based data rows: the CSV header is not a row, so the first
record under the header is row 1.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from merchantry.ingest import ingest_dir
from merchantry.kit.errors import InputError
from tests.ingest.conftest import keys, quarantined
from tests.ingest.dataset import (
    Rows,
    write_csv,
    write_dataset_csv,
    write_jsonl,
    write_parquet,
)


def _ingest(con: duckdb.DuckDBPyConnection, directory: Path):  # type: ignore[no-untyped-def]
    report = ingest_dir(con, directory, progress=False)
    for table in report.tables:
        assert table.is_balanced, table
    return report


def test_valid_dataset_is_accepted_whole(warehouse: duckdb.DuckDBPyConnection, valid_dir: Path):
    report = _ingest(warehouse, valid_dir)
    assert report.quarantined == 0
    assert report.table("orders").accepted == 4
    assert report.table("logistics_events").accepted == 6
    assert quarantined(warehouse) == set()


def test_wrong_types_are_named_by_column(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, base: dict[str, Rows]
):
    orders = base["orders"]
    orders[0]["quantity"] = "1.5"  # row 1: not a whole number (DuckDB would round it)
    orders[1]["paid_at"] = "2025-02-30 10:00:00"  # row 2: no such day
    orders[2]["is_gift"] = "yes"  # row 3: booleans are true/false
    orders[3]["goods_fen"] = "59.00"  # row 4: money is whole fen
    report = _ingest(warehouse, write_dataset_csv(tmp_path / "in", base))
    assert {q for q in quarantined(warehouse) if q[0] == "orders.csv"} == {
        ("orders.csv", 1, "quantity", "bad_integer"),
        ("orders.csv", 2, "paid_at", "bad_timestamp"),
        ("orders.csv", 3, "is_gift", "bad_boolean"),
        ("orders.csv", 4, "goods_fen", "bad_integer"),
    }
    assert report.table("orders").accepted == 0


def test_ranges_choices_and_row_rules(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, base: dict[str, Rows]
):
    base["orders"][0]["shipping_fen"] = "-100"  # negative money
    base["orders"][1]["scene"] = "tv"  # not a scene
    base["orders"][2]["amount_paid_fen"] = "1"  # breaks the amount identity
    base["reviews"][0]["rating"] = "6"  # ratings are 1-5
    base["shops"][1]["tags"] = "rural|vip"  # one list element outside the choices
    _ingest(warehouse, write_dataset_csv(tmp_path / "in", base))
    assert quarantined(warehouse) >= {
        ("orders.csv", 1, "shipping_fen", "below_minimum"),
        ("orders.csv", 2, "scene", "bad_choice"),
        ("orders.csv", 3, "amount_paid_fen", "row_check"),
        ("reviews.csv", 1, "rating", "above_maximum"),
        ("shops.csv", 2, "tags", "bad_choice"),
    }


def test_a_row_with_several_problems_is_quarantined_once_listing_all(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, base: dict[str, Rows]
):
    base["orders"][0]["quantity"] = "x"
    base["orders"][0]["scene"] = "tv"
    _ingest(warehouse, write_dataset_csv(tmp_path / "in", base))
    rows = warehouse.execute(
        "SELECT column_name, reason, message FROM quarantine WHERE table_name = 'orders'"
    ).fetchall()
    assert len(rows) == 1
    column, reason, message = rows[0]
    assert (column, reason) == ("quantity", "bad_integer")  # the first problem in check order
    assert "quantity 'x' is not a whole number" in message
    assert "scene 'tv' is not one of" in message


def test_missing_references_cascade_to_children(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, base: dict[str, Rows]
):
    base["orders"][0]["shop_id"] = "s404"  # order o1: unknown shop
    report = _ingest(warehouse, write_dataset_csv(tmp_path / "in", base))
    found = quarantined(warehouse)
    assert ("orders.csv", 1, "shop_id", "missing_reference") in found
    # o1 was not accepted, so its events, after-sales case and review have no order.
    assert {q for q in found if q[0] == "logistics_events.csv"} == {
        ("logistics_events.csv", n, "order_id", "missing_reference") for n in (1, 2, 3, 4)
    }
    assert ("reviews.csv", 1, "order_id", "missing_reference") in found
    assert report.table("logistics_events").accepted == 2


def test_times_out_of_order(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, base: dict[str, Rows]
):
    events = base["logistics_events"]
    events[0]["event_at"] = "2025-03-01 09:00:00"  # o1 shipped before it was paid (10:00)
    events[2]["event_at"] = "2025-03-01 19:00:00"  # o1 delivered before picked up (20:00)
    base["after_sales"][0]["closed_at"] = "2025-03-03 10:00:00"  # closed before requested
    _ingest(warehouse, write_dataset_csv(tmp_path / "in", base))
    found = quarantined(warehouse)
    assert ("logistics_events.csv", 1, "event_at", "time_order") in found
    assert ("logistics_events.csv", 3, "event_at", "sequence_order") in found
    assert ("after_sales.csv", 1, "closed_at", "time_order") in found
    stored = warehouse.execute(
        "SELECT event FROM logistics_events WHERE order_id = 'o1'"
    ).fetchall()
    assert {e for (e,) in stored} == {"picked_up", "receipt_confirmed"}


def test_a_case_requested_before_its_order_was_paid_is_quarantined(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, base: dict[str, Rows]
):
    """The daily close reads a day's cases from its orders' first payment day on
    (``docs/ledger.md``): it relies on ingest never storing a case older than its order."""
    case = base["after_sales"][0]
    case["requested_at"] = "2025-03-01 09:00:00"  # o1 was paid at 10:00
    case["closed_at"] = "2025-03-01 09:30:00"
    _ingest(warehouse, write_dataset_csv(tmp_path / "in", base))
    assert ("after_sales.csv", 1, "requested_at", "time_order") in quarantined(warehouse)
    assert warehouse.execute("SELECT count(*) FROM after_sales").fetchone() == (0,)


def test_sequence_counts_events_already_stored(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, base: dict[str, Rows]
):
    _ingest(warehouse, write_dataset_csv(tmp_path / "first", base))
    later = tmp_path / "second"
    later.mkdir()
    # o2 was picked up at 09:00 on 03-02 (stored); a delivery before that is out of order.
    write_csv(
        later / "logistics_events.csv",
        "logistics_events",
        [
            {
                "order_id": "o2",
                "event": "delivered",
                "event_at": "2025-03-02 08:30:00",
                "auto_confirmed": "",
                "carrier": "SF",
            },
        ],
    )
    _ingest(warehouse, later)
    assert ("logistics_events.csv", 1, "event_at", "sequence_order") in quarantined(warehouse)


def test_duplicates_in_file_across_files_and_against_the_warehouse(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, base: dict[str, Rows]
):
    _ingest(warehouse, write_dataset_csv(tmp_path / "first", base))
    later = tmp_path / "second"
    later.mkdir()
    new = dict(base["creators"][0], creator_id="cr2")
    write_csv(later / "creators-00001.csv", "creators", [new, new])  # row 2 repeats row 1
    write_csv(later / "creators-00002.csv", "creators", [new, base["creators"][0]])
    report = _ingest(warehouse, later)
    assert quarantined(warehouse) == {
        ("creators-00001.csv", 2, "creator_id", "duplicate_in_file"),
        ("creators-00002.csv", 1, "creator_id", "duplicate_in_batch"),
        ("creators-00002.csv", 2, "creator_id", "duplicate_in_warehouse"),
    }
    assert report.table("creators").accepted == 1
    assert keys(warehouse, "creators", "creator_id") == {"cr1", "cr2"}


def test_broken_bytes_in_a_utf8_file_quarantine_only_their_row(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, base: dict[str, Rows]
):
    directory = write_dataset_csv(tmp_path / "in", base)
    path = directory / "shops.csv"
    lines = path.read_bytes().split(b"\n")
    lines[2] = lines[2].replace("小店2".encode(), b"\xff\xfe" + "店".encode())  # data row 2
    path.write_bytes(b"\n".join(lines))
    report = _ingest(warehouse, directory)
    assert {q for q in quarantined(warehouse) if q[0] == "shops.csv"} == {
        ("shops.csv", 2, None, "broken_encoding")
    }
    shops = next(f for f in report.files if f.table == "shops")
    assert shops.encoding == "utf-8"
    raw = warehouse.execute("SELECT raw FROM quarantine WHERE table_name = 'shops'").fetchall()[0]
    assert "\\xff\\xfe" in raw[0]


def test_a_valid_gbk_file_is_read_as_gb18030(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, base: dict[str, Rows]
):
    directory = write_dataset_csv(tmp_path / "in", base)
    write_csv(directory / "shops.csv", "shops", base["shops"], encoding="gbk")
    report = _ingest(warehouse, directory)
    shops = next(f for f in report.files if f.table == "shops")
    assert (shops.encoding, shops.accepted, shops.quarantined) == ("gb18030", 2, 0)
    assert keys(warehouse, "shops", "name") == {"小店1", "小店2"}


def test_truncated_lines_and_unterminated_quotes(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, base: dict[str, Rows]
):
    directory = write_dataset_csv(tmp_path / "in", base)
    path = directory / "creators.csv"
    path.write_text(
        "creator_id,name,tier,followers\n"
        "cr1,达人甲,A,12000\n"
        "cr2,达人乙\n"  # truncated: 2 of 4 fields
        "\n"  # an empty line is a row too
        'cr3,"达人丙,B,5\n',  # the quote never closes (a truncated file)
        encoding="utf-8",
    )
    report = _ingest(warehouse, directory)
    assert {q for q in quarantined(warehouse) if q[0] == "creators.csv"} == {
        ("creators.csv", 2, None, "wrong_field_count"),
        ("creators.csv", 3, None, "wrong_field_count"),
        ("creators.csv", 4, None, "malformed_row"),
    }
    assert report.table("creators").read == 4


def test_bad_json_lines_and_unknown_keys(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, base: dict[str, Rows]
):
    directory = write_dataset_csv(tmp_path / "in", base)
    (directory / "creators.csv").unlink()
    path = write_jsonl(directory / "creators.jsonl", "creators", base["creators"])
    good = {"creator_id": "cr2", "name": "乙", "tier": "B", "followers": 10}
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"creator_id": "cr3", "name": \n')  # row 2: cut off
        fh.write("[1, 2]\n")  # row 3: not an object
        fh.write(json.dumps({**good, "nickname": "x"}) + "\n")  # row 4: undeclared key
        fh.write(json.dumps({**good, "followers": "many"}) + "\n")  # row 5: bad integer
        fh.write(json.dumps(good) + "\n")  # row 6: fine
    report = _ingest(warehouse, directory)
    assert {q for q in quarantined(warehouse) if q[0] == "creators.jsonl"} == {
        ("creators.jsonl", 2, None, "bad_json"),
        ("creators.jsonl", 3, None, "bad_json"),
        ("creators.jsonl", 4, "nickname", "unknown_column"),
        ("creators.jsonl", 5, "followers", "bad_integer"),
    }
    assert report.table("creators").accepted == 2


def test_parquet_rows_are_checked_like_any_other(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, base: dict[str, Rows]
):
    directory = write_dataset_csv(tmp_path / "in", base)
    (directory / "products.csv").unlink()
    base["products"][1]["price_fen"] = "-1"
    write_parquet(directory / "products.parquet", "products", base["products"])
    _ingest(warehouse, directory)
    assert ("products.parquet", 2, "price_fen", "below_minimum") in quarantined(warehouse)
    raw = warehouse.execute("SELECT raw FROM quarantine WHERE table_name = 'products'").fetchall()[
        0
    ]
    assert json.loads(raw[0])["sku_id"] == "k2"
    assert keys(warehouse, "products", "sku_id") == {"k1"}


def test_a_missing_column_quarantines_every_row_of_the_file(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, base: dict[str, Rows]
):
    directory = write_dataset_csv(tmp_path / "in", base)
    (directory / "creators.csv").write_text("creator_id,name,tier\ncr1,甲,A\n", encoding="utf-8")
    _ingest(warehouse, directory)
    assert {q for q in quarantined(warehouse) if q[0] == "creators.csv"} == {
        ("creators.csv", 1, "followers", "missing_column")
    }


def test_unknown_files_are_reported_not_skipped_silently(
    warehouse: duckdb.DuckDBPyConnection, valid_dir: Path
):
    (valid_dir / "notes.txt").write_text("hello", encoding="utf-8")
    (valid_dir / "payments.csv").write_text("a\n1\n", encoding="utf-8")
    report = _ingest(warehouse, valid_dir)
    assert {Path(u.path).name for u in report.unknown} == {"notes.txt", "payments.csv"}


def test_an_unreadable_file_stops_the_ingest_and_changes_nothing(
    warehouse: duckdb.DuckDBPyConnection, valid_dir: Path
):
    (valid_dir / "reviews.parquet").write_bytes(b"this is not parquet")
    with pytest.raises(InputError, match=r"reviews\.parquet"):
        ingest_dir(warehouse, valid_dir, progress=False)
    assert warehouse.execute("SELECT count(*) FROM orders").fetchone() == (0,)
    assert warehouse.execute("SELECT count(*) FROM ingest_files").fetchone() == (0,)


def test_a_missing_directory_is_an_input_error(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
):
    with pytest.raises(InputError, match="does not exist"):
        ingest_dir(warehouse, tmp_path / "nowhere", progress=False)


def test_the_quarantine_file_lists_every_quarantined_row(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, base: dict[str, Rows]
):
    base["orders"][0]["scene"] = "tv"
    out = tmp_path / "out" / "quarantine.csv"
    report = ingest_dir(
        warehouse, write_dataset_csv(tmp_path / "in", base), quarantine_file=out, progress=False
    )
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[:6] == [
        "ingest_id",
        "source_file",
        "table_name",
        "row_number",
        "row_key",
        "column_name",
    ]
    assert len(lines) == 1 + report.quarantined
