"""Benchmark: the pre-publish check of one listing in process (p50/p99; target p99 <= 20 ms).

    python -m bench.bench_listings [--db FILE] [--shops 300 --days 1] [--runs 2000]

Uses an existing warehouse (``--db``) or generates and ingests a small market. The checker is
built once (rulebook, authorisations, price bands, the copy index of every published
listing), as the API holds it per worker; then each run checks one new listing: every
single-listing rule (jieba segmentation included) and the copy query against the index. The
listings checked are the warehouse's own titles, reworded (half of them near-duplicates of
another shop's listing, so the copy path does real work), cycling through materials,
counts, brands and forbidden words, most with creator captions (true and false claims).
Reported as wall clock and as the thread's CPU time: on a
shared machine the wall clock's tail is other processes' scheduling.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from dataclasses import replace
from datetime import date
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.report import Result, emit, peak_mib
from bench.timing import Latency, percentile, small_warehouse
from merchantry.listings.rulebook import load_listing_rulebook
from merchantry.listings.usecases import prepublish_checker
from merchantry.listings.warehouse import read_listings
from merchantry.store.warehouse import connect

TARGET_P99_MS = 20.0
EXTRAS = ("包邮", "现货", "全网最低价", "纯羊绒", "300抽", "国补", "", "新款")
CAPTIONS = (
    (),
    ("这款是羊绒的，上身软糯很舒服",),
    ("阿克苏产地直发，今天现摘现发", "跟着视频看看真实上身和使用效果"),
    ("一提足足300抽，囤货超划算",),
    ("国补价到手，今天下单更划算",),
    ("最近入手的宝藏好物，真实使用一周分享给大家",),
)
"""Creator captions given to the probes (the caption claims run on every one that has one)."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default=None)
    parser.add_argument("--shops", type=int, default=300)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--runs", type=int, default=2000)
    args = parser.parse_args()
    console = Console()
    with tempfile.TemporaryDirectory() as scratch:
        db = small_warehouse(args.db, Path(scratch), shops=args.shops, days=args.days)
        con = connect(db, read_only=True)
        try:
            began = time.perf_counter()
            checker = prepublish_checker(load_listing_rulebook(), con=con, today=date(2026, 10, 1))
            build_s = time.perf_counter() - began
            listings = read_listings(con)
        finally:
            con.close()
    rng = random.Random(7)
    shops = sorted({x.shop_id for x in listings})
    probes = []
    for k in range(args.runs):
        base = listings[rng.randrange(len(listings))]
        probes.append(
            replace(
                base,
                sku_id=f"NEW{k}",
                shop_id=shops[rng.randrange(len(shops))],
                title=base.title + EXTRAS[k % len(EXTRAS)],
                published_at=None,
                captions=CAPTIONS[k % len(CAPTIONS)],
            )
        )
    checker.check(probes[0])  # warm: jieba's dictionary, first signatures
    latency = Latency()
    blocked = 0
    for probe in probes:
        blocked += latency.time(partial(checker.check, probe)).blocked
    table = Table("measure", "p50, p99 and max")
    for name, values in latency.series():
        table.add_row(name, latency.summary(values))
    console.print(
        f"checker over {len(listings):,} published listings built in {build_s:.1f} s; "
        f"{args.runs:,} pre-publish checks ({blocked:,} blocked)"
    )
    console.print(table)
    for line in latency.verdicts(TARGET_P99_MS):
        console.print(line)
    emit(  # a latency bench: no baseline statement does what the check does
        Result(
            bench="bench_listings",
            rows=args.runs,
            seconds=sum(latency.wall) / 1000,
            peak_mib=peak_mib(),
            extra={
                "p50_ms": round(percentile(latency.wall, 0.50), 3),
                "p99_ms": round(percentile(latency.wall, 0.99), 3),
                "blocked": blocked,
                "published": len(listings),
            },
        )
    )


if __name__ == "__main__":
    main()
