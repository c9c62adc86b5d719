"""The programmes report: uptake, cost, cohorts, and the DiD effect with its interval.

On generated data the generator plants a known uplift for the shops that sign up to the
industry-belt programme (truth/program_uplift.csv); the report's interval must cover it, and
cover 0 when nothing is planted."""

from __future__ import annotations

import csv
import math
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest

from merchantry.ingest.pipeline import ingest_dir
from merchantry.programs import load_programme, run_programme
from merchantry.programs.html import build_page
from merchantry.programs.report import Effect, estimate_effect, programme_report
from merchantry.store.warehouse import connect
from merchantry.synth.generator import DEFAULT_START, generate
from merchantry.synth.programs import PLANTED_PROGRAM
from tests.programs.factories import orders, shop, signup


def test_did_on_hand_made_shops(con: duckdb.DuckDBPyConnection) -> None:
    belts = load_programme("douyin-2026-industry-belts")
    start, event = date(2026, 3, 1), date(2026, 3, 15)
    for i in range(12):
        participant = i < 4
        s = f"S{i:02d}"
        shop(con, s, opened=date(2025, 1, 1), tags=("industry_belt",) if participant else ())
        if participant:
            signup(con, s, belts.name, event)
        per_day = 2 + i % 3
        for d in range(28):
            day = start + timedelta(days=d)
            n = per_day * (2 if participant and day >= event else 1)
            orders(con, s, day, n)
    run_programme(con, belts, date(2026, 3, 28))
    effect = estimate_effect(con, belts)
    assert effect is not None
    assert effect.pairs == 4
    assert effect.window_days == 14
    # each participant's daily GMV doubles; every control stays flat
    assert 9_500 <= effect.effect_bp <= 10_000
    assert effect.low_bp <= effect.effect_bp <= effect.high_bp
    report = programme_report(con, belts)
    assert (report.eligible, report.participants, report.uptake_bp) == (4, 4, 10_000)
    assert report.granted_fen == 4 * 50_000  # twenty orders each; no live-room sales
    html = build_page([report], period="March 2026").to_html()
    assert "县域产业带与特色产业扶持" in html
    assert "Effect" in html


def test_too_few_participants_give_no_estimate(con: duckdb.DuckDBPyConnection) -> None:
    belts = load_programme("douyin-2026-industry-belts")
    shop(con, "A", opened=date(2025, 1, 1), tags=("industry_belt",))
    signup(con, "A", belts.name, date(2026, 3, 10))
    orders(con, "A", date(2026, 3, 11), 20)
    run_programme(con, belts, date(2026, 3, 31))
    assert estimate_effect(con, belts) is None


def _market(
    root: Path, uplift_bp: int, seed: int = 3
) -> tuple[duckdb.DuckDBPyConnection, list[dict[str, str]]]:
    generate(
        root / "data",
        shops=300,
        days=28,
        seed=seed,
        progress=False,
        orders_per_shop_day=6,
        program_uplift_bp=uplift_bp,
    )
    with (root / "data" / "truth" / "program_uplift.csv").open(encoding="utf-8") as f:
        truth = list(csv.DictReader(f))
    con = connect(root / "w.duckdb")
    ingest_dir(con, root / "data", progress=False)
    run_programme(con, load_programme(PLANTED_PROGRAM), DEFAULT_START + timedelta(days=27))
    return con, truth


@pytest.mark.slow
def test_the_report_recovers_the_planted_uplift(tmp_path: Path) -> None:
    """Each of two markets tells the effect apart from none, and together they land near it.
    One market's estimate moves by a point or two whenever the generator draws its shops
    differently (on seed 3 it is +43.9% without the rule-combination relabelling and +45.3%
    with it, seed 4 gives +33.8%), so nearness is held on the mean of two seeds, not on one;
    whether a 95% interval covers the truth is the one market in twenty it misses, a matter
    for many seeds (bench/bench_programme_effect.py)."""
    estimates = []
    for seed in (3, 4):
        con, truth = _market(tmp_path / str(seed), 3_000, seed)
        try:
            assert len(truth) >= 15
            assert {t["uplift_bp"] for t in truth} == {"3000"}
            signed = {r[0] for r in con.execute("SELECT shop_id FROM program_signups").fetchall()}
            assert signed == {t["shop_id"] for t in truth}
            effect = estimate_effect(con, load_programme(PLANTED_PROGRAM))
            assert effect is not None
            assert effect.pairs >= 15
            assert effect.low_bp > 0, effect  # the effect is told apart from none
            assert effect.high_bp - effect.low_bp <= 4_000, effect
            estimates.append(effect.effect_bp)
        finally:
            con.close()
    assert abs(sum(estimates) / len(estimates) - 3_000) <= 1_500, estimates


