"""The journal's index of shops: the close keeps it, it answers the deposit stage's question
("did another close post this shop?") as the entries would, and the checks catch it wrong."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from merchantry.fees import run_rulebook
from merchantry.kit.errors import IntegrityError
from merchantry.ledger import journal
from merchantry.ledger.check import SHOPS_DISAGREE, check_journal
from merchantry.ledger.daily import close_days
from merchantry.ledger.rewards import post_rewards
from merchantry.ledger.shops import INDEX_SHOPS_OF
from merchantry.model.outputs import OVERTURN_KEY_PREFIX
from merchantry.store.sql import fill_sql
from merchantry.store.warehouse import connect
from tests.ledger.factories import add_category, add_order, add_shop, ledger_rulebook
from tests.ledger.factories import close as close_with_fees

APART = (f"{OVERTURN_KEY_PREFIX}a", "listings:douyin", "withdrawal|w1", "rewards:r1", "seeding:s1")
"""Keys of entries posted apart from a period's close, as their posters make them."""

KEYS = ("k1", "k2", "k3", *APART, None)
CLOSES = ("k1", "k2", "k3")
SHOPS = ("s1", "s2", "s3", "s4", None)

BATCHES = st.lists(
    st.lists(st.tuples(st.sampled_from(SHOPS), st.sampled_from(KEYS)), max_size=8), max_size=6
)

INDEX_BATCH = fill_sql(INDEX_SHOPS_OF, p_new="batch")

OTHERS_BY_ENTRIES = (
    "SELECT DISTINCT shop_id FROM journal_entries WHERE close_key <> ? AND shop_id IS NOT NULL"
    " AND close_key NOT LIKE 'overturn:%' AND close_key NOT LIKE 'listings:%'"
    " AND close_key NOT LIKE 'withdrawal|%' AND close_key NOT LIKE 'rewards:%'"
    " AND close_key NOT LIKE 'seeding:%'"
)
"""The question asked of the entries themselves (another period close posted the shop;
entries posted apart from a close do not count): the oracle, written out here."""


def _shops(con: duckdb.DuckDBPyConnection, sql: str, key: str) -> set[str]:
    return {str(r[0]) for r in con.execute(sql, [key]).fetchall()}


@settings(max_examples=150, deadline=None)
@given(batches=BATCHES)
def test_the_index_answers_what_the_entries_answer_after_any_postings(
    batches: list[list[tuple[str | None, str | None]]],
) -> None:
    """Batches of entries of any shops and closes (several closes in one batch, as a batch
    of reversals has; rows without a shop or a close; keys of entries posted apart from a
    close: an overturn, a listing penalty, a withdrawal, rewards or seeding) are posted,
    each indexed as the journal does; after each, for every close key, the shops another
    period close posted are the same asked of the index as of every entry, and the index
    agrees with the entries by the ledger check's own query, with never more than two rows
    a shop."""
    con = duckdb.connect()
    try:
        con.execute("CREATE TABLE journal_entries (shop_id VARCHAR, close_key VARCHAR)")
        con.execute("CREATE TABLE journal_shops (shop_id VARCHAR, close_key VARCHAR)")
        for rows in batches:
            con.execute("CREATE OR REPLACE TEMP TABLE batch (shop_id VARCHAR, close_key VARCHAR)")
            if rows:
                con.executemany("INSERT INTO batch VALUES (?, ?)", rows)
                con.execute("INSERT INTO journal_entries FROM batch")
            con.execute(INDEX_BATCH)
            assert con.execute(SHOPS_DISAGREE).fetchall() == []
            for asked in (*CLOSES, "k4"):
                assert _shops(
                    con, "SELECT shop_id FROM journal_shops WHERE close_key <> ?", asked
                ) == _shops(con, OTHERS_BY_ENTRIES, asked)
        per_shop = con.execute(
            "SELECT max(n) FROM (SELECT count(*) AS n FROM journal_shops GROUP BY shop_id)"
        ).fetchone()
        assert per_shop is not None
        assert (per_shop[0] or 0) <= 2  # bounded by the shops, not the closes
    finally:
        con.close()


def _add(con: duckdb.DuckDBPyConnection, shop: str, day: int) -> None:
    add_shop(con, shop)
    add_order(con, f"O{shop}a", datetime(2026, 3, day, 10), 10_000, shop_id=shop)
    add_order(con, f"O{shop}b", datetime(2026, 3, day + 1, 10), 8_000, shop_id=shop)


def _market(path: Path) -> duckdb.DuckDBPyConnection:
    """Three shops, selling from the 2nd, 4th and 6th of March."""
    con = connect(path)
    add_category(con)
    for n, shop in enumerate(("S1", "S2", "S3")):
        _add(con, shop, 2 + 2 * n)
    return con


