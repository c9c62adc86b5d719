"""Small readable catalogues for the reco tests, and one generated marketplace."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from merchantry.reco.clusters import ClusterIndex
from merchantry.reco.settings import RecoSettings, load_settings
from merchantry.reco.similarity import Listing
from merchantry.reco.suppression import Catalogue
from tests.markets import ingested_market

INDUSTRY_OF = {
    "C03009": "apparel",  # 连衣裙
    "C04013": "shoes_bags",  # 运动鞋
    "C07022": "personal_care",  # 洗发水
    "C10032": "fresh_produce",  # 水果
    "C01001": "digital_3c",  # 手机
    "C01003": "digital_3c",  # 充电宝
}


def listing(sku: str, title: str, **kw: object) -> Listing:
    """A listing with defaults: a dress at ¥159 in shop S1."""
    values: dict[str, object] = {
        "category_id": "C03009",
        "price_fen": 15_900,
        "shop_id": "S1",
    }
    values.update(kw)
    return Listing(sku_id=sku, title=title, **values)  # type: ignore[arg-type]


def catalogue_of(listings: Iterable[Listing], settings: RecoSettings) -> Catalogue:
    index = ClusterIndex(settings.similarity)
    index.add_all(listings)
    return Catalogue.from_index(index, INDUSTRY_OF)


@pytest.fixture(scope="session")
def settings() -> RecoSettings:
    return load_settings()


@pytest.fixture(scope="session")
def market(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A generated marketplace (40 shops, 3 days) ingested: (data folder, warehouse)."""
    root = tmp_path_factory.mktemp("reco-market")
    return root / "data", ingested_market(root, shops=40, days=3, seed=11)
