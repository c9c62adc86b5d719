"""Tables the scoring stage writes: the daily score series and everything behind it.

Scores are integers in hundredths of a point (``_cp``): Douyin's 87.52 is 8752,
Taobao's 4.83 is 483. Every figure names the rule that produced it, so a
merchant can be told why the score is what it is (``merchantry diagnose score``).
"""

from __future__ import annotations

from typing import Final

from merchantry.model.schema import Column, ColumnType, Table

T = ColumnType

SCORE_STAGES: Final = ("growth", "formal", "none")
ADJUSTMENT_KINDS: Final = ("bonus", "deduction", "deduction_cap")


def _key(*extra: Column) -> tuple[Column, ...]:
    return (
        Column("rulebook", T.TEXT, "Score rulebook the row was computed under.", "规则版本"),
        Column("shop_id", T.TEXT, "Shop.", "店铺ID"),
        Column(
            "score_date", T.DATE, "Date the score is in force (window ends the day before).", "日期"
        ),
        *extra,
    )


def _rule(name: str, what: str, zh: str) -> Column:
    return Column(name, T.TEXT, what, zh, nullable=True)


SHOP_SCORES = Table(
    name="shop_scores",
    term_zh="店铺体验分",
    description=(
        "Daily experience score per shop and score rulebook: stage, dimension scores, bonuses, "
        "deductions, the final score, its 7-day average and the consumer display value."
    ),
    primary_key=("rulebook", "shop_id", "score_date"),
    index_key=False,
    columns=(
        *_key(),
        Column("platform", T.TEXT, "Platform of the series.", "平台", choices=("douyin", "taobao")),
        Column("version_from", T.DATE, "Effective date of the rulebook version.", "版本生效日"),
        Column("industry", T.TEXT, "Experience-score industry of the shop.", "体验分行业"),
        Column("stage", T.TEXT, "growth, formal or none (no score).", "阶段", choices=SCORE_STAGES),
        Column("valid_orders", T.INT, "Valid paid orders in the window.", "有效支付订单数"),
        Column("product_cp", T.INT, "Product dimension score.", "商品体验分", nullable=True),
        Column("logistics_cp", T.INT, "Logistics dimension score.", "物流体验分", nullable=True),
        Column("service_cp", T.INT, "Service dimension score.", "服务体验分", nullable=True),
        Column(
            "weighted_cp",
            T.INT,
            "Weighted sum of the dimensions, before total bonuses and deductions.",
            "加权分",
            nullable=True,
        ),
        Column("bonus_cp", T.INT, "Bonus points added to the total.", "加分", nullable=True),
        Column("deduction_cp", T.INT, "Deduction points (positive).", "扣分", nullable=True),
        Column(
            "score_cp", T.INT, "Final score; empty when the shop has none.", "体验分", nullable=True
        ),
        Column(
            "score_7d_avg_cp",
            T.INT,
            "Average score over the 7 days up to the date.",
            "7日均分",
            nullable=True,
        ),
        Column(
            "display_tenths",
            T.INT,
            "Consumer display value in tenths (48 = 4.8); empty when not shown.",
            "消费者展示分",
            nullable=True,
        ),
        Column("special_services", T.INT, "Characteristic services switched on.", "特色服务数"),
        _rule("stage_rule_id", "Stage rule applied.", "阶段规则"),
        _rule("scale_rule_id", "Scale rule applied.", "口径规则"),
    ),
)

