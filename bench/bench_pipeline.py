"""The whole pipeline end to end: generate, ingest, then the batch stages through the runner.

    python -m bench.bench_pipeline [--orders 10000000] [--days 30] [--scratch /tmp/bench_pipeline]

A marketplace of about ``--orders`` orders is generated with the real synthetic generator
(``merchantry.synth.generate``: ``--days`` days of ~16.7 orders per shop and day, so the shops
are ``orders ÷ (days × 16.7)``: 10 M orders over 30 days is ~20,000 shops), ingested into one
warehouse file, and then every batch stage runs in the runner's own order
(``merchantry.service.stages.default_stages``: the Douyin experience scores, the fee lines,
the close, risk rings, refund decisions by rules) through ``run_stages(..., only=(stage,))``,
as ``merchantry run --only <stage>`` runs them (each call fingerprints the stage's inputs
first; ``stage seconds`` is the stage alone, the rest is the runner's).

Each stage runs in its own child process; its figures are its own: wall and CPU seconds
(``getrusage``, DuckDB's threads included), rows in and out, rows out per second, peak RSS
(the child's ``ru_maxrss``). Beside a stage, in another child after it, runs the plain
baseline its per-stage bench uses, on the same number of rows:

* generate: writing as many trivial rows as Parquet (``bench_generate``);
* ingest: an unchecked ``INSERT … BY NAME SELECT * FROM read_parquet`` of the same files into a
  fresh warehouse (``bench_ingest``);
* scores: the raw aggregation of the same rows and windows (``bench_scores``' baseline);
* fees: a plain ``CREATE TABLE AS`` of the very fee lines the stage wrote (``bench_fees``);
* close: an ``INSERT … SELECT`` of as many postings (``bench_close``);
* rings and decisions: none (their benches compare methods, not a plain statement).

Every connection is bounded by ``MERCHANTRY_MEMORY_LIMIT`` (default here ``8GiB``). Results are
written to ``<scratch>/results.json`` as each stage finishes (a stage that does not finish
leaves the ones that did), printed as a table, and reported through ``bench.report.emit`` (one
line per stage) for ``python -m bench bench_pipeline``. The run also checks that the stages
agree with each other (orders ingested = orders generated, nothing quarantined, fee lines
written, every journal entry balanced) and exits non-zero when they do not.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from rich.console import Console
from rich.table import Table

from bench.report import Result, cpu_seconds, emit

ROOT: Final = Path(__file__).resolve().parent.parent
TAG: Final = "PIPELINE-STAGE "
SEED: Final = 1
DEFAULT_MEMORY: Final = "8GiB"
SCORE_RULEBOOK: Final = "douyin-score-2026-07"
STAGES: Final = (
    "generate",
    "ingest",
    f"score:{SCORE_RULEBOOK}",
    "fees:douyin-2026",
    "close:douyin-2026",
    "risk:rings",
    "risk:decisions",
)
"""Every stage, in the order it runs (the runner's stages in ``default_stages``' order)."""
BASELINES: Final = ("generate", "ingest", "score", "fees", "close")
"""The stage kinds that have a plain baseline."""


def _say(text: str) -> None:
    print(f"    [{datetime.now(UTC):%H:%M:%S}] {text}", flush=True)


def _count(con: Any, sql: str, params: list[object] | None = None) -> int:
    row = con.execute(sql, params or []).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


# --- the children: one stage, or one baseline ------------------------------------------------


def child_generate(data: Path, shops: int, days: int, start: date) -> dict[str, Any]:
    from merchantry.synth import generate

    began, cpu = time.perf_counter(), cpu_seconds()
    summary = generate(data, shops=shops, days=days, seed=SEED, start=start, progress=False)
    return {
        "wall": time.perf_counter() - began,
        "cpu": cpu_seconds() - cpu,
        "rows_in": 0,
        "rows_out": summary.total_rows,
        "orders": summary.orders,
        "detail": {"tables": summary.rows},
    }


def child_ingest(data: Path, db: Path) -> dict[str, Any]:
    from merchantry.ingest import ingest_dir
    from merchantry.store.warehouse import connect

    for stale in (db, Path(f"{db}.wal"), Path(f"{db}.stages.json")):
        stale.unlink(missing_ok=True)
    con = connect(db)
    began, cpu = time.perf_counter(), cpu_seconds()
    report = ingest_dir(con, data, quarantine_file=db.parent / "quarantine.csv", progress=False)
    wall, cpu = time.perf_counter() - began, cpu_seconds() - cpu
    orders = _count(con, "SELECT count(*) FROM orders")
    con.close()
    return {
        "wall": wall,
        "cpu": cpu,
        "rows_in": report.read,
        "rows_out": report.accepted,
        "orders": orders,
        "detail": {
            "quarantined": report.quarantined,
            "tables": {t.table: t.accepted for t in report.tables},
        },
    }


def child_stage(db: Path, name: str, start: date, end: date) -> dict[str, Any]:
    """One stage of the default plan through the runner, as ``merchantry run --only``."""
    from merchantry.service.runner import run_stages
    from merchantry.service.stages import default_stages
    from merchantry.store.warehouse import connect

    con = connect(db)
    plan = default_stages()
    kind = name.split(":", 1)[0]
    rows_in = {
        "score": "SELECT count(*) FROM orders",
        "fees": "SELECT count(*) FROM orders WHERE CAST(paid_at AS DATE) BETWEEN ? AND ?",
        "close": "SELECT count(*) FROM fee_lines",
        "risk": "SELECT count(*) FROM orders" if name == "risk:rings" else None,
    }.get(kind)
    if name == "risk:decisions":
        rows_in = "SELECT count(*) FROM after_sales"
    params: list[object] = [start, end] if kind == "fees" else []
    counted_in = _count(con, rows_in, params) if rows_in else 0
    began, cpu = time.perf_counter(), cpu_seconds()
    run = run_stages(con, start, end, stages=plan, only=(name,), force=True, progress=_say)
    wall, cpu = time.perf_counter() - began, cpu_seconds() - cpu
    report = run.report(name)
    detail: dict[str, Any] = {
        "stage_seconds": report.seconds,
        "summary": report.outcome.summary if report.outcome else "",
        "hashed": list(run.hashed),
        "warnings": len(report.warnings),
    }
    if kind == "score":
        out = _count(con, "SELECT count(*) FROM shop_scores WHERE rulebook = ?", [SCORE_RULEBOOK])
        detail["indicators"] = _count(con, "SELECT count(*) FROM shop_score_indicators")
    elif kind == "fees":
        out = _count(con, "SELECT count(*) FROM fee_lines")
        detail["orders_with_lines"] = _count(con, "SELECT count(DISTINCT order_id) FROM fee_lines")
    elif kind == "close":
        out = _count(con, "SELECT count(*) FROM journal_postings")
        detail["entries"] = _count(con, "SELECT count(*) FROM journal_entries")
        detail["unbalanced_entries"] = _count(
            con,
            "SELECT count(*) FROM (SELECT entry_id FROM journal_postings GROUP BY entry_id "
            "HAVING sum(amount_fen) <> 0)",
        )
    elif name == "risk:rings":
        out = _count(con, "SELECT count(*) FROM risk_ring_members")
        detail["rings"] = _count(con, "SELECT count(*) FROM risk_rings")
        detail["flagged"] = _count(con, "SELECT count(*) FROM risk_rings WHERE flagged")
    else:
        out = _count(con, "SELECT count(*) FROM risk_decisions")
    con.close()
    return {"wall": wall, "cpu": cpu, "rows_in": counted_in, "rows_out": out, "detail": detail}


def baseline_generate(scratch: Path, rows: int) -> dict[str, Any]:
    from bench.bench_generate import child_baseline

    out = scratch / "baseline-generate"
    out.mkdir(parents=True, exist_ok=True)
    began, cpu = time.perf_counter(), cpu_seconds()
    with contextlib.redirect_stdout(io.StringIO()):  # it prints its own JSON line
        child_baseline(out, rows)
    wall, cpu = time.perf_counter() - began, cpu_seconds() - cpu
    shutil.rmtree(out)
    return {"wall": wall, "cpu": cpu, "rows": rows}


def baseline_ingest(data: Path, scratch: Path) -> dict[str, Any]:
    """Unchecked load of the same files into a fresh warehouse (the tables and their keys)."""
    import sqlglot.expressions as exp

    from merchantry.model.tables import TABLES_BY_NAME
    from merchantry.store.warehouse import connect

    db = scratch / "baseline-ingest.duckdb"
    db.unlink(missing_ok=True)
    con = connect(db)
    files = sorted(p for p in data.glob("*.parquet") if p.stem in TABLES_BY_NAME)
    began, cpu = time.perf_counter(), cpu_seconds()
    for path in files:
        source = exp.select("*").from_(exp.func("read_parquet", exp.Placeholder()))
        load = exp.Insert(this=exp.to_table(path.stem), expression=source, by_name=True)
        con.execute(load.sql("duckdb"), [str(path)])
    wall, cpu = time.perf_counter() - began, cpu_seconds() - cpu
    rows = sum(_count(con, f'SELECT count(*) FROM "{p.stem}"') for p in files)
    con.close()
    db.unlink(missing_ok=True)
    return {"wall": wall, "cpu": cpu, "rows": rows}


def baseline_score(db: Path, first: date, last: date) -> dict[str, Any]:
    """``bench_scores``' raw aggregation over the same warehouse and dates (temp tables only)."""
    from bench.bench_scores import run_baseline
    from merchantry.store.warehouse import connect

    con = connect(db, read_only=True)
    began, cpu = time.perf_counter(), cpu_seconds()
    rows = run_baseline(con, first, last)
    wall, cpu = time.perf_counter() - began, cpu_seconds() - cpu
    con.close()
    return {"wall": wall, "cpu": cpu, "rows": rows}


