"""The fee stage: a rulebook compiled to one set-based DuckDB query.

Data flow: orders (+ shops, categories, creators, after-sales, logistics) ->
fact relation (:mod:`merchantry.rulebook.facts`) -> compiled rule steps (:mod:`query`) ->
``fee_lines`` (one line per order and fee kind) and ``rulebook_rules`` (labels)
-> statements (:mod:`statement`), the ledger and the simulator.
"""

from merchantry.fees.engine import (
    FeeRunSummary,
    KindTotal,
    compute_fees,
    fee_lines_sql,
    run_rulebook,
)
from merchantry.fees.statement import FeeStatement, StatementLine, fee_statement

__all__ = [
    "FeeRunSummary",
    "FeeStatement",
    "KindTotal",
    "StatementLine",
    "compute_fees",
    "fee_lines_sql",
    "fee_statement",
    "run_rulebook",
]
