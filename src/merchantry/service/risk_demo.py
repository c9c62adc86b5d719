"""The demo's risk use case: rings, a model trained on the planted truth, every request decided.

The model is trained quickly (100 boosting rounds, no test figures: see
``merchantry risk evaluate``) and falls back to the rules alone when the history
is too short to train on (too few abusive requests before the time split). Rings
and decisions are the runner's ``risk:rings`` and ``risk:decisions`` stages; the
figures are read back from their tables, so they are right whether a stage ran
now or was already fresh.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from merchantry.kit.errors import InputError
from merchantry.risk.evaluation import RingEvaluation, evaluate_rings, train_on_truth
from merchantry.risk.model import RiskModel
from merchantry.risk.settings import DEFAULT_RULEBOOK, settings_from
from merchantry.rulebook import load_rulebook
from merchantry.service.runner import RunReport, run_stages
from merchantry.service.stages import decisions_stage, rings_stage

DECISIONS = ("fast_approve", "normal", "review", "intercept")
"""The decisions, mildest first (``risk_decisions.decision``)."""


@dataclass(frozen=True, slots=True)
class RiskDemo:
    """What the risk step found."""

    run: RunReport
    model: RiskModel | None
    flagged_rings: int
    requests: int
    by_decision: dict[str, int]
    rings: RingEvaluation | None
    """Against the planted rings, when the truth folder has them."""

    def line(self) -> str:
        """The one-line account the demo prints."""
        found = (
            f" ({self.rings.rings_found} of {self.rings.planted_rings} planted rings found)"
            if self.rings
            else ""
        )
        counts = ", ".join(f"{k} {v:,}" for k, v in sorted(self.by_decision.items()))
        by = f" with model {self.model.version}" if self.model else " by rules only"
        return (
            f"Risk: {self.flagged_rings:,} rings of linked buyers flagged{found}; "
            f"{self.requests:,} after-sales requests decided{by}: {counts}."
        )


def risk_figures(con: duckdb.DuckDBPyConnection) -> tuple[int, dict[str, int]]:
    """Flagged rings, and decided requests by decision, as the warehouse holds them."""
    row = con.execute("SELECT count(*) FILTER (WHERE flagged) FROM risk_rings").fetchone()
    decided = con.execute("SELECT decision, count(*) FROM risk_decisions GROUP BY 1").fetchall()
    return (int(row[0]) if row else 0), {str(d): int(n) for d, n in decided}


def run_risk_demo(
    con: duckdb.DuckDBPyConnection,
    truth: Path,
    start: date,
    end: date,
    *,
    rulebook: str = DEFAULT_RULEBOOK,
) -> RiskDemo:
    """Train on the truth when it has labels, then run the rings and decisions stages."""
    book = load_rulebook(rulebook)
    planted = (truth / "refund_rings.csv").is_file()
    model = None
    if planted:
        try:
            model = train_on_truth(con, truth, settings_from(book), max_iter=100)
        except InputError:
            model = None
    stages = (rings_stage(rulebook), decisions_stage(rulebook, model=model))
    run = run_stages(con, start, end, stages=stages)
    flagged, by_decision = risk_figures(con)
    return RiskDemo(
        run,
        model,
        flagged,
        sum(by_decision.values()),
        by_decision,
        evaluate_rings(con, truth) if planted else None,
    )
