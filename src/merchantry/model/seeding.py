"""Tables of the creator seeding incentive (种草激励): attributions, payouts, clawbacks.

The behaviour the incentive reads is already in the event model: ``creator_videos``
(a creator's video featuring a shop's product), ``video_views`` (a buyer watched it),
``searches`` (a buyer searched and clicked a product) and ``orders`` /
``after_sales`` (paid and refunded). The seeding stage (``merchantry.seeding``)
writes the three tables below for one seeding rulebook; the close posts the payouts
and clawbacks to the journal (``merchantry.ledger.seeding``).
"""

from __future__ import annotations

from typing import Final

from merchantry.model.schema import Column, ColumnType, Table

T = ColumnType

SPLIT_RULES: Final = ("last_touch", "first_touch", "linear")
"""How an order is shared when several videos qualify: ``last_touch`` (all to the video
watched last before the search), ``first_touch`` (all to the video watched first),
``linear`` (equal shares, the odd fen by largest remainder). Meanings in docs/seeding.md."""

MATCH_SCOPES: Final = ("product", "shop")
"""What the video, the search and the order must share: the same ``product`` (SKU) or the
same ``shop`` (any of its products)."""

ATTRIBUTION_STATES: Final = ("payable", "dropped_refund", "clawed_back")
"""``payable``: the order stands and its share is paid on ``pay_on``; ``dropped_refund``:
refunded on or before ``pay_on``, nothing paid; ``clawed_back``: refunded after it, so the
payout was made and is taken back on the refund date (``seeding_clawbacks``)."""

SEEDING_ATTRIBUTIONS = Table(
    name="seeding_attributions",
    term_zh="种草归因",
    description=(
        "One row per paid order and creator video it is attributed to (watched, then searched, "
        "then paid inside the rulebook's windows), with the video's share of the order's GMV "
        "and of its reward. The shares of one order sum exactly to the order's amounts "
        "(largest remainder)."
    ),
    primary_key=("rulebook", "order_id", "video_id"),
    index_key=False,
    columns=(
        Column("rulebook", T.TEXT, "Seeding rulebook applied.", "规则版本"),
        Column("order_id", T.TEXT, "Paid order.", "订单号"),
        Column("video_id", T.TEXT, "Creator video credited.", "视频ID"),
        Column("creator_id", T.TEXT, "Creator of the video.", "达人ID"),
        Column("shop_id", T.TEXT, "Selling shop.", "店铺ID"),
        Column("sku_id", T.TEXT, "Product bought.", "SKU ID"),
        Column("buyer_id", T.TEXT, "Buyer.", "用户ID"),
        Column("paid_at", T.TIMESTAMP, "Payment time.", "支付时间"),
        Column("paid_on", T.DATE, "Payment date (the day the GMV counts on).", "支付日期"),
        Column(
            "viewed_at",
            T.TIMESTAMP,
            "The view the split rule used (the last qualifying view for last touch and linear, "
            "the first for first touch).",
            "观看时间",
        ),
        Column(
            "searched_at", T.TIMESTAMP, "The last qualifying search before payment.", "搜索时间"
        ),
        Column("videos", T.INT, "Qualifying videos of the order.", "符合条件的视频数", minimum=1),
        Column(
            "share_bp",
            T.INT,
            "This video's share of the order.",
            "分成比例",
            unit="bp",
            minimum=0,
            maximum=10_000,
        ),
        Column(
            "attributed_gmv_fen",
            T.MONEY,
            "This video's share of the order's GMV (paid amount less shipping).",
            "归因成交额",
            unit="fen",
        ),
        Column(
            "reward_fen",
            T.MONEY,
            "This video's share of the order's tier amount (after the per-order cap).",
            "应得激励",
            unit="fen",
        ),
        Column(
            "payout_fen",
            T.MONEY,
            "What is paid for it after the creator's daily cap; 0 when dropped.",
            "实发激励",
            unit="fen",
        ),
        Column("tier_rate_bp", T.INT, "Reward rate of the order's tier.", "激励比例", unit="bp"),
        Column("pay_on", T.DATE, "Date the payout is made (payment date + hold days).", "发放日期"),
        Column("status", T.TEXT, "State of the attribution.", "状态", choices=ATTRIBUTION_STATES),
        Column(
            "refunded_on",
            T.DATE,
            "Date the order's first approved refund closed; empty when not refunded.",
            "退款日期",
            nullable=True,
        ),
        Column("split_rule", T.TEXT, "Split rule applied.", "分成规则", choices=SPLIT_RULES),
        Column("rule_id", T.TEXT, "Rule that set the reward (the tier).", "规则ID"),
    ),
)

