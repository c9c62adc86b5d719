"""Bring an operational database to the newest migration, programmatically.

The API calls :func:`open_ops` on start, ``merchantry serve`` once before it
starts its workers, and :func:`merchantry.risk.store.open_store` too, so every
entry point finds the schema it expects. A database the risk commands created
before migrations existed (its tables made by ``create_all``, no
``alembic_version``) is stamped at ``0001``, whose tables it already has, and
upgraded from there. On PostgreSQL an advisory lock makes concurrent starts
wait for each other instead of racing to create the same tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Final

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import Connection

HEAD: Final = "0005"
"""The newest migration shipped."""

ADOPTED: Final = "0001"
"""The migration whose tables databases from before migrations already have."""

LOCK_KEY: Final = 7_305_113_911
"""PostgreSQL advisory lock held while migrating (any constant the app owns)."""

SCRIPTS: Final = Path(__file__).resolve().parent / "migrations"


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPTS))
    config.attributes["connection"] = connection
    return config


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at (``None``: none applied)."""
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Upgrade the database to ``revision`` (default: the newest); a no-op when it is there."""
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
        config = _config(conn)
        names = set(inspect(conn).get_table_names())
        if "alembic_version" not in names and "risk_cases" in names:
            command.stamp(config, ADOPTED)
        command.upgrade(config, revision)


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    # Readers and the one writer do not block each other in WAL mode, and a reader that
    # turns writer is not refused at once ("database is locked") as in rollback mode.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()
    # SQLAlchemy, not the driver, starts transactions (see _begin_immediate).
    dbapi_connection.isolation_level = None  # type: ignore[attr-defined]


def _begin_immediate(conn: Connection) -> None:
    """Take SQLite's write lock when a transaction starts, waiting (busy_timeout) for it.

    A deferred transaction that has read and then writes fails at once ("database is
    locked") when another connection wrote in between: the webhook dispatcher and a
    request writing at the same moment did exactly that. Starting every transaction
    with the lock makes them queue instead.
    """
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def create_ops_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets foreign keys on, WAL, and waits (30 s) for a busy
    file."""
    engine = create_engine(url, future=True, pool_pre_ping=not url.startswith("sqlite"))
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _begin_immediate)
    return engine


def open_ops(url: str) -> Engine:
    """An engine on the operational database at ``url``, migrated to the newest revision."""
    engine = create_ops_engine(url)
    migrate(engine)
    return engine
