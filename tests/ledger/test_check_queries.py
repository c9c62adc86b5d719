"""The journal checks' cheaper queries find exactly what their plain forms find."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from merchantry.ledger.check import DUPLICATE_LEGS, DUPLICATE_LEGS_SINCE
from merchantry.store.sql import run_sql

PLAIN = (
    "SELECT entry_id || '#' || leg FROM journal_postings WHERE rowid >= $postings_from"
    " GROUP BY entry_id, leg HAVING count(*) > 1"
)
"""The exact test over every (entry, leg) pair: the oracle, written out here."""

LEGS = st.sampled_from([None, -3, 0, 1, 2, 3, 5, 61, 62, 63, 64, 200])
POSTINGS = st.lists(st.tuples(st.sampled_from(["e1", "e2", "e3", "e4"]), LEGS), max_size=30)


def _found(con: duckdb.DuckDBPyConnection, sql: str, since: int) -> list[str | None]:
    rows = run_sql(con, sql, {"postings_from": since}).fetchall()
    return sorted((r[0] for r in rows), key=str)


@settings(max_examples=150, deadline=None)
@given(old=POSTINGS, new=POSTINGS)
def test_duplicate_legs_equal_the_plain_group_by(
    old: list[tuple[str, int | None]], new: list[tuple[str, int | None]]
) -> None:
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE journal_postings (entry_id VARCHAR, leg INTEGER)")
        rows = old + new
        if rows:
            con.executemany("INSERT INTO journal_postings VALUES (?, ?)", rows)
        since = len(old)
        assert _found(con, DUPLICATE_LEGS_SINCE, since) == _found(con, PLAIN, since)
        assert _found(con, DUPLICATE_LEGS, 0) == _found(con, PLAIN, 0)
    finally:
        con.close()


def test_a_repeat_the_bit_mask_cannot_see_is_still_found() -> None:
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE journal_postings (entry_id VARCHAR, leg INTEGER)")
        con.execute(
            "INSERT INTO journal_postings VALUES ('a', 1), ('a', 2), ('b', 1), ('b', 1),"
            " ('c', 70), ('c', 70), ('d', 70), ('d', 71), ('e', 3), ('e', 3), ('e', 3)"
        )
        assert _found(con, DUPLICATE_LEGS, 0) == ["b#1", "c#70", "e#3"]
        assert _found(con, DUPLICATE_LEGS_SINCE, 4) == ["c#70", "e#3"]  # 'a' and 'b' are older
    finally:
        con.close()
