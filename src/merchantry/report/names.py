"""Display names: every code a person may see, named once, in Chinese and English, with its unit.

Pages and terminal tables show ``中文 / English`` (:func:`label`); the code itself belongs only
in tooltips and exports (CSV, Excel, ``--json``). Each vocabulary below is the one place its
names are declared; a front end that meets a code asks here, and a code with no entry shows as
itself (a rulebook may add an industry or a gate the registry has not heard of). A test renders
every page and fails when a code that has a name here shows raw.

Units: an indicator declares the unit its stored value is in (``bp``, ``0.01 star``, ``s``…);
:func:`format_value` turns such a value into what a person reads (``12.34%``, ``4.83 ★``,
``2 h 05 min``). Money is not here: it is integer minor units formatted by
:func:`merchantry.kit.money.format_fen` in the marketplace's currency (``¥``, ``R$``).

The layer is ``report`` (an edge): scoring, risk, simulation and the command line all reach it,
and it imports nothing but the kit.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Final

from merchantry.kit.money import format_bp


class Vocabulary(StrEnum):
    """A family of codes that have display names."""

    INDICATOR = "indicator"
    """Experience-score indicators (``product_rating``…)."""
    SCORE_DIMENSION = "score_dimension"
    """The dimensions indicators are weighted in (商品 / 物流 / 服务)."""
    INDUSTRY = "industry"
    """Industries (``categories.industry``, ``shops.industry``)."""
    SCENE = "scene"
    """Sales scenes (``orders.scene``)."""
    FEE_KIND = "fee_kind"
    """Fee kinds (``fee_lines.fee_kind``)."""
    SEGMENT_DIMENSION = "segment_dimension"
    """How the simulator splits merchants (tenure, size…)."""
    SEGMENT = "segment"
    """Segment values (new, small, personal… and scenes, which share the vocabulary)."""
    GATE = "gate"
    """Programmes a score gates (``shop_gates.gate``)."""
    SCORE_STAGE = "score_stage"
    """A shop's scoring stage (growth / formal / none)."""
    DECISION = "decision"
    """Risk decisions on after-sales requests."""
    ADJUSTMENT = "adjustment"
    """What moves a score besides the indicators: bonus, deduction, caps, floors."""
    CASE_STATE = "case_state"
    """Where a risk case stands (``risk_cases.state``)."""
    CASE_SUBJECT = "case_subject"
    """What a risk case is about (``risk_cases.subject``)."""
    REWARD_KIND = "reward_kind"
    """What a growth-programme task grants (``program_rewards.reward_kind``)."""
    TASK_STATE = "task_state"
    """Where a shop stands on a programme task (``program_tasks.state``)."""
    TASK_KIND = "task_kind"
    """The condition a programme task measures."""
    LISTING_VIOLATION = "listing_violation"
    """Kinds of listing violation (``listing_violations.kind``)."""
    LISTING_OUTCOME = "listing_outcome"
    """What happens to a listing that breaks a rule (``listing_violations.outcome``)."""


@dataclass(frozen=True, slots=True)
class Name:
    """The display name of one code."""

    code: str
    zh: str
    en: str
    unit: str = ""
    """The unit the code's stored value is in (indicators only): see :data:`UNITS`."""

    @property
    def label(self) -> str:
        """``商品综合评分 / Product rating``."""
        return f"{self.zh} / {self.en}"


@dataclass(frozen=True, slots=True)
class Unit:
    """How a stored value in one unit reads."""

    code: str
    zh: str
    en: str

    @property
    def label(self) -> str:
        return f"{self.zh} / {self.en}"


UNITS: Final[Mapping[str, Unit]] = MappingProxyType(
    {
        u.code: u
        for u in (
            Unit("bp", "百分比", "percent"),
            Unit("0.01 star", "星", "stars"),
            Unit("0.01 point", "分", "points"),
            Unit("s", "时长", "duration"),
            Unit("min", "时长", "duration"),
            Unit("orders", "单", "orders"),
        )
    }
)
"""Units indicator values are stored in, and what they read as."""


