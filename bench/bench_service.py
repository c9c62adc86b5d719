"""Benchmark: the real-time service under load, with uvicorn workers on loopback.

Demo size, one command (generates the demo's market: 2,000 shops x 30 days, seed 7;
ingests it, trains the risk model on the planted truth, finds rings; then measures):

    python -m bench.bench_service

On an existing warehouse (rings found; ``--model`` optional, rules only without it):

    python -m bench.bench_service --db DEMO/demo.duckdb --model DEMO/model.pkl

Smaller, for a quick look on a busy machine: ``--shops 200 --days 30 --requests 2000``.
The paced runs send ``--rate`` x ``--seconds`` requests (at most ``--requests``): for a
20-second paced run at 1,000/s give ``--requests 20000``.

Steps:

* starts ``uvicorn merchantry.api.app:app_from_env --factory --workers N`` on
  127.0.0.1 with a fresh operational SQLite database (or ``--ops URL``, e.g. the
  PostgreSQL a production service uses) and an integrator key, and waits until
  every worker has built its online state;
* **decisions**: ``--requests`` refund decisions (requests sampled from the
  warehouse) over ``--connections`` keep-alive connections, bounded by
  ``--seconds``; p50/p99 latency per request and requests/s;
* **quotes**: the same for fee quotes of sampled orders;
* **events in**: ``--event-batches`` batches of ``--batch`` new orders (sampled
  orders under new ids) over 2 connections; events/s accepted;
* **baseline**: the batch per-request path in process (``load_context`` +
  ``decide``, what ``bench_decision`` measures) on ``--baseline`` requests.

Every call's latency is also split: the service answers with ``Server-Timing: app;dur=``
(the application's own time, ``api/timing.py``), and the table shows the server p50/p99 next
to the end-to-end ones, so queueing and scheduling (end-to-end minus server) are told apart
from the handler. ``--paced-only`` runs only the paced runs (a quick before/after).

Besides latency and throughput it prints the **server CPU per request** (user +
system time of the uvicorn workers, from /proc, divided by the calls answered):
unlike latency it hardly moves with other load on the machine, and 1 / (CPU per
request) x cores bounds the throughput an idle machine can give. The machine's
load average is printed before and after. The last lines are a Markdown table
for docs/performance.md.

The load generator is asyncio over raw HTTP/1.1 with pre-built requests, so the
client spends little of the two cores it shares with the server.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from merchantry.api.timing import parse_app_ms

HOST = "127.0.0.1"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else float("nan")


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def request_bytes(path: str, key: str, payload: Any, extra: dict[str, str] | None = None) -> bytes:
    body = json.dumps(payload).encode()
    headers = [
        f"POST {path} HTTP/1.1",
        f"Host: {HOST}",
        f"Authorization: Bearer {key}",
        "Content-Type: application/json",
        f"Content-Length: {len(body)}",
        *(f"{k}: {v}" for k, v in (extra or {}).items()),
    ]
    return ("\r\n".join(headers) + "\r\n\r\n").encode() + body


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` (Linux /proc; 0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent == pid:
            found.append(int(stat.parent.name))
    return found


def workers_of(pid: int) -> set[int]:
    """uvicorn's worker processes under ``pid`` (spawned by multiprocessing; not its
    resource tracker)."""
    found = set()
    for child in _children(pid):
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            found.add(child)
    return found


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by the server process and its workers."""
    return _cpu_seconds(pid) + sum(_cpu_seconds(c) for c in _children(pid))


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


@dataclass
class Run:
    latencies_ms: list[float]
    statuses: dict[int, int]
    seconds: float
    payload_items: int = 0
    cpu_seconds: float = 0.0
    """Server CPU (all workers) spent during the run."""
    server_ms: list[float] = field(default_factory=list)
    """The application's own time per answered call (its ``Server-Timing`` header)."""

    @property
    def cpu_ms_per_call(self) -> float:
        return 1000 * self.cpu_seconds / len(self.latencies_ms) if self.latencies_ms else 0.0

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


