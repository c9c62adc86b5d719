"""The columns a rule's ``when`` condition may use: the one declaration.

Conditions are written over dotted names (``order.scene``, ``shop.tags``,
``category.industry``); the compiler rewrites each onto a column of the fee
stage's *fact relation* (one row per order, with its shop, category and creator
joined, plus derived facts such as ``order.is_instant_refund``). This module is
the single list of those names: the checker, the compiler, the fact relation's
test and ``docs/rulebooks.md`` all read it, so they cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from merchantry.model import tables as m
from merchantry.model.schema import ColumnType
from merchantry.model.score_outputs import SCORE_STAGES

T = ColumnType


@dataclass(frozen=True, slots=True)
class ConditionColumn:
    """One name a condition may refer to."""

    name: str
    """Dotted name as written in a rulebook, e.g. ``order.scene``."""
    type: ColumnType
    description: str
    choices: tuple[str, ...] = ()
    """Legal values; a string literal compared with this column must be one of them."""
    derived: bool = False
    """True when the fee stage computes it (not a stored column)."""

    @property
    def fact_column(self) -> str:
        """Name of the fact-relation column that carries it (``order.scene`` -> ``order_scene``)."""
        return self.name.replace(".", "_")

    @property
    def namespace(self) -> str:
        return self.name.split(".", 1)[0]

    @property
    def field(self) -> str:
        return self.name.split(".", 1)[1]


INSTANT_REFUND_MINUTES: Final = 60
"""Window for 秒退 (instant refund): refund asked within this many minutes of payment.

