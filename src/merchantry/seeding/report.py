"""The seeding report, as the platform reports its programme: creators taking part,
creators paid, videos paid and attributed GMV, per day (HTML page and records).

Per payment day ``d`` of the period, under one seeding rulebook:

* **creators taking part** (参与创作者): creators with a video published on or before ``d``
  (cumulative, as "3.67 m creators joined by the end of 2025" is);
* **creators paid** / **videos paid** (获得分成的创作者 / 视频): with a payout for an order
  paid on ``d`` (orders refunded before the payout excluded);
* **attributed GMV** (看后搜成交额): GMV credited to videos for orders paid on ``d``, the
  orders dropped for a refund excluded;
* **payouts** earned on ``d`` and **clawbacks** booked on ``d``.

The period's totals count distinct creators and videos over the whole period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.errors import InputError, NotFound
from merchantry.kit.money import format_fen
from merchantry.report import CellKind, Column, Metric, Metrics, Page, Paragraph, Section, Table
from merchantry.report.charts import bar_chart
from merchantry.seeding.rules import SeedingRules
from merchantry.store.sql import col, fill_sql, records, run_sql
from merchantry.store.warehouse import table_exists

ATTRIBUTED_TOTALS: Final = """
SELECT p_lead,
       CAST(count(DISTINCT order_id) FILTER (WHERE status <> 'dropped_refund') AS BIGINT)
         AS orders,
       CAST(count(DISTINCT order_id) FILTER (WHERE status = 'dropped_refund') AS BIGINT)
         AS dropped_orders,
       CAST(coalesce(sum(attributed_gmv_fen) FILTER (WHERE status <> 'dropped_refund'), 0)
         AS BIGINT) AS attributed_gmv_fen,
       CAST(coalesce(sum(payout_fen), 0) AS BIGINT) AS payout_fen,
       CAST(coalesce(sum(payout_fen) FILTER (WHERE status = 'clawed_back'), 0) AS BIGINT)
         AS clawback_fen
FROM seeding_attributions
WHERE rulebook = $rulebook AND p_owner = $owner AND paid_on BETWEEN $start AND $end
GROUP BY ALL
ORDER BY attributed_gmv_fen DESC, 1
"""
"""Attributed orders, dropped orders, GMV, payouts and clawbacks of one owner (``p_owner`` =
``$owner``: a shop or a creator) per ``p_lead`` (its grouping columns first)."""


def attributed_totals(owner: str, keys: tuple[str, ...], *extra: exp.Expr) -> str:
    """:data:`ATTRIBUTED_TOTALS` of the owner column ``owner`` grouped by ``keys`` (the
    first of them breaks ties in the order), with ``extra`` aggregate columns after them."""
    return fill_sql(ATTRIBUTED_TOTALS, p_lead=[*(col(k) for k in keys), *extra], p_owner=owner)


DAILY: Final = """
WITH days AS (
  SELECT CAST(d AS DATE) AS day
  FROM generate_series(CAST($start AS TIMESTAMP), CAST($end AS TIMESTAMP), INTERVAL 1 DAY) AS t(d)
), joined AS (
  SELECT CAST(min(published_at) AS DATE) AS day FROM creator_videos GROUP BY creator_id
), attributed AS (
  SELECT paid_on AS day,
         count(DISTINCT order_id) FILTER (WHERE status <> 'dropped_refund') AS orders,
         count(DISTINCT creator_id) FILTER (WHERE payout_fen > 0) AS creators_paid,
         count(DISTINCT video_id) FILTER (WHERE payout_fen > 0) AS videos_paid,
         coalesce(sum(attributed_gmv_fen) FILTER (WHERE status <> 'dropped_refund'), 0)
           AS attributed_gmv_fen,
         coalesce(sum(payout_fen), 0) AS payout_fen
  FROM seeding_attributions
  WHERE rulebook = $rulebook AND paid_on BETWEEN $start AND $end
  GROUP BY paid_on
), clawed AS (
  SELECT clawed_on AS day, sum(amount_fen) AS clawback_fen FROM seeding_clawbacks
  WHERE rulebook = $rulebook AND clawed_on BETWEEN $start AND $end GROUP BY clawed_on
)
SELECT d.day,
       CAST((SELECT count(*) FROM joined AS j WHERE j.day <= d.day) AS BIGINT)
         AS creators_taking_part,
       CAST(coalesce(a.creators_paid, 0) AS BIGINT) AS creators_paid,
       CAST(coalesce(a.videos_paid, 0) AS BIGINT) AS videos_paid,
       CAST(coalesce(a.orders, 0) AS BIGINT) AS orders,
       CAST(coalesce(a.attributed_gmv_fen, 0) AS BIGINT) AS attributed_gmv_fen,
       CAST(coalesce(a.payout_fen, 0) AS BIGINT) AS payout_fen,
       CAST(coalesce(c.clawback_fen, 0) AS BIGINT) AS clawback_fen
