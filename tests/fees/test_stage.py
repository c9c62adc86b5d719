"""The fee stage as a stage: its fact relation, re-runs, labels, statements, CLI."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import duckdb
import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.fees import compute_fees, engine, fee_statement
from merchantry.fees.engine import period_duplicates
from merchantry.kit.errors import InputError, IntegrityError, NotFound
from merchantry.model.outputs import FEE_LINES
from merchantry.rulebook.columns import CONDITION_COLUMNS, SCORE_COLUMNS
from merchantry.rulebook.facts import INTERNAL_FACT_COLUMNS, fact_relation
from merchantry.rulebook.model import Rulebook
from merchantry.store.warehouse import connect

from .market import Market

MARCH = (date(2026, 3, 1), date(2026, 3, 31))


def test_fact_relation_has_exactly_the_declared_columns(warehouse: duckdb.DuckDBPyConnection):
    cursor = warehouse.execute(
        fact_relation().sql(dialect="duckdb"), {"start": MARCH[0], "end": MARCH[1]}
    )
    names = [d[0] for d in cursor.description]
    assert sorted(names) == sorted(
        [c.fact_column for c in (*CONDITION_COLUMNS, *SCORE_COLUMNS)] + list(INTERNAL_FACT_COLUMNS)
    )


def test_rerun_replaces_the_lines_of_the_period(market: Market, run):
    order = market.order(goods=10_000)
    run("douyin-2026")
    market.con.execute("UPDATE orders SET goods_fen = 20000, amount_paid_fen = 20000")
    lines = run("douyin-2026")
    assert lines.amount(order) == 900  # 4.5% of 20,000: the old line is gone
    assert market.con.execute("SELECT count(*) FROM fee_lines").fetchone() == (1,)


def test_runs_of_two_rulebooks_sit_side_by_side(market: Market):
    market.order(goods=10_000)
    compute_fees(market.con, "douyin-2025", *MARCH)
    compute_fees(market.con, "douyin-2026", *MARCH)
    rows = market.con.execute(
        "SELECT rulebook, amount_fen FROM fee_lines ORDER BY rulebook"
    ).fetchall()
    assert rows == [("douyin-2025", 500), ("douyin-2026", 450)]


def test_orders_outside_the_period_are_left_alone(market: Market, run):
    inside = market.order()
    outside = market.order(paid_at=datetime(2026, 4, 1, 0, 0))
    lines = run("taobao-2026")  # March 2026
    assert lines.get(inside) is not None
    assert lines.get(outside) is None
    assert lines.summary.orders == 1


def test_summary_totals_by_kind(market: Market, run):
    market.order(goods=10_000, scene="live")
    market.order(goods=10_000, scene="product_card", entry_point="mall_tab")
    summary = run("douyin-2026").summary
    tsf = summary.total("technical_service_fee")
    assert (tsf.lines, tsf.amount_fen, tsf.baseline_fen, tsf.saved_fen) == (2, 510, 1_000, 490)
    assert summary.warnings == ()


def test_rule_labels_are_written_for_reports(market: Market, run):
    market.order()
    run("douyin-2026")
    row = market.con.execute(
        "SELECT title, effect_kind, fee_kind, assumption, origin FROM rulebook_rules "
        "WHERE rulebook = 'douyin-2026' AND rule_id = 'tsf.waiver.chengfang'"
    ).fetchone()
    assert row == (
        "Qianchuan Chengfang orders pay a 0.6% technical service fee (not personal stores)",
        "fee_waiver",
        "technical_service_fee",
        True,
        "douyin-2026",
    )


def test_statement_counts_refunds_on_the_day_they_accrue(market: Market, run):
    shop = market.shop()
    order = market.order(
        shop,
        goods=10_000,
        scene="product_card",
        entry_point="mall_tab",
        paid_at=datetime(2026, 3, 30, 10, 0),
    )
    market.refund(order, 10_000, after=timedelta(days=3))  # refunded in April
    run("douyin-2026")
    march = fee_statement(market.con, "douyin-2026", shop, *MARCH)
    april = fee_statement(market.con, "douyin-2026", shop, date(2026, 4, 1), date(2026, 4, 30))
    assert march.total_fen == 60
    assert march.saved_fen == 440
    assert [(x.fee_kind, x.amount_fen) for x in april.lines] == [("fee_refund", -60)]
    assert march.merchant_net_fen + april.merchant_net_fen == 0


def test_period_that_ends_before_it_starts_is_refused(warehouse):
    with pytest.raises(InputError):
        compute_fees(warehouse, "douyin-2026", date(2026, 3, 2), date(2026, 3, 1))


def test_unknown_rulebook_says_what_is_available(warehouse):
    with pytest.raises(NotFound, match="douyin-2026"):
        compute_fees(warehouse, "douyin-2062", *MARCH)


def test_a_period_outside_the_window_warns(market: Market, run):
    market.order()
    summary = compute_fees(market.con, "douyin-2025", *MARCH)
    assert "outside douyin-2025's effective window" in summary.warnings[0]


class TestCommandLine:
    def test_fees_prints_totals_by_kind(self, tmp_path):
        db = tmp_path / "w.duckdb"
        con = connect(db)
        Market(con).order(goods=10_000, scene="product_card", entry_point="mall_tab")
        con.close()
        result = CliRunner().invoke(
            app,
            [
                "fees",
                "--rulebook",
                "douyin-2026",
                "--from",
                "2026-03-01",
                "--to",
                "2026-03-31",
                "--db",
                str(db),
            ],
        )
        assert result.exit_code == 0, result.output
        assert "技术服务费 / Technical service fee" in result.output  # the kind by its name
        assert "technical_service_fee" not in result.output
        assert "¥0.60" in result.output

    def test_rulebook_check_exits_non_zero_and_prints_every_problem(self, tmp_path):
        bad = tmp_path / "bad.yaml"
        bad.write_text(
            "rulebook: bad\ntitle: Bad\neffective: {from: 2026-01-01}\nrules:\n"
            "  - id: a\n    title: A\n    when: order.secne = 'x'\n"
            "    effect: {kind: base_rate, rate_bp: 99999}\n",
            encoding="utf-8",
        )
        result = CliRunner().invoke(app, ["rulebook", "check", str(bad)])
        assert result.exit_code == 1
        for code in ("unknown-column", "out-of-range", "missing-provenance"):
            assert code in result.output
        assert "3 error(s)" in result.output

    def test_rulebook_check_runs_the_stage_checks_too(self, tmp_path):
        """A risk rule reading the score series and a score rulebook without a scale pass
        the generic check but not the stage that would run them: check says so."""
        risky = tmp_path / "risky.yaml"
        risky.write_text(
            "rulebook: risky\ntitle: Risky\neffective: {from: 2026-01-01}\nrules:\n"
            "  - id: trusted\n    title: Good shops\n    when: shop.experience_score >= 90\n"
            "    effect: {kind: risk_signal, feature: refund_only, at_least: 1, points: -5}\n"
            "    assumption: true\n    note: test\n",
            encoding="utf-8",
        )
        scoreless = tmp_path / "scoreless.yaml"
        scoreless.write_text(
            "rulebook: scoreless\ntitle: No scale\neffective: {from: 2026-01-01}\n"
            "extends: douyin-score-2026-05\ndisable: [scale]\n",
            encoding="utf-8",
        )
        result = CliRunner().invoke(
            app, ["rulebook", "check", str(risky), str(scoreless)], env={"COLUMNS": "250"}
        )
        assert result.exit_code == 1, result.output
        assert f"{risky}:5" in result.output
        assert "score-column-in-risk-rule" in result.output
        assert "missing-score-scale" in result.output

    def test_rulebook_check_passes_the_shipped_rulebooks(self):
        from merchantry.rulebook.library import shipped_dir

        files = sorted(str(p) for p in shipped_dir().glob("*.yaml"))
        assert len(files) >= 4  # risk-2026 ships too (risk stage)
        result = CliRunner().invoke(app, ["rulebook", "check", *files])
        assert result.exit_code == 0, result.output
        assert "0 error(s), 0 warning(s)" in result.output

    def test_rulebook_explain_shows_inherited_rules_and_assumptions(self):
        result = CliRunner().invoke(
            app, ["rulebook", "explain", "douyin-2026"], env={"COLUMNS": "250"}
        )
        assert result.exit_code == 0, result.output
        assert "tsf.waiver.chengfang" in result.output
        assert "from douyin-2025" in result.output
        assert "ASSUMPTION" in result.output


def test_the_duplicate_key_check_covers_the_periods_orders_only(market: Market):
    """A run can only have duplicated the lines of the orders it wrote (those paid in its
    period), so that is all the check reads: a daily run never groups the whole history."""
    march = market.order(goods=10_000)
    april = market.order(goods=10_000, paid_at=datetime(2026, 4, 2, 9, 0))
    compute_fees(market.con, "douyin-2026", date(2026, 3, 1), date(2026, 4, 30))
    twice = "INSERT INTO fee_lines SELECT * FROM fee_lines WHERE order_id = ? AND fee_kind = ?"
    market.con.execute(twice, [april, "technical_service_fee"])  # a duplicate in April …
    april_only = (date(2026, 4, 1), date(2026, 4, 30))
    march_only = (date(2026, 3, 1), date(2026, 3, 31))
    assert period_duplicates(market.con, "douyin-2026", *april_only) == 1
    assert period_duplicates(market.con, "douyin-2026", *march_only) == 0  # … is not March's
    assert period_duplicates(market.con, "douyin-2025", *april_only) == 0  # nor another book's
    # so a March run is not blocked by it, and its own lines are checked and written
    summary = compute_fees(market.con, "douyin-2026", *march_only)
    assert summary.orders == 1
    found = market.con.execute(
        "SELECT count(*) FROM fee_lines WHERE order_id = ? AND rulebook = 'douyin-2026'", [march]
    ).fetchone()
    assert found == (1,)


def test_a_run_that_writes_a_key_twice_is_rolled_back(
    market: Market, monkeypatch: pytest.MonkeyPatch
):
    """The key check folded into the run's totals still stops a run whose statement wrote an
    (order, fee kind) twice, and nothing of that run stays (an injected faulty insert)."""
    order = market.order(goods=10_000)
    compute_fees(market.con, "douyin-2026", *MARCH)
    before = market.con.execute("SELECT count(*) FROM fee_lines").fetchone()
    assert before is not None
    assert before[0] > 0

    def doubled(book: Rulebook) -> str:
        query = engine.fee_lines_sql(book)
        columns = ", ".join(c.name for c in FEE_LINES.columns)
        return (
            f"INSERT INTO fee_lines ({columns}) SELECT * FROM ({query})"
            f" UNION ALL (SELECT * FROM ({query}) LIMIT 1)"
        )

    monkeypatch.setattr(engine, "_insert_sql", doubled)
    market.con.execute("UPDATE orders SET goods_fen = 20000, amount_paid_fen = 20000")
    with pytest.raises(IntegrityError, match="1 duplicate"):
        compute_fees(market.con, "douyin-2026", *MARCH)
    after = market.con.execute(
        "SELECT count(*), sum(amount_fen) FROM fee_lines WHERE order_id = ?", [order]
    ).fetchone()
    assert after == (before[0], 450)  # the first run's lines, 4.5% of 10,000: rolled back


def test_a_day_run_replaces_the_days_lines_whenever_they_accrue(market: Market):
    """A refund line accrues on its refund's day but belongs to its order's payment day: a
    run over the payment day replaces it, a run over the refund day leaves it alone."""
    day = date(2025, 3, 10)
    order = market.order(paid_at=datetime(2025, 3, 10, 12, 0))
    market.refund(order, 4_000, after=timedelta(days=5))  # accrues on 2025-03-15
    compute_fees(market.con, "douyin-2025", day, day)
    rows = market.con.execute(
        "SELECT fee_kind, accrued_on, paid_on FROM fee_lines ORDER BY fee_kind"
    ).fetchall()
    assert rows == [
        ("fee_refund", date(2025, 3, 15), day),
        ("technical_service_fee", day, day),
    ]
    refund_day = compute_fees(market.con, "douyin-2025", date(2025, 3, 15), date(2025, 3, 15))
    assert refund_day.lines == 0
    assert market.con.execute("SELECT count(*) FROM fee_lines").fetchone() == (2,)
    market.con.execute("UPDATE after_sales SET amount_fen = 2000")  # the refund, corrected
    again = compute_fees(market.con, "douyin-2025", day, day)
    assert again.lines == 2
    amounts = market.con.execute(
        "SELECT fee_kind, amount_fen FROM fee_lines ORDER BY fee_kind"
    ).fetchall()
    assert amounts == [("fee_refund", -100), ("technical_service_fee", 500)]
