"""The sale staged with only the charge kinds the period's lines hold equals the sale staged
with every kind joined, leg for leg, and the kinds left out are those no line has."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from merchantry.fees import run_rulebook
from merchantry.ledger import postings
from merchantry.ledger.journal import namespace, start_stage
from merchantry.ledger.settlement import build_schedule
from merchantry.store.sql import run_sql
from merchantry.store.warehouse import connect
from tests.ledger.bulk import fill
from tests.ledger.factories import ledger_rulebook

START, END = date(2026, 3, 1), date(2026, 3, 31)
STAGED = "SELECT logical_key, booked_on, CAST(legs AS VARCHAR) FROM ledger_stage ORDER BY 1"


def test_the_sale_with_the_kinds_held_equals_the_sale_with_every_kind(tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    fill(con, orders=240, shops=12)
    book = ledger_rulebook()
    run_rulebook(con, book, START, END)
    con.execute("BEGIN")
    build_schedule(con, book, END)
    postings.prepare(con)
    kinds = {"refund_kinds": list(postings.REFUND_FEE_KINDS)}
    period = {"start": START, "end": END}
    run_sql(con, postings.SALE_LINES, {**period, **kinds, "rulebook": book.name})
    held = {str(r[0]) for r in con.execute(postings.SALE_KINDS).fetchall()}
    present = tuple(k for k in postings.CHARGE_KINDS if k in held)
    assert present  # the rulebook charges fees on these orders
    assert len(present) < len(postings.CHARGE_KINDS)  # and some kinds are left out

    staged = []
    for kinds_joined in (postings.CHARGE_KINDS, present):
        start_stage(con)
        run_sql(con, postings.sales_sql(kinds_joined), {**period, "ns": namespace("sale")})
        staged.append(con.execute(STAGED).fetchall())
    assert len(staged[0]) == 240
    assert staged[1] == staged[0]
    # the sales carry fee legs besides the payment's two
    assert any(legs.count("rule_id") > 2 for _, _, legs in staged[0])
    con.execute("ROLLBACK")