Assumption (platform-rules.md §3.3, §6 gap 7): no official threshold exists; the
Qianchuan reports' "1-hour refund" fields suggest 60 minutes.
"""

C = ConditionColumn

CONDITION_COLUMNS: Final[tuple[ConditionColumn, ...]] = (
    # --- the order itself
    C("order.order_id", T.TEXT, "Order id."),
    C("order.paid_at", T.TIMESTAMP, "Payment time."),
    C("order.paid_date", T.DATE, "Payment date (the date fee lines accrue on).", derived=True),
    C("order.quantity", T.INT, "Units bought."),
    C("order.goods_fen", T.MONEY, "Goods value before coupons, fen."),
    C("order.shipping_fen", T.MONEY, "Shipping charged to the buyer, fen."),
    C("order.platform_coupon_fen", T.MONEY, "Platform-funded coupon discount, fen."),
    C("order.merchant_coupon_fen", T.MONEY, "Merchant-funded coupon discount, fen."),
    C("order.amount_paid_fen", T.MONEY, "What the buyer paid, fen."),
    C("order.scene", T.TEXT, "Where the sale happened.", m.SCENES),
    C("order.entry_point", T.TEXT, "App surface the buyer came from.", m.ENTRY_POINTS),
    C(
        "order.ad_product",
        T.TEXT,
        "Ad product that drove the order; NULL if organic.",
        m.AD_PRODUCTS,
    ),
    C("order.ad_cost_fen", T.MONEY, "Ad spend attributed to the order (promotion fee), fen."),
    C("order.creator_id", T.TEXT, "Affiliate creator; NULL if none."),
    C("order.commission_rate_bp", T.INT, "Affiliate daily commission rate offered, bp."),
    C("order.ad_commission_rate_bp", T.INT, "Affiliate ad-period rate (dual commission), bp."),
    C(
        "order.colonel_rate_bp",
        T.INT,
        "Colonel (团长) service-fee rate of the plan the sale came through, bp "
        "(`order_colonel_fees`); NULL if none.",
    ),
    C(
        "order.insurance_type",
        T.TEXT,
        "Return-shipping insurance bought; NULL if none.",
        m.INSURANCE_TYPES,
    ),
    C("order.insured_by", T.TEXT, "Who bought the insurance.", m.INSURERS),
    C("order.is_gift", T.BOOL, "Gift or lucky-bag order."),
    C(
        "order.affiliate_plans",
        T.TEXT_LIST,
        "Affiliate plans covering the sale (use `list_contains(order.affiliate_plans, 'x')`); "
        "NULL when not recorded.",
        m.AFFILIATE_PLANS,
    ),
    C(
        "order.installation",
        T.TEXT,
        "Installation promised: merchant (商家安装), partner, none; NULL when not recorded.",
        m.INSTALLATION_MODES,
    ),
    C("order.is_affiliate", T.BOOL, "A creator promoted the sale (creator_id set).", derived=True),
    C(
        "order.refunded_fen",
        T.MONEY,
        "Approved refunds on the order (refund_only and "
        "return_refund cases), capped at the amount paid, fen.",
        derived=True,
    ),
    C(
        "order.refunded_in_period_fen",
        T.MONEY,
        "Part of `order.refunded_fen` asked for inside "
        "the category's after-sales period (counted from confirmed receipt, or from payment "
        "when receipt is not confirmed), fen.",
        derived=True,
    ),
    C(
        "order.refund_minutes",
        T.INT,
        "Minutes from payment to the first approved refund request; NULL when never refunded.",
        derived=True,
    ),
    C(
        "order.is_instant_refund",
        T.BOOL,
        "秒退: an approved refund asked for within "
        f"{INSTANT_REFUND_MINUTES} minutes of payment (assumed window).",
        derived=True,
    ),
    # --- the shop
    C("shop.shop_id", T.TEXT, "Shop id."),
    C("shop.industry", T.TEXT, "Experience-score industry of the shop."),
    C("shop.store_type", T.TEXT, "Store type.", m.STORE_TYPES),
    C(
        "shop.store_subtype",
        T.TEXT,
        "Enterprise store kind: specialty (专营店), franchise (专卖店), ordinary; NULL when "
        "not recorded.",
        m.STORE_SUBTYPES,
    ),
    C(
        "shop.tags",
        T.TEXT_LIST,
        "Programme tags (use `list_contains(shop.tags, 'x')`).",
        m.SHOP_TAGS,
    ),
    C("shop.entry_plan", T.TEXT, "Standard or zero-deposit entry.", m.ENTRY_PLANS),
    C("shop.business_mode", T.TEXT, "Domestic, cross-border or instant retail.", m.BUSINESS_MODES),
    C("shop.region", T.TEXT, "Province (or region) of the shop."),
    C("shop.opened_date", T.DATE, "Date the shop joined the platform."),
    C(
        "shop.age_days",
        T.INT,
        "Days from the shop's opening to the order's payment date.",
        derived=True,
    ),
    # --- the product's category
    C("category.category_id", T.TEXT, "Leaf category of the SKU."),
    C("category.industry", T.TEXT, "Industry code of the SKU's category (fee tables key on it)."),
    C("category.parent_id", T.TEXT, "Parent category."),
    C("category.after_sales_days", T.INT, "After-sales period of the category, days."),
    # --- the creator
    C(
        "creator.tier",
        T.TEXT,
        "Creator's monthly operating rating; NULL without a creator.",
        m.CREATOR_TIERS,
    ),
    C("creator.followers", T.INT, "Creator's follower count."),
)
"""Every column a condition may use, in documentation order."""

SCORE_COLUMNS: Final[tuple[ConditionColumn, ...]] = (
    C(
        "shop.experience_score",
        T.INT,
        "Douyin store experience score (商家体验分) in force on the date, points with two "
        "decimals (growth-stage score included); NULL when the shop has none.",
        derived=True,
    ),
    C(
        "shop.experience_score_7d_avg",
        T.INT,
        "Average of the Douyin score over the 7 days up to the date (mega-sale sign-up).",
        derived=True,
    ),
    C("shop.product_score", T.INT, "Douyin product-experience dimension score.", derived=True),
    C(
        "shop.product_score_30d_avg",
        T.INT,
        "Mean of the Douyin product-experience score over the 30 days up to the date (the "
        "days the shop was scored), cut to two decimals (medical-device affiliate entry).",
        derived=True,
    ),
    C(
        "shop.product_bad_review_pct",
        T.INT,
        "Douyin bad-review rate of the shop's products in the score window: 1-2 star reviews "
        "per rated valid order (the product_rating indicator), percent cut to two decimals; "
        "NULL without rated orders.",
        derived=True,
    ),
    C("shop.logistics_score", T.INT, "Douyin logistics dimension score.", derived=True),
    C("shop.service_score", T.INT, "Douyin service dimension score.", derived=True),
    C(
        "shop.score_stage",
        T.TEXT,
        "Douyin score stage: growth (< 30 valid orders), formal, or none.",
        SCORE_STAGES,
        derived=True,
    ),
    C(
        "shop.taobao_score",
        T.INT,
        "Taobao real experience score (真实体验分), 3-5 with two decimals; NULL below 30 orders.",
        derived=True,
    ),
    C(
        "shop.special_services",
        T.INT,
        "Characteristic services switched on (shop_services) on the score date.",
        derived=True,
    ),
)
"""Columns resolved from the score series (``shop_scores``) as of the order's date.

