"""The marketplace event tables.

This is the single declaration of Merchantry's input model. Times are the
marketplace's local wall-clock time (its zone is in the ``marketplace`` table,
e.g. Asia/Shanghai or America/Sao_Paulo); money is integer minor units of the
marketplace's currency ("fen"; centavos for a BRL marketplace); rates are
integer basis points (1 bp = 0.01%). ``docs/data-model.md`` is generated from
this module (``python -m merchantry.model.docs``) and a test keeps it in step.
"""

from __future__ import annotations

from typing import Final

from merchantry.kit.settings import CURRENCIES
from merchantry.model.coupons import COUPON_SPENDS
from merchantry.model.creators import CREATOR_VIOLATIONS, ORDER_COLONEL_FEES
from merchantry.model.cs import CS_TABLES, SESSION_NOTES
from merchantry.model.listings import LISTING_TABLES
from merchantry.model.programs import PROGRAM_SIGNUPS
from merchantry.model.reco import PRODUCT_PROFILES
from merchantry.model.schema import (
    Column,
    ColumnType,
    EventSequence,
    RowCheck,
    Table,
    TimeOrder,
)

T = ColumnType

CURRENCY_CODES: Final = tuple(CURRENCIES)

STORE_TYPES: Final = ("personal", "enterprise", "flagship")
STORE_SUBTYPES: Final = ("specialty", "franchise", "ordinary")
INSTALLATION_MODES: Final = ("merchant", "partner", "none")
AFFILIATE_PLANS: Final = (
    "colonel",
    "hosted_colonel",
    "designated",
    "shop_targeted",
    "platform_campaign",
    "pure_commission",
    "crowd_selected",
    "all_creators",
)
ENTRY_PLANS: Final = ("standard", "zero_deposit")
BUSINESS_MODES: Final = ("domestic", "cross_border", "instant_retail")
SHOP_TAGS: Final = (
    "industry_belt",
    "intangible_heritage",
    "treasure_shop",
    "new_merchant",
    "small_merchant",
    "brand",
    "rural",
)
SCENES: Final = ("live", "short_video", "product_card", "search", "mall")
ENTRY_POINTS: Final = ("douyin_app", "douyin_lite", "mall_tab", "mall_app", "doubao", "other")
AD_PRODUCTS: Final = ("qianchuan_chengfang", "qianchuan_omni", "qianchuan_standard", "search_ads")
INSURANCE_TYPES: Final = ("small", "small_upgraded", "bulky")
INSURERS: Final = ("merchant", "creator", "platform", "buyer")
CREATOR_TIERS: Final = ("A", "B+", "B", "C", "D")
LOGISTICS_EVENTS: Final = ("shipped", "picked_up", "delivered", "receipt_confirmed")
AFTER_SALES_TYPES: Final = ("refund_only", "return_refund", "exchange")
REASON_CODES: Final = (
    "quality",
    "not_as_described",
    "wrong_size",
    "damaged",
    "wrong_item",
    "late_delivery",
    "fake_product",
    "changed_mind",
    "other",
)
OUTCOMES: Final = ("open", "approved", "rejected", "withdrawn")
PARTIES: Final = ("merchant", "logistics", "buyer", "platform", "undetermined")
VIOLATION_KINDS: Final = (
    "abnormal_return_address",
    "refused_invoice",
    "refused_after_sales",
    "mocking_consumer",
    "brushing",
    "fake_review",
    "false_advertising",
    "fraudulent_shipping",
    "brand_confusion",
    "counterfeit",
)
SERVICE_KINDS: Final = (
    "remote_area_logistics",
    "return_insurance",
    "bulky_return_insurance",
    "onsite_installation",
    "delivery_installation",
    "free_old_item_removal",
    "pet_doctor",
    "sf_free_shipping",
    "free_size_exchange",
)
"""Services a shop can switch on (shop_services.service); the characteristic services of
Taobao's industry bonus items and Douyin's logistics bonuses. Meanings in docs/scoring.md."""