def baseline_fees(db: Path, scratch: Path) -> dict[str, Any]:
    """A plain ``CREATE TABLE AS`` of the very fee lines the stage wrote, into another file."""
    from merchantry.store.warehouse import connect

    target = scratch / "baseline-fees.duckdb"
    target.unlink(missing_ok=True)
    con = connect(target)
    con.execute("ATTACH ? AS w (READ_ONLY)", [str(db)])
    began, cpu = time.perf_counter(), cpu_seconds()
    con.execute("CREATE TABLE main.plain_lines AS SELECT * FROM w.fee_lines")
    wall, cpu = time.perf_counter() - began, cpu_seconds() - cpu
    rows = _count(con, "SELECT count(*) FROM main.plain_lines")
    con.close()
    target.unlink(missing_ok=True)
    return {"wall": wall, "cpu": cpu, "rows": rows}


def baseline_close(scratch: Path, postings: int) -> dict[str, Any]:
    """``bench_close``' ``INSERT … SELECT`` of as many postings into a fresh warehouse."""
    from bench.bench_close import BASELINE
    from merchantry.store.warehouse import connect

    target = scratch / "baseline-close.duckdb"
    target.unlink(missing_ok=True)
    con = connect(target)
    began, cpu = time.perf_counter(), cpu_seconds()
    con.execute(BASELINE, {"rows": postings})
    wall, cpu = time.perf_counter() - began, cpu_seconds() - cpu
    con.close()
    target.unlink(missing_ok=True)
    return {"wall": wall, "cpu": cpu, "rows": postings}