SHOP_SCORE_INDICATORS = Table(
    name="shop_score_indicators",
    term_zh="体验分指标明细",
    description=(
        "Every indicator of every shop score: raw value with numerator and denominator, bad "
        "events, tier, tier score, floor, weight, and the rules that set them."
    ),
    primary_key=("rulebook", "shop_id", "score_date", "indicator"),
    index_key=False,
    columns=(
        *_key(Column("indicator", T.TEXT, "Indicator (see docs/scoring.md).", "指标")),
        Column("dimension", T.TEXT, "Dimension it is weighted in.", "维度", nullable=True),
        Column(
            "value",
            T.BIGINT,
            "Raw value in the indicator's unit; empty without data.",
            "指标值",
            nullable=True,
        ),
        Column("unit", T.TEXT, "Unit of the value.", "单位"),
        Column("numerator", T.BIGINT, "Numerator of the value (sum or count).", "分子"),
        Column("denominator", T.BIGINT, "Base population of the value.", "分母"),
        Column("bad_events", T.BIGINT, "Bad events (for floors and growth bars).", "不良事件数"),
        Column("tier", T.INT, "Tier reached, 0 (worst) to 5.", "档位", nullable=True),
        Column("tier_cp", T.INT, "Tier score (or the direct value).", "档位分", nullable=True),
        Column("floor_applied", T.BOOL, "The low-volume floor raised or set it.", "保底生效"),
        Column(
            "indicator_cp", T.INT, "Indicator score after the floor.", "指标得分", nullable=True
        ),
        Column(
            "weight_bp", T.INT, "Weight inside its dimension.", "权重", unit="bp", nullable=True
        ),
        _rule("tier_rule_id", "Cut-off (or pickup band) rule.", "分档规则"),
        _rule("floor_rule_id", "Floor rule.", "保底规则"),
        _rule("weight_rule_id", "Weight rule.", "权重规则"),
    ),
)

SHOP_SCORE_ADJUSTMENTS = Table(
    name="shop_score_adjustments",
    term_zh="体验分加扣分",
    description=(
        "Bonus items and deductions behind each score; `points_cp` is signed (bonus +, "
        "deduction −). A `deduction_cap` row gives back what a shared cap took off."
    ),
    primary_key=("rulebook", "shop_id", "score_date", "rule_id", "kind"),
    index_key=False,
    columns=(
        *_key(),
        Column(
            "kind", T.TEXT, "bonus, deduction or deduction_cap.", "类型", choices=ADJUSTMENT_KINDS
        ),
        Column("target", T.TEXT, "total or the dimension it went to.", "作用于"),
        Column("rule_id", T.TEXT, "Rule.", "规则ID"),
        Column("cases", T.INT, "Violations counted (deductions).", "次数"),
        Column("points_cp", T.INT, "Points applied, signed.", "分值"),
    ),
)

SHOP_GATES = Table(
    name="shop_gates",
    term_zh="体验分准入",
    description="Programme gates (affiliate entry, mega-sale sign-up, …) per shop and date.",
    primary_key=("rulebook", "shop_id", "score_date", "gate"),
    index_key=False,
    columns=(
        *_key(Column("gate", T.TEXT, "Programme gated.", "准入项")),
        Column("passed", T.BOOL, "The shop may join.", "是否通过"),
        _rule("rule_id", "Rule that decided (empty: no rule matched, closed).", "规则ID"),
    ),
)

SERVICE_RANKINGS = Table(
    name="service_rankings",
    term_zh="好服务榜单",
    description="Good-service ranking per industry and date: top shops by score with services.",
    primary_key=("rulebook", "score_date", "industry", "rank"),
    columns=(
        Column("rulebook", T.TEXT, "Score rulebook.", "规则版本"),
        Column("score_date", T.DATE, "Date.", "日期"),
        Column("industry", T.TEXT, "Industry.", "行业"),
        Column("rank", T.INT, "Rank, 1 = best.", "名次"),
        Column("shop_id", T.TEXT, "Shop.", "店铺ID"),
        Column("score_cp", T.INT, "Score.", "体验分"),
        Column("special_services", T.INT, "Characteristic services switched on.", "特色服务数"),
        Column("rule_id", T.TEXT, "Ranking rule.", "规则ID"),
    ),
)

SCORE_TABLES: Final[tuple[Table, ...]] = (
    SHOP_SCORES,
    SHOP_SCORE_INDICATORS,
    SHOP_SCORE_ADJUSTMENTS,
    SHOP_GATES,
    SERVICE_RANKINGS,
)
