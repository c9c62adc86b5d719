"""Tables of listing governance: what listings claim, who may sell a brand, and what was found.

Inputs (beside ``products``): ``listing_claims`` (the attributes a merchant states about a
listing: composition with shares, origin, ship-from region, net count, certifications, the
national-subsidy label, the declared brand, the main image's hash), ``brand_authorisations``
(a shop's authorisation to sell a brand, with its validity), ``listing_events`` (publication
and edits, with the title each put up), ``video_captions`` (what creator videos said about a
product) and ``shop_identities`` (identities shops share: linked shops).
Outputs (written by ``merchantry listings check --db``): ``listing_violations`` (one row per
listing and broken rule, with outcome, points and evidence) and ``listing_copy_clusters``
(copies made by linked shops, flagged together).
"""

from __future__ import annotations

from typing import Final

from merchantry.model.schema import Column, ColumnType, RowCheck, Table

T = ColumnType

LISTING_EVENT_KINDS: Final = ("publish", "edit")
LISTING_RULE_KINDS: Final = (
    "material_claim",
    "origin_claim",
    "count_claim",
    "absolute_terms",
    "subsidy_label",
    "unauthorised_brand",
    "price_below_band",
    "copied_listing",
    "caption_claim",
)
"""Kinds of listing violation; meanings in docs/listings.md and ``listings.rulebook.RuleKind``."""
LISTING_OUTCOMES: Final = ("block", "warn", "take_down", "ban")
RESTRICTION_KINDS: Final = ("presale_closed", "suspended", "closed")
"""Shop restrictions of an escalation step; meanings in ``listings.rulebook.RestrictionKind``."""
IDENTITY_KINDS: Final = ("licence", "legal_person", "payment_account", "phone", "address")

LISTING_CLAIMS = Table(
    name="listing_claims",
    term_zh="商品属性（发布信息）",
    description=(
        "What the merchant states about a listing, beside its title: the checks compare the "
        "title with these. One row per SKU; a SKU without a row has no stated attributes "
        "(attribute checks stay silent for it)."
    ),
    primary_key=("sku_id",),
    load_after=("products",),
    columns=(
        Column("sku_id", T.TEXT, "SKU.", "SKU ID", references="products.sku_id"),
        Column("brand", T.TEXT, "Brand the listing declares.", "品牌", nullable=True),
        Column(
            "composition",
            T.TEXT_LIST,
            "Material composition as `material:share` in whole percent (`羊绒:30`), "
            "shares at most 100 in all.",
            "材质成分及含量",
            nullable=True,
        ),
        Column("origin", T.TEXT, "Place of origin.", "产地", nullable=True),
        Column(
            "ship_from", T.TEXT, "Province (or place) the goods ship from.", "发货地", nullable=True
        ),
        Column(
            "net_count",
            T.INT,
            "Stated net content as a count (sheets, pieces, bags…).",
            "净含量（数量）",
            nullable=True,
            minimum=0,
        ),
        Column(
            "count_unit",
            T.TEXT,
            "Unit of `net_count` (抽, 张, 片, 包…).",
            "计数单位",
            nullable=True,
        ),
        Column("certifications", T.TEXT_LIST, "Certifications stated.", "资质认证", nullable=True),
        Column(
            "subsidy_label",
            T.BOOL,
            "The listing carries the national-subsidy (国补) label.",
            "国补标识",
        ),
        Column("published_at", T.TIMESTAMP, "First publication.", "首次发布时间"),
        Column(
            "image_phash",
            T.TEXT,
            "64-bit perceptual hash of the main image, 16 hex digits.",
            "主图感知哈希",
            nullable=True,
        ),
    ),
)

BRAND_AUTHORISATIONS = Table(
    name="brand_authorisations",
    term_zh="品牌授权",
    description=(
        "A shop's authorisation (or registration as owner) to sell a brand, from `valid_from` "
        "to `valid_to` (empty: still valid). The brands named here are the brands titles are "
        "searched for."
    ),
    primary_key=("shop_id", "brand", "valid_from"),
    load_after=("shops",),
    columns=(
        Column("shop_id", T.TEXT, "Shop.", "店铺ID", references="shops.shop_id"),
        Column("brand", T.TEXT, "Brand.", "品牌"),
        Column("valid_from", T.DATE, "First day it is valid.", "授权开始日期"),
        Column("valid_to", T.DATE, "Last day; empty while valid.", "授权截止日期", nullable=True),
    ),
    row_checks=(
        RowCheck(
            "authorisation_period",
            "valid_to IS NULL OR valid_to >= valid_from",
            "valid_to",
            "valid_to must not be before valid_from",
        ),
    ),
)

