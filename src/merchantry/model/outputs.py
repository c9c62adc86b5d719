"""Tables the stages write (as opposed to the event tables they read).

Declared here, beside the event tables, because several stages and front ends
meet in them: the fee stage writes ``fee_lines``, the simulator and the
statements read them.
"""

from __future__ import annotations

from typing import Final

from merchantry.model.closes import LEDGER_CLOSE_MARKS
from merchantry.model.listings import LISTING_OUTPUTS
from merchantry.model.programs import PROGRAM_TABLES
from merchantry.model.reco import RECO_CLUSTERS
from merchantry.model.schema import Column, ColumnType, Table
from merchantry.model.score_outputs import SCORE_TABLES
from merchantry.model.seeding import SEEDING_TABLES

T = ColumnType

FEE_KINDS: Final = (
    "technical_service_fee",
    "affiliate_commission",
    "creator_service_fee",
    "colonel_service_fee",
    "colonel_technical_fee",
    "promotion_fee",
    "promotion_fee_refund",
    "insurance_premium",
    "coupon_subsidy",
    "fee_refund",
)
"""Kinds of fee line. Their business meaning is documented in ``docs/fees.md``."""

PAYERS: Final = ("merchant", "platform", "creator", "buyer", "colonel")

FEE_LINES = Table(
    name="fee_lines",
    term_zh="费用明细",
    description=(
        "One line per order and fee kind, per rulebook run. `amount_fen` is what `payer` pays "
        "`payee`; only refund kinds (`fee_refund`, `promotion_fee_refund`) are negative. "
        "`baseline_fen` is what the line would be without any waiver."
    ),
    primary_key=("rulebook", "order_id", "fee_kind"),
    index_key=False,
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
        Column(
            "paid_on",
            T.DATE,
            "Payment date of the order: the day of the fee run the line belongs to.",
            "支付日期",
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

_ANCHORED: Final = (
    "sale",
    "fee_refund",
    "refund",
    "compensation",
    "settlement",
    "commission_settlement",
    "colonel_settlement",
    "installation_hold",
    "installation_release",
)

ENTRY_KINDS: Final = (
    *_ANCHORED,
    "commission_reserve_release",
    "colonel_reserve_release",
    "commission_freeze",
    "commission_unfreeze",
    "deposit_opening",
    "deposit_topup",
    "deposit_release",
    "deposit_deduction",
    "deposit_penalty",
    "goods_freeze",
    "goods_freeze_release",
    "annual_fee",
    "reward",
    "seeding_payout",
    "seeding_clawback",
    "seeding_settlement",
    "reversal",
)
"""Kinds of journal entry. Their business meaning is documented in ``docs/ledger.md``."""

ANCHORED_KINDS: Final = frozenset(_ANCHORED)
"""Kinds whose entries (and postings) carry their order's payment day, ``order_paid_on``:
the close stages them with its payout schedule at hand, which gives the day. A reversal
carries the reversed entry's day; every other kind none."""

OVERTURN_KEY_PREFIX: Final = "overturn:"
LISTINGS_KEY_PREFIX: Final = "listings:"
WITHDRAWAL_KEY_PREFIX: Final = "withdrawal|"
REWARDS_KEY_PREFIX: Final = "rewards:"
SEEDING_KEY_PREFIX: Final = "seeding:"
APART_KEY_PREFIXES: Final = (
    OVERTURN_KEY_PREFIX,
    LISTINGS_KEY_PREFIX,
    WITHDRAWAL_KEY_PREFIX,
    REWARDS_KEY_PREFIX,
    SEEDING_KEY_PREFIX,
)
"""How the ``close_key`` of an entry posted apart from a period's close begins (each poster
uses its own constant above): an overturn's reversal, a listing penalty or freeze, a deposit
withdrawal, programme rewards or seeding payouts posted on their own (``merchantry programs
run``). Such entries do not make a shop
"posted by another close" for the deposit openings: the shop's first close of a period
still opens its deposit (``journal_shops`` holds period closes only)."""


ACCOUNTS: Final = (
    "buyers",
    "merchant_pending",
    "merchant_available",
    "merchant_held",
    "merchant_deposit",
    "merchant_funds",
    "payouts_clearing",
    "creator_payable",
    "creator_available",
    "creator_reserve",
    "creator_frozen",
    "colonel_payable",
    "colonel_available",
    "colonel_reserve",
    "platform_fee_revenue",
    "platform_ads_revenue",
    "platform_subsidy",
    "program_coupons",
    "platform_insurance",
    "platform_penalties",
    "logistics_claims",
)
"""Ledger accounts (with a party for per-shop and per-creator ones); see ``docs/ledger.md``."""

JOURNAL_ENTRIES = Table(
    name="journal_entries",
    term_zh="记账凭证",
    description=(
        "Append-only journal of the ledger stage: one row per entry. `entry_id` is the "
        "idempotency key (derived from the source event, kind and revision); corrections are "
        "`reversal` entries naming the entry they cancel in `reverses`, never edits. "
        "`entry_id` is unique by construction, checked by every close over the entries it "
        "posts and by `merchantry ledger-check` rather than indexed (the index cost the close "
        "more than its inserts)."
    ),
    primary_key=("entry_id",),
    index_key=False,
    columns=(
        Column("entry_id", T.TEXT, "Idempotency key of the entry (32 hex digits).", "凭证号"),
        Column(
            "logical_key",
            T.TEXT,
            "Key of the money event (kind and source); shared by its revisions.",
            "业务键",
        ),
        Column("revision", T.INT, "0 for the first posting of the event, then 1, 2, …", "版本"),
        Column("kind", T.TEXT, "Kind of entry.", "凭证类型", choices=ENTRY_KINDS),
        Column("source_id", T.TEXT, "Source event: order, case, violation or shop-month.", "来源"),
        Column("order_id", T.TEXT, "Order, when the entry is about one.", "订单号", nullable=True),
        Column("shop_id", T.TEXT, "Shop the entry concerns.", "店铺ID", nullable=True),
        Column("booked_on", T.DATE, "Business date of the entry.", "记账日期"),
        Column("rulebook", T.TEXT, "Rulebook the close ran under.", "规则版本"),
        Column("signature", T.TEXT, "Digest of the entry's content (legs, date, kind).", "摘要"),
        Column(
            "reverses",
            T.TEXT,
            "For a reversal: the entry it cancels.",
            "冲销凭证",
            nullable=True,
        ),
        Column("close_key", T.TEXT, "The close (rulebook and period) that posted it.", "结账批次"),
        Column(
            "order_paid_on",
            T.DATE,
            "Payment day of the entry's order (a reversal: the reversed entry's), which "
            "never changes, so every revision of an event carries the same day and a "
            "close's look-ups read only the journal of its orders' days. Set on sales, fee "
            "refunds, refunds, compensation, settlements and installation holds; NULL for "
            "entries about no order and for the other kinds.",
            "订单支付日",
            nullable=True,
        ),
    ),
)

JOURNAL_POSTINGS = Table(
    name="journal_postings",
    term_zh="记账分录",
    description=(
        "The legs of each journal entry. `amount_fen` is what the account receives (negative: "
        "what it gives); the legs of every entry sum to zero. Balances are sums of postings, "
        "never stored. (`entry_id`, `leg`) is unique by construction and checked by "
        "`merchantry ledger-check` rather than indexed (an index would cost the close a third)."
    ),
    primary_key=(),
    columns=(
        Column("entry_id", T.TEXT, "Entry.", "凭证号", references="journal_entries.entry_id"),
        Column("leg", T.INT, "Position of the leg in the entry, from 1.", "分录序号"),
        Column("account", T.TEXT, "Account.", "科目", choices=ACCOUNTS),
        Column(
            "party",
            T.TEXT,
            "Owner of the account: shop id, creator id, or empty for platform accounts.",
            "账户主体",
        ),
        Column("booked_on", T.DATE, "Business date (the entry's).", "记账日期"),
        Column("order_id", T.TEXT, "Order, when the entry is about one.", "订单号", nullable=True),
        Column(
            "amount_fen", T.MONEY, "Money into the account (negative: out).", "金额", unit="fen"
        ),
        Column(
            "rule_id", T.TEXT, "Rule (rulebook or ledger posting rule) behind the leg.", "规则ID"
        ),
        Column(
            "entry_kind",
            T.TEXT,
            "Kind of the money event the leg belongs to (for a reversal: the kind it reverses).",
            "业务类型",
            choices=ENTRY_KINDS,
        ),
        Column(
            "order_paid_on",
            T.DATE,
            "Payment day of the order, as on the leg's entry (`journal_entries.order_paid_on`): "
            "a close's look-ups of an order's postings (what a due order settles) read only "
            "the postings of the due orders' days and those without one.",
            "订单支付日",
            nullable=True,
        ),
    ),
)

JOURNAL_MOVEMENTS = Table(
    name="journal_movements",
    term_zh="日发生额",
    description=(
        "The postings summed by account, owner, business date and kind, one row for each "
        "batch of postings the journal appended (a close's entries, its reversals): an "
        "index of the journal that the close reads instead of every posting ever made, so "
        "a day's close does not grow with the history (the goods balances behind platform "
        "advances, the deposit balance). Appended in the same transaction as the postings, "
        "never edited; several rows may share a key (sum them). Not a balance: a balance is "
        "still a sum, of these rows. `merchantry ledger-check` proves it equals the "
        "postings; a warehouse made before it existed is filled from them when opened for "
        "writing (read-only, it reads a view of the same sums)."
    ),
    primary_key=(),
    columns=(
        Column("account", T.TEXT, "Account.", "科目", choices=ACCOUNTS),
        Column("party", T.TEXT, "Owner of the account (as in the postings).", "账户主体"),
        Column("booked_on", T.DATE, "Business date of the postings.", "记账日期"),
        Column(
            "entry_kind",
            T.TEXT,
            "Kind of the money event (for a reversal: the kind it reverses).",
            "业务类型",
            choices=ENTRY_KINDS,
        ),
        Column("amount_fen", T.MONEY, "The postings' sum (negative: out).", "发生额", unit="fen"),
        Column("postings", T.BIGINT, "How many postings the row sums.", "分录数"),
    ),
)

JOURNAL_BALANCES = Table(
    name="journal_balances",
    term_zh="期初余额",
    description=(
        "Opening balances: for the first day of a month (`as_of`), each account's sum of "
        "the movements booked before that day, so that a balance the close reads (the "
        "deposit, the goods payment behind top-ups and advances) is these rows plus the "
        "movements since, not every movement ever booked. Made by the close the first time "
        "it needs a month's; every later batch of movements booked before a month's day "
        "(a correction of an earlier day) is added to that month's rows in the same "
        "transaction. Appended, never edited; several rows may share a key (sum them). "
        "`merchantry ledger-check` proves each month's rows equal the movements before it."
    ),
    primary_key=(),
    columns=(
        Column("account", T.TEXT, "Account.", "科目", choices=ACCOUNTS),
        Column("party", T.TEXT, "Owner of the account (as in the postings).", "账户主体"),
        Column(
            "as_of",
            T.DATE,
            "First day of the month: the rows sum the movements booked before it.",
            "期初日",
        ),
        Column(
            "amount_fen", T.MONEY, "Balance before `as_of` (negative: out).", "期初余额", unit="fen"
        ),
        Column(
            "last_on",
            T.DATE,
            "Last business day before `as_of` on which money moved in the account.",
            "最后发生日",
        ),
        Column(
            "opening",
            T.BOOL,
            "true: the month's balances as first made; false: a later correction added to them.",
            "是否期初",
        ),
    ),
)

JOURNAL_SHOPS = Table(
    name="journal_shops",
    term_zh="商家记账索引",
    description=(
        "Every shop a period's close posted entries for, with the close: one row for a shop "
        "posted by one close, two (two of its closes) for a shop posted by more; never more. "
        "Entries posted apart from a close (an overturn's reversal, a listing penalty, a "
        "withdrawal, rewards or seeding posted on their own) are not indexed. An index of "
        "the journal the close reads instead of every entry's shop to ask whether a shop was "
        "posted by another close (a deposit is opened by the first period close that posts "
        "anything for its shop), so a day "
        "on which new shops join does not read the whole history. Appended with every batch "
        "of entries the journal inserts, in the same transaction, never edited; a warehouse "
        "made before it existed is filled "
        "from the entries when opened for writing (read-only, it reads a view of the same "
        "query). `merchantry ledger-check` proves it agrees with the entries."
    ),
    primary_key=(),
    columns=(
        Column("shop_id", T.TEXT, "Shop the entries are for.", "店铺ID"),
        Column(
            "close_key",
            T.TEXT,
            "A close that posted entries for the shop (`journal_entries.close_key`).",
            "结账批次",
        ),
    ),
)

ORDER_PAYOUTS = Table(
    name="order_payouts",
    term_zh="订单结算计划",
    description=(
        "Expected payout date of every order up to the last close (账期): receipt date "
        "(confirmed, or auto-confirmed by rule), settlement days, holds for open after-sales "
        "cases. Amounts are not stored: they are sums of the order's pending postings. One row "
        "per order by construction (checked by `merchantry ledger-check`, not indexed)."
    ),
    primary_key=(),
    columns=(
        Column("order_id", T.TEXT, "Order.", "订单号"),
        Column("shop_id", T.TEXT, "Shop.", "店铺ID"),
        Column("creator_id", T.TEXT, "Affiliate creator, if any.", "达人ID", nullable=True),
        Column("rulebook", T.TEXT, "Rulebook of the close that scheduled it.", "规则版本"),
        Column("paid_on", T.DATE, "Payment date.", "支付日期"),
        Column(
            "receipt_on", T.DATE, "Receipt date (confirmed or auto).", "确认收货日期", nullable=True
        ),
        Column(
            "receipt_source",
            T.TEXT,
            "confirmed (receipt_confirmed event), auto (rule from delivery) or none yet.",
            "收货确认方式",
            choices=("confirmed", "auto", "none"),
        ),
        Column("receipt_rule_id", T.TEXT, "Auto-confirm rule used.", "自动确认规则", nullable=True),
        Column("settlement_days", T.INT, "Days after receipt.", "账期天数", nullable=True),
        Column("settle_rule_id", T.TEXT, "Settlement-days rule.", "账期规则", nullable=True),
        Column(
            "held_until",
            T.DATE,
            "Latest close date of a holding case.",
            "售后冻结至",
            nullable=True,
        ),
        Column(
            "held_by", T.TEXT, "Case holding the money (open case).", "冻结售后单", nullable=True
        ),
        Column(
            "settle_on",
            T.DATE,
            "Expected payout date; empty while unknown.",
            "预计结算日期",
            nullable=True,
        ),
        Column(
            "commission_settle_on",
            T.DATE,
            "When the creator's commission settles (affiliate orders).",
            "佣金结算日期",
            nullable=True,
        ),
        Column(
            "settle_delay_rule_id",
            T.TEXT,
            "Settlement-delay rule adding business days (cross-border), if any.",
            "结算顺延规则",
            nullable=True,
        ),
        Column(
            "install_hold_rule_id",
            T.TEXT,
            "Installation-hold rule (安装冻结) keeping part of the settled payment back; empty "
            "when nothing is held past the settlement date.",
            "安装冻结规则",
            nullable=True,
        ),
        Column(
            "install_released_on",
            T.DATE,
            "When the installation hold is released (the end of the after-sales period).",
            "安装冻结解冻日期",
            nullable=True,
        ),
        Column(
            "status",
            T.TEXT,
            "awaiting_receipt, held (open case), scheduled or settled (by the close's end date).",
            "状态",
            choices=("awaiting_receipt", "held", "scheduled", "settled"),
        ),
    ),
)

DEPOSIT_REQUIREMENTS = Table(
    name="deposit_requirements",
    term_zh="保证金应缴",
    description=(
        "Deposit each shop owes per month, from the rulebook's tiers and last calendar "
        "month's paid GMV, effective on the review day."
    ),
    primary_key=("shop_id", "month"),
    columns=(
        Column("shop_id", T.TEXT, "Shop.", "店铺ID"),
        Column("month", T.DATE, "First day of the month.", "月份"),
        Column("effective_on", T.DATE, "Review date the amount applies from.", "生效日期"),
        Column("gmv_fen", T.MONEY, "Paid GMV of the previous month.", "上月支付GMV", unit="fen"),
        Column("required_fen", T.MONEY, "Deposit owed.", "应缴保证金", unit="fen"),
        Column("rule_id", T.TEXT, "Deposit tier rule.", "规则ID", nullable=True),
        Column("rulebook", T.TEXT, "Rulebook.", "规则版本"),
    ),
)

OVERTURNED_ENTRIES = Table(
    name="overturned_entries",
    term_zh="撤销处罚记录",
    description=(
        "Journal entries whose decision a risk case overturned (written by the risk stage, one "
        "row per case). The ledger reverses the money event (every revision of the entry's "
        "`logical_key`) on `booked_on` with `merchantry.ledger.apply_overturns`, and its closes "
        "never post that event again, so the reversal sticks."
    ),
    primary_key=("case_id",),
    columns=(
        Column("case_id", T.TEXT, "Risk case that was overturned.", "风控案件号"),
        Column(
            "entry_id",
            T.TEXT,
            "Journal entry the case's decision posted.",
            "凭证号",
            references="journal_entries.entry_id",
        ),
        Column("booked_on", T.DATE, "Business date of the overturn (the reversal's).", "撤销日期"),
        Column("reason", T.TEXT, "Why the decision was overturned (the reviewer's note).", "原因"),
    ),
)

JOURNAL_UNDATED = Table(
    name="journal_undated",
    term_zh="无付款日分录索引",
    description=(
        "Every entry of a kind that carries its order's payment day (`ANCHORED_KINDS`: "
        "sales, refunds, settlements, …) posted without one, because the close's payout "
        "schedule did not hold its order, and every reversal of such an entry. Empty in a "
        "journal whose orders the close always scheduled, which is the usual case. The "
        "close's look-ups by logical key and the settlement's sums read only the journal of "
        "the orders' payment days when this index is empty, and the entries without a day "
        "as well (every row group of the journal) only when it is not, so a day's close "
        "does not read the whole history to find entries that are not there. Appended with "
        "every batch of entries the journal inserts, in the same transaction, never "
        "edited; a warehouse made before it existed is filled from the entries when opened "
        "for writing (read-only, it reads a view of the same query). Every close checks "
        "that the entries it posted without a day are indexed, and `merchantry "
        "ledger-check` that the index agrees with the entries."
    ),
    primary_key=(),
    columns=(
        Column("entry_id", T.TEXT, "The entry (`journal_entries.entry_id`).", "分录ID"),
        Column(
            "logical_key",
            T.TEXT,
            "Its logical key (`journal_entries.logical_key`).",
            "逻辑键",
        ),
        Column("kind", T.TEXT, "Its kind (`journal_entries.kind`).", "分录类型"),
    ),
)

JOURNAL_DAYLESS = Table(
    name="journal_dayless",
    term_zh="无付款日分录头",
    description=(
        "The header of every entry that carries no order payment day (`order_paid_on` "
        "empty): deposits, rewards, annual fees, seeding, listing penalties, the rare order "
        "event posted without its day, and the reversals of all of these. One entry in a "
        "hundred to one in twelve: more where growth programmes pay order subsidies or "
        "affiliate reserves are held, entries per order that carry no day. The look-ups by "
        "logical key of the stages "
        "whose entries carry no day, and the close's check that no entry id was posted "
        "twice, read this table for those entries instead of every row group of the journal, "
        "so their cost follows how many such entries there are, not how many orders were "
        "ever booked. Appended with every batch of entries the journal inserts, in the same "
        "transaction, never edited; a warehouse made before it existed is filled from the "
        "entries when opened for writing (read-only, it reads a view of the same query). "
        "Every close checks that the entries it posted without a day are here, and "
        "`merchantry ledger-check` that the table agrees with the entries."
    ),
    primary_key=(),
    columns=(
        Column("entry_id", T.TEXT, "The entry (`journal_entries.entry_id`).", "分录ID"),
        Column("logical_key", T.TEXT, "Its logical key.", "逻辑键"),
        Column("kind", T.TEXT, "Its kind.", "分录类型"),
        Column("booked_on", T.DATE, "Its business date.", "记账日期"),
        Column("rulebook", T.TEXT, "The rulebook its close ran under.", "规则版本"),
        Column("signature", T.TEXT, "Its digest (`journal_entries.signature`).", "摘要"),
        Column(
            "reverses",
            T.TEXT,
            "The entry it reverses, for a reversal.",
            "冲销对象",
            nullable=True,
        ),
    ),
)

OUTPUT_TABLES: Final[tuple[Table, ...]] = (
    FEE_LINES,
    RULEBOOK_RULES,
    JOURNAL_ENTRIES,
    JOURNAL_POSTINGS,
    JOURNAL_MOVEMENTS,
    JOURNAL_BALANCES,
    JOURNAL_SHOPS,
    JOURNAL_UNDATED,
    JOURNAL_DAYLESS,
    ORDER_PAYOUTS,
    DEPOSIT_REQUIREMENTS,
    OVERTURNED_ENTRIES,
    *SCORE_TABLES,
    RECO_CLUSTERS,
    *PROGRAM_TABLES,
    *SEEDING_TABLES,
    LEDGER_CLOSE_MARKS,
    *LISTING_OUTPUTS,
)
