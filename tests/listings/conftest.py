"""Readable listings and the shipped listing rulebook for the listings tests."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from merchantry.listings.claims import Listing
from merchantry.listings.rulebook import ListingRulebook, load_listing_rulebook
from merchantry.listings.rules import Authorisation, Context, make_context
from tests.markets import ingested_market

TODAY = date(2026, 8, 1)


def listing(title: str, sku: str = "N1", shop: str = "S1", **kw: object) -> Listing:
    """A new listing with defaults: a ¥99 skincare item in shop S1, attributes stated (none)."""
    values: dict[str, object] = {"price_fen": 9_900, "industry": "skincare", "composition": {}}
    values.update(kw)
    return Listing(sku_id=sku, shop_id=shop, title=title, **values)  # type: ignore[arg-type]


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 7, day, hour)


@pytest.fixture(scope="session")
def book() -> ListingRulebook:
    return load_listing_rulebook()


@pytest.fixture
def ctx(book: ListingRulebook) -> Context:
    """Shop S1 is authorised for 澜庭 (and, until 2026-06-30, 沐川); S2 for nothing."""
    return make_context(
        book,
        [
            Authorisation("S1", "澜庭", date(2026, 1, 1)),
            Authorisation("S1", "沐川", date(2026, 1, 1), date(2026, 6, 30)),
            Authorisation("S3", "沐川", date(2026, 1, 1)),
        ],
        today=TODAY,
    )


@pytest.fixture(scope="session")
def market(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A generated marketplace (40 shops, 2 days) ingested: (data folder, warehouse)."""
    root = tmp_path_factory.mktemp("listings-market")
    return root / "data", ingested_market(root, shops=40, days=2, seed=5)