async def _one(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bytes, float | None]:
    """Status, body and the server's own time (its ``Server-Timing: app;dur=`` header, ms)."""
    writer.write(raw)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = 0
    server_ms = None
    for line in lines[1:]:
        name, _, value = line.partition(":")
        name = name.lower()
        if name == "content-length":
            length = int(value)
        elif name == "server-timing":
            server_ms = parse_app_ms(value)
    body = await reader.readexactly(length) if length else b""
    return status, body, server_ms


async def _load(
    port: int, requests: list[bytes], connections: int, seconds: float, items: int = 1
) -> Run:
    """Send ``requests`` over ``connections`` keep-alive connections (bounded by time)."""
    queue = list(reversed(requests))
    latencies: list[float] = []
    server: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while queue and time.perf_counter() < deadline:
                raw = queue.pop()
                began = time.perf_counter()
                app_ms = None
                try:
                    status, _, app_ms = await _one(reader, writer, raw)
                except (ConnectionError, asyncio.IncompleteReadError):
                    status = 0  # counted as "0: n" in the statuses; a fresh connection
                    writer.close()
                    reader, writer = await asyncio.open_connection(HOST, port)
                latencies.append((time.perf_counter() - began) * 1000)
                if app_ms is not None:
                    server.append(app_ms)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    return Run(
        latencies, statuses, time.perf_counter() - began, len(latencies) * items, server_ms=server
    )


async def _paced(
    port: int, requests: list[bytes], connections: int, rate: float, seconds: float
) -> Run:
    """Send ``requests`` at ``rate`` per second (open loop) over up to ``connections``
    keep-alive connections. Latency counts from when each request was due, so a server
    that falls behind shows its queueing instead of slowing the sender down."""
    pool: asyncio.Queue[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = asyncio.Queue()
    for _ in range(connections):
        pool.put_nowait(await asyncio.open_connection(HOST, port))
    latencies: list[float] = []
    server: list[float] = []
    statuses: dict[int, int] = {}

    async def send(raw: bytes, due: float) -> None:
        reader, writer = await pool.get()
        try:
            status, _, app_ms = await _one(reader, writer, raw)
        finally:
            pool.put_nowait((reader, writer))
        latencies.append((time.perf_counter() - due) * 1000)
        if app_ms is not None:
            server.append(app_ms)
        statuses[status] = statuses.get(status, 0) + 1

    began = time.perf_counter()
    tasks = []
    for i, raw in enumerate(requests[: int(rate * seconds)]):
        due = began + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(raw, due)))
    await asyncio.gather(*tasks)
    elapsed = time.perf_counter() - began
    while not pool.empty():
        pool.get_nowait()[1].close()
    return Run(latencies, statuses, elapsed, len(latencies), server_ms=server)


def prepare(args: argparse.Namespace, tmp: Path, console: Console) -> tuple[Path, Path | None]:
    """A warehouse at the requested size with rings found, and a model file."""
    if args.db is not None:
        return args.db, args.model
    from merchantry.ingest import ingest_dir
    from merchantry.risk.evaluation import train_on_truth
    from merchantry.risk.model import save_model
    from merchantry.risk.rings import find_rings
    from merchantry.risk.settings import load_settings
    from merchantry.store.warehouse import connect
    from merchantry.synth import generate

    began = time.perf_counter()
    data, db = tmp / "data", tmp / "bench.duckdb"
    generate(data, shops=args.shops, days=args.days, seed=args.seed, progress=False)
    con = connect(db)
    try:
        ingest_dir(con, data, progress=False)
        settings = load_settings()
        model = train_on_truth(con, data / "truth", settings, max_iter=100)
        find_rings(con, settings)
    finally:
        con.close()
    path = save_model(model, tmp / "model.pkl")
    console.print(f"prepared {db} in {time.perf_counter() - began:.0f} s")
    return db, path


def _rows(cursor: Any) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [{k: _plain(v) for k, v in zip(names, r, strict=True)} for r in cursor.fetchall()]


