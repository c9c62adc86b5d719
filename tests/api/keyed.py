"""The API in process with one key per role, for the tests of a route family that read and
write through it as an operator, an integrator and one shop's merchant would."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from merchantry.api.app import create_app
from merchantry.api.settings import ServiceSettings
from merchantry.ops import open_ops
from merchantry.ops.keys import KeyRole, create_key


@dataclass
class KeyedClient:
    """A test client and a key for each role (the merchant's for one shop)."""

    http: TestClient
    operator: str
    integrator: str
    merchant: str

    def get(self, path: str, key: str, **params: str) -> tuple[int, Any]:
        r = self.http.get(path, params=params, headers={"Authorization": f"Bearer {key}"})
        return r.status_code, r.json()

    def post(self, path: str, key: str, body: dict[str, object]) -> tuple[int, Any]:
        r = self.http.post(path, json=body, headers={"Authorization": f"Bearer {key}"})
        return r.status_code, r.json()


def keyed_client(warehouse: Path, ops_url: str, merchant_shop: str) -> Iterator[KeyedClient]:
    """The API over ``warehouse`` and the operational database at ``ops_url`` (webhooks not
    dispatched), with an operator's, an integrator's and ``merchant_shop``'s merchant key;
    both database engines are disposed of at the end."""
    engine = open_ops(ops_url)
    keys = (
        create_key(engine, role=KeyRole.OPERATOR, created_by="t").secret_key,
        create_key(engine, role=KeyRole.INTEGRATOR, created_by="t").secret_key,
        create_key(engine, role=KeyRole.MERCHANT, shop_id=merchant_shop, created_by="t").secret_key,
    )
    app = create_app(ServiceSettings(warehouse=warehouse, ops_url=ops_url, dispatcher=False))  # type: ignore[call-arg]
    try:
        with TestClient(app) as http:
            yield KeyedClient(http, *keys)
    finally:
        app.state.ops_engine.dispose()
        engine.dispose()
