"""Risk cases keep their decision's risk score as a number, so the queue sorts in SQL.

Cases opened before this revision stated the score only in the decision's words
(``intercept (score 87)``); the upgrade copies it into the column once.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

STATED = re.compile(r"\(score (-?\d+)\)")


def upgrade() -> None:
    inspector = sa.inspect(op.get_bind())
    # a database adopted from before migrations was made by create_all from the current
    # declarations, which already have the column and its index
    if "risk_score" not in {c["name"] for c in inspector.get_columns("risk_cases")}:
        with op.batch_alter_table("risk_cases") as batch:
            batch.add_column(sa.Column("risk_score", sa.Integer, nullable=True))
    if "ix_case_risk" not in {i["name"] for i in inspector.get_indexes("risk_cases")}:
        op.create_index("ix_case_risk", "risk_cases", ["risk_score"])
    cases = sa.table(
        "risk_cases",
        sa.column("case_id", sa.String),
        sa.column("decision", sa.String),
        sa.column("risk_score", sa.Integer),
    )
    conn = op.get_bind()
    rows = conn.execute(
        sa.select(cases.c.case_id, cases.c.decision).where(cases.c.risk_score.is_(None))
    ).all()
    for case_id, decision in rows:
        found = STATED.search(str(decision))
        if found:
            conn.execute(
                cases.update()
                .where(cases.c.case_id == case_id)
                .values(risk_score=int(found.group(1)))
            )


def downgrade() -> None:
    op.drop_index("ix_case_risk", "risk_cases")
    with op.batch_alter_table("risk_cases") as batch:
        batch.drop_column("risk_score")
