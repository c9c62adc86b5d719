"""Alembic migrations of the operational database, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, create_engine, inspect, text

from merchantry.ops import HEAD, current_revision, migrate
from merchantry.ops.creator_keys import metadata as creator_metadata
from merchantry.ops.migrate import SCRIPTS, create_ops_engine
from merchantry.ops.tables import metadata as ops_metadata
from merchantry.programs.budget import metadata as programs_metadata
from merchantry.risk.store import metadata as risk_metadata
from merchantry.risk.store import open_store
from tests.api.conftest import fresh_postgres

SERVICE_TABLES = {
    "api_keys",
    "idempotency_records",
    "webhook_endpoints",
    "webhook_deliveries",
    "webhook_attempts",
    "audit_log",
    "online_inbox",
    "online_quarantine",
    "jobs",
}
RISK_TABLES = {"integrity_events", "risk_cases", "risk_case_audit", "risk_case_evidence"}
SERVICE_TABLES |= {"program_budgets", "program_grants"}  # 0005, merchantry.programs.budget
SERVICE_TABLES |= {"creator_keys"}  # 0011, merchantry.ops.creator_keys


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each kind."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ops.sqlite'}"
    else:
        yield fresh_postgres(request.getfixturevalue("postgres_url"))


def _tables(engine: Engine) -> set[str]:
    return set(inspect(engine).get_table_names()) - {"alembic_version"}


def _declared() -> MetaData:
    combined = MetaData()
    for source in (risk_metadata, ops_metadata, programs_metadata, creator_metadata):
        for table in source.tables.values():
            table.to_metadata(combined)
    return combined


def test_an_empty_database_upgrades_to_the_declared_schema(url: str) -> None:
    engine = create_ops_engine(url)
    migrate(engine)
    assert current_revision(engine) == HEAD
    assert _tables(engine) == SERVICE_TABLES | RISK_TABLES
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), _declared())
    # comments are documentation in the declarations; the migrations do not carry them
    assert [d for d in diff if "comment" not in str(d[0] if isinstance(d, tuple) else d)] == []
    migrate(engine)  # a second run is a no-op
    assert current_revision(engine) == HEAD
    engine.dispose()


def _previous() -> str:
    """The migration before the newest."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    down = ScriptDirectory.from_config(config).get_revision(HEAD).down_revision
    assert isinstance(down, str)
    return down


@pytest.mark.parametrize("start", ["0001", "previous"])
def test_a_database_at_an_earlier_migration_upgrades_and_keeps_its_rows(
    url: str, start: str
) -> None:
    revision = _previous() if start == "previous" else start
    engine = create_ops_engine(url)
    migrate(engine, revision)
    assert current_revision(engine) == revision
    assert RISK_TABLES <= _tables(engine) <= SERVICE_TABLES | RISK_TABLES
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO risk_cases (case_id, subject, subject_id, shop_id, state, decision,"
                " reasons, amount_fen, opened_at, updated_at) VALUES"
                " ('RC-1', 'penalty', 'V1', 'S1', 'open', 'deduct', 'why', 30000, :at, :at),"
                " ('RC-2', 'after_sales_request', 'AS1', 'S1', 'open', 'intercept (score 87)',"
                " 'ring', 500, :at, :at)"
            ),
            {"at": datetime(2026, 3, 1, 9)},
        )
    migrate(engine)
    assert current_revision(engine) == HEAD
    assert _tables(engine) == SERVICE_TABLES | RISK_TABLES
    with engine.connect() as conn:
        kept = conn.execute(
            text("SELECT case_id, amount_fen, risk_score FROM risk_cases ORDER BY case_id")
        ).all()
    # 0004 copies the score the decision stated into its own column, once (rows written
    # after 0004 are the writer's to score)
    stated = 87 if revision < "0004" else None
    assert [tuple(r) for r in kept] == [("RC-1", 30000, None), ("RC-2", 500, stated)]
    engine.dispose()


def test_a_database_from_before_migrations_is_adopted(url: str) -> None:
    """The risk commands used to create their tables with create_all, without Alembic."""
    plain = create_engine(url)
    risk_metadata.create_all(plain)
    plain.dispose()
    engine = open_store(url)
    assert current_revision(engine) == HEAD
    assert _tables(engine) == SERVICE_TABLES | RISK_TABLES
    engine.dispose()