MARKETPLACE = Table(
    name="marketplace",
    term_zh="平台（市场）设置",
    description=(
        "The marketplace the warehouse holds: one row. Its currency is the unit of every "
        "`*_fen` column (minor units: fen for CNY, centavos for BRL) and the one every amount "
        "is shown in; its time zone is the zone of every `TIMESTAMP`/`DATE` column, which hold "
        "local wall-clock time. With no row, the marketplace is taken to be a Chinese one "
        "(CNY, Asia/Shanghai). See `merchantry.kit.settings`."
    ),
    primary_key=("marketplace_id",),
    columns=(
        Column("marketplace_id", T.TEXT, "Marketplace code, e.g. `douyin`, `olist`.", "平台"),
        Column("name", T.TEXT, "Display name.", "平台名称"),
        Column(
            "currency",
            T.TEXT,
            "ISO 4217 currency code of every amount.",
            "结算币种",
            choices=CURRENCY_CODES,
        ),
        Column(
            "time_zone",
            T.TEXT,
            "IANA time zone of every stored time, e.g. `Asia/Shanghai`.",
            "时区",
        ),
    ),
)

CATEGORIES = Table(
    name="categories",
    term_zh="类目",
    description="Product categories, a tree; leaf categories carry the after-sales period.",
    primary_key=("category_id",),
    columns=(
        Column("category_id", T.TEXT, "Category id.", "类目ID"),
        Column("name", T.TEXT, "Category name (Chinese).", "类目名称"),
        Column(
            "industry", T.TEXT, "Industry code the category belongs to (e.g. `apparel`).", "行业"
        ),
        Column(
            "parent_id",
            T.TEXT,
            "Parent category; empty for a top-level category.",
            "父类目",
            nullable=True,
            references="categories.category_id",
        ),
        Column(
            "after_sales_days",
            T.INT,
            "After-sales period of the category.",
            "售后期",
            unit="days",
            minimum=0,
            maximum=3650,
        ),
    ),
)

SHOPS = Table(
    name="shops",
    term_zh="店铺",
    description="Merchants' shops.",
    primary_key=("shop_id",),
    load_after=("categories",),
    columns=(
        Column("shop_id", T.TEXT, "Shop id.", "店铺ID"),
        Column("name", T.TEXT, "Shop name.", "店铺名称"),
        Column(
            "industry",
            T.TEXT,
            "Experience-score industry of the shop (main category's).",
            "体验分行业",
        ),
        Column(
            "main_category_id",
            T.TEXT,
            "Main category of the shop.",
            "主营类目",
            references="categories.category_id",
        ),
        Column("store_type", T.TEXT, "Store type.", "店铺类型", choices=STORE_TYPES),
        Column("opened_date", T.DATE, "Date the shop joined the platform.", "入驻日期"),
        Column("region", T.TEXT, "Province (or region) of the shop.", "所在地区"),
        Column("county_code", T.TEXT, "Six-digit administrative county code.", "县级行政区划代码"),
        Column(
            "tags",
            T.TEXT_LIST,
            "Programme tags, from: " + ", ".join(SHOP_TAGS) + ".",
            "店铺标签",
            nullable=True,
            choices=SHOP_TAGS,
        ),
        Column(
            "entry_plan",
            T.TEXT,
            "How the shop entered: standard or zero-deposit entry.",
            "入驻方式（0元入驻）",
            choices=ENTRY_PLANS,
        ),
        Column(
            "business_mode",
            T.TEXT,
            "Domestic, cross-border (全球购) or instant retail.",
            "经营模式",
            choices=BUSINESS_MODES,
        ),
        Column(
            "store_subtype",
            T.TEXT,
            "Kind of enterprise store below the flagship: specialty (专营店, several brands of "
            "one category), franchise (专卖店, one brand under licence) or ordinary (普通企业店). "
            "Empty when not recorded.",
            "企业店类型（专营店/专卖店）",
            nullable=True,
            choices=STORE_SUBTYPES,
        ),
    ),
)

PRODUCTS = Table(
    name="products",
    term_zh="商品（SKU）",
    description="Products (one row per SKU).",
    primary_key=("sku_id",),
    load_after=("shops", "categories"),
    columns=(
        Column("sku_id", T.TEXT, "SKU id.", "SKU ID"),
        Column("shop_id", T.TEXT, "Shop selling the SKU.", "店铺ID", references="shops.shop_id"),
        Column(
            "category_id", T.TEXT, "Leaf category.", "类目ID", references="categories.category_id"
        ),
        Column("title", T.TEXT, "Listing title (Chinese).", "商品标题"),
        Column("price_fen", T.MONEY, "List price.", "售价", unit="fen", minimum=0),
        Column(
            "image_refs",
            T.TEXT_LIST,
            "References to the listing's images.",
            "商品主图",
            nullable=True,
        ),
    ),
)