Kept apart from :data:`CONDITION_COLUMNS` because only the stages that join the
series carry them: the fee and ledger stages (``rulebook/facts.py``) and the scoring
stage's gates; the risk stage refuses rules that read them.
A score is published in the morning of its date from the window before it, so an
order paid on day D sees the latest score dated on or before D. Types: points are
DECIMAL(9, 2) values compared as numbers (``shop.taobao_score >= 4.8``).
"""

SCORE_COLUMN_NAMES: Final = frozenset(c.name for c in SCORE_COLUMNS)

SCORE_COLUMN_PLATFORM: Final[dict[str, str | None]] = {
    "shop.taobao_score": "taobao",
    "shop.special_services": None,
} | {
    c.name: "douyin"
    for c in SCORE_COLUMNS
    if c.name not in ("shop.taobao_score", "shop.special_services")
}
"""Which platform's scores (``shop_scores.platform``) a score column reads; ``None``: any."""

SCORE_SERIES_SQL: Final = """
WITH latest AS (
  SELECT * FROM (
    SELECT *, row_number() OVER (
      PARTITION BY platform, shop_id, score_date ORDER BY version_from DESC, rulebook DESC
    ) AS version_rank
    FROM shop_scores
  )
  WHERE version_rank = 1
),
dates AS (SELECT DISTINCT shop_id, score_date FROM latest),
douyin AS (
  SELECT l.*, avg(l.product_cp) OVER (
    PARTITION BY l.shop_id ORDER BY l.score_date
    RANGE BETWEEN INTERVAL 29 DAYS PRECEDING AND CURRENT ROW
  ) AS product_30d_avg_cp,
  pr.bad_events AS bad_reviews, pr.denominator AS rated_orders
  FROM latest AS l
  LEFT JOIN shop_score_indicators AS pr
    ON pr.rulebook = l.rulebook AND pr.shop_id = l.shop_id AND pr.score_date = l.score_date
    AND pr.indicator = 'product_rating'
  WHERE l.platform = 'douyin'
),
taobao AS (SELECT * FROM latest WHERE platform = 'taobao')
SELECT
  d.shop_id,
  d.score_date,
  CAST(dy.score_cp * 0.01 AS DECIMAL(9, 2)) AS experience_score,
  CAST(dy.score_7d_avg_cp * 0.01 AS DECIMAL(9, 2)) AS experience_score_7d_avg,
  CAST(dy.product_cp * 0.01 AS DECIMAL(9, 2)) AS product_score,
  CAST(CAST(floor(dy.product_30d_avg_cp) AS INTEGER) * 0.01 AS DECIMAL(9, 2))
    AS product_score_30d_avg,
  CAST(CAST(dy.bad_reviews * 10000 // nullif(dy.rated_orders, 0) AS INTEGER) * 0.01
    AS DECIMAL(9, 2)) AS product_bad_review_pct,
  CAST(dy.logistics_cp * 0.01 AS DECIMAL(9, 2)) AS logistics_score,
  CAST(dy.service_cp * 0.01 AS DECIMAL(9, 2)) AS service_score,
  dy.stage AS score_stage,
  CAST(tb.score_cp * 0.01 AS DECIMAL(9, 2)) AS taobao_score,
  CASE WHEN dy.score_date IS NULL OR tb.score_date > dy.score_date
       THEN tb.special_services ELSE dy.special_services END AS special_services
FROM dates AS d
ASOF LEFT JOIN douyin AS dy ON dy.shop_id = d.shop_id AND d.score_date >= dy.score_date
ASOF LEFT JOIN taobao AS tb ON tb.shop_id = d.shop_id AND d.score_date >= tb.score_date
"""
"""The score series as one row per shop and date (fixed SQL, ours).

Each row holds every platform's score *in force* on its date: the Douyin columns come
from the latest Douyin score dated on or before it, the Taobao column from the latest
Taobao one, so a platform scored on other days than the other is not lost (an ASOF
join on this series then reads both correctly; ``tests/scoring/test_score_asof.py``).
When several rulebooks of one platform scored the same day (a what-if beside the
real one), the version that took effect last wins. Points are ``DECIMAL(9, 2)``:
``score_cp`` is an integer of hundredths and ``* 0.01`` keeps it exact
(``/`` would give a DOUBLE). The 30-day product mean is cut (not rounded) to hundredths, so
``>= 75`` holds exactly when the mean reaches 75; the bad-review rate is cut by integer
division of the counts (non-negative, so ``//`` floors; it means the same on Spark).
"""

