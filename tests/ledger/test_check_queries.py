"""The journal checks' cheaper queries find exactly what their plain forms find."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from merchantry.ledger.check import DUPLICATE_LEGS, DUPLICATE_LEGS_NEW, NEW_SUMS
from merchantry.store.sql import run_sql

PLAIN = (
    "SELECT entry_id || '#' || leg FROM journal_postings WHERE rowid >= $postings_from"
    " GROUP BY entry_id, leg HAVING count(*) > 1"
)
"""The exact test over every (entry, leg) pair: the oracle, written out here."""

PLAIN_UNBALANCED = (
    "SELECT entry_id FROM journal_postings WHERE rowid >= $postings_from"
    " GROUP BY entry_id HAVING sum(amount_fen) <> 0"
)
PLAIN_MOVED = (
    "SELECT entry_id || ' ' || CAST(sum(abs(amount_fen)) AS VARCHAR) FROM journal_postings"
    " WHERE rowid >= $postings_from GROUP BY entry_id"
)
UNBALANCED_NEW = "SELECT entry_id FROM ledger_new_sums WHERE fen <> 0"
MOVED_NEW = "SELECT entry_id || ' ' || CAST(moved_fen AS VARCHAR) FROM ledger_new_sums"

LEGS = st.sampled_from([None, -3, 0, 1, 2, 3, 5, 61, 62, 63, 64, 200])
POSTINGS = st.lists(
    st.tuples(st.sampled_from(["e1", "e2", "e3", "e4"]), LEGS, st.integers(-3, 3)), max_size=30
)


def _table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(
        "CREATE TABLE journal_postings (entry_id VARCHAR, leg INTEGER, amount_fen BIGINT DEFAULT 0)"
    )


def _found(con: duckdb.DuckDBPyConnection, sql: str, since: int) -> list[str | None]:
    params = {"postings_from": since}
    if "ledger_new_sums" in sql:
        run_sql(con, NEW_SUMS, params)
    rows = run_sql(con, sql, params).fetchall()
    return sorted((r[0] for r in rows), key=str)


@settings(max_examples=150, deadline=None)
@given(old=POSTINGS, new=POSTINGS)
def test_the_checks_over_the_new_sums_equal_the_plain_group_bys(
    old: list[tuple[str, int | None, int]], new: list[tuple[str, int | None, int]]
) -> None:
    con = duckdb.connect()
    try:
        _table(con)
        rows = old + new
        if rows:
            con.executemany("INSERT INTO journal_postings VALUES (?, ?, ?)", rows)
        since = len(old)
        assert _found(con, DUPLICATE_LEGS_NEW, since) == _found(con, PLAIN, since)
        assert _found(con, DUPLICATE_LEGS, 0) == _found(con, PLAIN, 0)
        assert _found(con, UNBALANCED_NEW, since) == _found(con, PLAIN_UNBALANCED, since)
        assert _found(con, MOVED_NEW, since) == _found(con, PLAIN_MOVED, since)
    finally:
        con.close()


def test_a_repeat_the_bit_mask_cannot_see_is_still_found() -> None:
    con = duckdb.connect()
    try:
        _table(con)
        con.execute(
            "INSERT INTO journal_postings (entry_id, leg) VALUES ('a', 1), ('a', 2), ('b', 1),"
            " ('b', 1), ('c', 70), ('c', 70), ('d', 70), ('d', 71), ('e', 3), ('e', 3), ('e', 3)"
        )
        assert _found(con, DUPLICATE_LEGS, 0) == ["b#1", "c#70", "e#3"]
        assert _found(con, DUPLICATE_LEGS_NEW, 4) == ["c#70", "e#3"]  # 'a' and 'b' are older
    finally:
        con.close()
