"""The payout schedule's columns are listed once, in the ``order_payouts`` declaration."""

from __future__ import annotations

import sqlglot
import sqlglot.expressions as exp

from merchantry.ledger.settlement import SCHEDULE_AS_PAYOUT, WRITE_PAYOUTS
from merchantry.model.outputs import ORDER_PAYOUTS


def test_the_rewrite_reads_and_compares_exactly_the_declared_columns() -> None:
    create = sqlglot.parse_one(WRITE_PAYOUTS.split(";")[0], read="duckdb")
    changed = create.expression
    assert isinstance(changed, exp.Except)
    for side in (changed.this, changed.expression):
        assert tuple(e.alias_or_name for e in side.expressions) == ORDER_PAYOUTS.column_names


def test_renamed_columns_are_declared_ones() -> None:
    assert set(SCHEDULE_AS_PAYOUT) <= set(ORDER_PAYOUTS.column_names)
