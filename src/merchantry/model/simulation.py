"""The simulator's output tables: one run's rows, keyed by ``run_id``.

All are keyed by ``run_id`` (derived from baseline, candidate and period), so a
re-run deletes and rewrites its own rows and never duplicates them. They are
created on first use (``simulate.tables.ensure_sim_tables``) rather than by
``store.warehouse.ensure_schema``, so a warehouse that never simulates stays free
of them; ``docs/data-model.md`` documents them with the others.
"""

from __future__ import annotations

from typing import Final

from merchantry.model.schema import Column, ColumnType, Table

T = ColumnType

SIM_RUNS = Table(
    name="sim_runs",
    term_zh="模拟运行",
    description="One row per simulation: the two rulebooks, the period and the parameters.",
    primary_key=("run_id",),
    columns=(
        Column("run_id", T.TEXT, "Run id: stable key of (baseline, candidate, period).", "运行ID"),
        Column("baseline", T.TEXT, "Rulebook the savings are measured from.", "基准规则版本"),
        Column("candidate", T.TEXT, "Rulebook being evaluated.", "候选规则版本"),
        Column("period_start", T.DATE, "First payment date of the orders replayed.", "开始日期"),
        Column("period_end", T.DATE, "Last payment date of the orders replayed.", "结束日期"),
        Column("params", T.TEXT, "Segment thresholds used, as JSON.", "分层参数"),
        Column("run_at", T.TIMESTAMP, "When the run was made (information only).", "运行时间"),
    ),
)

SIM_SUMMARY = Table(
    name="sim_summary",
    term_zh="模拟汇总",
    description="Headline figures of a run. Costs are merchant costs: paid minus received.",
    primary_key=("run_id",),
    columns=(
        Column("run_id", T.TEXT, "Run.", "运行ID"),
        Column("orders", T.BIGINT, "Orders replayed.", "订单数"),
        Column("shops", T.BIGINT, "Shops with orders in the period.", "店铺数"),
        Column("gmv_fen", T.MONEY, "GMV: amount paid by buyers.", "成交额", unit="fen"),
        Column(
            "baseline_cost_fen",
            T.MONEY,
            "Merchant cost under the baseline.",
            "基准商家成本",
            unit="fen",
        ),
        Column(
            "candidate_cost_fen",
            T.MONEY,
            "Merchant cost under the candidate.",
            "候选商家成本",
            unit="fen",
        ),
        Column(
            "saving_fen", T.MONEY, "Baseline cost minus candidate cost.", "商家节省", unit="fen"
        ),
        Column(
            "platform_baseline_fen",
            T.MONEY,
            "Platform net receipts under the baseline.",
            "基准平台净收入",
            unit="fen",
        ),
        Column(
            "platform_candidate_fen",
            T.MONEY,
            "Platform net receipts under the candidate.",
            "候选平台净收入",
            unit="fen",
        ),
        Column(
            "platform_giveup_fen",
            T.MONEY,
            "Platform baseline minus candidate receipts.",
            "平台让利",
            unit="fen",
        ),
        Column(
            "subsidy_baseline_fen",
            T.MONEY,
            "Paid by the platform under the baseline.",
            "基准平台补贴",
            unit="fen",
        ),
        Column(
            "subsidy_candidate_fen",
            T.MONEY,
            "Paid by the platform under the candidate.",
            "候选平台补贴",
            unit="fen",
        ),
        Column(
            "others_change_fen",
            T.MONEY,
            "Change in creators' and buyers' net receipts "
            "(platform give-up minus merchant saving).",
            "达人及消费者净变化",
            unit="fen",
        ),
        Column("shops_gain", T.BIGINT, "Shops whose cost falls.", "受益店铺数"),
        Column("shops_lose", T.BIGINT, "Shops whose cost rises.", "受损店铺数"),
        Column("shops_unchanged", T.BIGINT, "Shops whose cost is the same.", "不变店铺数"),
    ),
)

