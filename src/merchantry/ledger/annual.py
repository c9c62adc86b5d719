"""Annual fees (年费): a yearly charge some categories still pay (Tmall: vehicle dealers and
cars ¥100,000, real estate ¥30,000; docs/sources.md#tb-software-fee).

The first ``annual_fee`` rule whose condition holds for the shop (shop facts, main category as
``category.*``) sets the amount. It is booked once per shop and calendar year, on 1 January or
on the day the shop opened if later (``annual_fee``: shop available → ``platform_fee_revenue``),
when that day falls in the closed period. The booking day and the absence of proration for a
shop opening mid-year are assumptions: the rule gives the amounts only.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import duckdb

from merchantry.ledger.facts import RuleSet, select_rules, shop_facts
from merchantry.ledger.journal import (
    EMPTY,
    CloseRef,
    PostResult,
    namespace,
    post_staged,
    run_sql,
    start_stage,
)
from merchantry.rulebook.model import Rulebook

STAGE_ANNUAL: Final = """
INSERT INTO ledger_stage
SELECT md5($ns || a.shop_shop_id || '|' || $year), 'annual_fee',
       a.shop_shop_id || '|' || $year, NULL, a.shop_shop_id, a.charge_on,
       [ledger_leg('merchant_available', a.shop_shop_id, -a.amount_fen, a.rule_id),
        ledger_leg('platform_fee_revenue', '', a.amount_fen, a.rule_id)]
FROM (
  SELECT r.*, greatest(CAST($new_year AS DATE), s.opened_date) AS charge_on
  FROM ledger_annual AS r JOIN shops AS s ON s.shop_id = r.shop_shop_id
) AS a
WHERE a.rule_id IS NOT NULL AND a.amount_fen > 0
  AND a.charge_on BETWEEN $start AND $end AND year(a.charge_on) = $year
"""


def post_annual_fees(
    con: duckdb.DuckDBPyConnection, book: Rulebook, start: date, end: date, close_key: str
) -> PostResult:
    """Each year's annual fee of every shop a rule charges, booked inside ``start``..``end``."""
    fees = RuleSet.of(book, "annual_fee")
    if not fees.rules:
        return EMPTY
    ref = CloseRef(book.name, close_key)
    result = EMPTY
    for year in range(start.year, end.year + 1):
        new_year = date(year, 1, 1)
        shop_facts(con, max(new_year, start))
        con.execute(
            select_rules(
                "ledger_shop_facts",
                ("shop_shop_id",),
                (
                    ("amount_fen", fees.int_field("amount_fen")),
                    ("rule_id", fees.rule_id()),
                ),
                "ledger_annual",
            )
        )
        start_stage(con)
        params = {
            "ns": namespace("annual_fee"),
            "year": year,
            "new_year": new_year,
            "start": start,
            "end": end,
        }
        run_sql(con, STAGE_ANNUAL, params)
        result += post_staged(con, ref, kinds=("annual_fee",), start=start, end=end)
    return result
