"""``generate``: a whole synthetic marketplace, day by day, into a directory.

Data flow: the population stream draws the static marketplace (categories,
shops, products, creators, buyers, planted truth); then for each day its own
streams draw the orders and everything that follows from them (logistics,
after-sales, reviews, service chats, videos and views, searches, ad spend,
violations). Days are independent given the population, so memory is bounded
by one day and the files do not depend on chunking. Ground truth goes to
``truth/`` only.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Final

import pyarrow as pa
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from merchantry.kit.errors import InputError
from merchantry.kit.settings import DOUYIN, Marketplace
from merchantry.model.tables import TABLES
from merchantry.synth.activity import (
    build_ad_spend,
    draw_searches,
    draw_sessions,
    draw_videos,
    draw_violations,
)
from merchantry.synth.aftersales import draw_cases, draw_reviews
from merchantry.synth.agents import Roster, assign_agents, draw_agents
from merchantry.synth.business_modes import promise_by_mode, shop_modes, travel_by_mode
from merchantry.synth.captions import plant_captions
from merchantry.synth.combinations import meet_order_combinations, meet_shop_combinations
from merchantry.synth.coupons import draw_coupon_spends
from merchantry.synth.creator_duties import draw_colonel_fees, draw_creator_violations
from merchantry.synth.cs_notes import add_notes
from merchantry.synth.fulfilment import build_logistics, draw_causes, draw_journey
from merchantry.synth.listings import draw_captions, plant_listings
from merchantry.synth.lone_abusers import top_up_lone_abusers
from merchantry.synth.lookalikes import plant_lookalikes
from merchantry.synth.orders import EXTRA_TRANSIT_DAYS, OrderBatch, draw_orders, epoch_seconds
from merchantry.synth.output import FORMATS, TableSink, write_csv
from merchantry.synth.population import Population, draw_population
from merchantry.synth.programs import DEFAULT_UPLIFT_BP, plant_uplift
from merchantry.synth.qic import mark_qic
from merchantry.synth.return_plants import Plants, draw_plants, plant_causes, rewrite_cases
from merchantry.synth.scopes import draw_counterfeits, scope_orders, widen_population
from merchantry.synth.seeding import plant_seeding
from merchantry.synth.services import draw_services
from merchantry.synth.vector import stream

DEFAULT_START: Final = date(2026, 10, 1)
DEFAULT_ORDERS_PER_SHOP_DAY: Final = 16.7
"""Mean orders per shop and day: 2,000 shops × 30 days ≈ 1 million orders."""
TRUTH_DIR: Final = "truth"
MARKETPLACE: Final = DOUYIN
"""The generated marketplace is a Douyin-like one: CNY, Asia/Shanghai."""


def marketplace_row(marketplace: Marketplace) -> pa.Table:
    """The one ``marketplace`` row that names the currency and zone of the files."""
    return pa.table(
        {
            "marketplace_id": [marketplace.marketplace_id],
            "name": [marketplace.name],
            "currency": [marketplace.currency.code],
            "time_zone": [marketplace.time_zone],
        }
    )


_POPULATION: Final = 0
_DAY: Final = 1
_SERVICES: Final = 2
_LOOKALIKES: Final = 3
_PLANTS: Final = 4
_AGENTS: Final = 5
_NOTES: Final = 10
_PROGRAMS: Final = 6
_SEEDING: Final = 7
_LISTINGS: Final = 8
_SCOPES: Final = 11
"""Special industries, store kinds, installation, affiliate plans, counterfeits (scopes.py)."""
_STREAM_9: Final = 9
"""Lone abusers and heavy returners topped up to a measurable number (lone_abusers.py; the
stream itself), special-industry SKUs spread over their leaves (sub-stream 1), the parcels
of instant-retail and cross-border orders (sub-stream 2, then the day; business_modes.py)."""
_CAPTIONS: Final = 12
_COUPONS: Final = 13
"""Merchants' coupon-payable spends (coupons.py)."""
_CREATOR_DUTIES: Final = 14
_QUICK_COPIES: Final = 15
"""Colonel fee rates of colonel-plan sales and creator violations (creator_duties.py)."""
_QIC: Final = 18
"""QIC-inspected orders (qic.py: the stream itself, then the day)."""
_COMBINATIONS: Final = 16
"""Shops relabelled and orders set so every combination a shipped rule requires meets rows
(combinations.py: the stream itself, then the day)."""
_STEPS: Final = (
    "orders",
    "causes",
    "journey",
    "cases",
    "reviews",
    "sessions",
    "videos",
    "searches",
    "ads",
    "violations",
    "plants",
)
"""Sub-streams of a day: each step draws from its own, so changing one leaves the rest."""


