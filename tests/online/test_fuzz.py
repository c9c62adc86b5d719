"""schemathesis over the real-time operations with an integrator key (the scope they need).

The API-wide run (``tests/api/test_schemathesis.py``) calls them with an operator key, which
they refuse; here generated valid and malformed requests reach the decision, quote and event
code: no 5xx, every response as documented.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient

from merchantry.api.app import create_app
from merchantry.api.settings import ServiceSettings
from merchantry.ops.keys import KeyRole, create_key
from tests.api.test_schemathesis import fuzz
from tests.online.conftest import Market

REALTIME = ("/v1/risk/", "/v1/fees/quote", "/v1/events/", "/v1/online/")


@pytest.fixture
def client(market: Market, tmp_path: Path) -> Iterator[TestClient]:
    settings = ServiceSettings(
        warehouse=market.starting_warehouse(tmp_path / "w.duckdb"),
        ops_url=f"sqlite:///{tmp_path / 'ops.sqlite'}",
        risk_model=market.model_path,
        dispatcher=False,
    )
    with TestClient(create_app(settings)) as client:
        client.app.state.online.build()  # type: ignore[attr-defined]
        yield client


@pytest.mark.slow
def test_realtime_operations_never_fail_and_conform(client: TestClient) -> None:
    key = create_key(
        client.app.state.ops_engine,  # type: ignore[attr-defined]
        role=KeyRole.INTEGRATOR,
        created_by="test",
    ).secret_key
    schema = schemathesis.openapi.from_asgi("/openapi.json", client.app)
    statuses: Counter[int] = Counter()
    operations = 0
    for result in schema.get_all_operations():
        operation: Any = result.ok()
        if not operation.path.startswith(REALTIME):
            continue
        operations += 1
        fuzz(operation, {"Authorization": f"Bearer {key}"}, statuses)
    assert operations == 4
    assert not [s for s in statuses if s >= 500], statuses
    assert statuses[200] > 0, statuses
    assert statuses[422] > 0, statuses
