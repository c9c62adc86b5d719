"""The stage runner: runs what is stale in order, skips what is fresh, and says why.

The warehouse: one apparel shop (``tests/ledger/factories.py``) and a ¥100 order
paid on 2026-03-10. The plan: the fee stage then the close under the ledger test
rulebook (5% technical service fee: ¥5 on that order).
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from merchantry.kit.errors import InputError
from merchantry.risk.settings import DEFAULT_RULEBOOK
from merchantry.service import runner
from merchantry.service.runner import TableState, run_stages, table_state
from merchantry.service.stages import (
    Stage,
    StageContext,
    StageOrderError,
    StageOutcome,
    StageScope,
    close_stage,
    fees_stage,
    rings_stage,
)
from merchantry.store.warehouse import connect
from tests.ledger.factories import HERE, TEST_RULEBOOK, add_category, add_order, add_shop

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@pytest.fixture
def con(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(tmp_path / "w.duckdb")
    add_category(con)
    add_shop(con)
    add_order(con, "O1", datetime(2026, 3, 10, 12), 10_000)
    return con


def plan(dirs: tuple[Path, ...] = (HERE,)) -> tuple[Stage, ...]:
    return (fees_stage(TEST_RULEBOOK, dirs), close_stage(TEST_RULEBOOK, dirs))


def why(report: object) -> dict[str, tuple[bool, str]]:
    return {s.stage: (s.ran, s.reason) for s in report.stages}  # type: ignore[attr-defined]


def tsf(con: duckdb.DuckDBPyConnection) -> int:
    row = con.execute(
        "SELECT coalesce(sum(amount_fen), 0) FROM fee_lines"
        " WHERE fee_kind = 'technical_service_fee'"
    ).fetchone()
    return int(row[0]) if row else 0


def test_first_run_runs_everything_in_order_and_records_it(con: duckdb.DuckDBPyConnection) -> None:
    order: list[str] = []
    report = run_stages(con, *MARCH, stages=plan(), on_stage=lambda s, st: order.append(s.name))

    assert order == ["fees:ledger-test", "close:ledger-test"]
    assert why(report) == {
        "fees:ledger-test": (True, "never ran over 2026-03-01..2026-03-31"),
        "close:ledger-test": (True, "never ran over 2026-03-01..2026-03-31"),
    }
    assert tsf(con) == 500
    sales = con.execute("SELECT count(*) FROM journal_entries WHERE kind = 'sale'").fetchone()
    assert sales == (1,)
    runs = con.execute("SELECT stage, period_start, period_end FROM stage_runs ORDER BY 1")
    assert runs.fetchall() == [
        ("close:ledger-test", *MARCH),
        ("fees:ledger-test", *MARCH),
    ]


def test_a_second_run_skips_fresh_stages_and_changes_nothing(
    con: duckdb.DuckDBPyConnection,
) -> None:
    run_stages(con, *MARCH, stages=plan())
    journal = con.execute("SELECT count(*) FROM journal_postings").fetchone()

    again = run_stages(con, *MARCH, stages=plan())

    assert again.ran == ()
    for ran, reason in why(again).values():
        assert not ran
        assert reason.startswith("fresh: inputs unchanged since its run at ")
    assert con.execute("SELECT count(*) FROM journal_postings").fetchone() == journal
    assert con.execute("SELECT count(*) FROM stage_runs").fetchone() == (2,)


def test_a_new_order_makes_both_stages_stale_and_names_the_change(
    con: duckdb.DuckDBPyConnection,
) -> None:
    run_stages(con, *MARCH, stages=plan())
    add_order(con, "O2", datetime(2026, 3, 11, 12), 20_000)

    report = run_stages(con, *MARCH, stages=plan())

    reasons = why(report)
    assert reasons["fees:ledger-test"] == (True, "stale: orders 1 → 2 rows")
    ran, reason = reasons["close:ledger-test"]
    assert ran
    assert "orders 1 → 2 rows" in reason
    assert "fee_lines 1 → 2 rows" in reason  # the fee stage just wrote them
    assert tsf(con) == 1_500
    sales = con.execute("SELECT count(*) FROM journal_entries WHERE kind = 'sale'").fetchone()
    assert sales == (2,)


def test_an_edited_row_is_a_change_even_with_the_same_row_count(
    con: duckdb.DuckDBPyConnection,
) -> None:
    run_stages(con, *MARCH, stages=plan())
    con.execute("UPDATE orders SET goods_fen = 30000, amount_paid_fen = 30000")

    report = run_stages(con, *MARCH, stages=plan())

    assert why(report)["fees:ledger-test"] == (True, "stale: orders content changed")
    assert tsf(con) == 1_500


def test_force_runs_fresh_stages_and_only_selects(con: duckdb.DuckDBPyConnection) -> None:
    run_stages(con, *MARCH, stages=plan())

    forced = run_stages(con, *MARCH, stages=plan(), only=["close"], force=True)

    assert why(forced) == {
        "fees:ledger-test": (False, "not selected (--only)"),
        "close:ledger-test": (True, "forced (it was fresh)"),
    }
    flags = con.execute("SELECT stage, forced FROM stage_runs ORDER BY started_at").fetchall()
    assert flags[-1] == ("close:ledger-test", True)
    with pytest.raises(InputError, match=r"no stage 'payouts'.*fees:ledger-test, close"):
        run_stages(con, *MARCH, stages=plan(), only=["payouts"])


def test_another_period_is_its_own_run(con: duckdb.DuckDBPyConnection) -> None:
    run_stages(con, *MARCH, stages=plan())
    report = run_stages(con, date(2026, 3, 1), date(2026, 3, 15), stages=plan())
    assert why(report)["fees:ledger-test"] == (True, "never ran over 2026-03-01..2026-03-15")


def test_an_edited_rulebook_makes_its_stages_stale(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    books = tmp_path / "books"
    books.mkdir()
    shutil.copy(HERE / "ledger-test.yaml", books / "ledger-test.yaml")
    run_stages(con, *MARCH, stages=plan((books,)))
    text = (books / "ledger-test.yaml").read_text(encoding="utf-8")
    (books / "ledger-test.yaml").write_text(
        text.replace("rate_bp: 500}", "rate_bp: 600}", 1), encoding="utf-8"
    )

    report = run_stages(con, *MARCH, stages=plan((books,)))

    assert why(report)["fees:ledger-test"] == (
        True,
        "stale: its rulebook or configuration changed",
    )
    assert tsf(con) == 600


def test_a_plan_that_reads_what_a_later_stage_writes_is_refused(
    con: duckdb.DuckDBPyConnection,
) -> None:
    fees, close = plan()
    with pytest.raises(
        StageOrderError, match=r"close:ledger-test reads fee_lines.*fees:ledger-test"
    ):
        run_stages(con, *MARCH, stages=(close, fees))
    with pytest.raises(StageOrderError, match="named twice"):
        run_stages(con, *MARCH, stages=(fees, fees))
    assert con.execute("SELECT count(*) FROM stage_runs").fetchone() == (0,)


def test_a_warehouse_wide_stage_is_fresh_for_any_period(con: duckdb.DuckDBPyConnection) -> None:
    rings = rings_stage(DEFAULT_RULEBOOK)
    assert rings.scope is StageScope.WAREHOUSE
    first = run_stages(con, *MARCH, stages=[rings])
    assert why(first)["risk:rings"] == (True, "never ran")
    later = run_stages(con, date(2026, 4, 1), date(2026, 4, 30), stages=[rings])
    assert not later.stages[0].ran


def test_a_failing_stage_keeps_what_ran_before_it(con: duckdb.DuckDBPyConnection) -> None:
    def fail(ctx: StageContext) -> StageOutcome:
        raise InputError("planted failure")

    broken = Stage("broken", "fails", ("journal_entries",), ("nothing",), fail)
    with pytest.raises(InputError, match="planted failure"):
        run_stages(con, *MARCH, stages=(*plan(), broken))
    recorded = con.execute("SELECT stage FROM stage_runs ORDER BY stage").fetchall()
    assert recorded == [("close:ledger-test",), ("fees:ledger-test",)]
    resumed = run_stages(con, *MARCH, stages=plan())
    assert resumed.ran == ()


def test_table_state_tells_rows_and_content_apart(con: duckdb.DuckDBPyConnection) -> None:
    before = table_state(con, "orders")
    con.execute("UPDATE orders SET goods_fen = goods_fen + 1")
    after = table_state(con, "orders")
    assert (before.rows, after.rows) == (1, 1)
    assert before.digest != after.digest
    assert table_state(con, "no_such_table").digest == "absent"


def _reads(con: duckdb.DuckDBPyConnection, **kwargs: object) -> list[str]:
    said: list[str] = []
    run_stages(con, *MARCH, stages=plan(), progress=said.append, **kwargs)  # type: ignore[arg-type]
    return [s.split(": reading ", 1)[1] for s in said if ": reading " in s]


def test_a_run_after_a_run_hashes_only_what_the_first_one_wrote(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Fingerprints are carried to the next call while nothing touched the warehouse file;
    the tables a forced close rewrote are hashed again, the others are not."""
    first = _reads(con)
    assert "orders" in first
    assert _reads(con) == []  # nothing written since: every fingerprint carried
    again = _reads(con, only=["close"], force=True)
    assert again == []
    after_close = _reads(con)
    assert "orders" not in after_close