def _names(*rows: tuple[str, str, str] | tuple[str, str, str, str]) -> Mapping[str, Name]:
    return MappingProxyType({row[0]: Name(*row) for row in rows})


INDICATORS: Final = _names(
    ("product_rating", "商品综合评分", "Product rating", "0.01 star"),
    ("quality_return_rate", "商品品质退货率", "Quality-return rate", "bp"),
    ("pickup_score", "揽收时长平均得分", "Pickup-time score", "0.01 point"),
    ("on_time_delivery_rate", "运单配送时效达成率", "On-time delivery rate", "bp"),
    ("logistics_return_rate", "发货物流品退率", "Logistics-quality return rate", "bp"),
    ("after_sales_on_time_rate", "售后处理时长达成率", "After-sales on-time rate", "bp"),
    ("feige_response_seconds", "飞鸽平均响应时长", "Feige average response time", "s"),
    ("after_sales_review_minutes", "售后平均审核时长", "After-sales review time", "min"),
    ("dissatisfaction_rate", "飞鸽会话不满意率", "Chat dissatisfaction rate", "bp"),
    ("help_seeking_rate", "平台求助率", "Platform help-seeking rate", "bp"),
    ("negative_feedback_rate", "商品负反馈率", "Negative-feedback rate", "bp"),
    ("positive_review_rate", "商品好评率", "Positive-review rate", "bp"),
    ("pickup_48h_rate", "48小时揽收率", "48-hour pickup rate", "bp"),
    ("delivery_minutes", "物流配送时长", "Delivery time", "min"),
    ("logistics_bad_review_rate", "物流差评率", "Logistics bad-review rate", "bp"),
    ("response_3min_rate", "旺旺3分钟人工响应率", "3-minute response rate", "bp"),
    ("cs_satisfaction_rate", "旺旺满意度", "Customer-service satisfaction", "bp"),
    ("refund_handling_minutes", "退款处理时长", "Refund handling time", "min"),
    ("platform_dispute_rate", "平台纠纷求助率", "Platform dispute rate", "bp"),
    ("remote_clean_signed", "偏远地区无售后签收单", "Remote orders signed clean", "orders"),
    ("next_day_delivery_rate", "次日达占比", "Next-day delivery share", "bp"),
)
"""Experience-score indicators. Their SQL lives in ``scoring/indicators.py``."""

SCORE_DIMENSIONS: Final = _names(
    ("product", "商品体验", "Product"),
    ("logistics", "物流体验", "Logistics"),
    ("service", "服务体验", "Service"),
    ("total", "总分", "Total"),
)

INDUSTRIES: Final = _names(
    ("digital_3c", "3C数码", "Phones & electronics"),
    ("large_appliance", "大家电", "Large appliances"),
    ("apparel", "服饰内衣", "Apparel & underwear"),
    ("shoes_bags", "鞋靴箱包", "Shoes & bags"),
    ("skincare", "美妆护肤", "Skincare"),
    ("makeup", "彩妆香水", "Make-up & fragrance"),
    ("personal_care", "个护家清", "Personal & home care"),
    ("food_snacks", "食品饮料", "Food & drinks"),
    ("grain_oil", "粮油调味", "Grain, oil & seasoning"),
    ("fresh_produce", "生鲜", "Fresh produce"),
    ("nutrition", "营养保健", "Nutrition & health"),
    ("pet_food", "宠物食品", "Pet food"),
    ("pet_other", "宠物用品", "Pet supplies"),
    ("baby", "母婴", "Mother & baby"),
    ("toys", "玩具乐器", "Toys & instruments"),
    ("gold_jewellery", "珠宝黄金", "Gold & jewellery"),
    ("home_furniture", "家居家具", "Home & furniture"),
    ("sports_outdoor", "运动户外", "Sports & outdoor"),
    ("education", "教育培训", "Education"),
    ("other", "其他", "Other"),
)
"""Industries of the shipped rulebooks and the generator. An Olist warehouse's industries are
its own product categories and show as they are."""

SCENES: Final = _names(
    ("live", "直播", "Live stream"),
    ("short_video", "短视频", "Short video"),
    ("product_card", "商品卡", "Product card"),
    ("search", "搜索", "Search"),
    ("mall", "商城", "Mall"),
    ("unknown", "未知", "Unknown"),
)

