"""Background jobs (simulations): queued in the operational database, run in a thread pool.

``POST /v1/simulations`` records a ``queued`` job and returns at once; a worker
thread of the process that took the request runs it with the warehouse's writer
lock, then stores the result's headline figures (or the error) on the job.
``GET /v1/simulations/{job_id}`` reads the job from the database, so any worker
can answer. A job left ``running`` by a process that died stays so; run it again.
"""

from __future__ import annotations

import dataclasses
import json
import secrets
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, update

from merchantry.api.warehouse import writing
from merchantry.kit.errors import MerchantryError, NotFound
from merchantry.ops.keys import utcnow
from merchantry.ops.tables import jobs
from merchantry.service.simulation import run_simulation
from merchantry.simulate import SimulationResult


@dataclass(frozen=True, slots=True)
class Job:
    job_id: str
    kind: str
    state: str
    """queued, running, done or failed."""
    params: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    created_at: datetime
    created_by: str
    started_at: datetime | None
    finished_at: datetime | None


def _job(row: dict[str, Any]) -> Job:
    return Job(
        str(row["job_id"]),
        str(row["kind"]),
        str(row["state"]),
        json.loads(row["params"]),
        None if row["result"] is None else json.loads(row["result"]),
        row["error"],
        row["created_at"],
        str(row["created_by"]),
        row["started_at"],
        row["finished_at"],
    )


def get_job(engine: Engine, job_id: str) -> Job:
    with engine.connect() as conn:
        row = conn.execute(select(jobs).where(jobs.c.job_id == job_id)).mappings().first()
    if row is None:
        raise NotFound(f"no job {job_id}")
    return _job(dict(row))


def result_summary(result: SimulationResult) -> dict[str, Any]:
    """What a finished simulation job reports: the headline, by policy line, top shops."""
    return {
        "run_id": result.run_id,
        "baseline": result.baseline,
        "candidate": result.candidate,
        "period": {"start": result.period.start.isoformat(), "end": result.period.end.isoformat()},
        "summary": dataclasses.asdict(result.summary),
        "by_line": [dataclasses.asdict(x) for x in result.by_line],
        "gainers": [dataclasses.asdict(x) for x in result.gainers[:10]],
        "losers": [dataclasses.asdict(x) for x in result.losers[:10]],
        "warnings": list(result.warnings),
    }


class JobRunner:
    """The process's pool of job threads."""

    def __init__(self, engine: Engine, warehouse: Path, wait_s: float, threads: int) -> None:
        self.engine = engine
        self.warehouse = warehouse
        self.wait_s = wait_s
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="merchantry-job")
        self.futures: dict[str, Future[None]] = {}
        self._lock = threading.Lock()

    def submit_simulation(
        self,
        *,
        baseline: str,
        candidate: str,
        start: date | None,
        end: date | None,
        created_by: str,
    ) -> Job:
        job_id = "job_" + secrets.token_hex(8)
        params = {
            "baseline": baseline,
            "candidate": candidate,
            "start": None if start is None else start.isoformat(),
            "end": None if end is None else end.isoformat(),
        }
        with self.engine.begin() as conn:
            conn.execute(
                jobs.insert().values(
                    job_id=job_id,
                    kind="simulation",
                    state="queued",
                    params=json.dumps(params),
                    created_at=utcnow(),
                    created_by=created_by,
                    period_start=start,
                    period_end=end,
                )
            )
        with self._lock:
            self.futures[job_id] = self.pool.submit(self._run, job_id, params)
        return get_job(self.engine, job_id)

    def _set(self, job_id: str, **values: Any) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(jobs).where(jobs.c.job_id == job_id).values(**values))

    def _run(self, job_id: str, params: dict[str, Any]) -> None:
        self._set(job_id, state="running", started_at=utcnow())
        try:
            with writing(self.warehouse, self.wait_s) as con:
                result = run_simulation(
                    con,
                    params["baseline"],
                    params["candidate"],
                    None if params["start"] is None else date.fromisoformat(params["start"]),
                    None if params["end"] is None else date.fromisoformat(params["end"]),
                )
            summary = json.dumps(result_summary(result), default=str)
            self._set(job_id, state="done", result=summary, finished_at=utcnow())
        except MerchantryError as err:
            self._set(job_id, state="failed", error=str(err), finished_at=utcnow())
        except Exception as err:  # a bug: recorded on the job, not lost in a thread
            self._set(
                job_id,
                state="failed",
                error=f"internal error: {type(err).__name__}: {err}",
                finished_at=utcnow(),
            )

    def wait(self, job_id: str, timeout: float | None = None) -> None:
        """Block until a job this process runs has finished (tests, shutdown)."""
        with self._lock:
            future = self.futures.get(job_id)
        if future is not None:
            future.result(timeout)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