@dataclass(frozen=True, slots=True)
class GenerateSummary:
    """What a run wrote: rows per table and how long it took."""

    out: Path
    fmt: str
    shops: int
    days: int
    seed: int
    start: date
    rows: dict[str, int]
    elapsed_seconds: float

    @property
    def orders(self) -> int:
        return self.rows.get("orders", 0)

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def generate(
    out: Path,
    *,
    shops: int,
    days: int,
    seed: int,
    start: date = DEFAULT_START,
    fmt: str = "parquet",
    orders_per_shop_day: float = DEFAULT_ORDERS_PER_SHOP_DAY,
    progress: bool = True,
    program_uplift_bp: int = DEFAULT_UPLIFT_BP,
) -> GenerateSummary:
    """Write a synthetic marketplace of ``shops`` shops over ``days`` days from ``start``.

    The same arguments give byte-identical files. Existing table files of any
    format in ``out`` (and ``out/truth``) are replaced so a directory never
    mixes two runs.
    """
    _check(shops=shops, days=days, fmt=fmt, orders_per_shop_day=orders_per_shop_day)
    began = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    _clear(out)
    sinks = {t.name: TableSink(t, out, fmt) for t in TABLES}
    sinks["marketplace"].append(marketplace_row(MARKETPLACE))
    pop = draw_population(stream(seed, _POPULATION), shops, start)
    pop = widen_population(stream(seed, _SCOPES), pop, leaf_rng=stream(seed, _STREAM_9, 1))
    pop = meet_shop_combinations(stream(seed, _COMBINATIONS), pop)
    pop = top_up_lone_abusers(stream(seed, _STREAM_9), pop)
    for name, data in pop.tables.items():
        sinks[name].append(data)
    plants = draw_plants(stream(seed, _PLANTS), pop)
    for name, data in (pop.truth | plants.truth).items():
        write_csv(out / TRUTH_DIR / f"{name}.csv", data)
    sinks["shop_services"].append(draw_services(stream(seed, _SERVICES), pop, start))
    planted = plant_lookalikes(stream(seed, _LOOKALIKES), pop)
    sinks["products"].append(planted.products)
    sinks["product_profiles"].append(planted.profiles)
    write_csv(out / TRUTH_DIR / "reco_pairs.csv", planted.truth)
    listed = plant_listings(
        stream(seed, _LISTINGS), pop, planted.products, start, stream(seed, _QUICK_COPIES)
    )
    sinks["products"].append(listed.products)
    for name, data in listed.tables.items():
        sinks[name].append(data)
    for name, data in listed.truth.items():
        write_csv(out / TRUTH_DIR / f"{name}.csv", data)
    captioned = plant_captions(stream(seed, _CAPTIONS), pop, planted.products, listed, start)
    for name, data in captioned.tables.items():
        sinks[name].append(data)
    write_csv(out / TRUTH_DIR / "caption_claims.csv", captioned.truth)
    roster = draw_agents(stream(seed, _AGENTS), pop, start)
    for name, data in roster.tables.items():
        sinks[name].append(data)
    write_csv(out / TRUTH_DIR / "cs_agents.csv", roster.truth)
    uplift = plant_uplift(stream(seed, _PROGRAMS), pop, start, program_uplift_bp)
    sinks["program_signups"].append(uplift.signups)
    write_csv(out / TRUTH_DIR / "program_uplift.csv", uplift.truth)

    end = epoch_seconds(start + timedelta(days=days))
    journeys: list[pa.Table] = []
    with _progress(progress, days) as advance:
        for day in range(days):
            day_date = start + timedelta(days=day)
            day_pop = uplift.population_on(pop, day_date)
            batch = _generate_day(
                day_pop, plants, seed, day, day_date, end, orders_per_shop_day, sinks, roster
            )
            seeded = plant_seeding(stream(seed, _SEEDING, day), pop, batch, end)
            for name, data in seeded.tables.items():
                sinks[name].append(data)
            journeys.append(seeded.truth)
            advance(sinks["orders"].rows)
    write_csv(out / TRUTH_DIR / "seeding_journeys.csv", pa.concat_tables(journeys))
    for sink in sinks.values():
        sink.close()
    return GenerateSummary(
        out=out,
        fmt=fmt,
        shops=shops,
        days=days,
        seed=seed,
        start=start,
        rows={name: sink.rows for name, sink in sinks.items()},
        elapsed_seconds=time.perf_counter() - began,
    )


