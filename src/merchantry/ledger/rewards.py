"""Programme rewards in the journal: coupons as a liability until they expire, cash paid out.

The programmes stage writes ``program_rewards`` (``reward_id``, ``shop_id``, ``reward_kind``,
``amount_fen``, ``rule_id``, ``granted_on``, ``expires_on``). Each granted reward is a
``reward`` entry on its grant day:

* cash: ``platform_subsidy`` → the shop's ``merchant_available`` (paid out with the rest of the
  shop's available money);
* a coupon (traffic coupon, 随心推 ad coupon, commission discount, fee-waiver credit):
  ``platform_subsidy`` → the shop's ``program_coupons``, what the platform owes in coupons not
  yet spent. Each spend the coupon pays (``coupon_spends``, allocated by
  :mod:`merchantry.ledger.coupons`) is a ``reward`` entry on the spend's day moving that part
  to the platform account whose bill it settled; on the coupon's expiry day a last ``reward``
  entry releases what it still holds back to ``platform_subsidy``.

A coupon-subsidy programme (the ¥10 bn plan) funds the platform coupons buyers redeem on
orders. The coupon itself reaches the merchant through the fee stage (its ``coupon_subsidy``
line: the general ``platform_subsidy`` → the merchant) and a refund claws it back the same
way; ``program_order_subsidies`` says how much of each order's coupon the programme pays.
Each charged order is a ``reward`` entry on its payment day moving that amount from the
programme's fund (``platform_subsidy``, party = the programme) to the general subsidy
account, and each refund entry that claws the order's coupon back returns the programme's
share of it (``claw × charged / coupon``, cumulative and floored, so partial refunds never
return more than was charged) on the refund's day. So the programme's fund balance is, to
the fen, what its budget paid for coupons that stood.

Logical keys hash the reward id (and ``expiry`` for the release, ``use`` and the spend id for
a use), or the programme and order
(and the refund entry's source for a return), so a re-run posts nothing and an edited reward
is reversed and re-posted by the journal's usual diff.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import duckdb

from merchantry.kit.errors import IntegrityError
from merchantry.kit.ids import stable_key
from merchantry.ledger.check import check_close, journal_mark
from merchantry.ledger.coupons import SPENDS_TABLE, drop_uses, period_uses, register_uses
from merchantry.ledger.journal import CloseRef, PostResult, namespace, post_staged, start_stage
from merchantry.model.outputs import REWARDS_KEY_PREFIX
from merchantry.store.sql import run_sql
from merchantry.store.warehouse import table_exists, transaction

REWARDS_TABLE: Final = "program_rewards"
SUBSIDIES_TABLE: Final = "program_order_subsidies"
REWARDS_POSTED: Final = (REWARDS_TABLE, SUBSIDIES_TABLE, SPENDS_TABLE)
"""What the reward postings read: the close declares them as its inputs."""
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
SELECT md5($ns || u.reward_id || ':use:' || u.spend_id), 'reward',
       u.reward_id || ':use:' || u.spend_id, NULL, u.shop_id, u.used_on,
       [ledger_leg($coupons, u.shop_id, -u.amount_fen, r.rule_id),
        ledger_leg(u.account, '', u.amount_fen, r.rule_id)]
FROM ledger_coupon_uses AS u JOIN program_rewards AS r USING (reward_id)
WHERE u.used_on BETWEEN $start AND $end;
INSERT INTO ledger_stage
SELECT md5($ns || r.reward_id || ':expiry'), 'reward', r.reward_id || ':expiry', NULL,
       r.shop_id, r.expires_on,
       [ledger_leg($coupons, r.shop_id, -(r.amount_fen - coalesce(u.used_fen, 0)), $release),
        ledger_leg('platform_subsidy', '', r.amount_fen - coalesce(u.used_fen, 0), $release)]
FROM program_rewards AS r
LEFT JOIN (SELECT reward_id, sum(amount_fen) AS used_fen FROM ledger_coupon_uses
           GROUP BY reward_id) AS u USING (reward_id)
WHERE r.reward_kind <> 'cash' AND r.expires_on BETWEEN $start AND $end AND r.amount_fen > 0
"""


