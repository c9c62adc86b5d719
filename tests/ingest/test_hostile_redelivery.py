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
