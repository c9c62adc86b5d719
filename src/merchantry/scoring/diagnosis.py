"""Score diagnosis (体验分诊断): which indicators cost a shop the most, and what fixing them buys.

For one shop and date the stage is re-run for that shop alone (stages A and B).
Every weighted indicator whose raw value is worse than the **industry median**
(median over the formal-stage shops of the shop's industry in the stored series
for that date) is then *recomputed*: stage B runs again on the same measures with
that one raw value replaced by the median, and the difference in the final score
is the promise. Nothing is estimated from weights; floors, clamps, bonuses and
deductions all take part, so a promise is exactly what the score would become.

The diagnosis also names every **move**: each deduction, bonus, shared deduction cap,
indicator floor and score clamp (the scale's lowest and highest score, an intervention cap)
that changed the shop's score that day, with the points it moved. A rule's points are
recomputed the same way: stage B again without that one rule, and the difference in the
final score (so a deduction the scale's floor absorbed moved nothing, and says so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.errors import NotFound
from merchantry.report.names import Vocabulary, fill, label
from merchantry.rulebook.checker import load_rulebook
from merchantry.rulebook.model import Rulebook
from merchantry.rulebook.score_effects import SCORE_INDICATORS
from merchantry.scoring.compute import Plan, ind
from merchantry.scoring.indicators import INDICATORS
from merchantry.scoring.inputs import label_terms
from merchantry.scoring.rules import lit
from merchantry.scoring.series import adjustments_query
from merchantry.scoring.stage import compute_result, prepare, stage_b_sql

ACTIONS: Final[dict[str, tuple[str, str]]] = {
    "product_rating": (
        "排查差评原因，改进品控与详情页描述，主动回访差评买家",
        "Find the causes of bad reviews, tighten quality control and listing accuracy, "
        "follow up with unhappy buyers",
    ),
    "quality_return_rate": (
        "对品质退货集中的商品做抽检与供应商整改，必要时下架",
        "Inspect the products behind quality returns, fix them with the supplier or delist",
    ),
    "pickup_score": (
        "当天发货、{pickup_clock_after_hour}前下单当日揽收，与快递约定固定揽收时间",
        "Ship the same day and book fixed courier pickups so parcels leave within "
        "{pickup_band_hours:noun}",
    ),
    "on_time_delivery_rate": (
        "更换时效更好的快递或仓配，偏远地区单独设置物流方案",
        "Move to faster couriers or warehousing; plan remote destinations separately",
    ),
    "logistics_return_rate": (
        "杜绝虚假发货与错漏发，加强打包核对，缺货及时下架",
        "Stop fake shipments and wrong or missing items: check packing, delist out-of-stock SKUs",
    ),
    "after_sales_on_time_rate": (
        "设置售后自动审核与专人值守，缩短退款处理时长",
        "Automate after-sales approval and staff the queue to close refunds faster",
    ),
    "feige_response_seconds": (
        "增加飞鸽客服排班，配置智能辅助与快捷回复，避免未回复",
        "Add Feige agents at peak hours, use assisted replies, leave no round unanswered",
    ),
    "after_sales_review_minutes": (
        "开启售后自动审核，早{review_clock_start_hour}前集中处理夜间申请",
        "Turn on automatic after-sales review and clear overnight requests by "
        "{review_clock_start_hour}",
    ),
    "dissatisfaction_rate": (
        "复盘不满意会话，培训客服话术，优先解决问题而非拖延",
        "Review dissatisfied chats, train agents to resolve rather than deflect",
    ),
    "help_seeking_rate": (
        "在买家求助平台前主动协商解决售后问题",
        "Settle after-sales problems with the buyer before they escalate to the platform",
    ),
    "negative_feedback_rate": (
        "减少品质问题与不符描述，改进差评商品",
        "Cut quality problems and not-as-described items; fix the products with bad ratings",
    ),
    "positive_review_rate": (
        "提升商品与描述一致性，引导满意买家评价",
        "Make listings match the goods and invite satisfied buyers to review",
    ),
    "pickup_48h_rate": (
        "确保付款后{pickup_due_hours}内揽收",
        "Make sure every parcel is picked up within {pickup_due_hours:noun} of payment",
    ),
    "delivery_minutes": (
        "选择更快的物流线路与仓储前置",
        "Use faster routes and stock closer to buyers",
    ),
    "logistics_bad_review_rate": (
        "改进包装与物流服务，减少物流差评",
        "Improve packing and courier service to avoid logistics complaints",
    ),
    "response_3min_rate": (
        "保证人工客服{reply_target_seconds}内响应",
        "Answer every chat round by a human within {reply_target_seconds:noun}",
    ),
    "cs_satisfaction_rate": (
        "提升客服解决率与服务态度",
        "Raise the agents' resolution rate and tone",
    ),
    "refund_handling_minutes": (
        "缩短退款处理时长，开启极速退款",
        "Shorten refund handling; enable fast refunds",
    ),
    "platform_dispute_rate": (
        "主动处理纠纷，降低平台介入",
        "Resolve disputes directly so the platform need not step in",
    ),
}
"""Suggested action per indicator, Chinese and English; a number the rulebook sets is a
``{parameter}`` placeholder (:data:`merchantry.report.names.PLACEHOLDER`), written in by
:func:`action`."""


def action(indicator: str, terms: Mapping[str, int]) -> tuple[str, str]:
    """The suggested action for ``indicator`` in Chinese and English, quoting the numbers of
    the rulebook the score was computed under (``terms``:
    :func:`~merchantry.scoring.inputs.label_terms`); ``("", "")`` when there is none."""
    zh, en = ACTIONS.get(indicator, ("", ""))
    return fill(zh, terms, "zh"), fill(en, terms, "en")


MEDIANS_SQL: Final = """
SELECT i.indicator, CAST(round(median(i.value)) AS BIGINT), count(*)
FROM shop_score_indicators AS i
JOIN shop_scores AS s USING (rulebook, shop_id, score_date)
WHERE i.rulebook = $rulebook AND i.score_date = $day AND s.industry = $industry
  AND s.stage = 'formal' AND i.value IS NOT NULL