def run_child(args: argparse.Namespace) -> None:
    what, *rest = args.child
    scratch, db, data = args.scratch, args.scratch / "pipeline.duckdb", args.scratch / "data"
    start = date.fromisoformat(args.start)
    end = start + timedelta(days=args.days - 1)
    jobs: dict[str, Callable[[], dict[str, Any]]] = {
        "generate": lambda: child_generate(data, int(rest[0]), args.days, start),
        "ingest": lambda: child_ingest(data, db),
        "base:generate": lambda: baseline_generate(scratch, int(rest[0])),
        "base:ingest": lambda: baseline_ingest(data, scratch),
        "base:score": lambda: baseline_score(db, start, end),
        "base:fees": lambda: baseline_fees(db, scratch),
        "base:close": lambda: baseline_close(scratch, int(rest[0])),
    }
    job = jobs.get(what) or (lambda: child_stage(db, what, start, end))
    result = job()
    print(TAG + json.dumps(result, default=str), flush=True)


# --- the parent ---------------------------------------------------------------------------


def _rss_mib(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def scratch_gib(scratch: Path) -> float:
    """What the warehouse (its file, write-ahead log and spill directory) takes on disk."""
    db = scratch / "pipeline.duckdb"
    paths = [db, Path(f"{db}.wal"), *Path(f"{db}.tmp").rglob("*")]
    return sum(p.stat().st_size for p in paths if p.is_file()) / 2**30


def spawn(args: argparse.Namespace, what: str, *extra: str) -> dict[str, Any]:
    """Run one child; its result, with its peak RSS. Prints its lines and a heartbeat."""
    command = [sys.executable, "-m", "bench.bench_pipeline", "--scratch", str(args.scratch)]
    command += ["--days", str(args.days), "--start", args.start, "--child", what, *extra]
    env = dict(os.environ)
    env.setdefault("MERCHANTRY_MEMORY_LIMIT", DEFAULT_MEMORY)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    began = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=env)
    done = threading.Event()

    def heartbeat() -> None:
        while not done.wait(args.heartbeat):
            free = shutil.disk_usage(args.scratch).free / 2**30
            print(
                f"    … {what}: {time.perf_counter() - began:,.0f} s, RSS "
                f"{_rss_mib(child.pid):,.0f} MiB, load {os.getloadavg()[0]:.2f}, warehouse "
                f"{scratch_gib(args.scratch):,.1f} GiB, {free:,.0f} GiB free",
                flush=True,
            )

    beat = threading.Thread(target=heartbeat, daemon=True)
    beat.start()
    assert child.stdout is not None
    found: dict[str, Any] | None = None
    with child.stdout:
        for line in child.stdout:
            if line.startswith(TAG):
                found = json.loads(line[len(TAG) :])
            else:
                print(line, end="", flush=True)
    _, status, usage = os.wait4(child.pid, 0)
    done.set()
    code = child.returncode = os.waitstatus_to_exitcode(status)
    if code or found is None:
        raise SystemExit(f"{what} failed (exit {code})")
    found["peak_mib"] = usage.ru_maxrss / 1024  # Linux reports KiB
    found["child_wall"] = time.perf_counter() - began
    found["warehouse_gib"] = scratch_gib(args.scratch)
    return found