def samples(db: Path, n: int, seed: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(after-sales requests, orders) sampled from the warehouse."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        cursor = con.execute(
            "SELECT case_id, order_id, requested_at, type, reason_code, amount_fen, "
            "coalesce(evidence_images, []) AS evidence_images FROM after_sales "
            "ORDER BY hash(case_id || CAST(? AS VARCHAR)) LIMIT ?",
            [seed, n],
        )
        names = [d[0] for d in cursor.description]
        requests = [
            {k: _plain(v) for k, v in zip(names, r, strict=True)} for r in cursor.fetchall()
        ]
        cursor = con.execute(
            "SELECT * FROM orders ORDER BY hash(order_id || CAST(? AS VARCHAR)) LIMIT ?", [seed, n]
        )
        names = [d[0] for d in cursor.description]
        orders = [{k: _plain(v) for k, v in zip(names, r, strict=True)} for r in cursor.fetchall()]
    finally:
        con.close()
    return requests, orders


def start_server(
    db: Path, model: Path | None, ops: str, port: int, workers: int, healthcheck_s: int
) -> Any:
    env = {
        **os.environ,
        "MERCHANTRY_WAREHOUSE": str(db),
        "MERCHANTRY_OPS_URL": ops,
        "MERCHANTRY_DISPATCHER": "false",
    }
    if model is not None:
        env["MERCHANTRY_RISK_MODEL"] = str(model)
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "merchantry.api.app:app_from_env",
        "--factory",
        "--host",
        HOST,
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--timeout-worker-healthcheck",
        str(healthcheck_s),
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, env=env, start_new_session=True)


async def wait_ready(
    port: int, warm: list[bytes], timeout_s: float, seen: Callable[[], None] = lambda: None
) -> float:
    """Until several connections in a row get 200s (every worker built its state);
    ``seen`` is called between tries (the bench notes the worker processes)."""
    began = time.perf_counter()
    while time.perf_counter() - began < timeout_s:
        seen()
        try:
            run = await _load(port, warm * 4, 8, 30.0)
            if run.statuses.get(200, 0) == len(run.latencies_ms) and run.latencies_ms:
                return time.perf_counter() - began
        except (ConnectionError, OSError, asyncio.IncompleteReadError):
            pass
        await asyncio.sleep(2)
    raise SystemExit(f"the service was not ready after {timeout_s:.0f} s")


def baseline(db: Path, model_path: Path | None, requests: list[dict[str, Any]]) -> list[float]:
    """The batch per-request path: features from the warehouse in DuckDB, then decide."""
    import shutil

    from merchantry.risk.decisions import RiskRequest, decide, load_context
    from merchantry.risk.model import load_model
    from merchantry.risk.rules import compile_risk_rules
    from merchantry.risk.settings import settings_from
    from merchantry.rulebook import load_rulebook
    from merchantry.store.warehouse import connect

    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "baseline.duckdb"
        shutil.copy(db, copy)
        con = connect(copy)
        book = load_rulebook("risk-2026")
        rules, settings = compile_risk_rules(book), settings_from(book)
        model = load_model(model_path) if model_path else None
        times = []
        for r in requests:
            request = RiskRequest(
                r["case_id"],
                r["order_id"],
                datetime.fromisoformat(r["requested_at"]),
                r["type"],
                r["reason_code"],
                r["amount_fen"],
                tuple(r["evidence_images"]),
            )
            began = time.perf_counter()
            decide(request, load_context(con, request, rules, settings, model))
            times.append((time.perf_counter() - began) * 1000)
        con.close()
    return times


