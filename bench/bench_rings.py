"""Benchmark: linked-account rings over ≥ 10 million identifier links.

    python -m bench.bench_rings [--buyers 2600000] [--rings 5000]

Builds a DuckDB file with an ``orders`` table of one order per buyer, each
carrying four identifier hashes (device, phone, address, payment), so there
are 4 × buyers distinct links (10.4 million by default). Planted: ``--rings``
groups of 3-8 buyers sharing a device and a payment account, and 200 public
identifiers (a campus address shared by 50-500 buyers). Then, each in its own
child process so that peak memory (max RSS) is its own:

* ``pipeline-scipy`` / ``pipeline-duckdb``: the whole :func:`find_rings`
  (links, hub cap, components, behaviour scores), components by scipy or by
  SQL label propagation;
* ``components-scipy`` / ``components-duckdb``: connected components alone on
  10 million *random* links (no cap: one giant component, the hard case).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import numpy as np
from rich.console import Console
from rich.table import Table

from merchantry.risk.components import components_duckdb, components_scipy
from merchantry.risk.rings import find_rings
from merchantry.risk.settings import RiskSettings

SEED = 1


def build_market(path: Path, buyers: int, rings: int) -> None:
    rng = np.random.default_rng(SEED)
    ids = np.arange(buyers, dtype=np.int64)
    device, phone, address, payment = (ids.copy() for _ in range(4))
    # Rings: consecutive blocks of 3-8 buyers share a device and a payment account.
    sizes = rng.integers(3, 9, rings)
    starts = np.cumsum(np.concatenate(([0], sizes[:-1]))) * 3
    for start, size in zip(starts.tolist(), sizes.tolist(), strict=True):
        device[start : start + size] = start
        payment[start : start + size] = start
    # Public identifiers: campus addresses shared by 50-500 random buyers.
    for hub in range(200):
        chosen = rng.choice(buyers, int(rng.integers(50, 501)), replace=False)
        address[chosen] = buyers + hub
    con = duckdb.connect(str(path))
    con.register(
        "raw",
        {"b": ids, "d": device, "p": phone, "a": address, "y": payment},
    )
    con.execute(
        """
        CREATE TABLE orders AS SELECT
            'O' || lpad(b::VARCHAR, 10, '0') AS order_id,
            'B' || lpad(b::VARCHAR, 10, '0') AS buyer_id,
            TIMESTAMP '2026-10-01' + to_seconds(b % 2592000) AS paid_at,
            'd' || d::VARCHAR AS buyer_device_hash, 'p' || p::VARCHAR AS buyer_phone_hash,
            'a' || a::VARCHAR AS buyer_address_hash, 'y' || y::VARCHAR AS buyer_payment_hash
        FROM raw
        """
    )
    con.execute(
        "CREATE TABLE after_sales (case_id VARCHAR, order_id VARCHAR, requested_at TIMESTAMP, "
        "type VARCHAR, evidence_images VARCHAR[])"
    )
    con.execute(
        "INSERT INTO after_sales SELECT 'C' || order_id, order_id, paid_at + INTERVAL 2 DAY, "
        "'refund_only', ['ev/' || (hash(buyer_device_hash) % 4)::VARCHAR || '.jpg'] "
        "FROM orders WHERE buyer_device_hash <> 'd' || substr(buyer_id, 2)::BIGINT::VARCHAR"
    )
    con.close()


def child(kind: str, path: Path, links: int) -> None:
    began = time.perf_counter()
    result: dict[str, object] = {}
    if kind.startswith("pipeline"):
        con = duckdb.connect(str(path))
        run = find_rings(con, RiskSettings(), method=kind.split("-")[1])  # type: ignore[arg-type]
        result = {
            "links": run.links,
            "hubs": run.hubs,
            "groups": run.linked_groups,
            "flagged": run.flagged,
        }
    else:
        rng = np.random.default_rng(SEED)
        buyers = rng.integers(0, links // 4, links)
        identifiers = rng.integers(0, links // 3, links)
        if kind == "components-scipy":
            labels = components_scipy(buyers, identifiers)
            result = {"links": links, "components": int(np.unique(labels[np.unique(buyers)]).size)}
        else:
            con = duckdb.connect()
            con.register("raw", {"b": buyers, "i": identifiers})
            con.execute("CREATE TEMP TABLE _cc_links AS SELECT b, i FROM raw")
            del buyers, identifiers
            rounds = components_duckdb(con)
            row = con.execute("SELECT count(DISTINCT label) FROM _cc_label").fetchone()
            result = {"links": links, "components": row[0] if row else 0, "rounds": rounds}
    result["seconds"] = time.perf_counter() - began
    print(json.dumps(result))


def run_child(kind: str, path: Path, links: int) -> tuple[dict[str, object], float]:
    command = [sys.executable, "-m", "bench.bench_rings", "--child", kind, str(path), str(links)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"child {kind} failed")
    return json.loads(output.strip().splitlines()[-1]), usage.ru_maxrss / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--buyers", type=int, default=2_600_000)
    parser.add_argument("--rings", type=int, default=5_000)
    parser.add_argument("--links", type=int, default=10_000_000)
    parser.add_argument("--only", nargs="*", default=None)
    parser.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], Path(args.child[1]), int(args.child[2]))
        return
    console = Console(width=140)
    kinds = args.only or [
        "pipeline-scipy",
        "pipeline-duckdb",
        "components-scipy",
        "components-duckdb",
    ]
    table = Table(title=f"rings: {args.buyers:,} buyers (pipeline), {args.links:,} random links")
    for column in ("run", "links", "result", "seconds", "peak MiB"):
        table.add_column(column, justify="right" if column != "result" else "left")
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "rings.duckdb"
        began = time.perf_counter()
        build_market(db, args.buyers, args.rings)
        console.print(f"market built in {time.perf_counter() - began:.1f} s")
        for kind in kinds:
            result, peak = run_child(kind, db, args.links)
            seconds = float(str(result.pop("seconds")))
            links = int(str(result.pop("links")))
            detail = ", ".join(f"{k} {v:,}" for k, v in result.items() if isinstance(v, int))
            table.add_row(kind, f"{links:,}", detail, f"{seconds:.1f}", f"{peak:,.0f}")
            console.print(f"{kind}: {seconds:.1f} s, {peak:,.0f} MiB")
    console.print(table)


if __name__ == "__main__":
    main()
