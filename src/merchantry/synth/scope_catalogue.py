"""The special industries: every code the shipped rulebooks name beyond the core catalogue.

The core catalogue (:data:`catalogue.INDUSTRIES`, the fee table's rows) carries most shops.
The rulebooks also key on finer experience-score industries (男装, 女鞋, 翡翠玉石 …), on special
fee rows (奢品美妆, 电动牙刷, 二手3C, 话费充值, 礼品卡 …) and on special categories for
deposits, settlement and affiliate entry (车厘子, 医疗器械, 药房 …). Each of those codes
(:data:`catalogue.RULEBOOK_INDUSTRIES`) becomes here an industry with one leaf category of
the same code, priced and returned like a comparable core industry, so that the generator can
open shops in it (``synth/scopes.py``) and every rule keyed on it meets real rows.

A code without a profile below still gets one (:data:`DEFAULT_PROFILE`): a rulebook may add a
code before anyone describes it here. Prices and after-sales days are modelling choices.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Profile:
    """How a special industry's goods sell and come back."""

    like: str
    """Core industry whose return, quality, sizing and damage rates it borrows."""
    price_yuan: int
    """Median list price of its leaf, yuan."""
    after_sales_days: int


DEFAULT_PROFILE: Final = Profile("personal_care", 99, 7)

P = Profile

