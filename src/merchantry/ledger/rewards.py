"""Programme rewards: a hook until the programmes stage writes its table.

When a ``program_rewards`` table exists (``reward_id``, ``shop_id``,
``amount_fen``, ``rule_id``, ``granted_on``), each reward granted in the period is
posted as a ``reward`` entry: ``platform_subsidy`` → the shop's
``merchant_available``. Without the table this step posts nothing.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import duckdb

from merchantry.ledger.journal import namespace
from merchantry.store.sql import run_sql
from merchantry.store.warehouse import table_exists

REWARDS_TABLE: Final = "program_rewards"

STAGE_REWARDS: Final = """
INSERT INTO ledger_stage
SELECT md5($ns || r.reward_id), 'reward', r.reward_id, NULL, r.shop_id, r.granted_on,
       [ledger_leg('platform_subsidy', '', -r.amount_fen, coalesce(r.rule_id, 'ledger.reward')),
        ledger_leg('merchant_available', r.shop_id, r.amount_fen,
                   coalesce(r.rule_id, 'ledger.reward'))]
FROM program_rewards AS r
WHERE r.granted_on BETWEEN $start AND $end
"""


def stage_rewards(con: duckdb.DuckDBPyConnection, start: date, end: date) -> bool:
    """Stage the period's rewards; False when there is no rewards table yet."""
    if not table_exists(con, REWARDS_TABLE):
        return False
    run_sql(con, STAGE_REWARDS, {"start": start, "end": end, "ns": namespace("reward")})
    return True