def test_shops_joining_day_by_day_each_get_one_opening_on_their_first_day(
    tmp_path: Path,
) -> None:
    """A shop joins the marketplace, then sells: the day's close that first sees it opens
    its deposit, once, and no later day opens it again."""
    con = connect(tmp_path / "w.duckdb")
    add_category(con)
    book = ledger_rulebook()
    for shop, day in (("S1", 2), ("S2", 4), ("S3", 6)):
        _add(con, shop, day)
        run_rulebook(con, book, date(2026, 3, day), date(2026, 3, day + 1))
        close_days(con, book, date(2026, 3, day), date(2026, 3, day + 1))
    close_days(con, book, date(2026, 3, 8), date(2026, 3, 9))
    openings = con.execute(
        "SELECT shop_id, booked_on, count(*) OVER (PARTITION BY shop_id) FROM journal_entries"
        " WHERE kind = 'deposit_opening' ORDER BY shop_id"
    ).fetchall()
    assert openings == [
        ("S1", date(2026, 3, 2), 1),
        ("S2", date(2026, 3, 4), 1),
        ("S3", date(2026, 3, 6), 1),
    ]
    assert con.execute(
        "SELECT count(*) FROM journal_shops GROUP BY shop_id ORDER BY shop_id"
    ).fetchall() == [(2,), (2,), (2,)]  # each posted by more than one day's close
    assert check_journal(con) == []


def test_a_close_that_leaves_a_shop_out_of_the_index_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    con = _market(tmp_path / "w.duckdb")
    for inserts in ("FRESH", "INSERTS"):  # a journal that forgets it
        monkeypatch.setattr(journal, inserts, getattr(journal, inserts)._replace(shops="SELECT 1"))
    with pytest.raises(
        IntegrityError,
        match="shops-index-disagrees: shops the close posted that journal_shops lacks: 3 ",
    ):
        close_with_fees(con, date(2026, 3, 1), date(2026, 3, 31))
    assert con.execute("SELECT count(*) FROM journal_entries").fetchone() == (0,)


def test_the_ledger_check_finds_an_index_row_lost_or_wrong(tmp_path: Path) -> None:
    con = _market(tmp_path / "w.duckdb")
    close_with_fees(con, date(2026, 3, 1), date(2026, 3, 31))
    assert check_journal(con) == []
    con.execute("DELETE FROM journal_shops WHERE shop_id = 'S2'")
    con.execute("UPDATE journal_shops SET close_key = 'never' WHERE shop_id = 'S3'")
    problems = check_journal(con)
    assert [(p.code, p.ids) for p in problems] == [("shops-index-disagrees", ("S2", "S3"))]


def test_a_warehouse_made_before_the_index_gets_it_from_its_entries(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    con = _market(path)
    run_rulebook(con, ledger_rulebook(), date(2026, 3, 1), date(2026, 3, 31))
    close_days(con, ledger_rulebook(), date(2026, 3, 1), date(2026, 3, 5))
    kept = sorted(con.execute("SELECT * FROM journal_shops").fetchall())
    con.execute("DROP TABLE journal_shops")  # as a warehouse made before it existed
    con.close()
    reader = connect(path, read_only=True)  # cannot fill it: reads a view of the same query
    assert reader.execute(SHOPS_DISAGREE).fetchall() == []
    assert reader.execute("SELECT count(*) FROM journal_shops").fetchone() == (len(kept),)
    reader.close()
    reopened = connect(path)
    assert reopened.execute(SHOPS_DISAGREE).fetchall() == []
    assert {r[0] for r in reopened.execute("SELECT shop_id FROM journal_shops").fetchall()} == {
        shop for shop, _ in kept
    }
    close_days(reopened, ledger_rulebook(), date(2026, 3, 6), date(2026, 3, 8))
    assert reopened.execute(
        "SELECT count(*) FROM journal_entries WHERE kind = 'deposit_opening'"
    ).fetchone() == (3,)
    assert check_journal(reopened) == []


def test_an_index_holding_entries_posted_apart_is_derived_again(tmp_path: Path) -> None:
    """A warehouse whose index (as kept until 2026-12-06) holds the key of entries posted
    apart from a close gets it derived again from its entries when opened for writing: the
    check agrees, and a shop only such entries named is opened by its first close."""
    path = tmp_path / "w.duckdb"
    con = _market(path)
    close_with_fees(con, date(2026, 3, 1), date(2026, 3, 31))
    add_shop(con, "S4", opened=date(2026, 4, 2))
    con.execute(
        "INSERT INTO program_rewards VALUES ('RW4', 'test-programme', 'S4', 'T1',"
        " 'test-programme/T1', 'cash', 8000, 8000, 0, 'none', DATE '2026-04-02', NULL)"
    )
    assert post_rewards(con, "ledger-test", date(2026, 4, 1), date(2026, 4, 30)).posted == 1
    assert check_journal(con) == []
    con.execute(  # the old upkeep indexed them too
        "INSERT INTO journal_shops SELECT shop_id, close_key FROM journal_entries"
        " WHERE shop_id = 'S4'"
    )
    assert [p.code for p in check_journal(con)] == ["shops-index-disagrees"]
    con.close()
    reopened = connect(path)
    try:
        assert reopened.execute(
            "SELECT count(*) FROM journal_shops WHERE shop_id = 'S4'"
        ).fetchone() == (0,)
        assert check_journal(reopened) == []
        close_with_fees(reopened, date(2026, 4, 1), date(2026, 4, 30))
        assert reopened.execute(
            "SELECT booked_on FROM journal_entries"
            " WHERE kind = 'deposit_opening' AND shop_id = 'S4'"
        ).fetchall() == [(date(2026, 4, 2),)]
    finally:
        reopened.close()
