"""End to end through the CLI: `merchantry close` posts a deposit deduction, a reviewer
overturns the penalty case with `merchantry risk cases move … --to overturned`, the ledger
reverses it, and a later `merchantry close` (with refreshed fees) does not post it again."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.ledger import entry_id, logical_key
from merchantry.risk.access import Scope
from merchantry.risk.cases import CaseState, CaseSubject, get_case, open_case
from merchantry.risk.store import open_store
from merchantry.store.warehouse import connect
from tests.ledger.factories import HERE, TEST_RULEBOOK, add_category, add_shop, add_violation

CLOSE_MARCH = ("close", "--from", "2026-03-01", "--to", "2026-03-31")


def invoke(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    return result.output


def penalty_balance(db: Path) -> int:
    con = connect(db)
    try:
        row = con.execute(
            "SELECT coalesce(sum(amount_fen), 0) FROM journal_postings"
            " WHERE account = 'platform_penalties'"
        ).fetchone()
    finally:
        con.close()
    return int(row[0]) if row else 0


def test_an_overturned_penalty_is_reversed_and_stays_reversed(tmp_path: Path) -> None:
    db = tmp_path / "w.duckdb"
    con = connect(db)
    add_category(con)
    add_shop(con)
    add_violation(con, "V1", "S1", datetime(2026, 3, 15, 10))
    con.close()
    book = ("--rulebook", TEST_RULEBOOK, "--dir", str(HERE), "--db", str(db))
    invoke(*CLOSE_MARCH, *book)
    assert penalty_balance(db) == 30_000

    store = f"sqlite:///{tmp_path / 'risk.sqlite'}"
    deduction = entry_id(logical_key("deposit_deduction", "V1"))
    case = open_case(
        open_store(store),
        Scope.operator("ops"),
        CaseSubject.PENALTY,
        "V1",
        "S1",
        decision="deduct ¥300 (brushing)",
        reasons=["deposit.deduct"],
        amount_fen=30_000,
        at=datetime(2026, 3, 16, 9),
        ledger_entry_id=deduction,
    )
    move = ("risk", "cases", "move", case.case_id, "--store", store)
    invoke(*move, "--to", "under_review", "--note", "merchant appealed")
    out = invoke(*move, "--to", "overturned", "--note", "not brushing", "--db", str(db))

    assert f"{deduction} reversed by" in out
    assert penalty_balance(db) == 0
    reopened = get_case(open_store(store), Scope.operator("ops"), case.case_id)
    assert reopened.state is CaseState.OVERTURNED
    assert reopened.reversal_entry_id is not None

    again = invoke(*CLOSE_MARCH, *book, "--refresh-fees")

    assert "0 posted, 0 reversed" in " ".join(again.split())  # the title may wrap
    assert penalty_balance(db) == 0
    assert "journal sound" in invoke("ledger-check", "--db", str(db))
