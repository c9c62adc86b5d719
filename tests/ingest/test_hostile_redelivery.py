"""Hostile input, class `redelivery`: each case of `tests.ingest.hostile`, through the command."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.ingest.dataset import valid_dataset, write_csv
from tests.ingest.hostile import Case, run_cli
from tests.ingest.hostile_cases import assert_accounted, cases_of


@pytest.mark.parametrize("case", cases_of("redelivery"))
def test_every_row_is_accounted_for_and_nothing_is_garbled(case: Case, tmp_path: Path):
    assert_accounted(case, tmp_path)


def _shops_only(directory: Path, shop_ids: list[str], name: str = "shops.csv") -> None:
    rows = [dict(valid_dataset()["shops"][0], shop_id=s) for s in shop_ids]
    write_csv(directory / name, "shops", rows)


def _first_delivery(directory: Path) -> None:
    """Categories, shop s1 only, and both products (k2 belongs to the missing shop s2)."""
    data = valid_dataset()
    directory.mkdir(parents=True, exist_ok=True)
    write_csv(directory / "categories.csv", "categories", data["categories"])
    _shops_only(directory, ["s1"])
    write_csv(directory / "products.csv", "products", data["products"])


def _counts(db: Path, table: str) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = con.execute(f"SELECT count(*) FROM {table}").fetchone()
        return int(found[0]) if found else 0
    finally:
        con.close()


def test_rows_missing_their_parent_are_read_again_once_it_arrives(tmp_path: Path):
    directory, db = tmp_path / "in", tmp_path / "w.duckdb"
    _first_delivery(directory)
    base = ["ingest", str(directory), "--db", str(db), "--no-progress"]
    code, output = run_cli([*base, "--max-bad-share", "1"])
    assert code == 0, output
    assert _counts(db, "products") == 1  # k2 waits for shop s2
    said = " ".join(output.split())  # and the user is told, naming the missing parent
    assert "1 rows wait for a missing parent (products 1;" in said
    assert "'s2' not found in shops" in said

    # The same files again, the parent still missing: k2 is tried again and stays out.
    code, output = run_cli(base)
    assert code == 0, output  # a retry does not count towards --max-bad-share
    assert "read again 1 rows" in " ".join(output.split())
    assert _counts(db, "products") == 1

    # The parent arrives in a new file; the identical products.csv is offered again.
    _shops_only(directory, ["s2"], name="shops-00002.csv")
    code, output = run_cli(base)
    assert code == 0, output
    assert _counts(db, "products") == 2
    con = duckdb.connect(str(db), read_only=True)
    try:
        reads = con.execute(
            "SELECT rows_read, accepted, quarantined FROM ingest_files "
            "WHERE table_name = 'products' ORDER BY rows_read DESC"
        ).fetchall()
    finally:
        con.close()
    assert reads == [(2, 1, 1), (1, 0, 1), (1, 1, 0)]

    # Nothing is left to retry: the file is skipped as already ingested.
    code, output = run_cli(base)
    assert code == 0, output
    assert "already ingested" in output
    assert _counts(db, "products") == 2


def test_a_header_only_parent_file_is_named_as_the_root_of_what_waits(tmp_path: Path):
    """shops.csv with a header and no rows: the products and the orders wait; the ingest
    succeeds (they are not bad rows) but says so, naming shops, the root of the chain."""
    data = valid_dataset()
    directory, db = tmp_path / "in", tmp_path / "w.duckdb"
    directory.mkdir()
    write_csv(directory / "categories.csv", "categories", data["categories"])
    write_csv(directory / "shops.csv", "shops", [])
    write_csv(directory / "products.csv", "products", data["products"])
    write_csv(directory / "orders.csv", "orders", data["orders"])
    code, output = run_cli(["ingest", str(directory), "--db", str(db), "--no-progress"])
    said = " ".join(output.split())
    assert code == 0, output
    waiting = len(data["products"]) + len(data["orders"])
    assert f"{waiting} rows wait for a missing parent" in said
    assert "not found in shops" in said.split("rows wait for a missing parent", 1)[1]
    assert _counts(db, "orders") == 0


def test_a_row_quarantined_for_another_reason_is_never_retried(tmp_path: Path):
    directory, db = tmp_path / "in", tmp_path / "w.duckdb"
    _first_delivery(directory)
    rows = valid_dataset()["products"]
    rows[1]["price_fen"] = "-1"  # bad in itself, and its shop is missing
    write_csv(directory / "products.csv", "products", rows)
    base = ["ingest", str(directory), "--db", str(db), "--no-progress", "--max-bad-share", "1"]
    assert run_cli(base)[0] == 0
    _shops_only(directory, ["s2"], name="shops-00002.csv")
    code, output = run_cli(base)
    assert code == 0, output
    assert "read again" not in output
    assert _counts(db, "products") == 1
