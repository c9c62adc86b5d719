"""A what-if that cannot mislead, through the real `merchantry simulate`:

* a candidate differing only in settlement days, or only in compensation, is never "¥0" or
  "the same": the headline counts the cash-flow value of settlement days and the
  compensation the platform bears (hand-computed below);
* a candidate whose `rulebook:` name is not its file name, or that shares its name with
  another rulebook, is refused before anything runs, with the fix spelled out;
* a name run again with other content never silently replaces what is stored;
* the run exports to CSV and Excel.
"""

from __future__ import annotations

import csv
import shutil
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from merchantry.cli.main import app
from merchantry.kit.errors import ExitCode
from merchantry.rulebook.library import shipped_dir
from merchantry.store.warehouse import connect
from tests.ledger.factories import HERE, add_case, add_category, add_order, add_shop

MARCH = ("--from", "2026-03-01", "--to", "2026-03-31")
ORDER_FEN = 1_000_000
ORDERS = 3
RATE_BP = 300  # the documented default annual cash rate


def half_up(numerator: int, denominator: int) -> int:
    """Rounded half away from zero, written independently of the code under test."""
    return int((Decimal(numerator) / Decimal(denominator)).quantize(Decimal(1), ROUND_HALF_UP))


def cash(fen_days: int) -> int:
    return half_up(fen_days * RATE_BP, 10_000 * 365)


@pytest.fixture
def world(tmp_path: Path) -> tuple[Path, Path]:
    """A warehouse (one flagship shop, three ¥10,000 orders, one ¥100 merchant-paid
    compensation) and a folder with the ledger test rulebook."""
    db = tmp_path / "w.duckdb"
    con = connect(db)
    add_category(con)
    add_shop(con, store_type="flagship")
    for i in range(ORDERS):
        add_order(con, f"O{i}", datetime(2026, 3, 2 + i, 10), ORDER_FEN)
    add_case(
        con,
        "A1",
        "O0",
        datetime(2026, 3, 6, 9),
        0,
        closed_at=datetime(2026, 3, 7, 9),
        compensation_fen=10_000,
    )
    con.close()
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(HERE / "ledger-test.yaml", rules / "ledger-test.yaml")
    return db, rules


def candidate(rules: Path, name: str, body: str) -> Path:
    path = rules / f"{name}.yaml"
    path.write_text(
        f"rulebook: {name}\ntitle: Candidate\neffective: {{from: 2020-01-01}}\n"
        f"extends: ledger-test\nrules:\n{body}",
        encoding="utf-8",
    )
    return path


def settle_in(days: int) -> str:
    return (
        "  - id: settle.default\n    title: Orders settle {days} days after receipt\n"
        f"    effect: {{kind: settlement_days, days: {days}}}\n    override: true\n"
        "    assumption: true\n    note: test\n"
    )


def simulate(db: Path, rules: Path, name: str, *extra: str) -> Result:
    return CliRunner().invoke(
        app,
        [
            "simulate",
            "--baseline",
            "ledger-test",
            "--candidate",
            name,
            *MARCH,
            "--db",
            str(db),
            "--rulebook-dir",
            str(rules),
            *extra,
        ],
        env={"COLUMNS": "250"},
    )


def effects(db: Path, name: str) -> dict[str, tuple[int, int, int]]:
    con = connect(db, read_only=True)
    try:
        rows = con.execute(
            "SELECT e.effect, e.merchant_gain_fen, e.platform_cost_fen, e.candidate_fen "
            "FROM sim_effects e JOIN sim_runs r USING (run_id) WHERE r.candidate = ? "
            "ORDER BY r.run_at DESC",
            [name],
        ).fetchall()
    finally:
        con.close()
    found: dict[str, tuple[int, int, int]] = {}
    for effect, gain, cost, cand in rows:
        found.setdefault(str(effect), (int(gain), int(cost), int(cand)))
    return found


def fee_line_count(db: Path, rulebook: str) -> int:
    con = connect(db, read_only=True)
    try:
        row = con.execute("SELECT count(*) FROM fee_lines WHERE rulebook = ?", [rulebook])
        return int(row.fetchone()[0])
    finally:
        con.close()


