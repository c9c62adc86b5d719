"""The console's reads (``service/console_reads.py``) on the API tests' generated market,
each checked against the warehouse's own tables with SQL written here."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from tests.console.conftest import market_db

from merchantry.kit.errors import InputError, NotFound
from merchantry.service import console_reads as reads
from merchantry.store.warehouse import connect

__all__ = ["market_db"]


@pytest.fixture
def con(market_db: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    found = connect(market_db, read_only=True)
    try:
        yield found
    finally:
        found.close()


def _busiest_shop(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute(
        "SELECT shop_id FROM fee_lines WHERE waiver_rule_id IS NOT NULL "
        "GROUP BY shop_id ORDER BY count(*) DESC, shop_id LIMIT 1"
    ).fetchone()
    assert row is not None, "the market has no waived fee line"
    return str(row[0])


def test_fee_statement_totals_and_waiver_savings(con: duckdb.DuckDBPyConnection) -> None:
    shop = _busiest_shop(con)
    start, end = reads.fee_period(con, shop, "douyin-2026")
    statement = reads.fee_statement(con, shop, "douyin-2026", start, end)
    by_kind = con.execute(
        "SELECT fee_kind, payer, payee, count(*), sum(amount_fen), sum(baseline_fen) "
        "FROM fee_lines WHERE shop_id = ? AND rulebook = 'douyin-2026' GROUP BY ALL ORDER BY ALL",
        [shop],
    ).fetchall()
    assert [
        (k.fee_kind, k.payer, k.payee, k.lines, k.amount_fen, k.baseline_fen)
        for k in statement.by_kind
    ] == [tuple(r) for r in by_kind]
    waivers = dict(
        con.execute(
            "SELECT waiver_rule_id, sum(baseline_fen - amount_fen) FROM fee_lines "
            "WHERE shop_id = ? AND rulebook = 'douyin-2026' AND waiver_rule_id IS NOT NULL "
            "GROUP BY ALL",
            [shop],
        ).fetchall()
    )
    assert {w.waiver_rule_id: w.saved_fen for w in statement.waivers} == waivers
    assert [w.saved_fen for w in statement.waivers] == sorted(waivers.values(), reverse=True)
    net = con.execute(
        "SELECT sum(CASE WHEN payer = 'merchant' THEN amount_fen "
        "WHEN payee = 'merchant' THEN -amount_fen ELSE 0 END) FROM fee_lines "
        "WHERE shop_id = ? AND rulebook = 'douyin-2026'",
        [shop],
    ).fetchone()
    assert net is not None
    assert statement.merchant_net_fen == net[0]
    assert all(x.rule_title for x in statement.lines)  # every line names its rule in words


def test_a_period_that_ends_before_it_starts_is_refused(con: duckdb.DuckDBPyConnection) -> None:
    shop = _busiest_shop(con)
    start, _end = reads.fee_period(con, shop, "douyin-2026")
    with pytest.raises(InputError, match="before it starts"):
        reads.fee_statement(con, shop, "douyin-2026", start, start.replace(year=start.year - 1))


def test_order_payout_and_its_amount(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        "SELECT order_id, status FROM order_payouts ORDER BY order_id LIMIT 1"
    ).fetchone()
    assert row is not None
    payout = reads.order_payout(con, str(row[0]))
    assert payout.status == row[1]
    pending = con.execute(
        "SELECT coalesce(sum(amount_fen), 0) FROM journal_postings WHERE order_id = ? "
        "AND account = 'merchant_pending' AND entry_kind <> 'settlement'",
        [row[0]],
    ).fetchone()
    assert pending is not None
    assert payout.amount_fen == pending[0]
    with pytest.raises(NotFound, match="no payout schedule"):
        reads.order_payout(con, "NO-SUCH-ORDER")


def test_score_distribution_counts_every_scored_shop(con: duckdb.DuckDBPyConnection) -> None:
    day, bands = reads.score_distribution(con, "douyin-score-2026-07", None)
    scored = con.execute(
        "SELECT count(*) FROM shop_scores WHERE rulebook = 'douyin-score-2026-07' "
        "AND score_date = ? AND score_cp IS NOT NULL",
        [day],
    ).fetchone()
    assert scored is not None
    assert sum(b.shops for b in bands) == scored[0] > 0
    assert all(b.high_cp - b.low_cp == 500 for b in bands)


def test_shop_lookup_by_id_and_by_part_of_the_name(con: duckdb.DuckDBPyConnection) -> None:
    shop_id, name = con.execute(
        "SELECT shop_id, name FROM shops ORDER BY shop_id LIMIT 1"
    ).fetchone() or (
        None,
        None,
    )
    assert shop_id is not None
    assert reads.find_shops(con, shop_id)[0].shop_id == shop_id
    assert shop_id in [h.shop_id for h in reads.find_shops(con, str(name)[1:3])]
    with pytest.raises(InputError):
        reads.find_shops(con, "  ")


def test_a_case_context_reads_the_request_the_ring_and_the_photos(
    con: duckdb.DuckDBPyConnection,
) -> None:
    row = con.execute(
        "SELECT d.case_id, o.buyer_id FROM risk_decisions AS d JOIN after_sales AS a "
        "USING (case_id) JOIN orders AS o ON o.order_id = a.order_id "
        "WHERE len(a.evidence_images) > 0 ORDER BY d.score DESC, d.case_id LIMIT 1"
    ).fetchone()
    assert row is not None
    context = reads.case_context(con, str(row[0]))
    assert context.request["case_id"] == row[0]
    assert context.decision is not None
    images = con.execute(
        "SELECT evidence_images FROM after_sales WHERE case_id = ?", [row[0]]
    ).fetchone()
    assert images is not None
    assert sorted(p.ref for p in context.photos) == sorted(set(images[0]))
    member = con.execute(
        "SELECT ring_id FROM risk_ring_members WHERE buyer_id = ?", [row[1]]
    ).fetchone()
    assert (context.ring.ring_id if context.ring else None) == (member[0] if member else None)
    with pytest.raises(NotFound):
        reads.case_context(con, "NO-SUCH-REQUEST")
