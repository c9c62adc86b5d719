"""Creator keys: which creator each creator API key acts for (``merchantry.ops.creator_keys``).

Revision ID: 0011
Revises: 0010 (the pulse notices)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "creator_keys",
        sa.Column("key_id", sa.String(32), primary_key=True),
        sa.Column("creator_id", sa.String(64), nullable=False),
    )
    op.create_index("ix_creator_keys_creator_id", "creator_keys", ["creator_id"])


def downgrade() -> None:
    op.drop_index("ix_creator_keys_creator_id", "creator_keys")
    op.drop_table("creator_keys")
