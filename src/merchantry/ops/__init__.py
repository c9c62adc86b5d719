"""The operational database: API keys, idempotency records, webhooks, the audit log, jobs.

Data flow: the API (and the CLI's ``keys`` command) write here through
SQLAlchemy Core; the risk stage's cases, appeals and integrity records
(``merchantry.risk.store``) live in the same database. The schema is owned by
the Alembic migrations shipped in :mod:`merchantry.ops.migrations`;
:func:`migrate` brings any database (empty, at an earlier migration, or created
before migrations existed) to the newest one. SQLite by default, PostgreSQL in
production.
"""

from merchantry.ops.migrate import HEAD, current_revision, existing_sqlite_only, migrate, open_ops

__all__ = ["HEAD", "current_revision", "existing_sqlite_only", "migrate", "open_ops"]
