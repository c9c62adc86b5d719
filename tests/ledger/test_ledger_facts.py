"""The close's order facts hold only the columns the close reads, and it posts the same.

``ledger_facts`` is the close's largest temporary table (one row per order paid up to the
period's end). The whole fact relation has 54 columns; the close reads the schedule's few
and those its order rules read, so ``ledger.settlement.ledger_facts_sql`` keeps only
those (and only the joins they need). These tests hold that on a generated, scored
market: the kept columns are exactly what the statements and the compiled rules read,
their values equal the whole relation's row for row, and a close posts entry for entry
what it posts with the whole relation.
"""

from __future__ import annotations

import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
import sqlglot
import sqlglot.expressions as exp

from merchantry.ledger import settlement
from merchantry.ledger.close import close_period
from merchantry.ledger.facts import ORDER_FACTS
from merchantry.ledger.settlement import (
    ledger_fact_columns,
    ledger_facts_sql,
    order_rule_values,
    schedule_sql,
)
from merchantry.rulebook.checker import load_rulebook
from merchantry.rulebook.facts import FACT_SQL, fact_sql
from merchantry.store.sql import create_temp_as, run_sql
from merchantry.store.warehouse import connect
from merchantry.synth import DEFAULT_START
from tests.markets import scored_market

BOOKS = ("douyin-2026", "taobao-2026", "douyin-2025")
DAYS = 12
END = DEFAULT_START + timedelta(days=DAYS - 1)


def _selected(sql: str) -> list[str]:
    tree = sqlglot.parse_one(sql, read="duckdb")
    query = tree.expression if isinstance(tree, exp.Create) else tree
    assert isinstance(query, exp.Query)
    return [e.alias_or_name for e in query.expressions]


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 shops x 12 days, scored on both platforms, with every rulebook's fee lines."""
    books = [load_rulebook(name) for name in BOOKS]
    return scored_market(
        tmp_path_factory.mktemp("ledger-facts"), shops=8, days=DAYS, seed=3, fee_rulebooks=books
    )


@pytest.mark.parametrize("name", BOOKS)
def test_kept_columns_are_what_the_close_reads(name: str) -> None:
    book = load_rulebook(name)
    kept = ledger_fact_columns(book)
    assert _selected(ledger_facts_sql(book)) == [c for c in _selected(FACT_SQL) if c in kept]
    schedule = sqlglot.parse_one(schedule_sql(), read="duckdb")
    read = {c.name for c in schedule.find_all(exp.Column) if c.table == "f"}
    for _, value in order_rule_values(book):
        read |= {c.name for c in value.find_all(exp.Column) if c.table == "f"}
    assert set(kept) == read | {"order_order_id"}
    assert len(kept) < len(_selected(FACT_SQL)) // 3  # the point: far fewer than the whole


@pytest.mark.parametrize("touched", [False, True], ids=["period", "touched"])
@pytest.mark.parametrize("name", BOOKS)
def test_kept_columns_equal_the_whole_relation(market: Path, name: str, touched: bool) -> None:
    book = load_rulebook(name)
    con = connect(market, read_only=True)
    try:
        params = {"start": date(1970, 1, 1), "end": END}
        if touched:
            con.execute(
                "CREATE TEMP TABLE ledger_touched AS "
                "SELECT order_id FROM orders WHERE hash(order_id) % 3 = 0"
            )
            only = exp.select("order_id").from_("ledger_touched")
            whole = create_temp_as("whole_facts", fact_sql(only))
        else:
            whole = ORDER_FACTS.replace("ledger_facts", "whole_facts", 1)
        run_sql(con, whole, params)
        run_sql(con, ledger_facts_sql(book, touched=touched), params)
        cols = ", ".join(ledger_fact_columns(book))
        counts = con.execute(
            "SELECT (SELECT count(*) FROM ledger_facts), (SELECT count(*) FROM whole_facts)"
        ).fetchone()
        assert counts is not None
        assert counts[0] == counts[1] > 0
        for a, b in (("ledger_facts", "whole_facts"), ("whole_facts", "ledger_facts")):
            diff = con.execute(
                f"SELECT count(*) FROM (SELECT {cols} FROM {a} EXCEPT ALL SELECT {cols} FROM {b})"
            ).fetchone()
            assert diff == (0,), (a, b)
        scored = [c for c in ledger_fact_columns(book) if c.startswith("shop_") and "score" in c]
        for column in scored:  # the market's scores really reach the facts
            hit = con.execute(f"SELECT count({column}) FROM ledger_facts").fetchone()
            assert hit is not None
            assert hit[0] > 0, column
    finally:
        con.close()


TABLES = ("journal_entries", "journal_postings", "order_payouts", "deposit_requirements")


def test_close_posts_the_same_as_with_the_whole_relation(
    market: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = load_rulebook("douyin-2026")
    pruned, whole = tmp_path / "pruned.duckdb", tmp_path / "whole.duckdb"
    shutil.copy(market, pruned)
    shutil.copy(market, whole)

    def whole_facts(_book: object, touched: bool = False) -> str:
        assert not touched  # a period closed at once
        return ORDER_FACTS

    for db, patched in ((pruned, False), (whole, True)):
        with monkeypatch.context() as patch:
            if patched:
                patch.setattr(settlement, "ledger_facts_sql", whole_facts)
            con = connect(db)
            try:
                summary = close_period(con, book, DEFAULT_START, END)
            finally:
                con.close()
            assert summary.postings > 0
    con = duckdb.connect(str(pruned))
    try:
        con.execute(f"ATTACH '{whole}' AS w (READ_ONLY)")
        for table in TABLES:
            count = con.execute(f"SELECT count(*) FROM {table}").fetchone()
            assert count is not None
            assert count[0] > 0, table
            for a, b in ((table, f"w.{table}"), (f"w.{table}", table)):
                diff = con.execute(
                    f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})"
                ).fetchone()
                assert diff == (0,), (a, b)
    finally:
        con.close()
