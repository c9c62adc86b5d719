"""A fee run is cut into batches of consecutive payment days that fit the memory limit.

``fees.engine.run_rulebook`` writes a period's lines one batch of days at a time, inside one
transaction. These tests hold that the cut is a plan every day falls in exactly once, that
the lines and totals do not depend on it (every shipped fee rulebook and one that reads a
shop score, on a generated and scored market, each day its own batch against the period in
one), that a key written twice in any batch still rolls back the whole run, and that the
default batch follows the connection's memory limit.
"""

from __future__ import annotations

import itertools
import shutil
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from merchantry.fees import engine
from merchantry.fees.engine import (
    BYTES_PER_ORDER,
    MIN_BATCH_ORDERS,
    Batch,
    orders_per_batch,
    plan_batches,
    run_rulebook,
)
from merchantry.kit.errors import IntegrityError
from merchantry.model.outputs import FEE_LINES
from merchantry.rulebook.checker import load_rulebook
from merchantry.rulebook.model import Rulebook
from merchantry.store.warehouse import connect
from merchantry.synth import DEFAULT_START
from tests.markets import SCORED_BOOK, scored_market, scored_rulebook

BOOKS = ("douyin-2026", "taobao-2026", "douyin-2022-new-merchant")
DAYS = 6
END = DEFAULT_START + timedelta(days=DAYS - 1)
D = date(2026, 3, 1)


def _day(n: int) -> date:
    return D + timedelta(days=n)


def test_days_are_packed_in_order_up_to_the_bound() -> None:
    days = [(_day(0), 3), (_day(1), 3), (_day(2), 5), (_day(4), 1), (_day(5), 9), (_day(6), 2)]
    assert plan_batches(days, 6) == [
        Batch(_day(0), _day(1), 6),
        Batch(_day(2), _day(4), 6),
        Batch(_day(5), _day(5), 9),  # more than the bound: a day is never split
        Batch(_day(6), _day(6), 2),
    ]
    assert plan_batches(days, 100) == [Batch(_day(0), _day(6), 23)]
    assert plan_batches([], 5) == []


def test_a_bound_below_one_order_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one order"):
        plan_batches([(_day(0), 1)], 0)


@given(
    counts=st.lists(st.integers(min_value=1, max_value=50), max_size=40),
    gaps=st.lists(st.integers(min_value=1, max_value=3), min_size=40, max_size=40),
    most=st.integers(min_value=1, max_value=120),
)
def test_every_day_is_in_exactly_one_batch(counts: list[int], gaps: list[int], most: int) -> None:
    days: list[tuple[date, int]] = []
    at = D
    for count, gap in zip(counts, gaps, strict=False):
        days.append((at, count))
        at += timedelta(days=gap)
    batches = plan_batches(days, most)
    covered = [(d, n) for d, n in days for b in batches if b.start <= d <= b.end]
    assert covered == days  # each day once, batches in date order
    assert sum(b.orders for b in batches) == sum(n for _, n in days)
    for one, two in itertools.pairwise(batches):
        assert one.end < two.start
        first_of_next = next(n for d, n in days if d == two.start)
        assert one.orders + first_of_next > most  # a batch closes only when the next day won't fit
    for b in batches:
        inside = [n for d, n in days if b.start <= d <= b.end]
        assert b.orders == sum(inside)
        assert b.orders <= most or len(inside) == 1


@pytest.fixture(scope="module")
def scored_book(tmp_path_factory: pytest.TempPathFactory) -> Rulebook:
    return scored_rulebook(tmp_path_factory.mktemp("scored-book"))


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """6 shops x 6 days, scored on both platforms, no fee lines yet."""
    return scored_market(tmp_path_factory.mktemp("fee-batches"), shops=6, days=DAYS, seed=11)


def _copy(market: Path, root: Path, name: str) -> duckdb.DuckDBPyConnection:
    target = root / f"{name}.duckdb"
    shutil.copy(market, target)
    return connect(target)


def _lines(con: duckdb.DuckDBPyConnection) -> list[tuple[object, ...]]:
    columns = ", ".join(c.name for c in FEE_LINES.columns)
    return con.execute(f"SELECT {columns} FROM fee_lines ORDER BY ALL").fetchall()