STAGE_SUBSIDIES: Final = """
INSERT INTO ledger_stage
SELECT md5($ns || 'subsidy|' || s.program || '|' || s.order_id), 'reward',
       'subsidy|' || s.program || '|' || s.order_id, s.order_id, s.shop_id,
       CAST(s.paid_at AS DATE),
       [ledger_leg('platform_subsidy', s.program, -s.charged_fen, s.program || '.order_subsidy'),
        ledger_leg('platform_subsidy', '', s.charged_fen, s.program || '.order_subsidy')]
FROM program_order_subsidies AS s
WHERE s.charged_fen > 0 AND s.paid_at >= CAST($start AS TIMESTAMP)
  AND s.paid_at < CAST($end AS TIMESTAMP) + INTERVAL 1 DAY;
INSERT INTO ledger_stage
WITH claws AS (
  SELECT e.source_id, e.order_id, e.booked_on, sum(p.amount_fen) AS claw_fen
  FROM journal_entries AS e JOIN journal_postings AS p USING (entry_id)
  WHERE e.kind = 'refund' AND p.account = 'platform_subsidy'
    AND p.party = '' AND p.amount_fen > 0
    AND e.order_id IN (SELECT order_id FROM program_order_subsidies WHERE charged_fen > 0)
    AND e.entry_id NOT IN (SELECT reverses FROM journal_entries WHERE reverses IS NOT NULL)
  GROUP BY e.source_id, e.order_id, e.booked_on
), shares AS (
  SELECT s.program, s.shop_id, c.order_id, c.source_id, c.booked_on,
         least(s.charged_fen, (sum(c.claw_fen) OVER (
             PARTITION BY s.program, c.order_id ORDER BY c.booked_on, c.source_id
             ROWS UNBOUNDED PRECEDING)) * s.charged_fen // s.coupon_fen)
         - least(s.charged_fen, coalesce(sum(c.claw_fen) OVER (
             PARTITION BY s.program, c.order_id ORDER BY c.booked_on, c.source_id
             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)
           * s.charged_fen // s.coupon_fen) AS back_fen
  FROM claws AS c JOIN program_order_subsidies AS s USING (order_id)
  WHERE s.charged_fen > 0
)
SELECT md5($ns || 'subsidy-back|' || program || '|' || source_id), 'reward',
       'subsidy-back|' || program || '|' || source_id, order_id, shop_id, booked_on,
       [ledger_leg('platform_subsidy', '', -back_fen, program || '.order_subsidy'),
        ledger_leg('platform_subsidy', program, back_fen, program || '.order_subsidy')]
FROM shares WHERE back_fen > 0 AND booked_on BETWEEN $start AND $end
"""


def stage_rewards(con: duckdb.DuckDBPyConnection, start: date, end: date) -> bool:
    """Stage the period's grants, coupon expiries and coupon-subsidy charges (and their
    returns on refunds); False when there is no rewards table."""
    if not table_exists(con, REWARDS_TABLE):
        return False
    params = {
        "start": start,
        "end": end,
        "ns": namespace("reward"),
        "coupons": COUPON_ACCOUNT,
        "release": RELEASE_RULE,
    }
    register_uses(con, period_uses(con, start, end))
    try:
        run_sql(con, STAGE_REWARDS, params)
    finally:
        drop_uses(con)
    if table_exists(con, SUBSIDIES_TABLE) and table_exists(con, "journal_entries"):
        run_sql(con, STAGE_SUBSIDIES, params)
    return True


def post_rewards(
    con: duckdb.DuckDBPyConnection, rulebook: str, start: date, end: date
) -> PostResult:
    """Post the period's programme rewards on their own (``merchantry programs run``), under
    ``rulebook`` (the fee rulebook whose journal they join). Atomic and idempotent; the close
    of an overlapping period finds them posted and changes nothing."""
    # the prefix marks the entries as posted apart from a close (APART_KEY_PREFIXES)
    key = REWARDS_KEY_PREFIX + stable_key("rewards", rulebook, start.isoformat(), end.isoformat())
    with transaction(con):
        mark = journal_mark(con)
        start_stage(con)
        if not stage_rewards(con, start, end):
            return PostResult(posted=0, reversed=0, unchanged=0)
        result = post_staged(con, CloseRef(rulebook, key), kinds=("reward",), start=start, end=end)
        problems = check_close(con, mark, key)
        if problems:
            raise IntegrityError(
                "posting programme rewards would leave the journal unsound, so nothing was "
                "posted: " + "; ".join(str(p) for p in problems)
            )
    return result
