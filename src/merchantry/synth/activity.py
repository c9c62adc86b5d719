"""Everything around the orders: service chats, creator videos and views,
searches, ad spend and violations.

These tables are drawn from the day's orders so that they agree with them: a
search-scene order has the search that led to it, a short-video order the view,
ad spend per shop and ad product is at least the ad cost its orders carry, and
violations fall mostly on the planted problem shops.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from merchantry.synth import texts
from merchantry.synth.buyers import buyer_ids
from merchantry.synth.catalogue import LEAVES
from merchantry.synth.fulfilment import LATE_SHOP_PICKUP_HOURS, NONE, Journey
from merchantry.synth.orders import AD_PRODUCTS, HOUR_WEIGHTS, OrderBatch, timestamps
from merchantry.synth.population import Population
from merchantry.synth.vector import (
    blank_where,
    choose,
    choose_rows,
    concat_text,
    day_seconds,
    ids,
    pick,
    round_share,
)

VIOLATION_KINDS: Final = (
    "abnormal_return_address",
    "refused_invoice",
    "refused_after_sales",
    "mocking_consumer",
    "brushing",
    "fake_review",
    "false_advertising",
    "fraudulent_shipping",
    "brand_confusion",
)
VIOLATION_RATE: Final = 0.003
"""Violations per ordinary shop per day; planted problem shops get ten times as many."""
_ORDER_LINKED_KINDS: Final = np.array([0, 1, 2, 3, 7])

_NOUNS = [lf.nouns for lf in LEAVES]
_NOUN_FLAT = [noun for nouns in _NOUNS for noun in nouns] + [lf.name for lf in LEAVES]
_NOUN_START = np.cumsum([0] + [len(x) for x in _NOUNS])[:-1]
_NOUN_LEN = np.array([len(x) for x in _NOUNS])
_CS_RATING_CDF: Final = np.cumsum(
    np.array([(0.02, 0.02, 0.08, 0.23, 0.65), (0.20, 0.20, 0.30, 0.20, 0.10)]), axis=1
)


def draw_sessions(
    rng: np.random.Generator,
    pop: Population,
    batch: OrderBatch,
    journey: Journey,
    day_start: int,
    end: int,
) -> pa.Table:
    """Customer-service chats: about orders (more when something went wrong) and pre-sale."""
    n = batch.size
    trouble = journey.cause < NONE
    about = np.flatnonzero(rng.random(n) < np.where(trouble, 0.5, 0.1))
    start_about = batch.paid[about] + rng.exponential(20 * 3600.0, about.size).astype(np.int64)
    about = about[start_about < end]
    start_about = start_about[start_about < end]
    presale = rng.integers(0, max(n, 1), int(n * 0.08)) if n else np.zeros(0, np.int64)
    start_pre = day_start + day_seconds(rng, HOUR_WEIGHTS, presale.size)

    shop = np.concatenate([batch.shop[about], batch.shop[presale]])
    buyer = np.concatenate([batch.buyer[about], rng.integers(0, pop.buyers.count, presale.size)])
    started = np.concatenate([start_about, start_pre])
    order_index = np.concatenate([about, np.full(presale.size, -1)])
    troubled = np.concatenate([trouble[about], np.zeros(presale.size, dtype=bool)])
    m = shop.size

    rounds = np.minimum(rng.geometric(0.35, m), 30)
    slow = pop.shop_quality[shop] > 1.0
    unanswered = rng.binomial(rounds, np.where(slow, 0.15, 0.03))
    never = unanswered >= rounds
    first = np.round(pop.shop_cs_seconds[shop] * rng.lognormal(0.0, 0.7, m)).astype(np.int64)
    total = np.round((rounds - unanswered) * first * rng.lognormal(0.2, 0.3, m)).astype(np.int64)
    total = np.where(never, 0, np.maximum(total, first))
    bot = rng.random(m) < 0.3
    agent = concat_text(
        pop.shop_ids.take(pa.array(shop)),
        pick(("-kf1", "-kf2", "-kf3", "-kf4", "-kf5"), rng.integers(0, 5, m)),
    )
    agent = blank_where(pc.if_else(pa.array(bot), pa.scalar("bot"), agent), never)
    unhappy = (never | (first > 120) | troubled).astype(np.int64)
    rating = 1 + choose_rows(rng, _CS_RATING_CDF, unhappy)
    no_rating = rng.random(m) < 0.65
    escalated = rng.random(m) < np.where(troubled, 0.15, 0.01)
    return pa.table(
        {
            "session_id": ids(f"CS{batch.tag}", np.arange(1, m + 1), 8),
            "shop_id": pop.shop_ids.take(pa.array(shop)),
            "buyer_id": buyer_ids(buyer),
            "order_id": batch.order_ids.take(
                pa.array(order_index, pa.int64(), mask=order_index < 0)
            ),
            "started_at": timestamps(started),
            "first_response_seconds": pa.array(first, pa.int32(), mask=never),
            "rounds": pa.array(rounds, pa.int32()),
            "unanswered_rounds": pa.array(unanswered, pa.int32()),
            "total_response_seconds": pa.array(total, pa.int64()),
            "agent_id": agent,
            "rating": pa.array(rating, pa.int32(), mask=no_rating),
            "escalated": pa.array(escalated),
        }
    )


def draw_videos(
    rng: np.random.Generator, pop: Population, batch: OrderBatch, end: int
) -> tuple[pa.Table, pa.Table]:
    """Creator videos behind the day's short-video sales, and the views they got."""
    promoted = np.flatnonzero((batch.creator >= 0) & (batch.scene == 1))
    key = batch.creator[promoted] * len(pop.sku_ids) + batch.sku[promoted]
    pairs, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    earliest = np.full(pairs.size, np.iinfo(np.int64).max)
    np.minimum.at(earliest, inverse, batch.paid[promoted])
    published = earliest - rng.integers(3600, 48 * 3600, pairs.size)
    v = pairs.size
    creator = batch.creator[promoted[first]]
    sku = batch.sku[promoted[first]]
    video_ids = ids(f"V{batch.tag}", np.arange(1, v + 1), 7)
    videos = pa.table(
        {
            "video_id": video_ids,
            "creator_id": pop.creator_ids.take(pa.array(creator)),
            "shop_id": pop.shop_ids.take(pa.array(pop.sku_shop[sku])),
            "sku_id": pop.sku_ids.take(pa.array(sku)),
            "published_at": timestamps(published),
        }
    )
    # Buyers who bought watched first; others watched without buying.
    buyer_view = batch.paid[promoted] - rng.integers(60, 1800, promoted.size)
    extra = rng.poisson(4.0, v)
    extra_video = np.repeat(np.arange(v), extra)
    extra_at = published[extra_video] + rng.exponential(24 * 3600.0, extra_video.size).astype(
        np.int64
    )
    video = np.concatenate([inverse, extra_video])
    at = np.concatenate([buyer_view, extra_at])
    viewer = np.concatenate(
        [batch.buyer[promoted], rng.integers(0, pop.buyers.count, extra_video.size)]
    )
    keep = at < end
    video, at, viewer = video[keep], at[keep], viewer[keep]
    views = pa.table(
        {
            "view_id": ids(f"VV{batch.tag}", np.arange(1, video.size + 1), 9),
            "video_id": video_ids.take(pa.array(video)),
            "buyer_id": buyer_ids(viewer),
            "viewed_at": timestamps(at),
        }
    )
    return videos, views