def _fast_client_loop() -> None:
    """The load generator on uvloop when it is installed (uvicorn's own loop): it shares the
    two cores with the server, so every microsecond it spends is one the workers lack."""
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def measured(pid: int, work: Any) -> Run:
    """Run the load ``work`` (a coroutine) and note the server CPU it cost."""
    before = server_cpu(pid)
    run: Run = asyncio.run(work)
    run.cpu_seconds = server_cpu(pid) - before
    return run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=(__doc__ or "").split("\n\nSteps:")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add = parser.add_argument
    add("--db", type=Path, help="existing warehouse (rings found); default: generate one")
    add("--model", type=Path, help="risk model file for --db (default: rules only)")
    add("--shops", type=int, default=2000, help="generated market's shops (demo: 2000)")
    add("--days", type=int, default=30, help="generated market's days (demo: 30)")
    add("--seed", type=int, default=7, help="generator seed (demo: 7)")
    add("--workers", type=int, default=2, help="uvicorn worker processes")
    add("--connections", type=int, default=16, help="keep-alive connections for calls")
    add("--requests", type=int, default=4000, help="decisions and quotes to send")
    add("--seconds", type=float, default=60.0, help="time bound of each call's run")
    add("--event-batches", type=int, default=40, help="event batches to post")
    add("--batch", type=int, default=500, help="events per batch")
    add("--event-connections", type=int, default=2, help="connections posting event batches")
    add("--events-only", action="store_true", help="only the events-in run")
    add(
        "--ops",
        help="operational database URL (e.g. postgresql+psycopg://…, as in production); "
        "default: a fresh SQLite file. Its online inbox should be empty",
    )
    add("--baseline", type=int, default=100, help="requests for the in-process baseline")
    add(
        "--rate",
        type=float,
        default=1000.0,
        help="paced runs: requests/s sent on a schedule (0: skip); their p99 is the one "
        "to hold against a latency target at that rate",
    )
    add("--ready-timeout", type=float, default=900.0, help="seconds to wait for the workers")
    add(
        "--healthcheck-s",
        type=int,
        default=120,
        help="uvicorn's worker health-check timeout (merchantry serve's; uvicorn's own is 5)",
    )
    add(
        "--paced-only",
        action="store_true",
        help="only the paced runs (a quick before/after of the latency tail)",
    )
    args = parser.parse_args(argv)
    _fast_client_loop()
    console = Console(width=120)
    from merchantry.ops import open_ops
    from merchantry.ops.keys import KeyRole, create_key

    with tempfile.TemporaryDirectory(prefix="bench-service-") as name:
        tmp = Path(name)
        db, model = prepare(args, tmp, console)
        ops = args.ops or f"sqlite:///{tmp / 'ops.sqlite'}"
        engine = open_ops(ops)
        key = create_key(engine, role=KeyRole.INTEGRATOR, created_by="bench").secret_key
        engine.dispose()
        requests, orders = samples(db, args.requests, args.seed)
        decision_raw = [request_bytes("/v1/risk/after-sales/decisions", key, r) for r in requests]
        quote_raw = [request_bytes("/v1/fees/quote", key, o) for o in orders]
        rng = random.Random(args.seed)
        batches = []
        for b in range(args.event_batches):
            batch_events = []
            for o in rng.sample(orders, min(args.batch, len(orders))):
                batch_events.append({**o, "order_id": f"BENCH{b:04d}-{o['order_id']}"})
            headers = {"Idempotency-Key": uuid.uuid4().hex}
            batches.append(
                request_bytes("/v1/events/orders", key, {"events": batch_events}, headers)
            )
        port = _free_port()
        server = start_server(db, model, ops, port, args.workers, args.healthcheck_s)
        load_before = load_average()
        pids: set[int] = set()
        try:
            ready = asyncio.run(
                wait_ready(
                    port,
                    decision_raw[:8],
                    args.ready_timeout,
                    lambda: pids.update(workers_of(server.pid)),
                )
            )
            pids.update(workers_of(server.pid))
            console.print(
                f"{args.workers} workers ready after {ready:.0f} s; worker processes started "
                f"meanwhile: {len(pids)} ({max(len(pids) - args.workers, 0)} replaced)"
            )
            asyncio.run(_load(port, decision_raw[:400], args.connections, 30))  # warm-up
            asyncio.run(_load(port, quote_raw[:400], args.connections, 30))
            flat: list[tuple[str, Run]] = []
            if not (args.paced_only or args.events_only):
                for label, raw in (("refund decision", decision_raw), ("fee quote", quote_raw)):
                    flat.append(
                        (
                            f"{label} ({args.connections} connections, flat out)",
                            measured(server.pid, _load(port, raw, args.connections, args.seconds)),
                        )
                    )
            paced: list[tuple[str, Run]] = []
            if args.rate > 0 and not args.events_only:
                for label, raw in (("refund decision", decision_raw), ("fee quote", quote_raw)):
                    paced.append(
                        (
                            f"{label}, paced at {args.rate:,.0f}/s",
                            measured(
                                server.pid,
                                _paced(port, raw, 4 * args.connections, args.rate, args.seconds),
                            ),
                        )
                    )
            events = None
            if not args.paced_only:
                events = measured(
                    server.pid,
                    _load(
                        port, batches, args.event_connections, args.seconds * 3, items=args.batch
                    ),
                )
            load_after = load_average()
            pids.update(workers_of(server.pid))
            console.print(f"worker processes over the whole run: {len(pids)}")
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
        quick = args.paced_only or args.events_only
        base = baseline(db, model, requests[: args.baseline]) if not quick else []
    table = Table(title=f"real-time service: {args.workers} uvicorn workers on {HOST}")
    columns = ("call", "n", "statuses", "p50 ms", "p99 ms", "server p50", "server p99")
    for column in (*columns, "per second", "server CPU"):
        table.add_column(column, justify="left" if column in ("call", "statuses") else "right")
    rows = []
    runs = [(name, run, "req") for name, run in (*flat, *paced)]
    if events is not None:
        label = f"events in (batches of {args.batch}, {args.event_connections} connections)"
        runs.append((label, events, "events"))
    for label, run, unit in runs:
        rate = run.payload_items / run.seconds if unit == "events" else run.rate
        if unit == "events":
            cpu = f"{1000 * run.cpu_seconds / max(run.payload_items, 1):.3f} ms/event"
        else:
            cpu = f"{run.cpu_ms_per_call:.3f} ms/req"
        row = (
            label,
            f"{len(run.latencies_ms):,}",
            ", ".join(f"{k}: {v:,}" for k, v in sorted(run.statuses.items())),
            f"{percentile(run.latencies_ms, 0.5):.2f}",
            f"{percentile(run.latencies_ms, 0.99):.2f}",
            f"{percentile(run.server_ms, 0.5):.2f}",
            f"{percentile(run.server_ms, 0.99):.2f}",
            f"{rate:,.0f} {unit}/s",
            cpu,
        )
        rows.append(row)
        table.add_row(*row)
    if base:
        table.add_row(
            "baseline: load_context + decide",
            f"{len(base):,}",
            "in process",
            f"{percentile(base, 0.5):.2f}",
            f"{percentile(base, 0.99):.2f}",
            "",
            "",
            f"{1000 / statistics.fmean(base):,.0f} req/s (1 thread)",
            "",
        )
    console.print(table)
    console.print(f"load average (1, 5, 15 min): before {load_before}; after {load_after}")
    for label, run, _unit in runs:
        if run.server_ms:
            tail = sorted(run.latencies_ms)[int(0.99 * len(run.latencies_ms)) :]
            console.print(
                f"{label}: server p99.9 {percentile(run.server_ms, 0.999):.2f} ms, max "
                f"{max(run.server_ms):.2f} ms; end-to-end p99.9 "
                f"{percentile(run.latencies_ms, 0.999):.2f} ms; slowest 1%: {len(tail)} calls "
                f"from {tail[0]:.2f} ms"
                if tail
                else "",
                highlight=False,
            )
    if base and flat:
        decisions = flat[0][1]
        console.print(
            f"decision p50 ratio, baseline / service: "
            f"{percentile(base, 0.5) / percentile(decisions.latencies_ms, 0.5):,.0f}x; "
            f"p99: {percentile(base, 0.99) / percentile(decisions.latencies_ms, 0.99):,.0f}x"
        )
    cores = os.cpu_count() or 1
    for label, run, _unit in runs[:2]:
        if run.cpu_ms_per_call:
            console.print(
                f"{label}: CPU-bound ceiling on {cores} cores ≈ "
                f"{cores * 1000 / run.cpu_ms_per_call:,.0f} req/s (server CPU alone)"
            )
    print("\n| call | n | p50 | p99 | server p50 | server p99 | throughput | server CPU |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for label, n, _statuses, p50, p99, s50, s99, throughput, server_cpu in rows:
        print(
            f"| {label} | {n} | {p50} ms | {p99} ms | {s50} ms | {s99} ms | {throughput} "
            f"| {server_cpu} |"
        )


if __name__ == "__main__":
    main()