FROM days AS d LEFT JOIN attributed AS a USING (day) LEFT JOIN clawed AS c USING (day)
ORDER BY d.day
"""

TOTALS: Final = """
SELECT count(DISTINCT creator_id) FILTER (WHERE payout_fen > 0),
       count(DISTINCT video_id) FILTER (WHERE payout_fen > 0)
FROM seeding_attributions
WHERE rulebook = $rulebook AND paid_on BETWEEN $start AND $end
"""


SPAN: Final = """
SELECT min(paid_on), max(paid_on) FROM seeding_attributions WHERE rulebook = $rulebook
"""
"""The first and last payment day with an attributed order under a rulebook."""


def coverage(start: date, end: date, first: date | None, last: date | None) -> str | None:
    """How the period ``start``..``end`` meets the payment days ``first``..``last`` that have
    attributed orders under a rulebook: ``nothing`` (none attributed under it yet),
    ``outside`` (no day of the period is among them), ``partly``, or None (every day of the
    period lies within them). A period outside is why a report of it reads all zeros."""
    if first is None or last is None:
        return "nothing"
    if end < first or start > last:
        return "outside"
    if start < first or end > last:
        return "partly"
    return None


def attributed_span(
    con: duckdb.DuckDBPyConnection, rulebook: str
) -> tuple[date | None, date | None]:
    """The first and last payment day with an attributed order under ``rulebook`` (None,
    None: nothing attributed under it yet)."""
    row = run_sql(con, SPAN, {"rulebook": rulebook}).fetchone()
    return (row[0], row[1]) if row else (None, None)


class AttributedDays:
    """A seeding answer over ``start``..``end`` that carries the payment days attributed under
    its rulebook in the whole warehouse, and so can say how its period meets them (the
    report, a shop's and a creator's answers)."""

    __slots__ = ()
    start: date
    end: date
    attributed_from: date | None
    attributed_through: date | None

    @property
    def coverage(self) -> str | None:
        """How the period meets the attributed payment days (:func:`coverage`)."""
        return coverage(self.start, self.end, self.attributed_from, self.attributed_through)


@dataclass(frozen=True, slots=True)
class SeedingDay:
    """One day of the report."""

    day: date
    creators_taking_part: int
    creators_paid: int
    videos_paid: int
    orders: int
    attributed_gmv_fen: int
    payout_fen: int
    clawback_fen: int


@dataclass(frozen=True, slots=True)
class SeedingReport(AttributedDays):
    """The report's figures for a period."""

    rulebook: str
    title: str
    start: date
    end: date
    days: tuple[SeedingDay, ...]
    creators_paid: int
    """Distinct creators paid over the period."""
    videos_paid: int
    published: tuple[tuple[str, int, str], ...]
    """The platform's own figures from the rulebook: (name, value, source)."""
    attributed_from: date | None = None
    """The first payment day with an attributed order under the rulebook, in the whole
    warehouse (None: nothing attributed under it yet)."""
    attributed_through: date | None = None
    """The last such day."""

    def coverage_note(self) -> str | None:
        """:attr:`coverage` in words (None: nothing to say)."""
        first, last, rulebook = self.attributed_from, self.attributed_through, self.rulebook
        period = f"{self.start}..{self.end}"
        notes = {
            "nothing": (
                f"no order has been attributed under {rulebook} in this warehouse yet, so "
                "every attributed figure reads 0; run `merchantry seeding run --from … --to …` "
                "first"
            ),
            "outside": (
                f"no order paid in {period} was attributed under {rulebook}: its attributed "
                f"orders were paid {first}..{last}, so every attributed figure of this period "
                "reads 0"
            ),
            "partly": (
                f"orders attributed under {rulebook} were paid {first}..{last}: the days of "
                f"{period} outside that have no attributed orders"
            ),
        }
        return notes.get(self.coverage or "")

    @property
    def creators_taking_part(self) -> int:
        return self.days[-1].creators_taking_part if self.days else 0

    @property
    def attributed_gmv_fen(self) -> int:
        return sum(d.attributed_gmv_fen for d in self.days)

    @property
    def payout_fen(self) -> int:
        return sum(d.payout_fen for d in self.days)

    @property
    def clawback_fen(self) -> int:
        return sum(d.clawback_fen for d in self.days)


