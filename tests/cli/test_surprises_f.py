"""Surprises an audit found, each through the real `merchantry` app on a small warehouse:
a listing approved for a shop that does not exist, an Excel file misread, programme rewards
granted after the data's last day, return diagnosis of a reversed period, a risk share out of
range, insurance paid for a claim before payment, and `diagnose reasons` overwriting its input."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from merchantry.kit.errors import ExitCode
from merchantry.store.warehouse import connect
from tests.cli.test_errors import db, refused, run
from tests.ledger.factories import add_event

__all__ = ["db"]  # the fixture, shared


# --- 1. the pre-publish check of a listing


def check(db: Path, *args: str) -> list[str]:
    return ["listings", "check", "--db", str(db), *args]


def test_a_listing_of_an_unknown_shop_is_refused_with_the_closest_ids(db: Path) -> None:
    refused(
        run(*check(db, "--shop", "S999999", "--title", "test")),
        ExitCode.NOT_FOUND,
        "no shop 'S999999'",
        "'S1'",
    )


def test_a_listing_without_a_title_is_refused(db: Path) -> None:
    refused(run(*check(db, "--shop", "S1", "--title", " ")), ExitCode.INPUT, "title is empty")


def test_a_listing_of_an_unknown_category_or_industry_is_refused(db: Path) -> None:
    refused(
        run(*check(db, "--shop", "S1", "--title", "t", "--category", "NOCAT")),
        ExitCode.INPUT,
        "category 'NOCAT'",
        "'C1'",
    )
    refused(
        run(*check(db, "--shop", "S1", "--title", "t", "--industry", "aparel")),
        ExitCode.INPUT,
        "did you mean 'apparel'",
    )
    refused(
        run(*check(db, "--shop", "S1", "--title", "t", "--category", "C1", "--industry", "food")),
        ExitCode.INPUT,
        "contradicts category 'C1'",
    )
    ok = run(*check(db, "--shop", "S1", "--title", "纯棉短袖T恤", "--category", "C1", "--json"))
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)["decision"] == "publish"


def test_a_prepublish_check_without_the_warehouse_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "none.duckdb"
    refused(
        run(*check(missing, "--shop", "S1", "--title", "t")), ExitCode.NOT_FOUND, "no warehouse"
    )


def test_a_sku_with_brackets_is_printed_as_written(db: Path) -> None:
    """Rich read `[/x]` in a finding's row as markup: it crashed (or `[b]` vanished)."""
    result = run(*check(db, "--shop", "S1", "--title", "全网最低价面霜", "--sku", "A[/x]B[b]"))
    refused(result, ExitCode.PROBLEMS_FOUND, "decision: block", "A[/x]B[b]")


# --- 2. a listings file


def test_a_listings_file_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffsku_id,shop_id,title,price_fen\nA,S1,纯棉短袖T恤,100\n".encode())
    result = run("listings", "check", str(path))
    assert result.exit_code == 0, result.output
    assert "1 listing(s) checked" in result.output


def test_a_missing_listings_file_is_not_found(tmp_path: Path) -> None:
    refused(
        run("listings", "check", str(tmp_path / "absent.csv")), ExitCode.NOT_FOUND, "absent.csv"
    )


# --- 4. diagnose returns


def returns(db: Path, *args: str) -> list[str]:
    return ["diagnose", "returns", "--shop", "S1", "--db", str(db), *args]


def test_return_diagnosis_of_a_reversed_period_is_refused(db: Path) -> None:
    refused(
        run(*returns(db, "--from", "2026-03-20", "--to", "2026-03-10")),
        ExitCode.INPUT,
        "--from 2026-03-20 is after --to 2026-03-10",
    )


def test_return_diagnosis_to_is_the_last_day_included(db: Path) -> None:
    """O1 was paid on 2026-03-02: `--to 2026-03-02` includes it (it was the day after)."""
    result = run(*returns(db, "--from", "2026-03-02", "--to", "2026-03-02"))
    assert result.exit_code == 0, result.output
    assert "orders paid 2026-03-02 – 2026-03-02: 1 orders" in " ".join(result.output.split())


def test_return_diagnosis_of_a_period_without_orders_says_so(db: Path) -> None:
    refused(
        run(*returns(db, "--from", "2026-04-01", "--to", "2026-04-10")),
        ExitCode.NOT_FOUND,
        "no order of shop S1 was paid 2026-04-01 – 2026-04-10",
        "paid from 2026-03-02 to 2026-03-02",
    )


