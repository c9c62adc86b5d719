"""Tables the growth-programme stage writes (``programs:<rulebook>``).

Each run of a programme replaces its own rows: the stage recomputes the programme from its
window's first day to the run's last day, in time order, so re-running changes nothing and a
later run only adds what happened since. Reward ids are derived from programme, shop, task and
reward position, so a reward is granted exactly once whatever the number of runs.
"""

from __future__ import annotations

from typing import Final

from merchantry.model.schema import Column, ColumnType, Table

T = ColumnType

TASK_STATES: Final = ("completed", "in_progress", "gated", "late")
"""``completed``: condition met in time and the gates held; ``in_progress``: not met yet;
``gated``: met, but a gate (GMV band, score, settlement or shipping rate) failed that day;
``late``: met after the task's deadline."""

REWARD_LIMITS: Final = ("none", "cap", "merchant_budget", "month_budget", "total_budget")
"""What cut a reward below its amount (``none``: granted in full)."""

PROGRAM_TASKS = Table(
    name="program_tasks",
    term_zh="任务进度",
    description=(
        "Each eligible shop's progress on each task of a programme, as of the run's last day: "
        "progress against the target, the day it completed, and its state."
    ),
    primary_key=("program", "shop_id", "task_id"),
    columns=(
        Column("program", T.TEXT, "Programme rulebook.", "扶持计划"),
        Column("shop_id", T.TEXT, "Shop.", "店铺ID"),
        Column("task_id", T.TEXT, "Task of the programme.", "任务"),
        Column("started_on", T.DATE, "The shop's first day in the programme.", "参与开始日"),
        Column("progress", T.BIGINT, "Measured value so far (orders, fen, score…).", "进度"),
        Column("target", T.BIGINT, "Value that completes the task.", "目标"),
        Column("completed_on", T.DATE, "Day the condition was met.", "完成日", nullable=True),
        Column("state", T.TEXT, "Task state.", "状态", choices=TASK_STATES),
        Column("status_label", T.TEXT, "Status earned (e.g. 北斗之星).", "称号", nullable=True),
        Column("as_of", T.DATE, "Last day the run read.", "统计截至"),
    ),
)

PROGRAM_REWARDS = Table(
    name="program_rewards",
    term_zh="计划奖励",
    description=(
        "Rewards granted by programmes, one row per task reward a shop earned. `amount_fen` is "
        "what was granted after caps and budgets; `held_fen` is what they held back. Coupons "
        "expire on `expires_on` (the liability is released then); cash has none."
    ),
    primary_key=("reward_id",),
    columns=(
        Column("reward_id", T.TEXT, "Deterministic id (programme, shop, task, reward).", "奖励ID"),
        Column("program", T.TEXT, "Programme rulebook.", "扶持计划"),
        Column("shop_id", T.TEXT, "Shop.", "店铺ID"),
        Column("task_id", T.TEXT, "Task that earned it.", "任务"),
        Column("rule_id", T.TEXT, "`program/task` that granted it.", "规则"),
        Column(
            "reward_kind",
            T.TEXT,
            "Reward kind.",
            "奖励类型",
            choices=("traffic_coupon", "ad_coupon", "commission_discount", "fee_waiver", "cash"),
        ),
        Column("requested_fen", T.MONEY, "The task's amount.", "应发金额", unit="fen"),
        Column("amount_fen", T.MONEY, "Granted amount.", "发放金额", unit="fen", minimum=0),
        Column("held_fen", T.MONEY, "Held back by caps or budgets.", "未发金额", unit="fen"),
        Column("limit_kind", T.TEXT, "What held it back.", "限制", choices=REWARD_LIMITS),
        Column("granted_on", T.DATE, "Grant day (the task's completion day).", "发放日"),
        Column(
            "expires_on",
            T.DATE,
            "First day a coupon is no longer usable; empty for cash.",
            "失效日",
            nullable=True,
        ),
    ),
)

PROGRAM_ORDER_SUBSIDIES = Table(
    name="program_order_subsidies",
    term_zh="订单补贴归属",
    description=(
        "Platform coupons on orders charged to a coupon-subsidy programme, in payment order "
        "until its budget is spent: `charged_fen` the programme funds, `unfunded_fen` what the "
        "budget or the per-order cap could not."
    ),
    primary_key=("program", "order_id"),
    index_key=False,
    columns=(
        Column("program", T.TEXT, "Programme rulebook.", "扶持计划"),
        Column("order_id", T.TEXT, "Order.", "订单号"),
        Column("shop_id", T.TEXT, "Shop.", "店铺ID"),
        Column("paid_at", T.TIMESTAMP, "Payment time.", "支付时间"),
        Column("coupon_fen", T.MONEY, "Platform coupon on the order.", "平台券", unit="fen"),
        Column("charged_fen", T.MONEY, "Charged to the programme.", "计划承担", unit="fen"),
        Column("unfunded_fen", T.MONEY, "Not covered by the programme.", "超预算", unit="fen"),
    ),
)

PROGRAM_TABLES: Final = (PROGRAM_TASKS, PROGRAM_REWARDS, PROGRAM_ORDER_SUBSIDIES)

PROGRAM_SIGNUPS = Table(
    name="program_signups",
    term_zh="计划报名",
    description=(
        "Merchants' sign-ups to growth programmes that need one (报名, e.g. in the 抖店 task "
        "centre). A programme with `signup_required` admits an eligible shop from the day it "
        "signed up."
    ),
    primary_key=("program", "shop_id"),
    load_after=("shops",),
    columns=(
        Column("program", T.TEXT, "Programme rulebook name.", "扶持计划"),
        Column("shop_id", T.TEXT, "Shop.", "店铺ID", references="shops.shop_id"),
        Column("signed_up_on", T.DATE, "Day the shop signed up.", "报名日期"),
    ),
)
"""An event table (input), declared here beside the programme outputs it feeds."""
