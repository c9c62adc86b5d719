"""The declared stages tell the truth: each writes only the tables it declares, in a valid order."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from merchantry.model.outputs import OUTPUT_TABLES
from merchantry.model.system import SYSTEM_TABLES
from merchantry.model.tables import TABLES
from merchantry.service.runner import table_state
from merchantry.service.stages import (
    StageContext,
    StageOrderError,
    StageScope,
    check_order,
    default_stages,
    score_stage,
)
from merchantry.store.warehouse import connect
from tests.ledger.factories import (
    HERE,
    TEST_RULEBOOK,
    add_case,
    add_category,
    add_event,
    add_order,
    add_shop,
    add_violation,
)

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def all_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute("SELECT table_name FROM duckdb_tables() WHERE NOT temporary").fetchall()
    return sorted(str(r[0]) for r in rows if str(r[0]) != "stage_runs")


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path / "w.duckdb")
    add_category(con)
    add_shop(con)
    add_order(con, "O1", datetime(2026, 3, 10, 12), 10_000)
    add_order(con, "O2", datetime(2026, 3, 12, 9), 5_000)
    add_event(con, "O1", "delivered", datetime(2026, 3, 12, 12))
    add_event(con, "O1", "receipt_confirmed", datetime(2026, 3, 13, 12))
    add_case(con, "A1", "O2", datetime(2026, 3, 14, 10), 5_000, closed_at=datetime(2026, 3, 15))
    add_violation(con, "V1", "S1", datetime(2026, 3, 15, 10))
    return con


def test_each_stage_writes_only_what_it_declares(con: duckdb.DuckDBPyConnection) -> None:
    stages = default_stages(fee_rulebook=TEST_RULEBOOK, rulebook_dirs=(HERE,))
    for stage in stages:
        before = {t: table_state(con, t) for t in all_tables(con)}
        stage.run(StageContext(con, *stage.period(*MARCH), lambda _step: None))
        after = {t: table_state(con, t) for t in all_tables(con)}
        changed = {t for t in after if before.get(t) != after[t]}
        assert changed, f"{stage.name} wrote nothing"
        assert changed <= set(stage.writes), f"{stage.name} wrote undeclared {changed}"


def test_every_table_a_stage_reads_is_declared_or_written_earlier() -> None:
    declared = {t.name for t in (*TABLES, *OUTPUT_TABLES, *SYSTEM_TABLES)}
    written: set[str] = set()
    for stage in default_stages():
        unknown = set(stage.reads) - declared - written
        assert not unknown, f"{stage.name} reads {unknown}"
        written |= set(stage.writes)


def test_the_default_order_holds_and_a_reversed_one_does_not() -> None:
    stages = default_stages()
    check_order(stages)
    assert [s.kind for s in stages] == ["score", "fees", "close", "risk", "risk"]
    with pytest.raises(StageOrderError, match="which the later stage risk:rings writes"):
        check_order(tuple(reversed(stages)))
    fees, close = stages[1], stages[2]
    with pytest.raises(StageOrderError, match="close:douyin-2026 reads fee_lines"):
        check_order((close, fees))


def test_a_last_day_stage_computes_only_the_last_day() -> None:
    taobao = score_stage("taobao-score-2026", scope=StageScope.LAST_DAY)
    assert taobao.period(*MARCH) == (MARCH[1], MARCH[1])
    assert score_stage("taobao-score-2026").period(*MARCH) == MARCH
