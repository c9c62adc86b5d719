"""One result line per benchmark, so ``python -m bench`` can put every bench in one table.

A benchmark calls :func:`emit` once at its end; the line starts with :data:`TAG` and
carries JSON: what ran (``bench``), rows and seconds, its peak memory, and the plain
DuckDB baseline of the same rows run beside it (the ratio the suite reports is
rows/s ÷ baseline rows/s, robust to a loaded machine because both sides share the load).
"""

from __future__ import annotations

import json
import resource
from dataclasses import asdict, dataclass, field
from typing import Final

TAG: Final = "BENCH-RESULT "


@dataclass(frozen=True, slots=True)
class Result:
    bench: str
    rows: int
    seconds: float
    peak_mib: float
    baseline_seconds: float | None = None
    baseline_rows: int | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.rows / self.seconds if self.seconds else 0.0

    @property
    def ratio(self) -> float | None:
        """rows/s ÷ baseline rows/s (1.0: as fast as the plain DuckDB statement)."""
        if not self.baseline_seconds or not self.baseline_rows or not self.seconds:
            return None
        return self.rate / (self.baseline_rows / self.baseline_seconds)


def peak_mib(children: bool = False) -> float:
    """Peak resident memory of this process (or of its waited-for children), MiB."""
    who = resource.RUSAGE_CHILDREN if children else resource.RUSAGE_SELF
    return resource.getrusage(who).ru_maxrss / 1024  # Linux reports KiB


def cpu_seconds() -> float:
    """CPU seconds of this process so far (user + system, DuckDB's threads included): on a
    shared machine wall time is mostly queueing, CPU time is not."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def emit(result: Result) -> None:
    print(TAG + json.dumps(asdict(result), default=str), flush=True)


def parse(output: str) -> list[Result]:
    """Every result line in a benchmark's output."""
    found = []
    for line in output.splitlines():
        if line.startswith(TAG):
            found.append(Result(**json.loads(line[len(TAG) :])))
    return found
