"""Reads the console needs beyond the API's: a fee statement, one order's payout, the score's
detail, a case's context (with the buyer's integrity level from the operational database),
score distribution and shop lookup.

Like :mod:`merchantry.service.merchant`, each function reads the warehouse through the
connection it is given (a published snapshot), answers for what it is asked, and raises
``NotFound`` naming what is missing rather than answering empty. Who may ask for which
shop is the front end's check.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

import duckdb
import sqlglot.expressions as exp
from sqlalchemy import Engine

from merchantry.kit.errors import InputError, NotFound
from merchantry.report.names import Vocabulary, fill, label
from merchantry.returns.diagnosis import ReturnDiagnosis
from merchantry.risk.access import Scope
from merchantry.risk.integrity import buyer_level, buyer_records
from merchantry.risk.settings import RiskSettings
from merchantry.rulebook.model import Rulebook
from merchantry.scoring.compute import Plan, compile_scores, ind
from merchantry.scoring.diagnosis import MEDIANS_SQL, Finding, ScoreDiagnosis, action
from merchantry.scoring.indicators import INDICATORS
from merchantry.scoring.inputs import build_measures, create_temp, label_terms
from merchantry.scoring.rules import F, lit
from merchantry.scoring.stage import prepare
from merchantry.service import returns as returns_use_case
from merchantry.store.sql import ident, select_from
from merchantry.store.warehouse import table_exists

FEE_LINES: Final = """
SELECT f.accrued_on, f.order_id, f.fee_kind, f.payer, f.payee, f.base_fen, f.rate_bp,
       f.amount_fen, f.baseline_fen, f.rule_id, r.title AS rule_title,
       coalesce(r.assumption, false) AS assumption, f.waiver_rule_id, w.title AS waiver_title
FROM fee_lines AS f
LEFT JOIN rulebook_rules AS r ON r.rulebook = f.rulebook AND r.rule_id = f.rule_id
LEFT JOIN rulebook_rules AS w ON w.rulebook = f.rulebook AND w.rule_id = f.waiver_rule_id
WHERE f.rulebook = $rulebook AND f.shop_id = $shop AND f.accrued_on BETWEEN $start AND $end
ORDER BY f.accrued_on, f.order_id, f.fee_kind
LIMIT $limit OFFSET $offset
"""
"""One window of the shop's fee lines (``$limit`` NULL: every one)."""

FEE_KIND_TOTALS: Final = """
SELECT fee_kind, payer, payee, count(*) AS lines,
       CAST(sum(amount_fen) AS BIGINT) AS amount_fen,
       CAST(sum(baseline_fen) AS BIGINT) AS baseline_fen,
       CAST(sum(baseline_fen - amount_fen) AS BIGINT) AS saved_fen
FROM fee_lines
WHERE rulebook = $rulebook AND shop_id = $shop AND accrued_on BETWEEN $start AND $end
GROUP BY fee_kind, payer, payee
ORDER BY fee_kind, payer, payee
"""
"""The period's totals by fee kind and direction, over every line whichever are shown."""

WAIVER_TOTALS: Final = """
SELECT f.waiver_rule_id, coalesce(min(w.title), f.waiver_rule_id) AS title, count(*) AS lines,
       CAST(sum(f.baseline_fen - f.amount_fen) AS BIGINT) AS saved_fen
FROM fee_lines AS f
LEFT JOIN rulebook_rules AS w ON w.rulebook = f.rulebook AND w.rule_id = f.waiver_rule_id
WHERE f.rulebook = $rulebook AND f.shop_id = $shop AND f.accrued_on BETWEEN $start AND $end
  AND coalesce(f.waiver_rule_id, '') <> ''
GROUP BY f.waiver_rule_id
ORDER BY saved_fen DESC, f.waiver_rule_id
"""
"""What each waiver rule saved the shop over the period."""


def _rows(con: duckdb.DuckDBPyConnection, sql: str, params: Any) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description or ()]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _need(con: duckdb.DuckDBPyConnection, table: str, how: str) -> None:
    if not table_exists(con, table):
        raise NotFound(f"the warehouse has no {table} yet; {how}")


