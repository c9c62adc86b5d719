"""The return-diagnosis routes: a merchant reads its own shop, never another's; operators any.

Figures are checked against SQL over the same warehouse, not against the code under test.
"""

from __future__ import annotations

from merchantry.ops.keys import MERCHANT_SCOPES, KeyRole, create_key
from merchantry.store.warehouse import connect
from tests.api.conftest import Api

ROUTES = (
    "/v1/shops/{shop}/returns/diagnosis",
    "/v1/shops/{shop}/returns/cases",
    "/v1/shops/{shop}/returns/weekly",
)


def _sql(api: Api, sql: str, *args: object) -> list[tuple[object, ...]]:
    con = connect(api.warehouse, read_only=True)
    try:
        return con.execute(sql, list(args)).fetchall()
    finally:
        con.close()


def test_a_merchant_reads_its_own_diagnosis(api: Api) -> None:
    response = api.client.get(
        f"/v1/shops/{api.victim}/returns/diagnosis", headers=api.headers(api.victim_key)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    ((orders,),) = _sql(api, "SELECT count(*) FROM orders WHERE shop_id = ?", api.victim)
    ((refunded,),) = _sql(
        api,
        "SELECT count(DISTINCT a.order_id) FROM after_sales a JOIN orders o USING (order_id) "
        "WHERE o.shop_id = ? AND a.outcome = 'approved' AND a.type <> 'exchange'",
        api.victim,
    )
    assert body["shop_id"] == api.victim
    assert body["orders"] == orders
    assert body["refunds"] == refunded
    assert sum(c["cases"] for c in body["causes"]) > 0
    assert body["saving_fen"] == sum(s["saving"]["total_fen"] for s in body["suggestions"])


def test_cases_page_belongs_to_the_shop_and_quotes_evidence(api: Api) -> None:
    response = api.client.get(
        f"/v1/shops/{api.victim}/returns/cases",
        params={"limit": 5},
        headers=api.headers(api.victim_key),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    ((cases,),) = _sql(
        api,
        "SELECT count(*) FROM after_sales a JOIN orders o USING (order_id) "
        "WHERE o.shop_id = ? AND a.outcome <> 'withdrawn'",
        api.victim,
    )
    assert body["total"] == cases
    assert 0 < len(body["items"]) <= 5
    owners = _sql(
        api,
        "SELECT DISTINCT shop_id FROM orders WHERE order_id IN (SELECT unnest(?::VARCHAR[]))",
        [i["order_id"] for i in body["items"]],
    )
    assert owners == [(api.victim,)]
    assert all(i["evidence"] for i in body["items"] if i["reason_code"] != "other")


def test_another_merchant_is_refused_on_every_returns_route(api: Api) -> None:
    for route in ROUTES:
        response = api.client.get(route.format(shop=api.victim), headers=api.headers(api.other_key))
        assert response.status_code == 403, (route, response.text)
        assert "cannot read" in response.text


PEERS = """
SELECT count(DISTINCT o.shop_id) FROM orders o
JOIN products p ON p.sku_id = o.sku_id JOIN categories k ON k.category_id = p.category_id
WHERE o.shop_id <> ? AND k.industry IN (
    SELECT k2.industry FROM orders o2 JOIN products p2 ON p2.sku_id = o2.sku_id
    JOIN categories k2 ON k2.category_id = p2.category_id
    WHERE o2.shop_id = ?)
"""

CROWDED = """
SELECT min(o.shop_id) FROM orders o
JOIN products p ON p.sku_id = o.sku_id JOIN categories k ON k.category_id = p.category_id
WHERE k.industry = (
    SELECT k2.industry FROM orders o2 JOIN products p2 ON p2.sku_id = o2.sku_id
    JOIN categories k2 ON k2.category_id = p2.category_id
    GROUP BY 1 ORDER BY count(DISTINCT o2.shop_id) DESC, 1 LIMIT 1)
"""


def test_operator_reads_any_shop_and_rates_have_a_baseline_only_with_peers(api: Api) -> None:
    """A shop alone in its industries has no baseline to be compared with (the rate is
    null, not a comparison with itself); one with peers gets its rate and interval."""
    with_rate = 0
    # the two case-heavy shops may sit alone in a special industry; a shop of the industry
    # with the most shops is added as one that surely has peers
    ((crowded,),) = _sql(api, CROWDED)
    for shop in (api.victim, api.other, crowded):
        response = api.client.get(
            f"/v1/shops/{shop}/returns/diagnosis", headers=api.headers(api.operator_key)
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["shop_id"] == shop
        ((peers,),) = _sql(api, PEERS, shop, shop)
        rate = body["refund_rate"]
        assert (rate is not None) == (peers > 0), (shop, peers)
        if rate is not None:
            with_rate += 1
            assert rate["low_bp"] <= rate["rate_bp"] <= rate["high_bp"]
            assert rate["orders"] <= body["orders"]
    assert with_rate


def test_no_key_and_a_key_without_the_scope_are_refused(api: Api) -> None:
    integrator = create_key(api.engine, role=KeyRole.INTEGRATOR, created_by="test").secret_key
    for route in ROUTES:
        url = route.format(shop=api.victim)
        assert api.client.get(url).status_code == 401
        assert api.client.get(url, headers=api.headers(integrator)).status_code == 403


def test_a_sku_of_another_shop_is_not_found_and_not_revealed(api: Api) -> None:
    ((sku,),) = _sql(api, "SELECT min(sku_id) FROM products WHERE shop_id = ?", api.other)
    response = api.client.get(
        f"/v1/shops/{api.victim}/returns/diagnosis",
        params={"sku_id": sku},
        headers=api.headers(api.victim_key),
    )
    assert response.status_code == 404
    assert api.other not in response.text


def test_unknown_shop_is_not_found_for_an_operator(api: Api) -> None:
    response = api.client.get(
        "/v1/shops/NO-SUCH-SHOP/returns/diagnosis", headers=api.headers(api.operator_key)
    )
    assert response.status_code == 404


def test_a_key_without_returns_read_is_refused_and_one_with_only_it_reads(api: Api) -> None:
    """The returns routes need their own scope: a merchant key of the same shop holding every
    other merchant scope (scores:read included) is refused; one holding only it reads."""
    without = create_key(
        api.engine,
        role=KeyRole.MERCHANT,
        shop_id=api.victim,
        scopes=MERCHANT_SCOPES - {"returns:read"},
        created_by="test",
    ).secret_key
    only = create_key(
        api.engine,
        role=KeyRole.MERCHANT,
        shop_id=api.victim,
        scopes=frozenset({"returns:read"}),
        created_by="test",
    ).secret_key
    for route in ROUTES:
        url = route.format(shop=api.victim)
        refused = api.client.get(url, headers=api.headers(without))
        assert refused.status_code == 403, (route, refused.text)
        assert "returns:read" in refused.text
        assert api.client.get(url, headers=api.headers(only)).status_code == 200, route


WEEKLY_SQL = """
WITH c AS (
    SELECT order_id,
           bool_or(outcome <> 'withdrawn' AND type IN ('return_refund', 'exchange')) AS returned
    FROM after_sales GROUP BY order_id
)
SELECT o.sku_id, CAST(date_trunc('week', o.paid_at) AS DATE) AS week, count(*) AS orders,
       count(*) FILTER (WHERE c.returned) AS returns
FROM orders o LEFT JOIN c USING (order_id)
WHERE o.shop_id = ?
GROUP BY ALL ORDER BY ALL
"""


def test_weekly_return_rates_per_sku_match_the_orders(api: Api) -> None:
    response = api.client.get(
        f"/v1/shops/{api.victim}/returns/weekly",
        params={"limit": 1000},
        headers=api.headers(api.victim_key),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    got = [
        (s["sku_id"], w["week"], w["orders"], w["returns"])
        for s in body["skus"]
        for w in s["weeks"]
    ]
    expected = [
        (str(k), w.isoformat(), int(o), int(r)) for k, w, o, r in _sql(api, WEEKLY_SQL, api.victim)
    ]
    assert got == expected
    assert body["total"] == len({k for k, *_ in expected}) > 1
    for s in body["skus"]:
        for w in s["weeks"]:
            assert w["return_rate_bp"] == w["returns"] * 10_000 // w["orders"]
            assert 0 <= w["category_return_rate_bp"] <= 10_000
    sku = body["skus"][0]["sku_id"]
    one = api.client.get(
        f"/v1/shops/{api.victim}/returns/weekly",
        params={"sku_id": sku},
        headers=api.headers(api.victim_key),
    ).json()
    assert [s["sku_id"] for s in one["skus"]] == [sku]
    assert one["skus"][0] == body["skus"][0]
