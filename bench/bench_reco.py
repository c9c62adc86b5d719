"""Benchmark: the post-purchase filter of 1,000 candidates in process (p50/p99), and clustering.

    python -m bench.bench_reco [--db FILE] [--shops 300 --days 3] [--runs 1000]

Uses an existing warehouse (``--db``) or generates and ingests a small market. Then:

* ``cluster build``: every product into a fresh :class:`ClusterIndex` (products per second);
* ``add one product``: the incremental path, one more listing into the built index;
* ``filter 1,000``: :func:`filter_candidates` for a buyer with 20 purchases inside their
  windows and 1,000 candidates drawn from the catalogue (a few of them near-duplicates of
  the purchases), on the catalogue as the API holds it (stored clusters, every title
  signature computed at start-up). The target is p99 <= 5 ms. Reported as wall clock and
  as the thread's CPU time: on a shared machine the wall clock's tail is other processes'
  scheduling, the CPU time is the filter's own.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.timing import Latency, small_warehouse
from merchantry.reco.clusters import ClusterIndex
from merchantry.reco.settings import load_settings
from merchantry.reco.similarity import Listing
from merchantry.reco.suppression import Catalogue, Purchase, filter_candidates
from merchantry.reco.warehouse import read_industries, read_listings
from merchantry.store.warehouse import connect


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=None)
    parser.add_argument("--shops", type=int, default=300)
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--runs", type=int, default=1000)
    args = parser.parse_args()
    console = Console()
    settings = load_settings()
    with tempfile.TemporaryDirectory() as tmp:
        db = small_warehouse(args.db, Path(tmp), shops=args.shops, days=args.days)
        con = connect(db, read_only=True)
        try:
            listings = read_listings(con)
            industries = read_industries(con)
        finally:
            con.close()

    began = time.perf_counter()
    index = ClusterIndex(settings.similarity)
    index.add_all(listings[:-200])
    build = time.perf_counter() - began
    adds = Latency()
    for listing in listings[-200:]:
        adds.time(partial(index.add, listing))

    # The API's catalogue: stored clusters, every signature computed at start-up.
    catalogue = Catalogue(
        {x.sku_id: x for x in listings}, index.cluster_map(), industries, settings.similarity
    )
    began = time.perf_counter()
    catalogue.warm()
    warm = time.perf_counter() - began
    rng = random.Random(7)
    now = datetime(2026, 10, 10, 12)
    windowed = [x for x in listings if settings.window_days(industries.get(x.category_id))[0] > 0]
    by_cluster: dict[str, list[Listing]] = {}
    for x in listings:
        by_cluster.setdefault(catalogue.clusters[x.sku_id], []).append(x)
    skus = [x.sku_id for x in listings]
    filtering = Latency()
    removed = 0
    for _ in range(args.runs):
        bought = rng.sample(windowed, 20)
        purchases = [
            Purchase(x.sku_id, now - timedelta(hours=rng.randrange(1, 24 * 6))) for x in bought
        ]
        near = [y.sku_id for x in bought for y in by_cluster[catalogue.clusters[x.sku_id]]]
        candidates = (near + rng.sample(skus, 1000))[:1000]
        rng.shuffle(candidates)
        result = filtering.time(
            partial(filter_candidates, purchases, candidates, catalogue, settings, now)
        )
        removed += len(result.removed)

    table = Table("measure", "figure")
    table.add_row("products", f"{len(listings):,}")
    table.add_row(
        "cluster build", f"{build:.2f} s ({(len(listings) - 200) / build:,.0f} products/s)"
    )
    table.add_row("catalogue start-up (signatures)", f"{warm:.2f} s")
    table.add_row("add one product", adds.summary(adds.wall))
    table.add_row(
        "filter 1,000 candidates, 20 purchases",
        f"{filtering.summary(filtering.wall)} over {args.runs:,} runs",
    )
    table.add_row("  the same, CPU time of the thread", filtering.summary(filtering.cpu))
    table.add_row("removed per request", f"{removed / args.runs:.1f}")
    console.print(table)
    for line in filtering.verdicts(5.0):
        console.print(line)


if __name__ == "__main__":
    main()
