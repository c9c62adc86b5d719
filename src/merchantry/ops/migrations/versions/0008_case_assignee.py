"""Risk cases name the operator reviewing them, so a queue can show "mine" and "unassigned".

Revision ID: 0008
Revises: 0004 (this round's 0005 to 0007 come from other branches; when they are merged,
``down_revision`` becomes the newest of them so the chain stays one line)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    # a database adopted from before migrations was made by create_all from the current
    # declarations, which already have the column and its index
    if "assignee" not in {c["name"] for c in inspector.get_columns("risk_cases")}:
        with op.batch_alter_table("risk_cases") as batch:
            batch.add_column(sa.Column("assignee", sa.String(128), nullable=True))
    if "ix_case_assignee" not in {i["name"] for i in inspector.get_indexes("risk_cases")}:
        op.create_index("ix_case_assignee", "risk_cases", ["assignee"])


def downgrade() -> None:
    op.drop_index("ix_case_assignee", "risk_cases")
    with op.batch_alter_table("risk_cases") as batch:
        batch.drop_column("assignee")
