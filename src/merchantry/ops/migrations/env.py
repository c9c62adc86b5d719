"""Alembic environment: migrations run on the connection :func:`merchantry.ops.migrate` passes."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run migrations through merchantry.ops.migrate, which passes a connection")
context.configure(connection=connection, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