def test_a_candidate_differing_only_in_settlement_days_is_not_the_same(world):
    db, rules = world
    candidate(rules, "settle-faster", settle_in(1))
    result = simulate(db, rules, "settle-faster")
    assert result.exit_code == 0, result.output
    expected = cash(ORDERS * ORDER_FEN * 3) - cash(ORDERS * ORDER_FEN * 1)
    assert expected > 0
    found = effects(db, "settle-faster")
    assert found["fees"][0] == 0  # the fee lines are identical...
    assert found["settlement_cash_flow"][:2] == (expected, expected)  # ...the money is not
    assert "move the same money" not in result.output
    assert "merchants save ¥" + f"{expected / 100:,.2f}" in result.output
    assert "3.00 → 1.00 days" in result.output


def test_a_candidate_differing_only_in_compensation_is_not_the_same(world):
    db, rules = world
    candidate(
        rules,
        "comp-more",
        "  - id: compensation.flagship\n    title: Flagship shops pay 60% less compensation\n"
        "    when: shop.store_type = 'flagship'\n"
        "    effect: {kind: compensation_reduction, share_bp: 6000}\n    override: true\n"
        "    assumption: true\n    note: test\n",
    )
    result = simulate(db, rules, "comp-more")
    assert result.exit_code == 0, result.output
    borne_before, borne_after = 10_000 * 30 // 100, 10_000 * 60 // 100
    found = effects(db, "comp-more")
    assert found["compensation"] == (
        borne_after - borne_before,
        borne_after - borne_before,
        borne_after,
    )
    assert found["fees"][0] == 0
    assert "merchants save ¥30.00" in result.output


def test_a_candidate_the_same_in_everything_is_called_the_same(world):
    db, rules = world
    candidate(rules, "copy", settle_in(3))
    result = simulate(db, rules, "copy")
    assert result.exit_code == 0, result.output
    assert "move the same money" in result.output
    assert all(gain == 0 for gain, _, _ in effects(db, "copy").values())


def test_a_different_cash_rate_values_the_same_days_differently(world):
    db, rules = world
    candidate(rules, "settle-faster", settle_in(1))
    result = simulate(db, rules, "settle-faster", "--cash-rate", "6")
    assert result.exit_code == 0, result.output
    expected = half_up(ORDERS * ORDER_FEN * 3 * 600, 3_650_000) - half_up(
        ORDERS * ORDER_FEN * 600, 3_650_000
    )
    assert effects(db, "settle-faster")["settlement_cash_flow"][0] == expected


def test_a_name_that_is_not_the_file_name_is_refused_before_anything_runs(world):
    db, rules = world
    source = candidate(rules, "settle-faster", settle_in(1))
    (rules / "my-candidate.yaml").write_text(source.read_text(encoding="utf-8"), "utf-8")
    source.unlink()
    result = simulate(db, rules, "my-candidate")
    assert result.exit_code == ExitCode.INPUT, result.output
    assert "declares `rulebook: settle-faster`" in result.output
    assert "set `rulebook: my-candidate`" in result.output  # the fix
    assert fee_line_count(db, "settle-faster") == 0
    assert fee_line_count(db, "ledger-test") == 0  # nothing ran, not even the baseline


def test_a_name_two_rulebooks_share_is_refused(world, tmp_path: Path):
    db, _ = world
    mine = tmp_path / "mine"
    mine.mkdir()
    shipped = (shipped_dir() / "douyin-2026.yaml").read_text(encoding="utf-8")
    (mine / "douyin-2026.yaml").write_text(
        shipped.replace("value: 60", "value: 50", 1), encoding="utf-8"
    )
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--baseline",
            "douyin-2025",
            "--candidate",
            "douyin-2026",
            *MARCH,
            "--db",
            str(db),
            "--rulebook-dir",
            str(mine),
        ],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == ExitCode.INPUT, result.output
    assert "two different rulebooks are named 'douyin-2026'" in result.output
    assert "douyin-2026-candidate" in result.output  # the fix
    assert fee_line_count(db, "douyin-2026") == 0


