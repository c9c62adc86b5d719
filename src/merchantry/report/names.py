"""Display names: every code a person may see, named once, in Chinese and English, with its unit.

Pages and terminal tables show ``中文 / English`` (:func:`label`); the code itself belongs only
in tooltips and exports (CSV, Excel, ``--json``). Each vocabulary below is the one place its
names are declared; a front end that meets a code asks here, and a code with no entry shows as
itself (a rulebook may add an industry or a gate the registry has not heard of). A test renders
every page and fails when a code that has a name here shows raw.

Numbers a rulebook sets: a name that quotes one (Taobao's ``48小时揽收率 / 48-hour pickup
rate`` counts parcels picked up within the rulebook's ``pickup_due_hours``) says
``{pickup_due_hours}`` where the number goes; :func:`label` given the rulebook's values
(:func:`merchantry.scoring.inputs.label_terms`) writes them in (:func:`fill`), so the words
move with the figures when an operator changes the rulebook.

Units: an indicator declares the unit its stored value is in (``bp``, ``0.01 star``, ``s``…);
:func:`format_value` turns such a value into what a person reads (``12.34%``, ``4.83 ★``,
``2 h 05 min``). Money is not here: it is integer minor units formatted by
:func:`merchantry.kit.money.format_fen` in the marketplace's currency (``¥``, ``R$``).

The layer is ``report`` (an edge): scoring, risk, simulation and the command line all reach it,
and it imports nothing but the kit and the model's parameter defaults (what a quoted number
reads when no rulebook is given).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from types import MappingProxyType
from typing import Final, Literal

from merchantry.kit.money import format_bp
from merchantry.model.indicators import PARAMETER_DEFAULTS

Lang = Literal["zh", "en"]


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
    """Either may quote a rulebook number as ``{parameter}``: read such a name through
    :func:`label` or :meth:`worded`, which write the number in."""
    unit: str = ""
    """The unit the code's stored value is in (indicators only): see :data:`UNITS`."""

    @property
    def label(self) -> str:
        """``商品综合评分 / Product rating``."""
        return f"{self.zh} / {self.en}"

    def worded(self, terms: Mapping[str, int] | None = None) -> Name:
        """This name with the numbers it quotes written in from ``terms`` (:func:`fill`)."""
        if "{" not in self.zh and "{" not in self.en:
            return self
        return replace(self, zh=fill(self.zh, terms, "zh"), en=fill(self.en, terms, "en"))


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
    ("pickup_48h_rate", "{pickup_due_hours}揽收率", "{pickup_due_hours} pickup rate", "bp"),
    ("delivery_minutes", "物流配送时长", "Delivery time", "min"),
    ("logistics_bad_review_rate", "物流差评率", "Logistics bad-review rate", "bp"),
    (
        "response_3min_rate",
        "旺旺{reply_target_seconds}人工响应率",
        "{reply_target_seconds} response rate",
        "bp",
    ),
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
    # special industries: every other code a shipped rulebook keys on, named as the
    # rulebooks name them (synth/catalogue.py RULEBOOK_INDUSTRIES holds the same codes)
    ("accessories", "配饰", "Accessories"),
    ("agricultural_supplies", "农用物资", "Farm supplies"),
    ("ambient_food", "常温品", "Shelf-stable food"),
    ("apparel_accessories", "服饰配件", "Apparel accessories"),
    ("bags", "箱包", "Bags & luggage"),
    ("bodhi_walnut", "菩提/核桃", "Bodhi seeds & walnuts"),
    ("books", "书籍/杂志/报纸", "Books & magazines"),
    ("car_supplies", "汽车用品", "Car supplies"),
    ("ceramics", "陶瓷", "Ceramics"),
    ("chilled_meat_eggs", "肉蛋低温制品", "Chilled meat & eggs"),
    ("cross_border_fashion", "跨境时尚", "Cross-border fashion"),
    ("cross_border_fmcg", "跨境大快消", "Cross-border FMCG"),
    ("cross_border_health", "跨境大健康", "Cross-border health"),
    ("custom_jewellery", "定制珠宝文玩", "Custom jewellery & collectibles"),
    ("dried_fruit_jerky", "干果肉干", "Nuts, dried fruit & jerky"),
    ("dry_goods", "南北干货/肉类干货", "Dried goods"),
    ("fashion_accessories", "服饰配件", "Fashion accessories"),
    ("flower_delivery", "鲜花速递/花卉仿真/绿植园艺", "Flower delivery & plants"),
    ("flowers_plants", "花卉/绿植盆栽", "Flowers & potted plants"),
    ("fresh_flowers", "生活鲜花", "Fresh flowers"),
    ("fruit", "水果", "Fruit"),
    ("functional_glasses", "功能眼镜", "Functional glasses"),
    ("game_services", "游戏服务", "Game services"),
    ("gifts_creative", "礼品文创", "Gifts & creative goods"),
    ("green_tea", "绿茶", "Green tea"),
    ("hair_accessories", "发饰", "Hair accessories"),
    ("handicraft_heritage", "手工艺/非遗技艺", "Handicraft & intangible heritage"),
    ("high_end_3c", "高端3C数码", "High-end electronics"),
    ("home_appliance", "家电", "Home appliances"),
    ("home_fabrics", "居家布艺", "Home fabrics"),
    ("home_textiles", "家纺", "Home textiles"),
    ("hosiery", "泛丝袜", "Hosiery"),
    ("household_goods", "居家日百", "Household goods"),
    ("jade", "翡翠玉石", "Jade"),
    ("kids_apparel", "孕童鞋服", "Maternity & kids' wear"),
    ("kitchenware", "餐厨用具", "Kitchenware"),
    ("large_baby_goods", "大件婴童用品", "Large baby goods"),
    ("large_toys", "大件玩具", "Large toys"),
    ("lighters_knives", "打火机/烟具/瑞士军刀", "Lighters, smoking kits & pocket knives"),
    ("liquor", "酒水", "Alcoholic drinks"),
    ("live_pets", "宠物活体", "Live pets"),
    ("live_seafood", "活鲜", "Live seafood"),
    ("local_services", "本地生活", "Local services"),
    ("maternity_supplies", "孕产用品", "Maternity supplies"),
    ("medical_health", "医疗健康", "Medical & health"),
    ("medicine", "药品", "Medicines"),
    ("mens_shoes", "男鞋", "Men's shoes"),
    ("mens_wear", "男装", "Men's wear"),
    ("optical_glasses", "光学眼镜", "Optical glasses"),
    ("perishable_fruit", "易损水果", "Perishable fruit"),
    ("pet_supplies", "宠物食品及用品", "Pet food & supplies"),
    ("rc_toys", "遥控电动类玩具", "Remote-control toys"),
    ("seafood", "海鲜水产", "Seafood"),
    ("second_hand_digital", "二手数码百货", "Second-hand digital goods"),
    ("second_hand_luxury", "二手奢侈品", "Second-hand luxury"),
    ("sportswear", "运动鞋服", "Sports shoes & wear"),
    ("study_supplies", "学习用品", "Study supplies"),
    ("succulents", "多肉植物", "Succulents"),
    ("sunglasses", "太阳眼镜/配件/护理剂", "Sunglasses & care"),
    ("tea", "茶", "Tea"),
    ("travel_luggage", "旅行箱", "Travel cases"),
    ("trendy_apparel", "潮品鞋服", "Streetwear"),
    ("underwear", "内衣裤袜", "Underwear & socks"),
    ("vegetables", "蔬菜/蔬菜制品", "Vegetables"),
    ("watches", "钟表", "Watches & clocks"),
    ("wigs", "假发及配件", "Wigs"),
    ("womens_shoes", "女鞋", "Women's shoes"),
    ("womens_wear", "女装", "Women's wear"),
    ("wood_collectibles", "木作文玩", "Wooden collectibles"),
    ("electric_toothbrush", "电动牙刷", "Electric toothbrushes"),
    ("gift_card", "礼品卡", "Gift cards"),
    ("luxury_beauty", "奢品美妆", "Luxury beauty"),
    ("phone_topup", "话费充值", "Phone top-up"),
    ("second_hand_3c", "二手3C", "Second-hand electronics"),
    ("eyewear", "眼镜", "Eyewear"),
    ("daily_necessities", "日用百货", "Daily necessities"),
    ("computers", "电脑整机", "Computers"),
    ("contract_phones", "合约机", "Contract phones"),
    ("cars", "新车/二手车", "New & used cars"),
    ("vehicle_dealer", "汽车经销商", "Car dealers"),
    ("real_estate", "房产", "Real estate"),
    ("adult_family_planning", "成人计生", "Adult & family planning"),
    ("ebike_battery", "电动车电池", "E-bike batteries"),
    ("ebike_charger_socket", "电动车充电器/插座", "E-bike chargers & sockets"),
    ("fuel_cards", "加油卡", "Fuel cards"),
    ("game_topup", "游戏点卡充值", "Game top-up cards"),
    (
        "pharmacy_medical",
        "药房/医疗器械（即时零售）",
        "Pharmacy & medical devices (instant retail)",
    ),
    ("prepaid_cards", "预付卡", "Prepaid cards"),
    ("second_hand_phones", "二手手机", "Second-hand phones"),
    ("chinese_painting", "国画", "Chinese painting"),
    ("electric_water_heater", "电热水器", "Electric water heaters"),
    ("second_hand_audio", "二手影音电器", "Second-hand audio & video"),
    ("silver_bangles", "银手镯", "Silver bangles"),
    ("slimming_patches", "减肥贴", "Slimming patches"),
    ("telecom_services", "通信服务", "Telecom services"),
    ("durian", "鲜榴莲", "Fresh durian"),
    ("cherries", "车厘子/樱桃", "Cherries"),
    ("river_crab", "河蟹/大闸蟹", "River crab"),
    ("live_dogs_cats", "活体犬猫", "Live dogs & cats"),
    ("live_birds_reptiles", "鹦鹉/爬宠", "Parrots & reptiles"),
    ("tv", "电视", "Televisions"),
    ("fridge_washer", "冰箱/洗衣机", "Fridges & washers"),
    ("gpu_motherboard", "显卡/主板", "Graphics cards & motherboards"),
    ("coins", "钱币", "Coins"),
    ("mammoth_ivory", "猛犸牙", "Mammoth ivory"),
    ("cordyceps_tonics", "冬虫夏草/灵芝孢子粉/松花粉", "Cordyceps & tonics"),
    ("medical_devices", "医疗器械", "Medical devices"),
    ("tea_gift_box", "多品种茶叶礼盒", "Tea gift boxes"),
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


