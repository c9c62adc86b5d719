"""Effect kinds of the scoring stage (体验分): declared here, applied by merchantry.scoring.

A score rulebook is an ordinary rulebook whose rules use these kinds. Cut-offs,
weights, floors, bonuses, deductions, stage rules, display and gates are all
rules, so they get provenance, ``assumption: true``, inheritance, overrides and
line-numbered diagnostics like every other rule. A rule's ``when`` selects the
shops it applies to (``shop.industry = 'apparel' AND shop.store_type =
'flagship'``); for kinds that apply per indicator, dimension, violation or gate
the first matching rule *for that indicator* (by priority) decides.

Scores are in hundredths of a point (``_cp``): Douyin's 87.52 is 8752, Taobao's
4.83 is 483. Indicator values are integers in the unit their catalogue entry
names (rates in basis points, ratings in hundredths of a star, times in seconds
or minutes), so cut-offs are written in the same unit.

Assembled with the other stages' kinds by :mod:`merchantry.rulebook.registry`; the names
below are the one list the scoring stage's
SQL is tested against.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from merchantry.model.indicators import INDICATORS
from merchantry.model.tables import SERVICE_KINDS, VIOLATION_KINDS
from merchantry.rulebook.effects import (
    Describer,
    Effect,
    EffectKind,
    EffectValue,
    FieldSpec,
    Stacking,
    Stage,
)

DIMENSIONS: Final = ("product", "logistics", "service")
"""Score dimensions: 商品体验 / 物流体验 / 服务体验 (Taobao: 宝贝质量 / 物流速度 / 服务保障)."""

SCORE_INDICATORS: Final = tuple(INDICATORS)
"""Every indicator the scoring stage computes (definitions: ``docs/scoring.md``)."""

DIRECT_INDICATORS: Final = ("pickup_score",)
"""Indicators whose value is already a score (hundredths of a point): no tier cut-offs."""

GATES: Final = (
    # Douyin (§1.2 applications, §1.3)
    "affiliate_entry",
    "mega_sale_signup",
    "recommendation_pool",
    "lucky_bag_prize",
    "lucky_bag_prize_creators",
    "authorised_account",
    "geo_indication_label",
    "qianchuan_ads",
    "seed_entry",
    "seed_keep",
    "flagship_upgrade",
    # Taobao (§2.1 uses, §2.2)
    "quality_merchant",
    "campaign_signup",
    "alimama_ads",
    "quality_store",
    "new_category",
)
"""Programmes a ``score_gate`` (or ``score_peer_gate``) rule can open or close: Douyin's
affiliate entry, mega-sale sign-up, mall recommendation pool, super-lucky-bag prizes (own
and for other creators), authorised accounts, geographical-indication label, Qianchuan ads
(千川投放), seed-category entry and keeping (农资园艺 种子), flagship upgrade (店铺类型升级);
Taobao's quality merchant,
campaign sign-up, Alimama ads, quality-store selection and new-category applications."""

INTERVENTIONS: Final = ("hide", "cap")
"""What a ``score_intervention`` does: hide the score from consumers (屏蔽) or cap it (设定上限)."""

TIER_COUNT: Final = 6
_SCORE_MAX: Final = 100_00
_BIG: Final = 2**40


def _tier_scores() -> tuple[FieldSpec, ...]:
    return tuple(
        FieldSpec(f"tier_{k}_cp", f"Score of tier {k} (0 = worst), hundredths.", maximum=_SCORE_MAX)
        for k in range(TIER_COUNT)
    )


def _cuts() -> tuple[FieldSpec, ...]:
    return tuple(
        FieldSpec(
            f"cut_{k}",
            f"Value that reaches tier {k} (at least it when higher is better, at most it when "
            "lower is better), in the indicator's unit.",
            maximum=_BIG,
        )
        for k in range(1, TIER_COUNT)
    )


def _check_tier(values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    if values.get("indicator") in DIRECT_INDICATORS:
        return [("indicator", f"{values['indicator']} is scored directly (score_pickup_band)")]
    cuts = [values.get(f"cut_{k}") for k in range(1, TIER_COUNT)]
    higher = values.get("direction") == "higher_better"
    for k in range(1, TIER_COUNT - 1):
        low, high = cuts[k - 1], cuts[k]
        if not isinstance(low, int) or not isinstance(high, int):
            continue
        if (higher and high < low) or (not higher and high > low):
            order = "rise" if higher else "fall"
            return [(f"cut_{k + 1}", f"cut-offs must {order} from cut_1 to cut_5")]
    return []


def _check_scale(values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    low, high = values.get("low_cp"), values.get("high_cp")
    if isinstance(low, int) and isinstance(high, int) and high < low:
        return [("high_cp", f"range is empty: high_cp {high} < low_cp {low}")]
    return []


def _check_bonus(values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    if "at_least" in values and "indicator" not in values:
        return [("at_least", "at_least needs the indicator it applies to")]
    return []


def _check_intervention(values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    if values.get("action") == "cap" and "cap_cp" not in values:
        return [("cap_cp", "a cap intervention needs cap_cp")]
    return []


S = Stacking
SCORE_KINDS: Final[tuple[EffectKind, ...]] = (
    EffectKind(
        "score_scale",
        "Score range, the six tier scores, the display mapping and the window (体验分口径). "
        "Scoring stage.",
        (
            FieldSpec("platform", "Which platform's series this is.", choices=("douyin", "taobao")),
            FieldSpec("low_cp", "Lowest score (clamp), hundredths.", maximum=_SCORE_MAX),
            FieldSpec("high_cp", "Highest score (clamp), hundredths.", maximum=_SCORE_MAX),
            *_tier_scores(),
            FieldSpec(
                "no_data_tier",
                "Tier of an indicator with no base population in the window.",
                maximum=TIER_COUNT - 1,
            ),
            FieldSpec(
                "display",
                "douyin_stars: 61-100 -> 4.0 + ceil((S-60)/4)*0.1, 50-60 -> 3.0 + (S-50)*0.1; "
                "tenths: the score to one decimal.",
                choices=("douyin_stars", "tenths"),
            ),
            FieldSpec("window_days", "Rolling window of every indicator, days.", minimum=1),
        ),
        (S.FIRST,),
        stage=Stage.SCORE,
        check=_check_scale,
    ),
    EffectKind(
        "score_stage",
        "Below min_valid_orders valid orders in the window: a fixed growth-stage score "
        "(成长阶段), or no score. Scoring stage.",
        (
            FieldSpec(
                "min_valid_orders",
                "Valid paid orders needed for a formal score (not used by mode excluded).",
                required=False,
                default=0,
            ),
            FieldSpec(
                "mode",
                "growth: fixed score below the minimum; none: no score below the minimum; "
                "excluded: the shop is outside the score's scope, no score at all.",
                choices=("growth", "none", "excluded"),
            ),
            FieldSpec("growth_score_cp", "Growth-stage score.", maximum=_SCORE_MAX, required=False),
            FieldSpec(
                "downgraded_score_cp",
                "Growth-stage score after a deductible violation or a missed bar.",
                maximum=_SCORE_MAX,
                required=False,
            ),
            FieldSpec(
                "unlock_after_days",
                "Shops older than this need a valid order in the window to get any score.",
                required=False,
            ),
        ),
        (S.FIRST,),
        stage=Stage.SCORE,
    ),
    EffectKind(
        "score_growth_bar",
        "Growth stage: more than max_bad_events of an indicator's bad events in the window "
        "downgrades the score (成长期指标门槛). Scoring stage.",
        (
            FieldSpec("indicator", "Indicator whose bad events are counted.", SCORE_INDICATORS),
            FieldSpec("max_bad_events", "Bad events allowed in the window."),
        ),
        (S.FIRST,),
        stage=Stage.SCORE,
    ),
    EffectKind(
        "score_tier",
        "Maps an indicator's value to one of six tier scores by cut-offs (分档). Scoring stage.",
        (
            FieldSpec("indicator", "Indicator scored.", SCORE_INDICATORS),
            FieldSpec(
                "direction",
                "Whether a larger value is better.",
                choices=("higher_better", "lower_better"),
            ),
            *_cuts(),
        ),
        (S.FIRST,),
        stage=Stage.SCORE,
        check=_check_tier,
    ),
    EffectKind(
        "score_pickup_band",
        "Per-order pickup score: orders picked up within max_hours (clock from 06:00 for "
        "orders paid 18:00-06:00) score score_cp; first band wins (揽收时长得分). Scoring stage.",
        (
            FieldSpec("max_hours", "Hours from payment (or 06:00) to pickup, at most."),
            FieldSpec("score_cp", "Score of the order, hundredths.", maximum=_SCORE_MAX),
        ),
        (S.FIRST,),
        stage=Stage.SCORE,
    ),
    EffectKind(
        "score_pickup_deadline",
        "Pickup deadline of an in-stock order: picked up within ``hours`` of payment counts as "
        "on time (Douyin: 48 h for flowers, green plants and succulents, and for QIC-inspected "
        "orders, instead of 23:59:59 of the day after payment; 揽收时效). ``orders: all`` "
        "(default) holds every order of the shops the condition selects; ``qic_inspected`` only "
        "their orders marked ``orders.qic_inspected``, and wins for those. A later promised "
        "ship-by time still counts. Scoring stage (missed-pickup count).",
        (
            FieldSpec(
                "hours", "Hours from payment the pickup is due within.", minimum=1, maximum=720
            ),
            FieldSpec(
                "orders",
                "Which orders: all, or the QIC-inspected ones (orders.qic_inspected).",
                ("all", "qic_inspected"),
                required=False,
                default="all",
            ),
        ),
        (S.FIRST,),
        stage=Stage.SCORE,
    ),
    EffectKind(
        "score_indicator_weight",
        "Weight of an indicator inside its dimension (指标权重). Scoring stage.",
        (
            FieldSpec("indicator", "Indicator weighted.", SCORE_INDICATORS),
            FieldSpec("dimension", "Dimension it counts in.", DIMENSIONS),
            FieldSpec(
                "weight_bp", "Weight, bp (a dimension's weights are normalised).", maximum=10_000
            ),
        ),
        (S.FIRST,),
        stage=Stage.SCORE,
    ),
    EffectKind(
        "score_dimension_weight",
        "Weight of a dimension in the total (维度权重). Scoring stage.",
        (
            FieldSpec("dimension", "Dimension weighted.", DIMENSIONS),
            FieldSpec(
                "weight_bp", "Weight, bp (the dimensions' weights are normalised).", maximum=10_000
            ),
        ),
        (S.FIRST,),
        stage=Stage.SCORE,
    ),
    EffectKind(
        "score_floor",
        "Low-volume rule (80分规则): fewer than max_orders valid orders (any number when "
        "absent) and at most max_bad_events counted events -> the indicator scores floor_cp "
        "(replace) or at least floor_cp (floor). Scoring stage.",
        (
            FieldSpec("indicator", "Indicator protected.", SCORE_INDICATORS),
            FieldSpec(
                "max_orders", "Applies below this many valid orders; absent: any.", required=False
            ),
            FieldSpec("max_bad_events", "Applies with at most this many counted events."),
            FieldSpec(
                "counts",
                "What max_bad_events counts: bad_events (e.g. 1-2 star reviews), or base (the "
                "indicator's base population, e.g. rated sessions).",
                choices=("bad_events", "base"),
                required=False,
                default="bad_events",
            ),
            FieldSpec("floor_cp", "Floor score, hundredths.", maximum=_SCORE_MAX),
            FieldSpec(
                "mode",
                "floor: max(score, floor_cp); replace: exactly floor_cp.",
                choices=("floor", "replace"),
                required=False,
                default="floor",
            ),
        ),
        (S.FIRST,),
        stage=Stage.SCORE,
    ),
    EffectKind(
        "score_bonus",
        "Bonus points (加分项) to a dimension (capped at the scale's top) or to the total, when "
        "a service is switched on and/or an indicator reaches at_least. Scoring stage.",
        (
            FieldSpec("target", "Where the points go.", ("total", *DIMENSIONS)),
            FieldSpec("points_cp", "Points, hundredths.", maximum=_SCORE_MAX),
            FieldSpec(
                "service",
                "Service that must be switched on (shop_services).",
                (*SERVICE_KINDS, "none"),
                required=False,
                default="none",
            ),
            FieldSpec("indicator", "Indicator tested.", SCORE_INDICATORS, required=False),
            FieldSpec("at_least", "Indicator value needed.", maximum=_BIG, required=False),
        ),
        (S.ADD,),
        stage=Stage.SCORE,
        check=_check_bonus,
    ),
    EffectKind(
        "score_deduction",
        "Deduction per confirmed violation in the window (扣分), at most cap_cp; rules with the "
        "same cap_group > 0 share one cap. Scoring stage.",
        (
            FieldSpec("violation", "Violation kind.", VIOLATION_KINDS),
            FieldSpec("points_cp", "Points per case, hundredths.", maximum=_SCORE_MAX),
            FieldSpec("cap_cp", "Most points per window, hundredths.", maximum=_SCORE_MAX),
            FieldSpec(
                "cap_group",
                "Rules with the same group > 0 share the cap.",
                maximum=99,
                required=False,
                default=0,
            ),
        ),
        (S.FIRST,),
        stage=Stage.SCORE,
    ),
    EffectKind(
        "score_gate",
        "Opens (pass) or closes (block) a programme for shops whose score series meets the "
        "condition; the first matching rule per gate decides, none means closed. Scoring stage.",
        (
            FieldSpec("gate", "Programme gated.", GATES),
            FieldSpec(
                "result", "pass or block.", ("pass", "block"), required=False, default="pass"
            ),
        ),
        (S.FIRST,),
        stage=Stage.SCORE,
    ),
    EffectKind(
        "score_peer_gate",
        "Opens a programme when the shop's mean score over average_days reaches the mean of "
        "its industry's formal-stage shops over the same days (同行均值), and the rule's "
        "condition holds. Scoring stage.",
        (
            FieldSpec("gate", "Programme gated.", GATES),
            FieldSpec(
                "average_days", "Days averaged (the score date and the ones before).", minimum=1
            ),
        ),
        (S.FIRST,),
        stage=Stage.SCORE,
    ),
    EffectKind(
        "score_intervention",
        "Platform intervention against score manipulation (干预措施): with at least min_cases "
        "violations of a kind in the window, the score is hidden from consumers (hide) or "
        "capped at cap_cp (cap). Every matching rule applies. Scoring stage.",
        (
            FieldSpec("action", "hide or cap.", INTERVENTIONS),
            FieldSpec("violation", "Violation kind that triggers it.", VIOLATION_KINDS),
            FieldSpec(
                "min_cases",
                "Violations in the window needed.",
                minimum=1,
                required=False,
                default=1,
            ),
            FieldSpec(
                "cap_cp", "Cap (action cap), hundredths.", maximum=_SCORE_MAX, required=False
            ),
        ),
        (S.ADD,),
        stage=Stage.SCORE,
        check=_check_intervention,
    ),
    EffectKind(
        "score_ranking",
        "Good-service ranking (好服务榜单): shops at min_score_cp or more (strictly more with "
        "compare: above) with at least min_services characteristic services, top_n per "
        "industry. Scoring stage.",
        (
            FieldSpec("min_score_cp", "Score needed, hundredths.", maximum=_SCORE_MAX),
            FieldSpec(
                "compare",
                "at_least: score >= min_score_cp; above: score > min_score_cp.",
                choices=("at_least", "above"),
                required=False,
                default="at_least",
            ),
            FieldSpec(
                "min_services", "Characteristic services switched on.", required=False, default=1
            ),
            FieldSpec("top_n", "Shops listed per industry.", minimum=1),
        ),
        (S.FIRST,),
        stage=Stage.SCORE,
    ),
)


SCORE_KIND_NAMES: Final = tuple(k.name for k in SCORE_KINDS)


def _points(cp: int) -> str:
    return f"{cp / 100:g}"


def _describe_tier(e: Effect) -> str:
    sign = ">=" if e.text("direction") == "higher_better" else "<="
    cuts = ", ".join(f"{sign}{e.int(f'cut_{k}')}" for k in range(1, TIER_COUNT))
    return f"{e.text('indicator')} tiers 1-5 at {cuts}"


def _describe_floor(e: Effect) -> str:
    values = dict(e.values)
    volume = f" below {values['max_orders']} orders" if "max_orders" in values else ""
    counted = "counted" if values.get("counts") == "base" else "bad"
    verb = "scores" if values.get("mode") == "replace" else "at least"
    return (
        f"{e.text('indicator')} {verb} {_points(e.int('floor_cp'))}{volume} with <= "
        f"{e.int('max_bad_events')} {counted} events"
    )


def _describe_bonus(e: Effect) -> str:
    values = dict(e.values)
    when = []
    if values.get("service", "none") != "none":
        when.append(f"{values['service']} on")
    if "indicator" in values:
        when.append(f"{values['indicator']} >= {values.get('at_least', 0)}")
    cond = f" when {' and '.join(when)}" if when else ""
    return f"+{_points(e.int('points_cp'))} to {e.text('target')}{cond}"


SCORE_DESCRIBERS: Final[Mapping[str, Describer]] = {
    "score_scale": lambda e: (
        f"{e.text('platform')} score {_points(e.int('low_cp'))}-{_points(e.int('high_cp'))}, "
        f"{e.int('window_days')}-day window"
    ),
    "score_stage": lambda e: (
        "outside the score's scope: no score"
        if e.text("mode") == "excluded"
        else f"below {e.int('min_valid_orders')} valid orders: "
        + (
            f"growth score {_points(e.int('growth_score_cp'))}"
            if e.text("mode") == "growth"
            else "no score"
        )
    ),
    "score_growth_bar": lambda e: (
        f"growth score downgraded above {e.int('max_bad_events')} {e.text('indicator')} events"
    ),
    "score_tier": _describe_tier,
    "score_pickup_band": lambda e: (
        f"pickup within {e.int('max_hours')} h scores {_points(e.int('score_cp'))}"
    ),
    "score_pickup_deadline": lambda e: (
        f"pickup due within {e.int('hours')} h of payment"
        + (" for QIC-inspected orders" if e.text("orders") == "qic_inspected" else "")
    ),
    "score_indicator_weight": lambda e: (
        f"{e.text('indicator')} weighs {e.int('weight_bp') / 100:g}% of {e.text('dimension')}"
    ),
    "score_dimension_weight": lambda e: (
        f"{e.text('dimension')} weighs {e.int('weight_bp') / 100:g}% of the score"
    ),
    "score_floor": _describe_floor,
    "score_bonus": _describe_bonus,
    "score_deduction": lambda e: (
        f"-{_points(e.int('points_cp'))} per {e.text('violation')}, at most "
        f"-{_points(e.int('cap_cp'))} per window"
    ),
    "score_gate": lambda e: f"{e.text('gate')}: {e.text('result')}",
    "score_peer_gate": lambda e: (
        f"{e.text('gate')}: {e.int('average_days')}-day mean score >= the industry's"
    ),
    "score_intervention": lambda e: (
        f"{e.text('action')} the score after {e.int('min_cases')} {e.text('violation')}"
        + (f" (cap {_points(e.int('cap_cp'))})" if e.text("action") == "cap" else "")
    ),
    "score_ranking": lambda e: (
        f"good-service ranking: score {'>' if e.text('compare') == 'above' else '>='} "
        f"{_points(e.int('min_score_cp'))}, "
        f">= {e.int('min_services')} services, top {e.int('top_n')} per industry"
    ),
}
"""Plain words for each kind above (``rulebook explain``); the registry checks that every
kind has one."""