GROUP BY i.indicator
"""


@dataclass(frozen=True, slots=True)
class Finding:
    """One indicator of the shop against its industry."""

    indicator: str
    title: str
    """``中文 / English``, quoting the numbers of the rulebook in force (``48-hour``)."""
    unit: str
    dimension: str | None
    value: int | None
    industry_median: int | None
    peers: int
    """Formal-stage shops of the industry with a value."""
    indicator_cp: int | None
    weight_bp: int | None
    gain_cp: int
    """Recomputed score gain if the value were the industry median (0 when not worse)."""
    action_zh: str
    action_en: str


class MoveKind(StrEnum):
    """What moved a score besides the indicators' tiers."""

    DEDUCTION = "deduction"
    """Points taken off for violations (扣分)."""
    DEDUCTION_CAP = "deduction_cap"
    """A shared cap on deductions gave points back (扣分封顶)."""
    BONUS = "bonus"
    """A bonus item (加分项)."""
    INDICATOR_FLOOR = "indicator_floor"
    """An indicator's low-volume floor raised its score (指标保底)."""
    SCALE_FLOOR = "scale_floor"
    """The scale's lowest score held the total up (分数下限)."""
    SCALE_CEILING = "scale_ceiling"
    """The scale's highest score held the total down (分数上限)."""
    INTERVENTION_CAP = "intervention_cap"
    """A governance intervention capped the score (管控封顶)."""


