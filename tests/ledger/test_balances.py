"""Months' opening balances (``journal_balances``) stay the sums of what was booked before.

The close reads a balance as a month's opening balances plus the movements since
(:mod:`merchantry.ledger.balances`). These tests post entries through the journal's one
posting path (:func:`merchantry.ledger.journal.post_staged`, its revisions and reversals),
booked on any day, before and after months are opened, and hold every month's rows, and
every balance read from them, against sums of every posting.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from merchantry.ledger import balances
from merchantry.ledger.balances import BALANCED_OF, OPEN_MONTH
from merchantry.ledger.check import BALANCES_DISAGREE, check_close, check_journal, journal_mark
from merchantry.ledger.journal import CloseRef, logical_key, post_staged, start_stage
from merchantry.model.outputs import OUTPUT_TABLES
from merchantry.store.sql import fill_sql, parse, run_sql
from merchantry.store.warehouse import connect

FIRST = date(2026, 1, 1)
SHOPS = ("S1", "S2")
REF = CloseRef("test-book", "k")

BALANCE_READ = fill_sql(
    "SELECT party, sum(amount_fen) FROM p_balanced"
    " WHERE account = 'merchant_available' AND booked_on <= $day GROUP BY party",
    p_balanced=parse(BALANCED_OF),
)
"""A shop's available balance on ``$day`` as the close reads it."""

EVERY_POSTING = """
SELECT party, sum(amount_fen) FROM journal_postings
WHERE account = 'merchant_available' AND booked_on <= $day GROUP BY party
"""
"""The same balance summed over every posting ever made."""


def post_rewards(
    con: duckdb.DuckDBPyConnection, day: int, targets: dict[str, tuple[str, int]]
) -> None:
    """Stage one reward per source (to its shop, from the platform), booked on ``day``, and
    post: a source staged before with another amount or shop is reversed and posted anew."""
    on = FIRST + timedelta(days=day)
    start_stage(con)
    for source, (shop, amount) in targets.items():
        con.execute(
            "INSERT INTO ledger_stage SELECT ?, 'reward', ?, NULL, ?, ?,"
            " [ledger_leg('merchant_available', ?, ?, 'r1'),"
            "  ledger_leg('platform_subsidy', '', -?, 'r1')]",
            [logical_key("reward", source), source, shop, on, shop, amount, amount],
        )
    post_staged(con, REF, kinds=("reward",), start=on, end=on, orphans=False)


steps = st.lists(
    st.one_of(
        st.tuples(
            st.just("post"),
            st.integers(0, 100),
            st.dictionaries(
                st.sampled_from(("a", "b", "c", "d")),
                st.tuples(st.sampled_from(SHOPS), st.integers(-500, 900)),
                max_size=3,
            ),
        ),
        st.tuples(st.just("open"), st.integers(0, 100), st.just({})),
    ),
    min_size=1,
    max_size=10,
)


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory) -> duckdb.DuckDBPyConnection:
    return connect(tmp_path_factory.mktemp("balances") / "w.duckdb")


def empty(con: duckdb.DuckDBPyConnection) -> None:
    for table in (t.name for t in OUTPUT_TABLES if t.name.startswith("journal_")):
        con.execute(f"DELETE FROM {table}")  # the journal and every index of it


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan=steps, asked=st.lists(st.integers(0, 110), min_size=1, max_size=4))
def test_opening_balances_stay_the_sums_of_every_posting_before_them(
    con: duckdb.DuckDBPyConnection,
    plan: list[tuple[str, int, dict[str, tuple[str, int]]]],
    asked: list[int],
) -> None:
    empty(con)
    for action, day, targets in plan:
        if action == "open":
            balances.prepare(con, FIRST + timedelta(days=day))
        else:
            post_rewards(con, day, targets)
    assert con.execute(BALANCES_DISAGREE).fetchall() == []
    for day in asked:
        on = FIRST + timedelta(days=day)
        snapshot = balances.latest(con, on) or balances.NONE_BEFORE
        read = dict(run_sql(con, BALANCE_READ, {"day": on, "snapshot": snapshot}).fetchall())
        whole = dict(run_sql(con, EVERY_POSTING, {"day": on}).fetchall())
        assert {k: v for k, v in read.items() if v} == {k: v for k, v in whole.items() if v}