@dataclass(frozen=True, slots=True)
class FeeLine:
    """One fee line on the statement, with its rule and what its waiver saved."""

    accrued_on: date
    order_id: str
    fee_kind: str
    payer: str
    payee: str
    base_fen: int | None
    rate_bp: int | None
    amount_fen: int
    baseline_fen: int
    rule_id: str
    rule_title: str
    assumption: bool
    waiver_rule_id: str | None
    waiver_title: str | None

    @property
    def saved_fen(self) -> int:
        """What the waiver took off (``baseline − amount``; 0 without a waiver)."""
        return self.baseline_fen - self.amount_fen


@dataclass(frozen=True, slots=True)
class FeeKindTotal:
    fee_kind: str
    payer: str
    payee: str
    lines: int
    amount_fen: int
    baseline_fen: int
    saved_fen: int


@dataclass(frozen=True, slots=True)
class WaiverSaving:
    """What one waiver rule saved the shop over the period."""

    waiver_rule_id: str
    title: str
    lines: int
    saved_fen: int


@dataclass(frozen=True, slots=True)
class FeeStatement:
    """A shop's fee lines over a period under one rulebook, with totals."""

    shop_id: str
    rulebook: str
    start: date
    end: date
    lines: tuple[FeeLine, ...]
    """Every line of the period, or one window of them (:attr:`lines_offset`)."""
    by_kind: tuple[FeeKindTotal, ...]
    """Totals over every line of the period."""
    waivers: tuple[WaiverSaving, ...]
    lines_offset: int = 0
    """How many of the period's lines come before the first of ``lines``."""

    @property
    def lines_total(self) -> int:
        """How many lines the period has (whichever are in ``lines``)."""
        return sum(t.lines for t in self.by_kind)

    @property
    def merchant_net_fen(self) -> int:
        """What the merchant pays net: lines it pays, less lines paid to it (a coupon
        subsidy); refunds of fees are negative lines and so come off."""
        paid = sum(t.amount_fen for t in self.by_kind if t.payer == "merchant")
        return paid - sum(t.amount_fen for t in self.by_kind if t.payee == "merchant")

    @property
    def saved_fen(self) -> int:
        """What waivers took off the lines the merchant pays."""
        return sum(t.saved_fen for t in self.by_kind if t.payer == "merchant")


def fee_rulebooks(con: duckdb.DuckDBPyConnection, shop: str) -> list[str]:
    """Rulebooks the shop's orders were priced under, most lines first."""
    _need(con, "fee_lines", "run `merchantry fees` first")
    rows = con.execute(
        "SELECT rulebook FROM fee_lines WHERE shop_id = ? GROUP BY rulebook "
        "ORDER BY count(*) DESC, rulebook",
        [shop],
    ).fetchall()
    return [str(r[0]) for r in rows]


def fee_period(con: duckdb.DuckDBPyConnection, shop: str, rulebook: str) -> tuple[date, date]:
    """The first and last day the shop has fee lines under ``rulebook``."""
    row = con.execute(
        "SELECT min(accrued_on), max(accrued_on) FROM fee_lines WHERE shop_id = ? AND rulebook = ?",
        [shop, rulebook],
    ).fetchone()
    if row is None or row[0] is None:
        raise NotFound(f"shop {shop!r} has no fee lines under {rulebook}")
    return row[0], row[1]


def fee_statement(
    con: duckdb.DuckDBPyConnection,
    shop: str,
    rulebook: str,
    start: date,
    end: date,
    *,
    limit: int | None = None,
    offset: int = 0,
) -> FeeStatement:
    """The shop's fee lines accrued ``start``..``end`` under ``rulebook`` (every one, or
    ``limit`` of them after ``offset``), with the period's totals over every line."""
    if end < start:
        raise InputError(f"the period ends ({end}) before it starts ({start})")
    _need(con, "fee_lines", "run `merchantry fees` first")
    params = {"rulebook": rulebook, "shop": shop, "start": start, "end": end}
    lines = tuple(
        FeeLine(
            r["accrued_on"],
            str(r["order_id"]),
            str(r["fee_kind"]),
            str(r["payer"]),
            str(r["payee"]),
            None if r["base_fen"] is None else int(r["base_fen"]),
            None if r["rate_bp"] is None else int(r["rate_bp"]),
            int(r["amount_fen"]),
            int(r["baseline_fen"]),
            str(r["rule_id"]),
            str(r["rule_title"] or r["rule_id"]),
            bool(r["assumption"]),
            r["waiver_rule_id"],
            r["waiver_title"],
        )
        for r in _rows(con, FEE_LINES, {**params, "limit": limit, "offset": offset})
    )
    by_kind = tuple(
        FeeKindTotal(
            str(r["fee_kind"]),
            str(r["payer"]),
            str(r["payee"]),
            int(r["lines"]),
            int(r["amount_fen"]),
            int(r["baseline_fen"]),
            int(r["saved_fen"]),
        )
        for r in _rows(con, FEE_KIND_TOTALS, params)
    )
    saved = tuple(
        WaiverSaving(
            str(r["waiver_rule_id"]), str(r["title"]), int(r["lines"]), int(r["saved_fen"])
        )
        for r in _rows(con, WAIVER_TOTALS, params)
    )
    return FeeStatement(shop, rulebook, start, end, lines, by_kind, saved, offset)


