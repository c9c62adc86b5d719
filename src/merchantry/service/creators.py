"""A creator's own view (达人): what their videos earned under the seeding incentive, when it
settles, and their commission accounts in the journal. Shared by the API and the console.

:func:`creator_seeding` reads ``seeding_attributions`` (per video: orders that stand, orders
dropped because refunded before the payout, attributed GMV, payouts and what later refunds
clawed back), ``seeding_settlements`` (each month's net payouts and the day they move from
payable to available, ``settled`` once that day is within the data) and the creator's
balances in the journal (``creator_payable``, ``creator_available``, ``creator_reserve``,
``creator_frozen``: affiliate commission and seeding payouts alike) as of the warehouse's
last order day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Final

import duckdb

from merchantry.kit.errors import NotFound
from merchantry.seeding.report import AttributedDays, attributed_totals
from merchantry.seeding.rules import DEFAULT_RULEBOOK, load_rules
from merchantry.service.seeding import seeding_period
from merchantry.store.sql import records
from merchantry.store.warehouse import table_exists

CREATOR_ACCOUNTS: Final = (
    "creator_payable",
    "creator_available",
    "creator_reserve",
    "creator_frozen",
)

VIDEOS: Final = attributed_totals("creator_id", ("video_id", "shop_id"))

SETTLEMENTS: Final = """
SELECT month, settle_on, payout_fen, clawback_fen, amount_fen
FROM seeding_settlements
WHERE rulebook = $rulebook AND creator_id = $creator
ORDER BY month
"""

KNOWN_CREATOR: Final = """
SELECT 1 FROM creators WHERE creator_id = $1
UNION ALL SELECT 1 FROM creator_videos WHERE creator_id = $1
LIMIT 1
"""

AS_OF: Final = "SELECT max(CAST(paid_at AS DATE)) FROM orders"

BALANCES: Final = """
SELECT p.account, sum(p.amount_fen) AS balance
FROM journal_postings AS p JOIN journal_entries AS e USING (entry_id)
WHERE p.party = $creator AND list_contains($accounts, p.account) AND e.booked_on <= $as_of
GROUP BY p.account
"""


@dataclass(frozen=True, slots=True)
class VideoLine:
    """One video's part in the creator's incentive over the period."""

    video_id: str
    shop_id: str
    orders: int
    dropped_orders: int
    attributed_gmv_fen: int
    payout_fen: int
    clawback_fen: int


@dataclass(frozen=True, slots=True)
class SettlementLine:
    """One month's seeding payouts, net of clawbacks, and when they settle."""

    month: date
    settle_on: date
    payout_fen: int
    clawback_fen: int
    amount_fen: int
    status: str
    """``settled`` when ``settle_on`` is on or before the data's last day, else ``scheduled``."""


@dataclass(frozen=True, slots=True)
class CreatorSeeding(AttributedDays):
    creator_id: str
    rulebook: str
    start: date
    end: date
    as_of: date
    videos: tuple[VideoLine, ...]
    settlements: tuple[SettlementLine, ...]
    balances: tuple[tuple[str, int], ...]
    """Each creator account and its balance on ``as_of`` (every account listed, 0 too)."""
    attributed_from: date | None = None
    """The first payment day with an attributed order under the rulebook, any creator's: the
    days the seeding stage has covered begin here."""
    attributed_through: date | None = None
    """The last such day."""

    @property
    def orders(self) -> int:
        return sum(v.orders for v in self.videos)

    @property
    def attributed_gmv_fen(self) -> int:
        return sum(v.attributed_gmv_fen for v in self.videos)

    @property
    def payout_fen(self) -> int:
        return sum(v.payout_fen for v in self.videos)

    @property
    def clawback_fen(self) -> int:
        return sum(v.clawback_fen for v in self.videos)


def require_known(con: duckdb.DuckDBPyConnection, creator_id: str) -> None:
    """Refuse (404) a creator the warehouse has neither in ``creators`` nor as a video's."""
    if not con.execute(KNOWN_CREATOR, [creator_id]).fetchone():
        raise NotFound(f"no creator {creator_id!r} in the warehouse")


def creator_seeding(
    con: duckdb.DuckDBPyConnection,
    creator_id: str,
    *,
    rulebook: str = DEFAULT_RULEBOOK,
    start: date | None = None,
    end: date | None = None,
) -> CreatorSeeding:
    """``creator_id``'s seeding incentive over the payment days ``start``..``end`` (default:
    every attributed day), its settlements and its commission balances. Refuses an unknown
    creator or rulebook and a warehouse the seeding stage never ran on."""
    require_known(con, creator_id)
    rules = load_rules(rulebook)
    start, end, first, last = seeding_period(con, rules.name, start, end)
    params = {"rulebook": rules.name, "owner": creator_id, "start": start, "end": end}
    videos = tuple(VideoLine(**r) for r in records(con, VIDEOS, params))
    row = con.execute(AS_OF).fetchone()
    as_of = row[0] if row and row[0] else end
    settled = (
        records(con, SETTLEMENTS, {"rulebook": rules.name, "creator": creator_id})
        if table_exists(con, "seeding_settlements")
        else []
    )
    settlements = tuple(
        SettlementLine(**r, status="settled" if r["settle_on"] <= as_of else "scheduled")
        for r in settled
    )
    found: dict[str, int] = {}
    if table_exists(con, "journal_postings"):
        found = {
            str(r["account"]): int(r["balance"])
            for r in records(
                con,
                BALANCES,
                {"creator": creator_id, "accounts": list(CREATOR_ACCOUNTS), "as_of": as_of},
            )
        }
    balances = tuple((a, found.get(a, 0)) for a in CREATOR_ACCOUNTS)
    return CreatorSeeding(
        creator_id, rules.name, start, end, as_of, videos, settlements, balances, first, last
    )