def _generate_day(
    pop: Population,
    plants: Plants,
    seed: int,
    day: int,
    day_date: date,
    end: int,
    orders_per_shop_day: float,
    sinks: dict[str, TableSink],
    roster: Roster,
) -> OrderBatch:
    rng = {step: stream(seed, _DAY, day, k) for k, step in enumerate(_STEPS)}
    scopes = stream(seed, _SCOPES, day)
    batch = draw_orders(rng["orders"], pop, day, day_date, orders_per_shop_day)
    batch = scope_orders(scopes, batch)
    batch = mark_qic(stream(seed, _QIC, day), batch)
    batch = meet_order_combinations(stream(seed, _COMBINATIONS, day), pop, batch)
    modes = shop_modes(pop)
    batch = promise_by_mode(modes, batch, EXTRA_TRANSIT_DAYS[pop.buyers.province[batch.buyer]])
    cause = draw_causes(rng["causes"], pop, batch)
    journey = travel_by_mode(
        stream(seed, _STREAM_9, 2, day),
        modes,
        batch,
        draw_journey(rng["journey"], pop, batch, cause),
    )
    journey = plant_causes(rng["plants"], plants, batch, journey)
    cases, journey = draw_cases(rng["cases"], pop, batch, journey, end)
    cases = rewrite_cases(rng["plants"], plants, batch, journey, cases)
    day_start = epoch_seconds(day_date)
    videos, views = draw_videos(rng["videos"], pop, batch, end)
    tables: dict[str, pa.Table] = {
        "orders": batch.table,
        "logistics_events": build_logistics(batch, journey, end),
        "after_sales": cases,
        "reviews": draw_reviews(rng["reviews"], pop, batch, journey, end),
        "cs_sessions": add_notes(
            stream(seed, _NOTES, day),
            assign_agents(
                stream(seed, _AGENTS, day),
                roster,
                draw_sessions(rng["sessions"], pop, batch, journey, day_start, end),
            ),
            batch,
            journey,
        ),
        "creator_videos": videos,
        "video_views": views,
        "video_captions": draw_captions(stream(seed, _LISTINGS, day), videos),
        "searches": draw_searches(rng["searches"], pop, batch),
        "ad_spend": build_ad_spend(rng["ads"], pop, batch, day_date),
        "coupon_spends": draw_coupon_spends(stream(seed, _COUPONS, day), pop, batch.tag, day_start),
        "order_colonel_fees": draw_colonel_fees(stream(seed, _CREATOR_DUTIES, day, 0), batch),
        "creator_violations": draw_creator_violations(
            stream(seed, _CREATOR_DUTIES, day, 1), pop, batch.tag, day_start
        ),
        "violations": pa.concat_tables(
            [
                draw_violations(rng["violations"], pop, batch, day_start),
                draw_counterfeits(scopes, pop, batch, day_start),
            ]
        ),
    }
    for name, data in tables.items():
        sinks[name].append(data)
    return batch


def _check(*, shops: int, days: int, fmt: str, orders_per_shop_day: float) -> None:
    if shops < 1:
        raise InputError(f"--shops must be at least 1, got {shops}")
    if days < 1:
        raise InputError(f"--days must be at least 1, got {days}")
    if fmt not in FORMATS:
        raise InputError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if not 0 < orders_per_shop_day <= 100_000:
        raise InputError(f"--orders-per-shop-day must be in (0, 100000], got {orders_per_shop_day}")


def _clear(out: Path) -> None:
    """Remove table files a previous run left (any format, whole or chunked) and old truth."""
    for t in TABLES:
        for fmt in FORMATS:
            for old in [out / f"{t.name}.{fmt}", *out.glob(f"{t.name}-[0-9]*.{fmt}")]:
                old.unlink(missing_ok=True)
    truth = out / TRUTH_DIR
    if truth.is_dir():
        for old in truth.glob("*.csv"):
            old.unlink()


@contextmanager
def _progress(show: bool, days: int) -> Iterator[Callable[[int], None]]:
    if not show:
        yield lambda _orders: None
        return
    bar = Progress(
        TextColumn("[bold]generating[/] day"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[orders]:,} orders"),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with bar:
        task = bar.add_task("days", total=days, orders=0)

        def advance(orders: int) -> None:
            bar.update(task, advance=1, orders=orders)

        yield advance
