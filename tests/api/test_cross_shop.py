"""A merchant key for one shop reaches nothing of another shop, on every route.

The routes come from the app's own OpenAPI document, so a route added later is
walked too; a path parameter this test has no value for fails the test, naming
it, so the new route gets a victim value rather than being skipped.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

from sqlalchemy import text

from merchantry.ops.creator_keys import create_creator_key
from merchantry.ops.keys import KeyRole, create_key
from merchantry.ops.webhooks import add_endpoint
from merchantry.store.warehouse import connect
from tests.api.conftest import FEES_RULEBOOK, Api

_ids = itertools.count()


def victim_values(api: Api) -> dict[str, str]:
    """A value of the victim shop (or of the platform) for every path parameter."""
    con = connect(api.warehouse, read_only=True)
    try:
        order = con.execute(
            "SELECT min(order_id) FROM fee_lines WHERE shop_id = ? AND rulebook = ?",
            [api.victim, FEES_RULEBOOK],
        ).fetchone()
        creator = con.execute("SELECT min(creator_id) FROM creators").fetchone()
    finally:
        con.close()
    with api.engine.connect() as conn:
        case = conn.execute(
            text("SELECT min(case_id) FROM risk_cases WHERE shop_id = :s"), {"s": api.victim}
        ).scalar_one()
    key = create_key(api.engine, role=KeyRole.OPERATOR, created_by="test").key.key_id
    endpoint, _ = add_endpoint(
        api.engine,
        url="http://127.0.0.1:9/hook",
        event_types=frozenset({"case.state_changed"}),
        shop_id=api.victim,
        created_by="test",
    )
    assert order is not None
    assert order[0]
    assert case
    assert creator is not None
    assert creator[0]
    return {
        "shop_id": api.victim,
        "order_id": str(order[0]),
        "case_id": str(case),
        "key_id": key,
        "endpoint_id": endpoint.endpoint_id,
        "job_id": "job_0000000000000000",
        "name": FEES_RULEBOOK,
        "event_type": "orders",
        "creator_id": str(creator[0]),
    }


def _example(parameter: dict[str, Any]) -> Any:
    schema = parameter.get("schema", {})
    if "example" in parameter:
        return parameter["example"]
    if parameter.get("examples"):
        first = next(iter(parameter["examples"].values()))
        return first.get("value")
    for candidate in (schema, *schema.get("anyOf", ())):
        if candidate.get("examples"):
            return candidate["examples"][0]
    return None


def _body(operation: dict[str, Any], spec: dict[str, Any], victim: str) -> Any:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return None
    schema = content.get("schema", {})
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    example = content.get("example") or (schema.get("examples") or [None])[0]
    assert example is not None, f"{operation.get('operationId')}: request body has no example"
    return _retarget(example, victim)


def _retarget(value: Any, victim: str) -> Any:
    """The example with every shop id pointed at the victim."""
    if isinstance(value, dict):
        return {k: victim if k == "shop_id" else _retarget(v, victim) for k, v in value.items()}
    if isinstance(value, list):
        return [_retarget(v, victim) for v in value]
    return value


def _strings(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set().union(*(_strings(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(_strings(v) for v in value)) if value else set()
    return {value} if isinstance(value, str) else set()


def walk(api: Api, key: str) -> list[tuple[str, str, int, Any]]:
    """Call every operation with ``key`` aimed at the victim: (method, path, status, body)."""
    spec = api.client.get("/openapi.json").json()
    values = victim_values(api)
    calls = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            url = path
            for name in re.findall(r"{(\w+)}", path):
                assert name in values, f"{method.upper()} {path}: no victim value for {{{name}}}"
                url = url.replace(f"{{{name}}}", values[name])
            params = {}
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query":
                    continue
                if parameter["name"] == "shop_id":
                    params["shop_id"] = api.victim
                elif parameter.get("required"):
                    params[parameter["name"]] = _example(parameter)
            headers = api.headers(key, **{"Idempotency-Key": f"cross-{next(_ids)}"})
            response = api.client.request(
                method.upper(),
                url,
                params=params,
                json=_body(operation, spec, api.victim),
                headers=headers,
            )
            try:
                payload = response.json()
            except ValueError:
                payload = response.text
            calls.append((method.upper(), path, response.status_code, payload))
    return calls


def test_every_route_refuses_a_merchant_of_another_shop(any_api: Api) -> None:
    api = any_api
    calls = walk(api, api.other_key)
    assert len(calls) >= 26
    victim_ids = set(victim_values(api).values()) - {FEES_RULEBOOK}
    refused = 0
    for method, path, status, payload in calls:
        where = f"{method} {path} -> {status}: {payload}"
        assert status < 500, where
        if status in (401, 403, 404):
            refused += 1
            continue
        assert status in (200, 201, 202), where
        assert not (_strings(payload) & {*victim_ids, api.victim}), where
    # Everything but the open routes and the merchant's own case list refuses outright.
    open_routes = {"/health", "/ready", "/version", "/openapi.json", "/v1/cases"}
    assert refused >= len([c for c in calls if c[1] not in open_routes])


def test_the_same_walk_with_the_victims_own_key_reads_its_shop(api: Api) -> None:
    """The control: the requests above are well formed; the victim's key gets its data."""
    calls = {(m, p): (s, b) for m, p, s, b in walk(api, api.victim_key)}
    reads = [
        "/v1/shops/{shop_id}/statement",
        "/v1/shops/{shop_id}/payouts",
        "/v1/shops/{shop_id}/payouts/orders",
        "/v1/shops/{shop_id}/score",
        "/v1/shops/{shop_id}/score/diagnosis",
        "/v1/orders/{order_id}/fees",
        "/v1/cases",
        "/v1/cases/{case_id}",
    ]
    for path in reads:
        status, payload = calls[("GET", path)]
        assert status == 200, f"GET {path} -> {status}: {payload}"
        assert api.victim in _strings(payload), path
    status, payload = calls[("POST", "/v1/cases/{case_id}/appeals")]
    assert status == 200, payload
    assert payload["state"] == "under_review"


def test_every_route_refuses_a_creator_key_of_another_creator(any_api: Api) -> None:
    """A creator key reaches no shop at all, and no creator but its own."""
    api = any_api
    victim_creator = victim_values(api)["creator_id"]
    con = connect(api.warehouse, read_only=True)
    try:
        row = con.execute(
            "SELECT max(creator_id) FROM creators WHERE creator_id <> ?", [victim_creator]
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    assert row[0]
    key = create_creator_key(api.engine, creator_id=str(row[0]), created_by="test").secret_key
    calls = walk(api, key)
    victim_ids = set(victim_values(api).values()) - {FEES_RULEBOOK}
    open_routes = {"/health", "/ready", "/version", "/openapi.json"}
    for method, path, status, payload in calls:
        where = f"{method} {path} -> {status}: {payload}"
        assert status < 500, where
        if path in open_routes:
            assert not (_strings(payload) & {*victim_ids, api.victim}), where
            continue
        assert status in (401, 403), where
    assert ("GET", "/v1/creators/{creator_id}/seeding") in {(m, p) for m, p, _, _ in calls}