PLACEHOLDER: Final = re.compile(r"\{(\w+)(?::(\w+))?\}")
"""Where a name or an advice text quotes a rulebook number: ``{pickup_due_hours}`` (in
English the attributive form, ``48-hour``) or ``{pickup_due_hours:noun}`` (``48 hours``)."""

SPAN_UNITS: Final = ((3_600, "小时", "hour"), (60, "分钟", "minute"), (1, "秒", "second"))
"""Units a quoted span is said in, largest first: the largest that divides it whole."""

SPAN_SECONDS: Final = (("_seconds", 1), ("_minutes", 60), ("_hours", 3_600))
"""A parameter's unit, by the end of its name."""


def quote(parameter: str, value: int, lang: Lang, form: str = "") -> str:
    """One rulebook number as a name says it, by the unit its parameter's name ends in: a
    span (``_seconds``, ``_minutes``, ``_hours``) in its largest whole unit (180 s ``3分钟`` /
    ``3-minute``, or ``3 minutes`` in the ``noun`` form; 90 s ``90秒`` / ``90-second``; 48 h
    ``48小时`` / ``48-hour``), a clock hour (``_hour``) as ``18点`` / ``18:00``."""
    if form not in ("", "noun"):
        raise ValueError(f"{{{parameter}:{form}}}: the only form is 'noun'")
    if parameter.endswith("_hour"):
        return f"{value}点" if lang == "zh" else f"{value:02d}:00"
    scale = next((s for suffix, s in SPAN_SECONDS if parameter.endswith(suffix)), None)
    if scale is None:
        kinds = "a span (_seconds, _minutes, _hours) nor a clock hour (_hour)"
        raise ValueError(f"{{{parameter}}} is neither {kinds}")
    seconds = value * scale
    size, zh, en = next(u for u in SPAN_UNITS if seconds % u[0] == 0)
    count = seconds // size
    if lang == "zh":
        return f"{count}{zh}"
    if form == "noun":
        return f"{count} {en}" + ("" if count == 1 else "s")
    return f"{count}-{en}"


