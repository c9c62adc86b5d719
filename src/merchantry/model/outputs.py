"""Tables the stages write (as opposed to the event tables they read).

Declared here, beside the event tables, because several stages and front ends
meet in them: the fee stage writes ``fee_lines``, the simulator and the
statements read them.
"""

from __future__ import annotations

from typing import Final

from merchantry.model.schema import Column, ColumnType, Table

T = ColumnType

FEE_KINDS: Final = (
    "technical_service_fee",
    "affiliate_commission",
    "creator_service_fee",
    "promotion_fee",
    "promotion_fee_refund",
    "insurance_premium",
    "coupon_subsidy",
    "fee_refund",
)
"""Kinds of fee line. Their business meaning is documented in ``docs/fees.md``."""

PAYERS: Final = ("merchant", "platform", "creator", "buyer")

FEE_LINES = Table(
    name="fee_lines",
    term_zh="费用明细",
    description=(
        "One line per order and fee kind, per rulebook run. `amount_fen` is what `payer` pays "
        "`payee`; only refund kinds (`fee_refund`, `promotion_fee_refund`) are negative. "
        "`baseline_fen` is what the line would be without any waiver."
    ),
    primary_key=("rulebook", "order_id", "fee_kind"),
    columns=(
        Column("rulebook", T.TEXT, "Rulebook the line was computed under.", "规则版本"),
        Column("order_id", T.TEXT, "Order.", "订单号"),
        Column("shop_id", T.TEXT, "Shop.", "店铺ID"),
        Column("fee_kind", T.TEXT, "Kind of fee line.", "费用类型", choices=FEE_KINDS),
        Column("payer", T.TEXT, "Who pays.", "付款方", choices=PAYERS),
        Column("payee", T.TEXT, "Who receives.", "收款方", choices=PAYERS),
        Column(
            "base_fen",
            T.MONEY,
            "Amount the rate applies to (the fee base).",
            "计费基数",
            unit="fen",
            nullable=True,
        ),
        Column("rate_bp", T.INT, "Rate applied, after waivers.", "费率", unit="bp", nullable=True),
        Column("amount_fen", T.MONEY, "Amount of the line.", "金额", unit="fen"),
        Column("baseline_fen", T.MONEY, "Amount without any waiver.", "减免前金额", unit="fen"),
        Column("rule_id", T.TEXT, "Rule that set the rate or amount.", "规则ID"),
        Column(
            "waiver_rule_id",
            T.TEXT,
            "Waiver rule that lowered it, if any.",
            "减免规则ID",
            nullable=True,
        ),
        Column(
            "accrued_on",
            T.DATE,
            "Business date of the line (payment date; refund date for refunds).",
            "计费日期",
        ),
    ),
)

RULEBOOK_RULES = Table(
    name="rulebook_rules",
    term_zh="规则清单",
    description=(
        "The rules in force in a rulebook after inheritance, written by each fee run so that "
        "reports can label `fee_lines.rule_id` and `waiver_rule_id` in plain words and flag "
        "numbers that are assumptions."
    ),
    primary_key=("rulebook", "rule_id"),
    columns=(
        Column("rulebook", T.TEXT, "Rulebook.", "规则版本"),
        Column("rule_id", T.TEXT, "Rule id.", "规则ID"),
        Column("title", T.TEXT, "What the rule does, in plain words.", "规则说明"),
        Column("effect_kind", T.TEXT, "Effect kind (see docs/rulebooks.md).", "效果类型"),
        Column(
            "fee_kind",
            T.TEXT,
            "Fee line kind the rule feeds; empty for rules a later "
            "stage applies (settlement days, deposit).",
            "费用类型",
            nullable=True,
        ),
        Column("effect", T.TEXT, "The effect in plain words.", "效果"),
        Column("condition", T.TEXT, "The rule's `when`, as written.", "适用条件"),
        Column("priority", T.INT, "Precedence (lower first).", "优先级"),
        Column("stacking", T.TEXT, "How it combines with rules of the same kind.", "叠加方式"),
        Column("source", T.TEXT, "Source of the number (URL / section).", "来源", nullable=True),
        Column(
            "assumption", T.BOOL, "The number is assumed, not confirmed by a source.", "是否假设"
        ),
        Column("note", T.TEXT, "Note on the assumption or source.", "备注", nullable=True),
        Column("origin", T.TEXT, "Rulebook that defined this version of the rule.", "定义于"),
    ),
)

OUTPUT_TABLES: Final[tuple[Table, ...]] = (FEE_LINES, RULEBOOK_RULES)