SEEDING_PAYOUTS = Table(
    name="seeding_payouts",
    term_zh="种草激励发放",
    description=(
        "What a creator is paid on one day under one seeding rulebook: the sum of its "
        "attributions' payouts due that day (refunded-after-payout orders included; their "
        "clawbacks are in `seeding_clawbacks`)."
    ),
    primary_key=("rulebook", "creator_id", "pay_on"),
    index_key=False,
    columns=(
        Column("rulebook", T.TEXT, "Seeding rulebook.", "规则版本"),
        Column("creator_id", T.TEXT, "Creator paid.", "达人ID"),
        Column("pay_on", T.DATE, "Payout date.", "发放日期"),
        Column("orders", T.INT, "Orders paid for.", "订单数", minimum=0),
        Column("videos", T.INT, "Distinct videos paid for.", "视频数", minimum=0),
        Column("amount_fen", T.MONEY, "Amount paid.", "发放金额", unit="fen", minimum=0),
        Column("rule_id", T.TEXT, "The rulebook's payout rule.", "规则ID"),
    ),
)

SEEDING_CLAWBACKS = Table(
    name="seeding_clawbacks",
    term_zh="种草激励追回",
    description=(
        "A payout taken back because the order was refunded after it was paid: one row per "
        "order and video, booked on the refund date."
    ),
    primary_key=("rulebook", "order_id", "video_id"),
    index_key=False,
    columns=(
        Column("rulebook", T.TEXT, "Seeding rulebook.", "规则版本"),
        Column("order_id", T.TEXT, "Refunded order.", "订单号"),
        Column("video_id", T.TEXT, "Video whose payout is taken back.", "视频ID"),
        Column("creator_id", T.TEXT, "Creator who gives it back.", "达人ID"),
        Column("paid_out_on", T.DATE, "When the payout was made.", "发放日期"),
        Column("clawed_on", T.DATE, "Refund date: when it is taken back.", "追回日期"),
        Column("amount_fen", T.MONEY, "Amount taken back.", "追回金额", unit="fen", minimum=0),
        Column("rule_id", T.TEXT, "The rulebook's clawback rule.", "规则ID"),
    ),
)

SEEDING_SETTLEMENTS = Table(
    name="seeding_settlements",
    term_zh="种草激励结算",
    description=(
        "What a creator's seeding payable settles to its available balance for one month: the "
        "month's payouts less the month's clawbacks, on the rulebook's settlement day of the "
        "next month (negative when clawbacks exceed payouts: taken from the available balance)."
    ),
    primary_key=("rulebook", "creator_id", "month"),
    index_key=False,
    columns=(
        Column("rulebook", T.TEXT, "Seeding rulebook.", "规则版本"),
        Column("creator_id", T.TEXT, "Creator settled.", "达人ID"),
        Column("month", T.DATE, "First day of the month whose payouts settle.", "结算月份"),
        Column("settle_on", T.DATE, "Settlement date (in the next month).", "结算日期"),
        Column("payout_fen", T.MONEY, "Payouts made in the month.", "当月发放", unit="fen"),
        Column("clawback_fen", T.MONEY, "Clawbacks booked in the month.", "当月追回", unit="fen"),
        Column("amount_fen", T.MONEY, "Net amount settled.", "结算金额", unit="fen"),
        Column("rule_id", T.TEXT, "The rulebook's settlement rule.", "规则ID"),
    ),
)

SEEDING_TABLES: Final[tuple[Table, ...]] = (
    SEEDING_ATTRIBUTIONS,
    SEEDING_PAYOUTS,
    SEEDING_CLAWBACKS,
    SEEDING_SETTLEMENTS,
)
"""The seeding stage's outputs, registered in :data:`merchantry.model.outputs.OUTPUT_TABLES`."""