def fill(text: str, terms: Mapping[str, int] | None, lang: Lang) -> str:
    """``text`` (in ``lang``) with each :data:`PLACEHOLDER` replaced by the number ``terms``
    gives it (:func:`quote`): ``terms`` are the values of the rulebook the figures were
    computed under (:func:`merchantry.scoring.inputs.label_terms`). A parameter ``terms``
    lacks (``None``: no rulebook at hand) reads its scoring default
    (:data:`~merchantry.model.indicators.PARAMETER_DEFAULTS`); a placeholder with neither is
    a bug (``KeyError``)."""
    given = {**PARAMETER_DEFAULTS, **(terms or {})}

    def one(match: re.Match[str]) -> str:
        if match[1] not in given:
            raise KeyError(f"no value for {match[0]} in {text!r}")
        return quote(match[1], given[match[1]], lang, match[2] or "")

    return PLACEHOLDER.sub(one, text)


def label(vocabulary: Vocabulary, code: object, terms: Mapping[str, int] | None = None) -> str:
    """``中文 / English`` for a code with a name; the code itself (as text) otherwise;
    an em dash for ``None``. ``terms``: the numbers of the rulebook in force that a name
    quotes (:func:`merchantry.scoring.inputs.label_terms`; the scoring defaults without)."""
    if code is None:
        return "—"
    found = REGISTRY[vocabulary].get(str(code))
    return found.worded(terms).label if found else str(code)


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


def named(
    vocabulary: Vocabulary, code: object, terms: Mapping[str, int] | None = None
) -> Coded | None:
    """A cell value for ``code``: its :func:`label` (with ``terms``) shown, the code as the
    tooltip."""
    if code is None:
        return None
    return Coded(label(vocabulary, code, terms), str(code))


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
                return found.worded().label  # prose names no rulebook: the defaults
        found_any = next((v[code] for v in REGISTRY.values() if code in v), None)
        return found_any.worded().label if found_any else code

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
