"""Programme coupons spent: which coupon pays which spend, and what each has left at expiry.

A shop holds the coupons programmes granted it (``program_rewards``, every kind but cash) in
``program_coupons`` until they are used or expire. ``coupon_spends`` are its purchases and
bills payable with coupons of one kind. :func:`allocate` pays each spend, in time order, from
the shop's coupons of that kind that are valid that day (granted on or before it, expiring
after it), earliest expiry first (then earliest grant, then reward id), each up to what it
still holds; what no coupon covers is the merchant's own money and not posted here. The
allocation of a spend depends only on the grants and on the spends before it, so extending
the period never changes an earlier day's uses: a use is posted once.

Each use is a ``reward`` entry on the spend's day: the shop's ``program_coupons`` pays the
platform account whose bill the coupon settled (``platform_ads_revenue`` for traffic and
随心推 ad coupons, ``platform_fee_revenue`` for commission discounts and fee-waiver credit).
On the coupon's expiry day what it still holds goes back to ``platform_subsidy``
(``ledger/rewards.py``). So issued = redeemed + expired + outstanding, to the fen, per coupon.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

import duckdb
import pyarrow as pa

from merchantry.ledger.accounts import Account
from merchantry.store.sql import records
from merchantry.store.warehouse import table_exists

SPENDS_TABLE: Final = "coupon_spends"
USES_VIEW: Final = "ledger_coupon_uses"
"""The temporary relation :func:`register_uses` creates for the reward stage to read."""

ACCOUNT_BY_KIND: Final[dict[str, Account]] = {
    "traffic_coupon": Account.PLATFORM_ADS_REVENUE,
    "ad_coupon": Account.PLATFORM_ADS_REVENUE,
    "commission_discount": Account.PLATFORM_FEE_REVENUE,
    "fee_waiver": Account.PLATFORM_FEE_REVENUE,
}
"""Which platform account a redeemed coupon of each kind pays: the bill it settled."""


@dataclass(frozen=True, slots=True)
class Coupon:
    """A granted coupon, as the allocation sees it."""

    reward_id: str
    shop_id: str
    kind: str
    amount_fen: int
    granted_on: date
    expires_on: date


@dataclass(frozen=True, slots=True)
class Spend:
    """A purchase or bill payable with coupons of one kind."""

    spend_id: str
    shop_id: str
    kind: str
    spent_at: datetime
    amount_fen: int


@dataclass(frozen=True, slots=True)
class Use:
    """Part of a spend paid by one coupon."""

    reward_id: str
    spend_id: str
    shop_id: str
    kind: str
    used_on: date
    amount_fen: int


def allocate(coupons: Iterable[Coupon], spends: Iterable[Spend]) -> list[Use]:
    """Pay each spend from the coupons valid on its day, earliest expiry first."""
    held: dict[tuple[str, str], list[Coupon]] = defaultdict(list)
    for c in coupons:
        if c.amount_fen > 0:
            held[(c.shop_id, c.kind)].append(c)
    for group in held.values():
        group.sort(key=lambda c: (c.expires_on, c.granted_on, c.reward_id))
    left = {c.reward_id: c.amount_fen for group in held.values() for c in group}
    uses: list[Use] = []
    for s in sorted(spends, key=lambda s: (s.spent_at, s.spend_id)):
        day, due = s.spent_at.date(), s.amount_fen
        for c in held.get((s.shop_id, s.kind), ()):
            if due <= 0:
                break
            if not c.granted_on <= day < c.expires_on or left[c.reward_id] <= 0:
                continue
            take = min(due, left[c.reward_id])
            left[c.reward_id] -= take
            due -= take
            uses.append(Use(c.reward_id, s.spend_id, s.shop_id, s.kind, day, take))
    return uses


COUPONS_OF_SHOPS: Final = """
WITH shops AS (
  SELECT DISTINCT shop_id FROM program_rewards
  WHERE reward_kind <> 'cash' AND amount_fen > 0 AND granted_on <= $end AND expires_on >= $start
)
SELECT reward_id, shop_id, reward_kind AS kind, amount_fen, granted_on, expires_on
FROM program_rewards
WHERE reward_kind <> 'cash' AND amount_fen > 0 AND granted_on <= $end
  AND shop_id IN (SELECT shop_id FROM shops)