def draw_searches(rng: np.random.Generator, pop: Population, batch: OrderBatch) -> pa.Table:
    """Searches: the one before each search-scene order, plus browsing searches."""
    led = np.flatnonzero(batch.scene == 3)
    browse = rng.integers(0, max(batch.size, 1), int(batch.size * 0.6)) if batch.size else led[:0]
    sku = np.concatenate([batch.sku[led], batch.sku[browse]])
    buyer = np.concatenate([batch.buyer[led], rng.integers(0, pop.buyers.count, browse.size)])
    at = np.concatenate(
        [
            batch.paid[led] - rng.integers(30, 1200, led.size),
            batch.paid[browse] + rng.integers(-3600, 3600, browse.size),
        ]
    )
    clicked = np.concatenate([np.ones(led.size, bool), rng.random(browse.size) < 0.35])
    m = sku.size
    leaf = pop.sku_leaf[sku]
    use_name = rng.random(m) < 0.3
    noun = np.where(
        use_name,
        len(_NOUN_FLAT) - len(LEAVES) + leaf,
        _NOUN_START[leaf] + rng.integers(0, 1 << 30, m) % _NOUN_LEN[leaf],
    )
    query = concat_text(
        pick(_NOUN_FLAT, noun),
        pick(texts.SEARCH_MODIFIERS, rng.integers(0, len(texts.SEARCH_MODIFIERS), m)),
    )
    return pa.table(
        {
            "search_id": ids(f"S{batch.tag}", np.arange(1, m + 1), 8),
            "buyer_id": buyer_ids(buyer),
            "query": query,
            "searched_at": timestamps(at),
            "clicked_sku_id": pop.sku_ids.take(pa.array(sku, pa.int64(), mask=~clicked)),
        }
    )


