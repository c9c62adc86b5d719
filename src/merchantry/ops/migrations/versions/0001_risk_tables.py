"""Risk tables: integrity events, cases, their audit trail and evidence.

Adopted from the tables ``merchantry.risk.store`` created with ``create_all``
before migrations existed; such a database is stamped at this revision.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "integrity_events",
        sa.Column("event_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("buyer_id", sa.String(64), nullable=False),
        sa.Column("shop_id", sa.String(64), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("occurred_at", sa.DateTime, nullable=False),
        sa.Column("points", sa.Integer, nullable=False),
        sa.Column("source_ref", sa.String(128), nullable=False),
        sa.UniqueConstraint("buyer_id", "kind", "source_ref", name="uq_integrity_event"),
    )
    op.create_index("ix_integrity_buyer", "integrity_events", ["buyer_id"])
    op.create_table(
        "risk_cases",
        sa.Column("case_id", sa.String(64), primary_key=True),
        sa.Column("subject", sa.String(32), nullable=False),
        sa.Column("subject_id", sa.String(64), nullable=False),
        sa.Column("shop_id", sa.String(64), nullable=False),
        sa.Column("buyer_id", sa.String(64), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(64), nullable=False),
        sa.Column("reasons", sa.Text, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("opened_at", sa.DateTime, nullable=False),
        sa.Column("updated_at", sa.DateTime, nullable=False),
        sa.Column("ledger_entry_id", sa.String(64), nullable=True),
        sa.Column("reversal_entry_id", sa.String(64), nullable=True),
        sa.UniqueConstraint("subject", "subject_id", name="uq_case_subject"),
    )
    op.create_index("ix_case_shop", "risk_cases", ["shop_id"])
    op.create_table(
        "risk_case_audit",
        sa.Column("audit_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(64), sa.ForeignKey("risk_cases.case_id"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_case", "risk_case_audit", ["case_id"])
    op.create_table(
        "risk_case_evidence",
        sa.Column("evidence_id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(64), sa.ForeignKey("risk_cases.case_id"), nullable=False),
        sa.Column("at", sa.DateTime, nullable=False),
        sa.Column("submitted_by", sa.String(128), nullable=False),
        sa.Column("ref", sa.String(256), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
    )


def downgrade() -> None:
    for table in ("risk_case_evidence", "risk_case_audit", "risk_cases", "integrity_events"):
        op.drop_table(table)
