"""The return diagnosis as one self-contained HTML page (Chinese and English labels).

Sections: headline figures; refund and return rates week by week against the categories'
rates on the same mix; causes with their money and quoted buyer words; the fixes with what
each saves; SKUs with their intervals; carriers; how it was computed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from merchantry.kit.money import currency_symbol, format_bp, format_fen
from merchantry.report import (
    CellKind,
    Chart,
    Column,
    Metric,
    Metrics,
    Page,
    Paragraph,
    Section,
    Table,
)
from merchantry.report.charts import LOSS_COLOUR, Interval, fen_to_axis, interval_chart
from merchantry.returns.causes import label
from merchantry.returns.diagnosis import ReturnDiagnosis, SkuSeries
from merchantry.returns.savings import FIXES
from merchantry.returns.stats import RateFinding, to_bp

SKU_ROWS = 40
"""SKUs listed in the table and the interval chart: flagged ones first, then by orders."""
SKU_SERIES = 8
"""SKUs drawn week by week: those with a flagged return rate or cause first, then by orders."""


def _pct(rate: float) -> str:
    return format_bp(to_bp(rate))


def _interval(low: float, high: float) -> str:
    return f"{_pct(low)} – {_pct(high)}"


def _rate_metric(title: str, f: RateFinding | None) -> Metric:
    if f is None:
        return Metric(title, "—", "no orders / 无订单")
    verdict = "显著偏高 / significantly high" if f.flagged else "无显著差异 / not significant"
    return Metric(
        title,
        _pct(f.rate),
        f"类目基准 baseline {_pct(f.baseline)}; 95% {_interval(f.rate_low, f.rate_high)}; "
        f"{verdict}",
        tone="loss" if f.flagged else "",
    )


def _weekly_chart(d: ReturnDiagnosis) -> Chart:
    weeks = [w.week.isoformat() for w in d.weeks]
    figure = go.Figure()
    series = (
        ("退款率 Refund rate", [w.refunds / w.orders if w.orders else 0 for w in d.weeks], "solid"),
        ("类目基准 Category refund rate", [w.expected_refund_rate for w in d.weeks], "dot"),
        ("退货率 Return rate", [w.returns / w.orders if w.orders else 0 for w in d.weeks], "solid"),
        ("类目基准 Category return rate", [w.expected_return_rate for w in d.weeks], "dot"),
    )
    for name, values, dash in series:
        figure.add_trace(
            go.Scatter(x=weeks, y=values, name=name, mode="lines+markers", line={"dash": dash})
        )
    figure.update_yaxes(title_text="rate 比率", tickformat=".0%", rangemode="tozero")
    figure.update_xaxes(title_text="week 周")
    return Chart.from_figure("按周退款率与退货率 / Weekly refund and return rates", figure)


def chart_skus(d: ReturnDiagnosis, n: int = SKU_SERIES) -> list[SkuSeries]:
    """The SKUs the weekly chart draws: a flagged return rate or cause first (then more
    returns, more orders), at most ``n``."""
    flagged = {f.key for f in d.findings.returns if f.flagged}
    flagged |= {c.sku_id for c in d.findings.causes if c.finding.flagged}

    def order(s: SkuSeries) -> tuple[bool, int, int, str]:
        returns = sum(w.returns for w in s.weeks)
        return (s.sku_id not in flagged, -returns, -sum(w.orders for w in s.weeks), s.sku_id)

    return sorted((s for s in d.skus if s.weeks), key=order)[:n]


def _sku_weekly_chart(rows: Sequence[SkuSeries]) -> Chart:
    """Small multiples: each SKU's weekly return rate against its category's at other shops."""
    cols = 2 if len(rows) > 1 else 1
    nrows = (len(rows) + cols - 1) // cols
    figure = make_subplots(
        rows=nrows,
        cols=cols,
        shared_xaxes=True,
        subplot_titles=[s.sku_id for s in rows],
        vertical_spacing=min(0.12, 0.6 / max(nrows, 1)),
    )
    for i, s in enumerate(rows):
        weeks = [w.week.isoformat() for w in s.weeks]
        rate = [w.returns / w.orders if w.orders else 0.0 for w in s.weeks]
        hover = [f"{w.week}: {w.returns}/{w.orders}" for w in s.weeks]
        at = {"row": i // cols + 1, "col": i % cols + 1}
        figure.add_trace(
            go.Scatter(
                x=weeks,
                y=rate,
                name="退货率 Return rate",
                mode="lines+markers",
                line={"color": "#c0392b"},
                hovertext=hover,
                showlegend=i == 0,
                legendgroup="sku",
            ),
            **at,
        )
        figure.add_trace(
            go.Scatter(
                x=weeks,
                y=[w.expected_return_rate for w in s.weeks],
                name="类目基准 Category return rate",
                mode="lines",
                line={"color": "#7f8c8d", "dash": "dot"},
                showlegend=i == 0,
                legendgroup="base",
            ),
            **at,
        )
    figure.update_yaxes(tickformat=".0%", rangemode="tozero")
    return Chart.from_figure(
        "SKU 按周退货率 / Weekly return rate per SKU",
        figure,
        height=max(300, 60 + 200 * nrows),
    )


def _loss_chart(d: ReturnDiagnosis) -> Chart:
    """Money lost per cause, in the loss colour (the page's money bars show gains in green)."""
    labels = [label(c.cause) for c in d.causes]
    fen = [c.money.total_fen for c in d.causes]
    figure = go.Figure(
        go.Bar(
            y=labels,
            x=[fen_to_axis(v) for v in fen],
            orientation="h",
            marker={"color": LOSS_COLOUR},
            text=[format_fen(v) for v in fen],
            textposition="auto",
            hovertext=[f"{k}: {format_fen(v)}" for k, v in zip(labels, fen, strict=True)],
            hoverinfo="text",
        )
    )
    figure.update_yaxes(autorange="reversed", automargin=True)
    figure.update_xaxes(title_text=f"损失 money lost ({currency_symbol()})", rangemode="tozero")
    return Chart.from_figure(
        "各原因损失 / Money lost by cause", figure, height=max(260, 40 + 34 * len(labels))
    )


def _sku_chart(rows: Sequence[RateFinding]) -> Chart:
    return interval_chart(
        "SKU 退款率及区间 / SKU refund rates with intervals",
        [
            Interval(
                f.key + (" ⚑" if f.flagged else ""),
                f.rate,
                f.rate_low,
                f.rate_high,
                highlighted=f.flagged,
                baseline=f.baseline,
            )
            for f in rows
        ],
        value_title="refund rate 退款率",
        estimate_name="退款率 Refund rate (95%)",
        baseline_name="类目基准 Category baseline",
        tickformat=".0%",
    )


def _last_day(d: ReturnDiagnosis) -> date:
    """The period's last payment day (the diagnosis keeps the day after it)."""
    return d.end - timedelta(days=1)


def build_page(d: ReturnDiagnosis, *, shop_name: str | None = None) -> Page:
    """The page for a diagnosis (pure: no file is written)."""
    f = d.findings
    money_lost = sum(c.money.total_fen for c in d.causes)
    headline = Metrics(
        (
            Metric("订单 Orders", f"{d.orders:,}", f"{d.start} – {_last_day(d)}"),
            _rate_metric("退款率 Refund rate", d.shop_refund),
            _rate_metric("退货率 Return rate", d.shop_return),
            Metric.money("售后损失 Money lost", -money_lost, note="退款+赔付+推广费+运费险"),
            Metric.money("可节省 Potential saving", d.saving.total_fen, note="超出类目基准的部分"),
        )
    )
    causes = Table.from_records(
        "原因 / Causes",
        (
            Column("cause", "原因 Cause"),
            Column("cases", "售后单 Cases", CellKind.COUNT),
            Column("refund", "退款 Refunds", CellKind.MONEY),
            Column("compensation", "赔付 Compensation", CellKind.MONEY),
            Column("ads", "推广费 Ad cost", CellKind.MONEY),
            Column("insurance", "运费险 Insurance", CellKind.MONEY),
            Column("total", "合计 Total", CellKind.MONEY),
            Column("quotes", "买家原话 Buyers' words"),
        ),
        [
            {
                "cause": label(c.cause),
                "cases": c.cases,
                "refund": c.money.refund_fen,
                "compensation": c.money.compensation_fen,
                "ads": c.money.ad_cost_fen,
                "insurance": c.money.insurance_fen,
                "total": c.money.total_fen,
                "quotes": " / ".join(f"「{q}」" for q in c.quotes),
            }
            for c in d.causes
        ],
    )
    cause_blocks: list[Table | Chart | Paragraph] = [causes]
    if d.causes:
        cause_blocks.insert(
            0,
            _loss_chart(d),
        )
    fixes = Table.from_records(
        "改进建议 / What to fix",
        (
            Column("cause", "原因 Cause"),
            Column("target", "对象 Target"),
            Column("zh", "建议"),
            Column("en", "Fix"),
            Column("cases", "售后单 Cases", CellKind.COUNT),
            Column("orders", "订单 Orders", CellKind.COUNT),
            Column("excess", "超出基准 Excess share"),
            Column("money", "损失 Money lost", CellKind.MONEY),
            Column("saving", "可节省 Saving", CellKind.MONEY),
        ),
        [
            {
                "cause": label(s.cause),
                "target": s.target,
                "zh": s.fix.zh,
                "en": s.fix.en,
                "cases": s.cases,
                "orders": s.orders,
                "excess": _pct(s.excess[0] / s.excess[1]),
                "money": s.money.total_fen,
                "saving": s.saving.total_fen,
            }
            for s in d.suggestions
        ],
        note="Saving = money lost × share of cases above the category rate of the same cause "
        "(节省 = 损失 × 超出类目同类原因比率的份额).",
    )
    fix_blocks: list[Table | Chart | Paragraph] = [fixes]
    if not d.suggestions:
        fix_blocks.insert(
            0,
            Paragraph(
                "没有显著高于类目的原因 / No cause is significantly above its category rate."
            ),
        )
    skus = sorted(f.refunds, key=lambda r: (not r.flagged, -r.trials, r.key))[:SKU_ROWS]
    sku_table = Table.from_records(
        "SKU 退款率 / SKU refund rates",
        (
            Column("sku", "SKU"),
            Column("orders", "订单 Orders", CellKind.COUNT),
            Column("refunds", "退款 Refunds", CellKind.COUNT),
            Column("rate", "退款率 Rate", CellKind.BP),
            Column("interval", "95% 区间 Interval"),
            Column("baseline", "类目基准 Baseline", CellKind.BP),
            Column("shrunk", "收缩估计 Shrunk (90%)"),
            Column("q", "q (BH)"),
            Column("flag", "显著 Flag"),
        ),
        [
            {
                "sku": r.key,
                "orders": r.trials,
                "refunds": r.events,
                "rate": to_bp(r.rate),
                "interval": _interval(r.rate_low, r.rate_high),
                "baseline": to_bp(r.baseline),
                "shrunk": f"{_pct(r.shrunk)} ({_interval(r.shrunk_low, r.shrunk_high)})",
                "q": f"{r.q_value:.3g}",
                "flag": "⚑ 是 yes" if r.flagged else "否 no",
            }
            for r in skus
        ],
    )
    flagged_causes = Table.from_records(
        "SKU × 原因 显著偏高 / SKU causes significantly above the category",
        (
            Column("sku", "SKU"),
            Column("cause", "原因 Cause"),
            Column("cases", "售后单 Cases", CellKind.COUNT),
            Column("orders", "订单 Orders", CellKind.COUNT),
            Column("rate", "比率 Rate", CellKind.BP),
            Column("interval", "95% 区间 Interval"),
            Column("baseline", "类目基准 Baseline", CellKind.BP),
            Column("q", "q (BH)"),
        ),
        [
            {
                "sku": c.sku_id,
                "cause": label(c.cause),
                "cases": c.finding.events,
                "orders": c.finding.trials,
                "rate": to_bp(c.finding.rate),
                "interval": _interval(c.finding.rate_low, c.finding.rate_high),
                "baseline": to_bp(c.finding.baseline),
                "q": f"{c.finding.q_value:.3g}",
            }
            for c in f.causes
            if c.finding.flagged
        ],
    )
    carriers = Table.from_records(
        "快递破损率 / Damage by carrier (the scope's categories, all shops)",
        (
            Column("carrier", "快递 Carrier"),
            Column("parcels", "签收包裹 Delivered", CellKind.COUNT),
            Column("damaged", "运输破损 Damaged", CellKind.COUNT),
            Column("rate", "破损率 Rate", CellKind.BP),
            Column("baseline", "其他快递同类目 Others, same mix", CellKind.BP),
            Column("q", "q (BH)"),
            Column("flag", "显著 Flag"),
        ),
        [
            {
                "carrier": r.key,
                "parcels": r.trials,
                "damaged": r.events,
                "rate": to_bp(r.rate),
                "baseline": to_bp(r.baseline),
                "q": f"{r.q_value:.3g}",
                "flag": "⚑ 是 yes" if r.flagged else "否 no",
            }
            for r in f.carriers
        ],
    )
    method = Paragraph(
        "Rates count orders paid in the period; a refund is an approved refund-only or "
        "return-refund case, a return a return-refund or exchange case. Each rate is tested "
        "against its category's rate without the unit itself (one-sided exact binomial test, "
        f"Benjamini–Hochberg at FDR {d.fdr:g} over the units tested together) and shrunk "
        "toward it with a beta prior fitted to the category (at most 100 orders' weight). A "
        "unit is flagged when both agree and it has at least 3 events. Causes come from the "
        "reason code, the buyer's words and the review, classified offline (jieba + logistic "
        "regression on the packaged lexicon). Money: refund + compensation + promotion fee of "
        "refunded orders + merchant-paid return-shipping insurance, each case to its one "
        "cause; a fix saves the share of its cause's cases above the category rate.",
        bullets=tuple(f"{label(c)}: {fix.en}" for c, fix in FIXES.items()),
    )
    title_scope = d.sku_id or d.shop_id
    sections = [
        Section("概览 / Overview", (headline,)),
        Section(
            "趋势 / Over time",
            ((_weekly_chart(d),) if d.weeks else ())
            + ((_sku_weekly_chart(series),) if (series := chart_skus(d)) else ()),
        ),
        Section("原因 / Why goods come back", tuple(cause_blocks)),
        Section("建议 / Fixes and savings", tuple(fix_blocks)),
        Section(
            "SKU",
            ((_sku_chart(skus[:20]),) if skus else ()) + (sku_table, flagged_causes),
        ),
        Section("快递 / Carriers", (carriers,)),
        Section("方法 / Method", (method,)),
    ]
    return Page(
        title=f"退货诊断 Return diagnosis: {title_scope}",
        subtitle=shop_name or "",
        sections=tuple(sections),
        meta=(
            ("店铺 Shop", d.shop_id),
            ("SKU", d.sku_id or "全部 all"),
            ("期间 Period", f"{d.start} – {_last_day(d)} (inclusive)"),
        ),
    )


def write_report(d: ReturnDiagnosis, out: Path, *, shop_name: str | None = None) -> Path:
    """Render the diagnosis to ``out`` (one self-contained file, charts included)."""
    return build_page(d, shop_name=shop_name).render(out)
