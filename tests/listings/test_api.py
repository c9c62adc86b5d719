"""POST /v1/shops/{shop}/listings/check: block, warn or publish; another shop's key is refused."""

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
        "operator": create_key(engine, role=KeyRole.OPERATOR, created_by="t").secret_key,
        "merchant": create_key(
            engine, role=KeyRole.MERCHANT, shop_id="S000001", created_by="t"
        ).secret_key,
        "integrator": create_key(engine, role=KeyRole.INTEGRATOR, created_by="t").secret_key,
    }
    app = create_app(ServiceSettings(warehouse=db, ops_url=url, dispatcher=False))  # type: ignore[call-arg]
    with TestClient(app) as test_client:
        online = getattr(app.state, "online", None)
        if online is not None:
            assert online.seq >= 0
        yield test_client, keys, db
    app.state.ops_engine.dispose()
    engine.dispose()


def _auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def test_prepublish_decisions_and_the_copy_of_an_earlier_listing(client) -> None:  # type: ignore[no-untyped-def]
    http, keys, db = client
    url = "/v1/shops/S000001/listings/check"
    body = {
        "title": "纯羊绒围巾女冬季保暖",
        "price_fen": 19900,
        "industry": "apparel",
        "composition": "羊毛:80;涤纶:20",
    }
    blocked = http.post(url, json=body, headers=_auth(keys["merchant"]))
    assert blocked.status_code == 200, blocked.text
    assert blocked.json()["decision"] == "block"
    assert [f["kind"] for f in blocked.json()["findings"]] == ["material_claim"]
    honest = http.post(
        url,
        json=body | {"title": "羊绒混纺围巾女冬季", "composition": "羊绒:30;羊毛:70"},
        headers=_auth(keys["merchant"]),
    )
    assert honest.json() == {
        "shop_id": "S000001",
        "sku_id": "NEW",
        "decision": "publish",
        "rulebook": "listings-2026",
        "findings": [],
        "refusals": [],
        "held": [],
    }
    con = connect(db, read_only=True)
    try:
        shop, title = con.execute(
            "SELECT p.shop_id, p.title FROM products AS p JOIN listing_claims USING (sku_id)"
            " WHERE p.title LIKE '设计师原创%' AND p.shop_id <> 'S000001' ORDER BY p.sku_id LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    copied = http.post(
        url, json={"title": title + "包邮", "price_fen": 9900}, headers=_auth(keys["operator"])
    )
    assert copied.status_code == 200, copied.text
    (finding,) = copied.json()["findings"]
    assert finding["kind"] == "copied_listing"
    assert shop in finding["evidence"]


def test_other_shops_and_integrators_are_refused_and_bad_bodies_get_422(client) -> None:  # type: ignore[no-untyped-def]
    http, keys, _ = client
    body = {"title": "面霜", "price_fen": 100}
    assert (
        http.post(
            "/v1/shops/S000002/listings/check", json=body, headers=_auth(keys["merchant"])
        ).status_code
        == 403
    )
    assert (
        http.post(
            "/v1/shops/S000001/listings/check", json=body, headers=_auth(keys["integrator"])
        ).status_code
        == 403
    )
    bad = http.post(
        "/v1/shops/S000001/listings/check",
        json={"title": "", "price_fen": -1},
        headers=_auth(keys["merchant"]),
    )
    assert bad.status_code == 422
    wrong = http.post(
        "/v1/shops/S000001/listings/check",
        json=body | {"composition": "羊绒"},
        headers=_auth(keys["merchant"]),
    )
    assert wrong.status_code in (400, 422)
    assert "material:share" in wrong.text


def test_an_unknown_shop_category_or_industry_is_refused_not_approved(client) -> None:  # type: ignore[no-untyped-def]
    """The check approved a listing of a shop the warehouse does not know (and of any
    category or industry): the same refusals as the command line, as 404 and 422."""
    http, keys, _ = client
    body = {"title": "纯棉短袖T恤", "price_fen": 9900}
    headers = _auth(keys["operator"])
    unknown = http.post("/v1/shops/S999999/listings/check", json=body, headers=headers)
    assert unknown.status_code == 404, unknown.text
    assert "no shop 'S999999'" in unknown.text
    url = "/v1/shops/S000001/listings/check"
    category = http.post(url, json=body | {"category_id": "NOCAT"}, headers=headers)
    assert category.status_code == 422, category.text
    assert "category 'NOCAT'" in category.text
    industry = http.post(url, json=body | {"industry": "aparel"}, headers=headers)
    assert industry.status_code == 422, industry.text
    assert "did you mean 'apparel'" in industry.text
    blank = http.post(url, json=body | {"title": "   "}, headers=headers)
    assert blank.status_code == 422, blank.text
    assert "title is empty" in blank.text
    assert http.post(url, json=body, headers=headers).status_code == 200
