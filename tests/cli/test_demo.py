"""The main job, end to end, on a tiny generated marketplace."""

from __future__ import annotations

import html
import re
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import yaml
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.money import format_fen
from merchantry.report.names import humanize
from merchantry.service.demo import (
    CANDIDATE,
    SCORE_GATED_COMPENSATION,
    SCORE_GATED_RULE,
    SCORE_RULEBOOK,
    TAOBAO_SCORE_RULEBOOK,
)

RULEBOOKS = Path(__file__).parents[2] / "src" / "merchantry" / "rulebooks"


def test_demo_runs_every_step_and_accounts_for_every_row(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner().invoke(
        app,
        ["demo", "--out", str(out), "--shops", "40", "--days", "3", "--no-progress"],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    # the headline says which way the money moves, never "save -¥…"
    assert re.search(r"Merchants (save ¥[\d,.]+|pay ¥[\d,.]+ more|pay the same)", result.output)
    assert "save -" not in result.output
    for name in (
        "report.html",
        "simulation.html",
        "scores.html",
        "scores-taobao.html",
        "good-service-ranking.csv",
        "programs.html",
        "seeding.html",
        "merchantry.duckdb",
    ):
        assert (out / name).is_file(), name

    con = duckdb.connect(str(out / "merchantry.duckdb"), read_only=True)
    orders = con.execute("SELECT count(*) FROM orders").fetchone()
    lines = con.execute(
        "SELECT count(DISTINCT order_id), count(DISTINCT rulebook) FROM fee_lines"
    ).fetchone()
    assert orders is not None
    assert lines is not None
    assert orders[0] > 0
    assert lines == (orders[0], 2)  # every order priced under both rulebooks
    unbalanced = con.execute(
        "SELECT count(*) FROM (SELECT entry_id FROM journal_postings GROUP BY entry_id"
        " HAVING sum(amount_fen) <> 0)"
    ).fetchone()
    sales = con.execute("SELECT count(*) FROM journal_entries WHERE kind = 'sale'").fetchone()
    assert unbalanced == (0,)  # the month close's journal balances, entry by entry
    assert sales == orders  # every order's payment is posted
    days = con.execute("SELECT count(DISTINCT score_date) FROM shop_scores").fetchone()
    assert days == (3,)  # scored every day before the close, so score-gated rules can apply
    assert "reads shop.experience_score" not in result.output  # no score-gap warning
    borne = con.execute(SCORE_GATED_COMPENSATION, {"rule": SCORE_GATED_RULE}).fetchone()
    assert borne is not None
    printed = " ".join(result.output.split())  # the console wraps long lines
    assert f"{format_fen(int(borne[0]))} of compensation borne by the platform for " in printed
    when = rule_as_written(CANDIDATE, SCORE_GATED_RULE)["when"]
    assert f"for {int(borne[1]):,} shops meeting {when}" in printed  # the journal's figure

    page = (out / "report.html").read_text(encoding="utf-8")
    assert_every_policy_line_is_accounted_for(con, printed)
    assert_shops_are_named(con, printed, page)
    assert re.search(r"<script[^>]+src=\"https?://", page) is None  # works offline
    assert f"{orders[0]:,}" in page
    seeded = con.execute(
        "SELECT coalesce(sum(attributed_gmv_fen), 0) FROM seeding_attributions "
        "WHERE status <> 'dropped_refund'"
    ).fetchone()
    assert seeded is not None
    assert f"attributed GMV {format_fen(int(seeded[0]))}" in printed  # creator seeding ran
    for section in (
        "Ledger and settlement",
        "Creator seeding",
        "Risk",
        "Experience scores",
        "Timings",
    ):
        assert section in page, section  # every stage reports into the page, not only the terminal
    assert ranking_bar_as_written() in html.unescape(page)
    period = con.execute("SELECT min(paid_at)::DATE, max(paid_at)::DATE FROM orders").fetchone()
    assert period is not None
    con.close()
    assert_a_re_close_restates_nothing(out / "merchantry.duckdb", *period)


def rule_as_written(rulebook: str, rule_id: str) -> dict[str, Any]:
    """A rule of a shipped rulebook read from its YAML, not through the engine."""
    book = yaml.safe_load((RULEBOOKS / f"{rulebook}.yaml").read_text("utf-8"))
    (rule,) = [r for r in book["rules"] if r["id"] == rule_id]
    return dict(rule)


def ranking_bar_as_written() -> str:
    """The good-service ranking's score bar as the shipped Taobao score rulebook writes it:
    what the demo must say of the ranking."""
    effect = rule_as_written(TAOBAO_SCORE_RULEBOOK, "ranking.good_service")["effect"]
    sign = ">" if effect.get("compare") == "above" else ">="
    return f"score {sign} {effect['min_score_cp'] / 100:g}"


def assert_a_re_close_restates_nothing(db: Path, first: date, last: date) -> None:
    """The demo's month, closed again as `merchantry close` would, posts and reverses nothing:
    every stage the close reads (the growth programmes' rewards among them) ran before it."""
    result = CliRunner().invoke(
        app,
        [
            "close",
            "--from",
            str(first),
            "--to",
            str(last),
            "--rulebook",
            CANDIDATE,
            "--db",
            str(db),
        ],
        env={"COLUMNS": "200"},
    )
    assert result.exit_code == 0, result.output
    assert ": 0 posted, 0 reversed," in " ".join(result.output.split()), result.output


def assert_every_policy_line_is_accounted_for(con: duckdb.DuckDBPyConnection, printed: str) -> None:
    """The terminal lists every line of the simulation, or the largest ten and
    "and N more, net ¥X" where X is what the unlisted lines add up to in sim_by_line."""
    lines = con.execute("SELECT title, saving_fen FROM sim_by_line").fetchall()
    assert lines  # the demo's simulation attributes its saving to policy lines
    listed = [
        (t, f)
        for t, f in lines
        if re.search(rf"{re.escape(humanize(t))} │ +{re.escape(format_fen(f))} │", printed)
    ]
    if len(lines) <= 10:
        assert len(listed) == len(lines)
        assert " more, net " not in printed
        return
    rest = [f for t, f in lines if (t, f) not in listed]
    more = (
        f"and {len(rest):,} more, net {format_fen(sum(rest))} │ +{re.escape(format_fen(sum(rest)))}"
    )
    assert re.search(more, printed)


def assert_shops_are_named(con: duckdb.DuckDBPyConnection, printed: str, page: str) -> None:
    """The best- and worst-scored shops are listed by name beside their id, in the terminal
    and on the report page."""
    named = con.execute(
        "SELECT s.shop_id, p.name FROM shop_scores AS s JOIN shops AS p USING (shop_id)"
        " WHERE s.rulebook = ? AND s.stage = 'formal' AND s.score_cp IS NOT NULL"
        " AND s.score_date = (SELECT max(score_date) FROM shop_scores WHERE rulebook = ?)"
        " ORDER BY s.score_cp DESC, s.shop_id LIMIT 1",
        [SCORE_RULEBOOK, SCORE_RULEBOOK],
    ).fetchone()
    assert named is not None
    shop_id, name = named
    assert name
    assert name != shop_id
    assert f"{name} ({shop_id})" in printed
    assert f"{html.escape(name)} ({shop_id})" in page
    assert "Best and worst shops" in page


def test_demo_is_repeatable(tmp_path: Path) -> None:
    args = ["--shops", "20", "--days", "2", "--no-progress"]
    runner = CliRunner()
    totals = []
    for _ in range(2):
        result = runner.invoke(app, ["demo", "--out", str(tmp_path / "d"), *args])
        assert result.exit_code == 0, result.output
        con = duckdb.connect(str(tmp_path / "d" / "merchantry.duckdb"), read_only=True)
        totals.append(
            con.execute(
                "SELECT rulebook, fee_kind, sum(amount_fen) FROM fee_lines"
                " GROUP BY ALL ORDER BY ALL"
            ).fetchall()
        )
        con.close()
    assert totals[0] == totals[1]
    assert totals[0]
