"""Score indicators: each one's name, unit and the measures it is computed from.

The one declaration of the indicator names: the score rulebooks' checker
(``rulebook.score_effects.SCORE_INDICATORS``) and the scoring stage
(``scoring.indicators``) both read this catalogue. Definitions: ``docs/scoring.md``.

Some names quote a number the rulebook sets (Taobao's 48-hour pickup rate counts parcels
picked up within ``pickup_due_hours``): such a title says ``{pickup_due_hours}`` where the
number goes, and :func:`merchantry.report.names.fill` writes the rulebook's value in
(:data:`PARAMETER_DEFAULTS` when it sets none), so the words follow the rulebook.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Indicator:
    """How an indicator's value comes from the measures."""

    name: str
    unit: str
    numerator: str
    denominator: str
    """Measure divided by; ``""`` for a plain count (the value is the numerator)."""
    scale: int
    """Multiplier applied to the numerator before dividing (10,000 for bp rates)."""
    bad: str
    """Measure counted as bad events (floors, growth bars); ``""`` when none."""
    bad_is_gap: bool = False
    """Bad events are ``denominator − numerator`` (e.g. waybills that were not on time)."""
    title: str = ""
    """``中文 English``; ``{parameter}`` where the name quotes a rulebook parameter."""


PARAMETER_DEFAULTS: Final = {
    "delivery_standard_hours": 72,
    "remote_extra_hours": 96,
    "pickup_due_hours": 48,
    "after_sales_standard_minutes": 2_880,
    "unanswered_round_seconds": 600,
    "reply_target_seconds": 180,
    "low_price_max_fen": 0,
    "pickup_clock_after_hour": 18,
    "pickup_clock_start_hour": 6,
    "review_clock_after_hour": 23,
    "review_clock_start_hour": 8,
    "service_first_hour": 8,
    "service_last_hour": 22,
}
"""Rulebook parameters the indicator SQL reads, with the value used when a rulebook
does not declare one (each is discussed in ``docs/scoring.md``; their ranges are in
:data:`merchantry.rulebook.bounds.PARAMETER_BOUNDS`). The hours (0-23) are the night
clocks (an order paid, or an after-sales request made, at or after ``*_after_hour`` or
before ``*_start_hour`` starts its clock at ``*_start_hour``) and the customer-service
hours (sessions started from ``service_first_hour``:00 to ``service_last_hour``:59:59
count). Declared here, beside the catalogue, so the names that quote them (and the report
layer that writes those names) read the same defaults as the scoring stage."""


Ind = Indicator
INDICATORS: Final[dict[str, Indicator]] = {
    i.name: i
    for i in (
        # Douyin 商家体验分 (2026-05-07 and 2026-07-14 texts)
        Ind("product_rating", "0.01 star", "rating_sum", "rating_n", 100, "bad_reviews",
          title="商品综合评分 product composite rating"),
        Ind("quality_return_rate", "bp", "quality_returns", "signed", 10_000, "quality_returns",
          title="商品品质退货率 quality-return rate"),
        Ind("pickup_score", "0.01 point", "pickup_score_sum", "pickups", 1, "late_pickups",
          title="揽收时长平均得分 average pickup-time score"),
        Ind("on_time_delivery_rate", "bp", "waybills_on_time", "waybills_due", 10_000,
          "waybills_on_time", bad_is_gap=True, title="运单配送时效达成率 on-time delivery rate"),
        Ind("logistics_return_rate", "bp", "logistics_returns", "valid_orders", 10_000,
          "logistics_returns", title="发货物流品退率 logistics-quality return rate"),
        Ind("after_sales_on_time_rate", "bp", "refund_cases_on_time", "refund_cases", 10_000,
          "refund_cases_on_time", bad_is_gap=True,
          title="售后处理时长达成率 after-sales on-time rate"),
        Ind("feige_response_seconds", "s", "cs_response_seconds", "cs_rounds", 1, "cs_unanswered",
          title="飞鸽平均响应时长 Feige average response time"),
        Ind("after_sales_review_minutes", "min", "review_seconds", "refund_cases", 1,
          "refund_cases_on_time", bad_is_gap=True,
          title="售后平均审核时长 after-sales average review time"),
        Ind("dissatisfaction_rate", "bp", "cs_dissatisfied", "cs_rated", 10_000, "cs_dissatisfied",
          title="飞鸽会话不满意率 Feige dissatisfaction rate"),
        Ind("help_seeking_rate", "bp", "escalated_orders", "asked_orders", 10_000,
          "escalated_orders", title="平台求助率 platform help-seeking rate"),
        # Taobao 真实体验分 (from 2026-03-16)
        Ind("negative_feedback_rate", "bp", "negative_feedback", "signed", 10_000,
          "negative_feedback", title="商品负反馈率 product negative-feedback rate"),
        Ind("positive_review_rate", "bp", "positive_reviews", "rating_n", 10_000,
          "positive_reviews", bad_is_gap=True, title="商品好评率 positive-review rate"),
        Ind("pickup_48h_rate", "bp", "picked_48h", "due_48h", 10_000, "picked_48h",
          bad_is_gap=True, title="{pickup_due_hours}揽收率 {pickup_due_hours} pickup rate"),
        Ind("delivery_minutes", "min", "delivery_minutes", "signed", 1, "",
          title="物流配送时长 delivery duration"),
        Ind("logistics_bad_review_rate", "bp", "logistics_bad", "confirmed", 10_000,
          "logistics_bad", title="物流差评率 logistics bad-review rate"),
        Ind("response_3min_rate", "bp", "cs_rounds_3min", "cs_rounds", 10_000, "cs_rounds_3min",
          bad_is_gap=True,
          title="旺旺{reply_target_seconds}人工响应率 {reply_target_seconds} response rate"),
        Ind("cs_satisfaction_rate", "bp", "cs_satisfied", "cs_rated", 10_000, "cs_satisfied",
          bad_is_gap=True, title="旺旺满意度 CS satisfaction"),
        Ind("refund_handling_minutes", "min", "refund_seconds", "refunds_all", 1, "",
          title="退款处理时长 refund handling time"),
        Ind("platform_dispute_rate", "bp", "escalations", "valid_orders", 10_000, "escalations",
          title="平台求助率(淘宝) platform help-seeking rate (Taobao)"),
        # auxiliary: usable by bonuses and bars, rarely weighted
        Ind("remote_clean_signed", "orders", "remote_clean", "", 1, "",
          title="偏远地区无售后签收单 remote orders signed with no after-sale"),
        Ind("next_day_delivery_rate", "bp", "next_day", "signed", 10_000, "",
          title="次日达占比 next-day delivery share"),
    )
}  # fmt: skip
"""The catalogue, keyed by name: the one declaration of the indicator names."""