def test_a_correction_booked_before_an_opened_month_moves_its_opening(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """February is opened with S1's January reward (300); the reward is then restated to
    800 on its own January day (a reversal of 300 and a new entry of 800, both booked in
    January): February's opening becomes 800, and the check agrees."""
    empty(con)
    post_rewards(con, 10, {"a": ("S1", 300)})
    assert balances.prepare(con, date(2026, 2, 14)) == date(2026, 2, 1)
    post_rewards(con, 10, {"a": ("S1", 800)})
    rows = con.execute(
        "SELECT sum(amount_fen), max(last_on) FROM journal_balances"
        " WHERE account = 'merchant_available' AND party = 'S1' AND as_of = DATE '2026-02-01'"
    ).fetchall()
    assert rows == [(800, date(2026, 1, 11))]
    assert con.execute(BALANCES_DISAGREE).fetchall() == []


def test_a_close_in_the_month_adds_nothing_to_its_opening(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Entries booked on or after the month's first day leave its opening rows alone: the
    day's close appends no balance rows."""
    empty(con)
    post_rewards(con, 10, {"a": ("S1", 300)})
    balances.prepare(con, date(2026, 2, 1))
    before = con.execute("SELECT count(*) FROM journal_balances").fetchone()
    post_rewards(con, 40, {"b": ("S2", 500), "c": ("S1", 70)})
    assert con.execute("SELECT count(*) FROM journal_balances").fetchone() == before


def test_the_check_names_an_opening_that_disagrees(con: duckdb.DuckDBPyConnection) -> None:
    empty(con)
    post_rewards(con, 10, {"a": ("S1", 300)})
    balances.prepare(con, date(2026, 2, 1))
    con.execute(
        "INSERT INTO journal_balances VALUES"
        " ('merchant_available', 'S1', DATE '2026-02-01', 5, DATE '2026-01-11', FALSE)"
    )
    problems = {p.code: p for p in check_journal(con)}
    assert problems["balances-disagree"].ids == ("merchant_available S1 before 2026-02-01",)


def test_a_close_that_makes_a_months_opening_again_is_refused(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """A month opened by an earlier close and made again by this one (as a Spark close
    over tables exported before the month was opened would): the close's check names it."""
    empty(con)
    post_rewards(con, 10, {"a": ("S1", 300)})
    balances.prepare(con, date(2026, 2, 1))
    mark = journal_mark(con)
    assert check_close(con, mark, "k") == []
    run_sql(con, OPEN_MONTH, {"as_of": date(2026, 2, 1), "since": balances.NONE_BEFORE})
    problems = {p.code: p for p in check_close(con, mark, "k")}
    assert problems["opening-made-twice"].ids == ("2026-02-01",)


def test_a_warehouse_made_before_the_table_reads_every_movement_then_gains_openings(
    tmp_path: Path,
) -> None:
    """Without ``journal_balances`` (an older file): read-only, the check passes and a
    balance sums every movement; opened for writing, the table is there, empty, and the
    next month's first use makes its openings."""
    path = tmp_path / "old.duckdb"
    con = connect(path)
    post_rewards(con, 10, {"a": ("S1", 300)})
    post_rewards(con, 40, {"b": ("S1", 25)})
    con.execute("DROP TABLE journal_balances")
    con.close()

    reader = connect(path, read_only=True)
    assert check_journal(reader) == []
    on = date(2026, 2, 20)
    assert balances.latest(reader, on) is None
    read = run_sql(reader, BALANCE_READ, {"day": on, "snapshot": balances.NONE_BEFORE})
    assert read.fetchall() == [("S1", 325)]
    reader.close()

    writer = connect(path)
    assert writer.execute("SELECT count(*) FROM journal_balances").fetchone() == (0,)
    assert balances.prepare(writer, on) == date(2026, 2, 1)
    read = run_sql(writer, BALANCE_READ, {"day": on, "snapshot": date(2026, 2, 1)})
    assert read.fetchall() == [("S1", 325)]
    assert check_journal(writer) == []
    writer.close()