def build_ad_spend(
    rng: np.random.Generator, pop: Population, batch: OrderBatch, day: date
) -> pa.Table:
    """Spend per shop and ad product: attributed ad cost plus spend that did not convert."""
    rows = np.flatnonzero(batch.ad_product >= 0)
    key = batch.shop[rows] * len(AD_PRODUCTS) + batch.ad_product[rows]
    keys, inverse = np.unique(key, return_inverse=True)
    attributed = np.zeros(keys.size, dtype=np.int64)
    np.add.at(attributed, inverse, batch.ad_cost[rows])
    wasted = round_share(attributed, rng.integers(5, 31, keys.size) * 100)
    return pa.table(
        {
            "shop_id": pop.shop_ids.take(pa.array(keys // len(AD_PRODUCTS))),
            "day": pa.array([day] * keys.size, pa.date32()),
            "ad_product": pick(AD_PRODUCTS, keys % len(AD_PRODUCTS)),
            "spend_fen": pa.array(attributed + wasted, pa.int64()),
        }
    )


def draw_violations(
    rng: np.random.Generator, pop: Population, batch: OrderBatch, day_start: int
) -> pa.Table:
    """A few confirmed violations, mostly at planted poor-quality and late shops."""
    late = pop.shop_pickup_hours > LATE_SHOP_PICKUP_HOURS
    poor = pop.shop_quality > 1.0
    rate = VIOLATION_RATE * np.where(late | poor, 10.0, 1.0)
    count = rng.poisson(rate)
    shop = np.repeat(np.arange(pop.shop_count, dtype=np.int64), count)
    m = shop.size
    kind = choose(rng, (1, 1, 2, 1, 2, 2, 2, 1, 1), m)
    kind = np.where(late[shop] & (rng.random(m) < 0.6), 7, kind)
    kind = np.where(poor[shop] & (rng.random(m) < 0.5), np.where(rng.random(m) < 0.5, 6, 2), kind)
    at = day_start + day_seconds(rng, HOUR_WEIGHTS, m)
    order = np.full(m, -1, dtype=np.int64)
    for v in np.flatnonzero(np.isin(kind, _ORDER_LINKED_KINDS)).tolist():  # a handful a day
        candidates = np.flatnonzero(batch.shop == shop[v])
        if candidates.size:
            order[v] = candidates[int(rng.integers(candidates.size))]
    return pa.table(
        {
            "violation_id": ids(f"VIO{batch.tag}", np.arange(1, m + 1), 5),
            "shop_id": pop.shop_ids.take(pa.array(shop)),
            "kind": pick(VIOLATION_KINDS, kind),
            "occurred_at": timestamps(at),
            "order_id": batch.order_ids.take(pa.array(order, pa.int64(), mask=order < 0)),
        }
    )
