"""Run a simulation: both rulebooks over the same orders, then the difference.

Steps: (1) choose the period (default: every order's payment date); (2) pair
the two rulebooks' fee lines (the fee stage wrote them: the simulator does not
run it; ``merchantry.service.simulation`` runs the fee stage for both rulebooks
first) and write the ``sim_*`` tables for the run id, replacing any earlier run
of the same rulebooks and period; (3) read the result back.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import date, datetime
from pathlib import Path

import duckdb
import sqlglot.expressions as exp

from merchantry.kit.errors import InputError, NotFound
from merchantry.rulebook import Rulebook, load_rulebook
from merchantry.simulate.catalog import line_title, read_rules
from merchantry.simulate.distribution import describe
from merchantry.simulate.identity import Identity, content_of, record
from merchantry.simulate.money import (
    SideTerms,
    fee_effects,
    ledger_effects,
    side_terms,
    write_effects,
)
from merchantry.simulate.params import Period, SegmentParams, derive_run_id
from merchantry.simulate.result import SimulationResult, load_result
from merchantry.simulate.savings import (
    count_rulebook_lines,
    drop_staging,
    stage_period_lines,
    write_savings,
)
from merchantry.simulate.tables import SIM_TABLES, ensure_sim_tables
from merchantry.store.sql import insert_values
from merchantry.store.warehouse import DIALECT, transaction

Progress = Callable[[str], None]
"""Called with a short description as each step starts."""


def _quiet(step: str) -> None:
    return None


def default_period(con: duckdb.DuckDBPyConnection) -> Period:
    """First to last payment date of the orders in the warehouse."""
    row = con.execute("SELECT min(CAST(paid_at AS DATE)), max(CAST(paid_at AS DATE)) FROM orders")
    found = row.fetchone()
    if not found or found[0] is None:
        raise NotFound("the warehouse has no orders to simulate over; ingest or generate some")
    return Period(found[0], found[1])


def simulate(
    con: duckdb.DuckDBPyConnection,
    baseline: str,
    candidate: str,
    start: date | None = None,
    end: date | None = None,
    *,
    params: SegmentParams | None = None,
    rulebook_dirs: Sequence[Path] = (),
    progress: Progress = _quiet,
) -> SimulationResult:
    """Pair the period's fee lines under ``baseline`` and ``candidate`` and store the difference.

    The fee lines must exist (``merchantry.service.simulation.run_simulation`` runs
    the fee stage for both first). Re-running with the same rulebooks and period
    replaces the earlier run's rows.
    Raises ``InputError`` for a period with no orders and ``NotFound`` when a
    rulebook produced no fee lines for them.
    """
    if baseline == candidate:
        raise InputError(f"baseline and candidate are the same rulebook ({baseline!r})")
    params = params or SegmentParams()
    if start is None or end is None:
        whole = default_period(con)
        start = whole.start if start is None else start
        end = whole.end if end is None else end
    period = Period(start, end)
    books = tuple(_loaded(name, rulebook_dirs) for name in (baseline, candidate))
    identities = [
        Identity(name, None if book is None else content_of(book))
        for name, book in zip((baseline, candidate), books, strict=True)
    ]
    run_id = derive_run_id(
        baseline, candidate, period, (identities[0].digest, identities[1].digest)
    )
    progress("savings")
    ensure_sim_tables(con)
    with transaction(con):
        stage_period_lines(con, baseline, candidate, period)
        orders = con.execute("SELECT count(*) FROM sim_period_orders").fetchone()
        if not orders or orders[0] == 0:
            raise InputError(f"no orders paid between {period.start} and {period.end}")
        for rulebook in (baseline, candidate):
            if count_rulebook_lines(con, rulebook) == 0:
                raise NotFound(
                    f"rulebook {rulebook!r} has no fee lines for the orders paid between "
                    f"{period.start} and {period.end}; run `merchantry fees` for it first"
                )
        for table in SIM_TABLES:
            con.execute(exp.delete(table.name, where="run_id = ?").sql(DIALECT), [run_id])
        con.execute(
            "INSERT INTO sim_runs VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                baseline,
                candidate,
                period.start,
                period.end,
                params.to_json(),
                datetime.now(),
            ],
        )
        write_savings(con, run_id, period, params)
        effects = fee_effects(con)
        sides = _write_ledger_terms(con, run_id, period, books)
        write_effects(con, run_id, [*effects, *ledger_effects(sides, period, params.cash_rate_bp)])
        for identity in identities:
            record(con, identity)
        _name_lines(con, run_id, (baseline, candidate))
        _write_distribution(con, run_id)
        drop_staging(con)
    progress("report figures")
    return load_result(con, run_id)


def _loaded(name: str, rulebook_dirs: Sequence[Path]) -> Rulebook | None:
    """The rulebook, or ``None`` when it is not on the search path (fee lines alone can be
    simulated)."""
    try:
        return load_rulebook(name, rulebook_dirs)
    except NotFound:
        return None


def _write_ledger_terms(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    period: Period,
    books: tuple[Rulebook | None, ...],
) -> list[SideTerms | None]:
    """Each side's ledger terms; its settlement wait and borne compensation into
    ``sim_ledger`` (nothing for a side whose rulebook could not be loaded)."""
    sides: list[SideTerms | None] = []
    for side, book in zip(("baseline", "candidate"), books, strict=True):
        if book is None:
            sides.append(None)
            continue
        terms = side_terms(con, book, period)
        sides.append(terms)
        row = {"run_id": run_id, "side": side, **dataclasses.asdict(terms.ledger)}
        con.execute(insert_values("sim_ledger", list(row)), list(row.values()))
    return sides


def _name_lines(con: duckdb.DuckDBPyConnection, run_id: str, rulebooks: tuple[str, str]) -> None:
    """Give each policy line its rule's title and assumption flag."""
    rules = read_rules(con, rulebooks)
    lines = con.execute(
        "SELECT line_rulebook, line_id FROM sim_by_line WHERE run_id = ?", [run_id]
    ).fetchall()
    for rulebook, line_id in lines:
        info = rules.get((rulebook, line_id))
        con.execute(
            "UPDATE sim_by_line SET title = ?, assumption = ? "
            "WHERE run_id = ? AND line_rulebook = ? AND line_id = ?",
            [
                line_title(line_id, rulebook, rules),
                info.assumption if info else None,
                run_id,
                rulebook,
                line_id,
            ],
        )


def _write_distribution(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Percentiles of per-shop savings and of savings as a share of GMV."""
    rows = con.execute(
        "SELECT saving_fen, saving_share_bp FROM sim_shop_savings WHERE run_id = ?", [run_id]
    ).fetchall()
    measures = {
        "saving_fen": describe([int(r[0]) for r in rows]),
        "saving_share_bp": describe([int(r[1]) for r in rows if r[1] is not None]),
    }
    for measure, spread in measures.items():
        stats = [*spread.as_statistics(), ("count", spread.count)]
        con.executemany(
            "INSERT INTO sim_distribution VALUES (?, ?, ?, ?)",
            [[run_id, measure, name, value] for name, value in stats],
        )
