"""Creator-side event tables: what the platform records about affiliate creators (达人).

``creator_violations`` feeds the ledger's commission freeze (``commission_freeze`` rules,
:mod:`merchantry.ledger.reserve`): a creator found breaking the creator-violation rules may
have the unwithdrawn commission in their account frozen for a while (§3.7).
"""

from __future__ import annotations

from merchantry.model.schema import Column, ColumnType, Table

T = ColumnType

CREATOR_VIOLATIONS = Table(
    name="creator_violations",
    term_zh="达人违规记录",
    description=(
        "Confirmed creator violations that allow the platform to freeze the creator's "
        "commission (《抖音电商创作者违规管理规则》 §3.3 cases), one row per confirmation. "
        "Each freezes the creator's unwithdrawn commission under the rulebook's "
        "`commission_freeze` rule."
    ),
    primary_key=("violation_id",),
    load_after=("creators",),
    columns=(
        Column("violation_id", T.TEXT, "Violation id.", "违规ID"),
        Column("creator_id", T.TEXT, "Creator.", "达人ID", references="creators.creator_id"),
        Column("kind", T.TEXT, "The violation as the platform recorded it.", "违规类型"),
        Column("occurred_at", T.TIMESTAMP, "When it was confirmed.", "判定时间"),
    ),
)
"""An event table (input); the ledger reads it when it closes a period."""
