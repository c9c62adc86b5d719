"""Benchmark: routing one consultation in process (p50/p99), the assistant, the replay.

    python -m bench.bench_cs [--db FILE] [--shops 200 --days 35] [--n 5000] [--big-shop 60]

Uses an existing warehouse or generates and ingests a small market. Measures

* ``route``: :meth:`RoutingDesk.route` for ``--n`` consultations sampled from the history
  (random shop, intent, wait and load): the real-time path of ``POST /v1/cs/route``;
* ``route, big shop``: the same on a shop of ``--big-shop`` hand-made agents (the generator's
  shops have 1–5), to show the cost grows with the agents of one shop, not the marketplace;
* ``ask``: the assistant on the evaluation's questions (facts already read per shop);
* ``replay``: the whole history under both policies (sessions per second).

Wall-clock and thread CPU time are both shown: on a shared machine the wall-clock tail is
the scheduler's, the CPU time is the route's own.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from rich.console import Console
from rich.table import Table

from bench.timing import percentile
from merchantry.cs.evaluation import build_questions
from merchantry.cs.rules import INTENTS, load_rules
from merchantry.service.cs import assistant_desk, build_desk, facts_day, replay_report
from merchantry.store.warehouse import connect


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path)
    parser.add_argument("--shops", type=int, default=200)
    parser.add_argument("--days", type=int, default=35)
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--big-shop", type=int, default=60)
    args = parser.parse_args(argv)
    console = Console(width=120)
    rules = load_rules()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db
        if db is None:
            from merchantry.ingest import ingest_dir
            from merchantry.synth import generate

            generate(Path(tmp) / "data", shops=args.shops, days=args.days, seed=5, progress=False)
            db = Path(tmp) / "w.duckdb"
            con = connect(db)
            ingest_dir(con, Path(tmp) / "data", progress=False)
            con.close()
        con = connect(db, read_only=True)
        day = facts_day(con)
        began = time.perf_counter()
        desk = build_desk(con, rules, day)
        build_s = time.perf_counter() - began
        rng = random.Random(7)
        shops = sorted(desk.industries)
        timings: list[float] = []
        cpu: list[float] = []
        for _ in range(args.n):
            shop = rng.choice(shops)
            crew = desk.agents[shop]
            load = {a.agent_id: rng.randint(0, a.capacity) for a in crew}
            at = datetime.combine(day, datetime.min.time()) + timedelta(
                minutes=rng.randint(0, 1439)
            )
            t0, c0 = time.perf_counter(), time.thread_time()
            desk.route(
                shop, rng.choice(INTENTS), at, waited_seconds=rng.choice((0, 25, 50, 95)), load=load
            )
            cpu.append((time.thread_time() - c0) * 1000)
            timings.append((time.perf_counter() - t0) * 1000)
        big: list[float] = []
        big_cpu: list[float] = []
        template = desk.agents[shops[0]][0]
        skills = ("presale", "after_sale", "logistics", "pet_care", "sizing")
        crew = [
            replace(
                template,
                agent_id=f"BIG-{i}",
                shop_id="BIG",
                skills={s: rng.randint(1, 5) for s in rng.sample(skills, 3)},
                quality=rng.randint(0, 10_000),
            )
            for i in range(args.big_shop)
        ]
        desk.agents["BIG"] = crew
        desk.industries["BIG"] = "pet_food"
        for _ in range(args.n):
            load = {a.agent_id: rng.randint(0, a.capacity) for a in crew}
            t0, c0 = time.perf_counter(), time.thread_time()
            desk.route(
                "BIG",
                rng.choice(INTENTS),
                datetime.combine(day, datetime.min.time()),
                waited_seconds=rng.choice((0, 25, 50, 95)),
                load=load,
            )
            big_cpu.append((time.thread_time() - c0) * 1000)
            big.append((time.perf_counter() - t0) * 1000)
        helper = assistant_desk(con, day, with_routing=False, use_model=False)
        questions = build_questions(con, shops[:40], day, seed=1)
        for q in questions:  # read each shop's facts once, outside the timing
            helper.assistant(q.shop_id)
        asks: list[float] = []
        ask_cpu: list[float] = []
        for q in questions:
            t0, c0 = time.perf_counter(), time.thread_time()
            helper.ask(q.shop_id, q.text)
            ask_cpu.append((time.thread_time() - c0) * 1000)
            asks.append((time.perf_counter() - t0) * 1000)
        since = day - timedelta(days=args.days)
        t0 = time.perf_counter()
        report = replay_report(con, rules, since, day)
        replay_s = time.perf_counter() - t0
        sessions = report.result.policies["rulebook"].sessions
        con.close()
    table = Table(
        title=f"customer service ({len(shops)} shops with agents; desk built in {build_s:.2f} s)"
    )
    for col in ("what", "n", "p50 ms", "p99 ms", "max ms", "CPU p50 ms", "CPU p99 ms"):
        table.add_column(col, justify="left" if col == "what" else "right")
    for label, values, cpus in (
        ("route (1–5 agents)", timings, cpu),
        (f"route, big shop ({args.big_shop} agents)", big, big_cpu),
        ("ask (assistant)", asks, ask_cpu),
    ):
        table.add_row(
            label,
            f"{len(values):,}",
            f"{percentile(values, 0.5):.3f}",
            f"{percentile(values, 0.99):.3f}",
            f"{max(values):.3f}",
            f"{percentile(cpus, 0.5):.3f}",
            f"{percentile(cpus, 0.99):.3f}",
        )
    console.print(table)
    console.print(
        f"replay: {sessions:,} sessions under both policies in {replay_s:.2f} s "
        f"({2 * sessions / replay_s:,.0f} routed sessions/s)"
    )


if __name__ == "__main__":
    main()
