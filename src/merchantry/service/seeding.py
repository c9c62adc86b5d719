"""Creator seeding (种草激励) as use cases: what creators brought one shop, and the
platform's daily report. Shared by the API and the console.

A shop does not pay the incentive (the platform's seeding fund does), but a merchant wants to
know which creators' videos led buyers to search for its goods and buy them, how much of its
GMV that is, and what those creators earned for it. :func:`shop_seeding` answers that from
``seeding_attributions`` and ``seeding_clawbacks``; :func:`seeding_overview` is the
operator's daily report (:mod:`merchantry.seeding.report`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.errors import InputError, NotFound
from merchantry.seeding.report import (
    AttributedDays,
    SeedingReport,
    attributed_span,
    attributed_totals,
    seeding_report,
)
from merchantry.seeding.rules import DEFAULT_RULEBOOK, load_rules
from merchantry.store.sql import col, records
from merchantry.store.warehouse import table_exists

CREATORS: Final = attributed_totals(
    "shop_id",
    ("creator_id",),
    exp.cast(exp.Count(this=exp.Distinct(expressions=[col("video_id")])), "BIGINT").as_("videos"),
)

RECENT: Final = """
SELECT order_id, video_id, creator_id, sku_id, paid_on, viewed_at, searched_at, videos,
       share_bp, attributed_gmv_fen, payout_fen, pay_on, status, refunded_on, rule_id
FROM seeding_attributions
WHERE rulebook = $rulebook AND shop_id = $shop AND paid_on BETWEEN $start AND $end
ORDER BY paid_at DESC, order_id, video_id
LIMIT $limit
"""


@dataclass(frozen=True, slots=True)
class CreatorLine:
    """One creator's part in a shop's sales over the period."""

    creator_id: str
    videos: int
    orders: int
    """Attributed orders that stand (dropped refunds excluded)."""
    dropped_orders: int
    """Attributed orders refunded before the payout: nothing paid."""
    attributed_gmv_fen: int
    payout_fen: int
    """What the creator earned for this shop's orders (after caps)."""
    clawback_fen: int
    """Of which taken back because the order was refunded after the payout."""


@dataclass(frozen=True, slots=True)
class AttributionLine:
    """One attributed order and video."""

    order_id: str
    video_id: str
    creator_id: str
    sku_id: str
    paid_on: date
    videos: int
    share_bp: int
    attributed_gmv_fen: int
    payout_fen: int
    pay_on: date
    status: str
    refunded_on: date | None
    rule_id: str


@dataclass(frozen=True, slots=True)
class ShopSeeding(AttributedDays):
    """What creators' videos brought one shop over ``start``..``end`` (payment days)."""

    shop_id: str
    rulebook: str
    start: date
    end: date
    creators: tuple[CreatorLine, ...]
    recent: tuple[AttributionLine, ...]
    attributed_from: date | None = None
    """The first payment day with an attributed order under the rulebook, any shop's (None:
    nothing attributed under it yet): the days the seeding stage has covered begin here."""
    attributed_through: date | None = None
    """The last such day."""

    @property
    def orders(self) -> int:
        return sum(c.orders for c in self.creators)

    @property
    def attributed_gmv_fen(self) -> int:
        return sum(c.attributed_gmv_fen for c in self.creators)

    @property
    def payout_fen(self) -> int:
        return sum(c.payout_fen for c in self.creators)

    @property
    def clawback_fen(self) -> int:
        return sum(c.clawback_fen for c in self.creators)


def _require_run(con: duckdb.DuckDBPyConnection) -> None:
    if not table_exists(con, "seeding_attributions"):
        raise NotFound(
            "this warehouse has no seeding attributions yet; run `merchantry seeding run "
            "--from D --to D` (or `merchantry programs run`) first"
        )


MAX_REPORT_DAYS: Final = 3660
"""The longest period the daily report answers (one row a day: 0001-01-01..9999-12-31 made
3.65 M rows, 5 GB and 52 s of one API worker)."""


def seeding_period(
    con: duckdb.DuckDBPyConnection, rulebook: str, start: date | None, end: date | None
) -> tuple[date, date, date | None, date | None]:
    """The period asked for, a missing end taken from the days attributed under
    ``rulebook``, and those days (first, last). Refuses a warehouse the seeding stage never
    ran on, a default end when nothing is attributed yet, and a reversed period."""
    _require_run(con)
    first, last = attributed_span(con, rulebook)
    if start is None or end is None:
        if first is None or last is None:
            raise NotFound(f"no seeding attributions under {rulebook!r} in this warehouse")
        start, end = start or first, end or last
    if end < start:
        raise InputError(f"period ends ({end}) before it starts ({start})")
    return start, end, first, last


def shop_seeding(
    con: duckdb.DuckDBPyConnection,
    shop_id: str,
    *,
    rulebook: str = DEFAULT_RULEBOOK,
    start: date | None = None,
    end: date | None = None,
    limit: int = 50,
) -> ShopSeeding:
    """The creators behind ``shop_id``'s attributed orders (default period: every attributed
    payment day), with its latest ``limit`` attributions. Refuses an unknown shop, a
    warehouse the seeding stage never ran on and a reversed period."""
    if not con.execute("SELECT 1 FROM shops WHERE shop_id = ?", [shop_id]).fetchone():
        raise NotFound(f"no shop {shop_id!r} in the warehouse")
    load_rules(rulebook)  # an unknown rulebook is refused with the shipped names
    start, end, first, last = seeding_period(con, rulebook, start, end)
    params = {"rulebook": rulebook, "start": start, "end": end}
    totals = records(con, CREATORS, {**params, "owner": shop_id})
    creators = tuple(CreatorLine(**r) for r in totals)
    recent = tuple(
        AttributionLine(
            order_id=str(r["order_id"]),
            video_id=str(r["video_id"]),
            creator_id=str(r["creator_id"]),
            sku_id=str(r["sku_id"]),
            paid_on=r["paid_on"],
            videos=int(r["videos"]),
            share_bp=int(r["share_bp"]),
            attributed_gmv_fen=int(r["attributed_gmv_fen"]),
            payout_fen=int(r["payout_fen"]),
            pay_on=r["pay_on"],
            status=str(r["status"]),
            refunded_on=r["refunded_on"],
            rule_id=str(r["rule_id"]),
        )
        for r in records(con, RECENT, {**params, "shop": shop_id, "limit": limit})
    )
    return ShopSeeding(shop_id, rulebook, start, end, creators, recent, first, last)


def seeding_overview(
    con: duckdb.DuckDBPyConnection,
    *,
    rulebook: str = DEFAULT_RULEBOOK,
    start: date | None = None,
    end: date | None = None,
) -> SeedingReport:
    """The platform's daily seeding report (default period: every attributed payment day)."""
    rules = load_rules(rulebook)
    start, end, _, _ = seeding_period(con, rules.name, start, end)
    days = (end - start).days + 1
    if days > MAX_REPORT_DAYS:
        raise InputError(
            f"the period {start}..{end} is {days:,} days; the report has a row for every "
            f"day, so ask for at most {MAX_REPORT_DAYS:,} days (about ten years) at a time"
        )
    return seeding_report(con, rules, start, end)