def test_a_change_between_runs_is_seen_whoever_made_it(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """An edit through another connection to the same file, or by another process after
    this one closed it, drops every carried fingerprint."""
    run_stages(con, *MARCH, stages=plan())
    con.close()
    other = duckdb.connect(str(tmp_path / "w.duckdb"))
    other.execute(
        "UPDATE orders SET goods_fen = goods_fen + 1, amount_paid_fen = amount_paid_fen + 1"
    )
    other.close()
    again = connect(tmp_path / "w.duckdb")
    try:
        report = run_stages(again, *MARCH, stages=plan())
    finally:
        again.close()
    assert why(report)["fees:ledger-test"] == (True, "stale: orders content changed")


# --- incremental fingerprints: a table is hashed again only when its storage changed ----


class CountedHashing:
    """Wraps the real :func:`table_state` and counts the tables it hashed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.tables: list[str] = []
        real = runner.table_state

        def counted(con: duckdb.DuckDBPyConnection, name: str) -> TableState:
            self.tables.append(name)
            return real(con, name)

        monkeypatch.setattr(runner, "table_state", counted)


def test_an_unchanged_warehouse_is_not_hashed_at_all(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run_stages(con, *MARCH, stages=plan())
    assert "orders" in first.hashed
    counted = CountedHashing(monkeypatch)

    again = run_stages(con, *MARCH, stages=plan())

    assert counted.tables == []
    assert again.hashed == ()
    assert again.ran == ()


def test_after_an_ingest_only_the_table_it_wrote_is_hashed_again(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A new order changes the file, so the file's mark no longer vouches for anything;
    the storage keys still vouch for every table but ``orders`` (and what the stages
    then rewrite)."""
    first = run_stages(con, *MARCH, stages=plan())
    written = {t for stage in plan() for t in stage.writes}  # rehashed after the stage
    untouched = set(first.hashed) - {"orders"} - written
    assert {"shops", "categories"} <= untouched
    add_order(con, "O2", datetime(2026, 3, 11, 12), 20_000)
    counted = CountedHashing(monkeypatch)

    report = run_stages(con, *MARCH, stages=plan())

    assert why(report)["fees:ledger-test"] == (True, "stale: orders 1 → 2 rows")
    assert "orders" in counted.tables
    assert untouched.isdisjoint(counted.tables)
    assert counted.tables == list(report.hashed)
    assert tsf(con) == 1_500


@pytest.mark.parametrize(
    "edit",
    [
        "UPDATE orders SET goods_fen = 30000, amount_paid_fen = 30000",  # same row count
        "DELETE FROM orders WHERE order_id = 'O2'",  # a delete leaves the segments as they are
    ],
)
def test_an_edit_between_runs_changes_the_storage_key(
    con: duckdb.DuckDBPyConnection, monkeypatch: pytest.MonkeyPatch, edit: str
) -> None:
    add_order(con, "O2", datetime(2026, 3, 11, 12), 20_000)
    run_stages(con, *MARCH, stages=plan())
    con.execute("CHECKPOINT")
    before = runner.storage_key(con, "orders")
    con.execute(edit)
    con.execute("CHECKPOINT")
    assert runner.storage_key(con, "orders") != before
    counted = CountedHashing(monkeypatch)

    report = run_stages(con, *MARCH, stages=plan())

    assert counted.tables[0] == "orders"
    assert report.report("fees:ledger-test").ran


def test_strict_hashes_what_a_matching_storage_key_would_vouch_for(
    con: duckdb.DuckDBPyConnection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The storage key is not a proof. Here it is made to match after an edit (the carried
    key of ``orders`` is rewritten to the edited table's), as a rewrite into the same
    blocks with the same statistics would: a plain run trusts it and misses the edit;
    ``strict`` hashes every input and sees it."""
    run_stages(con, *MARCH, stages=plan())
    con.execute("UPDATE orders SET goods_fen = 30000, amount_paid_fen = 30000")
    con.execute("CHECKPOINT")
    carry = tmp_path / "w.duckdb.stages.json"
    saved = json.loads(carry.read_text(encoding="utf-8"))
    saved["tables"]["orders"]["key"] = runner.storage_key(con, "orders")
    carry.write_text(json.dumps(saved), encoding="utf-8")

    trusting = run_stages(con, *MARCH, stages=plan(), only=["fees"], force=False)
    assert "orders" not in trusting.hashed
    assert not trusting.report("fees:ledger-test").ran  # the blind spot strict is for

    counted = CountedHashing(monkeypatch)
    strict = run_stages(con, *MARCH, stages=plan(), strict=True)
    assert "orders" in counted.tables
    assert why(strict)["fees:ledger-test"] == (True, "stale: orders content changed")
    assert tsf(con) == 1_500


def test_a_carried_file_of_another_version_or_garbage_is_ignored(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    run_stages(con, *MARCH, stages=plan())
    carry = tmp_path / "w.duckdb.stages.json"
    for text in ('{"mark": "x", "tables": {"orders": [1, "abc"]}}', "not json", "[]"):
        carry.write_text(text, encoding="utf-8")
        report = run_stages(con, *MARCH, stages=plan())
        assert "orders" in report.hashed
        assert report.ran == ()


@pytest.mark.parametrize(
    ("table", "row"),
    [
        (
            # the score series reads product_rating's bad events (product_bad_review_pct)
            "shop_score_indicators",
            "('douyin-score-2026-07', 'S1', DATE '2026-03-05', 'product_rating', 'product', "
            "9000, 'bp', 9, 10, 1, 1, 8000, FALSE, 8000, 2000, 't', NULL, 'w')",
        ),
        ("order_colonel_fees", "('O1', 500)"),
    ],
)
def test_a_change_in_any_table_the_fact_relation_reads_makes_the_fee_stage_stale(
    con: duckdb.DuckDBPyConnection, table: str, row: str
) -> None:
    run_stages(con, *MARCH, stages=plan())
    assert run_stages(con, *MARCH, stages=plan()).ran == ()

    con.execute(f"INSERT INTO {table} VALUES {row}")
    report = run_stages(con, *MARCH, stages=plan())

    assert why(report)["fees:ledger-test"] == (True, f"stale: {table} 0 → 1 rows")