@dataclass(frozen=True, slots=True)
class OrderPayoutDetail:
    """One order's payout: its schedule and why it is (not) paid yet."""

    order_id: str
    shop_id: str
    paid_on: date
    receipt_on: date | None
    receipt_source: str
    settlement_days: int | None
    settle_rule_id: str | None
    held_by: str | None
    held_until: date | None
    settle_on: date | None
    status: str
    amount_fen: int


def order_payout(con: duckdb.DuckDBPyConnection, order_id: str) -> OrderPayoutDetail:
    """The order's row of the payout schedule with its amount (sum of its pending postings)."""
    _need(con, "order_payouts", "run `merchantry close` first")
    rows = _rows(
        con,
        """
        SELECT p.order_id, p.shop_id, p.paid_on, p.receipt_on, p.receipt_source,
               p.settlement_days, p.settle_rule_id, p.held_by, p.held_until, p.settle_on,
               p.status,
               (SELECT coalesce(sum(amount_fen), 0) FROM journal_postings AS j
                WHERE j.order_id = p.order_id AND j.account = 'merchant_pending'
                  AND j.entry_kind <> 'settlement') AS amount_fen
        FROM order_payouts AS p WHERE p.order_id = $order
        """,
        {"order": order_id},
    )
    if not rows:
        raise NotFound(f"order {order_id!r} has no payout schedule")
    r = rows[0]
    return OrderPayoutDetail(
        str(r["order_id"]),
        str(r["shop_id"]),
        r["paid_on"],
        r["receipt_on"],
        str(r["receipt_source"]),
        None if r["settlement_days"] is None else int(r["settlement_days"]),
        r["settle_rule_id"],
        r["held_by"],
        r["held_until"],
        r["settle_on"],
        str(r["status"]),
        int(r["amount_fen"]),
    )


@dataclass(frozen=True, slots=True)
class IndicatorRow:
    """One indicator of a score day, in its own unit."""

    indicator: str
    dimension: str | None
    value: int | None
    unit: str
    numerator: int
    denominator: int
    tier: int | None
    floor_applied: bool
    indicator_cp: int | None
    weight_bp: int | None


@dataclass(frozen=True, slots=True)
class AdjustmentRow:
    """A bonus or deduction behind a score day (points signed: deduction negative)."""

    kind: str
    target: str
    rule_id: str
    cases: int
    points_cp: int


@dataclass(frozen=True, slots=True)
class ScoreDetail:
    rulebook: str
    shop_id: str
    score_date: date
    indicators: tuple[IndicatorRow, ...]
    adjustments: tuple[AdjustmentRow, ...]


