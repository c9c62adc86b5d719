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
