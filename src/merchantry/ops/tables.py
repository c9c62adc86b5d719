"""Tables of the operational database that the service owns (SQLAlchemy Core).

Times are naive UTC. The risk tables (cases, appeals, integrity records) are
declared in :mod:`merchantry.risk.store`; both sets are created by the same
migrations, and a test compares the migrated schema with these declarations.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

api_keys = Table(
    "api_keys",
    metadata,
    Column("key_id", String(32), primary_key=True, comment="public part of the key"),
    Column("secret_sha256", String(64), nullable=False, comment="hex SHA-256 of the secret"),
    Column("role", String(16), nullable=False, comment="operator, merchant or integrator"),
    Column("shop_id", String(64), nullable=True, comment="the merchant key's one shop"),
    Column("scopes", Text, nullable=False, comment="resource:action, space separated"),
    Column("name", String(128), nullable=False, comment="what the key is for"),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("revoked_at", DateTime, nullable=True),
)

idempotency_records = Table(
    "idempotency_records",
    metadata,
    Column("key_id", String(32), primary_key=True, comment="API key that sent the request"),
    Column("idempotency_key", String(255), primary_key=True),
    Column("method", String(8), nullable=False),
    Column("path", String(1024), nullable=False),
    Column("request_sha256", String(64), nullable=False, comment="method, path and body"),
    Column("status_code", Integer, nullable=True, comment="NULL while the first is in flight"),
    Column("response_body", Text, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("completed_at", DateTime, nullable=True),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("endpoint_id", String(32), primary_key=True),
    Column("url", String(2048), nullable=False),
    Column("secret", String(128), nullable=False, comment="whsec_ + base64 signing key"),
    Column("event_types", Text, nullable=False, comment="space separated"),
    Column("shop_id", String(64), nullable=True, comment="only this shop's events; NULL: all"),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("disabled_at", DateTime, nullable=True),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("delivery_id", Integer, primary_key=True, autoincrement=True),
    Column("message_id", String(64), nullable=False, comment="webhook-id, same on every retry"),
    Column("endpoint_id", String(32), ForeignKey("webhook_endpoints.endpoint_id"), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("shop_id", String(64), nullable=True),
    Column("payload", Text, nullable=False, comment="the JSON body sent"),
    Column("state", String(16), nullable=False, comment="pending, sending, delivered, failed"),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime, nullable=True),
    Column("last_status", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("finished_at", DateTime, nullable=True),
    Index("ix_delivery_due", "state", "next_attempt_at"),
)

webhook_attempts = Table(
    "webhook_attempts",
    metadata,
    Column("attempt_id", Integer, primary_key=True, autoincrement=True),
    Column("delivery_id", Integer, ForeignKey("webhook_deliveries.delivery_id"), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("at", DateTime, nullable=False),
    Column("status_code", Integer, nullable=True),
    Column("error", Text, nullable=True),
    Column("duration_ms", Integer, nullable=False),
    Index("ix_attempt_delivery", "delivery_id"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("actor", String(128), nullable=False, comment="key id (or cli:<user>)"),
    Column("role", String(16), nullable=False),
    Column("action", String(64), nullable=False, comment="e.g. case.transition"),
    Column("resource", String(256), nullable=False, comment="what it acted on"),
    Column("shop_id", String(64), nullable=True),
    Column("before", Text, nullable=True, comment="JSON of the resource before"),
    Column("after", Text, nullable=True, comment="JSON of the resource after"),
    Index("ix_audit_resource", "resource"),
)

jobs = Table(
    "jobs",
    metadata,
    Column("job_id", String(32), primary_key=True),
    Column("kind", String(32), nullable=False, comment="simulation"),
    Column("state", String(16), nullable=False, comment="queued, running, done, failed"),
    Column("params", Text, nullable=False, comment="JSON"),
    Column("result", Text, nullable=True, comment="JSON"),
    Column("error", Text, nullable=True),
    Column("created_at", DateTime, nullable=False),
    Column("created_by", String(128), nullable=False),
    Column("started_at", DateTime, nullable=True),
    Column("finished_at", DateTime, nullable=True),
    Column("period_start", Date, nullable=True),
    Column("period_end", Date, nullable=True),
)

# --- the real-time service (merchantry.service.inbox) ---------------------------------

SEQ_TYPE: Final = BigInteger().with_variant(Integer, "sqlite")
"""BIGINT, except on SQLite where only INTEGER PRIMARY KEY autoincrements."""

online_inbox = Table(
    "online_inbox",
    metadata,
    Column("seq", SEQ_TYPE, primary_key=True, autoincrement=True, comment="apply order"),
    Column("event_type", String(32), nullable=False, comment="warehouse table it lands in"),
    Column("event_key", String(255), nullable=False, comment="its primary key, as text"),
    Column("body", Text, nullable=False, comment="the accepted row as JSON (typed values)"),
    Column("received_at", DateTime, nullable=False, comment="naive UTC"),
    Column("key_id", String(32), nullable=True, comment="API key that posted it"),
    Column("drained_at", DateTime, nullable=True, comment="moved into the warehouse at"),
    UniqueConstraint("event_type", "event_key", name="uq_online_inbox_event"),
)

online_quarantine = Table(
    "online_quarantine",
    metadata,
    Column("quarantine_id", SEQ_TYPE, primary_key=True, autoincrement=True),
    Column("event_type", String(32), nullable=False),
    Column("event_key", String(255), nullable=True, comment="its primary key, if readable"),
    Column("column_name", String(64), nullable=True, comment="column of the first problem"),
    Column("reason", String(64), nullable=False),
    Column("message", Text, nullable=False, comment="every problem of the event"),
    Column("body", Text, nullable=False, comment="the event as posted"),
    Column("body_sha256", String(64), nullable=False),
    Column("received_at", DateTime, nullable=False, comment="naive UTC"),
    Column("key_id", String(32), nullable=True),
    Column("drained_at", DateTime, nullable=True),
    UniqueConstraint("event_type", "body_sha256", name="uq_online_quarantine_body"),
)