def score_detail(
    con: duckdb.DuckDBPyConnection, shop: str, rulebook: str, day: date
) -> ScoreDetail:
    """Every indicator and adjustment behind the shop's score on ``day``."""
    _need(con, "shop_score_indicators", "run `merchantry score` first")
    params = {"shop": shop, "rulebook": rulebook, "day": day}
    indicators = tuple(
        IndicatorRow(
            str(r["indicator"]),
            r["dimension"],
            None if r["value"] is None else int(r["value"]),
            str(r["unit"]),
            int(r["numerator"]),
            int(r["denominator"]),
            None if r["tier"] is None else int(r["tier"]),
            bool(r["floor_applied"]),
            None if r["indicator_cp"] is None else int(r["indicator_cp"]),
            None if r["weight_bp"] is None else int(r["weight_bp"]),
        )
        for r in _rows(
            con,
            "SELECT * FROM shop_score_indicators WHERE shop_id = $shop AND rulebook = $rulebook "
            "AND score_date = $day ORDER BY dimension NULLS LAST, indicator",
            params,
        )
    )
    adjustments: tuple[AdjustmentRow, ...] = ()
    if table_exists(con, "shop_score_adjustments"):
        adjustments = tuple(
            AdjustmentRow(
                str(r["kind"]),
                str(r["target"]),
                str(r["rule_id"]),
                int(r["cases"]),
                int(r["points_cp"]),
            )
            for r in _rows(
                con,
                "SELECT * FROM shop_score_adjustments WHERE shop_id = $shop "
                "AND rulebook = $rulebook AND score_date = $day ORDER BY kind, rule_id",
                params,
            )
        )
    if not indicators:
        raise NotFound(f"shop {shop!r} has no score indicators under {rulebook} on {day}")
    return ScoreDetail(rulebook, shop, day, indicators, adjustments)


def score_rulebooks(con: duckdb.DuckDBPyConnection, shop: str) -> list[tuple[str, str]]:
    """(rulebook, platform) of every score the shop has, one per platform (latest scored)."""
    _need(con, "shop_scores", "run `merchantry score` first")
    rows = con.execute(
        "SELECT platform, arg_max(rulebook, score_date) FROM shop_scores WHERE shop_id = ? "
        "GROUP BY platform ORDER BY platform",
        [shop],
    ).fetchall()
    return [(str(r[1]), str(r[0])) for r in rows]


@dataclass(frozen=True, slots=True)
class ScoreBand:
    """How many shops scored in ``[low_cp, high_cp)`` on a day."""

    low_cp: int
    high_cp: int
    shops: int


