"""`merchantry programs run | status | check` through the real command line."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import MerchantryError
from tests.programs.factories import insert, orders, shop, signup


def invoke(*args: str, code: int = 0) -> str:
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "220"})
    output, exit_code = result.output, result.exit_code
    if isinstance(result.exception, MerchantryError):
        output, exit_code = f"{output}error: {result.exception}", result.exception.exit_code
    assert exit_code == code, output
    return output


def test_run_then_status_then_run_again(con: duckdb.DuckDBPyConnection, tmp_path: Path) -> None:
    shop(con, "BELT", opened=date(2025, 1, 1), tags=("industry_belt",))
    signup(con, "BELT", "douyin-2026-industry-belts", date(2026, 3, 1))
    orders(con, "BELT", date(2026, 3, 2), 20, scene="live", shipped_after_hours=5)
    db = str(tmp_path / "w.duckdb")
    con.close()
    out = invoke(
        "programs",
        "run",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--db",
        db,
        "--program",
        "douyin-2026-industry-belts",
    )
    assert "programs:douyin-2026-industry-belts" in out
    assert "reward postings for rewards granted 2026-03-01..2026-03-31: 2 posted" in out
    status = invoke("programs", "status", "--shop", "BELT", "--db", db)
    assert "县域产业带与特色产业扶持" in status
    assert "已完成 / Completed 2026-03-02" in status
    assert "granted 已发 ¥800.00" in status
    assert "your budget left 个人额度剩余 ¥0.00" in status
    again = invoke(
        "programs",
        "run",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--db",
        db,
        "--program",
        "douyin-2026-industry-belts",
    )
    assert "skipped" in again
    assert "2026-03-31: 0 posted, 0 reversed, 2 unchanged" in again


def test_status_of_an_unknown_shop_names_close_ones(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    shop(con, "S1")
    con.close()
    out = invoke("programs", "status", "--shop", "S9", "--db", str(tmp_path / "w.duckdb"), code=3)
    assert "no shop 'S9'" in out
    assert "S1" in out


def test_unknown_programme_is_refused(tmp_path: Path) -> None:
    out = invoke(
        "programs",
        "run",
        "--from",
        "2026-03-01",
        "--to",
        "2026-03-31",
        "--db",
        str(tmp_path / "x.duckdb"),
        "--program",
        "nope",
        code=2,
    )
    assert "unknown programme nope" in out


def test_check_lists_every_problem_with_its_line(tmp_path: Path) -> None:
    assert "douyin-2026-coupon-subsidy.yaml: ok" in invoke("programs", "check")
    bad = tmp_path / "bad.yaml"
    bad.write_text("program: bad\ntitle_zh: x\ntitle_en: x\nplatform: d\n", encoding="utf-8")
    out = invoke("programs", "check", str(bad), code=1)
    assert "bad.yaml:1" in out
    assert "'window' is missing" in out


def test_report_shows_each_programmes_coupons_issued_redeemed_and_expired(
    con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    shop(con, "BELT", opened=date(2025, 1, 1), tags=("industry_belt",))
    signup(con, "BELT", "douyin-2026-industry-belts", date(2026, 3, 1))
    orders(con, "BELT", date(2026, 3, 2), 20, scene="live")
    insert(
        con, "coupon_spends", spend_id="S1", shop_id="BELT", coupon_kind="traffic_coupon",
        spent_at=datetime(2026, 3, 3, 9), amount_fen=12_000,
    )  # fmt: skip
    db = str(tmp_path / "w.duckdb")
    con.close()
    invoke("programs", "run", "--from", "2026-03-01", "--to", "2026-04-30", "--db", db)
    out = invoke("programs", "report", "--db", db)
    line = next(x for x in out.splitlines() if "douyin-2026-industry-belts" in x)
    # ¥800 issued on 2 March, ¥120 spent on 3 March, the rest expired on 1 April
    assert [cell.strip() for cell in line.strip("│┃ ").split("│")][1:] == [
        "2",
        "¥800.00",
        "¥120.00",
        "¥680.00",
        "¥0.00",
    ]
    status = invoke("programs", "status", "--shop", "BELT", "--db", db)
    assert "redeemed 已核销 ¥120.00; expired 已过期 ¥680.00; still held 未使用 ¥0.00" in status
