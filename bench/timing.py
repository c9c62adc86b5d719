"""What the latency benchmarks share: a small warehouse to run on, and timing each call.

Every latency bench (listings pre-publish check, post-purchase filter, customer-service
routing, refund decisions) times single calls twice: wall clock and the calling thread's CPU
time (on a shared machine the wall clock's tail is other processes' scheduling), and reports
percentiles of each. :class:`Latency` holds both series; :func:`percentile` is the one
definition of a percentile they use.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from merchantry.ingest import ingest_dir
from merchantry.store.warehouse import connect
from merchantry.synth import generate

T = TypeVar("T")


def percentile(values: list[float], share: float) -> float:
    """The value below which ``share`` of ``values`` lie (nearest rank; ``values`` non-empty)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def small_warehouse(
    db: str | Path | None, scratch: Path, *, shops: int, days: int, seed: int = 1
) -> Path:
    """``db`` when given; otherwise a market generated and ingested under ``scratch``."""
    if db is not None:
        return Path(db)
    generate(scratch / "data", shops=shops, days=days, seed=seed, progress=False)
    made = scratch / "bench.duckdb"
    con = connect(made)
    try:
        ingest_dir(con, scratch / "data", progress=False)
    finally:
        con.close()
    return made


@dataclass
class Latency:
    """Milliseconds per call, as wall clock and as the calling thread's CPU time."""

    wall: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)

    def time(self, call: Callable[[], T]) -> T:
        """Run ``call`` once, recording both times; its result."""
        w0, c0 = time.perf_counter(), time.thread_time()
        result = call()
        self.cpu.append((time.thread_time() - c0) * 1000)
        self.wall.append((time.perf_counter() - w0) * 1000)
        return result

    def series(self) -> tuple[tuple[str, list[float]], ...]:
        return (("wall clock", self.wall), ("thread CPU", self.cpu))

    def summary(self, values: list[float]) -> str:
        """``p50 … ms, p99 … ms, max … ms``."""
        return (
            f"p50 {percentile(values, 0.50):.2f} ms, p99 {percentile(values, 0.99):.2f} ms, "
            f"max {max(values):.2f} ms"
        )

    def verdicts(self, target_p99_ms: float) -> list[str]:
        """One line per series: whether its p99 meets ``target_p99_ms``."""
        return [
            f"p99 {name} {'meets' if percentile(v, 0.99) <= target_p99_ms else 'MISSES'} "
            f"the {target_p99_ms:g} ms target"
            for name, v in self.series()
        ]
