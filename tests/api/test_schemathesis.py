"""schemathesis over the whole OpenAPI document, in process against the ASGI app.

Every operation gets its own examples, then generated valid input (positive
mode) and malformed input (negative mode); every response must be non-5xx and
conform to the document (status, content type, schema, headers: schemathesis'
checks). Requests carry an operator key, so each operation is reached past
authentication; webhook dispatch is off, so nothing leaves the machine.

One check is left out: "schema-valid data must be accepted". Some rules join
fields (a period must not end before it starts; baseline and candidate must
differ; a merchant key cannot hold operator scopes) and OpenAPI cannot say so;
the API answers them 422 with the reason, which that check counts as a failure.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from tests.api.conftest import Api, build_api

EXAMPLES_PER_MODE = 10


@pytest.fixture
def fuzzed_api(tmp_path: Path, market_db: Path) -> Iterator[Api]:
    yield from build_api(
        tmp_path,
        market_db,
        f"sqlite:///{tmp_path / 'ops.sqlite'}",
        dispatcher=False,
        warehouse_write_wait_s=0.5,
    )


def fuzz(operation: Any, auth: dict[str, str], statuses: Counter[int]) -> None:
    """The operation's examples, then generated valid and malformed requests."""
    strategies = [
        *operation.get_strategies_from_examples(),
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    ]

    @given(case=st.one_of(*strategies))
    @settings(
        max_examples=EXAMPLES_PER_MODE * len(strategies),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        response = case.call_and_validate(headers=auth, excluded_checks=[positive_data_acceptance])
        statuses[response.status_code] += 1

    run()


@pytest.mark.slow
def test_no_server_error_and_every_response_conforms(fuzzed_api: Api) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", fuzzed_api.client.app)
    # Every call carries the operator's key (below), which replaces whatever schemathesis
    # would put in the security headers: a malformed header it generated never reached the
    # API, yet its negative check counted the 200 as "invalid data accepted" (seen in CI;
    # --hypothesis-seed=214992867302796278681090309478975930963 reproduced it). Missing,
    # malformed and unknown keys are tested in tests/api/test_reads.py instead.
    schema.config.generation.update(with_security_parameters=False)
    auth = {"Authorization": f"Bearer {fuzzed_api.operator_key}"}
    statuses: Counter[int] = Counter()
    operations = 0
    for result in schema.get_all_operations():
        operations += 1
        fuzz(result.ok(), auth, statuses)
    assert operations >= 26
    assert not [s for s in statuses if s >= 500]
    assert sum(statuses.values()) >= operations * EXAMPLES_PER_MODE
    print(f"schemathesis: {operations} operations, {sum(statuses.values())} calls, {statuses}")