def test_other_content_under_a_stored_name_needs_replace(world):
    db, rules = world
    path = candidate(rules, "settle-faster", settle_in(1))
    assert simulate(db, rules, "settle-faster").exit_code == 0
    lines_before = fee_line_count(db, "settle-faster")
    path.write_text(path.read_text(encoding="utf-8").replace("days: 1}", "days: 2}"), "utf-8")

    refused = simulate(db, rules, "settle-faster")
    assert refused.exit_code == ExitCode.CONFLICT, refused.output
    assert "rule settle.default: effect" in refused.output
    assert "days: 1" in refused.output
    assert "days: 2" in refused.output
    assert "--replace" in refused.output
    assert fee_line_count(db, "settle-faster") == lines_before

    also_refused = simulate(db, rules, "settle-faster", "--use-existing-fees")
    assert also_refused.exit_code == ExitCode.CONFLICT

    replaced = simulate(db, rules, "settle-faster", "--replace")
    assert replaced.exit_code == 0, replaced.output
    expected = cash(ORDERS * ORDER_FEN * 3) - cash(ORDERS * ORDER_FEN * 2)
    assert effects(db, "settle-faster")["settlement_cash_flow"][0] == expected
    con = connect(db, read_only=True)
    runs = con.execute("SELECT count(*) FROM sim_runs WHERE candidate = 'settle-faster'")
    assert runs.fetchone()[0] == 2  # the first content's run is kept under its own id
    con.close()


def test_a_run_exports_to_csv_and_excel(world, tmp_path: Path):
    openpyxl = pytest.importorskip("openpyxl")
    db, rules = world
    candidate(rules, "settle-faster", settle_in(1))
    folder = tmp_path / "out"
    book = tmp_path / "sim.xlsx"
    assert simulate(db, rules, "settle-faster", "--export", str(folder)).exit_code == 0
    result = simulate(db, rules, "settle-faster", "--export", str(book))
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in folder.iterdir()) == [
        "effects.csv",
        "lines.csv",
        "segments.csv",
        "shops.csv",
    ]
    with (folder / "shops.csv").open(encoding="utf-8") as handle:
        shops = list(csv.DictReader(handle))
    assert [s["shop_id"] for s in shops] == ["S1"]
    assert shops[0]["gmv_fen"] == str(ORDERS * ORDER_FEN)
    assert shops[0]["gmv_yuan"] == f"{ORDERS * ORDER_FEN / 100:.2f}"
    with (folder / "effects.csv").open(encoding="utf-8") as handle:
        settle = next(r for r in csv.DictReader(handle) if r["effect"] == "settlement_cash_flow")
    expected = cash(ORDERS * ORDER_FEN * 3) - cash(ORDERS * ORDER_FEN * 1)
    assert int(settle["merchant_gain_fen"]) == expected
    workbook = openpyxl.load_workbook(book)
    assert workbook.sheetnames == ["effects", "lines", "segments", "shops"]
    header = [c.value for c in workbook["shops"][1]]
    row = dict(zip(header, [c.value for c in workbook["shops"][2]], strict=True))
    assert row["shop_id"] == "S1"
    assert row["gmv_fen"] == ORDERS * ORDER_FEN


def test_export_to_a_file_that_is_not_a_workbook_is_refused(world, tmp_path: Path):
    db, rules = world
    candidate(rules, "settle-faster", settle_in(1))
    result = simulate(db, rules, "settle-faster", "--export", str(tmp_path / "x.pdf"))
    assert result.exit_code == ExitCode.INPUT
    assert ".xlsx" in result.output


def test_the_period_is_checked_before_the_warehouse_is_touched(world):
    db, _ = world
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--baseline",
            "ledger-test",
            "--candidate",
            "x",
            "--from",
            "2026-04-01",
            "--to",
            "2026-03-01",
            "--db",
            str(db),
        ],
    )
    assert result.exit_code == ExitCode.INPUT
    assert date(2026, 4, 1).isoformat() in result.output
