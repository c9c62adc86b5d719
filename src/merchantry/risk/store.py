"""The operational risk database: integrity events, cases, their audit trail and evidence.

SQLAlchemy Core, so the same code runs on SQLite (embedded default) and
PostgreSQL (production). Money is BIGINT fen; times are naive platform local
time like the warehouse's. The schema is owned by the operational database's
Alembic migrations (:mod:`merchantry.ops`), which create these tables beside the
service's (keys, audit log, webhooks); :func:`open_store` migrates the database.
"""

from __future__ import annotations

from typing import Final

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Engine,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from merchantry.ops.migrate import create_ops_engine, migrate

DEFAULT_URL: Final = "sqlite:///merchantry-risk.sqlite"

metadata = MetaData()

integrity_events = Table(
    "integrity_events",
    metadata,
    Column("event_id", Integer, primary_key=True, autoincrement=True),
    Column("buyer_id", String(64), nullable=False),
    Column("shop_id", String(64), nullable=True, comment="shop concerned; NULL: platform-wide"),
    Column("kind", String(32), nullable=False),
    Column("occurred_at", DateTime, nullable=False),
    Column("points", Integer, nullable=False, comment="weight before decay"),
    Column("source_ref", String(128), nullable=False, comment="case, ring or order behind it"),
    UniqueConstraint("buyer_id", "kind", "source_ref", name="uq_integrity_event"),
    Index("ix_integrity_buyer", "buyer_id"),
)

risk_cases = Table(
    "risk_cases",
    metadata,
    Column("case_id", String(64), primary_key=True),
    Column("subject", String(32), nullable=False, comment="after_sales_request or penalty"),
    Column("subject_id", String(64), nullable=False),
    Column("shop_id", String(64), nullable=False),
    Column("buyer_id", String(64), nullable=True),
    Column("state", String(16), nullable=False),
    Column("decision", String(64), nullable=False, comment="what was decided and is reviewed"),
    Column("reasons", Text, nullable=False, comment="why, one reason per line"),
    Column("amount_fen", BigInteger, nullable=False, comment="money the decision moved, fen"),
    Column("opened_at", DateTime, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    Column("ledger_entry_id", String(64), nullable=True, comment="entry the decision posted"),
    Column("reversal_entry_id", String(64), nullable=True, comment="entry that reversed it"),
    Column("risk_score", Integer, nullable=True, comment="the decision's risk score (queue order)"),
    Column("assignee", String(128), nullable=True, comment="operator (actor) reviewing the case"),
    UniqueConstraint("subject", "subject_id", name="uq_case_subject"),
    Index("ix_case_shop", "shop_id"),
    Index("ix_case_risk", "risk_score"),
    Index("ix_case_assignee", "assignee"),
)

risk_case_audit = Table(
    "risk_case_audit",
    metadata,
    Column("audit_id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), ForeignKey("risk_cases.case_id"), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("actor", String(128), nullable=False),
    Column("from_state", String(16), nullable=True),
    Column("to_state", String(16), nullable=False),
    Column("note", Text, nullable=False),
    Index("ix_audit_case", "case_id"),
)

risk_case_evidence = Table(
    "risk_case_evidence",
    metadata,
    Column("evidence_id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(64), ForeignKey("risk_cases.case_id"), nullable=False),
    Column("at", DateTime, nullable=False),
    Column("submitted_by", String(128), nullable=False),
    Column("ref", String(256), nullable=False, comment="image or document reference"),
    Column("note", Text, nullable=False),
)


def open_store(url: str = DEFAULT_URL) -> Engine:
    """An engine on the operational database, migrated to the newest revision.

    A risk table dropped by hand behind the migrations' back is created again
    (``create_all`` is a no-op for tables that exist).
    """
    engine = create_ops_engine(url)
    migrate(engine)
    metadata.create_all(engine)
    return engine
