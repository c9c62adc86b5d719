"""Benchmark: the real-time service under load, with uvicorn workers on loopback.

    python -m bench.bench_service [--db FILE --model FILE] [--shops 2000 --days 30 --seed 7]
        [--workers 2] [--connections 16] [--requests 4000] [--seconds 60]
        [--event-batches 40] [--batch 500] [--baseline 100]

Uses an existing warehouse (``--db``, with rings found and, optionally, a risk
model file), or generates and prepares one at the demo's size (2,000 shops x 30
days, seed 7: the demo's defaults). Then:

* starts ``uvicorn merchantry.api.app:app_from_env --factory --workers N`` on
  127.0.0.1 with a fresh operational SQLite database and an integrator key, and
  waits until every worker has built its online state;
* **decisions**: ``--requests`` refund decisions (requests sampled from the
  warehouse) over ``--connections`` keep-alive connections, bounded by
  ``--seconds``; p50/p99 latency per request and requests/s;
* **quotes**: the same for fee quotes of sampled orders;
* **events in**: ``--event-batches`` batches of ``--batch`` new orders (sampled
  orders under new ids) over 2 connections; events/s accepted;
* **baseline**: the batch per-request path in process (``load_context`` +
  ``decide``, what ``bench_decision`` measures) on ``--baseline`` requests.

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
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

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


@dataclass
class Run:
    latencies_ms: list[float]
    statuses: dict[int, int]
    seconds: float
    payload_items: int = 0

    @property
    def rate(self) -> float:
        return len(self.latencies_ms) / self.seconds if self.seconds else 0.0


async def _one(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, raw: bytes
) -> tuple[int, bytes]:
    writer.write(raw)
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    length = 0
    for line in lines[1:]:
        if line.lower().startswith("content-length:"):
            length = int(line.split(":", 1)[1])
    body = await reader.readexactly(length) if length else b""
    return status, body


async def _load(
    port: int, requests: list[bytes], connections: int, seconds: float, items: int = 1
) -> Run:
    """Send ``requests`` over ``connections`` keep-alive connections (bounded by time)."""
    queue = list(reversed(requests))
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        reader, writer = await asyncio.open_connection(HOST, port)
        try:
            while queue and time.perf_counter() < deadline:
                raw = queue.pop()
                began = time.perf_counter()
                status, _ = await _one(reader, writer, raw)
                latencies.append((time.perf_counter() - began) * 1000)
                statuses[status] = statuses.get(status, 0) + 1
        finally:
            writer.close()

    began = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    return Run(latencies, statuses, time.perf_counter() - began, len(latencies) * items)


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


def start_server(db: Path, model: Path | None, ops: str, port: int, workers: int) -> Any:
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
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    return subprocess.Popen(command, env=env, start_new_session=True)


async def wait_ready(port: int, warm: list[bytes], timeout_s: float) -> float:
    """Until several connections in a row get 200s (every worker built its state)."""
    began = time.perf_counter()
    while time.perf_counter() - began < timeout_s:
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


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--model", type=Path)
    parser.add_argument("--shops", type=int, default=2000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--event-batches", type=int, default=40)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--baseline", type=int, default=100)
    parser.add_argument("--ready-timeout", type=float, default=900.0)
    args = parser.parse_args(argv)
    console = Console(width=120)
    from merchantry.ops import open_ops
    from merchantry.ops.keys import KeyRole, create_key

    with tempfile.TemporaryDirectory(prefix="bench-service-") as name:
        tmp = Path(name)
        db, model = prepare(args, tmp, console)
        ops = f"sqlite:///{tmp / 'ops.sqlite'}"
        engine = open_ops(ops)
        key = create_key(engine, role=KeyRole.INTEGRATOR, created_by="bench").secret_key
        engine.dispose()
        requests, orders = samples(db, args.requests, args.seed)
        decision_raw = [request_bytes("/v1/risk/after-sales/decisions", key, r) for r in requests]
        quote_raw = [request_bytes("/v1/fees/quote", key, o) for o in orders]
        rng = random.Random(args.seed)
        batches = []
        for b in range(args.event_batches):
            events = []
            for o in rng.sample(orders, min(args.batch, len(orders))):
                events.append({**o, "order_id": f"BENCH{b:04d}-{o['order_id']}"})
            headers = {"Idempotency-Key": uuid.uuid4().hex}
            batches.append(request_bytes("/v1/events/orders", key, {"events": events}, headers))
        port = _free_port()
        server = start_server(db, model, ops, port, args.workers)
        try:
            ready = asyncio.run(wait_ready(port, decision_raw[:8], args.ready_timeout))
            console.print(f"{args.workers} workers ready after {ready:.0f} s")
            asyncio.run(_load(port, decision_raw[:400], args.connections, 30))  # warm-up
            decisions = asyncio.run(_load(port, decision_raw, args.connections, args.seconds))
            asyncio.run(_load(port, quote_raw[:400], args.connections, 30))
            quotes = asyncio.run(_load(port, quote_raw, args.connections, args.seconds))
            events = asyncio.run(_load(port, batches, 2, args.seconds * 3, items=args.batch))
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=60)
        base = baseline(db, model, requests[: args.baseline])
    table = Table(title=f"real-time service: {args.workers} uvicorn workers on {HOST}")
    for column in ("call", "n", "statuses", "p50 ms", "p99 ms", "per second"):
        table.add_column(column, justify="left" if column in ("call", "statuses") else "right")
    for label, run, unit in (
        ("refund decision", decisions, "req"),
        ("fee quote", quotes, "req"),
        (f"events in (batches of {args.batch})", events, "events"),
    ):
        rate = run.payload_items / run.seconds if unit == "events" else run.rate
        table.add_row(
            label,
            f"{len(run.latencies_ms):,}",
            ", ".join(f"{k}: {v:,}" for k, v in sorted(run.statuses.items())),
            f"{percentile(run.latencies_ms, 0.5):.2f}",
            f"{percentile(run.latencies_ms, 0.99):.2f}",
            f"{rate:,.0f} {unit}/s",
        )
    table.add_row(
        "baseline: load_context + decide",
        f"{len(base):,}",
        "in process",
        f"{percentile(base, 0.5):.2f}",
        f"{percentile(base, 0.99):.2f}",
        f"{1000 / statistics.fmean(base):,.0f} req/s (1 thread)",
    )
    console.print(table)
    console.print(
        f"decision p50 ratio, baseline / service: "
        f"{percentile(base, 0.5) / percentile(decisions.latencies_ms, 0.5):,.0f}x; "
        f"p99: {percentile(base, 0.99) / percentile(decisions.latencies_ms, 0.99):,.0f}x"
    )


if __name__ == "__main__":
    main()
