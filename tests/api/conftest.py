"""A generated, closed and scored marketplace, the API over it, and keys for each role.

The warehouse is built once per session with the synthetic generator and the
real stages (24 shops x 14 days: scores, fees, the close, risk decisions), so
reads return real figures. Each test gets a fresh operational database with
cases opened from the risk decisions and from the close's deposit deductions,
and a copy of the warehouse (overturns write to it).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, create_engine, text

from merchantry.api.app import create_app
from merchantry.api.settings import ServiceSettings
from merchantry.ingest import ingest_dir
from merchantry.ledger import entry_id, logical_key
from merchantry.ops import open_ops
from merchantry.ops.keys import KeyRole, create_key
from merchantry.risk.access import Scope
from merchantry.risk.cases import CaseSubject, open_case, open_cases_from_decisions
from merchantry.risk.decisions import score_requests
from merchantry.risk.rings import find_rings
from merchantry.risk.rules import compile_risk_rules
from merchantry.risk.settings import DEFAULT_RULEBOOK, settings_from
from merchantry.rulebook import load_rulebook
from merchantry.scoring import score_shops
from merchantry.service.runner import close_with_fees
from merchantry.store.warehouse import connect
from merchantry.synth import DEFAULT_START, generate

FEES_RULEBOOK = "douyin-2026"
SCORE_RULEBOOK = "douyin-score-2026-07"
RANKING_RULEBOOK = "taobao-score-2026"
END = DEFAULT_START + timedelta(days=13)


@pytest.fixture(scope="session")
def market_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The built warehouse file (do not write to it: copy it, as :func:`api` does)."""
    root = tmp_path_factory.mktemp("api-market")
    generate(root / "data", shops=24, days=14, seed=8, progress=False)  # a seed whose
    # Taobao scores publish a good-service ranking (most small markets have no shop above 4.8
    # with a characteristic service of its industry)
    db = root / "market.duckdb"
    con = connect(db)
    try:
        ingest_dir(con, root / "data", progress=False)
        score_shops(con, SCORE_RULEBOOK, DEFAULT_START, END)
        score_shops(con, RANKING_RULEBOOK, END)  # Taobao's publishes the ranking
        close_with_fees(con, FEES_RULEBOOK, DEFAULT_START, END)
        book = load_rulebook(DEFAULT_RULEBOOK)
        find_rings(con, settings_from(book))
        score_requests(con, compile_risk_rules(book), settings_from(book))
    finally:
        con.close()
    return db


def fresh_postgres(url: str) -> str:
    """A new, empty database on the session's PostgreSQL server; its URL."""
    name = "t" + datetime.now().strftime("%H%M%S%f")
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


def open_cases(engine: Engine, db: Path) -> None:
    """Cases for every intercepted request, and a penalty case per deposit deduction."""
    operator = Scope.operator("risk-stage")
    con = connect(db, read_only=True)
    try:
        open_cases_from_decisions(engine, con, operator, datetime(2026, 10, 15, 9))
        deductions = con.execute(
            "SELECT source_id, shop_id FROM journal_entries WHERE kind = 'deposit_deduction' "
            "ORDER BY source_id"
        ).fetchall()
    finally:
        con.close()
    for violation, shop in deductions:
        open_case(
            engine,
            operator,
            CaseSubject.PENALTY,
            str(violation),
            str(shop),
            decision="deposit deduction",
            reasons=["confirmed violation"],
            amount_fen=0,
            at=datetime(2026, 10, 15, 9),
            ledger_entry_id=entry_id(logical_key("deposit_deduction", str(violation))),
        )


@dataclass
class Api:
    """The app under test, its databases, and a key per role."""

    client: TestClient
    engine: Engine
    warehouse: Path
    operator_key: str
    victim: str
    """A shop with cases and payouts (merchant A)."""
    other: str
    """Another shop (merchant B)."""
    victim_key: str
    other_key: str

    def headers(self, key: str, **extra: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}", **extra}


def build_api(tmp_path: Path, market_db: Path, ops_url: str, **settings: object) -> Iterator[Api]:
    warehouse = tmp_path / "w.duckdb"
    shutil.copy(market_db, warehouse)
    engine = open_ops(ops_url)
    open_cases(engine, warehouse)
    with engine.connect() as conn:
        victim, other = (
            str(r[0])
            for r in conn.execute(
                text(
                    "SELECT shop_id FROM risk_cases GROUP BY shop_id "
                    "ORDER BY count(*) DESC, shop_id LIMIT 2"
                )
            )
        )
    operator = create_key(engine, role=KeyRole.OPERATOR, created_by="test").secret_key
    victim_key = create_key(
        engine, role=KeyRole.MERCHANT, shop_id=victim, created_by="test"
    ).secret_key
    other_key = create_key(
        engine, role=KeyRole.MERCHANT, shop_id=other, created_by="test"
    ).secret_key
    app = create_app(
        ServiceSettings(warehouse=warehouse, ops_url=ops_url, **settings)  # type: ignore[arg-type]
    )
    with TestClient(app, raise_server_exceptions=True) as client:
        online = getattr(app.state, "online", None)
        if online is not None:  # the real-time routes answer 503 until their state is built
            assert online.seq >= 0  # waits for the build
        yield Api(client, engine, warehouse, operator, victim, other, victim_key, other_key)
    app.state.ops_engine.dispose()
    engine.dispose()


@pytest.fixture
def api(tmp_path: Path, market_db: Path) -> Iterator[Api]:
    """The API on SQLite, webhooks not dispatched."""
    yield from build_api(
        tmp_path, market_db, f"sqlite:///{tmp_path / 'ops.sqlite'}", dispatcher=False
    )


@pytest.fixture(params=["sqlite", "postgresql"])
def any_api(request: pytest.FixtureRequest, tmp_path: Path, market_db: Path) -> Iterator[Api]:
    """The API on SQLite, and on a fresh database of the real PostgreSQL server."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    else:
        url = fresh_postgres(request.getfixturevalue("postgres_url"))
    yield from build_api(tmp_path, market_db, url, dispatcher=False)