LISTING_EVENTS = Table(
    name="listing_events",
    term_zh="商品发布/编辑记录",
    description="Publication and edits of a listing, each with the title it put up.",
    primary_key=("event_id",),
    load_after=("products",),
    columns=(
        Column("event_id", T.TEXT, "Event id.", "事件ID"),
        Column("sku_id", T.TEXT, "SKU.", "SKU ID", references="products.sku_id"),
        Column("kind", T.TEXT, "publish or edit.", "事件类型", choices=LISTING_EVENT_KINDS),
        Column("at", T.TIMESTAMP, "When.", "时间"),
        Column("title", T.TEXT, "Title after the event.", "标题"),
    ),
)

VIDEO_CAPTIONS = Table(
    name="video_captions",
    term_zh="达人视频文案",
    description="What a creator video said about the product it features (caption, subtitles).",
    primary_key=("video_id",),
    load_after=("creator_videos",),
    columns=(
        Column("video_id", T.TEXT, "Video.", "视频ID", references="creator_videos.video_id"),
        Column("caption", T.TEXT, "Caption text.", "视频文案"),
    ),
)

SHOP_IDENTITIES = Table(
    name="shop_identities",
    term_zh="店铺主体信息（关联识别）",
    description=(
        "Identities behind a shop, hashed (licence, legal person, payment account…). Shops "
        "sharing one are linked (关联店铺); copies made by linked shops are flagged together."
    ),
    primary_key=("shop_id", "kind", "value_hash"),
    load_after=("shops",),
    columns=(
        Column("shop_id", T.TEXT, "Shop.", "店铺ID", references="shops.shop_id"),
        Column("kind", T.TEXT, "What identity.", "主体信息类型", choices=IDENTITY_KINDS),
        Column("value_hash", T.TEXT, "Hash of the identity's value.", "主体信息（哈希）"),
    ),
)

LISTING_VIOLATIONS = Table(
    name="listing_violations",
    term_zh="商品违规记录",
    description=(
        "One row per listing and broken listing rule, per rulebook: the outcome (block, warn, "
        "take down), points, the `violations` kind recorded (if any) and the evidence. Written "
        "by `merchantry listings check --db`; rows of one rulebook are replaced per run."
    ),
    primary_key=("rulebook", "sku_id", "rule_id"),
    columns=(
        Column("rulebook", T.TEXT, "Listing rulebook.", "规则版本"),
        Column("sku_id", T.TEXT, "SKU.", "SKU ID"),
        Column("shop_id", T.TEXT, "Shop.", "店铺ID"),
        Column("kind", T.TEXT, "Kind of violation.", "违规类型", choices=LISTING_RULE_KINDS),
        Column("rule_id", T.TEXT, "Rule broken.", "规则ID"),
        Column("outcome", T.TEXT, "What happens.", "处置", choices=LISTING_OUTCOMES),
        Column("points", T.INT, "Points of the violation.", "扣分", minimum=0),
        Column(
            "violation_kind",
            T.TEXT,
            "Kind of `violations` row recorded; empty: none.",
            "记入违规类型",
            nullable=True,
        ),
        Column("evidence", T.TEXT, "Why: what the listing says against what it states.", "证据"),
        Column(
            "original_sku_id",
            T.TEXT,
            "For a copy: the first publisher's listing.",
            "原创商品",
            nullable=True,
        ),
        Column(
            "cluster_id",
            T.TEXT,
            "For a copy by linked shops: their cluster.",
            "关联团伙",
            nullable=True,
        ),
        Column(
            "offence_no",
            T.INT,
            "For a rule that escalates: the shop's offence number in the rule's scene.",
            "同场景违规次数",
            nullable=True,
        ),
    ),
)

LISTING_OFFENCES = Table(
    name="listing_offences",
    term_zh="商品违规计次",
    description=(
        "Every recorded listing violation (take-down or ban), once, at its first confirmation: "
        "what repeat offences are counted from (a listing taken down may leave the catalogue, "
        "its offence stays). Written by `merchantry listings check --db`."
    ),
    primary_key=("violation_id",),
    columns=(
        Column("violation_id", T.TEXT, "The `violations` row.", "违规记录ID"),
        Column("rulebook", T.TEXT, "Listing rulebook.", "规则版本"),
        Column("shop_id", T.TEXT, "Shop.", "店铺ID"),
        Column("rule_id", T.TEXT, "Rule broken (the scene).", "规则ID"),
        Column("sku_id", T.TEXT, "SKU.", "SKU ID"),
        Column("occurred_at", T.TIMESTAMP, "First confirmed.", "违规时间"),
        Column(
            "first_no",
            T.INT,
            "Its number in the scene when recorded: offences recorded at one time keep the "
            "order they were numbered in (publication order) on every later run.",
            "首次计次",
            nullable=True,
        ),
    ),
)

LISTING_COPY_CLUSTERS = Table(
    name="listing_copy_clusters",
    term_zh="关联店铺搬运团伙",
    description=(
        "Copies made by two or more linked shops, flagged together: one row per copy, with "
        "its cluster and the original it copies."
    ),
    primary_key=("rulebook", "sku_id"),
    columns=(
        Column("rulebook", T.TEXT, "Listing rulebook.", "规则版本"),
        Column("cluster_id", T.TEXT, "Cluster (named by its smallest linked shop).", "团伙ID"),
        Column("sku_id", T.TEXT, "The copy.", "SKU ID"),
        Column("shop_id", T.TEXT, "Shop of the copy.", "店铺ID"),
        Column("original_sku_id", T.TEXT, "The original it copies.", "原创商品"),
    ),
)

