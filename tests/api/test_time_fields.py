"""A time or a day in a request body is ISO 8601 text: a number there is refused, by name.

pydantic reads a number as seconds since 1970 unless told otherwise, so a caller
that sends ``"at": 1767225600`` (or a float that rounds to 1970) would have been
answered about a moment it never meant. Every JSON request body of the OpenAPI
document is walked, so a body added later is held to this too: each date or
date-time field its example fills is sent as a number, and the answer must be a
422 naming that field.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

from merchantry.ops.keys import INTEGRATOR_SCOPES, OPERATOR_SCOPES, KeyRole, create_key
from tests.api.conftest import Api
from tests.api.test_cross_shop import _body, victim_values

NUMBERS = (1767225600, 20260301, 1.5e-170, True)


def _schema(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _time_paths(spec: dict[str, Any], schema: dict[str, Any], example: Any) -> list[list[Any]]:
    """Paths (keys and list indexes) in ``example`` to every value the schema calls a date
    or a date-time."""
    schema = _schema(spec, schema)
    found: list[list[Any]] = []
    for option in schema.get("anyOf", ()):
        found += _time_paths(spec, option, example)
    if schema.get("format") in {"date", "date-time"} and isinstance(example, str):
        return [[]]
    if isinstance(example, dict):
        for name, sub in schema.get("properties", {}).items():
            if name in example:
                found += [[name, *p] for p in _time_paths(spec, sub, example[name])]
    if isinstance(example, list) and "items" in schema:
        for i, item in enumerate(example):
            found += [[i, *p] for p in _time_paths(spec, schema["items"], item)]
    return found


def _replaced(value: Any, path: list[Any], new: Any) -> Any:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: _replaced(v, rest, new) if k == head else v for k, v in value.items()}
    return [_replaced(v, rest, new) if i == head else v for i, v in enumerate(value)]


def test_every_time_field_of_every_request_body_refuses_a_number(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    values = victim_values(api)
    headers = _every_scope(api)
    checked = []
    accepted = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {})
            if "application/json" not in content:
                continue
            example = _body(operation, spec, api.victim)
            url = path
            for name in re.findall(r"{(\w+)}", path):
                url = url.replace(f"{{{name}}}", values[name])
            for where in _time_paths(spec, content["application/json"]["schema"], example):
                field = ".".join(str(p) for p in where)
                for number in NUMBERS:
                    response = api.client.request(
                        method.upper(),
                        url,
                        json=_replaced(example, where, number),
                        headers={**headers, "Idempotency-Key": f"t-{len(checked)}"},
                    )
                    checked.append(f"{method.upper()} {path} {field}")
                    answer = response.json() if response.content else {}
                    said = answer.get("error") if isinstance(answer, dict) else None
                    said = said if isinstance(said, dict) else {}
                    text = " ".join([said.get("message", ""), *said.get("diagnostics", [])])
                    if response.status_code != 422 or str(where[-1]) not in text:
                        accepted.append(
                            f"{method.upper()} {path} {field}={number!r}: "
                            f"{response.status_code} {response.text[:200]}"
                        )
    # the bodies known today with a time in their example: refund decision, fee quote,
    # simulation, payout notification, withdrawal, programme grant, route, reco filter
    assert len({c.rsplit(" ", 1)[0] for c in checked}) >= 6, checked
    assert not accepted, "\n".join(accepted)


def _day_parameter(spec: dict[str, Any], parameter: dict[str, Any]) -> bool:
    schema = _schema(spec, parameter.get("schema", {}))
    options = [_schema(spec, o) for o in schema.get("anyOf", [schema])]
    return any(o.get("format") == "date" for o in options)


def _example(parameter: dict[str, Any]) -> Any:
    if "example" in parameter:
        return parameter["example"]
    examples = parameter.get("examples") or parameter.get("schema", {}).get("examples")
    if isinstance(examples, dict):
        return next(iter(examples.values())).get("value")
    return examples[0] if examples else None


def _every_scope(api: Api) -> dict[str, str]:
    key = create_key(
        api.engine,
        role=KeyRole.OPERATOR,
        scopes=OPERATOR_SCOPES | INTEGRATOR_SCOPES,
        created_by="test",
    )
    return api.headers(key.secret_key)


def _gets_with_days(api: Api) -> list[tuple[str, str, dict[str, Any], list[str]]]:
    """Every GET of the OpenAPI document with a date query parameter: its path, a URL for
    the victim's shop, its other query parameters at their examples, the date parameters."""
    spec = api.client.get("/openapi.json").json()
    values = victim_values(api)
    found = []
    for path, operations in spec["paths"].items():
        parameters = [
            p for p in operations.get("get", {}).get("parameters", []) if p["in"] == "query"
        ]
        days = [p["name"] for p in parameters if _day_parameter(spec, p)]
        if not days:
            continue
        url = path
        for name in re.findall(r"{(\w+)}", path):
            url = url.replace(f"{{{name}}}", values[name])
        query = {p["name"]: _example(p) for p in parameters if _example(p) is not None}
        found.append((path, url, query, days))
    return found


def test_every_day_in_a_query_string_refuses_numeric_text(api: Api) -> None:
    """A query parameter is text, so `start=20260301` reached pydantic as a string it read
    as seconds since 1970 (`start=0` was 1970-01-01). Every query parameter the document
    calls a date is sent as numeric text, and the answer must be a 422 naming it."""
    headers = _every_scope(api)
    checked, accepted = [], []
    for path, url, query, days in _gets_with_days(api):
        for name in days:
            for text in ("0", "20260301", "1.5e-170"):
                response = api.client.get(url, params={**query, name: text}, headers=headers)
                checked.append(f"GET {path} {name}")
                answer = response.json() if response.content else {}
                said = answer.get("error") if isinstance(answer, dict) else None
                said = said if isinstance(said, dict) else {}
                words = " ".join([said.get("message", ""), *said.get("diagnostics", [])])
                if response.status_code != 422 or name not in words:
                    accepted.append(
                        f"GET {path} {name}={text}: {response.status_code} {response.text[:200]}"
                    )
    # statement, seeding report, rankings, diagnosis, insurance eligibility and more
    assert len(set(checked)) >= 8, checked
    assert not accepted, "\n".join(accepted)


def test_the_first_and_last_days_a_date_can_be_are_answered_not_a_server_error(api: Api) -> None:
    """`start=0001-01-01` ("from the beginning") and `end=9999-12-31` are days like any
    other: a day computed from them (the day before the opening balance, the day after an
    inclusive end) overflowed Python's date and answered 500."""
    headers = _every_scope(api)
    client = TestClient(api.client.app, raise_server_exceptions=False)  # count them all
    asked, failed = [], []
    for path, url, query, days in _gets_with_days(api):
        sends = [{**query, name: day} for name in days for day in ("0001-01-01", "9999-12-31")]
        if {"start", "end"} <= set(days):  # the widest period, too
            sends.append({**query, "start": "0001-01-01", "end": "9999-12-31"})
        for sent in sends:
            response = client.get(url, params=sent, headers=headers)
            asked.append(f"GET {path} {sent}")
            if response.status_code >= 500:
                failed.append(f"GET {path} {sent}: {response.status_code} {response.text[:200]}")
    assert len(asked) >= 16, asked
    assert not failed, "\n".join(failed)
