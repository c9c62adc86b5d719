"""Run what is stale, in order, and say what ran and what was skipped and why.

A stage is **fresh** for a period when its last completed run over that period
(any period, for a warehouse-wide stage) saw the same inputs: the same rows and
content in every table it reads and does not write, and the same configuration
(its rulebook's content). Anything else makes it **stale**: it never ran, a table
it reads changed (new events, a re-run upstream stage that wrote something
different, an overturn), or its rulebook changed. ``force`` runs every selected
stage anyway.

Each completed run is one row of ``stage_runs`` (written after the stage
committed its own work; a run killed before that is simply stale again, and
every stage is idempotent). Inputs are fingerprinted once per call and again
only after a stage wrote the table, so a table read by four stages is hashed
once.

Fingerprints are carried from one call to the next: at the end of a call the
runner checkpoints the warehouse and writes, next to its file
(``<warehouse>.stages.json``), the fingerprints still valid (those of tables no
stage of the call wrote), each with its table's **storage key**, and a mark of the
file as it is then (device, inode, size, modification time, its write-ahead
log's, DuckDB's block counts). The next call:

* reuses every fingerprint when the file's mark is unchanged (nothing at all was
  written since): no table is read;
* otherwise (an ingest, an event drain, an overturn, a hand-made ``UPDATE``)
  checkpoints, and reuses a table's fingerprint only when its storage key is
  unchanged: the table's definition, its exact row count and DuckDB's storage
  layout of it (per segment: row group, column, rows, compression, min/max
  statistics, block and offset, all persistent, none with pending updates). An
  ingest into ``orders`` then re-hashes ``orders`` and leaves ``fee_lines`` and the
  journal alone; any insert or update rewrites the segments it touches, and a
  delete changes the row count.

The storage key is cheap (metadata, no data read) but it is not a proof: DuckDB
keeps no per-table change counter, and a table rewritten by two checkpoints into
the same blocks with the same row count and the same per-segment statistics
would keep its key. ``strict`` (``merchantry run --strict``) trusts no carried
fingerprint and hashes every input, as every call did before keys were kept.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import os
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb
import sqlglot.expressions as exp
from sqlalchemy import Engine

from merchantry.kit.errors import InputError
from merchantry.kit.ids import stable_key
from merchantry.ledger import CloseSummary
from merchantry.ledger.close import orders_without_fee_lines
from merchantry.rulebook import load_rulebook
from merchantry.rulebook.model import Rulebook
from merchantry.service.payouts import announce_payouts
from merchantry.service.stages import (
    Progress,
    Stage,
    StageContext,
    StageOutcome,
    StageScope,
    check_order,
    close_stage,
    default_stages,
    fees_stage,
)
from merchantry.store.warehouse import DIALECT, ensure_schema, table_exists, transaction


@dataclass(frozen=True, slots=True)
class TableState:
    """A table's rows and a hash of their content (order-independent)."""

    rows: int
    digest: str

    def __str__(self) -> str:
        return f"{self.rows}#{self.digest}"


ABSENT = TableState(0, "absent")


