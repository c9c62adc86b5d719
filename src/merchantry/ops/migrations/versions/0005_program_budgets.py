"""Growth-programme budgets and real-time grants (``merchantry.programs.budget``).

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Tables already there (made by ``create_all`` of the same metadata before this
    # revision was recorded) are kept, as 0001 adopts the risk tables.
    existing = set(sa.inspect(op.get_bind()).get_table_names())
    if "program_budgets" in existing and "program_grants" in existing:
        return
    op.create_table(
        "program_budgets",
        sa.Column("program", sa.String(128), primary_key=True),
        sa.Column("period", sa.String(16), primary_key=True, comment="total, or YYYY-MM"),
        sa.Column("limit_fen", sa.BigInteger, nullable=False),
        sa.Column("spent_fen", sa.BigInteger, nullable=False),
        sa.CheckConstraint("spent_fen <= limit_fen", name="ck_program_budget_not_overspent"),
    )
    op.create_table(
        "program_grants",
        sa.Column("grant_id", sa.String(128), primary_key=True),
        sa.Column("program", sa.String(128), nullable=False),
        sa.Column("shop_id", sa.String(64), nullable=False),
        sa.Column("reward_kind", sa.String(32), nullable=False),
        sa.Column("requested_fen", sa.BigInteger, nullable=False),
        sa.Column("amount_fen", sa.BigInteger, nullable=False),
        sa.Column("limit_kind", sa.String(32), nullable=False),
        sa.Column("granted_on", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime, nullable=False),
    )
    op.create_index("ix_program_grants_program", "program_grants", ["program"])
    op.create_index("ix_program_grants_shop_id", "program_grants", ["shop_id"])


def downgrade() -> None:
    op.drop_index("ix_program_grants_shop_id", "program_grants")
    op.drop_index("ix_program_grants_program", "program_grants")
    op.drop_table("program_grants")
    op.drop_table("program_budgets")
