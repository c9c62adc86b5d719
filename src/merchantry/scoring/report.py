"""The score report of one rulebook and date, and the published good-service ranking.

Everything is read back from the written series (``shop_scores``,
``shop_score_indicators``, ``shop_gates``, ``service_rankings``), so the page says
what the tables hold: the distribution of scores, each industry's standing, which
indicators cost shops the most, how many shops each gate lets in, the lowest
shops, and (for a rulebook with a ``score_ranking`` rule) the ranking per
industry, as the platform would publish it.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import duckdb

from merchantry.kit.errors import NotFound
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
    format_points,
    points_bar,
    points_histogram,
)
from merchantry.report.names import Vocabulary, format_value, label, named, unit_label
from merchantry.report.page import shop_label
from merchantry.rulebook import load_rulebook
from merchantry.scoring.inputs import label_terms

P = CellKind.POINTS
N = CellKind.COUNT
BP = CellKind.BP

TYPICAL_SCORE_SQL: Final = """
SELECT CAST(round(median(score_cp)) AS BIGINT), count(score_cp) FROM shop_scores
WHERE rulebook = $rulebook AND score_date = $day AND stage = 'formal' AND score_cp IS NOT NULL
"""
"""The one definition of a **typical score** (典型分): the median of the formal-stage shops'
scores of one rulebook on one date, in hundredths, an even count's middle pair averaged and
rounded half away from zero. Growth-stage and unscored shops are left out (their scores are
not on the same footing). The terminal, the score report and the demo all show this figure."""

OVERVIEW_SQL: Final = """
SELECT platform, stage, count(*) AS shops
FROM shop_scores WHERE rulebook = $rulebook AND score_date = $day
GROUP BY ALL ORDER BY stage
"""

FORMAL_SCORES_SQL: Final = """
SELECT score_cp FROM shop_scores
WHERE rulebook = $rulebook AND score_date = $day AND stage = 'formal' AND score_cp IS NOT NULL
"""

INDUSTRY_SQL: Final = """
SELECT industry,
       count(*) AS shops,
       count(*) FILTER (WHERE stage = 'formal') AS formal,
       CAST(round(median(score_cp) FILTER (WHERE stage = 'formal')) AS BIGINT) AS median_cp,
       CAST(round(quantile_cont(score_cp, 0.1) FILTER (WHERE stage = 'formal')) AS BIGINT)
           AS p10_cp,
       CAST(round(quantile_cont(score_cp, 0.9) FILTER (WHERE stage = 'formal')) AS BIGINT)
           AS p90_cp