SIM_BY_LINE = Table(
    name="sim_by_line",
    term_zh="按政策拆分",
    description="Savings by policy line (the rule a difference is attributed to).",
    primary_key=("run_id", "line_rulebook", "line_id"),
    columns=(
        Column("run_id", T.TEXT, "Run.", "运行ID"),
        Column("line_id", T.TEXT, "Rule id, or `kind:<fee kind>` when no rule applies.", "政策项"),
        Column(
            "line_rulebook",
            T.TEXT,
            "Rulebook the rule belongs to (the candidate for fee-kind lines).",
            "规则版本",
        ),
        Column("title", T.TEXT, "Rule title (falls back to the rule id).", "政策名称"),
        Column("fee_kinds", T.TEXT, "Fee kinds affected, comma-separated.", "费用类型"),
        Column(
            "assumption",
            T.BOOL,
            "The rule's numbers are marked as assumptions.",
            "假设值",
            nullable=True,
        ),
        Column("lines", T.BIGINT, "Order × fee-kind lines whose cost changed.", "变动明细数"),
        Column("orders", T.BIGINT, "Orders affected.", "订单数"),
        Column("shops", T.BIGINT, "Shops affected.", "店铺数"),
        Column("saving_fen", T.MONEY, "Saving attributed to the line.", "节省", unit="fen"),
    ),
)

SIM_BY_SEGMENT = Table(
    name="sim_by_segment",
    term_zh="按商家分层",
    description="Savings by merchant segment, one row per dimension and segment.",
    primary_key=("run_id", "dimension", "segment"),
    columns=(
        Column("run_id", T.TEXT, "Run.", "运行ID"),
        Column(
            "dimension",
            T.TEXT,
            "Segmenting dimension: tenure, size, industry, store_type or scene.",
            "维度",
        ),
        Column("segment", T.TEXT, "Segment value.", "分层"),
        Column(
            "shops", T.BIGINT, "Shops in the segment (scene: shops with orders there).", "店铺数"
        ),
        Column("orders", T.BIGINT, "Orders.", "订单数"),
        Column("gmv_fen", T.MONEY, "GMV.", "成交额", unit="fen"),
        Column("baseline_cost_fen", T.MONEY, "Merchant cost, baseline.", "基准成本", unit="fen"),
        Column("candidate_cost_fen", T.MONEY, "Merchant cost, candidate.", "候选成本", unit="fen"),
        Column("saving_fen", T.MONEY, "Saving.", "节省", unit="fen"),
    ),
)

SIM_SHOP_SAVINGS = Table(
    name="sim_shop_savings",
    term_zh="店铺节省",
    description="Savings per shop with the shop's segments.",
    primary_key=("run_id", "shop_id"),
    columns=(
        Column("run_id", T.TEXT, "Run.", "运行ID"),
        Column("shop_id", T.TEXT, "Shop.", "店铺ID"),
        Column(
            "shop_name",
            T.TEXT,
            "Shop name (empty when the shop is unknown).",
            "店铺名称",
            nullable=True,
        ),
        Column("industry", T.TEXT, "Industry, or `unknown`.", "行业"),
        Column("store_type", T.TEXT, "Store type, or `unknown`.", "店铺类型"),
        Column("tenure", T.TEXT, "`new`, `established` or `unknown`.", "新老商家"),
        Column("size", T.TEXT, "`small`, `mid` or `key_account` by GMV in the period.", "商家规模"),
        Column("orders", T.BIGINT, "Orders in the period.", "订单数"),
        Column("gmv_fen", T.MONEY, "GMV in the period.", "成交额", unit="fen"),
        Column("baseline_cost_fen", T.MONEY, "Merchant cost, baseline.", "基准成本", unit="fen"),
        Column("candidate_cost_fen", T.MONEY, "Merchant cost, candidate.", "候选成本", unit="fen"),
        Column("saving_fen", T.MONEY, "Saving.", "节省", unit="fen"),
        Column(
            "saving_share_bp",
            T.BIGINT,
            "Saving as a share of GMV (empty when GMV is 0).",
            "节省占成交额",
            unit="bp",
            nullable=True,
        ),
    ),
)

SIM_DISTRIBUTION = Table(
    name="sim_distribution",
    term_zh="节省分布",
    description="Distribution of per-shop savings: percentiles and mean.",
    primary_key=("run_id", "measure", "statistic"),
    columns=(
        Column("run_id", T.TEXT, "Run.", "运行ID"),
        Column("measure", T.TEXT, "`saving_fen` or `saving_share_bp`.", "指标"),
        Column(
            "statistic",
            T.TEXT,
            "p10, p25, p50, p75, p90, p99, mean, or count (values described).",
            "统计量",
        ),
        Column("value", T.BIGINT, "Value, in the measure's unit.", "数值"),
    ),
)