def orders_per_shop_day() -> float:
    from merchantry.synth import DEFAULT_ORDERS_PER_SHOP_DAY

    return float(DEFAULT_ORDERS_PER_SHOP_DAY)


def checks(done: dict[str, dict[str, Any]]) -> list[str]:
    """What the stages' figures must agree on; each failure named."""
    failed = []
    gen, ing = done.get("generate"), done.get("ingest")
    if gen and ing:
        if ing["orders"] != gen["orders"]:
            failed.append(f"orders ingested {ing['orders']:,} ≠ generated {gen['orders']:,}")
        if ing["detail"]["quarantined"]:
            failed.append(f"{ing['detail']['quarantined']:,} rows quarantined")
        if ing["rows_in"] != gen["rows_out"]:
            failed.append(f"rows ingested {ing['rows_in']:,} ≠ generated {gen['rows_out']:,}")
        if ing["rows_in"] != ing["rows_out"] + ing["detail"]["quarantined"]:
            failed.append("ingest: rows read ≠ accepted + quarantined")
    fees, close = done.get("fees:douyin-2026"), done.get("close:douyin-2026")
    if fees and not fees["rows_out"]:
        failed.append("no fee lines")
    if fees and close and close["rows_in"] != fees["rows_out"]:
        failed.append(f"close read {close['rows_in']:,} fee lines, fees wrote {fees['rows_out']:,}")
    if close:
        if not close["rows_out"]:
            failed.append("no postings")
        if close["detail"]["unbalanced_entries"]:
            failed.append(f"{close['detail']['unbalanced_entries']:,} unbalanced journal entries")
    return failed


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--orders", type=int, default=10_000_000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--shops", type=int, help="Default: orders ÷ (days × orders per shop-day).")
    parser.add_argument("--start", default="2026-10-01")
    parser.add_argument("--scratch", type=Path, default=Path("/tmp/bench_pipeline"))
    parser.add_argument("--stages", help="Comma-separated stage names to stop after (default all).")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--keep", action="store_true", help="Keep the warehouse and the data.")
    parser.add_argument("--heartbeat", type=float, default=60.0, help="Seconds between notes.")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        run_child(args)
        return
    args.scratch.mkdir(parents=True, exist_ok=True)
    shops = args.shops or max(1, round(args.orders / (args.days * orders_per_shop_day())))
    memory = os.environ.get("MERCHANTRY_MEMORY_LIMIT", DEFAULT_MEMORY)
    console = Console(width=160)
    console.print(
        f"pipeline: ~{args.orders:,} orders = {shops:,} shops × {args.days} days from "
        f"{args.start}; memory limit {memory}; scratch {args.scratch}; load "
        f"{'/'.join(f'{x:.2f}' for x in os.getloadavg())}",
        highlight=False,
    )
    chosen = STAGES if not args.stages else tuple(s for s in STAGES if s in args.stages.split(","))
    results_file = args.scratch / "results.json"
    record: dict[str, Any] = {
        "orders_asked": args.orders,
        "shops": shops,
        "days": args.days,
        "memory_limit": memory,
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_at_start": os.getloadavg(),
        "stages": {},
    }
    done: dict[str, dict[str, Any]] = record["stages"]
    try:
        for name in chosen:
            console.rule(f"{name} (started {datetime.now(UTC):%H:%M:%S} UTC)")
            extra = (str(shops),) if name == "generate" else ()
            result = spawn(args, name, *extra)
            result["load_after"] = os.getloadavg()
            done[name] = result  # kept even when its baseline does not finish
            results_file.write_text(json.dumps(record, indent=1, default=str))
            kind = name.split(":", 1)[0]
            if kind in BASELINES and not args.no_baseline:
                rows = str(result["rows_out"])
                console.print(
                    f"  {name}: {result['wall']:.1f} s wall, {result['cpu']:.1f} s CPU; "
                    "its baseline …",
                    highlight=False,
                )
                result["baseline"] = spawn(args, f"base:{kind}", rows)
                results_file.write_text(json.dumps(record, indent=1, default=str))
            base_note = ""
            if "baseline" in result:
                b = result["baseline"]
                base_note = f"; baseline {b['wall']:.1f} s wall, {b['cpu']:.1f} s CPU"
            console.print(
                f"  {name}: {result['wall']:.1f} s wall, {result['cpu']:.1f} s CPU, "
                f"{result['rows_in']:,} rows in, {result['rows_out']:,} out, peak "
                f"{result['peak_mib']:,.0f} MiB{base_note}",
                highlight=False,
            )
    finally:
        record["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        record["load_at_end"] = os.getloadavg()
        results_file.write_text(json.dumps(record, indent=1, default=str))
        if not args.keep:
            for path in (args.scratch / "data", args.scratch / "pipeline.duckdb.tmp"):
                shutil.rmtree(path, ignore_errors=True)
            for suffix in ("", ".wal", ".stages.json"):
                Path(f"{args.scratch / 'pipeline.duckdb'}{suffix}").unlink(missing_ok=True)
    orders = (done.get("ingest") or done.get("generate") or {}).get("orders", 0)
    show(console, done, orders, shops, args.days)
    for name, r in done.items():
        b = r.get("baseline")
        emit(
            Result(
                f"pipeline {name}",
                int(r["rows_out"]),
                float(r["wall"]),
                float(r["peak_mib"]),
                float(b["wall"]) if b else None,
                int(r["rows_out"]) if b else None,  # the baseline runs on the same rows
                {"cpu": r["cpu"], "rows_in": r["rows_in"], "orders": orders},
            )
        )
    failed = checks(done)
    for failure in failed:
        console.print(f"[red]check failed:[/] {failure}")
    if failed:
        raise SystemExit(1)


def show(
    console: Console, done: dict[str, dict[str, Any]], orders: int, shops: int, days: int
) -> None:
    table = Table(title=f"Pipeline: {orders:,} orders, {shops:,} shops × {days} days")
    columns: tuple[str, ...] = ("stage", "wall s", "CPU s", "rows in", "rows out")
    columns += ("rows out/s", "orders/s")
    columns += ("peak MiB", "baseline wall s", "baseline CPU s", "× baseline (wall)", "(CPU)")
    for column in columns:
        table.add_column(column, justify="left" if column == "stage" else "right")
    total_wall = total_cpu = 0.0
    for name, r in done.items():
        total_wall += r["wall"]
        total_cpu += r["cpu"]
        b = r.get("baseline")
        cells = [
            name,
            f"{r['wall']:,.1f}",
            f"{r['cpu']:,.1f}",
            f"{r['rows_in']:,}",
            f"{r['rows_out']:,}",
            f"{r['rows_out'] / r['wall']:,.0f}" if r["wall"] else "",
            f"{orders / r['wall']:,.0f}" if r["wall"] else "",
            f"{r['peak_mib']:,.0f}",
        ]
        if b:
            cells += [
                f"{b['wall']:,.2f}",
                f"{b['cpu']:,.2f}",
                f"{r['wall'] / b['wall']:,.1f}" if b["wall"] else "",
                f"{r['cpu'] / b['cpu']:,.1f}" if b["cpu"] else "",
            ]
        table.add_row(*cells)
    table.add_row("total", f"{total_wall:,.1f}", f"{total_cpu:,.1f}")
    console.print(table)
    console.print(
        "× baseline: the stage's seconds ÷ its plain DuckDB baseline's on the same rows "
        "(1.0: as fast as the baseline). Rows out/s: the rows the stage wrote per wall second; "
        "orders/s: the month's orders per wall second of the stage."
    )


if __name__ == "__main__":
    main()