@pytest.mark.parametrize("name", [*BOOKS, SCORED_BOOK])
def test_lines_do_not_depend_on_the_batches(
    market: Path, tmp_path: Path, name: str, scored_book: Rulebook
) -> None:
    book = scored_book if name == SCORED_BOOK else load_rulebook(name)
    whole = _copy(market, tmp_path, "whole")
    daily = _copy(market, tmp_path, "daily")
    told: list[str] = []
    try:
        one = run_rulebook(whole, book, DEFAULT_START, END, progress=told.append)
        assert told == []  # a single batch says nothing more than the stage does
        cut = run_rulebook(daily, book, DEFAULT_START, END, batch_orders=1, progress=told.append)
        paid_days = whole.execute(
            "SELECT count(DISTINCT CAST(paid_at AS DATE)), count(*) FROM orders "
            "WHERE paid_at >= ? AND paid_at < ?",
            [DEFAULT_START, END + timedelta(days=1)],
        ).fetchone()
        assert paid_days is not None
        assert paid_days[0] == DAYS
        assert len(told) == DAYS  # each day its own batch, each one reported
        assert told[-1].endswith(f"batch {DAYS} of {DAYS})")
        lines = _lines(whole)
        assert len(lines) > 0
        assert _lines(daily) == lines
        assert cut.totals == one.totals
        assert cut.orders == one.orders == paid_days[1]
        assert one.lines == len(lines)
        charged = whole.execute("SELECT sum(amount_fen) FROM fee_lines").fetchone()
        assert charged is not None
        assert sum(t.amount_fen for t in one.totals) == charged[0]
        again = run_rulebook(daily, book, DEFAULT_START, END, batch_orders=2)  # a third cut
        assert again.totals == one.totals
        assert _lines(daily) == lines  # re-running replaces, never adds
    finally:
        whole.close()
        daily.close()


def test_a_key_written_twice_in_a_later_batch_rolls_back_every_batch(
    market: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = load_rulebook("douyin-2026")
    con = _copy(market, tmp_path, "twice")
    try:
        run_rulebook(con, book, DEFAULT_START, END)
        before = _lines(con)
        plain = engine._insert_sql(book)
        columns = ", ".join(c.name for c in FEE_LINES.columns)
        query = engine.fee_lines_sql(book)
        doubled = (
            f"INSERT INTO fee_lines ({columns}) SELECT * FROM ({query})"
            f" UNION ALL (SELECT * FROM ({query}) WHERE CAST($end AS DATE) = "
            f"DATE '{END.isoformat()}' LIMIT 1)"
        )  # only the last day's batch writes a key twice
        monkeypatch.setattr(engine, "_insert_sql", lambda _: doubled)
        con.execute("UPDATE orders SET goods_fen = goods_fen + 100")
        with pytest.raises(IntegrityError, match="1 duplicate"):
            run_rulebook(con, book, DEFAULT_START, END, batch_orders=1)
        assert _lines(con) == before  # the earlier days' new lines went with it
        monkeypatch.setattr(engine, "_insert_sql", lambda _: plain)
        run_rulebook(con, book, DEFAULT_START, END, batch_orders=1)
        assert _lines(con) != before  # the raised goods are charged once the bug is gone
    finally:
        con.close()


def test_the_default_batch_follows_the_memory_limit() -> None:
    con = duckdb.connect()
    try:
        con.execute("SET memory_limit = '8GiB'")
        assert orders_per_batch(con) == 8 * 2**30 // BYTES_PER_ORDER
        con.execute("SET memory_limit = '512MiB'")
        assert orders_per_batch(con) == 512 * 2**20 // BYTES_PER_ORDER
        con.execute("SET memory_limit = '4MiB'")
        assert orders_per_batch(con) == MIN_BATCH_ORDERS
    finally:
        con.close()


def test_a_period_without_orders_says_where_the_orders_are(market: Path, tmp_path: Path) -> None:
    book = load_rulebook("douyin-2026")
    con = _copy(market, tmp_path, "early")
    empty = connect(tmp_path / "empty.duckdb")
    try:
        early = DEFAULT_START - timedelta(days=400)
        run = run_rulebook(con, book, early, early + timedelta(days=4))
        assert (run.orders, run.lines, run.totals) == (0, 0, ())
        last = END.isoformat()
        said = [w for w in run.warnings if w.startswith("no orders were paid in")]
        assert said == [
            f"no orders were paid in {early}..{early + timedelta(days=4)}: the warehouse's "
            f"orders were paid {DEFAULT_START}..{last}"
        ]
        nothing = run_rulebook(empty, book, DEFAULT_START, END)
        assert any("holds no orders" in w for w in nothing.warnings)
        full = run_rulebook(con, book, DEFAULT_START, END)
        assert not any(w.startswith("no orders") for w in full.warnings)
    finally:
        con.close()
        empty.close()
