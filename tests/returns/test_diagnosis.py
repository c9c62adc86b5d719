"""The whole diagnosis on a generated marketplace with planted causes: what it flags is what
was planted, the money adds up to the warehouse's, and the command line and report work."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.ingest import ingest_dir
from merchantry.kit.errors import ExitCode
from merchantry.returns.causes import Cause
from merchantry.returns.data import CaseRow
from merchantry.returns.diagnosis import classify_cases, diagnose_returns
from merchantry.returns.evaluate import planted
from merchantry.returns.report import build_page, chart_skus
from merchantry.store.warehouse import connect
from merchantry.synth import generate

runner = CliRunner()


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("returns-market")
    generate(root / "data", shops=80, days=30, seed=3, progress=False)
    con = connect(root / "m.duckdb")
    try:
        ingest_dir(con, root / "data", progress=False)
    finally:
        con.close()
    return root


@pytest.fixture
def con(market: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    c = connect(market / "m.duckdb", read_only=True)
    yield c
    c.close()


def _truth(market: Path, name: str) -> list[dict[str, str]]:
    with (market / "data" / "truth" / f"{name}.csv").open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.slow
def test_planted_causes_are_found_and_little_else(
    market: Path, con: duckdb.DuckDBPyConnection
) -> None:
    found = {d.name: d for d in planted(con, market / "data" / "truth")}
    sizing = found["sizing SKUs"]
    assert sizing.precision >= 0.8
    assert sizing.recall >= 0.5
    misdescribed = found["misdescribed SKUs"]
    assert misdescribed.precision >= 0.75
    assert misdescribed.hits >= 2
    carriers = found["damaging carriers"]
    assert carriers.flagged == carriers.truth


def test_a_sizing_shop_is_told_to_fix_its_size_chart(
    market: Path, con: duckdb.DuckDBPyConnection
) -> None:
    busiest = max(
        _truth(market, "sizing_skus"),
        key=lambda r: con.execute(
            "SELECT count(*) FROM orders WHERE sku_id = ?", [r["sku_id"]]
        ).fetchone()[0],  # type: ignore[index]
    )
    d = diagnose_returns(con, busiest["shop_id"])
    fixes = {(s.cause, s.target) for s in d.suggestions}
    assert (Cause.SIZING, busiest["sku_id"]) in fixes
    sizing = next(s for s in d.suggestions if s.target == busiest["sku_id"])
    assert 0 < sizing.saving.total_fen <= sizing.money.total_fen
    assert any("尺码" in q or "码" in q for c in d.causes for q in c.quotes)


def test_money_by_cause_adds_up_to_the_warehouse(
    market: Path, con: duckdb.DuckDBPyConnection
) -> None:
    shop = _truth(market, "sizing_skus")[0]["shop_id"]
    d = diagnose_returns(con, shop)
    (expected,) = con.execute(
        """
        SELECT sum(CASE WHEN a.outcome = 'approved' AND a.type <> 'exchange'
                        THEN a.amount_fen + o.ad_cost_fen ELSE 0 END
                   + CASE WHEN a.outcome = 'approved' THEN a.compensation_fen ELSE 0 END)
        FROM after_sales a JOIN orders o USING (order_id)
        WHERE o.shop_id = ? AND a.outcome <> 'withdrawn'
        """,
        [shop],
    ).fetchone()  # type: ignore[misc]
    assert sum(c.money.total_fen for c in d.causes) == expected
    (cases,) = con.execute(
        "SELECT count(*) FROM after_sales a JOIN orders o USING (order_id) "
        "WHERE o.shop_id = ? AND a.outcome <> 'withdrawn'",
        [shop],
    ).fetchone()  # type: ignore[misc]
    assert sum(c.cases for c in d.causes) == cases


def test_running_twice_gives_the_same_diagnosis(
    market: Path, con: duckdb.DuckDBPyConnection
) -> None:
    shop = _truth(market, "misdescribed_skus")[0]["shop_id"]
    assert diagnose_returns(con, shop) == diagnose_returns(con, shop)


def test_command_writes_a_self_contained_bilingual_report(market: Path, tmp_path: Path) -> None:
    shop = _truth(market, "sizing_skus")[0]["shop_id"]
    out = tmp_path / "report.html"
    result = runner.invoke(
        app,
        [
            "diagnose",
            "returns",
            "--shop",
            shop,
            "--db",
            str(market / "m.duckdb"),
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "refund rate" in result.output
    html = out.read_text(encoding="utf-8")
    assert "退货诊断 Return diagnosis" in html
    assert "尺码问题 / Sizing" in html
    assert "Plotly.newPlot" in html or "Plotly.react" in html
    assert '<script src="http' not in html  # charts draw offline


def test_one_sku_of_the_shop(market: Path) -> None:
    row = _truth(market, "sizing_skus")[0]
    result = runner.invoke(
        app,
        [
            "diagnose",
            "returns",
            "--shop",
            row["shop_id"],
            "--sku",
            row["sku_id"],
            "--db",
            str(market / "m.duckdb"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"SKU {row['sku_id']}" in result.output


def test_unknown_shop_and_foreign_sku_are_clear_errors(market: Path) -> None:
    db = str(market / "m.duckdb")
    result = runner.invoke(app, ["diagnose", "returns", "--shop", "S999999", "--db", db])
    assert result.exit_code == ExitCode.NOT_FOUND
    assert "S999999" in result.output
    assert "Traceback" not in result.output
    sku = _truth(market, "sizing_skus")[0]
    other_shop = next(
        r["shop_id"] for r in _truth(market, "misdescribed_skus") if r["shop_id"] != sku["shop_id"]
    )
    result = runner.invoke(
        app, ["diagnose", "returns", "--shop", other_shop, "--sku", sku["sku_id"], "--db", db]
    )
    assert result.exit_code == ExitCode.NOT_FOUND
    assert f"SKU {sku['sku_id']} is not sold by shop {other_shop}" in result.output


def test_sku_weeks_add_up_and_the_report_draws_the_planted_skus(
    market: Path, con: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    """The per-SKU weeks sum to the shop's weeks; the report's weekly chart per SKU puts the
    planted sizing SKU (flagged) among those it draws."""
    row = _truth(market, "sizing_skus")[0]
    d = diagnose_returns(con, row["shop_id"])
    assert sum(w.orders for s in d.skus for w in s.weeks) == d.orders
    assert sum(w.returns for s in d.skus for w in s.weeks) == d.returns
    ((skus,),) = con.execute(
        "SELECT count(DISTINCT sku_id) FROM orders WHERE shop_id = ?", [row["shop_id"]]
    ).fetchall()
    assert len(d.skus) == skus
    drawn = [s.sku_id for s in chart_skus(d)]
    assert row["sku_id"] in drawn
    page = build_page(d).render(tmp_path / "r.html").read_text(encoding="utf-8")
    assert "SKU 按周退货率 / Weekly return rate per SKU" in page
    assert row["sku_id"] in page


def _case(code: str, reason: str = "", review: str = "", notes: str = "") -> CaseRow:
    return CaseRow(
        "AS1", "O1", "S1", "K1", "C1", "return_refund", code, reason, review, notes,
        None, 100, 0, 0, 0,
    )  # fmt: skip


def test_an_agents_note_alone_can_carry_the_cause_and_is_quoted() -> None:
    """A case with a quick menu code and no words of the buyer's: the agent's note decides,
    and the clause that did is quoted as cs_note evidence."""
    [sized, damaged, bare] = classify_cases(
        [
            _case("other", notes="买家反馈尺码偏大一码，穿着不合身，已建议换小一码"),
            _case("other", notes="买家收到时外箱压坏，商品破损，已联系快递理赔"),
            _case("other"),
        ]
    )
    assert sized.result.cause is Cause.SIZING
    assert any(e.source == "cs_note" and "码" in e.quote for e in sized.result.evidence)
    assert damaged.result.cause is Cause.DAMAGED_IN_TRANSIT
    assert any(e.source == "cs_note" for e in damaged.result.evidence)
    assert bare.result.cause is not Cause.SIZING
    assert not any(e.source == "cs_note" for e in bare.result.evidence)


def test_generated_notes_follow_the_case_and_reach_the_diagnosis(
    market: Path, con: duckdb.DuckDBPyConnection
) -> None:
    """The generator's agents write notes about what went wrong (sizes on wrong_size cases'
    chats far more than elsewhere); bots and unanswered chats leave none; the diagnosis
    quotes notes as evidence."""
    rows = con.execute(
        "SELECT s.agent_id, s.notes, a.reason_code FROM cs_sessions s "
        "LEFT JOIN after_sales a ON a.order_id = s.order_id"
    ).fetchall()
    assert all(n is None for agent, n, _ in rows if agent is None or agent == "bot")
    written = [(n, code) for agent, n, code in rows if agent not in (None, "bot")]
    assert written
    assert all(n for n, _ in written)

    def share_on_sizes(selected: list[str]) -> float:
        return sum("码" in n for n in selected) / max(len(selected), 1)

    sizing = [n for n, code in written if code == "wrong_size"]
    others = [n for n, code in written if code not in ("wrong_size", None)]
    assert len(sizing) >= 20
    assert share_on_sizes(sizing) > 0.5 > 0.2 > share_on_sizes(others)
    shop = _truth(market, "sizing_skus")[0]["shop_id"]
    d = diagnose_returns(con, shop)
    quoted = [e for c in d.findings.cases for e in c.result.evidence if e.source == "cs_note"]
    assert quoted
    assert all(
        e.quote in c.case.cs_notes
        for c in d.findings.cases
        for e in c.result.evidence
        if e.source == "cs_note"
    )
