"""Brushing (刷单) on buyer behaviour logs: bursts of purchases without browsing.

A brushed order is bought, not shopped for: the account arrives by a link,
pays, and leaves. In a behaviour log (page views, favourites, carts, buys)
that shows as a *blind buy*, a purchase of an item the same account did not
view, favourite or put in its cart in the hours before, and brushing accounts
do many of them close together. Two signals, each a rulebook parameter:

* ``blind burst``: at least ``brushing_burst_buys`` blind buys within
  ``brushing_burst_minutes``;
* ``blind habit``: at least ``brushing_min_buys`` purchases of which at least
  ``brushing_blind_share_pct`` percent are blind.

An account is flagged when either holds; the result names which, with the
counts behind it. The log is any relation with ``user_id, item_id,
behavior ('pv' | 'fav' | 'cart' | 'buy'), happened_at (TIMESTAMP)``;
:func:`~merchantry.risk.behaviour_log.read_behaviour_log` reads Alibaba's public
UserBehavior CSV layout and its variants, and counts the lines it sets aside.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import duckdb

from merchantry.risk.behaviour_log import BEHAVIOURS, read_behaviour_log
from merchantry.risk.settings import RiskSettings
from merchantry.store.sql import fill_sql

__all__ = [
    "BEHAVIOURS",
    "BrushingAccount",
    "BrushingReport",
    "find_brushing",
    "judge",
    "read_behaviour_log",
    "read_tianchi_log",
]


@dataclass(frozen=True, slots=True)
class BrushingAccount:
    """One account's purchases and why it is (or is not) flagged."""

    user_id: str
    buys: int
    blind_buys: int
    max_blind_burst: int
    """Most blind buys inside one burst window."""
    flagged: bool
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BrushingReport:
    accounts: int
    """Accounts in the log."""
    buyers: int
    """Accounts with at least one purchase."""
    buys: int
    blind_buys: int
    flagged: tuple[BrushingAccount, ...]


read_tianchi_log: Final = read_behaviour_log
"""The older name of :func:`~merchantry.risk.behaviour_log.read_behaviour_log`."""


_ACCOUNTS = """
WITH log AS (SELECT user_id, item_id, behavior, happened_at FROM p_log),
buys AS (
    SELECT b.user_id, b.item_id, b.happened_at, row_number() OVER () AS buy_no FROM log AS b
    WHERE b.behavior = 'buy'
),
viewed AS (
    SELECT DISTINCT b.buy_no FROM buys AS b JOIN log AS v
      ON v.user_id = b.user_id AND v.item_id = b.item_id AND v.behavior <> 'buy'
     AND v.happened_at <= b.happened_at
     AND v.happened_at >= b.happened_at - to_hours($lookback_hours)
),
marked AS (
    SELECT b.*, b.buy_no NOT IN (SELECT buy_no FROM viewed) AS blind FROM buys AS b
),
bursts AS (
    SELECT user_id, count(*) OVER (
        PARTITION BY user_id ORDER BY happened_at
        RANGE BETWEEN to_minutes($burst_minutes) PRECEDING AND CURRENT ROW
    ) AS in_window
    FROM marked WHERE blind
),
per_user AS (
    SELECT user_id, count(*) AS buys, count(*) FILTER (WHERE blind) AS blind_buys
    FROM marked GROUP BY user_id
)
SELECT p.user_id, p.buys, p.blind_buys, COALESCE(max(b.in_window), 0) AS max_burst
FROM per_user AS p LEFT JOIN bursts AS b USING (user_id)
GROUP BY p.user_id, p.buys, p.blind_buys
ORDER BY p.user_id
"""


def find_brushing(
    con: duckdb.DuckDBPyConnection, settings: RiskSettings, *, log: str = "_behaviour"
) -> BrushingReport:
    """Each buying account's blind buys and bursts, and the accounts flagged, with why."""
    rows = con.execute(
        fill_sql(_ACCOUNTS, p_log=log),
        {
            "lookback_hours": settings.brushing_lookback_hours,
            "burst_minutes": settings.brushing_burst_minutes,
        },
    ).fetchall()
    count_users = fill_sql("SELECT count(DISTINCT user_id) FROM p_log", p_log=log)
    totals = con.execute(count_users).fetchone()
    flagged: list[BrushingAccount] = []
    buys = blind = 0
    for user, n_buys, n_blind, burst in rows:
        buys += int(n_buys)
        blind += int(n_blind)
        account = judge(str(user), int(n_buys), int(n_blind), int(burst), settings)
        if account.flagged:
            flagged.append(account)
    return BrushingReport(int(totals[0]) if totals else 0, len(rows), buys, blind, tuple(flagged))


def judge(
    user_id: str, buys: int, blind_buys: int, max_burst: int, settings: RiskSettings
) -> BrushingAccount:
    """Apply the two brushing signals to one account's counts."""
    reasons: list[str] = []
    if max_burst >= settings.brushing_burst_buys:
        reasons.append(
            f"blind burst: {max_burst} purchases of items not viewed, favourited or carted "
            f"before, within {settings.brushing_burst_minutes} min "
            f"(threshold {settings.brushing_burst_buys})"
        )
    if buys >= settings.brushing_min_buys and (
        blind_buys * 100 >= settings.brushing_blind_share_pct * buys
    ):
        reasons.append(
            f"blind habit: {blind_buys} of {buys} purchases of items not viewed, favourited or "
            f"carted in the {settings.brushing_lookback_hours} h before "
            f"(threshold {settings.brushing_blind_share_pct}% of at least "
            f"{settings.brushing_min_buys})"
        )
    return BrushingAccount(user_id, buys, blind_buys, max_burst, bool(reasons), tuple(reasons))
