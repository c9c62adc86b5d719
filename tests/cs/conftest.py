"""Fixtures: a generated marketplace with agents (session-wide), and a small hand-made desk."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from merchantry.cs.agents import Agent, Certification, Performance
from merchantry.cs.conventions import ScoreConventions
from merchantry.cs.rules import RoutingRules, load_rules
from merchantry.store.warehouse import ensure_schema
from tests.markets import ingested_market

MARKET_DAYS = 50

SCORED = ScoreConventions("score-book", 8, 22, 180, 600)
"""The shipped score rulebooks' customer-service numbers, written out (platform-rules.md
§1.2 and §2.1: sessions started 08:00-22:59:59, a 3-minute reply target, an unanswered
round counting as 10 minutes)."""


@pytest.fixture(scope="session")
def rules() -> RoutingRules:
    return load_rules()


@pytest.fixture(scope="session")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """30 shops over 50 days (two monthly check days), ingested; do not write to it."""
    return ingested_market(tmp_path_factory.mktemp("cs-market"), shops=30, days=MARKET_DAYS, seed=5)


@pytest.fixture
def market_con(market: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    con = duckdb.connect(str(market), read_only=True)
    try:
        yield con
    finally:
        con.close()


@pytest.fixture
def empty_con() -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory warehouse with every table and no rows."""
    con = duckdb.connect()
    ensure_schema(con)
    try:
        yield con
    finally:
        con.close()


NOON = datetime(2026, 10, 20, 12, 0)


def agent(
    agent_id: str,
    *,
    shop: str = "S1",
    skills: dict[str, int] | None = None,
    languages: tuple[str, ...] = ("zh",),
    capacity: int = 3,
    quality: int = 5_000,
    badge: str | None = None,
    issued: date = date(2026, 1, 1),
    expires: date = date(2026, 12, 31),
    credential: str = "vet",
    hours: tuple[int, int] = (0, 24),
) -> Agent:
    certs = (
        (Certification(f"C-{agent_id}", agent_id, badge, credential, issued, expires),)
        if badge
        else ()
    )
    return Agent(
        agent_id=agent_id,
        shop_id=shop,
        languages=frozenset(languages),
        capacity=capacity,
        skills=skills or {},
        online_from_hour=hours[0],
        online_to_hour=hours[1],
        certifications=certs,
        performance=Performance(),
        quality=quality,
    )
