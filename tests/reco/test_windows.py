"""Post-purchase suppression: what is withheld, for how long, and what stays."""

from __future__ import annotations

from datetime import datetime, timedelta

from merchantry.reco.settings import RecoSettings
from merchantry.reco.suppression import Candidate, Purchase, filter_candidates
from tests.reco.conftest import catalogue_of, listing

BOUGHT = datetime(2026, 10, 1, 12, 0)

DRESS = listing("K1", "【官方正品】法式碎花连衣裙收腰显瘦", brand="悦木", attributes={"size": "M"})
RELISTED = listing(
    "K2", "【新】【官方正品】法式碎花连衣裙收腰显瘦", brand="悦木", attributes={"size": "M"}
)
OTHER_SIZE = listing(
    "K3", "【官方正品】法式碎花连衣裙收腰显瘦 L", brand="悦木", attributes={"size": "L"}
)
SHOES = listing("K4", "玛丽珍鞋 小方头单鞋", category_id="C04013", price_fen=19_900)
OTHER_DRESS = listing(
    "K5", "针织连衣裙 秋冬款", shop_id="S2", brand="山野", attributes={"size": "M"}
)
SHAMPOO = listing("K6", "去屑洗发水 500ml", category_id="C07022", price_fen=5_900)
SHAMPOO_AGAIN = listing("K7", "【补货】去屑洗发水 500ml", category_id="C07022", price_fen=5_900)
ORANGES = listing("K8", "赣南脐橙 5斤装", category_id="C10032", price_fen=6_900)
ORANGES_AGAIN = listing("K9", "【现货】赣南脐橙 5斤装", category_id="C10032", price_fen=6_900)

ALL = (
    DRESS,
    RELISTED,
    OTHER_SIZE,
    SHOES,
    OTHER_DRESS,
    SHAMPOO,
    SHAMPOO_AGAIN,
    ORANGES,
    ORANGES_AGAIN,
)


def _run(settings: RecoSettings, bought: str, candidates: list[str], days_after: float):
    catalogue = catalogue_of(ALL, settings)
    return filter_candidates(
        [Purchase(bought, BOUGHT, "O1")],
        candidates,
        catalogue,
        settings,
        BOUGHT + timedelta(days=days_after),
    )


def test_the_bought_item_and_its_near_duplicates_are_withheld_complements_stay(
    settings: RecoSettings,
) -> None:
    result = _run(settings, "K1", ["K1", "K2", "K3", "K4", "K5"], days_after=1)
    removed = {r.sku_id: r for r in result.removed}
    assert sorted(removed) == ["K1", "K2", "K3"]
    assert result.kept == ["K4", "K5"]  # the shoes complement, another shop's other dress
    assert removed["K1"].path == "self"
    assert removed["K2"].path == "title"
    assert removed["K3"].path == "variant"
    for r in removed.values():
        assert r.rule_id == "reco-2026:window_days_apparel"
        assert r.purchase_sku_id == "K1"
        assert r.purchase_order_id == "O1"
        assert r.window_days == settings.windows["apparel"] == 30
        assert r.until == BOUGHT + timedelta(days=30)


def test_the_window_expires(settings: RecoSettings) -> None:
    inside = _run(settings, "K1", ["K1", "K2"], days_after=29.99)
    assert [r.sku_id for r in inside.removed] == ["K1", "K2"]
    after = _run(settings, "K1", ["K1", "K2"], days_after=30)
    assert after.removed == []
    assert after.kept == ["K1", "K2"]


def test_windows_depend_on_the_category(settings: RecoSettings) -> None:
    consumable = _run(settings, "K6", ["K6", "K7"], days_after=6.9)
    assert [r.rule_id for r in consumable.removed] == ["reco-2026:window_days_personal_care"] * 2
    assert _run(settings, "K6", ["K6", "K7"], days_after=7).removed == []
    groceries = _run(settings, "K8", ["K8", "K9"], days_after=0.01)
    assert settings.windows["fresh_produce"] == 0
    assert groceries.removed == []  # a window of 0 withholds nothing
    assert groceries.kept == ["K8", "K9"]


def test_a_purchase_in_the_future_withholds_nothing(settings: RecoSettings) -> None:
    assert _run(settings, "K1", ["K1"], days_after=-1).removed == []


def test_unknown_items_are_reported_not_dropped(settings: RecoSettings) -> None:
    catalogue = catalogue_of(ALL, settings)
    result = filter_candidates(
        [Purchase("K404", BOUGHT), Purchase("K1", BOUGHT)],
        ["K999", "K2"],
        catalogue,
        settings,
        BOUGHT + timedelta(days=1),
    )
    assert result.kept == ["K999"]
    assert result.unknown_candidates == ["K999"]
    assert result.unknown_purchases == ["K404"]
    assert [r.sku_id for r in result.removed] == ["K2"]


def test_a_new_listing_not_in_the_catalogue_is_matched_directly(settings: RecoSettings) -> None:
    catalogue = catalogue_of(ALL, settings)
    fresh = listing("K100", "【清仓】【官方正品】法式碎花连衣裙收腰显瘦", brand="悦木")
    unrelated = listing("K101", "老爹鞋 厚底增高", category_id="C04013", price_fen=29_900)
    result = filter_candidates(
        [Purchase("K1", BOUGHT)],
        [Candidate("K100", fresh), Candidate("K101", unrelated)],
        catalogue,
        settings,
        BOUGHT + timedelta(days=2),
    )
    assert [(r.sku_id, r.path) for r in result.removed] == [("K100", "title")]
    assert result.kept == ["K101"]
    assert result.unknown_candidates == []


def test_the_newest_purchase_explains_a_removal(settings: RecoSettings) -> None:
    catalogue = catalogue_of(ALL, settings)
    result = filter_candidates(
        [Purchase("K1", BOUGHT, "O-old"), Purchase("K2", BOUGHT + timedelta(days=3), "O-new")],
        ["K1"],
        catalogue,
        settings,
        BOUGHT + timedelta(days=4),
    )
    (removal,) = result.removed
    assert removal.sku_id == "K1"
    assert removal.purchase_order_id == "O-new"  # the later window lasts longest
    assert removal.path == "title"