@dataclass(frozen=True, slots=True)
class Move:
    """One deduction, bonus, cap, floor or clamp that changed the score, and by how much."""

    kind: MoveKind
    rule_id: str | None
    """The rule behind it (``None`` for the scale clamps, which are the scale rule's bounds)."""
    title: str
    """The rule's title, or what the clamp is."""
    moved_cp: int
    """Points it moved the final score, signed: the final score minus the score without it."""
    recorded_cp: int | None = None
    """Points it applied before clamps (a deduction's −300), when that differs in meaning."""
    indicator: str | None = None
    """The indicator a floor raised."""
    cases: int = 0
    """Violations counted (deductions)."""


@dataclass(frozen=True, slots=True)
class ScoreDiagnosis:
    """Why a shop's score is what it is, and what would raise it most."""

    rulebook: str
    shop_id: str
    score_date: date
    industry: str
    stage: str
    score_cp: int | None
    findings: tuple[Finding, ...]
    """Worse-than-median indicators first, by recomputed gain, then the rest."""
    moves: tuple[Move, ...] = ()
    """Every deduction, bonus, cap, floor and clamp that changed the score, largest first."""
    shop_name: str | None = None

    @property
    def actions(self) -> tuple[Finding, ...]:
        """The findings worth acting on (positive gain), best first."""
        return tuple(f for f in self.findings if f.gain_cp > 0)


def _is_worse(plan: Plan, indicator: str, value: int, median: int) -> bool:
    group = plan.tiers.get(indicator)
    direction = "higher_better"
    if group is not None and group.rules:
        direction = group.rules[0].effect.text("direction")
    return value < median if direction == "higher_better" else value > median


class WhatIf:
    """Stage B on a copy of the diagnosed rows with raw values replaced; compiled once."""

    def __init__(self, con: duckdb.DuckDBPyConnection, plan: Plan) -> None:
        self.con = con
        con.execute("CREATE OR REPLACE TEMP TABLE _sc_whatif_in AS SELECT * FROM _sc_measures")
        self.sql = stage_b_sql(plan.rules.book, "_sc_whatif_in", "_sc_whatif")

    def score(self, overrides: Mapping[str, int]) -> int | None:
        """Final score with ``overrides`` (indicator -> raw value) in place of the measured ones."""
        values: dict[str, object] = {
            f"{i}__override": exp.cast(exp.Null(), "BIGINT") for i in SCORE_INDICATORS
        }
        values.update({f"{i}__override": exp.cast(lit(v), "BIGINT") for i, v in overrides.items()})
        self.con.execute(exp.update("_sc_whatif_in", values).sql(dialect="duckdb"))
        self.con.execute(self.sql)
        row = self.con.execute("SELECT score_cp FROM _sc_whatif").fetchone()
        return None if row is None or row[0] is None else int(row[0])


def rescored(
    con: duckdb.DuckDBPyConnection, plan: Plan, overrides: Mapping[str, int]
) -> int | None:
    """Final score of the shop last computed for one date (:func:`diagnose_score` or
    :func:`~merchantry.scoring.stage.compute_result`) with raw values replaced."""
    return WhatIf(con, plan).score(overrides)