GATE_KINDS: Final = ("score_gate", "score_peer_gate")
"""Effect kinds evaluated per shop and date over the published score series (gates)."""

COUNTERFEIT_RECORD_KINDS: Final = ("counterfeit", "brand_confusion")
"""``violations.kind`` values that make a counterfeit-or-confusion record (售假、发布混淆信息)."""

SEVERE_VIOLATION_KINDS: Final = ("counterfeit", "brand_confusion", "brushing", "fake_review")
"""``violations.kind`` values counted as severe violations (严重违规). The platform defines
severity in its general violation rules (商家违规行为管理总则), which the references do not
hold: this list is a judgement (selling counterfeits, confusing brand information, faked
transactions and faked reviews, the kinds the rule texts treat as 售假/混淆/虚假交易), so a
rule reading ``shop.severe_violations_180d`` marks its kind list ``assumption: true``.
Service lapses (refused invoice or after-sales, return address), false advertising, mocking a
consumer and fraudulent shipping are left out."""

GATE_COLUMNS: Final[tuple[ConditionColumn, ...]] = (
    C(
        "shop.violations_30d",
        T.INT,
        "Confirmed violations (`violations`, withdrawn ones left out) of the shop dated in "
        "the 30 days before the gate date (D-30 to D-1: a gate decided in the morning sees "
        "the days before it); gates only.",
        derived=True,
    ),
    C(
        "shop.has_counterfeit_record",
        T.BOOL,
        "The shop has a confirmed counterfeit or confusing-information violation (`violations` "
        f"of kind {', '.join(COUNTERFEIT_RECORD_KINDS)}, not withdrawn) dated before the "
        "gate date, at any time (a history, not a window); gates only.",
        derived=True,
    ),
    C(
        "shop.severe_violations_180d",
        T.INT,
        "Confirmed severe violations (`violations` of kind "
        f"{', '.join(SEVERE_VIOLATION_KINDS)}, withdrawn ones left out; the kind list is an "
        "assumption) of the shop dated in the 180 days before the gate date (D-180 to D-1); "
        "gates only.",
        derived=True,
    ),
)
"""Columns only gate rules (:data:`GATE_KINDS`) may read: the scoring stage's gate step
computes them per shop and date from the warehouse's violation records
(``scoring/gates.py``); no other stage carries them, and the checker refuses any other rule
that names one (``gate-column``)."""

GATE_COLUMN_NAMES: Final = frozenset(c.name for c in GATE_COLUMNS)

COLUMNS_BY_NAME: Final = {c.name: c for c in (*CONDITION_COLUMNS, *SCORE_COLUMNS, *GATE_COLUMNS)}
NAMESPACES: Final = tuple(dict.fromkeys(c.namespace for c in CONDITION_COLUMNS))


def condition_column(name: str) -> ConditionColumn:
    """The declared column ``name``; ``KeyError`` when undeclared."""
    return COLUMNS_BY_NAME[name]