FEE_KINDS: Final = _names(
    ("technical_service_fee", "技术服务费", "Technical service fee"),
    ("affiliate_commission", "联盟佣金", "Affiliate commission"),
    ("creator_service_fee", "达人技术服务费", "Creator service fee"),
    ("colonel_service_fee", "团长服务费", "Colonel service fee"),
    ("colonel_technical_fee", "团长技术服务费", "Colonel technical service fee"),
    ("promotion_fee", "推广费", "Promotion fee"),
    ("promotion_fee_refund", "推广费返还", "Promotion-fee refund"),
    ("insurance_premium", "运费险保费", "Return-shipping insurance premium"),
    ("coupon_subsidy", "平台券补贴", "Coupon subsidy"),
    ("fee_refund", "技术服务费退还", "Fee refund"),
)

SEGMENT_DIMENSIONS: Final = _names(
    ("tenure", "新老商家", "New vs established"),
    ("size", "商家规模", "Merchant size"),
    ("industry", "行业", "Industry"),
    ("store_type", "店铺类型", "Store type"),
    ("scene", "成交场景", "Sales scene"),
)

SEGMENTS: Final = MappingProxyType(
    {
        **_names(
            ("new", "新商家", "New"),
            ("established", "老商家", "Established"),
            ("small", "小商家", "Small"),
            ("mid", "中腰部", "Mid-sized"),
            ("key_account", "KA商家", "Key account"),
            ("personal", "个人店", "Personal"),
            ("enterprise", "企业店", "Enterprise"),
            ("flagship", "旗舰店", "Flagship"),
        ),
        **SCENES,
    }
)
"""Segment values; scenes are segments too (the simulator splits by scene)."""

GATES: Final = _names(
    ("affiliate_entry", "精选联盟准入", "Affiliate (Jingxuan) entry"),
    ("mega_sale_signup", "大促报名", "Mega-sale sign-up"),
    ("campaign_signup", "活动报名", "Campaign sign-up"),
    ("recommendation_pool", "推荐流量池", "Recommendation pool"),
    ("lucky_bag_prize", "福袋奖品", "Lucky-bag prizes"),
    ("lucky_bag_prize_creators", "达人福袋奖品", "Lucky-bag prizes (creators)"),
    ("authorised_account", "授权号", "Authorised accounts"),
    ("flagship_upgrade", "旗舰店升级", "Flagship upgrade"),
    ("alimama_ads", "阿里妈妈推广", "Alimama ads"),
    ("qianchuan_ads", "千川投放", "Qianchuan ads"),
    ("geo_indication_label", "地理标志标签", "Geographical-indication label"),
    ("seed_entry", "种草准入", "Seeding entry"),
    ("seed_keep", "种草保留", "Seeding retention"),
    ("quality_merchant", "优质商家", "Quality merchant"),
    ("quality_store", "品质店铺", "Quality store"),
    ("new_category", "新类目开通", "New category"),
)

SCORE_STAGES: Final = _names(
    ("formal", "正式阶段", "Formal stage"),
    ("growth", "成长阶段", "Growth stage"),
    ("none", "无分", "No score"),
)

DECISIONS: Final = _names(
    ("fast_approve", "极速通过", "Fast approve"),
    ("normal", "正常处理", "Normal"),
    ("review", "人工审核", "Manual review"),
    ("intercept", "拦截", "Intercept"),
)

ADJUSTMENTS: Final = _names(
    ("bonus", "加分", "Bonus"),
    ("deduction", "扣分", "Deduction"),
    ("deduction_cap", "扣分封顶返还", "Deduction cap (given back)"),
    ("indicator_floor", "指标保底", "Indicator floor"),
    ("scale_floor", "分数下限", "Scale floor"),
    ("scale_ceiling", "分数上限", "Scale ceiling"),
    ("intervention_cap", "管控封顶", "Intervention cap"),
)
"""What moves a score besides the indicators (``shop_score_adjustments.kind`` and the
diagnosis's moves)."""