CREATORS = Table(
    name="creators",
    term_zh="达人",
    description="Creators (达人) who promote products through the affiliate programme.",
    primary_key=("creator_id",),
    columns=(
        Column("creator_id", T.TEXT, "Creator id.", "达人ID"),
        Column("name", T.TEXT, "Display name.", "达人昵称"),
        Column(
            "tier",
            T.TEXT,
            "Monthly operating rating; sets the creator service-fee rate.",
            "达人经营评级",
            choices=CREATOR_TIERS,
        ),
        Column("followers", T.INT, "Follower count.", "粉丝数", minimum=0),
    ),
)

ORDERS = Table(
    name="orders",
    term_zh="订单",
    description="Paid orders, one SKU line each.",
    primary_key=("order_id",),
    load_after=("shops", "products", "creators"),
    columns=(
        Column("order_id", T.TEXT, "Order id.", "订单号"),
        Column("shop_id", T.TEXT, "Selling shop.", "店铺ID", references="shops.shop_id"),
        Column("buyer_id", T.TEXT, "Buyer account id.", "买家ID"),
        Column("sku_id", T.TEXT, "SKU bought.", "SKU ID", references="products.sku_id"),
        Column("quantity", T.INT, "Units bought.", "购买数量", minimum=1, maximum=100_000),
        Column("paid_at", T.TIMESTAMP, "Payment time.", "支付时间"),
        Column(
            "goods_fen",
            T.MONEY,
            "Goods value before any coupon (price × quantity).",
            "商品金额",
            unit="fen",
            minimum=0,
        ),
        Column(
            "shipping_fen", T.MONEY, "Shipping charged to the buyer.", "运费", unit="fen", minimum=0
        ),
        Column(
            "platform_coupon_fen",
            T.MONEY,
            "Discount from platform-funded coupons.",
            "平台券（平台补贴）",
            unit="fen",
            minimum=0,
        ),
        Column(
            "merchant_coupon_fen",
            T.MONEY,
            "Discount from merchant-funded coupons.",
            "商家券",
            unit="fen",
            minimum=0,
        ),
        Column(
            "amount_paid_fen",
            T.MONEY,
            "What the buyer paid: goods + shipping − platform coupon − merchant coupon.",
            "实付金额",
            unit="fen",
            minimum=0,
        ),
        Column(
            "scene",
            T.TEXT,
            "Where the sale happened.",
            "成交场景（直播/短视频/商品卡…）",
            choices=SCENES,
        ),
        Column(
            "entry_point",
            T.TEXT,
            "App surface the buyer came from.",
            "成交入口/渠道",
            choices=ENTRY_POINTS,
        ),
        Column(
            "ad_product",
            T.TEXT,
            "Ad product that drove the order; empty if organic.",
            "广告产品（千川·乘方等）",
            nullable=True,
            choices=AD_PRODUCTS,
        ),
        Column(
            "ad_cost_fen",
            T.MONEY,
            "Ad spend attributed to this order (promotion fee).",
            "推广费",
            unit="fen",
            minimum=0,
        ),
        Column(
            "creator_id",
            T.TEXT,
            "Affiliate creator who promoted the sale; empty if none.",
            "带货达人",
            nullable=True,
            references="creators.creator_id",
        ),
        Column(
            "commission_rate_bp",
            T.INT,
            "Affiliate daily commission rate offered.",
            "联盟佣金率（日常）",
            unit="bp",
            nullable=True,
            minimum=0,
            maximum=9_000,
        ),
        Column(
            "ad_commission_rate_bp",
            T.INT,
            "Affiliate ad-period rate (dual commission); empty if not offered.",
            "投广双佣金（投广期佣金率）",
            unit="bp",
            nullable=True,
            minimum=0,
            maximum=9_000,
        ),
        Column(
            "insurance_type",
            T.TEXT,
            "Return-shipping insurance bought; empty if none.",
            "运费险类型",
            nullable=True,
            choices=INSURANCE_TYPES,
        ),
        Column(
            "insured_by",
            T.TEXT,
            "Who bought the insurance.",
            "运费险投保方",
            nullable=True,
            choices=INSURERS,
        ),
        Column(
            "is_gift",
            T.BOOL,
            "Gift or lucky-bag order (excluded from waivers and scores).",
            "赠品/福袋订单",
        ),
        Column("buyer_device_hash", T.TEXT, "Hash of the buyer's device id.", "设备指纹（哈希）"),
        Column("buyer_phone_hash", T.TEXT, "Hash of the buyer's phone number.", "手机号（哈希）"),
        Column(
            "buyer_address_hash",
            T.TEXT,
            "Hash of the normalised delivery address.",
            "收货地址（哈希）",
        ),
        Column("buyer_payment_hash", T.TEXT, "Hash of the payment account.", "支付账户（哈希）"),
        Column(
            "ship_to_region",
            T.TEXT,
            "Province (or region) of the delivery address; "
            "remote regions (e.g. 新疆, 西藏, 青海) take longer to reach.",
            "收货省份",
            nullable=True,
        ),
        Column(
            "ship_by_at",
            T.TIMESTAMP,
            "Promised ship-by time: the latest carrier pickup the platform promised (Douyin "
            "in-stock goods: 23:59:59 of the day after payment; Taobao: 48 h or the shop's "
            "declared time; Olist `shipping_limit_date`). Late shipping is measured against "
            "it (view `order_fulfilment`); empty when no promise was made.",
            "承诺发货时间",
            unit="local time",
            nullable=True,
        ),
        Column(
            "promised_delivery_at",
            T.TIMESTAMP,
            "Promised or estimated delivery time shown to the buyer at checkout "
            "(承诺送达/预计送达; Olist `order_estimated_delivery_date`). Late delivery is "
            "measured against it (view `order_fulfilment`); empty when none was given.",
            "承诺送达时间（预计送达时间）",
            unit="local time",
            nullable=True,
        ),
        Column(
            "parent_order_id",
            T.TEXT,
            "The checkout (parent order) this line belongs to: lines bought together share it "
            "(Olist: the Olist `order_id`, whose items become lines). Empty when the line was "
            "its own checkout. Count distinct `coalesce(parent_order_id, order_id)` per shop for "
            "a shop's orders as the buyer placed them.",
            "父订单号（主订单）",
            nullable=True,
        ),
        Column(
            "payment_difference_fen",
            T.MONEY,
            "What the buyer paid beyond goods + shipping − coupons: instalment interest the "
            "buyer bears (positive) or the payment provider's rounding (either sign). "
            "Not the shop's revenue. Empty means 0.",
            "分期手续费及支付差额",
            unit="fen",
            nullable=True,
        ),
        Column(
            "affiliate_plans",
            T.TEXT_LIST,
            "Affiliate (精选联盟) plans the product was in for this creator when the sale was "
            "made, from: " + ", ".join(AFFILIATE_PLANS) + ". The platform settles the sale "
            "under the highest-priority one; `commission_rate_bp` is that plan's rate. Empty "
            "when not recorded.",
            "推广计划类型",
            nullable=True,
            choices=AFFILIATE_PLANS,
        ),
        Column(
            "installation",
            T.TEXT,
            "Installation promised with the product: merchant (商家安装, the merchant installs), "
            "partner (上门安装/送装一体 by a platform partner) or none (不提供安装). Empty when "
            "not recorded.",
            "安装模式",
            nullable=True,
            choices=INSTALLATION_MODES,
        ),
        Column(
            "qic_inspected",
            T.BOOL,
            "The order goes through the platform's QIC inspection (QIC质检订单: the goods pass "
            "an inspection centre before reaching the buyer); Douyin then allows 48 hours from "
            "payment for the pickup. Empty when not recorded (read as not inspected).",
            "QIC质检订单",
            nullable=True,
        ),
    ),
    row_checks=(
        RowCheck(
            "amount_identity",
            "amount_paid_fen = goods_fen + shipping_fen - platform_coupon_fen"
            " - merchant_coupon_fen + coalesce(payment_difference_fen, 0)",
            "amount_paid_fen",
            "amount_paid_fen must equal goods_fen + shipping_fen - platform_coupon_fen"
            " - merchant_coupon_fen + payment_difference_fen",
        ),
        RowCheck(
            "insurer_needs_insurance",
            "(insurance_type IS NULL) = (insured_by IS NULL)",
            "insured_by",
            "insured_by must be set exactly when insurance_type is set",
        ),
        RowCheck(
            "commission_needs_creator",
            "creator_id IS NOT NULL"
            " OR (commission_rate_bp IS NULL AND ad_commission_rate_bp IS NULL)",
            "commission_rate_bp",
            "a commission rate needs a creator_id",
        ),
    ),
)

