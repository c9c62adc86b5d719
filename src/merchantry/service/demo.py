"""The demo as a use case: its steps in order, and the headline figures each reports.

Generate a marketplace, ingest it into a fresh warehouse, then the stages through
the runner: experience scores (Douyin's daily series, Taobao's on the last day),
the simulation of the 2026 Douyin policies against 2025 (which runs the fee stage
for both), the month close under the candidate, and risk. ``merchantry demo``
(``cli/demo.py``) only prints and renders what these return.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import duckdb

from merchantry.ingest import IngestReport, ingest_dir
from merchantry.kit.money import format_fen
from merchantry.ledger import CloseSummary, close_key
from merchantry.programs.report import ProgrammeReport
from merchantry.report.page import shop_label
from merchantry.rulebook import load_rulebook
from merchantry.rulebook.registry import describe_effect
from merchantry.scoring import ScoreRunSummary
from merchantry.scoring.report import RankedShop, ranking, typical_score
from merchantry.service.programs import ProgrammesRun, programmes_report, run_programmes
from merchantry.service.runner import RunReport, run_stages
from merchantry.service.simulation import run_simulation
from merchantry.service.stages import (
    Progress,
    StageScope,
    close_stage,
    fees_stage,
    score_stage,
)
from merchantry.simulate import SimulationResult
from merchantry.simulate.result import LineSaving
from merchantry.store.warehouse import connect
from merchantry.synth import GenerateSummary, generate

BASELINE: Final = "douyin-2025"
CANDIDATE: Final = "douyin-2026"
SCORE_RULEBOOK: Final = "douyin-score-2026-07"
TAOBAO_SCORE_RULEBOOK: Final = "taobao-score-2026"

STEP_ORDER: Final = ("generate", "ingest", "scores", "simulate", "programs", "close", "risk")
"""The demo, in order: scores before the close (its quality-merchant rule reads the score
in force on each order's payment date), the simulation before the close (it prices the
candidate's fee lines, which the close then finds fresh), the growth programmes before the
close as ``merchantry run`` orders them (a cash reward is goods payment a deposit top-up
takes: posted after the close, a re-close of the month would top up again)."""

SCORE_GATED_RULE: Final = "compensation.quality-merchant"
"""The candidate's score-gated 减赔 rule, whose money the demo reports."""

SCORE_GATED_COMPENSATION: Final = """
SELECT coalesce(-sum(amount_fen), 0), count(DISTINCT shop_id)
FROM journal_postings AS p JOIN journal_entries AS e USING (entry_id)
WHERE p.account = 'platform_subsidy' AND p.rule_id = $rule
"""
"""Compensation a rule (``$rule``: :data:`SCORE_GATED_RULE`) moved from merchants to the
platform."""


SHOWN_LINES: Final = 10
"""Policy lines the demo's terminal summary lists before it sums up the rest."""

EXTREME_SHOPS: Final = """
SELECT s.shop_id, p.name, s.industry, s.score_cp, s.display_tenths
FROM shop_scores AS s LEFT JOIN shops AS p USING (shop_id)
WHERE s.rulebook = ? AND s.score_date = ? AND s.stage = 'formal' AND s.score_cp IS NOT NULL
ORDER BY s.score_cp * ?, s.shop_id LIMIT ?
"""
"""The best (direction -1) or worst (+1) formal-stage shops of a day, with their names;
parameters: rulebook, day, direction, how many."""


@dataclass(frozen=True, slots=True)
class LineDigest:
    """Policy lines as a summary shows them: the largest first, and what the rest add up to."""

    shown: tuple[LineSaving, ...]
    more: int
    """Lines not listed."""
    more_net_fen: int
    """Net saving of the lines not listed (negative: they cost merchants)."""

    @property
    def more_line(self) -> str:
        """``and 7 more, net ¥12.30``; empty when every line is listed."""
        return f"and {self.more:,} more, net {format_fen(self.more_net_fen)}" if self.more else ""


def digest_lines(lines: Sequence[LineSaving], limit: int = SHOWN_LINES) -> LineDigest:
    """Every line when there are at most ``limit``; otherwise the ``limit`` that move the
    most money either way (a cost is never hidden behind smaller savings), largest first,
    and the count and net saving of the rest, so the listed and the rest sum to the total."""
    ranked = sorted(lines, key=lambda line: (-abs(line.saving_fen), line.line_id))
    shown, rest = ranked[:limit], ranked[limit:]
    return LineDigest(tuple(shown), len(rest), sum(line.saving_fen for line in rest))


@dataclass(frozen=True, slots=True)
class ShopFigure:
    """A shop as a summary lists it: id, name, industry, score (hundredths) and the
    consumer display its scale rule gives (tenths; ``None`` when not shown)."""

    shop_id: str
    name: str | None
    industry: str
    score_cp: int
    display_tenths: int | None = None

    @property
    def label(self) -> str:
        return shop_label(self.shop_id, self.name)


def extreme_shops(
    con: duckdb.DuckDBPyConnection, rulebook: str, day: date, n: int = 5
) -> tuple[list[ShopFigure], list[ShopFigure]]:
    """(best, worst) formal-stage shops of a day under ``rulebook``, with their names."""

    def fetch(direction: int) -> list[ShopFigure]:
        rows = con.execute(EXTREME_SHOPS, [rulebook, day, direction, n]).fetchall()
        return [
            ShopFigure(
                str(a), None if b is None else str(b), str(c), int(d), None if e is None else int(e)
            )
            for a, b, c, d, e in rows
        ]

    return fetch(-1), fetch(1)


def generate_market(
    data_dir: Path, *, shops: int, days: int, seed: int, start: date, progress: bool
) -> GenerateSummary:
    """Write a fresh synthetic marketplace (same seed, same bytes)."""
    return generate(data_dir, shops=shops, days=days, seed=seed, start=start, progress=progress)


def ingest_market(
    db_path: Path, data_dir: Path, quarantine_file: Path, *, progress: bool
) -> tuple[duckdb.DuckDBPyConnection, IngestReport]:
    """Load the marketplace into a fresh warehouse; every row is accepted or quarantined."""
    for stale in (db_path, db_path.with_suffix(".duckdb.wal")):
        stale.unlink(missing_ok=True)
    con = connect(db_path)
    return con, ingest_dir(con, data_dir, quarantine_file=quarantine_file, progress=progress)


@dataclass(frozen=True, slots=True)
class ScoresDone:
    """The score step: both rulebooks' runs and the headline figures."""

    run: RunReport
    douyin: ScoreRunSummary | None
    """The Douyin run's summary (``None`` when the stage was fresh)."""
    scored: int
    """Shops with a score on the last day (Douyin)."""
    median_cp: int | None
    """The typical score (:func:`~merchantry.scoring.report.typical_score`) on the last day."""
    taobao_formal: int
    ranked: list[RankedShop]
    """Taobao's good-service ranking on the last day."""
    ranking_bar: str
    """The ranking rule of the Taobao score rulebook in plain words (its score bar, services
    and places), so what the demo says of the ranking follows the rulebook's numbers."""
    best: list[ShopFigure]
    """Douyin's best-scored shops on the last day."""
    worst: list[ShopFigure]


def run_scores(
    con: duckdb.DuckDBPyConnection, start: date, end: date, progress: Progress | None = None
) -> ScoresDone:
    """Douyin's experience score every day, Taobao's on the last day; the ranking."""
    stages = (
        score_stage(SCORE_RULEBOOK),
        score_stage(TAOBAO_SCORE_RULEBOOK, scope=StageScope.LAST_DAY),
    )
    run = run_stages(con, start, end, stages=stages, progress=progress)
    douyin = run.report(f"score:{SCORE_RULEBOOK}").outcome
    row = con.execute(
        "SELECT count(score_cp) FROM shop_scores WHERE rulebook = ? AND score_date = ?",
        [SCORE_RULEBOOK, end],
    ).fetchone()
    formal = con.execute(
        "SELECT count(*) FROM shop_scores WHERE rulebook = ? AND score_date = ?"
        " AND stage = 'formal'",
        [TAOBAO_SCORE_RULEBOOK, end],
    ).fetchone()
    best, worst = extreme_shops(con, SCORE_RULEBOOK, end)
    return ScoresDone(
        run,
        douyin.detail if douyin and isinstance(douyin.detail, ScoreRunSummary) else None,
        int(row[0]) if row else 0,
        typical_score(con, SCORE_RULEBOOK, end),
        int(formal[0]) if formal else 0,
        ranking(con, TAOBAO_SCORE_RULEBOOK, end),
        "; ".join(
            describe_effect(rule.effect)
            for rule in load_rulebook(TAOBAO_SCORE_RULEBOOK).rules_of("score_ranking")
        ),
        best,
        worst,
    )


def run_demo_simulation(con: duckdb.DuckDBPyConnection, start: date, end: date) -> SimulationResult:
    """Fees under the 2025 and 2026 Douyin rulebooks, and what merchants save."""
    return run_simulation(con, BASELINE, CANDIDATE, start, end)


@dataclass(frozen=True, slots=True)
class CloseDone:
    """The close step and its headline figures (read from the journal)."""

    run: RunReport
    summary: CloseSummary | None
    """``None`` when the close was already fresh."""
    settled_fen: int
    borne_fen: int
    """Compensation the platform bore under the score-gated rule (减赔)."""
    borne_shops: int
    borne_when: str
    """The score-gated rule's condition as the candidate rulebook writes it (``shop.
    experience_score >= 90``), so what the demo says of those shops follows the rulebook."""


def score_gated_condition() -> str:
    """The condition of the candidate's :data:`SCORE_GATED_RULE`, or words saying the
    rulebook has no such rule."""
    try:
        return load_rulebook(CANDIDATE).rule(SCORE_GATED_RULE).when
    except KeyError:
        return f"no rule {SCORE_GATED_RULE} in {CANDIDATE}"


def run_close(
    con: duckdb.DuckDBPyConnection, start: date, end: date, progress: Progress | None = None
) -> CloseDone:
    """Close the month under the candidate: journal, settlement, deposits, payouts."""
    run = run_stages(
        con, start, end, stages=(fees_stage(CANDIDATE), close_stage(CANDIDATE)), progress=progress
    )
    outcome = run.report(f"close:{CANDIDATE}").outcome
    summary = outcome.detail if outcome and isinstance(outcome.detail, CloseSummary) else None
    settled = con.execute(
        "SELECT coalesce(sum(p.amount_fen), 0) FROM journal_postings AS p"
        " WHERE p.entry_kind = 'settlement' AND p.amount_fen > 0 AND p.entry_id IN"
        " (SELECT entry_id FROM journal_entries WHERE close_key = ?)",
        [close_key(CANDIDATE, start, end)],
    ).fetchone()  # money moved by each balanced settlement entry: the sum of its credits
    borne = con.execute(SCORE_GATED_COMPENSATION, {"rule": SCORE_GATED_RULE}).fetchone()
    return CloseDone(
        run,
        summary,
        int(settled[0]) if settled else 0,
        int(borne[0]) if borne else 0,
        int(borne[1]) if borne else 0,
        score_gated_condition(),
    )


def run_demo_programmes(
    con: duckdb.DuckDBPyConnection, start: date, end: date, progress: Progress | None = None
) -> tuple[ProgrammesRun, list[ProgrammeReport]]:
    """Every shipped growth programme over the period, its rewards posted in the candidate's
    journal, and the programmes report (uptake, cost, effect)."""
    done = run_programmes(con, start, end, rulebook=CANDIDATE, progress=progress)
    return done, programmes_report(con)
