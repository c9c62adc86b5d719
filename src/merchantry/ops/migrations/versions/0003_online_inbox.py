"""The real-time service's inbox of accepted events and its quarantine of refused ones.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SEQ = sa.BigInteger().with_variant(sa.Integer, "sqlite")


def upgrade() -> None:
    op.create_table(
        "online_inbox",
        sa.Column("seq", SEQ, primary_key=True, autoincrement=True),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("event_key", sa.String(255), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("key_id", sa.String(32), nullable=True),
        sa.Column("drained_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("event_type", "event_key", name="uq_online_inbox_event"),
    )
    op.create_table(
        "online_quarantine",
        sa.Column("quarantine_id", SEQ, primary_key=True, autoincrement=True),
        sa.Column("event_type", sa.String(32), nullable=False),
        sa.Column("event_key", sa.String(255), nullable=True),
        sa.Column("column_name", sa.String(64), nullable=True),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("body_sha256", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime, nullable=False),
        sa.Column("key_id", sa.String(32), nullable=True),
        sa.Column("drained_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("event_type", "body_sha256", name="uq_online_quarantine_body"),
    )


def downgrade() -> None:
    op.drop_table("online_quarantine")
    op.drop_table("online_inbox")