LOGISTICS = Table(
    name="logistics_events",
    term_zh="物流事件",
    description="Fulfilment milestones of an order, one row per event.",
    primary_key=("order_id", "event"),
    load_after=("orders",),
    columns=(
        Column("order_id", T.TEXT, "Order.", "订单号", references="orders.order_id"),
        Column(
            "event",
            T.TEXT,
            "Milestone: shipped (发货), picked_up (揽收), delivered (签收), "
            "receipt_confirmed (确认收货).",
            "物流节点",
            choices=LOGISTICS_EVENTS,
        ),
        Column("event_at", T.TIMESTAMP, "When it happened.", "发生时间"),
        Column(
            "auto_confirmed",
            T.BOOL,
            "For receipt_confirmed: confirmed by the system "
            "after the waiting period rather than by the buyer.",
            "系统自动确认收货",
            nullable=True,
        ),
        Column("carrier", T.TEXT, "Courier company.", "快递公司", nullable=True),
    ),
    time_order=(TimeOrder("orders.paid_at", "event_at", via="order_id"),),
    sequence=EventSequence("order_id", "event", "event_at", LOGISTICS_EVENTS),
)

AFTER_SALES = Table(
    name="after_sales",
    term_zh="售后单",
    description="After-sales cases: refunds, returns and exchanges.",
    primary_key=("case_id",),
    load_after=("orders",),
    columns=(
        Column("case_id", T.TEXT, "After-sales case id.", "售后单号"),
        Column("order_id", T.TEXT, "Order.", "订单号", references="orders.order_id"),
        Column("requested_at", T.TIMESTAMP, "When the buyer asked.", "申请时间"),
        Column(
            "type",
            T.TEXT,
            "refund_only (仅退款), return_refund (退货退款), exchange (换货).",
            "售后类型",
            choices=AFTER_SALES_TYPES,
        ),
        Column("reason_code", T.TEXT, "Reason the buyer picked.", "售后原因", choices=REASON_CODES),
        Column("reason_text", T.TEXT, "The buyer's own words.", "问题描述", nullable=True),
        Column(
            "evidence_images",
            T.TEXT_LIST,
            "References to the buyer's evidence photos.",
            "凭证图片",
            nullable=True,
        ),
        Column(
            "amount_fen",
            T.MONEY,
            "Amount asked for (refunded when approved).",
            "退款金额",
            unit="fen",
            minimum=0,
        ),
        Column(
            "compensation_fen",
            T.MONEY,
            "Compensation paid on top of the refund (e.g. for late shipment or loss).",
            "赔付金额",
            unit="fen",
            minimum=0,
        ),
        Column("outcome", T.TEXT, "State or result of the case.", "处理结果", choices=OUTCOMES),
        Column(
            "responsible_party",
            T.TEXT,
            "Who the platform held responsible.",
            "责任方",
            choices=PARTIES,
        ),
        Column(
            "closed_at",
            T.TIMESTAMP,
            "When the case closed; empty while open.",
            "完结时间",
            nullable=True,
        ),
        Column(
            "escalated",
            T.BOOL,
            "The buyer escalated to the platform (arbitration, complaint).",
            "平台介入/求助",
        ),
    ),
    time_order=(
        TimeOrder("orders.paid_at", "requested_at", via="order_id"),
        TimeOrder("requested_at", "closed_at"),
    ),
    row_checks=(
        RowCheck(
            "closed_when_done",
            "(outcome = 'open') = (closed_at IS NULL)",
            "closed_at",
            "closed_at must be empty exactly when outcome is open",
        ),
    ),
)

