"""A simulation's figures as values, read back from the ``sim_*`` tables.

The report and the command line print from these values, and these values are
read from the warehouse tables, so what a page shows is exactly what the
tables hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, fields
from typing import Any, Final

import duckdb

from merchantry.kit.errors import NotFound
from merchantry.ledger.whatif import LedgerTerms
from merchantry.simulate.catalog import RuleInfo, read_rules
from merchantry.simulate.distribution import PERCENTILES, Spread
from merchantry.simulate.money import MoneyEffect, read_effects
from merchantry.simulate.params import Period, SegmentParams
from merchantry.store.sql import records

TOP_SHOPS: Final = 20
SAMPLE_SIZE: Final = 5_000
"""Per-shop values kept for charts; larger sets are thinned evenly by rank."""


@dataclass(frozen=True, slots=True)
class Summary:
    """Headline figures (see ``sim_summary`` for each column's meaning)."""

    orders: int
    shops: int
    gmv_fen: int
    baseline_cost_fen: int
    candidate_cost_fen: int
    saving_fen: int
    platform_baseline_fen: int
    platform_candidate_fen: int
    platform_giveup_fen: int
    subsidy_baseline_fen: int
    subsidy_candidate_fen: int
    others_change_fen: int
    shops_gain: int
    shops_lose: int
    shops_unchanged: int


@dataclass(frozen=True, slots=True)
class LineSaving:
    """Saving attributed to one policy line."""

    line_id: str
    line_rulebook: str
    title: str
    fee_kinds: tuple[str, ...]
    assumption: bool | None
    lines: int
    orders: int
    shops: int
    saving_fen: int


@dataclass(frozen=True, slots=True)
class SegmentSaving:
    """Saving of one merchant segment."""

    dimension: str
    segment: str
    shops: int
    orders: int
    gmv_fen: int
    baseline_cost_fen: int
    candidate_cost_fen: int
    saving_fen: int


@dataclass(frozen=True, slots=True)
class ShopSaving:
    """Saving of one shop, with its segments."""

    shop_id: str
    shop_name: str | None
    industry: str
    store_type: str
    tenure: str
    size: str
    orders: int
    gmv_fen: int
    baseline_cost_fen: int
    candidate_cost_fen: int
    saving_fen: int
    saving_share_bp: int | None


@dataclass(frozen=True, slots=True)
class LedgerSide(LedgerTerms):
    """One side's ledger terms over the period (a ``sim_ledger`` row)."""

    side: str


@dataclass(frozen=True, slots=True)
class SimulationResult:
    """Everything a simulation found, ready to print or render."""

    run_id: str
    baseline: str
    candidate: str
    period: Period
    params: SegmentParams
    summary: Summary
    by_line: tuple[LineSaving, ...]
    by_segment: tuple[SegmentSaving, ...]
    saving_spread: Spread
    share_spread: Spread
    gainers: tuple[ShopSaving, ...]
    losers: tuple[ShopSaving, ...]
    saving_sample: tuple[int, ...]
    """Per-shop savings (thinned to :data:`SAMPLE_SIZE` by rank), for charts."""
    sample_by_size: tuple[tuple[str, tuple[int, ...]], ...]
    assumptions: tuple[RuleInfo, ...]
    """Rules of either rulebook whose numbers are flagged as assumptions."""
    ledger: tuple[LedgerSide, ...] = ()
    """Settlement wait and borne compensation of each side (``sim_ledger``); empty when
    neither rulebook could be loaded."""
    warnings: tuple[str, ...] = ()
    """What the fee runs of this simulation warned about (e.g. a score-gated rule with no
    score to read), each prefixed with its rulebook. Not stored: a run read back later
    has none."""
    effects: tuple[MoneyEffect, ...] = ()
    """Every money effect of the candidate (``sim_effects``): fees, insurance, subsidies,
    compensation, deposit deductions, settlement and deposit cash flow."""

    @property
    def merchant_gain_fen(self) -> int:
        """What merchants gain under the candidate, all money effects together."""
        return sum(e.merchant_gain_fen for e in self.effects)

    @property
    def platform_cost_fen(self) -> int:
        """What the platform gives up under the candidate, all money effects together."""
        return sum(e.platform_cost_fen for e in self.effects)

    @property
    def is_same(self) -> bool:
        """True only when no money effect differs at all (not merely rounds to ¥0)."""
        return all(
            e.baseline_fen == e.candidate_fen and e.merchant_gain_fen == 0 for e in self.effects
        ) and not any(
            (a.fen_days, a.platform_borne_fen) != (b.fen_days, b.platform_borne_fen)
            for a, b in zip(self.ledger[:1], self.ledger[1:], strict=False)
        )

    def segments(self, dimension: str) -> tuple[SegmentSaving, ...]:
        """The segments of one dimension, largest saving first."""
        return tuple(s for s in self.by_segment if s.dimension == dimension)


def _shop(row: dict[str, Any]) -> ShopSaving:
    return ShopSaving(**{f.name: row[f.name] for f in fields(ShopSaving)})


def _spread(rows: list[dict[str, Any]], measure: str) -> Spread:
    stats = {r["statistic"]: int(r["value"]) for r in rows if r["measure"] == measure}
    count = stats.pop("count", 0)
    return Spread(
        percentiles=tuple((p, stats.get(f"p{p}", 0)) for p in PERCENTILES),
        mean=stats.get("mean", 0),
        count=count,
    )


def thin_by_rank(sorted_values: list[int], size: int = SAMPLE_SIZE) -> tuple[int, ...]:
    """At most ``size`` values spread evenly over the ranks, so the shape is kept."""
    n = len(sorted_values)
    if n <= size:
        return tuple(sorted_values)
    return tuple(sorted_values[(i * (n - 1)) // (size - 1)] for i in range(size))


def load_result(
    con: duckdb.DuckDBPyConnection, run_id: str, *, top: int = TOP_SHOPS
) -> SimulationResult:
    """Read a stored run; ``NotFound`` names the run id when it is not there."""
    runs = records(con, "SELECT * FROM sim_runs WHERE run_id = ?", [run_id])
    if not runs:
        raise NotFound(f"no simulation run {run_id!r} in the warehouse")
    run = runs[0]
    summary_row = records(con, "SELECT * FROM sim_summary WHERE run_id = ?", [run_id])[0]
    summary = Summary(**{f.name: int(summary_row[f.name]) for f in fields(Summary)})
    by_line = tuple(
        LineSaving(
            line_id=r["line_id"],
            line_rulebook=r["line_rulebook"],
            title=r["title"],
            fee_kinds=tuple(r["fee_kinds"].split(",")) if r["fee_kinds"] else (),
            assumption=r["assumption"],
            lines=r["lines"],
            orders=r["orders"],
            shops=r["shops"],
            saving_fen=r["saving_fen"],
        )
        for r in records(
            con,
            "SELECT * FROM sim_by_line WHERE run_id = ? ORDER BY saving_fen DESC, line_id",
            [run_id],
        )
    )
    by_segment = tuple(
        SegmentSaving(**{f.name: r[f.name] for f in fields(SegmentSaving)})
        for r in records(
            con,
            "SELECT * FROM sim_by_segment WHERE run_id = ? "
            "ORDER BY dimension, saving_fen DESC, segment",
            [run_id],
        )
    )
    dist = records(con, "SELECT * FROM sim_distribution WHERE run_id = ?", [run_id])
    gainers = tuple(
        _shop(r)
        for r in records(
            con,
            "SELECT * FROM sim_shop_savings WHERE run_id = ? AND saving_fen > 0 "
            "ORDER BY saving_fen DESC, shop_id LIMIT ?",
            [run_id, top],
        )
    )
    losers = tuple(
        _shop(r)
        for r in records(
            con,
            "SELECT * FROM sim_shop_savings WHERE run_id = ? AND saving_fen < 0 "
            "ORDER BY saving_fen ASC, shop_id LIMIT ?",
            [run_id, top],
        )
    )
    savings = records(
        con,
        "SELECT size, saving_fen FROM sim_shop_savings WHERE run_id = ? ORDER BY saving_fen",
        [run_id],
    )
    all_values = [int(r["saving_fen"]) for r in savings]
    by_size: dict[str, list[int]] = {}
    for r in savings:
        by_size.setdefault(r["size"], []).append(int(r["saving_fen"]))
    size_order = ("small", "mid", "key_account", "unknown")
    rules = read_rules(con, (run["baseline"], run["candidate"]))
    ledger = tuple(
        LedgerSide(**{f.name: r[f.name] for f in fields(LedgerSide)})
        for r in records(con, "SELECT * FROM sim_ledger WHERE run_id = ? ORDER BY side", [run_id])
    )
    return SimulationResult(
        run_id=run_id,
        baseline=run["baseline"],
        candidate=run["candidate"],
        period=Period(run["period_start"], run["period_end"]),
        params=SegmentParams(**json.loads(run["params"])),
        summary=summary,
        by_line=by_line,
        by_segment=by_segment,
        saving_spread=_spread(dist, "saving_fen"),
        share_spread=_spread(dist, "saving_share_bp"),
        gainers=gainers,
        losers=losers,
        saving_sample=thin_by_rank(all_values),
        sample_by_size=tuple(
            (size, thin_by_rank(by_size[size])) for size in size_order if size in by_size
        ),
        ledger=ledger,
        effects=read_effects(con, run_id),
        assumptions=tuple(
            sorted(
                (info for info in rules.values() if info.assumption),
                key=lambda i: (i.rulebook, i.rule_id),
            )
        ),
    )
