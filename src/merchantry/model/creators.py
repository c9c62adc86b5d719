"""Creator-side event tables: what the platform records about affiliate creators (达人).

``order_colonel_fees`` gives the colonel's service-fee rate of colonel-plan sales (the fee
stage bounds creator plus colonel). ``creator_violations`` feeds the ledger's commission
freeze (``commission_freeze`` rules, :mod:`merchantry.ledger.reserve`): a creator found
breaking the creator-violation rules may have the unwithdrawn commission in their account
frozen for a while (§3.7).
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

ORDER_COLONEL_FEES = Table(
    name="order_colonel_fees",
    term_zh="订单团长服务费",
    description=(
        "The colonel (团长) service-fee rate of sales made through a colonel or hosted-colonel "
        "plan, one row per such order: what the merchant pays the colonel on the commission "
        "base on top of the creator's commission. The fee stage keeps creator rate plus this "
        "rate within the plan's bound (`with_colonel_max_bp`); orders without a row have none."
    ),
    primary_key=("order_id",),
    load_after=("orders",),
    columns=(
        Column("order_id", T.TEXT, "Order.", "订单号", references="orders.order_id"),
        Column(
            "colonel_rate_bp",
            T.INT,
            "Colonel service-fee rate the merchant set for the plan.",
            "团长服务费率",
            unit="bp",
            minimum=0,
            maximum=9_000,
        ),
    ),
)
"""An event table (input) beside ``orders``: the colonel's rate is set per plan, apart from
the order row."""
