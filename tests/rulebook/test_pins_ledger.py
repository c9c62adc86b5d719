"""Pins for the confirmed numbers the ledger applies: settlement days, commission settlement,
deposit tiers and special-category deposits, the deposit terms, and the return-shipping
insurance cover. Each goes through the real close (or the ledger's and the fee stage's own
functions) on hand-made rows, with the expected figure worked out from the platform's number.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from merchantry.fees.holds import installation_holds
from merchantry.fees.insurance import claim_quote, merchant_eligibility
from merchantry.fees.obligations import refund_response
from merchantry.kit.errors import InputError
from merchantry.ledger.withdrawals import deposit_standing, required_on, withdraw_deposit
from merchantry.rulebook.checker import load_rulebook
from merchantry.rulebook.model import Rulebook
from merchantry.service.runner import close_with_fees
from merchantry.store.warehouse import ensure_schema
from tests.fees.market import Market, insert

MAY26, JUNE26 = (date(2026, 5, 1), date(2026, 5, 31)), (date(2026, 6, 1), date(2026, 6, 30))
PAID = datetime(2026, 6, 1, 10, 0)
RECEIPT = timedelta(days=1)
"""Receipt confirmed a day after payment: 2026-06-02."""

Check = Callable[[duckdb.DuckDBPyConnection, Sequence[Path]], list[str]]


def _close(
    con: duckdb.DuckDBPyConnection, rulebook: str, period: tuple[date, date], dirs: Sequence[Path]
) -> None:
    close_with_fees(con, rulebook, *period, rulebook_dirs=dirs, refresh_fees=True)


# --- settlement days: (rulebook, rule pinned, days expected, shop kwargs, industry, after-sales)
SETTLEMENT = [
    ("douyin-2026", "settle.default", 3, {}, "apparel", 7),
    ("douyin-2026", "settle.long-after-sales", 3, {}, "apparel", 30),
    ("douyin-2026", "settle.long-after-sales", 10, {}, "apparel", 31),
    ("douyin-2026", "settle.special-15", 15, {}, "watches", 7),
    ("douyin-2026", "settle.special-10", 10, {}, "ebike_battery", 7),
    (
        "douyin-2026",
        "settle.instant-retail-adult",
        7,
        {"business_mode": "instant_retail"},
        "adult_family_planning",
        7,
    ),
    (
        "douyin-2026",
        "settle.instant-retail-pharmacy",
        10,
        {"business_mode": "instant_retail"},
        "pharmacy_medical",
        7,
    ),
    ("douyin-2026", "settle.zero-deposit", 21, {"entry_plan": "zero_deposit"}, "apparel", 7),
    ("taobao-2026", "settle.flash-sale-taobao", 7, {"store_type": "personal"}, "apparel", 7),
    ("taobao-2026", "settle.flash-sale", 3, {}, "apparel", 7),
]


def settlement_failures(
    con: duckdb.DuckDBPyConnection, rulebooks: Sequence[str], dirs: Sequence[Path]
) -> list[str]:
    market = Market(con)
    placed = []
    for rulebook, rule, days, shop_kw, industry, after_sales in SETTLEMENT:
        if rulebook not in rulebooks:
            continue
        shop = market.shop(industry=industry, **shop_kw)
        order = market.order(shop, industry=industry, after_sales_days=after_sales, paid_at=PAID)
        market.confirm_receipt(order, after=RECEIPT)
        placed.append((rulebook, rule, days, order))
    commission = None
    if "douyin-2026" in rulebooks:
        commission = market.order(creator=market.creator("B"), commission_bp=2_000, paid_at=PAID)
        market.confirm_receipt(commission, after=RECEIPT)
    abroad = []
    if "douyin-2026" in rulebooks:  # 2 working days after receipt + 3 (Monday to Friday)
        for receipt, want in ((RECEIPT, date(2026, 6, 9)), (timedelta(hours=2), date(2026, 6, 8))):
            shop = market.shop(business_mode="cross_border")
            order = market.order(shop, paid_at=PAID)
            market.confirm_receipt(order, after=receipt)
            abroad.append((order, want, f"received {(PAID + receipt).date()}"))
        order = market.order(
            market.shop(business_mode="cross_border"),
            creator=market.creator("B"),
            commission_bp=2_000,
            paid_at=PAID,
        )
        market.confirm_receipt(order, after=RECEIPT)
        # 06-17 + 2 China working days: Thu 06-18, then Mon 06-22 (Fri 06-19 is Dragon Boat)
        abroad.append((order, date(2026, 6, 22), "commission: 06-17 + 2 working days"))
    failures = []
    for rulebook in dict.fromkeys(p[0] for p in placed):
        _close(con, rulebook, JUNE26, dirs)
        for book, rule, days, order in placed:
            if book != rulebook:
                continue
            row = con.execute(
                "SELECT settlement_days, settle_on FROM order_payouts WHERE order_id = ?",
                [order],
            ).fetchone()
            want = (days, date(2026, 6, 2) + timedelta(days=days))
            if row is None or tuple(row) != want:
                failures.append(f"{rulebook}:{rule}: expected {want}, got {row}")
        if rulebook == "douyin-2026" and commission is not None:
            row = con.execute(
                "SELECT commission_settle_on FROM order_payouts WHERE order_id = ?", [commission]
            ).fetchone()
            if row is None or row[0] != date(2026, 6, 17):  # receipt 06-02 + 15
                failures.append(f"douyin-2026:commission.settle: expected 2026-06-17, got {row}")
        for order, want, why in abroad if rulebook == "douyin-2026" else []:
            row = con.execute(
                "SELECT settlement_days, coalesce(commission_settle_on, settle_on), "
                "settle_delay_rule_id FROM order_payouts WHERE order_id = ?",
                [order],
            ).fetchone()
            if row is None or tuple(row) != (3, want, "settle.cross-border"):
                failures.append(
                    f"douyin-2026:settle.cross-border: {why}: expected (3, {want}, "
                    f"'settle.cross-border'), got {row}"
                )
    return failures


# --- deposits: (rule pinned, May GMV in fen or None, shop kwargs, industry, June requirement)
DEPOSIT_TIERS = [
    ("deposit.tier-1", None, {}, "apparel", 50_000),
    ("deposit.tier-1", 5_000_000, {}, "apparel", 50_000),
    ("deposit.tier-2", 5_000_001, {}, "apparel", 200_000),
    ("deposit.tier-2", 10_000_000, {}, "apparel", 200_000),
    ("deposit.tier-3", 10_000_001, {}, "apparel", 500_000),
    ("deposit.special.telecom-topup", None, {}, "phone_topup", 20_000_000),
    ("deposit.special.second-hand-phones", None, {}, "second_hand_phones", 2_000_000),
    ("deposit.special.chinese-painting", None, {}, "chinese_painting", 500_000),
    ("deposit.zero-deposit", None, {"entry_plan": "zero_deposit"}, "apparel", 0),
]


def deposit_failures(
    con: duckdb.DuckDBPyConnection,
    rulebooks: Sequence[str],
    dirs: Sequence[Path],
    only: str | None = None,
) -> list[str]:
    """``only`` keeps the cases of one rule (the mutation check's first, cheap round)."""
    failures: list[str] = []
    market = Market(con)
    if "douyin-2026" in rulebooks and not (only or "").startswith("deposit.pre-cut"):
        failures += _tiers_and_terms(con, market, dirs, only)
    if "douyin-2025" in rulebooks and only in (None, *PRE_CUT_RULES):
        failures += _pre_cut(con, market, dirs)
    return failures


PRE_CUT_RULES = ("deposit.pre-cut.tier-1", "deposit.pre-cut.tier-2", "deposit.pre-cut.tier-3")


def _tiers_and_terms(
    con: duckdb.DuckDBPyConnection, market: Market, dirs: Sequence[Path], only: str | None = None
) -> list[str]:
    shops = []
    terms = only in (None, "deposit.terms")
    for rule, gmv, shop_kw, industry, required in DEPOSIT_TIERS:
        if only not in (None, rule):
            continue
        shop = market.shop(industry=industry, **shop_kw)
        if gmv is not None:
            market.order(shop, industry=industry, goods=gmv, paid_at=datetime(2026, 5, 10, 10))
        shops.append((rule, shop, required))
    short = market.shop()  # two violations on 3 June take it below zero
    for n in (1, 2):
        insert(
            con,
            "violations",
            {
                "violation_id": f"V{n}",
                "shop_id": short,
                "kind": "brushing",
                "occurred_at": datetime(2026, 6, 3, 10),
            },
        )
    rich = market.shop()  # April GMV over ¥100,000: ¥5,000 held from May, ¥500 due from 8 June
    market.order(rich, goods=10_000_001, paid_at=datetime(2026, 4, 10, 10))
    _close(con, "douyin-2026", MAY26, dirs)
    _close(con, "douyin-2026", JUNE26, dirs)

    failures = []
    for rule, shop, required in shops:
        row = con.execute(
            "SELECT required_fen FROM deposit_requirements WHERE shop_id = ? AND month = ?",
            [shop, date(2026, 6, 1)],
        ).fetchone()
        if row is None or row[0] != required:
            failures.append(f"douyin-2026:{rule}: expected {required}, got {row}")
    if only is None:
        failures += _review_day_failures(con)
    if not terms:
        return failures
    book = load_rulebook("douyin-2026", dirs)
    # 48 hours below zero: negative since 3 June 00:00, limited from 5 June 00:00
    before = deposit_standing(con, book, short, datetime(2026, 6, 4, 23, 59)).level
    after = deposit_standing(con, book, short, datetime(2026, 6, 5, 0, 0)).level
    if (before, after) != ("negative", "limited"):
        failures.append(f"douyin-2026:deposit.terms grace: got {(before, after)}")
    # once a week per deposit type: Wednesday granted, Friday of the same week refused
    try:
        withdraw_deposit(con, book, rich, date(2026, 6, 10), 100_000)
    except InputError as error:
        failures.append(f"douyin-2026:deposit.terms withdrawal refused: {error}")
    try:
        withdraw_deposit(con, book, rich, date(2026, 6, 12), 10_000)
        failures.append("douyin-2026:deposit.terms: a second withdrawal in one week was granted")
    except InputError:
        pass
    return failures


def _review_day_failures(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The re-set amounts take effect on the 8th (param.deposit_review_day): the May and June
    reviews are made, and in force, from the 8th, not a day before or after."""
    effective = con.execute(
        "SELECT DISTINCT month, effective_on FROM deposit_requirements ORDER BY 1"
    ).fetchall()
    want = [(date(2026, 5, 1), date(2026, 5, 8)), (date(2026, 6, 1), date(2026, 6, 8))]
    if effective != want:
        return [f"douyin-2025:param.deposit_review_day: expected {want}, got {effective}"]
    return []


# --- experience deposit of special categories: (rule pinned, order's category industry, fen)
EXPERIENCE = [
    ("deposit.experience.durian-cherries", "durian", 10_000_000),
    ("deposit.experience.durian-cherries", "cherries", 10_000_000),
    ("deposit.experience.hairy-crab", "river_crab", 10_000_000),
    ("deposit.experience.live-dogs-cats", "live_dogs_cats", 5_000_000),
    ("deposit.experience.tv", "tv", 5_000_000),
    ("deposit.experience.second-hand-luxury", "second_hand_luxury", 5_000_000),
    ("deposit.experience.birds-reptiles", "live_birds_reptiles", 3_000_000),
    ("deposit.experience.pc-parts-second-hand-3c", "gpu_motherboard", 2_000_000),
    ("deposit.experience.pc-parts-second-hand-3c", "second_hand_3c", 2_000_000),
    ("deposit.experience.fridge-washer", "fridge_washer", 2_000_000),
    ("deposit.experience.gold", "gold_jewellery", 1_000_000),
]
SOLD = datetime(2026, 6, 10, 10)
"""The special-category order of each experience shop (its only order)."""


def experience_failures(
    con: duckdb.DuckDBPyConnection,
    rulebooks: Sequence[str],
    dirs: Sequence[Path],
    only: str | None = None,
) -> list[str]:
    """One order in the category makes the amount owed on top of the ¥500 base from its
    payment day; on the 30th day after it the amount is still owed, on the 31st no more
    (30 clean days). The close books the top-up on the payment day, so the deposit stands
    short (no goods payment to take it from) until the 30 clean days pass."""
    if "douyin-2026" not in rulebooks:
        return []
    market = Market(con)
    chosen = [row for row in EXPERIENCE if only in (None, row[0])]
    shops = [(rule, market.shop(), industry, fen) for rule, industry, fen in chosen]
    for _rule, shop, industry, _fen in shops:
        market.order(shop, industry=industry, goods=10_000, paid_at=SOLD)
    _close(con, "douyin-2026", JUNE26, dirs)
    book = load_rulebook("douyin-2026", dirs)
    day0, last, clean = SOLD.date(), SOLD.date() + timedelta(days=29), SOLD.date() + timedelta(30)
    failures = []
    for rule, shop, industry, fen in shops:
        got = (
            required_on(con, book, shop, day0 - timedelta(days=1)),
            required_on(con, book, shop, day0),
            required_on(con, book, shop, last),
            required_on(con, book, shop, clean),
        )
        want = (50_000, 50_000 + fen, 50_000 + fen, 50_000)
        if got != want:
            failures.append(f"douyin-2026:{rule} ({industry}): expected {want}, got {got}")
        levels = (
            deposit_standing(con, book, shop, datetime.combine(last, datetime.max.time())).level,
            deposit_standing(con, book, shop, datetime.combine(clean, datetime.min.time())).level,
        )
        if levels != ("short", "ok"):
            failures.append(f"douyin-2026:{rule} ({industry}) standing: got {levels}")
    return failures


def _pre_cut(con: duckdb.DuckDBPyConnection, market: Market, dirs: Sequence[Path]) -> list[str]:
    """The June 2025 cut: the May review still asks the old tiers, the June one the new."""
    shops = {}
    for gmv in (0, 6_000_000, 20_000_000):
        shop = market.shop()
        if gmv:
            for month in (4, 5):
                market.order(shop, goods=gmv, paid_at=datetime(2025, month, 20, 10))
        shops[shop] = gmv
    _close(con, "douyin-2025", (date(2025, 5, 1), date(2025, 6, 30)), dirs)
    want = {  # (May review, June review)
        0: (200_000, 50_000),
        6_000_000: (800_000, 200_000),
        20_000_000: (2_000_000, 500_000),
    }
    failures = []
    for shop, gmv in shops.items():
        rows = dict(
            con.execute(
                "SELECT month, required_fen FROM deposit_requirements WHERE shop_id = ?", [shop]
            ).fetchall()
        )
        got = (rows.get(date(2025, 5, 1)), rows.get(date(2025, 6, 1)))
        if got != want[gmv]:
            failures.append(
                f"douyin-2025:deposit.pre-cut (GMV {gmv}): expected {want[gmv]}, got {got}"
            )
    return failures


# --- return-shipping insurance cover: (type, claim cap fen, eligibility % small/bulky)
COVER = [
    ("small", "insurance.terms.small", 2_400),
    ("small_upgraded", "insurance.terms.small-upgraded", 5_000),
    ("bulky", "insurance.terms.bulky", 100_000),
]
SMALL, UPGRADED, BULKY = (
    ("small", "insurance.terms.small"),
    ("small_upgraded", "insurance.terms.small-upgraded"),
    ("bulky", "insurance.terms.bulky"),
)
ELIGIBILITY = {  # returned of 100 shipped -> [(type, rule, eligible)]
    80: [(*SMALL, True), (*UPGRADED, True)],
    81: [(*SMALL, False), (*UPGRADED, False)],
    50: [(*BULKY, True)],
    51: [(*BULKY, False)],
}
SHIPPED = datetime(2025, 11, 2, 10, 0)
JOINING = date(2025, 12, 1)


def insurance_failures(
    con: duckdb.DuckDBPyConnection, rulebooks: Sequence[str], dirs: Sequence[Path]
) -> list[str]:
    if "douyin-2025" not in rulebooks:
        return []
    market = Market(con)
    book = load_rulebook("douyin-2025", dirs)
    failures = []
    for kind, rule, cap in COVER:
        order = market.order(
            insurance=kind, insured_by="merchant", paid_at=datetime(2025, 11, 1, 10)
        )
        insert(
            con,
            "logistics_events",
            {"order_id": order, "event": "shipped", "event_at": SHIPPED},
        )
        last_day = SHIPPED + timedelta(days=90)
        got = (
            claim_quote(con, book, order, cap + 1, last_day).payable_fen,
            claim_quote(con, book, order, cap, last_day).payable_fen,
            claim_quote(con, book, order, cap, last_day + timedelta(days=1)).payable_fen,
        )
        if got != (cap, cap, 0):
            failures.append(f"douyin-2025:{rule}: expected {(cap, cap, 0)}, got {got}")
    shipped_at = datetime.combine(JOINING - timedelta(days=30), datetime.min.time())
    for returned, checks in ELIGIBILITY.items():
        shop = market.shop()
        for n in range(100):
            order = market.order(shop, paid_at=shipped_at - timedelta(days=1))
            insert(
                con,
                "logistics_events",
                {"order_id": order, "event": "shipped", "event_at": shipped_at},
            )
            if n < returned:
                market.refund(order, 10_000, kind="return_refund", after=timedelta(days=3))
        for kind, rule, eligible in checks:
            got = merchant_eligibility(con, book, shop, kind, JOINING).eligible
            if got != eligible:
                failures.append(
                    f"douyin-2025:{rule}: {returned}/100 returned, expected {eligible}, got {got}"
                )
    return failures + insurance_window_failures(con, market, book)


WINDOW_EDGES = {  # days before joining a shipment is made -> inside the window?
    45: True,  # the window's first day (准入前45天)
    46: False,
    16: True,
    15: False,  # its end (准入前15天) is not in it
}


def insurance_window_failures(
    con: duckdb.DuckDBPyConnection, market: Market, book: Rulebook
) -> list[str]:
    """Per insurance type: nine returned orders shipped on one edge day and one clean order in
    the middle; counted, 9 of 10 returned is above every bound (80%, 50%), so the shop may
    join exactly when the edge day is outside the window."""
    failures = []
    middle = datetime.combine(JOINING - timedelta(days=30), datetime.min.time())
    for kind, rule in (SMALL, UPGRADED, BULKY):
        for days, inside in WINDOW_EDGES.items():
            shop = market.shop()
            edge = datetime.combine(JOINING - timedelta(days=days), datetime.min.time())
            for n, shipped in enumerate([middle] + [edge] * 9):
                order = market.order(shop, paid_at=shipped - timedelta(hours=1))
                insert(
                    con,
                    "logistics_events",
                    {"order_id": order, "event": "shipped", "event_at": shipped},
                )
                if n:
                    market.refund(order, 10_000, kind="return_refund", after=timedelta(days=3))
            got = merchant_eligibility(con, book, shop, kind, JOINING).eligible
            if got == inside:
                failures.append(
                    f"douyin-2025:{rule}: shipped {days} days before joining counted "
                    f"{'outside' if inside else 'inside'} the eligibility window"
                )
    return failures


ANNUAL = [  # (rule, industry, fen)
    ("annual.vehicles", "cars", 10_000_000),
    ("annual.vehicles", "vehicle_dealer", 10_000_000),
    ("annual.real-estate", "real_estate", 3_000_000),
]


def annual_failures(
    con: duckdb.DuckDBPyConnection, rulebooks: Sequence[str], dirs: Sequence[Path]
) -> list[str]:
    """Tmall annual fees, booked on 1 January to the platform's fee revenue."""
    if "taobao-2026" not in rulebooks:
        return []
    market = Market(con)
    shops = [(rule, market.shop(industry=industry), fen) for rule, industry, fen in ANNUAL]
    _close(con, "taobao-2026", (date(2026, 1, 1), date(2026, 1, 31)), dirs)
    failures = []
    for rule, shop, fen in shops:
        rows = con.execute(
            "SELECT p.booked_on, p.amount_fen, p.rule_id FROM journal_postings AS p"
            " JOIN journal_entries AS e USING (entry_id)"
            " WHERE e.kind = 'annual_fee' AND e.shop_id = ? AND p.account = 'platform_fee_revenue'",
            [shop],
        ).fetchall()
        want = [(date(2026, 1, 1), fen, rule)]
        if rows != want:
            failures.append(f"taobao-2026:{rule}: expected {want}, got {rows}")
    return failures


# --- installation holds (douyin-2026, from 2026-07-02): 1% from settlement to the end of the
# after-sales period; 10% at most ¥300 from shipment until installed, at most 180 days
INSTALL_PAID = datetime(2026, 7, 2, 0, 0)
INSTALL_SHIPPED = datetime(2026, 7, 3, 9, 0)


def _install_order(
    con: duckdb.DuckDBPyConnection,
    market: Market,
    goods: int,
    *,
    paid_at: datetime = INSTALL_PAID,
    installation: str = "merchant",
    shop: dict[str, str] | None = None,
    received_after: int | None = None,
    refunded_after: int | None = None,
) -> str:
    """An order of ``goods`` fen (what the buyer paid), shipped on 07-03, confirmed received
    or refunded so many days after shipment when asked; category after-sales 15 days."""
    order = market.order(
        market.shop(**(shop or {})), goods=goods, paid_at=paid_at, installation=installation,
        after_sales_days=15,
    )  # fmt: skip
    shipped = INSTALL_SHIPPED + (paid_at - INSTALL_PAID)
    insert(con, "logistics_events", {"order_id": order, "event": "shipped", "event_at": shipped})
    if received_after is not None:
        insert(
            con,
            "logistics_events",
            {
                "order_id": order,
                "event": "receipt_confirmed",
                "event_at": shipped + timedelta(days=received_after),
            },
        )
    if refunded_after is not None:
        market.refund(order, goods, after=(shipped - paid_at) + timedelta(days=refunded_after))
    return order


def installation_failures(
    con: duckdb.DuckDBPyConnection, rulebooks: Sequence[str], dirs: Sequence[Path]
) -> list[str]:
    if "douyin-2026" not in rulebooks:
        return []
    market = Market(con)
    book = load_rulebook("douyin-2026", dirs)
    ship_day = INSTALL_SHIPPED.date()
    cases = [  # (why, order, expected (settle fen, settle until, ship fen, ship from, ship until))
        ("¥100: 1% and 10%, released at receipt and 15 days after",
         _install_order(con, market, 10_000, received_after=4),
         (100, ship_day + timedelta(days=19), 1_000, ship_day, ship_day + timedelta(days=4))),
        ("¥3,000.10: 10% is 30,010, cut to the ¥300 cap",
         _install_order(con, market, 300_100, received_after=4),
         (3_001, ship_day + timedelta(days=19), 30_000, ship_day, ship_day + timedelta(days=4))),
        ("¥2,999.90: 10% is 29,999, under the cap",
         _install_order(con, market, 299_990, received_after=4),
         (3_000, ship_day + timedelta(days=19), 29_999, ship_day, ship_day + timedelta(days=4))),
        ("never received: the shipment hold ends after 180 days",
         _install_order(con, market, 10_000),
         (100, None, 1_000, ship_day, ship_day + timedelta(days=180))),
        ("received on day 181: the 180-day end comes first",
         _install_order(con, market, 10_000, received_after=181),
         (100, ship_day + timedelta(days=196), 1_000, ship_day, ship_day + timedelta(days=180))),
        ("refunded on day 2 (closed 5 hours later): released at the refund",
         _install_order(con, market, 10_000, refunded_after=2),
         (100, None, 1_000, ship_day, ship_day + timedelta(days=2))),
        ("paid 07-01, before the rule: nothing held",
         _install_order(con, market, 10_000, paid_at=INSTALL_PAID - timedelta(minutes=1),
                        received_after=4),
         (0, None, 0, None, None)),
        ("partner installation: nothing held",
         _install_order(con, market, 10_000, installation="partner", received_after=4),
         (0, None, 0, None, None)),
        ("cross-border shop: outside the rule",
         _install_order(con, market, 10_000, shop={"business_mode": "cross_border"},
                        received_after=4),
         (0, None, 0, None, None)),
    ]  # fmt: skip
    failures = []
    for why, order, want in cases:
        h = installation_holds(con, book, order)
        got = (
            h.settle_hold_fen,
            h.settle_released_on,
            h.ship_hold_fen,
            h.ship_held_from,
            h.ship_released_on,
        )
        if got != want:
            failures.append(f"douyin-2026:hold.installation: {why}: expected {want}, got {got}")
    return failures + _posted_installation_failures(con, [c[1] for c in cases], dirs)


def _held(con: duckdb.DuckDBPyConnection, order: str, day: date) -> int:
    row = con.execute(
        "SELECT coalesce(sum(amount_fen), 0) FROM journal_postings "
        "WHERE account = 'merchant_held' AND order_id = ? AND booked_on <= ?",
        [order, day],
    ).fetchone()
    return int(row[0]) if row else 0


def _posted_installation_failures(
    con: duckdb.DuckDBPyConnection, orders: list[str], dirs: Sequence[Path]
) -> list[str]:
    """The close posts the settlement hold: received 07-07 (day 4), settled 07-10 (3 days),
    1% held from 07-10 until the 15-day after-sales period ends on 07-22. The shipment hold
    ended at receipt, before settlement, so it holds no settled money."""
    _close(con, "douyin-2026", (date(2026, 7, 1), date(2026, 8, 31)), dirs)
    settled, released = date(2026, 7, 10), date(2026, 7, 22)
    days = (settled - timedelta(days=1), settled, released - timedelta(days=1), released)
    cases = [  # (why, order, held on each day)
        ("¥100", orders[0], (0, 100, 100, 0)),
        ("¥3,000.10", orders[1], (0, 3_001, 3_001, 0)),
        ("paid 07-01", orders[6], (0, 0, 0, 0)),
        ("partner installation", orders[7], (0, 0, 0, 0)),
        ("cross-border shop", orders[8], (0, 0, 0, 0)),
    ]
    failures = []
    for why, order, want in cases:
        got = tuple(_held(con, order, day) for day in days)
        if got != want:
            failures.append(
                f"douyin-2026:hold.installation: posted, {why}: held on {days}: expected "
                f"{want}, got {got}"
            )
    return failures


def _compensate(con: duckdb.DuckDBPyConnection, order: str, fen: int, day: datetime) -> None:
    """The merchant compensates the buyer ``fen`` on ``day`` (an approved case, no refund)."""
    insert(
        con,
        "after_sales",
        {"case_id": f"C-{order}", "order_id": order, "requested_at": day - timedelta(hours=5),
         "type": "refund_only", "reason_code": "quality", "reason_text": None,
         "evidence_images": None, "amount_fen": 0, "compensation_fen": fen,
         "outcome": "approved", "responsible_party": "merchant", "closed_at": day,
         "escalated": False},
    )  # fmt: skip


def advance_failures(
    con: duckdb.DuckDBPyConnection, rulebooks: Sequence[str], dirs: Sequence[Path]
) -> list[str]:
    """The after-sales-risk experience deposit. Each shop's only sale is a ¥0 order (no fee),
    so a compensation of N fen leaves its goods payments at exactly -N: the platform advanced
    N. Every shop holds its base due (¥500; ¥200,000 for phone top-up; nothing for
    zero-deposit entry) from the first close. An advance above the lower of balance and base
    due makes 2x the (counted) base owed from that day; a sale bringing the goods payments
    back above zero on 06-12 starts the 30 clean days (owed on 07-10, not 07-11); a
    special-category experience deposit applies instead of it."""
    if "douyin-2026" not in rulebooks:
        return []
    market = Market(con)
    hit = datetime(2026, 6, 10, 15)
    cases = []
    for why, shop_kw, industry, fen in (
        ("advance = base due: not past the bound", {}, "apparel", 50_000),
        ("advance 1 fen past the base due", {}, "apparel", 50_001),
        ("zero-deposit shop, 1 fen advanced", {"entry_plan": "zero_deposit"}, "apparel", 1),
        ("phone top-up, 1 fen past its ¥200,000", {}, "phone_topup", 20_000_001),
        ("durian seller: its special deposit instead", {}, "durian", 60_000),
        ("cross-border coin seller, 1 fen past its ¥5,000", {"business_mode": "cross_border"},
         "coins", 500_001),
    ):  # fmt: skip
        shop = market.shop(industry=industry, **shop_kw)
        order = market.order(shop, industry=industry, goods=0, paid_at=PAID)
        _compensate(con, order, fen, hit)
        cases.append((why, shop))
    back = datetime(2026, 6, 12, 10)  # a sale puts the goods payments back above zero
    market.order(cases[1][1], goods=60_000, paid_at=back)
    market.order(cases[2][1], goods=60_000, paid_at=back)
    market.order(cases[3][1], industry="phone_topup", goods=25_000_000, paid_at=back)
    _close(con, "douyin-2026", (date(2026, 6, 1), date(2026, 7, 31)), dirs)
    book = load_rulebook("douyin-2026", dirs)
    day = hit.date()
    wants = [
        ("deposit.advance", (50_000, 50_000)),
        ("deposit.advance", (50_000, 150_000)),
        ("deposit.advance.zero-deposit", (0, 100_000)),
        ("deposit.advance.special", (20_000_000, 21_000_000)),
        ("deposit.advance", (10_050_000, 10_050_000)),  # the durian sale is 06-01
        ("deposit.advance.cross-border-special", (500_000, 5_500_000)),  # 10x (assumed scope)
    ]
    failures = []
    for (why, shop), (rule, want) in zip(cases, wants, strict=True):
        got = (
            required_on(con, book, shop, day - timedelta(days=1)),
            required_on(con, book, shop, day),
        )
        if got != want:
            failures.append(f"douyin-2026:{rule}: {why}: expected {want}, got {got}")
    for (why, shop), (rule, _), want in zip(
        cases[1:4],
        wants[1:4],
        ((150_000, 50_000), (100_000, 0), (21_000_000, 20_000_000)),
        strict=True,
    ):
        got = (
            required_on(con, book, shop, date(2026, 7, 10)),
            required_on(con, book, shop, date(2026, 7, 11)),
        )
        if got != want:
            failures.append(f"douyin-2026:{rule}: {why}: 30 clean days: expected {want}, got {got}")
    return failures


def refund_response_failures(
    con: duckdb.DuckDBPyConnection, rulebooks: Sequence[str], dirs: Sequence[Path]
) -> list[str]:
    """Taobao's 5 business hours to answer a refund request: asked Monday 10:00, due 15:00;
    an answer at 15:00 is on time, at 15:01 late. On the assumed calendar (09:00-18:00,
    China's working days) a Friday 16:00 request is due Monday 12:00; one asked on 30 September
    2026 at 16:00 waits out the National Day holiday (1-7 October) and is due 8 October 12:00;
    one asked Friday 9 October at 16:00 is due Saturday 10 October 12:00, a make-up working
    day (Monday to Friday would give 1 and 12 October). An instant refund is exempt."""
    if "taobao-2026" not in rulebooks:
        return []
    market = Market(con)
    book = load_rulebook("taobao-2026", dirs)
    monday, friday = datetime(2026, 6, 1, 10), datetime(2026, 6, 5, 16)
    cases = [
        ("answered at the deadline", monday, monday + timedelta(hours=5), False,
         datetime(2026, 6, 1, 15)),
        ("answered a minute late", monday, monday + timedelta(hours=5, minutes=1), True,
         datetime(2026, 6, 1, 15)),
        ("over the weekend", friday, datetime(2026, 6, 8, 12), False, datetime(2026, 6, 8, 12)),
        ("over National Day, on time", datetime(2026, 9, 30, 16), datetime(2026, 10, 8, 12),
         False, datetime(2026, 10, 8, 12)),
        ("over National Day, a minute late", datetime(2026, 9, 30, 16),
         datetime(2026, 10, 8, 12, 1), True, datetime(2026, 10, 8, 12)),
        ("to a make-up Saturday, on time", datetime(2026, 10, 9, 16),
         datetime(2026, 10, 10, 12), False, datetime(2026, 10, 10, 12)),
        ("to a make-up Saturday, a minute late", datetime(2026, 10, 9, 16),
         datetime(2026, 10, 10, 12, 1), True, datetime(2026, 10, 10, 12)),
    ]  # fmt: skip
    failures = []
    for n, (why, asked, answered, late, due) in enumerate(cases):
        order = market.order(paid_at=asked - timedelta(days=1))
        insert(
            con,
            "after_sales",
            {"case_id": f"R{n}", "order_id": order, "requested_at": asked,
             "type": "refund_only", "reason_code": "quality", "reason_text": None,
             "evidence_images": None, "amount_fen": 1_000, "compensation_fen": 0,
             "outcome": "approved", "responsible_party": "merchant", "closed_at": answered,
             "escalated": False},
        )  # fmt: skip
        got = refund_response(con, book, f"R{n}")
        if (got.rule_id, got.due_at, got.late) != ("refund.response", due, late):
            failures.append(
                f"taobao-2026:refund.response: {why}: expected due {due}, late {late}; "
                f"got {got.rule_id} due {got.due_at}, late {got.late}"
            )
    instant = market.order(paid_at=monday)
    market.refund(instant, 1_000, after=timedelta(minutes=10))
    case = con.execute("SELECT case_id FROM after_sales WHERE order_id = ?", [instant]).fetchone()
    assert case is not None
    got = refund_response(con, book, str(case[0]))
    if got.rule_id is not None:
        failures.append(f"taobao-2026:refund.response: instant refund held to {got.rule_id}")
    return failures


def _creator_balance(con: duckdb.DuckDBPyConnection, account: str, creator: str, day: date) -> int:
    row = con.execute(
        "SELECT coalesce(sum(amount_fen), 0) FROM journal_postings "
        "WHERE account = ? AND party = ? AND booked_on <= ?",
        [account, creator, day],
    ).fetchone()
    return int(row[0]) if row else 0


def creator_hold_failures(
    con: duckdb.DuckDBPyConnection, rulebooks: Sequence[str], dirs: Sequence[Path]
) -> list[str]:
    """The affiliate reserve and freeze (§3.7). A ¥62,500 sale at 20% commission by a B-rated
    creator: commission 1,250,000 fen, less the 10% creator fee, 1,125,000 settles on 06-17
    (receipt 06-02 + 15). 5% of it (56,250) stays in the reserve until 07-02 (06-17 + 15); a
    cross-border shop's commission keeps none. A second creator's violation on 06-20 freezes
    all of its settled commission until 12-17 (06-20 + 180)."""
    if "douyin-2026" not in rulebooks:
        return []
    market = Market(con)
    reserved, frozen, abroad = (market.creator("B") for _ in range(3))
    for creator, mode in ((reserved, "domestic"), (frozen, "domestic"), (abroad, "cross_border")):
        shop = market.shop(business_mode=mode)
        order = market.order(
            shop, creator=creator, commission_bp=2_000, goods=6_250_000, paid_at=PAID
        )
        market.confirm_receipt(order, after=RECEIPT)
    insert(
        con,
        "creator_violations",
        {"violation_id": "CV1", "creator_id": frozen, "kind": "false_promotion",
         "occurred_at": datetime(2026, 6, 20, 9)},
    )  # fmt: skip
    _close(con, "douyin-2026", (date(2026, 6, 1), date(2026, 12, 31)), dirs)
    settled, release, thawed = date(2026, 6, 17), date(2026, 7, 2), date(2026, 12, 17)
    day_before = timedelta(days=1)
    pins = (  # (rule, what, account, creator, day, fen)
        ("commission.reserve", "reserve on the settlement day",
         "creator_reserve", reserved, settled, 56_250),
        ("commission.reserve", "available on the settlement day",
         "creator_available", reserved, settled, 1_068_750),
        ("commission.reserve", "reserve the day before release",
         "creator_reserve", reserved, release - day_before, 56_250),
        ("commission.reserve", "reserve on the 15th day after",
         "creator_reserve", reserved, release, 0),
        ("commission.reserve", "available once released",
         "creator_available", reserved, release, 1_125_000),
        ("commission.reserve", "cross-border reserve", "creator_reserve", abroad, settled, 0),
        ("commission.reserve", "cross-border reserve, Dragon Boat Day (06-19, a holiday)",
         "creator_available", abroad, date(2026, 6, 19), 0),
        ("commission.reserve", "cross-border available (2 working days later: 06-22)",
         "creator_available", abroad, date(2026, 6, 22), 1_125_000),
        ("commission.freeze", "frozen on the violation's day",
         "creator_frozen", frozen, date(2026, 6, 20), 1_068_750),
        ("commission.freeze", "frozen on day 179",
         "creator_frozen", frozen, thawed - day_before, 1_068_750),
        ("commission.freeze", "frozen on day 180", "creator_frozen", frozen, thawed, 0),
        ("commission.freeze", "available after the freeze",
         "creator_available", frozen, thawed, 1_125_000),
    )  # fmt: skip
    failures = []
    for rule, what, account, creator, day, want in pins:
        got = _creator_balance(con, account, creator, day)
        if got != want:
            failures.append(f"douyin-2026:{rule}: {what}: expected {want}, got {got}")
    return failures  # fmt: skip


GROUPS: dict[str, Callable[[duckdb.DuckDBPyConnection, Sequence[str], Sequence[Path]], list[str]]]
GROUPS = {
    "settlement": settlement_failures,
    "deposits": deposit_failures,
    "experience": experience_failures,
    "insurance": insurance_failures,
    "annual": annual_failures,
    "installation": installation_failures,
    "creator_holds": creator_hold_failures,
    "advance": advance_failures,
    "refund_response": refund_response_failures,
}
"""Ledger pin groups, by what they exercise (the mutation check picks by effect kind)."""


FOCUSED: dict[str, Callable[..., list[str]]] = {
    "deposits": deposit_failures,
    "experience": experience_failures,
}
"""Groups whose cases can be narrowed to one rule (``only``): the mutation check runs those
first and the whole group only when they pass."""


def ledger_failures_in_fresh_warehouse(
    group: str,
    rulebooks: Sequence[str],
    rulebook_dirs: Sequence[Path] = (),
    only: str | None = None,
) -> list[str]:
    con = duckdb.connect(":memory:")
    ensure_schema(con)
    try:
        if only is not None:
            return FOCUSED[group](con, rulebooks, rulebook_dirs, only)
        return GROUPS[group](con, rulebooks, rulebook_dirs)
    finally:
        con.close()


@pytest.mark.parametrize("group", sorted(GROUPS))
def test_ledger_pins_hold_on_the_shipped_rulebooks(
    warehouse: duckdb.DuckDBPyConnection, group: str
) -> None:
    assert GROUPS[group](warehouse, ["douyin-2025", "douyin-2026", "taobao-2026"], ()) == []
