"""The console's reads (``service/console_reads.py``) on the API tests' generated market,
each checked against the warehouse's own tables with SQL written here."""

from __future__ import annotations

import statistics
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from tests.console.conftest import market_db

from merchantry.kit.errors import InputError, NotFound
from merchantry.rulebook.checker import load_rulebook
from merchantry.scoring.diagnosis import diagnose_score
from merchantry.service import console_reads as reads
from merchantry.service import merchant
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


def test_fee_statement_windows_are_the_whole_in_order_with_the_same_totals(
    con: duckdb.DuckDBPyConnection,
) -> None:
    shop = _busiest_shop(con)
    start, end = reads.fee_period(con, shop, "douyin-2026")
    whole = reads.fee_statement(con, shop, "douyin-2026", start, end)
    assert whole.lines_total == len(whole.lines) > 7
    windows = [
        reads.fee_statement(con, shop, "douyin-2026", start, end, limit=7, offset=at)
        for at in range(0, whole.lines_total, 7)
    ]
    assert [x for w in windows for x in w.lines] == list(whole.lines)
    assert {(w.by_kind, w.waivers, w.lines_total) for w in windows} == {
        (whole.by_kind, whole.waivers, whole.lines_total)
    }
    counted = reads.fee_statement(con, shop, "douyin-2026", start, end, limit=0)
    assert (counted.lines, counted.lines_total) == ((), whole.lines_total)


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


def test_expected_payout_of_orders_awaiting_receipt(con: duckdb.DuckDBPyConnection) -> None:
    """Delivery (or the shop's median transit and shipping lag, when not delivered yet) plus
    the rulebook's auto-receipt days plus the order's settlement days."""
    row = con.execute(
        "SELECT shop_id, rulebook FROM order_payouts WHERE status = 'awaiting_receipt' "
        "GROUP BY ALL ORDER BY count(*) DESC, shop_id LIMIT 1"
    ).fetchone()
    assert row is not None, "the market has no order awaiting receipt"
    shop, book_name = str(row[0]), str(row[1])
    orders, _ = merchant.payouts_by_order(con, shop, date.min, date.max, limit=10_000)
    waiting = [o for o in orders if o.status == "awaiting_receipt"]
    events: dict[str, dict[str, date]] = {}
    for order_id, event, at in con.execute(
        "SELECT l.order_id, l.event, CAST(l.event_at AS DATE) FROM logistics_events AS l "
        "JOIN order_payouts AS p USING (order_id) WHERE p.shop_id = ? ORDER BY l.event_at",
        [shop],
    ).fetchall():
        seen = events.setdefault(str(order_id), {})
        if event == "delivered" or event not in seen:  # the first shipment, the last delivery
            seen[str(event)] = at
    paid = dict(
        con.execute(
            "SELECT order_id, paid_on FROM order_payouts WHERE shop_id = ?", [shop]
        ).fetchall()
    )
    transit = statistics.median_low(
        (e["delivered"] - e["shipped"]).days
        for e in events.values()
        if "delivered" in e and "shipped" in e
    )
    lag = statistics.median_low(
        (e["shipped"] - paid[o]).days for o, e in events.items() if "shipped" in e
    )
    book = load_rulebook(book_name)
    auto = [r for r in book.rules if r.effect.kind == "auto_confirm_days"]
    assert len(auto) == 1
    auto_days = auto[0].effect.int("days")

    found = reads.expected_payouts(con, shop, orders, book)
    assert set(found) == {o.order_id for o in waiting}
    bases = set()
    for o in waiting:
        got = found[o.order_id]
        seen = events.get(o.order_id, {})
        if "shipped" in seen:
            delivery = seen["shipped"] + timedelta(days=transit)
        else:
            assert o.paid_on is not None
            delivery = o.paid_on + timedelta(days=lag + transit)
        assert o.settlement_days is not None
        assert got.expected_on == delivery + timedelta(days=auto_days + o.settlement_days)
        assert got.auto_rule_id == auto[0].id
        bases.add(got.basis)
    assert bases <= {"shipped", "not_shipped"}
    assert found[waiting[0].order_id].expected_on is not None


def test_a_rulebook_without_auto_receipt_expects_no_day(con: duckdb.DuckDBPyConnection) -> None:
    row = con.execute(
        "SELECT shop_id, rulebook FROM order_payouts WHERE status = 'awaiting_receipt' LIMIT 1"
    ).fetchone()
    assert row is not None
    book = load_rulebook(str(row[1]))
    bare = replace(book, rules=tuple(r for r in book.rules if r.effect.kind != "auto_confirm_days"))
    orders, _ = merchant.payouts_by_order(con, str(row[0]), date.min, date.max, limit=10_000)
    found = reads.expected_payouts(con, str(row[0]), orders, bare)
    assert found
    assert all(e.expected_on is None and e.auto_days is None for e in found.values())


@pytest.mark.slow
def test_score_findings_are_the_diagnosis_findings(con: duckdb.DuckDBPyConnection) -> None:
    """One stage-B pass over every what-if gives exactly what the diagnosis finds by
    recomputing once per indicator (both rulebooks, the shops with the most to gain)."""
    compared = 0
    for name in ("douyin-score-2026-07", "taobao-score-2026"):
        book = load_rulebook(name)
        day = con.execute(
            "SELECT max(score_date) FROM shop_scores WHERE rulebook = ?", [name]
        ).fetchone()
        if day is None or day[0] is None:
            continue
        shops = [
            str(r[0])
            for r in con.execute(
                "SELECT shop_id FROM shop_scores WHERE rulebook = ? AND score_date = ? "
                "ORDER BY stage = 'formal' DESC, score_cp, shop_id LIMIT 1",
                [name, day[0]],
            ).fetchall()
        ]
        for shop in shops:
            fast = reads.score_findings(con, book, shop, day[0])
            slow = diagnose_score(con, book, shop, day[0])
            assert fast.findings == slow.findings, (name, shop)
            assert (fast.stage, fast.score_cp, fast.industry, fast.shop_name) == (
                slow.stage,
                slow.score_cp,
                slow.industry,
                slow.shop_name,
            )
            compared += 1
    assert compared == 2
