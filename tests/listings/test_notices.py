"""A restriction or a ban recorded after the API's worker built its pre-publish checker is
seen by the next check, through the operational inbox and the worker's pulse (PostgreSQL).

The shops are those of ``test_measures`` (P3: three false cashmere claims, so P3-2 is banned;
P7: seven, so the shop is closed for good). The API starts on the warehouse before the
check ran: its checker knows no restriction and no ban. Then ``listings check --db
--ops-db`` runs (the warehouse check and its notice); without a rebuild, the next calls
refuse P7's listing and P3-2's resubmission. An overturn of P3-2's case on appeal announces
the ban lifted, and the next call lets it through.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from merchantry.api.app import create_app
from merchantry.api.settings import ServiceSettings
from merchantry.cli.main import app
from merchantry.listings.cases import open_listing_cases
from merchantry.listings.governance import Governance
from merchantry.listings.rulebook import ListingRulebook
from merchantry.listings.warehouse import violation_id
from merchantry.ops.keys import KeyRole, create_key
from merchantry.ops.tables import online_inbox
from merchantry.risk.access import Scope
from merchantry.risk.store import open_store
from merchantry.service import cases
from merchantry.service.listing_notices import NOTICE_TYPE
from merchantry.store.warehouse import connect
from tests.api.conftest import fresh_postgres
from tests.listings.test_measures import warehouse

__all__ = ["warehouse"]  # the fixture, shared

BOUND_S = 0.25


@pytest.fixture
def served(
    warehouse: duckdb.DuckDBPyConnection, postgres_url: str, tmp_path: Path
) -> Iterator[tuple[TestClient, str, Engine, str]]:
    warehouse.close()  # the API publishes its snapshot of the warehouse as it is now
    url = fresh_postgres(postgres_url)
    engine = open_store(url)
    key = create_key(engine, role=KeyRole.OPERATOR, created_by="t").secret_key
    settings = ServiceSettings(  # type: ignore[call-arg]
        warehouse=tmp_path / "w.duckdb", ops_url=url, dispatcher=False, pulse_bound_s=BOUND_S
    )
    app = create_app(settings)
    try:
        with TestClient(app) as client:
            yield client, key, engine, url
    finally:
        app.state.ops_engine.dispose()
        engine.dispose()


def check(client: TestClient, key: str, shop: str, sku: str, title: str) -> dict[str, Any]:
    response = client.post(
        f"/v1/shops/{shop}/listings/check",
        json={"sku_id": sku, "title": title, "price_fen": 9_900, "composition": "棉:100"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def record(path: Path, url: str) -> None:
    """`merchantry listings check --db W --ops-db URL`: the check, then its notice."""
    result = CliRunner().invoke(app, ["listings", "check", "--db", str(path), "--ops-db", url])
    assert result.exit_code == 0, result.output


def notices(engine: Engine) -> list[Governance]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(online_inbox.c.body)
            .where(online_inbox.c.event_type == NOTICE_TYPE)
            .order_by(online_inbox.c.seq)
        ).all()
    return [Governance.from_json(json.loads(r[0])) for r in rows]


def test_a_restriction_and_a_ban_recorded_later_refuse_the_next_check(
    served: tuple[TestClient, str, Engine, str], book: ListingRulebook, tmp_path: Path
) -> None:
    client, key, engine, url = served
    shirt = "纯棉短袖T恤女夏季新款"
    assert check(client, key, "P7", "P7-NEW", shirt)["decision"] == "publish"
    assert check(client, key, "P3", "P3-2", shirt)["decision"] == "publish"

    record(tmp_path / "w.duckdb", url)
    time.sleep(BOUND_S + 0.1)  # a notice is seen by every call beginning a bound after it
    closed = check(client, key, "P7", "P7-NEW", shirt)
    assert closed["decision"] == "block"
    # "shop P7 closed for good (offence 7 …)", "shop P7 suspended until …" (5th, 6th)
    assert {r.split(" ")[2] for r in closed["refusals"]} == {"closed", "suspended"}
    banned = check(client, key, "P3", "P3-2", shirt)
    assert banned["decision"] == "block"
    assert banned["findings"] == []
    (held,) = banned["held"]
    subject = violation_id(book.name, "P3-2", "listing.material")
    assert (held["sku_id"], held["outcome"], held["violation_id"], held["match"]) == (
        "P3-2",
        "ban",
        subject,
        "same SKU",
    )
    assert held["case_id"] in held["reason"]

    # the notice: the rulebook's restrictions and held listings; a re-run records none
    (notice,) = notices(engine)
    bans = {h.sku_id for h in notice.holds if h.outcome.value == "ban"}
    assert bans == {"P3-2", "P5-2", "P5-3", "P5-4", *(f"P7-{k}" for k in range(2, 7))}
    assert {r.restriction.value for r in notice.restrictions if r.shop_id == "P7"} == {
        "presale_closed",
        "suspended",
        "closed",
    }
    record(tmp_path / "w.duckdb", url)
    assert len(notices(engine)) == 1

    # the ban overturned on appeal: announced with the withdrawal, the SKU comes back
    ops, found = Scope.operator("ops"), datetime.now()
    con = connect(tmp_path / "w.duckdb")
    try:
        open_listing_cases(engine, con, ops, book.name, found)
        cases.appeal_case(engine, Scope.merchant("P3"), held["case_id"], ["tag.jpg"], "ok", found)
        cases.overturn_case(engine, ops, held["case_id"], "label confirms", found, con)
    finally:
        con.close()
    time.sleep(BOUND_S + 0.1)
    assert check(client, key, "P3", "P3-2", shirt)["held"] == []
    assert check(client, key, "P7", "P7-NEW", shirt)["decision"] == "block"
    assert len(notices(engine)) == 2
