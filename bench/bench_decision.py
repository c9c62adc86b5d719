"""Benchmark: one refund decision in process (p50/p99), and the batch scorer.

    python -m bench.bench_decision [--db FILE --truth DIR] [--shops 300 --days 21] [--n 500]

Uses an existing warehouse (``--db`` with its generator ``--truth``), or
generates and ingests a small market. Trains the model on a time split, then
for ``--n`` requests sampled from the warehouse measures

* ``decide``: :func:`decide` given a prepared context (rules matched, model
  probability, bands, reasons): the in-process decision the service makes;
* ``load_context + decide``: also computing the request's point-in-time
  features from the warehouse in DuckDB (what a service without an online
  feature store would pay);

and the batch: :func:`score_requests` over every request (rows per second).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.timing import percentile
from merchantry.risk.decisions import RiskRequest, decide, load_context, score_requests
from merchantry.risk.evaluation import evaluate_decisions
from merchantry.risk.rings import find_rings
from merchantry.risk.rules import compile_risk_rules
from merchantry.risk.settings import settings_from
from merchantry.rulebook import load_rulebook
from merchantry.store.warehouse import connect


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--truth", type=Path)
    parser.add_argument("--shops", type=int, default=300)
    parser.add_argument("--days", type=int, default=21)
    parser.add_argument("--n", type=int, default=500)
    args = parser.parse_args(argv)
    console = Console(width=120)
    with tempfile.TemporaryDirectory() as tmp:
        db, truth = args.db, args.truth
        if db is None:
            from merchantry.ingest import ingest_dir
            from merchantry.synth import generate

            generate(Path(tmp) / "data", shops=args.shops, days=args.days, seed=5, progress=False)
            db, truth = Path(tmp) / "w.duckdb", Path(tmp) / "data" / "truth"
            con = connect(db)
            ingest_dir(con, Path(tmp) / "data", progress=False)
            con.close()
        con = connect(db)
        book = load_rulebook("risk-2026")
        rules, settings = compile_risk_rules(book), settings_from(book)
        began = time.perf_counter()
        model = evaluate_decisions(con, truth, rules, settings).model
        console.print(f"trained {model.version} in {time.perf_counter() - began:.1f} s")
        find_rings(con, settings)
        run = score_requests(con, rules, settings, model)
        sample = con.execute(
            "SELECT case_id, order_id, requested_at, type, reason_code, amount_fen, "
            "evidence_images FROM after_sales ORDER BY hash(case_id) LIMIT ?",
            [args.n],
        ).fetchall()
        requests = [
            RiskRequest(c, o, at, t, r, a, tuple(images or ()))
            for c, o, at, t, r, a, images in sample
        ]
        contexts, with_context, alone = [], [], []
        for request in requests:
            started = time.perf_counter()
            context = load_context(con, request, rules, settings, model)
            decide(request, context)
            with_context.append((time.perf_counter() - started) * 1000)
            contexts.append(context)
        for request, context in zip(requests, contexts, strict=True):
            started = time.perf_counter()
            decide(request, context)
            alone.append((time.perf_counter() - started) * 1000)
        con.close()
    table = Table(title=f"refund decisions: {run.requests:,} requests in the warehouse")
    for column in ("path", "n", "p50 ms", "p99 ms", "mean ms"):
        table.add_column(column, justify="left" if column == "path" else "right")
    for name, values in (("decide", alone), ("load_context + decide", with_context)):
        table.add_row(
            name,
            f"{len(values):,}",
            f"{percentile(values, 0.5):.2f}",
            f"{percentile(values, 0.99):.2f}",
            f"{statistics.fmean(values):.2f}",
        )
    table.add_row(
        "batch score_requests",
        f"{run.requests:,}",
        "",
        "",
        f"{run.seconds * 1000 / max(run.requests, 1):.3f} ({run.requests / run.seconds:,.0f}/s)",
    )
    console.print(table)


if __name__ == "__main__":
    main()