def test_an_unknown_fees_rulebook_is_refused_not_ignored(db: Path) -> None:
    refused(
        run(*returns(db, "--fees-rulebook", "douyin-2062")),
        ExitCode.NOT_FOUND,
        "no rulebook 'douyin-2062'",
        "did you mean",
    )
    refused(
        run(*returns(db, "--fees-rulebook", "douyin-score-2026-07")),
        ExitCode.INPUT,
        "needs fees rules",
    )
    refused(
        run(*returns(db, "--fees-rulebook", "douyin-2026")),
        ExitCode.NOT_FOUND,
        "no fee lines of rulebook 'douyin-2026'",
    )


# --- 5. risk train


@pytest.mark.parametrize("share", ["1.5", "1", "0", "-0.2", "nan"])
def test_a_train_share_outside_0_to_1_is_refused_at_the_option(
    db: Path, tmp_path: Path, share: str
) -> None:
    """It reached the model's fit: exit 70 with scikit-learn's ValueError."""
    refused(
        run("risk", "train", "--truth", str(tmp_path), "--train-share", share, "--db", str(db)),
        ExitCode.INPUT,
        "--train-share",
        "is not a share of the window between 0 and 1",
    )


# --- 6. return-shipping insurance


@pytest.fixture
def insured(db: Path) -> Path:
    """O1 (paid 2026-03-02 10:00) carries small-item insurance and shipped at 18:00."""
    con = connect(db)
    con.execute("UPDATE orders SET insurance_type = 'small', insured_by = 'merchant'")
    add_event(con, "O1", "shipped", datetime(2026, 3, 2, 18))
    con.close()
    return db


def quote(db: Path, asked_at: str) -> list[str]:
    return ["insurance-quote", "--order", "O1", "--freight-fen", "1000", "--asked-at", asked_at,
            "--db", str(db)]  # fmt: skip


def test_insurance_does_not_pay_a_claim_asked_before_payment_or_shipment(insured: Path) -> None:
    refused(run(*quote(insured, "2026-03-01")), ExitCode.INPUT, "before the payment")
    refused(run(*quote(insured, "2026-03-02 12:00:00")), ExitCode.INPUT, "before the shipment")
    paid = run(*quote(insured, "2026-03-10"))
    assert paid.exit_code == 0, paid.output
    assert "pays ¥10.00" in paid.output


def test_insurance_eligibility_past_the_data_says_so(insured: Path) -> None:
    result = run("insurance-eligibility", "--shop", "S1", "--type", "small", "--joining",
                 "2036-10-20", "--db", str(insured))  # fmt: skip
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "warning: the window 2036-09-05 – 2036-10-04 lies wholly after" in text
    assert "the data's last day, 2026-03-02" in text


# --- 7. diagnose reasons


def reasons(source: Path, target: Path) -> list[str]:
    return ["diagnose", "reasons", "--in", str(source), "--out", str(target),
            "--text-column", "text"]  # fmt: skip


def test_reasons_refuses_to_write_over_its_input(tmp_path: Path) -> None:
    source = tmp_path / "x.csv"
    source.write_text("id,text\n1,尺码偏小\n", encoding="utf-8")
    before = source.read_bytes()
    refused(run(*reasons(source, source)), ExitCode.INPUT, "is the input file")
    (tmp_path / "sub").mkdir()
    refused(run(*reasons(source, tmp_path / "sub" / ".." / "x.csv")), ExitCode.INPUT, "input file")
    assert source.read_bytes() == before


def test_reasons_sets_a_row_longer_than_the_header_aside(tmp_path: Path) -> None:
    source = tmp_path / "x.csv"
    source.write_text("id,text\n1,尺码偏小\n2,颜色,不对\n3,质量差\n", encoding="utf-8")
    result = run(*reasons(source, tmp_path / "out.csv"))
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "2 rows" in text
    assert "1 row set aside" in text
    assert "x.csv:3" in text
    assert "long-row" in text
    written = (tmp_path / "out.csv").read_text(encoding="utf-8-sig").splitlines()
    assert len(written) == 3  # the header and the two rows classified


def test_reasons_of_a_header_without_rows_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "x.csv"
    source.write_text("id,text\n", encoding="utf-8")
    refused(run(*reasons(source, tmp_path / "out.csv")), ExitCode.INPUT, "no row to classify")
    assert not (tmp_path / "out.csv").exists()
