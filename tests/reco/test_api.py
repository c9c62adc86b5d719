"""POST /v1/reco/filter: integrators filter a feed; merchants cannot; bad bodies get 422."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from merchantry.api.app import create_app
from merchantry.api.settings import ServiceSettings
from merchantry.ops import open_ops
from merchantry.ops.keys import KeyRole, create_key
from merchantry.store.warehouse import connect
from tests.online.replay import as_json, post
from tests.reco.test_market import _buyer_with_withheld_purchase

pytestmark = pytest.mark.slow


@pytest.fixture
def client(
    tmp_path: Path, market: tuple[Path, Path]
) -> Iterator[tuple[TestClient, dict[str, str], Path]]:
    db = tmp_path / "w.duckdb"
    shutil.copy(market[1], db)
    url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    engine = open_ops(url)
    keys = {
        "integrator": create_key(engine, role=KeyRole.INTEGRATOR, created_by="t").secret_key,
        "merchant": create_key(
            engine, role=KeyRole.MERCHANT, shop_id="S000001", created_by="t"
        ).secret_key,
    }
    app = create_app(ServiceSettings(warehouse=db, ops_url=url, dispatcher=False))  # type: ignore[call-arg]
    with TestClient(app) as test_client:
        online = getattr(app.state, "online", None)
        if online is not None:  # let the real-time state finish building before the end
            assert online.seq >= 0
        yield test_client, keys, db
    app.state.ops_engine.dispose()
    engine.dispose()


def test_the_filter_answers_removals_with_rule_and_purchase(client) -> None:  # type: ignore[no-untyped-def]
    http, keys, db = client
    buyer, sku, at = _buyer_with_withheld_purchase(db)
    body = {
        "buyer_id": buyer,
        "candidates": [{"sku_id": sku}, {"sku_id": "K404"}],
        "at": at.replace(" ", "T"),
    }
    auth = {"Authorization": f"Bearer {keys['integrator']}"}
    response = http.post("/v1/reco/filter", json=body, headers=auth)
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["kept"] == ["K404"]
    assert answer["unknown_candidates"] == ["K404"]
    (removed,) = answer["removed"]
    assert removed["sku_id"] == sku
    assert removed["purchase_sku_id"] == sku
    assert removed["rule_id"] == "reco-2026:window_days_apparel"
    assert removed["path"] == "self"
    # purchases given in the body count too, for a buyer the warehouse has not seen
    body = {
        "purchases": [{"sku_id": sku, "purchased_at": at.replace(" ", "T")}],
        "candidates": [{"sku_id": sku}],
        "at": at.replace(" ", "T"),
    }
    response = http.post("/v1/reco/filter", json=body, headers=auth)
    assert response.status_code == 200, response.text
    assert [r["sku_id"] for r in response.json()["removed"]] == [sku]

    merchant = {"Authorization": f"Bearer {keys['merchant']}"}
    assert http.post("/v1/reco/filter", json=body, headers=merchant).status_code == 403
    bad = {"candidates": [{"sku_id": ""}]}
    response = http.post("/v1/reco/filter", json=bad, headers=auth)
    assert response.status_code == 422
    assert "sku_id" in response.text
    response = http.post("/v1/reco/filter", json={**body, "rulebook": "no-such-book"}, headers=auth)
    assert response.status_code == 404


def test_an_order_posted_as_an_event_counts_at_once(client) -> None:  # type: ignore[no-untyped-def]
    """A buyer the warehouse has never seen buys an apparel SKU through POST /v1/events/orders;
    the next filter for that buyer withholds the SKU (the events stream, not the snapshot)."""
    http, keys, db = client
    _, sku, at = _buyer_with_withheld_purchase(db)
    con = connect(db, read_only=True)
    try:
        cursor = con.execute("SELECT * FROM orders WHERE sku_id = ? LIMIT 1", [sku])
        names = [d[0] for d in cursor.description]
        row = cursor.fetchone()
    finally:
        con.close()
    assert row is not None
    order = {n: as_json(v) for n, v in zip(names, row, strict=True)}
    buyer = "B-EVENT-ONLY-1"
    order |= {"order_id": "O-EVENT-ONLY-1", "buyer_id": buyer}
    auth = {"Authorization": f"Bearer {keys['integrator']}"}
    body = {"buyer_id": buyer, "candidates": [{"sku_id": sku}], "at": at.replace(" ", "T")}
    before = http.post("/v1/reco/filter", json=body, headers=auth)
    assert before.status_code == 200, before.text
    assert before.json()["kept"] == [sku]  # nothing known of this buyer yet

    posted = post(http, keys["integrator"], "orders", [order])
    assert posted.status_code == 200, posted.text
    assert posted.json()["accepted"] == 1
    after = http.post("/v1/reco/filter", json=body, headers=auth)
    assert after.status_code == 200, after.text
    (removed,) = after.json()["removed"]
    assert removed["sku_id"] == sku
    assert removed["purchase_order_id"] == "O-EVENT-ONLY-1"
    assert after.json()["kept"] == []