@pytest.mark.slow
def test_no_planted_uplift_gives_an_interval_around_zero(tmp_path: Path) -> None:
    con, truth = _market(tmp_path, 0)
    try:
        assert {t["uplift_bp"] for t in truth} == {"0"}
        effect = estimate_effect(con, load_programme(PLANTED_PROGRAM))
        assert effect is not None
        assert effect.covers_bp(0), effect
    finally:
        con.close()


def test_signed_up_shops_that_never_complete_a_task_still_count(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Intention to treat: two signed-up shops double their sales and complete the
    twenty-order task; two others gain nothing and never complete it. Counting only the
    completers would report +100%; every signed-up shop counts, so the effect is the mean
    log change, log(2) / 2: +41.4%."""
    belts = load_programme("douyin-2026-industry-belts")
    start, event = date(2026, 3, 1), date(2026, 3, 15)
    plan = {"P1": (2, 2), "P2": (2, 2), "P3": (1, 1), "P4": (1, 1)}  # (per day, post factor)
    plan |= {f"C{i}": (1 + i % 2, 1) for i in range(8)}  # controls: one or two a day, flat
    for s, (per_day, factor) in plan.items():
        participant = s.startswith("P")
        shop(con, s, opened=date(2025, 1, 1), tags=("industry_belt",) if participant else ())
        if participant:
            signup(con, s, belts.name, event)
        for d in range(28):
            day = start + timedelta(days=d)
            orders(con, s, day, per_day * (factor if day >= event else 1))
    run_programme(con, belts, date(2026, 3, 28))
    states = dict(
        con.execute(
            "SELECT shop_id, state FROM program_tasks WHERE task_id = 'belt-twenty-orders'"
        ).fetchall()
    )
    assert states == {
        "P1": "completed",
        "P2": "completed",
        "P3": "in_progress",
        "P4": "in_progress",
    }
    effect = estimate_effect(con, belts)
    assert effect is not None
    assert effect.by_signup
    assert effect.pairs == 4
    assert 4_000 <= effect.effect_bp <= 4_300  # exp(log(2) / 2) - 1 = 41.4%
    assert effect.covers_bp(effect.effect_bp)


PLANTED_SEEDS = (3, 5, 7, 11, 13, 17, 19)


@pytest.mark.extended
def test_the_planted_uplift_is_inside_the_interval_on_several_seeds(tmp_path: Path) -> None:
    """Over seven markets with +30% planted (truth/program_uplift.csv): every signed-up shop
    is a participant; the 95% interval covers +30% on at least six (a 95% interval misses one
    market in twenty: six of seven or more happens 96% of the time); the points average
    within 6 points of it; and the shipped design (four matched controls, inverse-variance
    weights) errs less and gives narrower intervals than the one unweighted match it
    replaced, on the same markets."""
    programme = load_programme(PLANTED_PROGRAM)
    shipped: list[Effect] = []
    single: list[Effect] = []
    for seed in PLANTED_SEEDS:
        con, truth = _market(tmp_path / str(seed), 3_000, seed=seed)
        try:
            assert {int(t["uplift_bp"]) for t in truth} == {3_000}
            effect = estimate_effect(con, programme)
            before = estimate_effect(con, programme, matches=1, weighted=False)
            assert effect is not None
            assert before is not None
            assert effect.pairs == len(truth)  # every signed-up shop, completed or not
            shipped.append(effect)
            single.append(before)
        finally:
            con.close()
    assert sum(e.covers_bp(3_000) for e in shipped) >= 6, shipped
    points = [e.effect_bp for e in shipped]
    assert abs(sum(points) / len(points) - 3_000) <= 600, points

    def rmse(effects: list[Effect]) -> float:
        return math.sqrt(sum((e.effect_bp - 3_000) ** 2 for e in effects) / len(effects))

    def width(effects: list[Effect]) -> float:
        return sum(e.high_bp - e.low_bp for e in effects) / len(effects)

    assert rmse(shipped) < rmse(single), (shipped, single)
    assert width(shipped) < width(single), (shipped, single)
