"""The payout schedule's columns are listed once, in the ``order_payouts`` declaration."""

from __future__ import annotations

import sqlglot
import sqlglot.expressions as exp

from merchantry.ledger.settlement import SCHEDULE_AS_PAYOUT, WRITE_PAYOUTS
from merchantry.model.outputs import ORDER_PAYOUTS


def test_the_rewrite_reads_and_compares_exactly_the_declared_columns() -> None:
    create = sqlglot.parse_one(WRITE_PAYOUTS.split(";")[0], read="duckdb")
    changed = create.expression
    new_rows = changed.args["from_"].this.this  # the schedule's rows, as ``s``
    stored = changed.find(exp.Exists).this.args["from_"].this.this  # the stored rows, ``t``
    for side in (new_rows, stored):
        assert tuple(e.alias_or_name for e in side.expressions) == ORDER_PAYOUTS.column_names
    compared = [
        (c.this.name, c.expression.name) for c in changed.find(exp.Exists).find_all(exp.NullSafeEQ)
    ]
    assert sorted(compared) == sorted((n, n) for n in ORDER_PAYOUTS.column_names)


def test_renamed_columns_are_declared_ones() -> None:
    assert set(SCHEDULE_AS_PAYOUT) <= set(ORDER_PAYOUTS.column_names)
