"""Copies made within a day of the original, and listings put up together from one source.

A copier with a one-click tool can put another shop's listing up within hours: its words and
its main picture. Distributors of one supplier put the same kit's words up at about the same
time, each over their own photo. Per call: an original by an unlinked shop; a copy by another
unlinked shop 1 to 23 hours later, the title with a suffix and the picture within 2 bits
(planted violation); and the kit's words by a third shop within the hour over its own picture
(decoy: one signal within a day is no copy). RNG stream 15, so the other plants are unchanged.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Final

import numpy as np

from merchantry.synth.listings import _flip, _phash, _Planter

QUICK_NOUNS: Final = ("藤编收纳篮", "手绘瓷盘", "竹编灯罩", "布艺门帘", "木雕摆件", "扎染方巾")
QUICK_MOTIFS: Final = ("江南烟雨", "敦煌藻井", "徽派马头墙", "岭南花窗", "蜀锦芙蓉")
START_MINUTE: Final = 3_000
"""Where the quick plants' clock starts (minutes after the plants' start): after the others."""


def plant_quick_copies(
    rng: np.random.Generator, base: _Planter, count: int, linked: frozenset[str]
) -> None:
    """``count`` originals, each with a copy within a day and a same-kit decoy, added to
    ``base``'s output (products, claims, publication events, truth). Shops in ``linked``
    (a linked group) are left out: their copies are the cluster plants' business."""
    planter = _Planter(rng, base.out, base.shops, base.region, base.when, base.authorised)
    planter.minute = START_MINUTE
    outside = [s for s in base.shops if s not in linked] or base.shops
    if len(outside) < 3:
        return
    for k in range(count):
        noun = QUICK_NOUNS[k % len(QUICK_NOUNS)]
        motif = QUICK_MOTIFS[(k // len(QUICK_NOUNS) + k) % len(QUICK_MOTIFS)]
        title = f"{motif}{noun}独立设计{planter._code()}小批量手作款"
        first, copier, kit = (str(s) for s in rng.choice(np.array(outside), size=3, replace=False))
        image = _phash(rng)
        at = planter._at()
        planter.add("copied_listing", "decoy", title, "双肩包", shop=first, at=at,
                    image_phash=f"{image:016x}")  # fmt: skip
        after = timedelta(minutes=int(rng.integers(60, 23 * 60)))
        planter.add(
            "copied_listing",
            "violation",
            f"{title}{'包邮' if k % 2 else '现货'}",
            "双肩包",
            shop=copier,
            at=at + after,
            image_phash=f"{_flip(rng, image, 2):016x}",
        )
        planter.add(
            "copied_listing",
            "decoy",
            f"{title}批发",
            "双肩包",
            shop=kit,
            at=at + timedelta(minutes=int(rng.integers(1, 60))),
            image_phash=f"{_phash(rng):016x}",
        )
