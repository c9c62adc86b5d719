"""The rows a Spark close loads into the warehouse pass the close's checks there, by row
id, as a DuckDB close's rows do; a fault in them writes nothing back. (A sound Spark close
passing them is ``test_close_parity``: its close must succeed to be compared.)"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import ExitCode
from merchantry.spark.statements import SparkStatements
from merchantry.synth import DEFAULT_START
from tests.spark.test_close_parity import SMALL, build

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TABLES = ("journal_entries", "journal_postings", "journal_movements", "order_payouts")


def counts(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        found = {}
        for table in TABLES:
            row = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            found[table] = int(row[0]) if row else 0
        return found
    finally:
        con.close()


@pytest.mark.slow
@pytest.mark.extended  # a Spark close of its own (2 min): `make test-all`; CI keeps the
# sound path, which every close in test_close_parity goes through
def test_a_day_sum_spark_wrote_wrong_is_refused_and_nothing_written(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One day-sum row loaded twice (its postings counted double): the warehouse's check
    names ``movements-disagree`` and the close's rows are not kept."""
    db = build(tmp_path, SMALL, fees=True)
    before = counts(db)
    real = SparkStatements.write_back

    def write_back_and_double_a_day_sum(self: SparkStatements, out: str) -> dict[str, int]:
        loaded = real(self, out)
        self.warehouse.execute(
            "INSERT INTO journal_movements SELECT * FROM journal_movements"
            " ORDER BY account, party, booked_on, entry_kind LIMIT 1"
        )
        return loaded

    monkeypatch.setattr(SparkStatements, "write_back", write_back_and_double_a_day_sum)
    args = ["close", "--from", str(DEFAULT_START), "--to", str(SMALL.end), "--db", str(db)]
    result = CliRunner().invoke(app, [*args, "--engine", "spark"], env={"COLUMNS": "200"})

    assert result.exit_code == ExitCode.INTEGRITY, result.output
    assert "movements-disagree" in result.output
    assert "nothing was written" in result.output
    assert counts(db) == before
    assert counts(db)["journal_entries"] == 0