FROM shop_scores WHERE rulebook = $rulebook AND score_date = $day
GROUP BY industry ORDER BY median_cp DESC NULLS LAST, industry
"""

INDICATOR_SQL: Final = """
SELECT i.indicator, any_value(i.dimension) AS dimension, any_value(i.unit) AS unit,
       count(i.value) AS with_data,
       CAST(round(median(i.value)) AS BIGINT) AS median_value,
       CAST(round(avg(i.indicator_cp)) AS BIGINT) AS mean_cp,
       CAST(count(*) FILTER (WHERE i.tier <= 1) * 10000 // count(*) AS BIGINT) AS low_tier_bp,
       count(*) FILTER (WHERE i.floor_applied) AS floored
FROM shop_score_indicators AS i
JOIN shop_scores AS s USING (rulebook, shop_id, score_date)
WHERE i.rulebook = $rulebook AND i.score_date = $day AND s.stage = 'formal'
GROUP BY i.indicator ORDER BY mean_cp ASC NULLS LAST, i.indicator
"""

GATE_SQL: Final = """
SELECT gate, count(*) FILTER (WHERE passed) AS passed, count(*) AS shops
FROM shop_gates WHERE rulebook = $rulebook AND score_date = $day
GROUP BY gate ORDER BY gate
"""

LOWEST_SQL: Final = """
WITH worst AS (
    SELECT shop_id, arg_min(indicator, indicator_cp) AS indicator, min(indicator_cp) AS worst_cp
    FROM shop_score_indicators
    WHERE rulebook = $rulebook AND score_date = $day AND indicator_cp IS NOT NULL
    GROUP BY shop_id
)
SELECT s.shop_id, p.name AS shop_name, s.industry, s.score_cp, s.deduction_cp, w.indicator,
       w.worst_cp
FROM shop_scores AS s LEFT JOIN worst AS w USING (shop_id) LEFT JOIN shops AS p USING (shop_id)
WHERE s.rulebook = $rulebook AND s.score_date = $day AND s.stage = 'formal'
ORDER BY s.score_cp ASC, s.shop_id LIMIT $n
"""

RANKING_SQL: Final = """
SELECT r.industry, r.rank, r.shop_id, r.score_cp, r.special_services, r.rule_id, p.name
FROM service_rankings AS r LEFT JOIN shops AS p USING (shop_id)
WHERE r.rulebook = $rulebook AND r.score_date = $day
ORDER BY r.industry, r.rank
"""

RANKING_HEADER: Final = (
    "industry",
    "industry_name",
    "rank",
    "shop_id",
    "shop_name",
    "score",
    "special_services",
    "rule_id",
)
"""Columns of the ranking CSV: codes for machines and names for people, side by side."""


@dataclass(frozen=True, slots=True)
class RankedShop:
    """One line of the published ranking."""

    industry: str
    rank: int
    shop_id: str
    score_cp: int
    special_services: int
    rule_id: str
    shop_name: str | None = None
    """The shop's name (``shops.name``); ``None`` when the warehouse has none."""

    @property
    def shop_label(self) -> str:
        """``Lakeside Tea (S0042)``: the name beside the id."""
        return shop_label(self.shop_id, self.shop_name)


def ranking(con: duckdb.DuckDBPyConnection, rulebook: str, day: date) -> list[RankedShop]:
    """The good-service ranking of a date, industry by industry, best first, with names."""
    rows = con.execute(RANKING_SQL, {"rulebook": rulebook, "day": day}).fetchall()
    return [
        RankedShop(str(i), int(r), str(s), int(c), int(n), str(u), None if m is None else str(m))
        for i, r, s, c, n, u, m in rows
    ]


def typical_score(con: duckdb.DuckDBPyConnection, rulebook: str, day: date) -> int | None:
    """The typical score (:data:`TYPICAL_SCORE_SQL`) of ``rulebook`` on ``day``, in
    hundredths; ``None`` when no shop is in the formal stage that day."""
    row = con.execute(TYPICAL_SCORE_SQL, {"rulebook": rulebook, "day": day}).fetchone()
    return None if row is None or row[0] is None else int(row[0])


TYPICAL_LABEL: Final = "典型分（正式阶段中位数）/ typical score (median, formal stage)"
"""How every page and the terminal name the typical score."""


def write_ranking_csv(ranked: list[RankedShop], path: Path) -> Path:
    """The ranking as CSV (UTF-8, scores with two decimals), one row per ranked shop."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(RANKING_HEADER)
        for r in ranked:
            writer.writerow(
                (
                    r.industry,
                    label(Vocabulary.INDUSTRY, r.industry),
                    r.rank,
                    r.shop_id,
                    r.shop_name or "",
                    format_points(r.score_cp),
                    r.special_services,
                    r.rule_id,
                )
            )
    return path


def _records(
    con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, object]
) -> list[dict[str, object]]:
    cursor = con.execute(sql, params)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _count(record: dict[str, object] | None, key: str = "shops") -> int:
    return 0 if not record or record.get(key) is None else int(str(record[key]))


def build_score_page(
    con: duckdb.DuckDBPyConnection,
    rulebook: str,
    day: date,
    *,
    terms: Mapping[str, int],
    lowest: int = 20,
    scale_low_cp: int = 0,
) -> Page:
    """The report page; raises ``NotFound`` when the rulebook has no scores on ``day``.

    Every industry, indicator, dimension, unit and gate shows by its display name
    (:mod:`merchantry.report.names`, the code in the cell's tooltip); an indicator's name
    quotes the rulebook's numbers (``terms``: :func:`~merchantry.scoring.inputs.label_terms`
    of ``rulebook``); indicator values in their human unit; shops by name beside their id.
    ``scale_low_cp`` (the scale's lowest score) is where the industry chart's axis starts.
    """
    params: dict[str, object] = {"rulebook": rulebook, "day": day}
    overview = _records(con, OVERVIEW_SQL, params)
    if not overview:
        raise NotFound(f"no {rulebook} scores on {day}; run `merchantry score` first")
    platform = str(overview[0]["platform"])
    by_stage = {str(r["stage"]): r for r in overview}
    total = sum(_count(r) for r in overview)
    typical = typical_score(con, rulebook, day)
    headline = Metrics(
        (
            Metric("店铺 / shops", f"{total:,}"),
            *(
                Metric(label(Vocabulary.SCORE_STAGE, stage), f"{_count(by_stage.get(stage)):,}")
                for stage in ("formal", "growth", "none")
            ),
            Metric(
                TYPICAL_LABEL,
                "–" if typical is None else format_points(typical),
                note="docs/scoring.md, Typical score",
            ),
        )
    )
    scores = [int(r[0]) for r in con.execute(FORMAL_SCORES_SQL, params).fetchall()]
    industries = _records(con, INDUSTRY_SQL, params)
    for r in industries:
        r["industry"] = named(Vocabulary.INDUSTRY, r["industry"])
    ranked_industries = [r for r in industries if r["median_cp"] is not None]
    distribution: list[Block] = [headline]
    if scores:
        distribution.append(points_histogram("正式阶段分数分布 · Formal-stage scores", scores))
    indicators = _records(con, INDICATOR_SQL, params)
    for r in indicators:
        unit = str(r["unit"])
        r["median_value"] = format_value(unit, _int_or_none(r["median_value"]))
        r["unit"] = unit_label(unit)
        r["dimension"] = named(Vocabulary.SCORE_DIMENSION, r["dimension"])
        r["indicator"] = named(Vocabulary.INDICATOR, r["indicator"], terms)
    sections = [
        Section("分数分布 · Distribution", tuple(distribution)),
        Section(
            "行业 · Industries",
            (
                *(
                    (
                        points_bar(
                            "各行业典型分 · Typical formal score by industry (median)",
                            [str(r["industry"]) for r in ranked_industries],
                            [int(str(r["median_cp"])) for r in ranked_industries],
                            axis_from_cp=scale_low_cp,
                        ),
                    )
                    if ranked_industries
                    else ()
                ),
                Table.from_records(
                    "行业 · Industries",
                    (
                        Column("industry", "行业 / industry"),
                        Column("shops", "店铺 / shops", N),
                        Column("formal", "正式阶段 / formal", N),
                        Column("p10_cp", "P10", P),
                        Column("median_cp", "典型分 / typical (median)", P),
                        Column("p90_cp", "P90", P),
                    ),
                    industries,
                ),
            ),
        ),
        Section(
            "指标 · Indicators",
            (
                Table.from_records(
                    "正式阶段店铺的指标 · Indicators of formal-stage shops, weakest first",
                    (
                        Column("indicator", "指标 / indicator"),
                        Column("dimension", "维度 / dimension"),
                        Column("unit", "单位 / unit"),
                        Column("with_data", "有数据 / with data", N),
                        Column("median_value", "中位值 / median value"),
                        Column("mean_cp", "平均得分 / mean score", P),
                        Column("low_tier_bp", "低档占比 / tier 0–1", BP),
                        Column("floored", "保底 / floor applied", N),
                    ),
                    indicators,
                    note="Tier 0–1: the share of formal-stage shops in the two lowest tiers.",
                ),
            ),
        ),
    ]
    gates = _records(con, GATE_SQL, params)
    if gates:
        for g in gates:
            shops = int(str(g["shops"]))
            g["share_bp"] = int(str(g["passed"])) * 10_000 // shops if shops else None
            g["gate"] = named(Vocabulary.GATE, g["gate"])
        sections.append(
            Section(
                "准入 · Gates",
                (
                    Table.from_records(
                        "分数开启的项目 · Programmes the score opens",
                        (
                            Column("gate", "准入项 / gate"),
                            Column("passed", "通过 / passed", N),
                            Column("shops", "店铺 / shops", N),
                            Column("share_bp", "通过率 / share", BP),
                        ),
                        gates,
                    ),
                ),
            )
        )
    ranked = ranking(con, rulebook, day)
    if ranked:
        blocks: list[Block] = [
            Paragraph(
                f"{len(ranked):,} shops on the list in "
                f"{len({r.industry for r in ranked}):,} industries (rule {ranked[0].rule_id})."
            )
        ]
        for industry in sorted({r.industry for r in ranked}):
            blocks.append(
                Table(
                    label(Vocabulary.INDUSTRY, industry),
                    (
                        Column("rank", "名次 / rank", N),
                        Column("shop", "店铺 / shop"),
                        Column("score", "体验分 / score", P),
                        Column("services", "特色服务 / services", N),
                    ),
                    tuple(
                        (r.rank, r.shop_label, r.score_cp, r.special_services)
                        for r in ranked
                        if r.industry == industry
                    ),
                )
            )
        sections.append(Section("好服务榜单 · Good-service ranking", tuple(blocks)))
    lowest_rows = _records(con, LOWEST_SQL, {**params, "n": lowest})
    for r in lowest_rows:
        r["shop"] = shop_label(str(r["shop_id"]), _str_or_none(r["shop_name"]))
        r["industry"] = named(Vocabulary.INDUSTRY, r["industry"])
        r["indicator"] = named(Vocabulary.INDICATOR, r["indicator"], terms)
    sections.append(
        Section(
            "最低分店铺 · Lowest shops",
            (
                Table.from_records(
                    f"The {lowest} lowest formal-stage shops and their weakest indicator",
                    (
                        Column("shop", "店铺 / shop"),
                        Column("industry", "行业 / industry"),
                        Column("score_cp", "体验分 / score", P),
                        Column("deduction_cp", "扣分 / deductions", P),
                        Column("indicator", "最弱指标 / weakest indicator"),
                        Column("worst_cp", "指标得分 / its score", P),
                    ),
                    lowest_rows,
                    note="`merchantry diagnose score --shop ID` says what fixing each would add.",
                ),
            ),
        )
    )
    return Page(
        title=f"体验分 · Experience scores: {rulebook}",
        subtitle=f"{platform} · {day}",
        sections=tuple(sections),
        meta=(("rulebook", rulebook), ("platform", platform), ("date", day.isoformat())),
    )


def _int_or_none(value: object) -> int | None:
    return None if value is None else int(str(value))


def _str_or_none(value: object) -> str | None:
    return None if value is None else str(value)


def write_score_report(
    con: duckdb.DuckDBPyConnection,
    rulebook: str,
    day: date,
    path: Path,
    *,
    rulebook_dirs: Sequence[Path] = (),
    plotly: PlotlyMode = PlotlyMode.INLINE,
) -> Path:
    """Render the score report of ``rulebook`` on ``day`` to ``path`` (works offline); the
    industry chart starts at the lowest score of the rulebook's scale."""
    book = load_rulebook(rulebook, rulebook_dirs)
    scales = book.rules_of("score_scale")
    low = scales[0].effect.int("low_cp") if scales else 0
    page = build_score_page(con, rulebook, day, terms=label_terms(book), scale_low_cp=low)
    return page.render(path, plotly=plotly)