def seeding_report(
    con: duckdb.DuckDBPyConnection, rules: SeedingRules, start: date, end: date
) -> SeedingReport:
    """The report's figures for ``start``..``end`` (run the seeding stage first)."""
    if end < start:
        raise InputError(f"period ends ({end}) before it starts ({start})")
    if not table_exists(con, "seeding_attributions"):
        raise NotFound(
            "this warehouse has no seeding attributions yet; run `merchantry seeding run "
            f"--from {start} --to {end}` first"
        )
    params = {"rulebook": rules.name, "start": start, "end": end}
    days = tuple(SeedingDay(**r) for r in records(con, DAILY, params))
    totals = run_sql(con, TOTALS, params).fetchone()
    first, last = attributed_span(con, rules.name)
    published = tuple(
        (name.removeprefix("published."), int(s.value), s.source)
        for name, s in rules.settings
        if name.startswith("published.")
    )
    return SeedingReport(
        rulebook=rules.name,
        title=rules.title,
        start=start,
        end=end,
        days=days,
        creators_paid=int(totals[0]) if totals else 0,
        videos_paid=int(totals[1]) if totals else 0,
        published=published,
        attributed_from=first,
        attributed_through=last,
    )


PUBLISHED_NAMES: Final = {
    "creators_joined": "参与创作者 Creators taking part",
    "creators_paid": "获得分成的创作者 Creators paid",
    "videos_paid": "获得分成的视频 Videos paid",
    "daily_search_gmv_fen": "每日看后搜成交额 Daily watch-then-search GMV",
}

DAY_COLUMNS: Final = (
    Column("day", "日期 Day"),
    Column("creators_taking_part", "参与创作者 Creators taking part", CellKind.COUNT),
    Column("creators_paid", "获得分成的创作者 Creators paid", CellKind.COUNT),
    Column("videos_paid", "获得分成的视频 Videos paid", CellKind.COUNT),
    Column("orders", "归因订单 Orders", CellKind.COUNT),
    Column("attributed_gmv_fen", "看后搜成交额 Attributed GMV", CellKind.MONEY),
    Column("payout_fen", "激励 Payouts", CellKind.MONEY),
    Column("clawback_fen", "追回 Clawbacks", CellKind.MONEY),
)


def _published_text(name: str, value: int) -> str:
    return format_fen(value) if name.endswith("_fen") else f"{value:,}"


def report_page(report: SeedingReport) -> Page:
    """The report as a page: headline figures, the daily chart and table, the method."""
    days = len(report.days) or 1
    headline = Metrics(
        (
            Metric("参与创作者 Creators taking part", f"{report.creators_taking_part:,}"),
            Metric("获得分成的创作者 Creators paid", f"{report.creators_paid:,}"),
            Metric("获得分成的视频 Videos paid", f"{report.videos_paid:,}"),
            Metric.money("看后搜成交额 Attributed GMV", report.attributed_gmv_fen),
            Metric.money(
                "日均 Per day", report.attributed_gmv_fen // days, note="整数分，向下取整 floor"
            ),
            Metric.money("激励 Payouts", report.payout_fen, favourable=False),
            Metric.money("追回 Clawbacks", report.clawback_fen),
        )
    )
    chart = bar_chart(
        "看后搜成交额（按支付日） Attributed GMV by payment day",
        [d.day.isoformat() for d in report.days],
        [d.attributed_gmv_fen for d in report.days],
        horizontal=False,
    )
    table = Table.from_records(
        "每日 By day",
        DAY_COLUMNS,
        [{**vars_of(d), "day": d.day.isoformat()} for d in report.days],
    )
    published = Paragraph(
        "平台公布（截至2025年底） The platform's own figures (end of 2025):",
        tuple(
            f"{PUBLISHED_NAMES.get(name, name)}: {_published_text(name, value)} ({source})"
            for name, value, source in report.published
        ),
    )
    method = Paragraph(
        "方法 Method: an order counts when its buyer watched the creator's video, then "
        "searched and clicked the product, then paid, inside the rulebook's windows; see "
        "docs/seeding.md."
    )
    return Page(
        title=f"种草激励 Creator seeding incentive — {report.title}",
        subtitle=f"{report.start} – {report.end}",
        meta=(("rulebook", report.rulebook), ("period", f"{report.start} – {report.end}")),
        sections=(
            Section("概览 Overview", (headline, published)),
            Section("每日 By day", (chart, table)),
            Section("方法 Method", (method,)),
        ),
    )


def vars_of(day: SeedingDay) -> dict[str, object]:
    """A day as a record for the table."""
    return {name: getattr(day, name) for name in SeedingDay.__slots__}


def write_report(report: SeedingReport, path: Path) -> Path:
    """Write the HTML page (plotly inline: one file that opens offline)."""
    return report_page(report).render(path)
