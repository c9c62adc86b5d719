"""Planted creator seeding (种草): watch → search → pay journeys, and decoys, with their truth.

For a share of each day's orders the buyer first watched a creator's video of the very
product, then searched and clicked it, then paid: a journey any seeding rulebook with the
product scope, a view window of 7 days or more and a search window of 1 day or more must
attribute (to that video alone). Decoys look close but must not be attributed: the view
without a search, the search before the view, the view after the payment. Journeys are
drawn only on live, product-card and mall orders, whose own events (a short-video
order's view, a search order's search) cannot complete a journey by themselves.

Ground truth, one row per planted order: ``truth/seeding_journeys.csv`` (order, video,
creator, kind, times; ``kind = 'attributable'`` for the journeys).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from merchantry.synth.buyers import buyer_ids
from merchantry.synth.orders import OrderBatch, timestamps
from merchantry.synth.population import Population
from merchantry.synth.vector import ids, pick

SEEDED_SHARE: Final = 0.04
"""Share of eligible orders given a planted journey or decoy."""
KINDS: Final = ("attributable", "view_without_search", "search_before_view", "view_after_payment")
KIND_WEIGHTS: Final = (0.7, 0.1, 0.1, 0.1)
ELIGIBLE_SCENES: Final = (0, 2, 4)
"""live, product_card, mall (indices of ``SCENES``)."""
HOUR: Final = 3_600
DAY: Final = 86_400


@dataclass(frozen=True, slots=True)
class Seeding:
    """One day's planted videos, views and searches, and the truth about them."""

    videos: pa.Table
    views: pa.Table
    searches: pa.Table
    truth: pa.Table

    @property
    def tables(self) -> dict[str, pa.Table]:
        """The event tables, by name."""
        return {"creator_videos": self.videos, "video_views": self.views, "searches": self.searches}


def plant_seeding(
    rng: np.random.Generator, pop: Population, batch: OrderBatch, end: int
) -> Seeding:
    """Journeys and decoys for a share of the day's eligible orders (times before ``end``)."""
    gift = np.asarray(batch.table.column("is_gift").to_numpy(zero_copy_only=False), dtype=bool)
    eligible = np.isin(batch.scene, ELIGIBLE_SCENES) & ~gift
    chosen = np.flatnonzero(eligible & (rng.random(batch.size) < SEEDED_SHARE))
    n = chosen.size
    kind = rng.choice(len(KINDS), size=n, p=KIND_WEIGHTS)
    paid = batch.paid[chosen]
    creator = rng.integers(0, len(pop.creator_ids), n)
    view_lag = rng.integers(HOUR, 6 * DAY, n)  # view: 1 h to 6 days before payment
    search_lag = np.minimum(view_lag - 60, rng.integers(60, 23 * HOUR, n))
    viewed = paid - view_lag
    searched = paid - search_lag
    # decoys: a search that comes before the view, a view after the payment
    before = kind == KINDS.index("search_before_view")
    searched = np.where(before, viewed - rng.integers(60, HOUR, n), searched)
    after = kind == KINDS.index("view_after_payment")
    viewed = np.where(after, paid + rng.integers(60, 12 * HOUR, n), viewed)
    published = np.minimum(viewed, paid) - rng.integers(HOUR, 2 * DAY, n)
    has_search = kind != KINDS.index("view_without_search")
    keep_view = viewed < end
    video_ids = ids(f"V{batch.tag}9", np.arange(1, n + 1), 6)  # past the day's own videos
    sku = batch.sku[chosen]
    videos = pa.table(
        {
            "video_id": video_ids,
            "creator_id": pop.creator_ids.take(pa.array(creator)),
            "shop_id": pop.shop_ids.take(pa.array(pop.sku_shop[sku])),
            "sku_id": pop.sku_ids.take(pa.array(sku)),
            "published_at": timestamps(published),
        }
    )
    view_rows = np.flatnonzero(keep_view)
    views = pa.table(
        {
            "view_id": ids(f"VV{batch.tag}9", np.arange(1, view_rows.size + 1), 8),
            "video_id": video_ids.take(pa.array(view_rows)),
            "buyer_id": buyer_ids(batch.buyer[chosen][view_rows]),
            "viewed_at": timestamps(viewed[view_rows]),
        }
    )
    search_rows = np.flatnonzero(has_search)
    titles = pop.tables["products"].column("title").take(pa.array(sku[search_rows]))
    searches = pa.table(
        {
            "search_id": ids(f"S{batch.tag}9", np.arange(1, search_rows.size + 1), 7),
            "buyer_id": buyer_ids(batch.buyer[chosen][search_rows]),
            "query": pc.utf8_slice_codeunits(titles, 0, 12),  # the title's first words
            "searched_at": timestamps(searched[search_rows]),
            "clicked_sku_id": pop.sku_ids.take(pa.array(sku[search_rows])),
        }
    )
    truth = pa.table(
        {
            "order_id": batch.order_ids.take(pa.array(chosen)),
            "video_id": video_ids,
            "creator_id": pop.creator_ids.take(pa.array(creator)),
            "kind": pick(KINDS, kind),
            "viewed_at": timestamps(viewed),
            "searched_at": pa.array(
                np.where(has_search, searched, 0) * 1_000_000,
                pa.timestamp("us"),
                mask=~has_search,
            ),
        }
    )
    return Seeding(videos, views, searches, truth)
