"""Creator seeding payouts and clawbacks (种草激励), posted by the close.

The seeding stage writes ``seeding_payouts`` (what each creator is paid on a day under a
seeding rulebook) and ``seeding_clawbacks`` (payouts taken back because the order was
refunded after the payout); the ledger never imports it, they meet in those tables.

* ``seeding_payout`` (payout date), one entry per rulebook, creator and day: the seeding
  fund (``platform_subsidy``, party = the seeding rulebook) → ``creator_payable``.
* ``seeding_clawback`` (refund date), one entry per rulebook, creator and day: the
  creator's ``creator_payable`` → back to the fund.
* ``seeding_settlement`` (the rulebook's settlement day of the next month), one entry per
  rulebook, creator and month: the month's payouts less its clawbacks move from the
  creator's ``creator_payable`` to ``creator_available`` (the other way when negative).

Entries carry no order (the commission settlement sweeps ``creator_payable`` by order,
so it never moves them). Keys derive from rulebook, creator and date, so a second
close posts nothing and a changed payout is corrected by reversal and a new revision.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import duckdb

from merchantry.kit.errors import IntegrityError
from merchantry.kit.ids import stable_key
from merchantry.ledger.check import check_close, journal_mark
from merchantry.ledger.journal import CloseRef, PostResult, namespace, post_staged, start_stage
from merchantry.model.outputs import SEEDING_KEY_PREFIX
from merchantry.store.sql import run_sql
from merchantry.store.warehouse import table_exists, transaction

PAYOUT_KIND: Final = "seeding_payout"
CLAWBACK_KIND: Final = "seeding_clawback"
SETTLEMENT_KIND: Final = "seeding_settlement"
KINDS: Final = (PAYOUT_KIND, CLAWBACK_KIND, SETTLEMENT_KIND)

STAGE_PAYOUTS: Final = """
INSERT INTO ledger_stage
SELECT md5($ns || p.source_id), 'seeding_payout', p.source_id, NULL, NULL, p.pay_on,
       [ledger_leg('platform_subsidy', p.rulebook, -p.amount_fen, p.rule_id),
        ledger_leg('creator_payable', p.creator_id, p.amount_fen, p.rule_id)]
FROM (
  SELECT *, rulebook || '|' || creator_id || '|' || CAST(pay_on AS VARCHAR) AS source_id
  FROM seeding_payouts WHERE pay_on BETWEEN $start AND $end
) AS p
"""

STAGE_CLAWBACKS: Final = """
INSERT INTO ledger_stage
SELECT md5($ns || c.source_id), 'seeding_clawback', c.source_id, NULL, NULL, c.clawed_on,
       [ledger_leg('creator_payable', c.creator_id, -c.amount_fen, c.rule_id),
        ledger_leg('platform_subsidy', c.rulebook, c.amount_fen, c.rule_id)]
FROM (
  SELECT rulebook, creator_id, clawed_on, sum(amount_fen) AS amount_fen,
         min(rule_id) AS rule_id,
         rulebook || '|' || creator_id || '|' || CAST(clawed_on AS VARCHAR) AS source_id
  FROM seeding_clawbacks WHERE clawed_on BETWEEN $start AND $end
  GROUP BY rulebook, creator_id, clawed_on
) AS c
"""


STAGE_SETTLEMENTS: Final = """
INSERT INTO ledger_stage
SELECT md5($ns || s.source_id), 'seeding_settlement', s.source_id, NULL, NULL, s.settle_on,
       [ledger_leg('creator_payable', s.creator_id, -s.amount_fen, s.rule_id),
        ledger_leg('creator_available', s.creator_id, s.amount_fen, s.rule_id)]
FROM (
  SELECT *, rulebook || '|' || creator_id || '|' || strftime(month, '%Y-%m') AS source_id
  FROM seeding_settlements WHERE settle_on BETWEEN $start AND $end
) AS s
"""


def stage_seeding(con: duckdb.DuckDBPyConnection, start: date, end: date) -> None:
    """Stage the period's seeding payouts and clawbacks into ``ledger_stage``."""
    run_sql(con, STAGE_PAYOUTS, {"start": start, "end": end, "ns": namespace(PAYOUT_KIND)})
    run_sql(con, STAGE_CLAWBACKS, {"start": start, "end": end, "ns": namespace(CLAWBACK_KIND)})
    if table_exists(con, "seeding_settlements"):
        ns = namespace(SETTLEMENT_KIND)
        run_sql(con, STAGE_SETTLEMENTS, {"start": start, "end": end, "ns": ns})


def post_seeding(
    con: duckdb.DuckDBPyConnection, rulebook: str, start: date, end: date
) -> PostResult:
    """Post the period's seeding payouts and clawbacks on their own (``merchantry programs
    run``, the demo), under ``rulebook`` (the fee rulebook whose journal they join). Atomic
    and idempotent: the close of an overlapping period finds them posted and changes nothing
    (the keys are the same), and a second call posts nothing."""
    if not table_exists(con, "seeding_payouts"):
        return PostResult(posted=0, reversed=0, unchanged=0)
    # the prefix marks the entries as posted apart from a close (APART_KEY_PREFIXES)
    key = SEEDING_KEY_PREFIX + stable_key("seeding", rulebook, start.isoformat(), end.isoformat())
    with transaction(con):
        mark = journal_mark(con)
        start_stage(con)
        stage_seeding(con, start, end)
        result = post_staged(con, CloseRef(rulebook, key), kinds=KINDS, start=start, end=end)
        problems = check_close(con, mark, key)
        if problems:
            raise IntegrityError(
                "posting seeding payouts would leave the journal unsound, so nothing was "
                "posted: " + "; ".join(str(p) for p in problems)
            )
    return result
