"""Services shops switch on (shop_services): what Taobao's industry bonus items and
Douyin's remote-area logistics bonus look at.

Drawn once per market from its own random stream, so adding this table left every
other table of a seed unchanged. Rates are modelling choices, not platform figures.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Final

import numpy as np
import pyarrow as pa

from merchantry.model.tables import SHOP_SERVICES
from merchantry.synth.catalogue import ALL_INDUSTRIES
from merchantry.synth.population import Population

OFFERS: Final[tuple[tuple[str, tuple[str, ...], float], ...]] = (
    ("remote_area_logistics", (), 0.15),
    ("sf_free_shipping", (), 0.08),
    ("delivery_installation", ("large_appliance", "home_furniture"), 0.5),
    ("free_old_item_removal", ("large_appliance", "home_furniture"), 0.3),
    ("pet_doctor", ("pet_food", "pet_other"), 0.25),
    ("free_size_exchange", ("apparel", "shoes_bags", "sports_outdoor"), 0.3),
)
"""(service, industries offering it (empty: all), share of those shops that switch it on)."""


def draw_services(rng: np.random.Generator, pop: Population, start: date) -> pa.Table:
    """One row per (shop, service) switched on, from up to a year before ``start``;
    one in ten is switched off again inside the first weeks of the window."""
    codes = np.array([ALL_INDUSTRIES[i].code for i in pop.shop_industry])
    shops, services, froms, tos = [], [], [], []
    for service, industries, share in OFFERS:
        eligible = np.isin(codes, industries) if industries else np.ones(len(codes), bool)
        chosen = np.flatnonzero(eligible & (rng.random(len(codes)) < share))
        days_before = rng.integers(-20, 365, len(chosen))
        stops = rng.random(len(chosen)) < 0.1
        stop_after = rng.integers(5, 25, len(chosen))
        for idx, before, stop, after in zip(chosen, days_before, stops, stop_after, strict=True):
            enabled = start - timedelta(days=int(before))
            shops.append(pop.shop_ids[int(idx)].as_py())
            services.append(service)
            froms.append(enabled)
            tos.append(max(enabled, start + timedelta(days=int(after))) if stop else None)
    schema = pa.schema(
        [
            pa.field("shop_id", pa.string()),
            pa.field("service", pa.string()),
            pa.field("enabled_from", pa.date32()),
            pa.field("enabled_to", pa.date32()),
        ]
    )
    assert tuple(schema.names) == SHOP_SERVICES.column_names
    return pa.table([shops, services, froms, tos], schema=schema)
