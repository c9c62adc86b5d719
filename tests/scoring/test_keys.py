"""The score tables' keys are verified after each write instead of indexed.

``shop_scores``, ``shop_score_indicators``, ``shop_score_adjustments`` and ``shop_gates``
keep their primary key unindexed (an index made a run's bulk inserts, and a re-run's
deletes, several times slower: docs/performance.md); ``scoring.stage.check_keys`` must then
find a key written twice, within the rows the run wrote, and nowhere else.
"""

from __future__ import annotations

from datetime import date

import duckdb
import pytest

from merchantry.kit.errors import IntegrityError
from merchantry.model.score_outputs import SHOP_GATES, SHOP_SCORE_INDICATORS
from merchantry.scoring.stage import check_keys

DAY = date(2026, 9, 1)
GATE = "INSERT INTO shop_gates (rulebook, shop_id, score_date, gate, passed) VALUES (?, ?, ?, ?, ?)"


def test_unindexed_keys_accept_a_second_row(warehouse: duckdb.DuckDBPyConnection) -> None:
    indexes = warehouse.execute(
        "SELECT count(*) FROM duckdb_indexes() WHERE table_name IN (?, ?)",
        [SHOP_GATES.name, SHOP_SCORE_INDICATORS.name],
    ).fetchone()
    assert indexes == (0,)
    warehouse.execute(GATE, ["rb", "S1", DAY, "affiliate", True])
    warehouse.execute(GATE, ["rb", "S1", DAY, "affiliate", False])  # no index refuses it
    with pytest.raises(IntegrityError, match="1 duplicate keys into shop_gates"):
        check_keys(warehouse, (SHOP_GATES,), "rb", DAY, DAY)


def test_keys_are_checked_only_where_the_run_wrote(warehouse: duckdb.DuckDBPyConnection) -> None:
    warehouse.execute(GATE, ["old", "S1", DAY, "affiliate", True])
    warehouse.execute(GATE, ["old", "S1", DAY, "affiliate", True])
    warehouse.execute(GATE, ["rb", "S1", DAY, "affiliate", True])
    warehouse.execute(GATE, ["rb", "S1", date(2026, 9, 2), "affiliate", True])
    check_keys(warehouse, (SHOP_GATES,), "rb", DAY, date(2026, 9, 2))  # other rulebook's rows
    warehouse.execute(GATE, ["rb", "S2", DAY, "affiliate", True])
    warehouse.execute(GATE, ["rb", "S2", DAY, "affiliate", True])
    warehouse.execute("CREATE TEMP TABLE part AS SELECT 'S1' AS shop_id")
    check_keys(warehouse, (SHOP_GATES,), "rb", DAY, DAY, shops="part")  # S2 is not in it
    with pytest.raises(IntegrityError):
        check_keys(warehouse, (SHOP_GATES,), "rb", DAY, DAY)