@dataclass(frozen=True, slots=True)
class Inputs:
    """What a stage is about to read: each input table's state, and its configuration."""

    tables: tuple[tuple[str, TableState], ...]
    config: str

    def text(self) -> str:
        """The readable form stored in ``stage_runs.inputs``."""
        return "; ".join([*(f"{t}={s}" for t, s in self.tables), f"config={self.config}"])

    def digest(self) -> str:
        return hashlib.sha256(self.text().encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class StageReport:
    """One stage of a run: whether it ran, and why (or why not)."""

    stage: str
    ran: bool
    reason: str
    seconds: float = 0.0
    outcome: StageOutcome | None = None
    """What it reported (``None`` when skipped)."""
    warnings: tuple[str, ...] = ()
    """This run's warnings, or for a fresh stage those of the run that made it fresh."""


@dataclass(frozen=True, slots=True)
class RunReport:
    """Everything one :func:`run_stages` call did."""

    start: date
    end: date
    stages: tuple[StageReport, ...]
    hashed: tuple[str, ...] = ()
    """The input tables this call hashed, in order (a table again after a stage wrote it)."""

    @property
    def ran(self) -> tuple[StageReport, ...]:
        return tuple(s for s in self.stages if s.ran)

    @property
    def skipped(self) -> tuple[StageReport, ...]:
        return tuple(s for s in self.stages if not s.ran)

    def report(self, name: str) -> StageReport:
        for s in self.stages:
            if s.stage == name:
                return s
        raise KeyError(f"no stage {name!r} in this run")


@dataclass(frozen=True, slots=True)
class LastRun:
    started_at: datetime
    inputs: str
    inputs_digest: str
    warnings: tuple[str, ...]


LAST_RUN = """
SELECT started_at, inputs, inputs_digest, warnings FROM stage_runs
WHERE stage = $stage AND ($any_period OR (period_start = $start AND period_end = $end))
ORDER BY started_at DESC, run_id DESC LIMIT 1
"""


def table_state(con: duckdb.DuckDBPyConnection, name: str) -> TableState:
    """Rows and the sum of every row's hash: changes when any row is added, removed or edited."""
    if not table_exists(con, name):
        return ABSENT
    query = exp.select(
        exp.func("count", exp.Star()),
        exp.func(
            "coalesce", exp.func("sum", exp.func("hash", exp.column("t"))), exp.Literal.number(0)
        ),
    ).from_(exp.to_table(name).as_("t"))
    row = con.execute(query.sql(dialect=DIALECT)).fetchone()
    rows, total = (int(row[0]), int(row[1])) if row else (0, 0)
    return TableState(rows, hashlib.sha256(str(total).encode()).hexdigest()[:12])


CARRIED_SUFFIX = ".stages.json"
"""The file next to the warehouse holding the fingerprints a call leaves for the next."""

DATABASE_FILE = "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
DATABASE_SIZE = (
    "SELECT total_blocks, used_blocks, free_blocks, wal_size FROM pragma_database_size() "
    "WHERE database_name = current_database()"
)


def warehouse_mark(con: duckdb.DuckDBPyConnection) -> tuple[Path, str] | None:
    """The warehouse file and a mark that changes with any write to it (``None`` for an
    in-memory database or a file that cannot be read)."""
    row = con.execute(DATABASE_FILE).fetchone()
    if row is None or not row[0]:
        return None
    path = Path(str(row[0]))
    try:
        st = path.stat()
    except OSError:
        return None
    wal = Path(f"{path}.wal")
    try:
        w = wal.stat()
        log: tuple[object, ...] = (w.st_size, w.st_mtime_ns)
    except OSError:
        log = ("-",)
    size = con.execute(DATABASE_SIZE).fetchone() or ()
    parts = (duckdb.__version__, st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, *log, *size)
    return path, "/".join(str(p) for p in parts)


STORAGE = """
SELECT row_group_id, column_id, column_path, segment_id, segment_type, start, count,
       compression, CAST(stats AS VARCHAR), has_updates, persistent, block_id, block_offset,
       CAST(additional_block_ids AS VARCHAR)
FROM pragma_storage_info($name) ORDER BY ALL
"""
TABLE_SQL = "SELECT sql FROM duckdb_tables() WHERE table_name = $name AND schema_name = 'main'"


def storage_key(con: duckdb.DuckDBPyConnection, name: str) -> str | None:
    """A key of the table's definition, row count and on-disk layout, read from DuckDB's
    metadata (no data is read); ``None`` when the table is absent or holds data not yet
    checkpointed (then only hashing can tell). See the module note for what it proves."""
    row = con.execute(TABLE_SQL, {"name": name}).fetchone()
    if row is None:
        return None
    segments = con.execute(STORAGE, {"name": name}).fetchall()
    if any(s[9] or not s[10] for s in segments):  # pending updates, or not on disk yet
        return None
    count = con.execute(
        exp.select(exp.func("count", exp.Star())).from_(exp.to_table(name)).sql(dialect=DIALECT)
    ).fetchone()
    text = repr((duckdb.__version__, row[0], count[0] if count else 0, segments))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Carried:
    """What the last call left: every fingerprint, valid as is when ``unchanged`` (the file
    was not written since), else each one only while its table's storage key is ``keys``'."""

    states: dict[str, TableState]
    keys: dict[str, str]
    unchanged: bool


NOTHING = Carried({}, {}, False)


def carried_states(con: duckdb.DuckDBPyConnection) -> Carried:
    """The fingerprints the last call left next to the warehouse (none without a file)."""
    mark = warehouse_mark(con)
    if mark is None:
        return NOTHING
    path, now = mark
    try:
        saved = json.loads(Path(f"{path}{CARRIED_SUFFIX}").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return NOTHING
    if not isinstance(saved, dict) or saved.get("version") != CARRY_VERSION:
        return NOTHING
    tables = saved.get("tables")
    if not isinstance(tables, dict):
        return NOTHING
    try:
        states = {str(t): TableState(int(v["rows"]), str(v["digest"])) for t, v in tables.items()}
        keys = {str(t): str(v["key"]) for t, v in tables.items() if v.get("key")}
    except (KeyError, TypeError, ValueError, AttributeError):
        return NOTHING
    return Carried(states, keys, saved.get("mark") == now)


CARRY_VERSION = 2


def still_valid(con: duckdb.DuckDBPyConnection, carried: Carried) -> dict[str, TableState]:
    """The carried fingerprints that hold now: all of them when the file is unchanged,
    else (after a checkpoint) those whose table's storage key is the same."""
    if carried.unchanged:
        return dict(carried.states)
    if not carried.keys:
        return {}
    try:
        con.execute("CHECKPOINT")
    except duckdb.Error:
        return {}
    return {
        table: state
        for table, state in carried.states.items()
        if (key := carried.keys.get(table)) is not None and storage_key(con, table) == key
    }


def carry_states(con: duckdb.DuckDBPyConnection, states: dict[str, TableState]) -> bool:
    """Checkpoint, then leave ``states`` (valid now) for the next call with each table's
    storage key and the file's mark. False (and nothing left) when the warehouse cannot be
    checkpointed or has no file."""
    mark = warehouse_mark(con)
    if mark is None:
        return False
    path = mark[0]
    target = Path(f"{path}{CARRIED_SUFFIX}")
    with contextlib.suppress(OSError):
        target.unlink()  # a stale file must not outlive a failed checkpoint
    try:
        con.execute("CHECKPOINT")
    except duckdb.Error:
        return False
    tables = {
        t: {"rows": s.rows, "digest": s.digest, "key": storage_key(con, t)}
        for t, s in sorted(states.items())
    }
    mark = warehouse_mark(con)
    if mark is None:
        return False
    body = {"version": CARRY_VERSION, "mark": mark[1], "tables": tables}
    temporary = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(json.dumps(body), encoding="utf-8")
        temporary.replace(target)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
        return False
    return True


def _last_run(
    con: duckdb.DuckDBPyConnection, stage: Stage, start: date, end: date
) -> LastRun | None:
    params = {
        "stage": stage.name,
        "any_period": stage.scope is StageScope.WAREHOUSE,
        "start": start,
        "end": end,
    }
    row = con.execute(LAST_RUN, params).fetchone()
    if row is None:
        return None
    warnings = tuple(str(row[3]).split("\n")) if row[3] else ()
    return LastRun(row[0], str(row[1]), str(row[2]), warnings)


def _parse(text: str) -> dict[str, str]:
    parts = (p.split("=", 1) for p in text.split("; ") if "=" in p)
    return {k: v for k, v in parts}


def _what_changed(before: str, now: Inputs) -> str:
    """Which inputs differ from the last run's, for people."""
    old = _parse(before)
    changes: list[str] = []
    for table, state in now.tables:
        was = old.get(table)
        if was == str(state):
            continue
        if was is None:
            changes.append(f"{table} not read before")
            continue
        rows_before = was.split("#", 1)[0]
        if rows_before != str(state.rows):
            changes.append(f"{table} {int(rows_before):,} → {state.rows:,} rows")
        else:
            changes.append(f"{table} content changed")
    if old.get("config") != now.config:
        changes.append("its rulebook or configuration changed")
    return ", ".join(changes) or "its inputs changed"


def _record(
    con: duckdb.DuckDBPyConnection,
    stage: Stage,
    period: tuple[date, date],
    inputs: Inputs,
    forced: bool,
    started: datetime,
    seconds: float,
    outcome: StageOutcome,
) -> None:
    run_id = stable_key(
        "stage-run", stage.name, *(d.isoformat() for d in period), started.isoformat()
    )
    with transaction(con):
        con.execute(
            "INSERT INTO stage_runs (run_id, stage, period_start, period_end, inputs_digest, "
            "inputs, forced, started_at, milliseconds, summary, warnings) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                run_id,
                stage.name,
                period[0],
                period[1],
                inputs.digest(),
                inputs.text(),
                forced,
                started,
                round(seconds * 1000),
                outcome.summary,
                "\n".join(outcome.warnings) or None,
            ],
        )


def select_stages(stages: Sequence[Stage], only: Sequence[str]) -> set[str]:
    """Names of the stages ``only`` picks: a full name (``fees:douyin-2026``) or a kind
    (``fees``, ``risk``). Raises ``InputError`` naming the stages there are."""
    if not only:
        return {s.name for s in stages}
    chosen: set[str] = set()
    for wanted in only:
        matched = {s.name for s in stages if wanted in (s.name, s.kind)}
        if not matched:
            names = ", ".join(s.name for s in stages)
            raise InputError(f"no stage {wanted!r} in this run; the stages are: {names}")
        chosen |= matched
    return chosen


OnStage = Callable[[Stage, str], None]
"""Told each stage's name and ``"running"``/``"skipped"`` as the runner reaches it."""


def run_stages(
    con: duckdb.DuckDBPyConnection,
    start: date,
    end: date,
    *,
    stages: Sequence[Stage] | None = None,
    only: Sequence[str] = (),
    force: bool = False,
    progress: Progress | None = None,
    on_stage: OnStage | None = None,
    outbox: Engine | None = None,
    strict: bool = False,
) -> RunReport:
    """Run the stale stages of ``stages`` (default: :func:`default_stages`) in order.

    ``only`` restricts the run to the named stages (see :func:`select_stages`);
    the others are reported as skipped. ``force`` runs the selected stages even
    when fresh. With ``outbox`` (the operational database), a close that ran queues
    its ``payout.scheduled`` webhooks there (:func:`announce_payouts`). ``strict`` hashes
    every input instead of trusting a fingerprint carried from the last call (see the
    module note). A stage that
    fails raises; the stages before it stay committed and recorded, so the next call
    resumes where this one stopped.
    """
    if end < start:
        raise InputError(f"period ends ({end}) before it starts ({start})")
    plan = tuple(default_stages() if stages is None else stages)
    check_order(plan)
    chosen = select_stages(plan, only)
    ensure_schema(con)
    say = progress or (lambda _step: None)
    tell = on_stage or (lambda _stage, _state: None)
    carried = NOTHING if strict else carried_states(con)
    states = still_valid(con, carried)
    if carried.unchanged:
        say(f"warehouse unchanged since the last run: {len(states)} table fingerprints reused")
    elif states:
        say(f"{len(states)} of {len(carried.states)} table fingerprints reused (storage unchanged)")
    hashed: list[str] = []
    reports: list[StageReport] = []
    for stage in plan:
        if stage.name not in chosen:
            reports.append(StageReport(stage.name, False, "not selected (--only)"))
            tell(stage, "skipped")
            continue
        period = stage.period(start, end)
        for table in stage.inputs:
            if table not in states:
                say(f"{stage.name}: reading {table}")
                states[table] = table_state(con, table)
                hashed.append(table)
        inputs = Inputs(tuple((t, states[t]) for t in stage.inputs), stage.config)
        last = _last_run(con, stage, *period)
        fresh = last is not None and last.inputs_digest == inputs.digest()
        if last is not None and fresh and not force:
            since = f"{last.started_at:%Y-%m-%d %H:%M:%S}"
            reports.append(
                StageReport(
                    stage.name,
                    False,
                    f"fresh: inputs unchanged since its run at {since}",
                    warnings=last.warnings,
                )
            )
            tell(stage, "skipped")
            continue
        if force:
            reason = "forced" + (" (it was fresh)" if fresh else "")
        elif last is None:
            over = "" if stage.scope is StageScope.WAREHOUSE else f" over {period[0]}..{period[1]}"
            reason = f"never ran{over}"
        else:
            reason = f"stale: {_what_changed(last.inputs, inputs)}"
        tell(stage, "running")
        began, started = time.perf_counter(), datetime.now()
        outcome = stage.run(StageContext(con, period[0], period[1], say))
        seconds = time.perf_counter() - began
        _record(con, stage, period, inputs, force and fresh, started, seconds, outcome)
        if outbox is not None and stage.kind == "close":
            queued = announce_payouts(outbox, con, period[0])
            say(f"{stage.name}: {queued:,} payout webhooks queued")
        for table in stage.writes:
            states.pop(table, None)
        reports.append(StageReport(stage.name, True, reason, seconds, outcome, outcome.warnings))
    carry_states(con, states)
    return RunReport(start, end, tuple(reports), tuple(hashed))


# --- one stage at a time, as the single-stage commands run it --------------------------


def run_stage(
    con: duckdb.DuckDBPyConnection,
    stage: Stage,
    start: date,
    end: date,
    *,
    progress: Progress | None = None,
    outbox: Engine | None = None,
) -> StageOutcome:
    """Run one stage now, fresh or not, and record it in ``stage_runs``.

    ``merchantry fees``, ``score``, ``close`` and ``risk rings`` run their stage
    through here, so a later ``merchantry run`` over the same period finds it fresh
    instead of redoing it.
    """
    report = run_stages(
        con, start, end, stages=(stage,), force=True, progress=progress, outbox=outbox
    )
    outcome = report.stages[0].outcome
    if outcome is None:  # a forced stage in a one-stage plan always runs
        raise RuntimeError(f"stage {stage.name} was asked to run and did not")
    return outcome


def close_with_fees(
    con: duckdb.DuckDBPyConnection,
    rulebook: str | Rulebook,
    start: date,
    end: date,
    *,
    rulebook_dirs: Sequence[Path] = (),
    refresh_fees: bool = False,
    progress: Progress | None = None,
    outbox: Engine | None = None,
    fees: Callable[[Rulebook], Stage] = fees_stage,
    close: Callable[[Rulebook], Stage] = close_stage,
) -> CloseSummary:
    """Close the period, running the fee stage first when its lines are missing.

    The fee stage runs when orders of the period have no fee lines under the
    rulebook, or always with ``refresh_fees`` (after late after-sales data, so
    refund lines are recomputed). Both stages go through :func:`run_stage`, so
    both are recorded. The fee stage's warnings come first in the summary's. With
    ``outbox``, the payouts the close scheduled are queued as webhooks (see
    :func:`run_stages`). ``fees`` and ``close`` build the two stages (another engine's,
    e.g. :func:`merchantry.spark.close.spark_close_stage`; the same names and tables).
    """
    if end < start:
        raise InputError(f"period ends ({end}) before it starts ({start})")
    book = rulebook if isinstance(rulebook, Rulebook) else load_rulebook(rulebook, rulebook_dirs)
    fee_warnings: tuple[str, ...] = ()
    fees_ran = refresh_fees or orders_without_fee_lines(con, book.name, start, end) > 0
    if fees_ran:
        (progress or (lambda _step: None))("fee stage")
        fee_warnings = run_stage(con, fees(book), start, end, progress=progress).warnings
    outcome = run_stage(con, close(book), start, end, progress=progress, outbox=outbox)
    if not isinstance(outcome.detail, CloseSummary):
        raise TypeError(f"the close stage reported {type(outcome.detail).__name__}")
    return dataclasses.replace(
        outcome.detail, fees_run=fees_ran, warnings=(*fee_warnings, *outcome.detail.warnings)
    )