PROFILES: Final[dict[str, Profile]] = {
    "accessories": P("apparel", 59, 7),
    "agricultural_supplies": P("grain_oil", 89, 7),
    "ambient_food": P("food_snacks", 39, 7),
    "apparel_accessories": P("apparel", 49, 7),
    "bags": P("shoes_bags", 199, 15),
    "bodhi_walnut": P("gold_jewellery", 129, 7),
    "books": P("education", 39, 7),
    "car_supplies": P("personal_care", 89, 7),
    "ceramics": P("home_furniture", 159, 15),
    "chilled_meat_eggs": P("fresh_produce", 79, 7),
    "cross_border_fashion": P("apparel", 599, 7),
    "cross_border_fmcg": P("personal_care", 129, 7),
    "cross_border_health": P("nutrition", 259, 7),
    "custom_jewellery": P("gold_jewellery", 899, 15),
    "dried_fruit_jerky": P("food_snacks", 49, 7),
    "dry_goods": P("grain_oil", 69, 7),
    "fashion_accessories": P("apparel", 39, 7),
    "flower_delivery": P("fresh_produce", 159, 7),
    "flowers_plants": P("fresh_produce", 59, 7),
    "fresh_flowers": P("fresh_produce", 89, 7),
    "fruit": P("fresh_produce", 69, 7),
    "functional_glasses": P("sports_outdoor", 129, 15),
    "game_services": P("education", 49, 7),
    "gifts_creative": P("toys", 79, 7),
    "green_tea": P("food_snacks", 159, 7),
    "hair_accessories": P("apparel", 29, 7),
    "handicraft_heritage": P("toys", 199, 15),
    "high_end_3c": P("digital_3c", 6999, 15),
    "home_appliance": P("large_appliance", 499, 30),
    "home_fabrics": P("home_furniture", 129, 15),
    "home_textiles": P("home_furniture", 199, 15),
    "hosiery": P("apparel", 29, 7),
    "household_goods": P("personal_care", 39, 7),
    "jade": P("gold_jewellery", 1999, 35),
    "kids_apparel": P("baby", 99, 15),
    "kitchenware": P("personal_care", 129, 15),
    "large_baby_goods": P("baby", 899, 15),
    "large_toys": P("toys", 699, 15),
    "lighters_knives": P("sports_outdoor", 159, 15),
    "liquor": P("food_snacks", 299, 7),
    "live_pets": P("pet_other", 999, 7),
    "live_seafood": P("fresh_produce", 199, 7),
    "local_services": P("education", 99, 7),
    "maternity_supplies": P("baby", 99, 15),
    "medical_health": P("nutrition", 129, 7),
    "medicine": P("nutrition", 59, 7),
    "mens_shoes": P("shoes_bags", 299, 15),
    "mens_wear": P("apparel", 159, 15),
    "optical_glasses": P("sports_outdoor", 399, 15),
    "perishable_fruit": P("fresh_produce", 99, 7),
    "pet_supplies": P("pet_other", 69, 15),
    "rc_toys": P("toys", 199, 15),
    "seafood": P("fresh_produce", 169, 7),
    "second_hand_digital": P("digital_3c", 1299, 15),
    "second_hand_luxury": P("gold_jewellery", 4999, 15),
    "sportswear": P("sports_outdoor", 199, 15),
    "study_supplies": P("education", 29, 7),
    "succulents": P("fresh_produce", 39, 7),
    "sunglasses": P("sports_outdoor", 199, 15),
    "tea": P("food_snacks", 199, 7),
    "travel_luggage": P("shoes_bags", 399, 15),
    "trendy_apparel": P("apparel", 299, 15),
    "underwear": P("apparel", 59, 7),
    "vegetables": P("fresh_produce", 39, 7),
    "watches": P("gold_jewellery", 1299, 15),
    "wigs": P("apparel", 199, 7),
    "womens_shoes": P("shoes_bags", 199, 15),
    "womens_wear": P("apparel", 159, 15),
    "wood_collectibles": P("gold_jewellery", 299, 15),
    "electric_toothbrush": P("personal_care", 299, 15),
    "gift_card": P("education", 500, 7),
    "luxury_beauty": P("makeup", 899, 7),
    "phone_topup": P("education", 100, 7),
    "second_hand_3c": P("digital_3c", 1999, 15),
    "eyewear": P("sports_outdoor", 299, 15),
    "daily_necessities": P("personal_care", 29, 7),
    "computers": P("digital_3c", 5999, 15),
    "contract_phones": P("digital_3c", 2999, 15),
    "cars": P("large_appliance", 9999, 7),
    "vehicle_dealer": P("large_appliance", 4999, 7),
    "real_estate": P("education", 9999, 7),
    "adult_family_planning": P("personal_care", 69, 7),
    "ebike_battery": P("digital_3c", 599, 15),
    "ebike_charger_socket": P("digital_3c", 89, 15),
    "fuel_cards": P("education", 500, 7),
    "game_topup": P("education", 98, 7),
    "pharmacy_medical": P("nutrition", 59, 7),
    "prepaid_cards": P("education", 300, 7),
    "second_hand_phones": P("digital_3c", 1599, 15),
    "chinese_painting": P("gold_jewellery", 1999, 15),
    "electric_water_heater": P("large_appliance", 1299, 30),
    "second_hand_audio": P("digital_3c", 899, 15),
    "silver_bangles": P("gold_jewellery", 599, 15),
    "slimming_patches": P("personal_care", 99, 7),
    "telecom_services": P("education", 59, 7),
    "durian": P("fresh_produce", 299, 7),
    "cherries": P("fresh_produce", 199, 7),
    "river_crab": P("fresh_produce", 259, 7),
    "live_dogs_cats": P("pet_other", 2999, 7),
    "live_birds_reptiles": P("pet_other", 599, 7),
    "tv": P("large_appliance", 2599, 60),
    "fridge_washer": P("large_appliance", 2999, 60),
    "gpu_motherboard": P("digital_3c", 2499, 15),
    "coins": P("gold_jewellery", 399, 7),
    "mammoth_ivory": P("gold_jewellery", 1599, 7),
    "cordyceps_tonics": P("nutrition", 599, 15),
    "medical_devices": P("nutrition", 299, 7),
    "tea_gift_box": P("food_snacks", 299, 7),
}
"""Profiles of the special industries, by code."""

CROSS_BORDER_CODES: Final = frozenset(
    {"cross_border_fashion", "cross_border_fmcg", "cross_border_health"}
)
"""Score industries of cross-border (全球购) shops: their shops are cross-border."""

INSTANT_RETAIL_CODES: Final = frozenset({"pharmacy_medical"})
"""Categories sold by instant-retail (即时零售) shops only."""

INSTANT_RETAIL_SHARE: Final[dict[str, float]] = {
    "adult_family_planning": 0.5,
    "fresh_flowers": 0.3,
    "flower_delivery": 0.5,
    "fruit": 0.2,
    "vegetables": 0.3,
    "medicine": 0.4,
}
"""Share of the shops in these industries that sell as instant retail (delivery in hours)."""

INSTALLABLE: Final = frozenset(
    {
        "large_appliance",
        "home_furniture",
        "home_appliance",
        "tv",
        "fridge_washer",
        "electric_water_heater",
        "large_baby_goods",
        "large_toys",
    }
)
"""Industries whose goods come with an installation promise (安装模式): merchant-installed,
a platform partner's 送装一体, or none offered."""

