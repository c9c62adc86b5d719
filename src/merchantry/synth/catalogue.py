"""The category catalogue: industries, leaf categories, prices and return habits.

Industries follow the rows of the technical-service-fee table (platform rules
§3.1), so a rulebook can key fee rates on ``categories.industry``. Each
industry also carries how its orders come back (no-reason returns, quality,
sizing, transit damage), which is what makes apparel return far more often than
food. The codes are stable: ``docs/synthetic-data.md`` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from merchantry.synth.scope_catalogue import (
    BULKY_CODES,
    LEAF_PRICE_FACTORS,
    leaf_names,
    leaf_nouns,
    profile,
)


@dataclass(frozen=True, slots=True)
class Industry:
    """An industry: fee-table row, top-level category and after-sales habits.

    Rates are probabilities per order for an ordinary shop and SKU; planted
    poor-quality shops and sizing SKUs multiply them.
    """

    code: str
    name: str
    changed_mind: float
    """No-reason returns (七天无理由)."""
    quality: float
    """Quality complaints (broken, faulty, smells, expired)."""
    sizing: float
    """Wrong-size returns: only where sizes exist."""
    damage: float
    """Damaged in transit."""
    bulky: bool = False
    """Ships as a bulky item (its own carriers, bulky insurance)."""


@dataclass(frozen=True, slots=True)
class Leaf:
    """A leaf category: where products live."""

    name: str
    industry: str
    after_sales_days: int
    price_fen: int
    """Median list price."""
    nouns: tuple[str, ...]
    """Product nouns for titles and search queries."""


INDUSTRIES: Final[tuple[Industry, ...]] = (
    Industry("digital_3c", "3C数码", 0.030, 0.020, 0.0, 0.008),
    Industry("large_appliance", "大家电", 0.010, 0.015, 0.0, 0.020, bulky=True),
    Industry("apparel", "服饰内衣", 0.110, 0.030, 0.080, 0.003),
    Industry("shoes_bags", "鞋靴箱包", 0.080, 0.030, 0.060, 0.003),
    Industry("skincare", "美妆护肤", 0.040, 0.020, 0.0, 0.005),
    Industry("makeup", "彩妆香水", 0.040, 0.020, 0.0, 0.006),
    Industry("personal_care", "个护家清", 0.020, 0.015, 0.0, 0.008),
    Industry("food_snacks", "食品饮料", 0.006, 0.010, 0.0, 0.006),
    Industry("grain_oil", "粮油调味", 0.004, 0.008, 0.0, 0.008),
    Industry("fresh_produce", "生鲜", 0.003, 0.020, 0.0, 0.030),
    Industry("nutrition", "营养保健", 0.015, 0.010, 0.0, 0.003),
    Industry("pet_food", "宠物食品", 0.015, 0.012, 0.0, 0.005),
    Industry("pet_other", "宠物用品", 0.030, 0.020, 0.0, 0.005),
    Industry("baby", "母婴", 0.030, 0.015, 0.010, 0.004),
    Industry("toys", "玩具乐器", 0.030, 0.020, 0.0, 0.006),
    Industry("gold_jewellery", "珠宝黄金", 0.040, 0.010, 0.010, 0.001),
    Industry("home_furniture", "家居家具", 0.020, 0.020, 0.0, 0.015, bulky=True),
    Industry("sports_outdoor", "运动户外", 0.050, 0.020, 0.020, 0.004),
    Industry("education", "教育培训", 0.020, 0.010, 0.0, 0.0),
)

CORE_LEAVES: Final[tuple[Leaf, ...]] = (
    Leaf("手机", "digital_3c", 15, 199_900, ("5G智能手机", "拍照手机", "老人手机")),
    Leaf("蓝牙耳机", "digital_3c", 15, 19_900, ("降噪蓝牙耳机", "运动耳机", "半入耳式耳机")),
    Leaf("充电宝", "digital_3c", 7, 9_900, ("快充充电宝", "磁吸移动电源", "大容量充电宝")),
    Leaf("平板电脑", "digital_3c", 15, 249_900, ("学习平板", "办公平板电脑")),
    Leaf("冰箱", "large_appliance", 60, 299_900, ("双开门冰箱", "一级能效冰箱", "风冷无霜冰箱")),
    Leaf("洗衣机", "large_appliance", 60, 199_900, ("滚筒洗衣机", "洗烘一体机")),
    Leaf("空调", "large_appliance", 60, 329_900, ("变频空调挂机", "立式空调")),
    Leaf("电视", "large_appliance", 60, 259_900, ("4K智能电视", "75英寸液晶电视")),
    Leaf("连衣裙", "apparel", 15, 15_900, ("法式碎花连衣裙", "收腰显瘦长裙", "针织连衣裙")),
    Leaf("男士T恤", "apparel", 15, 6_900, ("纯棉短袖T恤", "宽松圆领T恤", "冰丝速干T恤")),
    Leaf("羽绒服", "apparel", 15, 45_900, ("加厚白鸭绒羽绒服", "轻薄羽绒服", "连帽长款羽绒服")),
    Leaf("内衣", "apparel", 7, 5_900, ("无痕内衣", "纯棉睡衣套装", "保暖内衣")),
    Leaf("运动鞋", "shoes_bags", 15, 29_900, ("透气跑步鞋", "老爹鞋", "休闲板鞋")),
    Leaf("女士单鞋", "shoes_bags", 15, 19_900, ("尖头高跟鞋", "平底乐福鞋", "玛丽珍鞋")),
    Leaf("双肩包", "shoes_bags", 15, 15_900, ("通勤双肩包", "大容量旅行背包", "学生书包")),
    Leaf("面霜", "skincare", 7, 19_900, ("保湿面霜", "修护面霜", "抗皱紧致霜")),
    Leaf("精华液", "skincare", 7, 29_900, ("烟酰胺精华", "玻尿酸精华液", "抗老精华")),
    Leaf("面膜", "skincare", 7, 9_900, ("补水面膜", "清洁泥膜", "睡眠面膜")),
    Leaf("口红", "makeup", 7, 12_900, ("丝绒哑光口红", "滋润唇膏", "唇釉")),
    Leaf("粉底液", "makeup", 7, 16_900, ("持妆粉底液", "遮瑕气垫", "控油粉底")),
    Leaf("香水", "makeup", 7, 39_900, ("淡香水", "木质调香水", "香水小样套装")),
    Leaf("洗发水", "personal_care", 7, 5_900, ("去屑洗发水", "无硅油洗发露", "控油蓬松洗发水")),
    Leaf("洗衣液", "personal_care", 7, 4_500, ("浓缩洗衣液", "除菌洗衣液", "洗衣凝珠")),
    Leaf("抽纸", "personal_care", 7, 3_900, ("原木抽纸", "柔韧面巾纸", "湿厕纸")),
    Leaf("坚果炒货", "food_snacks", 7, 5_900, ("每日坚果", "夏威夷果", "手剥巴旦木")),
    Leaf("饼干糕点", "food_snacks", 7, 2_900, ("苏打饼干", "蛋黄酥", "传统糕点礼盒")),
    Leaf("饮料冲调", "food_snacks", 7, 4_900, ("冷萃咖啡", "无糖茶饮", "燕麦奶")),
    Leaf("白酒", "food_snacks", 7, 29_900, ("浓香型白酒", "酱香型白酒礼盒")),
    Leaf("食用油", "grain_oil", 7, 7_900, ("压榨花生油", "非转基因大豆油", "山茶油")),
    Leaf("大米", "grain_oil", 7, 5_900, ("东北大米", "五常稻花香米", "泰国香米")),
    Leaf("酱油调味", "grain_oil", 7, 2_500, ("生抽酱油", "蚝油", "火锅底料")),
    Leaf("水果", "fresh_produce", 7, 6_900, ("赣南脐橙", "阳光玫瑰葡萄", "红心猕猴桃")),
    Leaf("海鲜水产", "fresh_produce", 7, 16_900, ("鲜活大闸蟹", "冷冻虾仁", "三文鱼刺身")),
    Leaf("肉禽蛋", "fresh_produce", 7, 8_900, ("散养土鸡蛋", "黑猪五花肉", "牛排套餐")),
    Leaf("维生素", "nutrition", 15, 12_900, ("复合维生素", "维生素C泡腾片", "鱼油软胶囊")),
    Leaf("蛋白粉", "nutrition", 15, 19_900, ("乳清蛋白粉", "植物蛋白粉")),
    Leaf("滋补品", "nutrition", 15, 39_900, ("即食燕窝", "阿胶糕", "枸杞原浆")),
    Leaf("猫粮", "pet_food", 15, 12_900, ("全价无谷猫粮", "幼猫奶糕粮", "冻干猫粮")),
    Leaf("狗粮", "pet_food", 15, 15_900, ("成犬粮", "小型犬狗粮")),
    Leaf("猫砂", "pet_other", 15, 4_900, ("豆腐猫砂", "膨润土猫砂", "混合猫砂")),
    Leaf("宠物玩具", "pet_other", 15, 2_900, ("逗猫棒", "狗狗磨牙玩具", "宠物窝")),
    Leaf("纸尿裤", "baby", 15, 12_900, ("超薄纸尿裤", "拉拉裤", "婴儿湿巾")),
    Leaf("奶粉", "baby", 15, 25_900, ("婴幼儿配方奶粉", "羊奶粉")),
    Leaf("童装", "baby", 15, 8_900, ("儿童卫衣", "宝宝连体衣", "儿童羽绒服")),
    Leaf("积木", "toys", 15, 19_900, ("拼装积木", "磁力片", "益智拼图")),
    Leaf("毛绒玩具", "toys", 15, 5_900, ("毛绒公仔", "安抚玩偶")),
    Leaf("遥控车", "toys", 15, 15_900, ("遥控越野车", "遥控飞机")),
    Leaf("足金首饰", "gold_jewellery", 35, 299_900, ("足金手镯", "黄金转运珠", "足金项链")),
    Leaf("银饰", "gold_jewellery", 35, 19_900, ("纯银耳钉", "银手链", "情侣对戒")),
    Leaf("床垫", "home_furniture", 45, 199_900, ("乳胶床垫", "独立弹簧床垫")),
    Leaf("沙发", "home_furniture", 45, 399_900, ("布艺沙发", "真皮沙发", "懒人沙发")),
    Leaf("收纳家具", "home_furniture", 30, 19_900, ("实木书架", "收纳柜", "鞋柜")),
    Leaf("瑜伽垫", "sports_outdoor", 15, 4_900, ("加厚瑜伽垫", "健身弹力带", "泡沫轴")),
    Leaf("帐篷", "sports_outdoor", 15, 39_900, ("露营帐篷", "天幕", "折叠露营椅")),
    Leaf("运动服", "sports_outdoor", 15, 12_900, ("速干运动套装", "瑜伽裤", "骑行服")),
    Leaf("在线课程", "education", 7, 29_900, ("少儿英语课", "Python编程课", "考研网课")),
    Leaf("图书教材", "education", 7, 4_900, ("教辅练习册", "儿童绘本", "考公教材")),
)


RULEBOOK_INDUSTRIES: Final[dict[str, str]] = {
    # experience-score industries of the Douyin weight table (notice aJmVWbCJyD8M)
    "accessories": "配饰",
    "agricultural_supplies": "农用物资",
    "ambient_food": "常温品",
    "apparel_accessories": "服饰配件",
    "bags": "箱包",
    "bodhi_walnut": "菩提/核桃",
    "books": "书籍/杂志/报纸",
    "car_supplies": "汽车用品",
    "ceramics": "陶瓷",
    "chilled_meat_eggs": "肉蛋低温制品",
    "cross_border_fashion": "跨境时尚",
    "cross_border_fmcg": "跨境大快消",
    "cross_border_health": "跨境大健康",
    "custom_jewellery": "定制珠宝文玩",
    "dried_fruit_jerky": "干果肉干",
    "dry_goods": "南北干货/肉类干货",
    "fashion_accessories": "服饰配件",
    "flower_delivery": "鲜花速递/花卉仿真/绿植园艺",
    "flowers_plants": "花卉/绿植盆栽",
    "fresh_flowers": "生活鲜花",
    "fruit": "水果",
    "functional_glasses": "功能眼镜",
    "game_services": "游戏服务",
    "gifts_creative": "礼品文创",
    "green_tea": "绿茶",
    "hair_accessories": "发饰",
    "handicraft_heritage": "手工艺/非遗技艺",
    "high_end_3c": "高端3C数码",
    "home_appliance": "家电",
    "home_fabrics": "居家布艺",
    "home_textiles": "家纺",
    "hosiery": "泛丝袜",
    "household_goods": "居家日百",
    "jade": "翡翠玉石",
    "kids_apparel": "孕童鞋服",
    "kitchenware": "餐厨用具",
    "large_baby_goods": "大件婴童用品",
    "large_toys": "大件玩具",
    "lighters_knives": "打火机/烟具/瑞士军刀",
    "liquor": "酒水",
    "live_pets": "宠物活体",
    "live_seafood": "活鲜",
    "local_services": "本地生活",
    "maternity_supplies": "孕产用品",
    "medical_health": "医疗健康",
    "medicine": "药品",
    "mens_shoes": "男鞋",
    "mens_wear": "男装",
    "optical_glasses": "光学眼镜",
    "perishable_fruit": "易损水果",
    "pet_supplies": "宠物食品及用品",
    "rc_toys": "遥控电动类玩具",
    "seafood": "海鲜水产",
    "second_hand_digital": "二手数码百货",
    "second_hand_luxury": "二手奢侈品",
    "sportswear": "运动鞋服",
    "study_supplies": "学习用品",
    "succulents": "多肉植物",
    "sunglasses": "太阳眼镜/配件/护理剂",
    "tea": "茶",
    "travel_luggage": "旅行箱",
    "trendy_apparel": "潮品鞋服",
    "underwear": "内衣裤袜",
    "vegetables": "蔬菜/蔬菜制品",
    "watches": "钟表",
    "wigs": "假发及配件",
    "womens_shoes": "女鞋",
    "womens_wear": "女装",
    "wood_collectibles": "木作文玩",
    # fee-table rows (technical service fee, software fee, annual fee)
    "electric_toothbrush": "电动牙刷",
    "gift_card": "礼品卡",
    "luxury_beauty": "奢品美妆",
    "phone_topup": "话费充值",
    "second_hand_3c": "二手3C",
    "eyewear": "眼镜",
    "daily_necessities": "日用百货",
    "computers": "电脑整机",
    "contract_phones": "合约机",
    "cars": "新车/二手车",
    "vehicle_dealer": "汽车经销商",
    "real_estate": "房产",
    # deposits and settlement special categories
    "adult_family_planning": "成人计生",
    "ebike_battery": "电动车电池",
    "ebike_charger_socket": "电动车充电器/插座",
    "fuel_cards": "加油卡",
    "game_topup": "游戏点卡充值",
    "pharmacy_medical": "药房/医疗器械（即时零售）",
    "prepaid_cards": "预付卡",
    "second_hand_phones": "二手手机",
    "chinese_painting": "国画",
    "electric_water_heater": "电热水器",
    "second_hand_audio": "二手影音电器",
    "silver_bangles": "银手镯",
    "slimming_patches": "减肥贴",
    "telecom_services": "通信服务",
    "durian": "鲜榴莲",
    "cherries": "车厘子/樱桃",
    "river_crab": "河蟹/大闸蟹",
    "live_dogs_cats": "活体犬猫",
    "live_birds_reptiles": "鹦鹉/爬宠",
    "tv": "电视",
    "fridge_washer": "冰箱/洗衣机",
    "gpu_motherboard": "显卡/主板",
    # affiliate (精选联盟) entry bars by category (notice aJnqsVF4GoLD)
    "coins": "钱币",
    "mammoth_ivory": "猛犸牙",
    "cordyceps_tonics": "冬虫夏草/灵芝孢子粉/松花粉",
    "medical_devices": "医疗器械",
    "tea_gift_box": "多品种茶叶礼盒",
}
"""Industry codes the shipped rulebooks name beyond the core :data:`INDUSTRIES`, with the
platform's name. Each is also a *special industry* of the generator (:data:`SPECIAL_INDUSTRIES`,
with several leaves of the same code): the core shop mix draws none, and a few percent of
shops are moved into them afterwards from their own random stream (``synth/scopes.py``), so
every rule keyed on one of these codes meets generated rows. A test holds every code a
shipped rulebook names to this list or :data:`INDUSTRIES`, so a misspelt code is caught."""

_CORE_BY_CODE: Final = {ind.code: ind for ind in INDUSTRIES}


def _special_industry(code: str, name: str) -> Industry:
    like = _CORE_BY_CODE[profile(code).like]
    return Industry(
        code,
        name,
        like.changed_mind,
        like.quality,
        like.sizing,
        like.damage,
        bulky=code in BULKY_CODES,
    )


SPECIAL_INDUSTRIES: Final[tuple[Industry, ...]] = tuple(
    _special_industry(code, name) for code, name in RULEBOOK_INDUSTRIES.items()
)
"""An industry per rulebook code, with the return habits of the core industry it is like."""

ALL_INDUSTRIES: Final[tuple[Industry, ...]] = INDUSTRIES + SPECIAL_INDUSTRIES
"""Core then special industries: the index space of ``LEAF_INDUSTRY`` and shop industries."""

INDUSTRY_INDEX: Final = {ind.code: i for i, ind in enumerate(ALL_INDUSTRIES)}

SPECIAL_LEAVES: Final[tuple[Leaf, ...]] = tuple(
    Leaf(
        name,
        ind.code,
        profile(ind.code).after_sales_days,
        max(round(profile(ind.code).price_yuan * LEAF_PRICE_FACTORS[k % 4]), 1) * 100 - 10,
        (name, *leaf_nouns(ind.name)[:1]),
    )
    for ind in SPECIAL_INDUSTRIES
    for k, name in enumerate(leaf_names(ind.code, ind.name))
)
"""Several leaves per special industry (its category industry is its code), priced around
the industry's profile price (``scope_catalogue.LEAF_NAMES``)."""

LEAVES: Final[tuple[Leaf, ...]] = CORE_LEAVES + SPECIAL_LEAVES
"""Every leaf: the core ones first, so their ids and indices never move."""


def category_id(industry_index: int) -> str:
    """Id of an industry's top-level category: ``C01``..."""
    return f"C{industry_index + 1:02d}"


def leaf_id(leaf_index: int) -> str:
    """Id of a leaf category: its industry's id followed by a three-digit number."""
    leaf = LEAVES[leaf_index]
    industry = INDUSTRY_INDEX[leaf.industry]
    return f"{category_id(industry)}{leaf_index + 1:03d}"


LEAF_INDUSTRY: Final = tuple(INDUSTRY_INDEX[leaf.industry] for leaf in LEAVES)
"""Industry index of each leaf, by leaf index."""