CASE_STATES: Final = _names(
    ("open", "待处理", "Open"),
    ("under_review", "审核中", "Under review"),
    ("upheld", "维持原判", "Upheld"),
    ("overturned", "已撤销", "Overturned"),
)

CASE_SUBJECTS: Final = _names(
    ("after_sales_request", "售后申请", "After-sales request"),
    ("penalty", "处罚", "Penalty"),
    ("listing_violation", "商品违规", "Listing violation"),
)

LISTING_VIOLATIONS: Final = _names(
    ("material_claim", "材质虚假宣传", "False material claim"),
    ("origin_claim", "产地/发货地虚假宣传", "False origin claim"),
    ("count_claim", "数量虚假宣传", "False count claim"),
    ("absolute_terms", "广告法禁用词", "Forbidden absolute terms"),
    ("subsidy_label", "冒用国补", "Misused national-subsidy label"),
    ("unauthorised_brand", "品牌未授权（混淆品牌）", "Brand without authorisation"),
    ("price_below_band", "价格异常（疑似假冒）", "Price far below brand band"),
    ("copied_listing", "搬运/抄袭商品", "Copied listing"),
    ("caption_claim", "达人视频虚假宣传", "False claim in a creator caption"),
)

LISTING_OUTCOMES: Final = _names(
    ("block", "发布拦截", "Blocked at publish"),
    ("warn", "提醒", "Warning"),
    ("take_down", "商品下架", "Taken down"),
    ("ban", "商品封禁", "Banned"),
)

REWARD_KINDS: Final = _names(
    ("traffic_coupon", "流量券", "Traffic coupon"),
    ("ad_coupon", "随心推券", "Ad coupon (随心推)"),
    ("commission_discount", "佣金优惠", "Commission discount"),
    ("fee_waiver", "免佣额度", "Fee waiver credit"),
    ("cash", "现金奖励", "Cash"),
)

TASK_STATES: Final = _names(
    ("completed", "已完成", "Completed"),
    ("in_progress", "进行中", "In progress"),
    ("gated", "未达门槛", "Gate not met"),
    ("late", "超时完成", "Completed too late"),
)

TASK_KINDS: Final = _names(
    ("products_listed", "发布商品", "Products listed"),
    ("orders", "支付订单", "Paid orders"),
    ("orders_shipped_within", "限时发货订单", "Orders shipped in time"),
    ("live_orders", "直播订单", "Live-room orders"),
    ("daily_sales_over", "单日销售额", "Daily sales over"),
    ("monthly_sales_at_least", "月销售额", "Monthly sales"),
    ("score_reached", "体验分达标", "Score reached"),
)

REGISTRY: Final[Mapping[Vocabulary, Mapping[str, Name]]] = MappingProxyType(
    {
        Vocabulary.INDICATOR: INDICATORS,
        Vocabulary.SCORE_DIMENSION: SCORE_DIMENSIONS,
        Vocabulary.INDUSTRY: INDUSTRIES,
        Vocabulary.SCENE: SCENES,
        Vocabulary.FEE_KIND: FEE_KINDS,
        Vocabulary.SEGMENT_DIMENSION: SEGMENT_DIMENSIONS,
        Vocabulary.SEGMENT: SEGMENTS,
        Vocabulary.GATE: GATES,
        Vocabulary.SCORE_STAGE: SCORE_STAGES,
        Vocabulary.DECISION: DECISIONS,
        Vocabulary.ADJUSTMENT: ADJUSTMENTS,
        Vocabulary.CASE_STATE: CASE_STATES,
        Vocabulary.CASE_SUBJECT: CASE_SUBJECTS,
        Vocabulary.REWARD_KIND: REWARD_KINDS,
        Vocabulary.TASK_STATE: TASK_STATES,
        Vocabulary.TASK_KIND: TASK_KINDS,
        Vocabulary.LISTING_VIOLATION: LISTING_VIOLATIONS,
        Vocabulary.LISTING_OUTCOME: LISTING_OUTCOMES,
    }
)
"""Every vocabulary, read-only."""


def name_of(vocabulary: Vocabulary, code: str) -> Name | None:
    """The display name of ``code``, or ``None`` when it has none."""
    return REGISTRY[vocabulary].get(code)


