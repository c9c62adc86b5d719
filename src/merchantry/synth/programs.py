"""A planted programme effect: sign-ups to a growth programme and the sales uplift they cause.

Half (:data:`SIGNUP_SHARE`) of the shops the planted programme admits (tagged industry belt,
intangible heritage or rural, as ``douyin-2026-industry-belts`` requires) sign up
:data:`SIGNUP_AFTER_DAYS` days after the first generated day (a fixed day, so a longer run
starts with the same data); from that day their order intensity is multiplied by
``1 + uplift_bp / 10 000``. ``truth/program_uplift.csv`` names the programme, the
participants, the sign-up day and the uplift, so ``merchantry programs report`` can be
checked against it: its difference-in-differences estimate must cover the planted uplift
(and cover 0 when ``uplift_bp`` is 0).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Final

import numpy as np
import pyarrow as pa

from merchantry.synth.population import Population

PLANTED_PROGRAM: Final = "douyin-2026-industry-belts"
PLANTED_TAGS: Final = frozenset({"industry_belt", "intangible_heritage", "rural"})
SIGNUP_SHARE: Final = 0.5
SIGNUP_AFTER_DAYS: Final = 14
"""Participants sign up on the 15th generated day: 14 days before it and, in a 28-day run,
14 from it for the report's windows."""
DEFAULT_UPLIFT_BP: Final = 3_000
"""+30% orders for participants after they sign up."""


@dataclass(frozen=True, slots=True)
class Uplift:
    """The planted sign-ups and the population each day is drawn from."""

    signups: pa.Table
    truth: pa.Table
    boosted: Population
    """The population with participants' order intensity raised."""
    from_day: date | None

    def population_on(self, base: Population, day: date) -> Population:
        """The population a day's orders are drawn from (boosted from the sign-up day)."""
        if self.from_day is not None and day >= self.from_day:
            return self.boosted
        return base


def plant_uplift(
    rng: np.random.Generator,
    pop: Population,
    start: date,
    uplift_bp: int = DEFAULT_UPLIFT_BP,
) -> Uplift:
    """Choose the participants and build the boosted population (stream 6)."""
    shops = pop.tables["shops"]
    ids = shops.column("shop_id").to_pylist()
    tags = shops.column("tags").to_pylist()
    eligible = np.array([bool(PLANTED_TAGS & set(t or ())) for t in tags], dtype=bool)
    chosen = eligible & (rng.random(len(ids)) < SIGNUP_SHARE)
    signup_day = start + timedelta(days=SIGNUP_AFTER_DAYS)
    picked = [shop for shop, c in zip(ids, chosen, strict=True) if c]
    signups = pa.table(
        {
            "program": pa.array([PLANTED_PROGRAM] * len(picked), pa.string()),
            "shop_id": pa.array(picked, pa.string()),
            "signed_up_on": pa.array([signup_day] * len(picked), pa.date32()),
        }
    )
    truth = signups.append_column("uplift_bp", pa.array([uplift_bp] * len(picked), pa.int64()))
    weight = pop.shop_weight * np.where(chosen, 1 + uplift_bp / 10_000, 1.0)
    return Uplift(
        signups=signups,
        truth=truth,
        boosted=replace(pop, shop_weight=weight),
        from_day=signup_day if picked else None,
    )
