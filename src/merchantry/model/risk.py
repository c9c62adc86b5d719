"""The risk stage's warehouse tables: decisions on after-sales requests, and rings.

Created by the risk commands when they first write (``merchantry risk rings``,
``merchantry risk score``), not by ``store.warehouse.ensure_schema``: a warehouse
that never ran risk has none of them, which readers take as "no run yet". The
operational risk database (cases, integrity events, audit) is a separate SQL
database with its own migrations (``merchantry.risk.store``).
"""

from __future__ import annotations

from typing import Final

from merchantry.model.schema import Column, ColumnType, Table

T = ColumnType

DECISION_KINDS: Final = ("fast_approve", "normal", "review", "intercept")
"""What happens to an after-sales request (``merchantry.risk.rules.DecisionKind``)."""

IDENTIFIER_KINDS: Final = ("device", "phone", "address", "payment")
"""Kinds of buyer identifier that link accounts into rings."""

RISK_DECISIONS = Table(
    name="risk_decisions",
    term_zh="风控决策",
    description=(
        "One row per after-sales request scored by `merchantry risk score`: the decision, "
        "its score (rule points plus the model's), and the reasons. Replaced by each run."
    ),
    primary_key=("case_id",),
    columns=(
        Column("case_id", T.TEXT, "After-sales request.", "售后单号"),
        Column("order_id", T.TEXT, "Order the request is about.", "订单号"),
        Column("buyer_id", T.TEXT, "Buyer who asked.", "买家ID"),
        Column("shop_id", T.TEXT, "Shop asked.", "店铺ID"),
        Column("requested_at", T.TIMESTAMP, "When the request was made.", "申请时间"),
        Column("decision", T.TEXT, "Decision.", "决策", choices=DECISION_KINDS),
        Column("score", T.INT, "Risk score: rule points plus model points.", "风险分"),
        Column("rule_points", T.INT, "Points from the matching risk_signal rules.", "规则分"),
        Column(
            "model_points",
            T.INT,
            "Points from the learned model (NULL without a model).",
            "模型分",
            nullable=True,
        ),
        Column(
            "probability_bp",
            T.INT,
            "The model's abuse probability (NULL without a model).",
            "模型概率",
            unit="bp",
            nullable=True,
        ),
        Column("reasons", T.TEXT_LIST, "Why: one reason per matching signal.", "原因"),
        Column(
            "band_rule",
            T.TEXT,
            "risk_threshold rule whose band the score fell in (empty: none).",
            "分档规则",
            nullable=True,
        ),
        Column("rulebook", T.TEXT, "Risk rulebook the decision was taken under.", "规则版本"),
        Column(
            "model_version",
            T.TEXT,
            "Version of the model used (NULL without a model).",
            "模型版本",
            nullable=True,
        ),
    ),
)

RISK_RING_MEMBERS = Table(
    name="risk_ring_members",
    term_zh="团伙成员",
    description="One row per buyer in a linked-account ring of the last ring run.",
    primary_key=("ring_id", "buyer_id"),
    columns=(
        Column("ring_id", T.TEXT, "Ring (`RG-` and its first buyer).", "团伙ID"),
        Column("buyer_id", T.TEXT, "Buyer in the ring.", "买家ID"),
    ),
)

RISK_RINGS = Table(
    name="risk_rings",
    term_zh="关联团伙",
    description=(
        "One row per linked-account ring of the last ring run (buyers sharing devices, "
        "phones, addresses or payment accounts), with what its claims look like and its score."
    ),
    primary_key=("ring_id",),
    columns=(
        Column("ring_id", T.TEXT, "Ring.", "团伙ID"),
        Column("buyers", T.BIGINT, "Buyers in the ring.", "买家数"),
        Column("identifiers", T.BIGINT, "Identifiers linking them.", "关联标识数"),
        Column("orders", T.BIGINT, "Orders the ring paid before the run's cut-off.", "订单数"),
        Column("claims", T.BIGINT, "After-sales requests they made.", "售后申请数"),
        Column("refund_only_claims", T.BIGINT, "Of which refund only.", "仅退款申请数"),
        Column(
            "refund_only_rate_bp",
            T.INT,
            "Refund-only claims per order.",
            "仅退款率",
            unit="bp",
        ),
        Column(
            "reused_image_claims",
            T.BIGINT,
            "Claims whose evidence image was used in another claim.",
            "重复图片申请数",
        ),
        Column(
            "burst_claims",
            T.BIGINT,
            "Claims made within hours of another member's.",
            "集中申请数",
        ),
        Column("score", T.INT, "Ring score, 0 to 100.", "团伙分"),
        Column("flagged", T.BOOL, "Score at or above the rulebook's flag score.", "已标记"),
    ),
)

RISK_IDENTIFIER_HUBS = Table(
    name="risk_identifier_hubs",
    term_zh="公共标识",
    description=(
        "Identifiers shared by more buyers than the ring cap (a shop's Wi-Fi, a pick-up "
        "locker): left out of ring linking, listed for review."
    ),
    primary_key=("identifier_kind", "identifier_hash"),
    columns=(
        Column(
            "identifier_kind", T.TEXT, "Kind of identifier.", "标识类型", choices=IDENTIFIER_KINDS
        ),
        Column("identifier_hash", T.TEXT, "Its hash.", "标识哈希"),
        Column("buyers", T.BIGINT, "Buyers sharing it.", "买家数"),
    ),
)

RING_TABLES: Final[tuple[Table, ...]] = (RISK_RING_MEMBERS, RISK_RINGS, RISK_IDENTIFIER_HUBS)
RISK_TABLES: Final[tuple[Table, ...]] = (RISK_DECISIONS, *RING_TABLES)
"""Every risk table of the warehouse."""
