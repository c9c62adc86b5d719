"""Simulation as a use case: the fee stage under both rulebooks, then the difference.

A simulation is not a stage: it runs the fee stage for the baseline and the
candidate through the runner (so a rulebook whose fee lines are fresh for the
period is not priced again, and each run is recorded in ``stage_runs``), then the
simulator pairs the lines (:func:`merchantry.simulate.simulate`). Results are
stored by run id; :func:`simulation_result` fetches one back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import duckdb

from merchantry.kit.errors import InputError, NotFound
from merchantry.service.runner import RunReport, run_stages
from merchantry.service.stages import Progress, fees_stage
from merchantry.simulate import SegmentParams, SimulationResult, default_period, load_result
from merchantry.simulate import simulate as pair_fee_lines
from merchantry.store.warehouse import table_exists


def run_simulation(
    con: duckdb.DuckDBPyConnection,
    baseline: str,
    candidate: str,
    start: date | None = None,
    end: date | None = None,
    *,
    params: SegmentParams | None = None,
    rulebook_dirs: Sequence[Path] = (),
    use_existing_fees: bool = False,
    progress: Progress | None = None,
) -> SimulationResult:
    """Price the period under both rulebooks (unless ``use_existing_fees``) and compare.

    The period defaults to every order's payment dates. The fee stage's warnings
    reach the result, each prefixed with its rulebook.
    """
    if baseline == candidate:
        raise InputError(f"baseline and candidate are the same rulebook ({baseline!r})")
    say = progress or (lambda _step: None)
    if start is None or end is None:
        whole = default_period(con)
        start = whole.start if start is None else start
        end = whole.end if end is None else end
    warnings: list[str] = []
    if not use_existing_fees:
        fees = fee_stages(con, baseline, candidate, start, end, rulebook_dirs, say)
        for report in fees.stages:
            rulebook = report.stage.split(":", 1)[1]
            warnings += [f"{rulebook}: {w}" for w in report.warnings]
    result = pair_fee_lines(
        con,
        baseline,
        candidate,
        start,
        end,
        params=params,
        rulebook_dirs=rulebook_dirs,
        progress=say,
    )
    return dataclasses.replace(result, warnings=(*warnings, *result.warnings))


def fee_stages(
    con: duckdb.DuckDBPyConnection,
    baseline: str,
    candidate: str,
    start: date,
    end: date,
    rulebook_dirs: Sequence[Path] = (),
    progress: Progress | None = None,
) -> RunReport:
    """The fee stage for both rulebooks over the period, through the runner."""
    stages = [fees_stage(name, rulebook_dirs) for name in dict.fromkeys((baseline, candidate))]
    return run_stages(con, start, end, stages=stages, progress=progress)


def simulation_result(con: duckdb.DuckDBPyConnection, run_id: str) -> SimulationResult:
    """A stored simulation by run id (``NotFound`` when there is none). Works on a read-only
    connection (a published snapshot)."""
    if not table_exists(con, "sim_runs"):
        raise NotFound(f"no simulation run {run_id!r} in the warehouse (none was run)")
    return load_result(con, run_id)