REVIEWS = Table(
    name="reviews",
    term_zh="评价",
    description="Buyer reviews of orders.",
    primary_key=("review_id",),
    load_after=("orders",),
    columns=(
        Column("review_id", T.TEXT, "Review id.", "评价ID"),
        Column("order_id", T.TEXT, "Order reviewed.", "订单号", references="orders.order_id"),
        Column(
            "rating",
            T.INT,
            "Product rating (as described), 1–5 stars.",
            "商品评分",
            unit="stars",
            minimum=1,
            maximum=5,
        ),
        Column(
            "logistics_rating",
            T.INT,
            "Logistics rating, 1–5 stars.",
            "物流评分",
            unit="stars",
            nullable=True,
            minimum=1,
            maximum=5,
        ),
        Column("text", T.TEXT, "Review text.", "评价内容", nullable=True),
        Column("created_at", T.TIMESTAMP, "When it was written.", "评价时间"),
    ),
    time_order=(TimeOrder("orders.paid_at", "created_at", via="order_id"),),
)

CS_SESSIONS = Table(
    name="cs_sessions",
    term_zh="客服会话",
    description="Customer-service chat sessions (飞鸽 / 旺旺).",
    primary_key=("session_id",),
    load_after=("shops",),
    columns=(
        Column("session_id", T.TEXT, "Session id.", "会话ID"),
        Column("shop_id", T.TEXT, "Shop.", "店铺ID", references="shops.shop_id"),
        Column("buyer_id", T.TEXT, "Buyer.", "买家ID"),
        Column("order_id", T.TEXT, "Order discussed, if any.", "关联订单", nullable=True),
        Column("started_at", T.TIMESTAMP, "Session start.", "会话开始时间"),
        Column(
            "first_response_seconds",
            T.INT,
            "Seconds to the first human reply; empty if never answered.",
            "首次响应时长",
            unit="s",
            nullable=True,
            minimum=0,
        ),
        Column("rounds", T.INT, "Consultation rounds in the session.", "咨询轮次", minimum=1),
        Column(
            "unanswered_rounds", T.INT, "Rounds without a human reply.", "未回复轮次", minimum=0
        ),
        Column(
            "total_response_seconds",
            T.BIGINT,
            "Sum of reply times over answered rounds.",
            "回复时长合计",
            unit="s",
            minimum=0,
        ),
        Column("agent_id", T.TEXT, "Agent who answered (or `bot`).", "客服账号", nullable=True),
        Column(
            "rating",
            T.INT,
            "Buyer's satisfaction rating, 1–5.",
            "会话评价",
            unit="stars",
            nullable=True,
            minimum=1,
            maximum=5,
        ),
        Column("escalated", T.BOOL, "The buyer took the issue to platform service.", "平台求助"),
        SESSION_NOTES,
    ),
    row_checks=(
        RowCheck(
            "unanswered_within_rounds",
            "unanswered_rounds <= rounds",
            "unanswered_rounds",
            "unanswered_rounds cannot exceed rounds",
        ),
    ),
)