def band_width_cp(book: Rulebook) -> int:
    """A tenth of the score scale of ``book`` (its default scale rule): 5 points on Douyin's
    50-100, 0.20 on Taobao's 3-5, so the distribution has about ten bands on either."""
    scales = book.rules_of("score_scale")
    if not scales:
        return 500
    scale = scales[-1].effect  # the rule with the lowest precedence: the default scale
    return max(1, (scale.int("high_cp") - scale.int("low_cp")) // 10)


def score_distribution(
    con: duckdb.DuckDBPyConnection, rulebook: str, day: date | None, width_cp: int = 500
) -> tuple[date, tuple[ScoreBand, ...]]:
    """Shops' scores on ``day`` (default: the latest scored) in bands ``width_cp`` wide."""
    _need(con, "shop_scores", "run `merchantry score` first")
    if day is None:
        row = con.execute(
            "SELECT max(score_date) FROM shop_scores WHERE rulebook = ?", [rulebook]
        ).fetchone()
        if row is None or row[0] is None:
            raise NotFound(f"no shop has a score under {rulebook}")
        day = row[0]
    assert day is not None
    rows = con.execute(
        "SELECT score_cp // $w AS band, count(*) FROM shop_scores WHERE rulebook = $r "
        "AND score_date = $d AND score_cp IS NOT NULL GROUP BY band ORDER BY band",
        {"w": width_cp, "r": rulebook, "d": day},
    ).fetchall()
    return day, tuple(
        ScoreBand(int(b) * width_cp, (int(b) + 1) * width_cp, int(n)) for b, n in rows
    )


@dataclass(frozen=True, slots=True)
class ShopHit:
    shop_id: str
    name: str
    industry: str
    store_type: str


def find_shops(con: duckdb.DuckDBPyConnection, query: str, limit: int = 20) -> list[ShopHit]:
    """Shops whose id equals ``query`` or whose name contains it (case-insensitive)."""
    text = query.strip()
    if not text:
        raise InputError("type a shop id or part of a shop name")
    rows = con.execute(
        "SELECT shop_id, name, industry, store_type FROM shops "
        "WHERE shop_id = $q OR name ILIKE '%' || $q || '%' "
        "ORDER BY shop_id <> $q, shop_id LIMIT $n",
        {"q": text, "n": limit},
    ).fetchall()
    return [ShopHit(str(a), str(b), str(c), str(d)) for a, b, c, d in rows]


def shop_name(con: duckdb.DuckDBPyConnection, shop: str) -> str:
    row = con.execute("SELECT name FROM shops WHERE shop_id = ?", [shop]).fetchone()
    if row is None:
        raise NotFound(f"no shop {shop!r} in the warehouse")
    return str(row[0])


@dataclass(frozen=True, slots=True)
class RingInfo:
    ring_id: str
    buyers: int
    orders: int
    claims: int
    refund_only_rate_bp: int
    reused_image_claims: int
    score: int
    flagged: bool


@dataclass(frozen=True, slots=True)
class PhotoCheck:
    """An evidence photo of the request and how many other requests used it before."""

    ref: str
    other_uses: int


@dataclass(frozen=True, slots=True)
class CaseContext:
    """What a reviewer reads beside a risk case: the request, the buyer's record, the ring,
    the photo checks and the decision's reasons with the model's part."""

    request: dict[str, Any]
    buyer_orders: int
    buyer_claims: int
    buyer_refund_only: int
    buyer_rejected: int
    ring: RingInfo | None
    photos: tuple[PhotoCheck, ...]
    decision: dict[str, Any] | None


def case_context(con: duckdb.DuckDBPyConnection, request_id: str) -> CaseContext:
    """The after-sales request ``request_id`` with everything the risk stage looked at."""
    _need(con, "after_sales", "ingest after-sales events first")
    found = _rows(
        con,
        "SELECT a.*, o.buyer_id, o.shop_id FROM after_sales AS a "
        "JOIN orders AS o USING (order_id) WHERE a.case_id = $id",
        {"id": request_id},
    )
    if not found:
        raise NotFound(f"no after-sales request {request_id!r} in the warehouse")
    request = found[0]
    buyer = request["buyer_id"]
    history = con.execute(
        "SELECT (SELECT count(*) FROM orders WHERE buyer_id = $b AND paid_at < $t), "
        "count(*), count(*) FILTER (WHERE a.type = 'refund_only'), "
        "count(*) FILTER (WHERE a.outcome = 'rejected' AND a.responsible_party = 'buyer') "
        "FROM after_sales AS a JOIN orders AS o USING (order_id) "
        "WHERE o.buyer_id = $b AND a.requested_at < $t",
        {"b": buyer, "t": request["requested_at"]},
    ).fetchone()
    assert history is not None
    ring = None
    if table_exists(con, "risk_ring_members") and table_exists(con, "risk_rings"):
        rows = _rows(
            con,
            "SELECT r.* FROM risk_ring_members AS m JOIN risk_rings AS r USING (ring_id) "
            "WHERE m.buyer_id = $b",
            {"b": buyer},
        )
        if rows:
            r = rows[0]
            ring = RingInfo(
                str(r["ring_id"]),
                int(r["buyers"]),
                int(r["orders"]),
                int(r["claims"]),
                int(r["refund_only_rate_bp"]),
                int(r["reused_image_claims"]),
                int(r["score"]),
                bool(r["flagged"]),
            )
    photos = tuple(
        PhotoCheck(str(ref), int(uses))
        for ref, uses in con.execute(
            "WITH mine AS (SELECT DISTINCT unnest(evidence_images) AS ref FROM after_sales "
            "WHERE case_id = $id), used AS (SELECT case_id, unnest(evidence_images) AS ref "
            "FROM after_sales WHERE requested_at <= $t AND case_id <> $id) "
            "SELECT mine.ref, count(used.case_id) FROM mine LEFT JOIN used USING (ref) "
            "GROUP BY mine.ref ORDER BY mine.ref",
            {"id": request_id, "t": request["requested_at"]},
        ).fetchall()
    )
    decision = None
    if table_exists(con, "risk_decisions"):
        rows = _rows(
            con,
            "SELECT decision, score, rule_points, model_points, probability_bp, reasons, "
            "band_rule, rulebook, model_version FROM risk_decisions WHERE case_id = $id",
            {"id": request_id},
        )
        decision = rows[0] if rows else None
    return CaseContext(
        request,
        int(history[0]),
        int(history[1]),
        int(history[2]),
        int(history[3]),
        ring,
        photos,
        decision,
    )


def entry_legs(con: duckdb.DuckDBPyConnection, entry_id: str | None) -> list[tuple[str, int]]:
    """The legs (account, fen) of a journal entry, e.g. the one a case's decision posted:
    what an overturn would move back."""
    if entry_id is None or not table_exists(con, "journal_postings"):
        return []
    rows = con.execute(
        "SELECT account, sum(amount_fen) FROM journal_postings WHERE entry_id = ? "
        "GROUP BY account ORDER BY account",
        [entry_id],
    ).fetchall()
    return [(str(a), int(n)) for a, n in rows]


@dataclass(frozen=True, slots=True)
class BuyerStanding:
    """A buyer's integrity level when the request was made, and the file behind it (what an
    operator reviewing the case may see; a merchant sees the level only)."""

    buyer_id: str
    level: str
    """A, B or C (:class:`merchantry.risk.integrity.Level`)."""
    as_of: datetime
    events: tuple[tuple[str, int], ...]
    """Events in the buyer's file by then, counted by kind (``rejected_claim``…)."""


def buyer_standing(
    engine: Engine, buyer_id: str, at: datetime, settings: RiskSettings
) -> BuyerStanding:
    """The buyer's integrity level at ``at`` (the ops database's integrity file, decayed as
    :func:`merchantry.risk.integrity.buyer_level` does) and its events by kind."""
    operator = Scope.operator("console")
    view = buyer_level(engine, operator, buyer_id, at, settings)
    kinds: dict[str, int] = {}
    for event in buyer_records(engine, operator, buyer_id):
        if event.occurred_at <= at:
            kinds[event.kind.value] = kinds.get(event.kind.value, 0) + 1
    return BuyerStanding(buyer_id, view.level.value, at, tuple(sorted(kinds.items())))


@dataclass(frozen=True, slots=True)
class ExpectedPayout:
    """When an order awaiting receipt is expected to be paid, by the settlement rule.

    The ledger schedules an order once its receipt is known: the buyer's confirmation, or
    delivery plus the rulebook's auto-receipt days (``auto_confirm_days``); it settles the
    rule's ``settlement_days`` after that. Before delivery the day is an estimate: the
    delivery day is the shop's own median transit (and shipping lag) applied to the order.
    """

    order_id: str
    expected_on: date | None
    """``None`` when the rulebook has no auto-receipt rule (paid when the buyer confirms)."""
    basis: str
    """``delivered``, ``shipped`` (delivery estimated) or ``not_shipped`` (both estimated)."""
    shipped_on: date | None
    delivered_on: date | None
    estimated_delivery_on: date | None
    auto_days: int | None
    auto_rule_id: str | None
    settlement_days: int | None


SHIPPING: Final = """
SELECT order_id,
       min(CAST(event_at AS DATE)) FILTER (WHERE event = 'shipped') AS shipped_on,
       max(CAST(event_at AS DATE)) FILTER (WHERE event = 'delivered') AS delivered_on
FROM logistics_events WHERE order_id IN (SELECT unnest($ids)) GROUP BY order_id
"""

SHOP_LAGS: Final = """
WITH ev AS (
  SELECT l.order_id,
         min(CAST(l.event_at AS DATE)) FILTER (WHERE l.event = 'shipped') AS shipped_on,
         max(CAST(l.event_at AS DATE)) FILTER (WHERE l.event = 'delivered') AS delivered_on
  FROM logistics_events AS l JOIN order_payouts AS p USING (order_id)
  WHERE p.shop_id = $shop GROUP BY l.order_id
)
SELECT quantile_disc(delivered_on - shipped_on, 0.5) FILTER (WHERE delivered_on IS NOT NULL),
       quantile_disc(shipped_on - p.paid_on, 0.5) FILTER (WHERE shipped_on IS NOT NULL)
FROM ev JOIN order_payouts AS p USING (order_id)
"""


def expected_payouts(
    con: duckdb.DuckDBPyConnection,
    shop_id: str,
    orders: Sequence[Any],
    rulebook: Rulebook,
) -> dict[str, ExpectedPayout]:
    """For each order of ``orders`` (``merchant.OrderPayout`` rows) awaiting receipt, when it
    is expected to be paid and on what basis (see :class:`ExpectedPayout`)."""
    waiting = [o for o in orders if o.status == "awaiting_receipt"]
    if not waiting:
        return {}
    _need(con, "logistics_events", "ingest logistics events first")
    auto = rulebook.rules_of("auto_confirm_days")
    auto_days = auto[0].effect.int("days") if auto else None
    auto_rule = auto[0].id if auto else None
    events = {
        str(r[0]): (r[1], r[2])
        for r in con.execute(SHIPPING, {"ids": [o.order_id for o in waiting]}).fetchall()
    }
    lags = con.execute(SHOP_LAGS, {"shop": shop_id}).fetchone()
    transit = int(lags[0]) if lags and lags[0] is not None else None
    ship_lag = int(lags[1]) if lags and lags[1] is not None else None
    found = {}
    for o in waiting:
        shipped, delivered = events.get(o.order_id, (None, None))
        if delivered is not None:
            basis, delivery = "delivered", delivered
        elif shipped is not None:
            basis = "shipped"
            delivery = None if transit is None else shipped + timedelta(days=transit)
        else:
            basis = "not_shipped"
            delivery = (
                None
                if transit is None or ship_lag is None or o.paid_on is None
                else o.paid_on + timedelta(days=ship_lag + transit)
            )
        expected = (
            None
            if delivery is None or auto_days is None or o.settlement_days is None
            else delivery + timedelta(days=auto_days + o.settlement_days)
        )
        found[o.order_id] = ExpectedPayout(
            o.order_id,
            expected,
            basis,
            shipped,
            delivered,
            None if basis == "delivered" else delivery,
            auto_days,
            auto_rule,
            o.settlement_days,
        )
    return found


WHATIF_IN: Final = "_cr_whatif_in"
WHATIF_OUT: Final = "_cr_whatif"
SCENARIO: Final = "scenario"
"""Row key of a what-if scenario (0: the shop as measured; n: one indicator at the median)."""


@functools.lru_cache(maxsize=8)
def _plan(book: Rulebook) -> Plan:
    return prepare(book)


@functools.lru_cache(maxsize=8)
def _scenarios_sql(book: Rulebook) -> str:
    """Stage B over the scenario rows, each row's ``scenario`` kept (compiled once per
    rulebook: compiling the score rulebooks' stage B takes seconds)."""
    query = compile_scores(_plan(book), WHATIF_IN)
    query = query.select(exp.column(SCENARIO, table=F), copy=False)
    return create_temp(WHATIF_OUT, query)


def indicator_titles(book: Rulebook) -> dict[str, str]:
    """Every indicator's catalogue title (``中文 English``) as ``中文 / English``, quoting the
    numbers of ``book`` (the rulebook its scores were computed under): ``48小时揽收率 /
    48-hour pickup rate``."""
    terms = label_terms(book)
    titles = {}
    for code, spec in INDICATORS.items():
        zh, _, en = spec.title.partition(" ")  # the Chinese half has no space
        titles[code] = f"{fill(zh, terms, 'zh')} / {fill(en, terms, 'en')}"
    return titles


def warm_score_diagnosis(book: Rulebook) -> None:
    """Compile what :func:`score_findings` runs for ``book`` ahead of the first page."""
    _scenarios_sql(book)


def score_findings(
    con: duckdb.DuckDBPyConnection, book: Rulebook, shop_id: str, on: date
) -> ScoreDiagnosis:
    """The score diagnosis's findings (what the console shows), the same as
    :func:`merchantry.scoring.diagnosis.diagnose_score` finds, in one pass.

    The diagnosis recomputes the score once per indicator worse than its industry median;
    each recomputation is one stage-B query, and compiling that query (hundreds of rules)
    costs far more than running it over one row. Here every what-if is a row of one table
    (the shop as measured, then one row per indicator set to its median) and stage B runs
    once over all of them. The moves (deductions, floors, clamps) are not computed: the
    console's diagnosis does not show them (``moves`` is empty).
    """
    named = con.execute("SELECT name FROM shops WHERE shop_id = ?", [shop_id]).fetchone()
    if named is None:
        raise NotFound(f"no shop {shop_id!r}")
    plan = _plan(book)
    build_measures(con, plan.rules, on, on, shop=shop_id)
    row = con.execute("SELECT industry FROM _sc_measures WHERE score_date = ?", [on]).fetchone()
    if row is None:
        raise NotFound(f"shop {shop_id!r} has no score measures under {book.name} on {on}")
    medians = {
        str(r[0]): (int(r[1]), int(r[2]))
        for r in con.execute(
            MEDIANS_SQL, {"rulebook": book.name, "day": on, "industry": str(row[0])}
        ).fetchall()
    }
    scenarios = [i for i in plan.indicators if i in medians]
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {ident(WHATIF_IN)} AS "
        f"SELECT *, 0 AS {ident(SCENARIO)} FROM _sc_measures"
    )
    for number, indicator in enumerate(scenarios, start=1):
        con.execute(
            f"INSERT INTO {ident(WHATIF_IN)} SELECT * REPLACE ($number AS {ident(SCENARIO)}) "
            f"FROM {ident(WHATIF_IN)} WHERE {ident(SCENARIO)} = 0",
            {"number": number},
        )
        con.execute(
            exp.update(
                WHATIF_IN,
                {f"{indicator}__override": exp.cast(lit(medians[indicator][0]), "BIGINT")},
                where=exp.column(SCENARIO).eq(lit(number)),
            ).sql(dialect="duckdb")
        )
    con.execute(_scenarios_sql(book))
    scored = {
        int(r[0]): None if r[1] is None else int(r[1])
        for r in con.execute(select_from(WHATIF_OUT, (SCENARIO, "score_cp"))).fetchall()
    }
    base = con.execute(
        f"SELECT industry, stage, score_cp FROM {ident(WHATIF_OUT)} WHERE {ident(SCENARIO)} = 0"
    ).fetchone()
    assert base is not None
    industry, stage, score_cp = str(base[0]), str(base[1]), base[2]
    terms = label_terms(book)
    findings = []
    for indicator in plan.indicators:
        parts = [exp.column(ind(indicator, p), quoted=True) for p in ("v", "cp", "w", "wdim")]
        got = con.execute(
            exp.select(*parts)
            .from_(WHATIF_OUT)
            .where(exp.column(SCENARIO).eq(lit(0)))
            .sql(dialect="duckdb")
        ).fetchone()
        assert got is not None
        value, cp, weight, dimension = got
        if not weight:
            continue
        median = medians.get(indicator)
        gain = 0
        if (
            stage == "formal"
            and score_cp is not None
            and median is not None
            and value is not None
            and _is_worse(plan, indicator, int(value), median[0])
        ):
            after = scored.get(scenarios.index(indicator) + 1)
            gain = 0 if after is None else after - int(score_cp)
        zh, en = action(indicator, terms)
        findings.append(
            Finding(
                indicator=indicator,
                title=label(Vocabulary.INDICATOR, indicator, terms),
                unit=INDICATORS[indicator].unit,
                dimension=None if dimension is None else str(dimension),
                value=None if value is None else int(value),
                industry_median=None if median is None else median[0],
                peers=0 if median is None else median[1],
                indicator_cp=None if cp is None else int(cp),
                weight_bp=int(weight),
                gain_cp=gain,
                action_zh=zh,
                action_en=en,
            )
        )
    findings.sort(key=lambda f: (-f.gain_cp, f.indicator))
    return ScoreDiagnosis(
        book.name,
        shop_id,
        on,
        industry,
        stage,
        None if score_cp is None else int(score_cp),
        tuple(findings),
        (),
        None if named[0] is None else str(named[0]),
    )


def _is_worse(plan: Plan, indicator: str, value: int, median: int) -> bool:
    """Whether ``value`` is worse than the industry ``median`` in the indicator's direction
    (as the diagnosis decides it)."""
    group = plan.tiers.get(indicator)
    direction = "higher_better"
    if group is not None and group.rules:
        direction = group.rules[0].effect.text("direction")
    return value < median if direction == "higher_better" else value > median


def returns_diagnosis(
    con: duckdb.DuckDBPyConnection,
    shop_id: str,
    *,
    start: date | None = None,
    end: date | None = None,
) -> ReturnDiagnosis:
    """The shop's return diagnosis for the console (per-SKU rates with intervals, causes with
    quoted evidence, fixes with their saving, the weekly series): the one returns use case
    (``service/returns.py``) that the CLI and the API call too."""
    return returns_use_case.shop_diagnosis(con, shop_id, start=start, end=end)
