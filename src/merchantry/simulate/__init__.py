"""What-if savings simulator: two rulebooks over the same history, then the difference.

Data flow::

    orders (period) ──► fee stage × {baseline, candidate} ──► fee_lines
                        (run by merchantry.service.simulation, not here)
    fee_lines pair per order × fee kind ──► merchant cost, platform net, subsidy
      ──► sim_shop_savings, sim_by_segment, sim_by_line, sim_summary,
          sim_distribution, sim_runs      (all keyed by run_id)
      ──► SimulationResult ──► report page (merchantry.simulate.report)

Formulas, segments and their thresholds are documented in ``docs/simulator.md``.
"""

from __future__ import annotations

from merchantry.simulate.identity import preflight
from merchantry.simulate.money import MoneyEffect
from merchantry.simulate.params import Period, SegmentParams, derive_run_id
from merchantry.simulate.result import (
    LineSaving,
    SegmentSaving,
    ShopSaving,
    SimulationResult,
    Summary,
    load_result,
)
from merchantry.simulate.runner import default_period, simulate

__all__ = [
    "LineSaving",
    "MoneyEffect",
    "Period",
    "SegmentParams",
    "SegmentSaving",
    "ShopSaving",
    "SimulationResult",
    "Summary",
    "default_period",
    "derive_run_id",
    "load_result",
    "preflight",
    "simulate",
]