WITHDRAWN_VIOLATIONS = Table(
    name="withdrawn_violations",
    term_zh="撤销的违规记录",
    description=(
        "Violations an overturned case found were none (one row per violation, written when "
        "the case is overturned). The score deductions and the deposit deductions leave them "
        "out, as if never recorded; the `violations` row itself stays (nothing is deleted)."
    ),
    primary_key=("violation_id",),
    columns=(
        Column("violation_id", T.TEXT, "Violation withdrawn.", "违规记录ID"),
        Column("case_id", T.TEXT, "Case whose overturn withdrew it.", "案件号"),
        Column("withdrawn_on", T.DATE, "Business date of the overturn.", "撤销日期"),
        Column("reason", T.TEXT, "The reviewer's note.", "原因"),
    ),
)

SHOP_RESTRICTIONS = Table(
    name="shop_restrictions",
    term_zh="店铺处置限制",
    description=(
        "Restrictions an escalation step imposes on a shop for a repeat offence (presale "
        "closed, suspended, closed), each from the offence's time for the step's days (no "
        "end: for good). The pre-publish check and the recommendations read them; a "
        "restriction whose violation was withdrawn (`withdrawn_violations`) or whose end has "
        "passed holds no more. Rows of one rulebook are replaced by each "
        "`merchantry listings check --db` and each overturn."
    ),
    primary_key=("rulebook", "violation_id", "restriction"),
    columns=(
        Column("rulebook", T.TEXT, "Listing rulebook.", "规则版本"),
        Column("shop_id", T.TEXT, "Shop.", "店铺ID"),
        Column(
            "restriction",
            T.TEXT,
            "What the shop may not do.",
            "限制类型",
            choices=RESTRICTION_KINDS,
        ),
        Column("violation_id", T.TEXT, "The offence that imposed it.", "违规记录ID"),
        Column("rule_id", T.TEXT, "Rule broken (the scene).", "规则ID"),
        Column("sku_id", T.TEXT, "The listing of the offence.", "SKU ID"),
        Column("offence_no", T.INT, "The offence's number in its scene.", "同场景违规次数"),
        Column("starts_at", T.TIMESTAMP, "In force from.", "开始时间"),
        Column(
            "ends_at", T.TIMESTAMP, "In force until; empty: for good.", "结束时间", nullable=True
        ),
        Column("measures", T.TEXT, "The step's measures as the source names them.", "处置措施"),
    ),
)

LISTING_HOLDS = Table(
    name="listing_holds",
    term_zh="商品封禁/下架记录",
    description=(
        "Listings banned or taken down by a standing offence, per rulebook (withdrawn ones "
        "are left out), with the title and main image they had: the pre-publish check refuses "
        "the banned SKU and the same shop's near-copies of it while the ban stands, and a "
        "taken-down SKU submitted again unchanged. Rows of one rulebook are replaced by each "
        "`merchantry listings check --db` and each overturn."
    ),
    primary_key=("rulebook", "violation_id"),
    columns=(
        Column("rulebook", T.TEXT, "Listing rulebook.", "规则版本"),
        Column("violation_id", T.TEXT, "The offence (its case is appealed).", "违规记录ID"),
        Column("shop_id", T.TEXT, "Shop.", "店铺ID"),
        Column("sku_id", T.TEXT, "The listing.", "SKU ID"),
        Column("rule_id", T.TEXT, "Rule broken.", "规则ID"),
        Column("outcome", T.TEXT, "ban or take_down.", "处置", choices=("take_down", "ban")),
        Column("offence_no", T.INT, "The offence's number in its scene.", "同场景违规次数"),
        Column("since", T.TIMESTAMP, "When the offence was recorded.", "处置时间"),
        Column("title", T.TEXT, "The listing's title then.", "标题"),
        Column(
            "image_phash",
            T.TEXT,
            "Its main image's perceptual hash then, 16 hex digits.",
            "主图感知哈希",
            nullable=True,
        ),
    ),
)

LISTING_TABLES: Final[tuple[Table, ...]] = (
    LISTING_CLAIMS,
    BRAND_AUTHORISATIONS,
    LISTING_EVENTS,
    VIDEO_CAPTIONS,
    SHOP_IDENTITIES,
)
"""Input tables of listing governance."""
LISTING_OUTPUTS: Final[tuple[Table, ...]] = (
    LISTING_VIOLATIONS,
    LISTING_COPY_CLUSTERS,
    WITHDRAWN_VIOLATIONS,
    LISTING_OFFENCES,
    SHOP_RESTRICTIONS,
    LISTING_HOLDS,
)
