"""The OpenAPI document: complete, with an example for every request and response."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import Api


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return dict(spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]])
    return schema


def _has_example(spec: dict[str, Any], media: dict[str, Any]) -> bool:
    if "example" in media or media.get("examples"):
        return True
    schema = _resolve(spec, media.get("schema", {}))
    return bool(schema.get("examples") or "example" in schema)


def _param_has_example(parameter: dict[str, Any]) -> bool:
    schema = parameter.get("schema", {})
    return bool(
        "example" in parameter
        or parameter.get("examples")
        or schema.get("examples")
        or any(s.get("examples") for s in schema.get("anyOf", ()))
    )


def test_every_request_and_response_has_an_example(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    missing = []
    operations = 0
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            operations += 1
            where = f"{method.upper()} {path}"
            body = operation.get("requestBody", {}).get("content", {})
            missing += [
                f"{where} request {t}" for t, m in body.items() if not _has_example(spec, m)
            ]
            missing += [
                f"{where} parameter {p['name']}"
                for p in operation.get("parameters", [])
                if not _param_has_example(p)
            ]
            for status, response in operation["responses"].items():
                for kind, media in response.get("content", {}).items():
                    if not _has_example(spec, media):
                        missing.append(f"{where} response {status} {kind}")
    assert operations >= 26
    assert missing == []


def test_every_route_but_health_readiness_version_and_the_document_needs_a_key(api: Api) -> None:
    spec = api.client.get("/openapi.json").json()
    open_routes = []
    for path, methods in spec["paths"].items():
        for method, operation in methods.items():
            if not operation.get("security"):
                open_routes.append(f"{method.upper()} {path}")
    assert sorted(open_routes) == ["GET /health", "GET /ready", "GET /version"]
    assert api.client.get("/openapi.json").status_code == 200
