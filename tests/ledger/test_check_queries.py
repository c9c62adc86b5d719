"""The journal checks' cheaper queries find exactly what their plain forms find."""

from __future__ import annotations

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from merchantry.ledger.check import (
    DUPLICATE_LEGS,
    DUPLICATE_LEGS_NEW,
    MOVEMENTS_DISAGREE,
    NEW_SUMS,
    WHOLE_MOVEMENTS_DISAGREE,
)
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


PLAIN_MOVEMENTS = """
SELECT account || ' ' || coalesce(nullif(party, ''), '-') || ' ' || CAST(booked_on AS VARCHAR)
       || ' ' || entry_kind
FROM (
  SELECT account, party, booked_on, entry_kind, sum(amount_fen) AS fen, count(*) AS n
  FROM journal_postings WHERE rowid >= $postings_from
  GROUP BY account, party, booked_on, entry_kind
) AS p
FULL JOIN (
  SELECT account, party, booked_on, entry_kind, sum(amount_fen) AS fen, sum(postings) AS n
  FROM journal_movements WHERE rowid >= $movements_from
  GROUP BY account, party, booked_on, entry_kind
) AS m USING (account, party, booked_on, entry_kind)
WHERE p.fen IS DISTINCT FROM m.fen OR p.n IS DISTINCT FROM m.n
"""
"""The exact comparison with no digest in front: the oracle, written out here."""

MOVEMENT_KEY = st.tuples(
    st.sampled_from(["cash", "fees"]),
    st.sampled_from(["", "s1", "s2"]),
    st.sampled_from(["2026-03-01", "2026-03-02"]),
    st.sampled_from(["sale", "refund"]),
)
MOVEMENT_POSTINGS = st.lists(
    st.tuples(MOVEMENT_KEY, st.sampled_from([None, -(2**58), -7, -1, 0, 1, 5, 2**58])),
    max_size=25,
)
SLIPS = st.lists(
    st.tuples(
        st.sampled_from(["drop", "money", "count", "extra", "swap"]),
        st.integers(0, 30),
        st.sampled_from([-(2**40), -2, -1, 1, 3]),
        MOVEMENT_KEY,
    ),
    max_size=3,
)


def _movement_tables(con: duckdb.DuckDBPyConnection) -> None:
    columns = "account VARCHAR, party VARCHAR, booked_on DATE, entry_kind VARCHAR"
    con.execute(f"CREATE TABLE journal_postings ({columns}, amount_fen BIGINT)")
    con.execute(f"CREATE TABLE journal_movements ({columns}, amount_fen BIGINT, postings BIGINT)")


def _write_movements(
    con: duckdb.DuckDBPyConnection,
    postings: list[tuple[tuple[str, str, str, str], int | None]],
    slips: list[tuple[str, int, int, tuple[str, str, str, str]]],
) -> None:
    """The movements of ``postings`` as the close writes them (a sum and count per key), then
    the ``slips`` a wrong close might make: a row dropped, money or a count off, a row too
    many, or a row's money booked under another key."""
    sums: dict[tuple[str, str, str, str], list[int | None]] = {}
    for key, fen in postings:
        row = sums.setdefault(key, [None, 0])
        row[0] = row[0] if fen is None else (row[0] or 0) + fen
        row[1] = int(row[1] or 0) + 1
    rows = [[*key, fen, n] for key, (fen, n) in sums.items()]
    for slip, at, by, key in slips:
        if slip == "extra" or not rows:
            rows.append([*key, by, 1])
            continue
        row = rows[at % len(rows)]
        if slip == "drop":
            rows.remove(row)
        elif slip == "money":
            row[4] = (row[4] or 0) + by
        elif slip == "count":
            row[5] = row[5] + by
        else:
            row[0:4] = list(key)
    if rows:
        con.executemany("INSERT INTO journal_movements VALUES (?, ?, ?, ?, ?, ?)", rows)


@settings(max_examples=200, deadline=None)
@given(old=MOVEMENT_POSTINGS, new=MOVEMENT_POSTINGS, slips=SLIPS, old_slips=SLIPS)
def test_the_movements_check_behind_its_digest_equals_the_plain_comparison(
    old: list[tuple[tuple[str, str, str, str], int | None]],
    new: list[tuple[tuple[str, str, str, str], int | None]],
    slips: list[tuple[str, int, int, tuple[str, str, str, str]]],
    old_slips: list[tuple[str, int, int, tuple[str, str, str, str]]],
) -> None:
    """Whatever a close got wrong in the movements it wrote (or an earlier close did, before
    the mark), the check with its digest in front names the same keys as the plain
    comparison; a wrong set of movements is never passed as right."""
    con = duckdb.connect()
    try:
        _movement_tables(con)
        for postings, wrong in ((old, old_slips), (new, slips)):
            if postings:
                con.executemany(
                    "INSERT INTO journal_postings VALUES (?, ?, ?, ?, ?)",
                    [(*key, fen) for key, fen in postings],
                )
            _write_movements(con, postings, wrong)
            if postings is old:
                marks = {
                    "postings_from": len(old),
                    "movements_from": con.execute(
                        "SELECT count(*) FROM journal_movements"
                    ).fetchone()[0],  # type: ignore[index]
                }
        expected = sorted(r[0] for r in run_sql(con, PLAIN_MOVEMENTS, marks).fetchall())
        assert sorted(r[0] for r in run_sql(con, MOVEMENTS_DISAGREE, marks).fetchall()) == expected
        whole = {"postings_from": 0, "movements_from": 0}
        assert sorted(r[0] for r in run_sql(con, WHOLE_MOVEMENTS_DISAGREE).fetchall()) == sorted(
            r[0] for r in run_sql(con, PLAIN_MOVEMENTS, whole).fetchall()
        )
    finally:
        con.close()
