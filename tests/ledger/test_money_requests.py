"""A merchant's money requests through the command line: deposit standing, withdrawal of
the excess, what a return's shipping insurance pays, and who may switch the cover on."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import NotFound
from merchantry.service import money
from merchantry.store.warehouse import connect
from tests.ledger.factories import (
    HERE,
    add_category,
    add_event,
    add_order,
    add_shop,
    balance,
    close,
)

LEDGER = ("--rulebook", "ledger-test", "--dir", str(HERE))


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def excess(tmp_path: Path) -> Path:
    """S1 sold ¥60,000 in February (deposit ¥2,000 from 8 March), nothing in March
    (¥500 in force from 8 April): ¥1,500 of excess, closed to the end of April."""
    db = tmp_path / "w.duckdb"
    con = connect(db)
    add_category(con)
    add_shop(con)
    add_order(con, "O1", datetime(2026, 2, 2, 10), 6_000_000)
    add_event(con, "O1", "receipt_confirmed", datetime(2026, 2, 5, 9))
    for period in (
        (date(2026, 2, 1), date(2026, 2, 28)),
        (date(2026, 3, 1), date(2026, 3, 31)),
        (date(2026, 4, 1), date(2026, 4, 30)),
    ):
        close(con, *period)
    con.close()
    return db


def test_withdraw_at_most_the_excess_once_a_week(excess: Path) -> None:
    db = ("--db", str(excess))
    code, out = _run("deposit", "--shop", "S1", "--at", "2026-04-09", *LEDGER, *db)
    assert code == 0, out
    assert "deposit ¥2,000.00, in force ¥500.00, standing ok" in out

    withdraw = ("withdraw", "--shop", "S1", *LEDGER, *db)
    code, out = _run(*withdraw, "--amount-fen", "150001", "--on", "2026-04-09")
    assert code == 2, out
    assert "only 150000 fen" in out
    code, out = _run(*withdraw, "--amount-fen", "100000", "--on", "2026-04-09")  # Thursday
    assert code == 0, out
    assert "deposit now ¥1,000.00" in out
    code, out = _run(*withdraw, "--amount-fen", "1", "--on", "2026-04-12")  # same week
    assert code == 2, out
    assert "already withdrew" in out
    # each deposit type has its own weekly allowance (the account holds both)
    experience = ("--type", "experience")
    code, out = _run(*withdraw, "--amount-fen", "50000", "--on", "2026-04-12", *experience)
    assert code == 0, out
    assert "deposit now ¥500.00" in out
    code, out = _run(*withdraw, "--amount-fen", "1", "--on", "2026-04-13")  # next Monday
    assert code == 2, out
    assert "only 0 fen" in out
    code, out = _run("withdraw", "--shop", "S9", "--amount-fen", "1", "--on", "2026-04-13", *db)
    assert code == 3, out  # unknown shop
    code, out = _run(  # a score rulebook holds no deposit: it must not allow a withdrawal
        "withdraw", "--shop", "S1", "--amount-fen", "1", "--on", "2026-04-20",
        "--rulebook", "douyin-score-2026-07", *db,
    )  # fmt: skip
    assert code == 2, out
    assert "no deposit_tier or deposit_terms rule" in out

    con = connect(excess, read_only=True)
    try:
        assert balance(con, "merchant_deposit", "S1") == 50_000
        assert balance(con, "merchant_available", "S1") > 0
    finally:
        con.close()


def test_no_closed_ledger_is_not_an_empty_deposit(tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    add_category(con)
    add_shop(con)
    with pytest.raises(NotFound, match="not been closed"):
        money.standing(con, "S1", datetime(2026, 4, 1))
    con.close()


@pytest.fixture
def insured(tmp_path: Path) -> Path:
    """O1 (small-item insurance, bought by the merchant) shipped on 2026-03-02."""
    db = tmp_path / "w.duckdb"
    con = connect(db)
    add_category(con)
    add_shop(con)
    add_shop(con, "S2")
    con.execute("UPDATE shops SET business_mode = 'cross_border' WHERE shop_id = 'S2'")
    add_order(con, "O1", datetime(2026, 3, 2, 10), 10_000, insured_by="merchant")
    add_event(con, "O1", "shipped", datetime(2026, 3, 2, 18))
    con.close()
    return db


def test_insurance_quote_caps_the_claim_at_24_yuan_within_90_days(insured: Path) -> None:
    """Douyin small-item cover: up to ¥24, on returns asked within 90 days of shipment."""
    quote = ("insurance-quote", "--order", "O1", "--db", str(insured))
    code, out = _run(*quote, "--freight-fen", "2401", "--asked-at", "2026-03-10")
    assert code == 0, out
    assert "pays ¥24.00" in out
    assert "insurance.terms.small" in out
    code, out = _run(*quote, "--freight-fen", "2399", "--asked-at", "2026-03-10")
    assert "pays ¥23.99" in out, out
    code, out = _run(*quote, "--freight-fen", "1000", "--asked-at", "2026-05-31 23:00:00")
    assert "pays ¥10.00" in out, out  # day 90 after shipment
    code, out = _run(*quote, "--freight-fen", "1000", "--asked-at", "2026-06-01")
    assert "pays ¥0.00" in out, out  # day 91
    assert "91 days" in out
    code, out = _run("insurance-quote", "--order", "O9", "--freight-fen", "1", "--asked-at",
                     "2026-03-10", "--db", str(insured))  # fmt: skip
    assert code == 3, out


def test_insurance_eligibility_refuses_cross_border(insured: Path) -> None:
    common = ("--type", "small", "--joining", "2026-05-01", "--db", str(insured))
    code, out = _run("insurance-eligibility", "--shop", "S1", *common)
    assert code == 0, out
    assert "S1, small: eligible" in out
    code, out = _run("insurance-eligibility", "--shop", "S2", *common)
    assert code == 1, out
    assert "cross_border merchants cannot insure returns" in out
    code, out = _run("insurance-eligibility", "--shop", "S1", "--type", "huge", *common[2:])
    assert code == 2, out