CREATOR_VIDEOS = Table(
    name="creator_videos",
    term_zh="达人视频",
    description="Short videos creators publish for a product (seeding content).",
    primary_key=("video_id",),
    load_after=("creators", "shops", "products"),
    columns=(
        Column("video_id", T.TEXT, "Video id.", "视频ID"),
        Column("creator_id", T.TEXT, "Creator.", "达人ID", references="creators.creator_id"),
        Column(
            "shop_id",
            T.TEXT,
            "Shop whose product is featured.",
            "店铺ID",
            references="shops.shop_id",
        ),
        Column("sku_id", T.TEXT, "Product featured.", "SKU ID", references="products.sku_id"),
        Column("published_at", T.TIMESTAMP, "Publication time.", "发布时间"),
    ),
)

VIDEO_VIEWS = Table(
    name="video_views",
    term_zh="视频观看",
    description="A buyer watched a creator video.",
    primary_key=("view_id",),
    load_after=("creator_videos",),
    columns=(
        Column("view_id", T.TEXT, "View id.", "观看ID"),
        Column(
            "video_id", T.TEXT, "Video watched.", "视频ID", references="creator_videos.video_id"
        ),
        Column("buyer_id", T.TEXT, "Viewer.", "用户ID"),
        Column("viewed_at", T.TIMESTAMP, "When.", "观看时间"),
    ),
    time_order=(TimeOrder("creator_videos.published_at", "viewed_at", via="video_id"),),
)

