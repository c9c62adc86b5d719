"""Hostile input, class `money`: each case of `tests.ingest.hostile`, through the command."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.ingest.dataset import valid_dataset, write_dataset_csv
from tests.ingest.hostile import Case, run_cli
from tests.ingest.hostile_cases import assert_accounted, cases_of


@pytest.mark.parametrize("case", cases_of("money"))
def test_every_row_is_accounted_for_and_nothing_is_garbled(case: Case, tmp_path: Path):
    assert_accounted(case, tmp_path)


BOUND = 1_000_000_000


def test_amounts_at_the_bound_go_through_fees_and_the_close(tmp_path: Path):
    """The bound is what every stage can compute: amounts at it ingest, price and close."""
    data = valid_dataset()
    order = data["orders"][0]  # o1: no shipping, no coupons
    order.update(goods_fen=str(BOUND), amount_paid_fen=str(BOUND), ad_cost_fen=str(BOUND))
    data["after_sales"][0].update(amount_fen=str(BOUND), compensation_fen=str(BOUND))
    directory, db = write_dataset_csv(tmp_path / "in", data), str(tmp_path / "w.duckdb")
    code, output = run_cli(["ingest", str(directory), "--db", db, "--no-progress"])
    assert code == 0, output
    period = ["--from", "2025-03-01", "--to", "2025-03-31", "--db", db]
    for command in (["fees", "--rulebook", "douyin-2025", *period], ["close", *period]):
        code, output = run_cli(command)
        assert code == 0, output
        assert "Traceback" not in output
    code, output = run_cli(["ledger-check", "--db", db])
    assert code == 0, output
    con = duckdb.connect(db, read_only=True)
    try:
        paid = con.execute("SELECT goods_fen FROM orders WHERE order_id = 'o1'").fetchone()
        fees = con.execute(
            "SELECT count(*), max(abs(amount_fen)) FROM fee_lines WHERE order_id = 'o1'"
        ).fetchone()
        posted = con.execute(
            "SELECT count(*), max(abs(amount_fen)) FROM journal_postings WHERE order_id = 'o1'"
        ).fetchone()
    finally:
        con.close()
    assert paid == (BOUND,)
    assert fees is not None
    assert fees[0] > 0  # the order was priced, not skipped
    assert 0 < fees[1] <= BOUND
    assert posted is not None
    assert posted[0] > 0  # and posted
    assert posted[1] >= BOUND  # its payment is in the journal whole


def test_one_fen_above_the_bound_is_quarantined_naming_it(tmp_path: Path):
    data = valid_dataset()
    data["orders"][0].update(goods_fen=str(BOUND + 1), amount_paid_fen=str(BOUND + 1))
    directory, db = write_dataset_csv(tmp_path / "in", data), str(tmp_path / "w.duckdb")
    code, output = run_cli(["ingest", str(directory), "--db", db, "--no-progress"])
    assert code == 0, output
    con = duckdb.connect(db, read_only=True)
    try:
        found = con.execute(
            "SELECT column_name, reason, message FROM quarantine WHERE row_key = 'o1'"
        ).fetchone()
    finally:
        con.close()
    assert found is not None
    assert found[:2] == ("goods_fen", "above_maximum")
    assert "1,000,000,000" in found[2]
