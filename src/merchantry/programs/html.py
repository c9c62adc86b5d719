"""The programmes report as an HTML page: uptake, cost, cohorts, effect with its interval."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from merchantry.kit.money import format_bp, format_fen
from merchantry.programs.report import ProgrammeReport
from merchantry.report.charts import Chart, Interval, bar_chart, interval_chart
from merchantry.report.page import (
    CellKind,
    Column,
    Metric,
    Metrics,
    Page,
    Paragraph,
    Section,
    Table,
)

METHOD = (
    "Effect: difference in differences on a matched control. A participant's control is the "
    "non-participant with the nearest mean daily GMV over the same calendar days before the "
    "participant's event (sign-up, or its first completed task), preferring its industry. "
    "Each pair compares the change from the pre window to the post window; the interval is a "
    "95% percentile bootstrap over pairs. 效果：匹配对照组的双重差分。"
)


def _effect_chart(reports: Sequence[ProgrammeReport]) -> Chart:
    return interval_chart(
        "GMV effect 对GMV的影响 (95% CI)",
        [
            Interval(
                f"{r.title_zh} / {r.title_en}",
                r.effect.effect_bp / 100,
                r.effect.low_bp / 100,
                r.effect.high_bp / 100,
            )
            for r in reports
            if r.effect is not None
        ],
        value_title="effect on daily GMV, % (95% interval)",
        zero_line=True,
    )


def build_page(reports: Sequence[ProgrammeReport], *, period: str) -> Page:
    """The report page for every programme run."""
    rows = [
        {
            "programme": f"{r.title_zh} / {r.title_en}",
            "eligible": r.eligible,
            "participants": r.participants,
            "uptake": r.uptake_bp,
            "rewards": r.rewards,
            "granted": r.granted_fen,
            "held": r.held_fen,
            "subsidy": r.subsidy_fen,
            "cost": r.cost_fen,
            "per_participant": r.cost_fen // r.participants if r.participants else None,
        }
        for r in reports
    ]
    uptake = Table.from_records(
        "Uptake and cost 参与与成本",
        [
            Column("programme", "计划 / Programme"),
            Column("eligible", "符合条件 / Eligible", CellKind.COUNT),
            Column("participants", "参与 / Participants", CellKind.COUNT),
            Column("uptake", "参与率 / Uptake", CellKind.BP),
            Column("rewards", "奖励笔数 / Rewards", CellKind.COUNT),
            Column("granted", "已发奖励 / Granted", CellKind.MONEY),
            Column("held", "预算或上限未发 / Held", CellKind.MONEY),
            Column("subsidy", "订单补贴 / Order subsidies", CellKind.MONEY),
            Column("cost", "成本 / Cost", CellKind.MONEY),
            Column("per_participant", "人均成本 / Per participant", CellKind.MONEY),
        ],
        rows,
    )
    effects = Table.from_records(
        "Effect on participants' GMV 对参与商家GMV的影响",
        [
            Column("programme", "计划 / Programme"),
            Column("pairs", "配对 / Pairs", CellKind.COUNT),
            Column("window", "窗口天数 / Window days", CellKind.COUNT),
            Column("effect", "效果 / Effect", CellKind.BP),
            Column("low", "下限 / 95% low", CellKind.BP),
            Column("high", "上限 / 95% high", CellKind.BP),
            Column("per_day", "日均增量 / Per day", CellKind.MONEY),
            Column("gap", "对照组差距 / Control gap", CellKind.BP),
        ],
        [
            {
                "programme": f"{r.title_zh} / {r.title_en}",
                "pairs": r.effect.pairs,
                "window": r.effect.window_days,
                "effect": r.effect.effect_bp,
                "low": r.effect.low_bp,
                "high": r.effect.high_bp,
                "per_day": r.effect.effect_fen_per_day,
                "gap": r.effect.control_gap_bp,
            }
            for r in reports
            if r.effect is not None
        ],
        note="Programmes with fewer than two participants with a pre and post window are left out.",
    )
    cohorts = Table.from_records(
        "Status cohorts 称号 (北斗之星, 月入10万, 月入百万…)",
        [
            Column("programme", "计划 / Programme"),
            Column("status", "称号 / Status"),
            Column("shops", "店铺数 / Shops", CellKind.COUNT),
        ],
        [
            {"programme": r.title_zh, "status": label, "shops": n}
            for r in reports
            for label, n in r.statuses
        ],
    )
    total = sum(r.cost_fen for r in reports)
    blocks: list[object] = [uptake]
    if any(r.cost_fen for r in reports):
        blocks.append(
            bar_chart(
                "Cost per programme 各计划成本",
                [r.title_zh for r in reports if r.cost_fen],
                [r.cost_fen for r in reports if r.cost_fen],
            )
        )
    effect_blocks: list[object] = [Paragraph(METHOD), effects]
    if any(r.effect for r in reports):
        effect_blocks.append(_effect_chart(reports))
    return Page(
        title="增长计划报告 / Growth programmes report",
        subtitle=period,
        meta=(("period", period), ("programmes", str(len(reports)))),
        sections=(
            Section(
                "Overview 概览",
                (
                    Metrics(
                        (
                            Metric("programmes 计划", f"{len(reports)}"),
                            Metric(
                                "participants 参与商家",
                                f"{sum(r.participants for r in reports):,}",
                            ),
                            Metric.money("cost 成本", total, favourable=False),
                        )
                    ),
                ),
            ),
            Section("Uptake and cost 参与与成本", tuple(blocks)),  # type: ignore[arg-type]
            Section("Effect 效果", tuple(effect_blocks)),  # type: ignore[arg-type]
            Section("Cohorts 称号", (cohorts,)),
        ),
    )


def write_page(reports: Sequence[ProgrammeReport], path: Path, *, period: str) -> Path:
    return build_page(reports, period=period).render(path)


def effect_line(r: ProgrammeReport) -> str:
    """One line for the terminal."""
    if r.effect is None:
        return "effect: too few participants with a pre and post window"
    e = r.effect
    return (
        f"effect {format_bp(e.effect_bp)} of daily GMV (95% {format_bp(e.low_bp)} to "
        f"{format_bp(e.high_bp)}), {format_fen(e.effect_fen_per_day)} a day, {e.pairs} pairs"
        + ("" if e.by_signup else " (task completers: descriptive, not causal)")
    )