SIM_LEDGER = Table(
    name="sim_ledger",
    term_zh="账期与赔付模拟",
    description=(
        "What each rulebook's ledger rules mean for the period's orders, computed the way a "
        "close would (same facts, same rule choice, scores as of the payment date): the "
        "settlement wait and the compensation the platform bears (减赔)."
    ),
    primary_key=("run_id", "side"),
    columns=(
        Column("run_id", T.TEXT, "Run.", "运行ID"),
        Column("side", T.TEXT, "baseline or candidate.", "方案", choices=("baseline", "candidate")),
        Column("rulebook", T.TEXT, "Rulebook.", "规则版本"),
        Column("settled_orders", T.BIGINT, "Orders a settlement-days rule covers.", "结算订单数"),
        Column(
            "settled_amount_fen", T.MONEY, "Amount paid on those orders.", "结算金额", unit="fen"
        ),
        Column(
            "fen_days",
            T.BIGINT,
            "Σ amount paid × settlement days (amount-weighted wait = fen_days / amount).",
            "金额×账期天数",
            unit="fen·day",
        ),
        Column(
            "compensation_cases",
            T.BIGINT,
            "Approved merchant-responsible cases with compensation on the period's orders.",
            "赔付单数",
        ),
        Column(
            "compensation_fen", T.MONEY, "Their compensation to buyers.", "赔付金额", unit="fen"
        ),
        Column(
            "platform_borne_fen",
            T.MONEY,
            "Part of it the compensation-reduction rule moves to the platform.",
            "平台承担赔付",
            unit="fen",
        ),
    ),
)

SIM_EFFECTS = Table(
    name="sim_effects",
    term_zh="资金影响",
    description=(
        "Every money effect of the candidate against the baseline, one row each: fees, "
        "insurance premiums, subsidies (from fee lines), compensation the platform bears, "
        "deposit deductions, and the cash-flow value of settlement days and deposits held "
        "(money held longer or shorter, valued at the run's annual cash rate). The headline "
        "is their sum."
    ),
    primary_key=("run_id", "effect"),
    columns=(
        Column("run_id", T.TEXT, "Run.", "运行ID"),
        Column(
            "effect",
            T.TEXT,
            "Which money effect.",
            "影响项",
            choices=(
                "fees",
                "insurance",
                "subsidies",
                "compensation",
                "deposit_deductions",
                "settlement_cash_flow",
                "deposit_cash_flow",
            ),
        ),
        Column(
            "baseline_fen", T.MONEY, "The effect's amount under the baseline.", "基准", unit="fen"
        ),
        Column(
            "candidate_fen", T.MONEY, "The effect's amount under the candidate.", "候选", unit="fen"
        ),
        Column(
            "merchant_gain_fen",
            T.MONEY,
            "What merchants gain under the candidate (negative: lose).",
            "商家得益",
            unit="fen",
        ),
        Column(
            "platform_cost_fen",
            T.MONEY,
            "What the platform gives up under the candidate (negative: gains).",
            "平台成本",
            unit="fen",
        ),
        Column("note", T.TEXT, "How it was valued, in plain words.", "说明", nullable=True),
    ),
)

SIM_RULEBOOKS = Table(
    name="sim_rulebooks",
    term_zh="模拟规则内容",
    description=(
        "The content each rulebook's stored results were computed from (rules, parameters, "
        "window), so a rulebook of the same name with other content is never priced over them "
        "silently."
    ),
    primary_key=("rulebook",),
    columns=(
        Column("rulebook", T.TEXT, "Rulebook name.", "规则版本"),
        Column("digest", T.TEXT, "Fingerprint of the content.", "内容指纹"),
        Column("content", T.TEXT, "The content, as JSON.", "内容"),
        Column("recorded_at", T.TIMESTAMP, "When it was recorded.", "记录时间"),
    ),
)

SIM_TABLES: Final[tuple[Table, ...]] = (
    SIM_RUNS,
    SIM_SUMMARY,
    SIM_BY_LINE,
    SIM_BY_SEGMENT,
    SIM_SHOP_SAVINGS,
    SIM_DISTRIBUTION,
    SIM_LEDGER,
    SIM_EFFECTS,
)
"""Tables holding one run's rows (keyed by ``run_id``)."""

ALL_SIM_TABLES: Final[tuple[Table, ...]] = (*SIM_TABLES, SIM_RULEBOOKS)
"""Every simulation table: the run tables and the rulebook contents they were priced from."""