def diagnose_score(
    con: duckdb.DuckDBPyConnection,
    rulebook: str | Rulebook,
    shop_id: str,
    on: date | None = None,
    *,
    rulebook_dirs: Sequence[Path] = (),
) -> ScoreDiagnosis:
    """Diagnose ``shop_id`` on ``on`` (default: its latest scored date under the rulebook)."""
    book = rulebook if isinstance(rulebook, Rulebook) else load_rulebook(rulebook, rulebook_dirs)
    plan = prepare(book)
    if on is None:
        row = con.execute(
            "SELECT max(score_date) FROM shop_scores WHERE rulebook = ? AND shop_id = ?",
            [book.name, shop_id],
        ).fetchone()
        if row is None or row[0] is None:
            raise NotFound(
                f"shop {shop_id!r} has no score under {book.name}; run `merchantry score`"
            )
        on = row[0]
    assert on is not None
    span = con.execute(
        "SELECT min(score_date), max(score_date) FROM shop_scores WHERE rulebook = ?",
        [book.name],
    ).fetchone()
    if span is not None and span[0] is not None and not span[0] <= on <= span[1]:
        # a day far from the scored ones diagnoses nothing the merchant can act on (and
        # 9999-12-31 overflowed the look-back windows into a server error)
        raise NotFound(
            f"no scores under {book.name} on {on}: they run from {span[0]} to {span[1]}; "
            f"run `merchantry score` for that day first"
        )
    named = con.execute("SELECT name FROM shops WHERE shop_id = ?", [shop_id]).fetchone()
    if named is None:
        raise NotFound(f"no shop {shop_id!r}")
    compute_result(con, plan, on, on, shop=shop_id)
    base = con.execute(
        "SELECT industry, stage, score_cp FROM _sc_result WHERE score_date = ?", [on]
    ).fetchone()
    assert base is not None
    industry, stage, score_cp = str(base[0]), str(base[1]), base[2]
    medians = {
        str(r[0]): (int(r[1]), int(r[2]))
        for r in con.execute(
            MEDIANS_SQL, {"rulebook": book.name, "day": on, "industry": industry}
        ).fetchall()
    }
    what_if = WhatIf(con, plan)
    terms = label_terms(book)
    findings = [
        _finding(con, what_if, plan, i, medians.get(i), stage, score_cp, terms)
        for i in plan.indicators
    ]
    findings = [f for f in findings if f.weight_bp]
    findings.sort(key=lambda f: (-f.gain_cp, f.indicator))
    moves = (
        _moves(con, plan, what_if, on, int(score_cp))
        if stage == "formal" and score_cp is not None
        else ()
    )
    return ScoreDiagnosis(
        book.name,
        shop_id,
        on,
        industry,
        stage,
        None if score_cp is None else int(score_cp),
        tuple(findings),
        moves,
        None if named[0] is None else str(named[0]),
    )


def _without(con: duckdb.DuckDBPyConnection, plan: Plan, rule_id: str) -> int | None:
    """The final score of the diagnosed shop, recomputed with ``rule_id`` left out of the
    rulebook (measures as measured)."""
    book = plan.rules.book
    rest = replace(book, rules=tuple(r for r in book.rules if r.id != rule_id))
    con.execute(stage_b_sql(rest, "_sc_whatif_in", "_sc_without"))
    row = con.execute("SELECT score_cp FROM _sc_without").fetchone()
    return None if row is None or row[0] is None else int(row[0])


def _title(plan: Plan, rule_id: str) -> str:
    try:
        return plan.rules.book.rule(rule_id).title or rule_id
    except KeyError:
        return rule_id


def _moves(
    con: duckdb.DuckDBPyConnection, plan: Plan, what_if: WhatIf, on: date, final: int
) -> tuple[Move, ...]:
    """Every deduction, bonus, cap, floor and clamp that changed the score (``_sc_result``
    holds the shop's one date), each with the points it moved, recomputed."""
    what_if.score({})  # the what-if copy with every raw value as measured
    found: list[Move] = []
    query = adjustments_query(plan, plan.rules.book.name, on, on)
    if query is not None:
        for kind, rule_id, cases, points in con.execute(
            exp.select("kind", "rule_id", "cases", "points_cp")
            .from_(exp.paren(query).as_("a"))
            .sql(dialect="duckdb")
        ).fetchall():
            if not points:
                continue
            without = _without(con, plan, str(rule_id)) if kind != "deduction_cap" else None
            moved = final - without if without is not None else int(points)
            found.append(
                Move(
                    MoveKind(str(kind)),
                    str(rule_id),
                    _title(plan, str(rule_id)),
                    moved,
                    int(points),
                    cases=int(cases or 0),
                )
            )
    for indicator in plan.indicators:
        parts = [ind(indicator, p) for p in ("floor_applied", "floor_rule", "tier_cp", "cp")]
        row = con.execute(
            exp.select(*(exp.column(p, quoted=True) for p in parts))
            .from_("_sc_result")
            .sql(dialect="duckdb")
        ).fetchone()
        if row is None or not row[0] or row[1] is None:
            continue
        without = _without(con, plan, str(row[1]))
        found.append(
            Move(
                MoveKind.INDICATOR_FLOOR,
                str(row[1]),
                _title(plan, str(row[1])),
                0 if without is None else final - without,
                None if row[2] is None or row[3] is None else int(row[3]) - int(row[2]),
                indicator=indicator,
            )
        )
    found.extend(_clamps(con, plan, final))
    found.sort(key=lambda m: (-abs(m.moved_cp), m.kind.value, m.rule_id or ""))
    return tuple(found)


