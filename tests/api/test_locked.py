"""While another process holds the warehouse, reads keep working and a write says who holds it."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.api.conftest import Api, build_api

HOLD = (
    "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
    "print('held', flush=True); time.sleep(120)"
)


@pytest.fixture
def impatient_api(tmp_path: Path, market_db: Path) -> Iterator[Api]:
    yield from build_api(
        tmp_path,
        market_db,
        f"sqlite:///{tmp_path / 'ops.sqlite'}",
        dispatcher=False,
        warehouse_write_wait_s=0.5,
    )


def test_a_held_warehouse_blocks_writes_with_a_name_not_reads(impatient_api: Api) -> None:
    api = impatient_api
    with api.engine.connect() as conn:
        case = conn.execute(
            text("SELECT min(case_id) FROM risk_cases WHERE subject = 'penalty'")
        ).scalar_one()
    review = api.client.post(
        f"/v1/cases/{case}/transitions",
        json={"to": "under_review", "note": "appealed"},
        headers=api.headers(api.operator_key, **{"Idempotency-Key": "l1"}),
    )
    assert review.status_code == 200
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(api.warehouse)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "held"
        read = api.client.get(
            f"/v1/shops/{api.victim}/payouts", headers=api.headers(api.victim_key)
        )
        assert read.status_code == 200
        assert read.json()
        write = api.client.post(
            f"/v1/cases/{case}/transitions",
            json={"to": "overturned", "note": "not a violation"},
            headers=api.headers(api.operator_key, **{"Idempotency-Key": "l2"}),
        )
        assert write.status_code == 503
        error = write.json()["error"]
        assert error["code"] == "warehouse_locked"
        assert f"process {holder.pid}" in error["message"]
    finally:
        holder.kill()
        holder.wait()
        if holder.stdout is not None:
            holder.stdout.close()
    # nothing moved: the case is still under review, and the same key now goes through
    retry = api.client.post(
        f"/v1/cases/{case}/transitions",
        json={"to": "overturned", "note": "not a violation"},
        headers=api.headers(api.operator_key, **{"Idempotency-Key": "l2"}),
    )
    assert retry.status_code == 200, retry.text
    assert retry.json()["reversal"] is not None