SEARCHES = Table(
    name="searches",
    term_zh="搜索",
    description="Searches buyers ran, and the product they clicked.",
    primary_key=("search_id",),
    load_after=("products",),
    columns=(
        Column("search_id", T.TEXT, "Search id.", "搜索ID"),
        Column("buyer_id", T.TEXT, "Searcher.", "用户ID"),
        Column("query", T.TEXT, "Query text.", "搜索词"),
        Column("searched_at", T.TIMESTAMP, "When.", "搜索时间"),
        Column(
            "clicked_sku_id",
            T.TEXT,
            "Product clicked from the results, if any.",
            "点击商品",
            nullable=True,
            references="products.sku_id",
        ),
    ),
)

AD_SPEND = Table(
    name="ad_spend",
    term_zh="广告消耗",
    description="Daily ad spend per shop and ad product.",
    primary_key=("shop_id", "day", "ad_product"),
    load_after=("shops",),
    columns=(
        Column("shop_id", T.TEXT, "Shop.", "店铺ID", references="shops.shop_id"),
        Column("day", T.DATE, "Day.", "日期"),
        Column("ad_product", T.TEXT, "Ad product.", "广告产品", choices=AD_PRODUCTS),
        Column("spend_fen", T.MONEY, "Spend.", "消耗", unit="fen", minimum=0),
    ),
)

VIOLATIONS = Table(
    name="violations",
    term_zh="违规记录",
    description="Confirmed merchant violations (feed score deductions and deposit deductions).",
    primary_key=("violation_id",),
    load_after=("shops",),
    columns=(
        Column("violation_id", T.TEXT, "Violation id.", "违规ID"),
        Column("shop_id", T.TEXT, "Shop.", "店铺ID", references="shops.shop_id"),
        Column("kind", T.TEXT, "What the shop did.", "违规类型", choices=VIOLATION_KINDS),
        Column("occurred_at", T.TIMESTAMP, "When it was confirmed.", "判定时间"),
        Column("order_id", T.TEXT, "Order involved, if any.", "关联订单", nullable=True),
    ),
)

SHOP_SERVICES = Table(
    name="shop_services",
    term_zh="店铺服务开通记录",
    description=(
        "Services a shop switched on (e.g. 偏远地区物流, 顺丰包邮, 尺码随心换, 拆送装一体), "
        "one row per period; they feed score bonus items. `enabled_to` empty: still on."
    ),
    primary_key=("shop_id", "service", "enabled_from"),
    load_after=("shops",),
    row_checks=(
        RowCheck(
            "enabled_period",
            "enabled_to IS NULL OR enabled_to >= enabled_from",
            "enabled_to",
            "enabled_to must not be before enabled_from",
        ),
    ),
    columns=(
        Column("shop_id", T.TEXT, "Shop.", "店铺ID", references="shops.shop_id"),
        Column("service", T.TEXT, "Service switched on.", "服务", choices=SERVICE_KINDS),
        Column("enabled_from", T.DATE, "First day it is on.", "开通日期"),
        Column(
            "enabled_to", T.DATE, "Last day it is on; empty while on.", "关闭日期", nullable=True
        ),
    ),
)

TABLES: Final[tuple[Table, ...]] = (
    MARKETPLACE,
    CATEGORIES,
    SHOPS,
    PRODUCTS,
    PRODUCT_PROFILES,
    CREATORS,
    ORDERS,
    LOGISTICS,
    AFTER_SALES,
    REVIEWS,
    CS_SESSIONS,
    CREATOR_VIDEOS,
    VIDEO_VIEWS,
    SEARCHES,
    AD_SPEND,
    VIOLATIONS,
    SHOP_SERVICES,
    CREATOR_VIOLATIONS,
    ORDER_COLONEL_FEES,
    *CS_TABLES,
    PROGRAM_SIGNUPS,
    COUPON_SPENDS,
    *LISTING_TABLES,
)
"""Every event table, in an order where referenced tables come first."""

TABLES_BY_NAME: Final = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    """The declared table called ``name``; ``KeyError`` names the known tables."""
    try:
        return TABLES_BY_NAME[name]
    except KeyError:
        known = ", ".join(TABLES_BY_NAME)
        raise KeyError(f"no table {name!r}; known tables: {known}") from None
