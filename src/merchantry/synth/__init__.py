"""The synthetic marketplace generator.

``generate(out, shops=..., days=..., seed=...)`` writes every table of the data
model (``merchantry.model.tables``) as Parquet, CSV or JSON Lines, plus planted
ground truth under ``out/truth``. Data flow: ``population`` (shops, products,
creators, ``buyers``) → per day ``orders`` → ``fulfilment`` (cause, parcel
journey) → ``aftersales`` (cases, reviews) → ``activity`` (chats, videos,
searches, ad spend, violations) → ``output``. See ``docs/synthetic-data.md``.
"""

from merchantry.synth.generator import (
    DEFAULT_ORDERS_PER_SHOP_DAY,
    DEFAULT_START,
    GenerateSummary,
    generate,
)
from merchantry.synth.output import FORMATS

__all__ = [
    "DEFAULT_ORDERS_PER_SHOP_DAY",
    "DEFAULT_START",
    "FORMATS",
    "GenerateSummary",
    "generate",
]
