"""The simulation's HTML page, built with the shared report kit.

Every figure comes from a :class:`SimulationResult`, which is read from the
``sim_*`` tables, so the page and the tables cannot disagree.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from merchantry.kit.money import FEN_PER_YUAN, currency_symbol, div_round, format_bp, format_fen
from merchantry.kit.settings import active_marketplace
from merchantry.report import (
    Block,
    CellKind,
    Column,
    Metric,
    Metrics,
    Page,
    Paragraph,
    PlotlyMode,
    Section,
    Table,
    bar_chart,
    box_chart,
    format_points,
    histogram_chart,
)
from merchantry.report.names import Coded, Vocabulary, humanize, label, named
from merchantry.report.page import shop_label
from merchantry.simulate.result import ShopSaving, SimulationResult
from merchantry.simulate.wording import (
    DIMENSION_LABELS,
    line_sentence,
    merchants_phrase,
    merchants_phrase_zh,
    platform_phrase,
    platform_phrase_zh,
    segment_label,
)

M = CellKind.MONEY
N = CellKind.COUNT


def share_bp(part: int, whole: int) -> int | None:
    """``part / whole`` in basis points, or ``None`` when ``whole`` is not positive."""
    return div_round(part * 10_000, whole) if whole > 0 else None


def _share_text(part: int, whole: int) -> str:
    bp = share_bp(part, whole)
    return "—" if bp is None else format_bp(bp)


def headline_text(result: SimulationResult) -> str:
    """The headline in words, counting every money effect; "the same" only when nothing
    differs at all."""
    s = result.summary
    if result.effects and result.is_same:
        return (
            f"{result.candidate} 与 {result.baseline} 在全部资金影响上相同。 {result.candidate} "
            f"and {result.baseline} move the same money on these {s.orders:,} orders "
            "(fees, insurance, subsidies, compensation, deposits, settlement days)."
        )
    gain = result.merchant_gain_fen if result.effects else s.saving_fen
    cost = result.platform_cost_fen if result.effects else s.platform_giveup_fen
    moved = [e for e in result.effects if e.merchant_gain_fen or e.platform_cost_fen]
    parts = "; ".join(f"{e.title} {format_fen(e.merchant_gain_fen)}" for e in moved)
    sides = result.ledger
    differs = [
        "账期 / settlement days"
        for a, b in itertools.pairwise(sides)
        if a.fen_days != b.fen_days
        and not any(e.effect == "settlement_cash_flow" and e.merchant_gain_fen for e in moved)
    ]
    tail = (
        f" Also differs, worth under ¥0.01 at the cash rate: {', '.join(differs)}."
        if differs
        else ""
    )
    return (
        f"在 {result.candidate} 下，计入全部资金影响，{merchants_phrase_zh(gain)}，"
        f"{platform_phrase_zh(cost)}。 Under {result.candidate}, counting every money effect, "
        f"{merchants_phrase(gain)} and {platform_phrase(cost)} "
        f"against {result.baseline} on the same {s.orders:,} orders (GMV "
        f"{format_fen(s.gmv_fen)})" + (f": {parts}." if parts else ".") + tail
    )


def effects_table(result: SimulationResult) -> Table:
    """Every money effect: baseline, candidate, merchants' gain, platform's cost."""
    rows = [
        {
            "effect": e.title,
            "baseline": e.baseline_fen,
            "candidate": e.candidate_fen,
            "gain": e.merchant_gain_fen,
            "cost": e.platform_cost_fen,
            "note": e.note or "",
        }
        for e in result.effects
    ]
    rows.append(
        {
            "effect": "合计 / Total",
            "baseline": None,
            "candidate": None,
            "gain": result.merchant_gain_fen,
            "cost": result.platform_cost_fen,
            "note": f"cash flow valued at {format_bp(result.params.cash_rate_bp)} a year",
        }
    )
    return Table.from_records(
        "全部资金影响 / Every money effect",
        (
            Column("effect", "影响 / Effect"),
            Column("baseline", "基准 / Baseline", M),
            Column("candidate", "候选 / Candidate", M),
            Column("gain", "商家得益 / Merchants gain", M),
            Column("cost", "平台成本 / Platform gives up", M),
            Column("note", "说明 / How valued"),
        ),
        rows,
        note="费用类影响取自费用明细；赔付、保证金与账期按结账规则计算，资金占用按年利率折算。 "
        "Fee effects come from the fee lines; compensation, deposits and settlement days from "
        "the ledger's rules as a close applies them; money held longer or shorter is valued "
        "at the stated annual rate.",
    )


def headline_section(result: SimulationResult) -> Section:
    """Total gain over every money effect, platform cost, who gains, and the policy lines."""
    s = result.summary
    gain = result.merchant_gain_fen if result.effects else s.saving_fen
    metrics = Metrics(
        (
            Metric.money(
                "商家得益（全部资金影响） / Merchants gain (every money effect)",
                gain,
                note=f"fees alone: {format_fen(s.saving_fen)} "
                f"({_share_text(s.saving_fen, s.baseline_cost_fen)} of baseline cost 基准成本)",
            ),
            Metric.money("基准成本 / Baseline cost", s.baseline_cost_fen, favourable=False),
            Metric.money("候选成本 / Candidate cost", s.candidate_cost_fen, favourable=False),
            Metric(
                "平台成本（全部） / Platform gives up (all)",
                format_fen(result.platform_cost_fen if result.effects else s.platform_giveup_fen),
                note=f"fees alone {format_fen(s.platform_giveup_fen)}: "
                f"{_share_text(s.platform_giveup_fen, s.platform_baseline_fen)} of "
                "platform receipts 平台收入",
            ),
            Metric(
                "店铺 受益/受损/不变 · Shops gain/lose/same",
                f"{s.shops_gain:,} / {s.shops_lose:,} / {s.shops_unchanged:,}",
                note=f"of {s.shops:,} shops, {s.orders:,} orders",
            ),
        )
    )
    sentences = tuple(line_sentence(line) for line in result.by_line)
    blocks: list[Block] = [metrics, Paragraph(headline_text(result), sentences)]
    if result.effects:
        blocks.append(effects_table(result))
    return Section("核心数据 / Headline", tuple(blocks))


def line_section(result: SimulationResult) -> Section:
    """Savings by policy line: chart and table."""
    lines = result.by_line
    if not lines:
        return Section(
            "按政策拆分 / Savings by policy line",
            (
                Paragraph(
                    "两个规则版本的费用明细相同（其他资金影响见核心数据）。 The two rulebooks "
                    "charge the same fees; every other money effect is in the headline."
                ),
            ),
        )
    chart = bar_chart(
        "",
        [humanize(line.title) for line in lines],
        [line.saving_fen for line in lines],
        value_title=f"节省 / Saving ({currency_symbol()})",
    )
    table = Table.from_records(
        "",
        (
            Column("title", "政策 / Policy line"),
            Column("rulebook", "规则版本 / Rulebook"),
            Column("kinds", "费用类型 / Fee kinds"),
            Column("orders", "订单 / Orders", N),
            Column("shops", "店铺 / Shops", N),
            Column("saving", "节省 / Saving", M),
            Column("assumption", "假设值 / Assumption"),
        ),
        (
            {
                "title": Coded(humanize(line.title), line.line_id),
                "rulebook": line.line_rulebook,
                "kinds": ", ".join(label(Vocabulary.FEE_KIND, k) for k in line.fee_kinds),
                "orders": line.orders,
                "shops": line.shops,
                "saving": line.saving_fen,
                "assumption": {True: "是 / yes", False: "否 / no", None: "—"}[line.assumption],
            }
            for line in lines
        ),
        note="每个订单×费用类型的差额归入候选版本的减免规则，否则基准版本的减免规则，"
        "否则收费规则，否则费用类型。 Each order × fee-kind difference goes to the "
        "candidate's waiver rule, else the baseline's waiver rule, else the charging rule, "
        "else the fee kind. 规则编号见悬停提示。 Hover a line for its rule id.",
    )
    return Section("按政策拆分 / Savings by policy line", (chart, table))


def segment_section(result: SimulationResult) -> Section:
    """One chart and one table per segment dimension."""
    blocks: list[Block] = []
    for dimension, heading in DIMENSION_LABELS.items():
        segments = result.segments(dimension)
        if not segments:
            continue
        blocks.append(
            bar_chart(
                heading,
                [segment_label(seg.segment) for seg in segments],
                [seg.saving_fen for seg in segments],
                value_title=f"节省 / Saving ({currency_symbol()})",
            )
        )
        blocks.append(
            Table.from_records(
                "",
                (
                    Column("segment", "分层 / Segment"),
                    Column("shops", "店铺 / Shops", N),
                    Column("orders", "订单 / Orders", N),
                    Column("gmv", "成交额 / GMV", M),
                    Column("baseline", "基准成本 / Baseline cost", M),
                    Column("candidate", "候选成本 / Candidate cost", M),
                    Column("saving", "节省 / Saving", M),
                    Column("share", "占成交额 / of GMV", CellKind.BP),
                ),
                (
                    {
                        "segment": Coded(segment_label(seg.segment), seg.segment),
                        "shops": seg.shops,
                        "orders": seg.orders,
                        "gmv": seg.gmv_fen,
                        "baseline": seg.baseline_cost_fen,
                        "candidate": seg.candidate_cost_fen,
                        "saving": seg.saving_fen,
                        "share": share_bp(seg.saving_fen, seg.gmv_fen),
                    }
                    for seg in segments
                ),
            )
        )
    p = result.params
    intro = (
        f"新商家：开店不足 {p.new_shop_days} 天（相对期初）。规模按期内成交额："
        f"小商家 < {format_fen(p.small_below_fen)} ≤ 中腰部 < {format_fen(p.key_account_from_fen)}"
        f" ≤ KA。 New: opened fewer than {p.new_shop_days} days before the period start. Size by "
        "GMV in the period. Scene is per order, so a shop can appear in several scenes."
    )
    return Section("按商家分层 / Savings by merchant segment", tuple(blocks), intro=intro)


def distribution_section(result: SimulationResult) -> Section:
    """Percentiles, shares of shops that gain or lose, histogram and box by size."""
    s = result.summary
    fen, bp = result.saving_spread, result.share_spread
    rows = [{"stat": f"P{p}", "saving": v, "share": bp.value(p)} for p, v in fen.percentiles]
    rows.append({"stat": "平均 / Mean", "saving": fen.mean, "share": bp.mean})
    table = Table.from_records(
        "",
        (
            Column("stat", "统计量 / Statistic"),
            Column("saving", "每店节省 / Saving per shop", M),
            Column("share", "占店铺成交额 / Share of shop GMV", CellKind.BP),
        ),
        rows,
        note="百分位用最近秩法（取实际观测值）。 Percentiles use the nearest-rank method.",
    )
    shops = max(s.shops, 1)
    shares = Metrics(
        (
            Metric(
                "受益店铺 / Shops that gain", format_bp(div_round(s.shops_gain * 10_000, shops))
            ),
            Metric(
                "受损店铺 / Shops that lose", format_bp(div_round(s.shops_lose * 10_000, shops))
            ),
            Metric("不变店铺 / Unchanged", format_bp(div_round(s.shops_unchanged * 10_000, shops))),
        )
    )
    blocks: list[Block] = [shares, table]
    if result.saving_sample:
        blocks.append(histogram_chart("每店节省分布 / Saving per shop", result.saving_sample))
        blocks.append(
            box_chart(
                "按规模 / By size",
                {segment_label(size): values for size, values in result.sample_by_size},
            )
        )
    return Section("店铺节省分布 / Distribution of savings per shop", tuple(blocks))


def _shop_table(title: str, shops: tuple[ShopSaving, ...]) -> Table:
    return Table.from_records(
        title,
        (
            Column("shop", "店铺 / Shop"),
            Column("industry", "行业 / Industry"),
            Column("size", "规模 / Size"),
            Column("gmv", "成交额 / GMV", M),
            Column("saving", "节省 / Saving", M),
            Column("share", "占成交额 / of GMV", CellKind.BP),
        ),
        (
            {
                "shop": shop_label(shop.shop_id, shop.shop_name),
                "industry": named(Vocabulary.INDUSTRY, shop.industry),
                "size": named(Vocabulary.SEGMENT, shop.size),
                "gmv": shop.gmv_fen,
                "saving": shop.saving_fen,
                "share": shop.saving_share_bp,
            }
            for shop in shops
        ),
        note="" if shops else "无 / none",
    )


def shops_section(result: SimulationResult) -> Section:
    """Top gainers and losers."""
    return Section(
        "受益与受损最多的店铺 / Shops that gain and lose most",
        (
            _shop_table(f"受益最多 / Top {len(result.gainers)} gainers", result.gainers),
            _shop_table(f"受损最多 / Top {len(result.losers)} losers", result.losers),
        ),
    )


def platform_section(result: SimulationResult) -> Section:
    """What the platform gives up, subsidies, and where the rest of the money goes."""
    s = result.summary
    metrics = Metrics(
        (
            Metric.money("平台净收入（基准） / Platform net, baseline", s.platform_baseline_fen),
            Metric.money("平台净收入（候选） / Platform net, candidate", s.platform_candidate_fen),
            Metric.money("平台让利 / Give-up", s.platform_giveup_fen, favourable=False),
            Metric.money("平台补贴（基准） / Subsidies, baseline", s.subsidy_baseline_fen),
            Metric.money("平台补贴（候选） / Subsidies, candidate", s.subsidy_candidate_fen),
            Metric.money("达人及消费者净变化 / Creators & buyers", s.others_change_fen),
        )
    )
    text = (
        "平台让利 = 基准平台净收入 − 候选平台净收入。"
        "商家节省与平台让利之差由达人、消费者承担或获得。"
        " Give-up = platform net receipts under the baseline minus under the candidate. "
        f"{merchants_phrase_zh(s.saving_fen)}；{platform_phrase_zh(s.platform_giveup_fen)}。 "
        f"{merchants_phrase(s.saving_fen).capitalize()}; {platform_phrase(s.platform_giveup_fen)}; "
        f"creators and buyers together change by {format_fen(s.others_change_fen)}."
    )
    return Section("平台让利 / What the platform gives up", (metrics, Paragraph(text)))


def _days(hundredths: int | None) -> str:
    return "—" if hundredths is None else f"{format_points(hundredths)} d"


def ledger_section(result: SimulationResult) -> Section | None:
    """Settlement wait and borne compensation under each rulebook (ledger rules)."""
    sides = {side.side: side for side in result.ledger}
    if not sides:
        return None
    table = Table(
        "账期与赔付 / Settlement and compensation, as a close would apply them",
        (
            Column("side", "方案 / side"),
            Column("rulebook", "规则 / rulebook"),
            Column("orders", "结算订单 / orders settled", N),
            Column("wait", "平均账期 / mean wait (by amount)"),
            Column("cases", "赔付单 / compensation cases", N),
            Column("compensation", "赔付 / compensation", M),
            Column("borne", "平台承担 / platform bears", M),
        ),
        tuple(
            (
                side.side,
                side.rulebook,
                side.settled_orders,
                _days(side.mean_days_hundredths),
                side.compensation_cases,
                side.compensation_fen,
                side.platform_borne_fen,
            )
            for side in sides.values()
        ),
    )
    blocks: list[Block] = [table]
    base, cand = sides.get("baseline"), sides.get("candidate")
    if base is not None and cand is not None:
        before, after = base.mean_days_hundredths, cand.mean_days_hundredths
        wait = ""
        if before is not None and after is not None:
            change = after - before
            wait = (
                f"Merchants wait {format_points(abs(change))} days "
                f"{'longer' if change > 0 else 'less'} for their goods payment on average "
                "(weighted by amount paid)"
                if change
                else "The mean settlement wait does not change"
            )
        borne = cand.platform_borne_fen - base.platform_borne_fen
        sentences = [wait] if wait else []
        sentences.append(
            f"The platform bears {format_fen(abs(borne))} {'more' if borne >= 0 else 'less'} "
            "compensation (减赔)"
        )
        sentences.append(
            "These are ledger rules: they change when money moves and who pays compensation, "
            "not the fee lines above, so they are not in the savings total"
        )
        blocks.append(Paragraph(". ".join(sentences) + "."))
    return Section("账期与赔付 / Settlement and compensation", tuple(blocks))


def methods_section(result: SimulationResult) -> Section:
    """How the figures are computed, and which rulebook numbers are assumptions."""
    bullets = (
        "商家成本 = Σ 商家付出 − Σ 商家收到（每条费用明细）。 Merchant cost per line = amount "
        "if the merchant pays, minus the amount if the merchant is paid; refunds are negative "
        "lines, so they lower the cost.",
        "节省 = 基准成本 − 候选成本。 Saving = baseline cost − candidate cost, per order × fee "
        "kind, summed; every breakdown adds up to the total to the fen.",
        "平台净收入 = Σ 平台收到 − Σ 平台付出；补贴 = 平台付出的金额。 Platform net = received "
        "minus paid; subsidies = amounts the platform pays.",
        f"期间 / Period: orders paid {result.period.start} – {result.period.end}; both "
        "rulebooks replay the same orders; behaviour is held fixed (no demand response).",
        "金额以最小货币单位（分）整数计算，图表坐标以元显示。 Money is integer minor units "
        f"(fen; centavos for BRL) throughout, shown in {active_marketplace().currency.code}; "
        f"charts plot whole units (1 = {FEN_PER_YUAN} minor units) for display only.",
    )
    blocks: list[Block] = [Paragraph("", bullets)]
    if result.assumptions:
        blocks.append(
            Table.from_records(
                "规则中的假设值 / Rulebook numbers that are assumptions",
                (
                    Column("rulebook", "规则版本 / Rulebook"),
                    Column("title", "名称 / Title"),
                    Column("note", "说明 / Note"),
                    Column("source", "来源 / Source"),
                ),
                (
                    {
                        "rulebook": a.rulebook,
                        "title": Coded(humanize(a.title), a.rule_id),
                        "note": humanize(a.note),
                        "source": a.source,
                    }
                    for a in result.assumptions
                ),
            )
        )
    else:
        blocks.append(
            Paragraph(
                "规则目录未标记假设值（或无规则目录）。 The rule catalogue flags no assumptions "
                "(or is absent); see the rulebook YAML files."
            )
        )
    return Section("方法说明 / Methods", tuple(blocks))


def build_page(result: SimulationResult) -> Page:
    """The whole simulation report."""
    s = result.summary
    return Page(
        title="政策模拟：商家节省 / Policy simulation: merchant savings",
        subtitle=f"{result.baseline} → {result.candidate}",
        meta=(
            ("基准 / Baseline", result.baseline),
            ("候选 / Candidate", result.candidate),
            ("期间 / Period", f"{result.period.start} – {result.period.end}"),
            ("订单 / Orders", f"{s.orders:,}"),
            ("店铺 / Shops", f"{s.shops:,}"),
            ("运行 / Run", result.run_id),
        ),
        sections=(
            *(
                (
                    Section(
                        "注意 / Warnings",
                        (Paragraph("The fee runs warned:", tuple(result.warnings)),),
                    ),
                )
                if result.warnings
                else ()
            ),
            headline_section(result),
            line_section(result),
            segment_section(result),
            distribution_section(result),
            shops_section(result),
            platform_section(result),
            *((ledger,) if (ledger := ledger_section(result)) is not None else ()),
            methods_section(result),
        ),
        footer="Merchantry · merchantry simulate",
    )


def write_report(
    result: SimulationResult, path: Path | str, *, plotly: PlotlyMode = PlotlyMode.INLINE
) -> Path:
    """Render the report to ``path``; charts work offline in either plotly mode."""
    return build_page(result).render(path, plotly=plotly)