"""

SPENDS_OF_SHOPS: Final = """
SELECT spend_id, shop_id, coupon_kind AS kind, spent_at, amount_fen
FROM coupon_spends
WHERE CAST(spent_at AS DATE) <= $end AND shop_id IN (SELECT unnest($shops))
"""


def period_uses(con: duckdb.DuckDBPyConnection, start: date, end: date) -> list[Use]:
    """Every use, up to ``end``, of the coupons of shops that hold one live in the period
    (granted by its end, expiring on or after its start): their whole history, because an
    earlier spend decides what a coupon has left."""
    if not table_exists(con, "program_rewards") or not table_exists(con, SPENDS_TABLE):
        return []
    rows = records(con, COUPONS_OF_SHOPS, {"start": start, "end": end})
    coupons = [Coupon(**r) for r in rows]
    if not coupons:
        return []
    shops = sorted({c.shop_id for c in coupons})
    spends = [Spend(**r) for r in records(con, SPENDS_OF_SHOPS, {"end": end, "shops": shops})]
    return allocate(coupons, spends)


USES_SCHEMA: Final = pa.schema(
    [
        ("reward_id", pa.string()),
        ("spend_id", pa.string()),
        ("shop_id", pa.string()),
        ("account", pa.string()),
        ("used_on", pa.date32()),
        ("amount_fen", pa.int64()),
    ]
)


def register_uses(con: duckdb.DuckDBPyConnection, uses: Sequence[Use]) -> None:
    """Make ``uses`` readable as :data:`USES_VIEW` on ``con`` (until :func:`drop_uses`)."""
    table = pa.table(
        {
            "reward_id": [u.reward_id for u in uses],
            "spend_id": [u.spend_id for u in uses],
            "shop_id": [u.shop_id for u in uses],
            "account": [ACCOUNT_BY_KIND[u.kind].value for u in uses],
            "used_on": [u.used_on for u in uses],
            "amount_fen": [u.amount_fen for u in uses],
        },
        schema=USES_SCHEMA,
    )
    con.register(USES_VIEW, table)


def drop_uses(con: duckdb.DuckDBPyConnection) -> None:
    con.unregister(USES_VIEW)


@dataclass(frozen=True, slots=True)
class CouponLine:
    """One programme's coupons in the journal: issued = redeemed + expired + outstanding."""

    program: str
    coupons: int
    issued_fen: int
    redeemed_fen: int
    expired_fen: int

    @property
    def outstanding_fen(self) -> int:
        """Still held by shops (the ``program_coupons`` balance of the programme)."""
        return self.issued_fen - self.redeemed_fen - self.expired_fen


COUPON_REPORT: Final = """
WITH live AS (
  SELECT e.entry_id, e.source_id FROM journal_entries AS e
  WHERE e.kind = 'reward' AND e.booked_on <= $as_of
    AND e.entry_id NOT IN (SELECT reverses FROM journal_entries WHERE reverses IS NOT NULL)
), moves AS (
  SELECT split_part(l.source_id, ':', 1) AS reward_id,
         CASE WHEN l.source_id LIKE '%:use:%' THEN 'redeemed'
              WHEN l.source_id LIKE '%:expiry' THEN 'expired' ELSE 'issued' END AS what,
         p.amount_fen
  FROM live AS l JOIN journal_postings AS p USING (entry_id)
  WHERE p.account = $coupons
)
SELECT r.program, count(DISTINCT r.reward_id) FILTER (WHERE m.what = 'issued') AS coupons,
       coalesce(sum(m.amount_fen) FILTER (WHERE m.what = 'issued'), 0) AS issued_fen,
       coalesce(-sum(m.amount_fen) FILTER (WHERE m.what = 'redeemed'), 0) AS redeemed_fen,
       coalesce(-sum(m.amount_fen) FILTER (WHERE m.what = 'expired'), 0) AS expired_fen
FROM moves AS m JOIN program_rewards AS r USING (reward_id)
WHERE $shop IS NULL OR r.shop_id = $shop
GROUP BY r.program ORDER BY r.program
"""


def coupon_report(
    con: duckdb.DuckDBPyConnection, as_of: date = date.max, shop_id: str | None = None
) -> list[CouponLine]:
    """Per programme, its coupons issued, redeemed and expired as the journal has them on
    ``as_of`` (default: everything posted), of every shop or of ``shop_id``: sums of
    ``program_coupons`` postings."""
    if not all(table_exists(con, t) for t in ("journal_entries", "program_rewards")):
        return []
    params = {"as_of": as_of, "coupons": Account.PROGRAM_COUPONS.value, "shop": shop_id}
    found = records(con, COUPON_REPORT, params)
    return [
        CouponLine(
            str(r["program"]),
            int(r["coupons"]),
            int(r["issued_fen"]),
            int(r["redeemed_fen"]),
            int(r["expired_fen"]),
        )
        for r in found
    ]