def _clamps(con: duckdb.DuckDBPyConnection, plan: Plan, final: int) -> list[Move]:
    """The scale's bounds and an intervention cap, when they held the total in."""
    row = con.execute(
        "SELECT weighted_cp + bonus_cp - deduction_cp, cap_cp, scale_rule_id FROM _sc_result"
    ).fetchone()
    if row is None or row[0] is None:
        return []
    total, cap, scale_rule = int(row[0]), row[1], row[2]
    scale = plan.rules.book.rule(str(scale_rule)) if scale_rule else None
    low = scale.effect.int("low_cp") if scale else None
    high = scale.effect.int("high_cp") if scale else None
    moved = final - total
    if not moved:
        return []
    if low is not None and final == low and total < low:
        return [Move(MoveKind.SCALE_FLOOR, scale.id if scale else None,
                     f"分数下限 / scale floor {low / 100:g}", moved, total)]  # fmt: skip
    if cap is not None and final == int(cap) and (high is None or int(cap) < high):
        rule = next(
            (
                r.id
                for r in plan.interventions
                if r.effect.text("action") == "cap" and r.effect.int("cap_cp") == int(cap)
            ),
            None,
        )
        return [Move(MoveKind.INTERVENTION_CAP, rule,
                     f"管控封顶 / intervention cap {int(cap) / 100:g}", moved, total)]  # fmt: skip
    return [Move(MoveKind.SCALE_CEILING, scale.id if scale else None,
                 f"分数上限 / scale ceiling {(high or final) / 100:g}", moved, total)]  # fmt: skip


def _finding(
    con: duckdb.DuckDBPyConnection,
    what_if: WhatIf,
    plan: Plan,
    indicator: str,
    median: tuple[int, int] | None,
    stage: str,
    base: int | None,
    terms: Mapping[str, int],
) -> Finding:
    columns = [exp.column(ind(indicator, part), quoted=True) for part in ("v", "cp", "w", "wdim")]
    query = exp.select(*columns).from_("_sc_result")
    row = con.execute(query.sql(dialect="duckdb")).fetchone()
    assert row is not None
    value, cp, weight, dimension = row
    gain = 0
    if (
        stage == "formal"
        and base is not None
        and median is not None
        and value is not None
        and weight
        and _is_worse(plan, indicator, int(value), median[0])
    ):
        after = what_if.score({indicator: median[0]})
        gain = 0 if after is None else after - int(base)
    spec = INDICATORS[indicator]
    zh, en = action(indicator, terms)
    return Finding(
        indicator=indicator,
        title=label(Vocabulary.INDICATOR, indicator, terms),
        unit=spec.unit,
        dimension=None if dimension is None else str(dimension),
        value=None if value is None else int(value),
        industry_median=None if median is None else median[0],
        peers=0 if median is None else median[1],
        indicator_cp=None if cp is None else int(cp),
        weight_bp=None if weight is None else int(weight),
        gain_cp=gain,
        action_zh=zh,
        action_en=en,
    )
