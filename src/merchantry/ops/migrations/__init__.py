"""Alembic migrations of the operational database (run by :func:`merchantry.ops.migrate`)."""