def label(vocabulary: Vocabulary, code: object) -> str:
    """``中文 / English`` for a code with a name; the code itself (as text) otherwise;
    an em dash for ``None``."""
    if code is None:
        return "—"
    found = REGISTRY[vocabulary].get(str(code))
    return found.label if found else str(code)


@dataclass(frozen=True, slots=True)
class Coded:
    """A table value shown by its name, with its code in the cell's tooltip."""

    text: str
    code: str

    def __str__(self) -> str:
        return self.text


def decision_label(text: str) -> str:
    """A stored decision text (``intercept (score 91)``) with its decision named:
    ``拦截 / Intercept (score 91)``; text that starts with no known decision stays as it is."""
    head, sep, rest = text.partition(" ")
    found = DECISIONS.get(head)
    return f"{found.label}{sep}{rest}" if found else text


def named(vocabulary: Vocabulary, code: object) -> Coded | None:
    """A cell value for ``code``: its :func:`label` shown, the code as the tooltip."""
    if code is None:
        return None
    return Coded(label(vocabulary, code), str(code))


CODE_IN_TEXT: Final = re.compile(r"(?<![\w.\-])[a-z0-9]+(?:_[a-z0-9]+)+(?![\w\-])")
"""An identifier-like code standing alone in prose (``home_furniture``; not inside a rule id
such as ``w.after_sales.digital_3c``, which is a reference, not a name)."""


def humanize(text: str) -> str:
    """Free text (a rulebook's note or title) with every identifier-like code that has a
    display name replaced by that name: ``e.g. home_furniture`` -> ``e.g. 家居家具 / Home &
    furniture``. Codes with no name, and plain-word codes, stay as written."""

    def name(match: re.Match[str]) -> str:
        code = match.group(0)
        for vocabulary in (Vocabulary.INDUSTRY, Vocabulary.INDICATOR, Vocabulary.FEE_KIND):
            found = REGISTRY[vocabulary].get(code)
            if found:
                return found.label
        found_any = next((v[code] for v in REGISTRY.values() if code in v), None)
        return found_any.label if found_any else code

    return CODE_IN_TEXT.sub(name, text)


def unit_label(unit: str) -> str:
    """``百分比 / percent`` for ``bp``; an unknown unit as itself."""
    found = UNITS.get(unit)
    return found.label if found else unit


def indicator_unit(indicator: str) -> str:
    """The unit an indicator's value is stored in (``""`` for an unknown indicator)."""
    found = INDICATORS.get(indicator)
    return found.unit if found else ""


def format_duration(seconds: int) -> str:
    """``45`` -> ``45 s``; ``150`` -> ``2 min 30 s``; ``7_380`` -> ``2 h 03 min``."""
    sign = "-" if seconds < 0 else ""
    s = abs(seconds)
    if s < 60:
        return f"{sign}{s} s"
    if s < 3_600:
        minutes, rest = divmod(s, 60)
        return f"{sign}{minutes} min {rest:02d} s" if rest else f"{sign}{minutes} min"
    hours, rest = divmod(s, 3_600)
    return f"{sign}{hours:,} h {rest // 60:02d} min"


def format_hundredths(value: int) -> str:
    """``483`` -> ``4.83``; ``-300`` -> ``-3.00``."""
    whole, part = divmod(abs(value), 100)
    return f"{'-' if value < 0 else ''}{whole:,}.{part:02d}"


def format_value(unit: str, value: int | None) -> str:
    """A stored indicator value as a person reads it: ``bp`` as a percentage, hundredths of a
    star as stars, seconds and minutes as a duration in hours, minutes and seconds, counts with
    thousands separators. An unknown unit shows the number and the unit."""
    if value is None:
        return "—"
    if unit == "bp":
        return format_bp(value)
    if unit == "0.01 star":
        return f"{format_hundredths(value)} ★"
    if unit == "0.01 point":
        return f"{format_hundredths(value)} 分 pts"
    if unit == "s":
        return format_duration(value)
    if unit == "min":
        return format_duration(value * 60)
    if unit == "orders":
        return f"{value:,}"
    return f"{value:,} {unit}".rstrip()
