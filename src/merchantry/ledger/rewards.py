"""Programme rewards in the journal: coupons as a liability until they expire, cash paid out.

The programmes stage writes ``program_rewards`` (``reward_id``, ``shop_id``, ``reward_kind``,
``amount_fen``, ``rule_id``, ``granted_on``, ``expires_on``). Each granted reward is a
``reward`` entry on its grant day:

* cash: ``platform_subsidy`` → the shop's ``merchant_available`` (paid out with the rest of the
  shop's available money);
* a coupon (traffic coupon, 随心推 ad coupon, commission discount, fee-waiver credit):
  ``platform_subsidy`` → the shop's ``program_coupons``, what the platform owes in coupons not
  yet spent. On the coupon's expiry day a second ``reward`` entry releases what is left back to
  ``platform_subsidy``. The data model has no coupon-redemption events yet, so the whole amount
  is released; when redemptions arrive they will move the spent part out first.

Logical keys hash the reward id (and ``expiry`` for the release), so a re-run posts nothing
and an edited reward is reversed and re-posted by the journal's usual diff.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import duckdb

from merchantry.kit.errors import IntegrityError
from merchantry.kit.ids import stable_key
from merchantry.ledger.check import check_close
from merchantry.ledger.journal import CloseRef, PostResult, namespace, post_staged, start_stage
from merchantry.store.sql import run_sql
from merchantry.store.warehouse import table_exists, transaction

REWARDS_TABLE: Final = "program_rewards"
COUPON_ACCOUNT: Final = "program_coupons"
RELEASE_RULE: Final = "ledger.reward_expiry"

STAGE_REWARDS: Final = """
INSERT INTO ledger_stage
SELECT md5($ns || r.reward_id), 'reward', r.reward_id, NULL, r.shop_id, r.granted_on,
       [ledger_leg('platform_subsidy', '', -r.amount_fen, r.rule_id),
        ledger_leg(CASE WHEN r.reward_kind = 'cash' THEN 'merchant_available'
                        ELSE $coupons END, r.shop_id, r.amount_fen, r.rule_id)]
FROM program_rewards AS r
WHERE r.granted_on BETWEEN $start AND $end AND r.amount_fen > 0;
INSERT INTO ledger_stage
SELECT md5($ns || r.reward_id || ':expiry'), 'reward', r.reward_id || ':expiry', NULL,
       r.shop_id, r.expires_on,
       [ledger_leg($coupons, r.shop_id, -r.amount_fen, $release),
        ledger_leg('platform_subsidy', '', r.amount_fen, $release)]
FROM program_rewards AS r
WHERE r.reward_kind <> 'cash' AND r.expires_on BETWEEN $start AND $end AND r.amount_fen > 0
"""


def stage_rewards(con: duckdb.DuckDBPyConnection, start: date, end: date) -> bool:
    """Stage the period's grants and coupon expiries; False when there is no rewards table."""
    if not table_exists(con, REWARDS_TABLE):
        return False
    params = {
        "start": start,
        "end": end,
        "ns": namespace("reward"),
        "coupons": COUPON_ACCOUNT,
        "release": RELEASE_RULE,
    }
    run_sql(con, STAGE_REWARDS, params)
    return True


def post_rewards(
    con: duckdb.DuckDBPyConnection, rulebook: str, start: date, end: date
) -> PostResult:
    """Post the period's programme rewards on their own (``merchantry programs run``), under
    ``rulebook`` (the fee rulebook whose journal they join). Atomic and idempotent; the close
    of an overlapping period finds them posted and changes nothing."""
    key = stable_key("rewards", rulebook, start.isoformat(), end.isoformat())
    with transaction(con):
        start_stage(con)
        if not stage_rewards(con, start, end):
            return PostResult(posted=0, reversed=0, unchanged=0)
        result = post_staged(con, CloseRef(rulebook, key), kinds=("reward",), start=start, end=end)
        problems = check_close(con, key)
        if problems:
            raise IntegrityError(
                "posting programme rewards would leave the journal unsound, so nothing was "
                "posted: " + "; ".join(str(p) for p in problems)
            )
    return result