LOW_COMMISSION: Final = frozenset(
    {"gold_jewellery", "second_hand_3c", "computers", "contract_phones"}
)
"""Industries whose affiliate commission may go down to 1% (the affiliate rule's special
categories); their SKUs offer 1–10%."""

BULKY_CODES: Final = frozenset(
    {"home_appliance", "tv", "fridge_washer", "electric_water_heater", "large_baby_goods"}
)
"""Special industries that ship as bulky goods (own carriers, bulky insurance)."""


def profile(code: str) -> Profile:
    """The profile of a special industry (the default one when none is written)."""
    return PROFILES.get(code, DEFAULT_PROFILE)


def leaf_nouns(chinese_name: str) -> tuple[str, ...]:
    """Title nouns from a platform name: ``鲜花速递/花卉仿真/绿植园艺`` gives three."""
    cleaned = chinese_name.replace("（", "/").replace("）", "").replace("(", "/").replace(")", "")
    return tuple(part.strip() for part in cleaned.split("/") if part.strip())


LEAF_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "accessories": ("项链", "耳饰", "手链"),
    "agricultural_supplies": ("化肥", "种子", "农用工具"),
    "ambient_food": ("方便速食", "罐头", "常温奶"),
    "apparel_accessories": ("腰带", "围巾", "手套"),
    "bags": ("双肩包", "单肩包", "钱包"),
    "car_supplies": ("车载香薰", "汽车座垫", "行车记录仪"),
    "ceramics": ("茶具", "花瓶", "陶瓷餐具"),
    "chilled_meat_eggs": ("鲜鸡蛋", "低温牛排", "低温火腿"),
    "cross_border_fashion": ("进口手袋", "进口墨镜", "进口腕表"),
    "cross_border_fmcg": ("进口洗发水", "进口纸尿裤", "进口零食"),
    "cross_border_health": ("进口鱼油", "进口益生菌", "进口维生素"),
    "custom_jewellery": ("定制戒指", "文玩手串", "定制吊坠"),
    "dried_fruit_jerky": ("每日坚果", "芒果干", "牛肉干"),
    "fashion_accessories": ("帽子", "领带", "袖扣"),
    "fresh_flowers": ("玫瑰花束", "百合", "向日葵"),
    "fruit": ("苹果", "橙子", "猕猴桃"),
    "functional_glasses": ("防蓝光眼镜", "老花镜", "护目镜"),
    "game_services": ("游戏代练", "游戏账号服务", "游戏陪玩"),
    "gifts_creative": ("文创笔记本", "创意摆件", "定制礼盒"),
    "green_tea": ("龙井", "碧螺春", "毛尖"),
    "hair_accessories": ("发夹", "发圈", "发箍"),
    "high_end_3c": ("旗舰手机", "高端相机", "高端耳机"),
    "home_appliance": ("空气炸锅", "扫地机器人", "净水器"),
    "home_fabrics": ("窗帘", "沙发垫", "地毯"),
    "home_textiles": ("四件套", "羽绒被", "枕头"),
    "hosiery": ("连裤袜", "丝袜", "打底袜"),
    "household_goods": ("收纳盒", "衣架", "清洁刷"),
    "jade": ("翡翠手镯", "和田玉吊坠", "玉石摆件"),
    "kids_apparel": ("童装外套", "童鞋", "孕妇装"),
    "kitchenware": ("炒锅", "刀具", "保温杯"),
    "large_baby_goods": ("婴儿推车", "安全座椅", "婴儿床"),
    "large_toys": ("儿童滑梯", "电动童车", "帐篷城堡"),
    "liquor": ("白酒", "葡萄酒", "精酿啤酒"),
    "live_pets": ("观赏鱼", "仓鼠", "兔子"),
    "live_seafood": ("活虾", "活蟹", "鲜活贝类"),
    "local_services": ("到店套餐", "家政服务", "代金券"),
    "maternity_supplies": ("待产包", "吸奶器", "防溢乳垫"),
    "medical_health": ("血压计", "体温计", "护腰"),
    "medicine": ("感冒药", "肠胃药", "维生素片"),
    "mens_shoes": ("男士皮鞋", "男士休闲鞋", "男士凉鞋"),
    "mens_wear": ("男士衬衫", "男士夹克", "男士休闲裤"),
    "optical_glasses": ("近视眼镜", "镜片", "隐形眼镜"),
    "perishable_fruit": ("杨梅", "荔枝", "水蜜桃"),
    "pet_supplies": ("猫粮", "狗粮", "猫砂"),
    "rc_toys": ("遥控车", "遥控飞机", "电动模型"),
    "seafood": ("冻虾仁", "三文鱼", "鳕鱼"),
    "second_hand_digital": ("二手平板", "二手相机", "二手游戏机"),
    "second_hand_luxury": ("二手名表", "二手手袋", "二手首饰"),
    "sportswear": ("跑鞋", "运动T恤", "运动裤"),
    "study_supplies": ("文具套装", "书包", "台灯"),
    "succulents": ("多肉盆栽", "多肉组合", "多肉土"),
    "tea": ("普洱茶", "红茶", "乌龙茶"),
    "travel_luggage": ("拉杆箱", "登机箱", "旅行收纳袋"),
    "trendy_apparel": ("潮牌卫衣", "潮流球鞋", "潮牌T恤"),
    "underwear": ("文胸", "内裤", "棉袜"),
    "watches": ("机械表", "石英表", "挂钟"),
    "wigs": ("全头假发", "假发片", "假发护理液"),
    "womens_shoes": ("高跟鞋", "女士单鞋", "女靴"),
    "womens_wear": ("连衣裙", "女士外套", "半身裙"),
    "wood_collectibles": ("木雕摆件", "檀木手串", "木作茶盘"),
    "electric_toothbrush": ("声波电动牙刷", "儿童电动牙刷", "替换刷头"),
    "gift_card": ("购物礼品卡", "电子礼品卡", "节日礼品卡"),
    "luxury_beauty": ("大牌口红", "大牌精华", "大牌香水"),
    "phone_topup": ("移动话费", "联通话费", "电信话费"),
    "second_hand_3c": ("二手笔记本", "二手耳机", "二手智能手表"),
    "eyewear": ("镜框", "防蓝光镜片", "眼镜盒"),
    "daily_necessities": ("纸巾", "垃圾袋", "洗衣液"),
    "computers": ("笔记本电脑", "台式整机", "一体机"),
    "contract_phones": ("合约5G手机", "合约套餐手机", "合约老人机"),
    "cars": ("新车订金", "二手车订金", "新能源车订金"),
    "vehicle_dealer": ("试驾券", "保养套餐", "购车代金券"),
    "real_estate": ("看房券", "购房代金券", "车位订金"),
    "adult_family_planning": ("安全套", "验孕棒", "润滑液"),
    "ebike_battery": ("锂电池", "铅酸电池", "电池换新"),
    "fuel_cards": ("中石化加油卡", "中石油加油卡", "电子加油券"),
    "game_topup": ("游戏点卡", "游戏币充值", "游戏月卡"),
    "prepaid_cards": ("超市预付卡", "购物预付卡", "餐饮预付卡"),
    "second_hand_phones": ("二手苹果手机", "二手安卓手机", "二手折叠屏"),
    "chinese_painting": ("山水画", "花鸟画", "书法作品"),
    "electric_water_heater": ("储水式热水器", "即热式热水器", "小厨宝"),
    "second_hand_audio": ("二手音箱", "二手功放", "二手投影仪"),
    "silver_bangles": ("足银手镯", "银手链", "儿童银镯"),
    "slimming_patches": ("瘦身贴", "暖宫贴", "塑形贴"),
    "telecom_services": ("宽带办理", "流量包", "手机卡"),
    "durian": ("金枕榴莲", "猫山王榴莲", "榴莲肉"),
    "live_dogs_cats": ("幼犬", "幼猫", "宠物犬"),
    "tv": ("液晶电视", "激光电视", "智慧屏"),
    "coins": ("纪念币", "古钱币", "银币"),
    "mammoth_ivory": ("猛犸牙雕件", "猛犸牙手串", "猛犸牙吊坠"),
    "medical_devices": ("制氧机", "雾化器", "血糖仪"),
    "tea_gift_box": ("茶叶礼盒", "组合茶礼", "节日茶礼"),
}
"""Leaf categories of the special industries whose platform name is one word; a name that
lists several (``鲜花速递/花卉仿真/绿植园艺``) gives its own leaves (:func:`leaf_names`)."""

LEAF_PRICE_FACTORS: Final = (1.0, 0.7, 1.4, 0.85)
"""Median price of a special industry's n-th leaf against its profile price."""


def leaf_names(code: str, chinese_name: str) -> tuple[str, ...]:
    """The leaf categories of a special industry: its written leaves, else the parts of its
    platform name, else (a code no one has described yet) the name itself."""
    return LEAF_NAMES.get(code) or leaf_nouns(chinese_name)
