# ruff: noqa: E501 - titles are sentences; one per line reads best
"""Chinese titles of the shipped rulebooks' rules, keyed by rule id and the English title.

A rulebook YAML gives each rule an English ``title``; the console shows it in Chinese from
here. Each entry pairs the English title it translates with its Chinese, so a title that
changes in a rulebook shows in English (and a test fails) instead of showing a stale
translation. Rules whose titles follow a pattern (the score rulebooks' per-category
indicator weights) are translated by :mod:`merchantry.console.rule_titles`, not listed.
"""

from __future__ import annotations

from typing import Final

RULEBOOK_TITLES: Final[dict[str, dict[str, str]]] = {
    "douyin-2022-new-merchant": {
        "Douyin 2022 new-merchant programme (fees in force; rewards handled by programmes)": "抖音 2022 新商家扶持（现行费用；奖励由扶持计划处理）"
    },
    "douyin-2025": {"Douyin e-commerce fees, 2025 baseline": "抖音电商费用，2025 基线"},
    "douyin-2026": {
        "Douyin e-commerce fees, 2026 (nine support policies upgraded)": "抖音电商费用，2026（九项扶持政策升级）"
    },
    "douyin-score-2026-05": {
        "Douyin store experience score, 2026-05-07 text": "抖音商家体验分，2026-05-07 版"
    },
    "douyin-score-2026-09-listings": {
        "Douyin store experience score, 2026-07-14 text with the 2026-09 proposal's listing deductions": "抖音商家体验分，2026-07-14 版加 2026-09 征求意见稿的商品信息扣分"
    },
    "douyin-score-2026-07": {
        "Douyin store experience score, 2026-07-14 service revision": "抖音商家体验分，2026-07-14 服务修订版"
    },
    "reco-2026": {
        "Recommendation governance, 2026 (post-purchase suppression, quality-aware boost)": "推荐治理，2026（购后抑制、质量加权）"
    },
    "risk-2026": {
        "After-sales risk control, 2026 (rings, integrity file, refund pre-identification)": "售后风控，2026（团伙、诚信档案、退款预识别）"
    },
    "taobao-2026": {
        "Tmall/Taobao category software service fee, 2026": "天猫/淘宝类目软件服务费，2026"
    },
    "taobao-score-2026": {
        "Taobao real experience score, 2026-03-16 revision": "淘宝真实体验分，2026-03-16 修订版"
    },
}
"""Rulebook name -> {English title: Chinese title}."""

RULE_TITLES: Final[dict[str, dict[str, str]]] = {
    "deposit.advance.zero-deposit": {
        "After an uncovered platform advance, zero-deposit shops owe 2x a counted ¥500 base (lowered after 30 covered days)": "平台先行垫付未覆盖时，0 元入驻店铺按 500 元基数的 2 倍缴纳（连续 30 天无此情形后下调）"
    },
    "deposit.advance.special": {
        "After an uncovered platform advance, special-category base-deposit shops owe 2x a counted ¥5,000 base (lowered after 30 covered days)": "平台先行垫付未覆盖时，特殊类目基础保证金店铺按 5000 元基数的 2 倍缴纳（连续 30 天无此情形后下调）"
    },
    "deposit.advance": {
        "After an uncovered platform advance past the lower of the deposit balance and the base due, a shop owes 2x its base due (lowered after 30 covered days)": "平台先行垫付超过保证金余额与应缴基础保证金中较低者时，店铺须缴纳 2 倍基础保证金（连续 30 天无此情形后下调）"
    },
    "commission.reserve": {
        "5% of each settled commission stays in the creator's reserve for 15 days (none cross-border)": "每笔已结算佣金的 5% 作为达人账户保证金留存 15 天（跨境不留存）"
    },
    "colonel.fee": {
        "Colonel-plan sales pay the colonel its service fee on the commission base; the colonel pays the platform {platform_rate_bp} of it": "团长招商订单按佣金结算基数向团长支付团长服务费；团长向平台支付其中 {platform_rate_bp} 的技术服务费"
    },
    "deposit.special.chinese-painting": {
        "Chinese paintings (collectibles) owe a ¥5,000 base deposit": "国画（文玩收藏）基础保证金 5000 元"
    },
    "deposit.special.coins-wood-collectibles": {
        "Coins and wooden collectibles owe a ¥5,000 base deposit (some leaves ¥10,000)": "钱币与木作文玩基础保证金 5000 元（部分叶子类目 10000 元）"
    },
    "deposit.advance.cross-border-special": {
        "After an uncovered platform advance, cross-border shops of special categories owe 10x their base due (lowered after 30 covered days)": "平台先行垫付未覆盖时，特殊类目跨境店铺须缴纳 10 倍应缴基础保证金（连续 30 天无此情形后下调）"
    },
    "commission.freeze": {
        "A confirmed creator violation freezes the creator's unwithdrawn commission for 180 days": "达人违规经确认后，其未提现佣金冻结 180 天"
    },
    "deduct.false_advertising": {
        "False advertising costs 10 points at once, at most 10 in the window": "虚假宣传一次扣 10 分，考核期内最多扣 10 分"
    },
    "deduct.brand_confusion": {
        "Confusing brand information costs 10 points at once, at most 10 in the window": "发布混淆品牌信息一次扣 10 分，考核期内最多扣 10 分"
    },
    "deposit.performance-insurance": {
        "New Tmall shops of the 2026 Q3 window may insure their deposit instead of paying it in cash": "2026 年第三季度窗口期内的天猫新商家可投保保证金履约保障险，代替缴纳现金保证金"
    },
    "refund.response": {
        "Refund requests must be answered within 5 business hours, unless the instant refund before shipment applies": "退款申请须在 5 个工作小时内处理（发货前极速退款除外）"
    },
    "tsf.base.default": {"Any other industry pays a 5% base rate": "其他行业基础费率 5%"},
    "tsf.base.cross-border.600": {
        "Cross-border apparel, shoes & bags, toys, sports, other pet, second-hand 3C, eyewear, kitchenware, accessories, daily goods pay 6%": "跨境服饰鞋包、玩具、运动、其他宠物、二手3C、眼镜、厨具、配饰、日用百货费率 6%"
    },
    "tsf.base.cross-border.500": {
        "Cross-border skincare, make-up and luxury beauty pay 5%": "跨境护肤、彩妆及奢侈品美妆费率 5%"
    },
    "tsf.base.cross-border.400": {
        "Cross-border large appliances and nutrition pay 4%": "跨境大家电与营养保健费率 4%"
    },
    "tsf.base.cross-border.350": {
        "Cross-border personal care, dog/cat food and electric toothbrushes pay 3.5%": "跨境个护、猫狗主粮与电动牙刷费率 3.5%"
    },
    "tsf.base.cross-border.300": {
        "Cross-border 3C, snacks, fresh produce, baby goods and phone top-up pay 3%": "跨境3C、零食、生鲜、母婴与话费充值费率 3%"
    },
    "tsf.base.cross-border.200": {
        "Cross-border cooking oil and grains pay 2%": "跨境食用油与粮食费率 2%"
    },
    "tsf.base.cross-border.160": {"Cross-border education pays 1.6%": "跨境教育培训费率 1.6%"},
    "tsf.base.cross-border.gold": {
        "Cross-border gold jewellery pays 1.6%": "跨境黄金珠宝费率 1.6%"
    },
    "tsf.base.fashion-toys-pets": {
        "Apparel (incl. men's wear, underwear), shoes & bags, other pet, toys, sports, luxury beauty, second-hand 3C, eyewear, kitchenware, accessories, daily goods pay 5%": "服饰（含男装、内衣）、鞋包、其他宠物、玩具、运动、奢侈品美妆、二手3C、眼镜、厨具、配饰、日用百货费率 5%"
    },
    "tsf.base.beauty": {"Skincare and make-up pay a 4% base rate": "护肤与彩妆基础费率 4%"},
    "tsf.base.appliance-nutrition": {
        "Large appliances and nutrition pay a 3% base rate": "大家电与营养保健基础费率 3%"
    },
    "tsf.base.care-petfood": {
        "Personal & home care, dog/cat food and electric toothbrushes pay a 2.5% base rate": "个护家清、猫狗主粮与电动牙刷基础费率 2.5%"
    },
    "tsf.base.digital-food-baby": {
        "3C digital, snacks & drinks, fresh produce and baby goods pay a 2% base rate": "3C数码、零食饮料、生鲜与母婴基础费率 2%"
    },
    "tsf.base.grain-oil": {"Cooking oil and grains pay a 1% base rate": "食用油与粮食基础费率 1%"},
    "tsf.base.education": {"Education and training pay a 0.6% base rate": "教育培训基础费率 0.6%"},
    "tsf.base.gold": {"Gold jewellery pays a 0.6% base rate": "黄金珠宝基础费率 0.6%"},
    "tsf.base.phone-topup": {"Phone top-up pays a 0.3% base rate": "话费充值基础费率 0.3%"},
    "tsf.waiver.product-card": {
        "2025 product-card waiver keeps only 0.6% on shelf orders": "2025 年商品卡免佣：货架订单仅收 0.6%",
        "2026 product-card waiver (Type 1) keeps only 0.6% on product-card orders inside the Douyin Mall page": "2026 年商品卡免佣（一类）：抖音商城页内的商品卡订单仅收 0.6%",
    },
    "tsf.waiver.product-card-cross-border": {
        "2025 product-card waiver keeps 1% on cross-border shelf orders": "2025 年商品卡免佣：跨境货架订单仅收 1%",
        "2026 product-card waiver (Type 1) keeps 1% on cross-border product-card orders inside the Douyin Mall page": "2026 年商品卡免佣（一类）：抖音商城页内的跨境商品卡订单仅收 1%",
    },
    "tsf.waiver.fresh-produce": {
        "Fresh produce keeps only the 0.6% payment-channel fee": "生鲜仅收 0.6% 支付通道费"
    },
    "tsf.waiver.multi-category-rebate": {
        "Men's wear, underwear, eyewear, daily goods and kitchenware get a 4.4% fee rebate until 2025-09-30": "男装、内衣、眼镜、日用百货与厨具返还 4.4% 技术服务费，至 2025-09-30"
    },
    "tsf.waiver.multi-category-accessories": {
        "Clothing accessories keep only 0.6% in 2025 (multi-category waiver)": "服饰配件 2025 年仅收 0.6%（多类目免佣）"
    },
    "tsf.waiver.new-merchant-2025-03": {
        "Shops registered in March 2025 keep only 0.6% on product-card, live and short-video orders for 90 days": "2025 年 3 月入驻的店铺，商品卡、直播与短视频订单 90 天内仅收 0.6%"
    },
    "aff.range.special": {
        "Gold, PC, second-hand and contract-phone affiliate commissions may go down to 1%": "黄金、电脑、二手与合约机的联盟佣金率最低可至 1%"
    },
    "aff.daily": {
        "Affiliate orders pay the creator the daily commission rate, inside 5%..90%": "联盟订单按日常佣金率付达人佣金，范围 5%–90%"
    },
    "creator.fee.a-b": {
        "Creators rated A, B+ or B pay 10% of their commission": "A、B+、B 级达人按佣金的 10% 缴纳服务费"
    },
    "creator.fee.c": {
        "Creators rated C pay 20% of their commission": "C 级达人按佣金的 20% 缴纳服务费"
    },
    "creator.fee.d": {
        "Creators rated D pay 40% of their commission": "D 级达人按佣金的 40% 缴纳服务费"
    },
    "creator.fee.unrated": {
        "Creators without a rating pay 10% of their commission": "无评级达人按佣金的 10% 缴纳服务费"
    },
    "promo.billing": {
        "Ad cost is billed on every ad-driven order": "广告费按全部广告成交订单计费",
        "Ad cost is billed on net deals - instant-refund (秒退) orders are not billed": "广告费按净成交计费：秒退订单不计费",
    },
    "promo.refund": {
        "Promotion fees on refunded orders are refunded pro rata": "退款订单的推广费按比例退还"
    },
    "insurance.small-cut3": {
        "Small-item return-shipping insurance premium after the third price cut (from 2025-10-09)": "小件运费险保费（2025-10-09 第三次降价后）"
    },
    "insurance.small-upgraded-cut3": {
        "Upgraded small-item insurance premium after the third price cut (from 2025-10-09)": "升级版小件运费险保费（2025-10-09 第三次降价后）"
    },
    "insurance.bulky-cut3": {
        "Bulky-item insurance premium after the third price cut (from 2025-10-09)": "大件运费险保费（2025-10-09 第三次降价后）"
    },
    "insurance.small": {
        "Small-item return-shipping insurance premium (before the third cut)": "小件运费险保费（第三次降价前）"
    },
    "insurance.small-upgraded": {
        "Upgraded small-item return-shipping insurance premium (before the third cut)": "升级版小件运费险保费（第三次降价前）"
    },
    "insurance.bulky": {
        "Bulky-item return-shipping insurance premium (before the third cut)": "大件运费险保费（第三次降价前）"
    },
    "insurance.terms.small": {
        "Small-item insurance pays claims up to ¥24 on returns asked within 90 days of shipment": "小件运费险：发货后 90 天内申请的退货，最高赔付 ¥24"
    },
    "insurance.terms.small-upgraded": {
        "Upgraded small-item insurance pays claims up to ¥50 within 90 days of shipment": "升级版小件运费险：发货后 90 天内最高赔付 ¥50"
    },
    "insurance.terms.bulky": {
        "Bulky-item insurance pays claims up to ¥1,000 within 90 days of shipment": "大件运费险：发货后 90 天内最高赔付 ¥1,000"
    },
    "coupon.platform": {
        "Platform-funded coupons are credited to the merchant": "平台出资的优惠券计入商家收入"
    },
    "refund.tsf-in-period": {
        "The technical service fee is refunded pro rata for refunds inside the after-sales period": "售后期内退款的订单按比例退还技术服务费"
    },
    "settle.zero-deposit": {
        "Zero-deposit-entry shops settle 21 days after confirmed receipt": "0 元入驻店铺确认收货后 21 天结算"
    },
    "settle.default": {
        "Other shops settle 4 days after confirmed receipt": "其他店铺确认收货后 4 天结算",
        "Other shops settle 3 days after confirmed receipt": "其他店铺确认收货后 3 天结算",
    },
    "deposit.special.telecom-topup": {
        "Phone top-up and telecom services owe a ¥200,000 base deposit": "话费充值与通信服务基础保证金 ¥200,000"
    },
    "deposit.special.second-hand-phones": {
        "Second-hand phones owe a ¥20,000 base deposit": "二手手机基础保证金 ¥20,000"
    },
    "deposit.experience.durian-cherries": {
        "Fresh durian and cherries owe a ¥100,000 experience deposit": "鲜榴莲与车厘子体验保证金 ¥100,000"
    },
    "deposit.experience.hairy-crab": {
        "Hairy crabs owe a ¥100,000 experience deposit": "大闸蟹体验保证金 ¥100,000"
    },
    "deposit.experience.live-dogs-cats": {
        "Live dogs and cats owe a ¥50,000 experience deposit": "活体猫狗体验保证金 ¥50,000"
    },
    "deposit.experience.tv": {
        "Televisions owe a ¥50,000 experience deposit": "电视体验保证金 ¥50,000"
    },
    "deposit.experience.second-hand-luxury": {
        "Second-hand luxury goods owe a ¥50,000 experience deposit": "二手奢侈品体验保证金 ¥50,000"
    },
    "deposit.experience.birds-reptiles": {
        "Parrots and reptiles owe a ¥30,000 experience deposit": "鹦鹉与爬宠体验保证金 ¥30,000"
    },
    "deposit.experience.pc-parts-second-hand-3c": {
        "Graphics cards, motherboards and second-hand 3C owe a ¥20,000 experience deposit": "显卡、主板与二手3C体验保证金 ¥20,000"
    },
    "deposit.experience.fridge-washer": {
        "Fridges and washing machines owe a ¥20,000 experience deposit": "冰箱与洗衣机体验保证金 ¥20,000"
    },
    "deposit.experience.gold": {
        "Gold jewellery owes a ¥10,000 experience deposit": "黄金珠宝体验保证金 ¥10,000"
    },
    "deposit.zero-deposit": {
        "Zero-deposit-entry shops owe no base deposit while the plan lasts": "0 元入驻店铺在计划期内无需缴纳基础保证金"
    },
    "deposit.pre-cut.tier-1": {
        "Before June 2025, base deposit ¥2,000 for monthly paid GMV under ¥50,000": "2025 年 6 月前：月支付 GMV 低于 ¥50,000，基础保证金 ¥2,000"
    },
    "deposit.pre-cut.tier-2": {
        "Before June 2025, base deposit ¥8,000 for monthly paid GMV ¥50,000-100,000": "2025 年 6 月前：月支付 GMV ¥50,000–100,000，基础保证金 ¥8,000"
    },
    "deposit.pre-cut.tier-3": {
        "Before June 2025, base deposit ¥20,000 for monthly paid GMV over ¥100,000": "2025 年 6 月前：月支付 GMV 超过 ¥100,000，基础保证金 ¥20,000"
    },
    "deposit.tier-3": {
        "Base deposit ¥5,000 for monthly paid GMV over ¥100,000": "月支付 GMV 超过 ¥100,000，基础保证金 ¥5,000"
    },
    "deposit.tier-2": {
        "Base deposit ¥2,000 for monthly paid GMV over ¥50,000 up to ¥100,000": "月支付 GMV 超过 ¥50,000 至 ¥100,000，基础保证金 ¥2,000"
    },
    "deposit.tier-1": {
        "Base deposit ¥500 for monthly paid GMV up to ¥50,000": "月支付 GMV 不超过 ¥50,000，基础保证金 ¥500"
    },
    "deposit.terms": {
        "A shortfall is topped up from goods payments; 48 h below zero brings trading limits; the excess is withdrawn on request, once a week per deposit type": "保证金不足从货款中补足；余额为负满 48 小时限制经营；超出部分可申请提现，每类保证金每周一次"
    },
    "receipt.auto-confirm": {
        "Receipt is confirmed automatically 7 days after delivery when the buyer does not confirm": "买家未确认收货时，签收 7 天后自动确认收货"
    },
    "commission.settle": {
        "Affiliate commission settles 15 days after receipt, or with the goods payment if later": "联盟佣金在确认收货 15 天后结算，货款结算更晚时随货款结算"
    },
    "deposit.deduct.brushing": {
        "A confirmed brushing (刷单) violation takes ¥2,000 from the deposit": "经确认的刷单违规从保证金扣除 ¥2,000"
    },
    "deposit.deduct.any": {
        "Any other confirmed violation takes ¥500 from the deposit": "其他经确认的违规从保证金扣除 ¥500"
    },
    "tsf.channel.cross-border.400": {
        "From 2026-07-15, cross-border 6% categories add 4% on Douyin Mall app / Doubao orders": "自 2026-07-15 起，跨境 6% 类目在抖音商城 App / 豆包订单加收 4%"
    },
    "tsf.channel.cross-border.500": {
        "From 2026-07-15, cross-border skincare, make-up and luxury beauty add 5%": "自 2026-07-15 起，跨境护肤、彩妆及奢侈品美妆加收 5%"
    },
    "tsf.channel.cross-border.520": {
        "From 2026-07-15, cross-border large appliances and nutrition add 5.2%": "自 2026-07-15 起，跨境大家电与营养保健加收 5.2%"
    },
    "tsf.channel.cross-border.460": {
        "From 2026-07-15, cross-border personal care, dog/cat food and electric toothbrushes add 4.6%": "自 2026-07-15 起，跨境个护、猫狗主粮与电动牙刷加收 4.6%"
    },
    "tsf.channel.cross-border.390": {
        "From 2026-07-15, cross-border 3C, snacks, fresh produce, baby goods and phone top-up add 3.9%": "自 2026-07-15 起，跨境3C、零食、生鲜、母婴与话费充值加收 3.9%"
    },
    "tsf.channel.cross-border.260": {
        "From 2026-07-15, cross-border cooking oil and grains add 2.6%": "自 2026-07-15 起，跨境食用油与粮食加收 2.6%"
    },
    "tsf.channel.cross-border.210": {
        "From 2026-07-15, cross-border education and gold add 2.1%": "自 2026-07-15 起，跨境教育培训与黄金加收 2.1%"
    },
    "tsf.channel.fashion-toys-pets": {
        "From 2026-07-15, Douyin Mall app / Doubao orders in the 5% categories add 5%": "自 2026-07-15 起，5% 类目的抖音商城 App / 豆包订单加收 5%"
    },
    "tsf.channel.beauty": {
        "From 2026-07-15, Douyin Mall app / Doubao orders of skincare and make-up add 5.2%": "自 2026-07-15 起，护肤与彩妆的抖音商城 App / 豆包订单加收 5.2%"
    },
    "tsf.channel.appliance-nutrition": {
        "From 2026-07-15, Douyin Mall app / Doubao orders of large appliances and nutrition add 3.9%": "自 2026-07-15 起，大家电与营养保健的抖音商城 App / 豆包订单加收 3.9%"
    },
    "tsf.channel.care-petfood": {
        "From 2026-07-15, Douyin Mall app / Doubao orders of personal care, dog/cat food and electric toothbrushes add 3.3%": "自 2026-07-15 起，个护、猫狗主粮与电动牙刷的抖音商城 App / 豆包订单加收 3.3%"
    },
    "tsf.channel.digital-food-baby": {
        "From 2026-07-15, Douyin Mall app / Doubao orders of 3C, snacks, fresh produce and baby goods add 2.6%": "自 2026-07-15 起，3C、零食、生鲜与母婴的抖音商城 App / 豆包订单加收 2.6%"
    },
    "tsf.channel.grain-oil": {
        "From 2026-07-15, Douyin Mall app / Doubao orders of cooking oil and grains add 1.3%": "自 2026-07-15 起，食用油与粮食的抖音商城 App / 豆包订单加收 1.3%"
    },
    "tsf.channel.education": {
        "From 2026-07-15, Douyin Mall app / Doubao orders of education add 0.8%": "自 2026-07-15 起，教育培训的抖音商城 App / 豆包订单加收 0.8%"
    },
    "tsf.channel.gold": {
        "From 2026-07-15, Douyin Mall app / Doubao orders of gold jewellery add 0.8%": "自 2026-07-15 起，黄金珠宝的抖音商城 App / 豆包订单加收 0.8%"
    },
    "tsf.channel.phone-topup": {
        "From 2026-07-15, Douyin Mall app / Doubao orders of phone top-up add 0.4%": "自 2026-07-15 起，话费充值的抖音商城 App / 豆包订单加收 0.4%"
    },
    "tsf.channel.default": {
        "From 2026-07-15, Douyin Mall app / Doubao orders of any other industry add 5%": "自 2026-07-15 起，其他行业的抖音商城 App / 豆包订单加收 5%"
    },
    "tsf.waiver.content-scenes": {
        "Live and short-video orders get the fee cut by 10% (never below 0.6%)": "直播与短视频订单技术服务费降低 10%（不低于 0.6%）"
    },
    "tsf.waiver.chengfang": {
        "Qianchuan Chengfang orders pay a 0.6% technical service fee (not personal stores)": "千川乘方订单收 0.6% 技术服务费（个人店除外）"
    },
    "promo.waiver-refunded": {"Promotion fees are waived on refunded orders": "退款订单免收推广费"},
    "aff.dual-ad-period": {
        "Ad-boosted affiliate orders settle at the lower ad-period rate (dual commission), inside 5%..90%": "投流加热的联盟订单按较低的投流期佣金率结算（双佣金），范围 5%–90%"
    },
    "settle.special-15": {
        "Watches, electric water heaters, Chinese paintings and other listed categories settle 15 days after receipt": "手表、电热水器、国画等指定类目确认收货后 15 天结算"
    },
    "settle.special-10": {
        "E-bike batteries and chargers and some personal care settle 10 days after receipt": "电动车电池与充电器及部分个护类目确认收货后 10 天结算"
    },
    "settle.instant-retail-adult": {
        "Instant-retail adult & family-planning merchants settle 7 days after receipt": "即时零售成人计生商家确认收货后 7 天结算"
    },
    "settle.instant-retail-pharmacy": {
        "Instant-retail pharmacies and medical-device merchants settle 10 days after receipt": "即时零售药店与医疗器械商家确认收货后 10 天结算"
    },
    "settle.cross-border": {
        "Cross-border goods payments, commissions and colonel fees settle {business_days} working days later": "跨境订单的货款、达人佣金与团长服务费顺延 {business_days} 个工作日结算"
    },
    "settle.long-after-sales": {
        "Categories with an after-sales period over 30 days settle 10 days after receipt": "售后期超过 30 天的类目确认收货后 10 天结算"
    },
    "compensation.quality-merchant": {
        "UNCONFIRMED - shops with an experience score of 90 or more pay 30% less compensation (减赔); the platform bears it": "未确认：体验分 90 分及以上的店铺赔付减少 30%（减赔），由平台承担",
        "Shops with a real experience score of 4.8 or more pay 30% less compensation (减赔); the platform bears it": "真实体验分 4.8 及以上的店铺赔付减少 30%（减赔），由平台承担",
    },
    "scale": {
        "50-100 points, six tiers 50/60/70/80/90/100, 30-day window, consumer display": "50–100 分，50/60/70/80/90/100 六档，30 天考核期，向消费者展示",
        "3-5 points, 30-day window, capped at 5 with bonuses": "3–5 分，30 天考核期，加分后上限 5 分",
    },
    "stage.scope": {
        "Instant-retail and cross-border (全球购) shops are outside this score": "即时零售与跨境（全球购）店铺不参与本体验分"
    },
    "stage.personal": {
        "Personal stores get no growth-stage score, only a formal score from 30 valid orders": "个人店没有成长期分数，满 30 个有效订单后才有正式分数"
    },
    "stage.growth": {
        "Under 30 valid orders in 30 days, growth stage fixed at 70 (60 after bad behaviour)": "30 天内有效订单不足 30 个时为成长期，固定 70 分（有不良行为时 60 分）"
    },
    "bar.bad_reviews": {
        "Growth stage downgraded above 3 bad-review orders": "差评订单超过 3 个，成长期分数降档"
    },
    "bar.quality_returns": {
        "Growth stage downgraded above 3 quality-return orders": "品质退货订单超过 3 个，成长期分数降档"
    },
    "bar.late_pickups": {
        "Growth stage downgraded above 3 orders that missed the pickup deadline": "超时揽收订单超过 3 个，成长期分数降档"
    },
    "weight.product": {
        "Product experience weighs 40%": "商品体验占 40%",
        "Item quality weighs 40%": "商品质量占 40%",
    },
    "weight.logistics": {
        "Logistics experience weighs 30%": "物流体验占 30%",
        "Logistics speed weighs 30%": "物流速度占 30%",
    },
    "weight.service": {
        "Service experience weighs 30%": "服务体验占 30%",
        "Service guarantee weighs 30%": "服务保障占 30%",
    },
    "w.product_rating": {
        "Composite rating is half of the product score": "商品综合评分占商品分的一半"
    },
    "w.quality_return_rate": {
        "Quality-return rate is half of the product score": "品质退货率占商品分的一半"
    },
    "tier.product_rating": {
        "Composite rating tiers at 4.00/4.15/4.30/4.45/4.60 stars": "商品综合评分分档：4.00/4.15/4.30/4.45/4.60 星"
    },
    "tier.quality_return_rate.apparel": {
        "Apparel, shoes and bags tolerate more quality returns": "服饰鞋包对品质退货的容忍度更高"
    },
    "tier.quality_return_rate": {
        "Quality-return rate tiers at 6%/4.5%/3.5%/2.5%/1.5%": "品质退货率分档：6%/4.5%/3.5%/2.5%/1.5%"
    },
    "w.pickup_score": {"Pickup-time score is 40% of logistics": "揽收时效分占物流分的 40%"},
    "w.on_time_delivery_rate": {
        "On-time delivery is 30% of logistics": "物流准时到达率占物流分的 30%"
    },
    "w.logistics_return_rate": {
        "Logistics-quality returns are 30% of logistics": "物流品质退货率占物流分的 30%"
    },
    "pickup.deadline.flowers": {
        "Flowers, green plants and succulents count as picked up on time within 48 hours of payment": "花卉/绿植盆栽、多肉植物店铺：支付后 48 小时内揽收即为达成"
    },
    "pickup.deadline.qic": {
        "QIC-inspected orders count as picked up on time within 48 hours of payment": "QIC 质检订单：支付后 48 小时内揽收即为达成"
    },
    "pickup.24h": {"Picked up within 24 hours scores 100": "24 小时内揽收得 100 分"},
    "pickup.36h": {"Within 36 hours scores 90": "36 小时内揽收得 90 分"},
    "pickup.48h": {"Within 48 hours scores 80": "48 小时内揽收得 80 分"},
    "pickup.72h": {"Within 72 hours scores 60": "72 小时内揽收得 60 分"},
    "tier.on_time_delivery_rate": {
        "On-time delivery tiers at 85/90/93/96/98%": "准时到达率分档：85/90/93/96/98%"
    },
    "tier.logistics_return_rate": {
        "Logistics-quality return tiers at 3/2/1.2/0.6/0.3%": "物流品质退货率分档：3/2/1.2/0.6/0.3%"
    },
    "tier.after_sales_on_time_rate": {
        "After-sales on-time tiers at 80/85/90/95/98%": "售后处理及时率分档：80/85/90/95/98%"
    },
    "tier.feige_response_seconds": {
        "Feige response tiers at 180/120/90/60/30 seconds": "飞鸽响应时长分档：180/120/90/60/30 秒"
    },
    "floor.product_rating.big": {
        "Rating scores 80 below 300 orders (flagships and listed industries), <= 3 bad-review orders": "评分保底 80 分：订单少于 300（旗舰店及指定行业），差评订单不超过 3 个"
    },
    "floor.product_rating": {
        "Rating scores 80 below 500 orders with <= 3 bad-review orders": "评分保底 80 分：订单少于 500，差评订单不超过 3 个"
    },
    "floor.quality_return_rate.big": {
        "Quality-return scores 80 below 300 orders (flagships and listed industries), <= 3 quality-return orders": "品质退货保底 80 分：订单少于 300（旗舰店及指定行业），品质退货订单不超过 3 个"
    },
    "floor.quality_return_rate": {
        "Quality-return scores 80 below 500 orders with <= 3 quality-return orders": "品质退货保底 80 分：订单少于 500，品质退货订单不超过 3 个"
    },
    "floor.logistics_return_rate.big": {
        "Logistics-return scores 80 below 300 orders (flagships and listed industries), <= 3 logistics-quality returns": "物流退货保底 80 分：订单少于 300（旗舰店及指定行业），物流品质退货不超过 3 个"
    },
    "floor.logistics_return_rate": {
        "Logistics-return scores 80 below 500 orders with <= 3 logistics-quality returns": "物流退货保底 80 分：订单少于 500，物流品质退货不超过 3 个"
    },
    "bonus.remote_area": {
        "Remote-area logistics service with a clean remote delivery adds 3 to logistics": "提供偏远地区物流服务且偏远配送无问题，物流分加 3 分"
    },
    "deduct.mocking_consumer": {
        "Mocking consumers costs 3 points per case": "辱骂嘲讽消费者每次扣 3 分"
    },
    "deduct.abnormal_return_address": {
        "An abnormal return address costs 3 points per case": "退货地址异常每次扣 3 分"
    },
    "deduct.refused_after_sales": {
        "Refusing after-sales without reason costs 3 points per case": "无故拒绝售后每次扣 3 分"
    },
    "deduct.refused_invoice": {
        "Refusing an invoice costs 3 points per case": "拒绝开具发票每次扣 3 分"
    },
    "deduct.brushing": {"Brushing orders costs 15 points at once": "刷单一次性扣 15 分"},
    "deduct.fake_review": {"Fake reviews cost 15 points at once": "虚假评价一次性扣 15 分"},
    "intervene.hide.brushing": {
        "Brushing in the window hides the score from consumers": "考核期内有刷单，分数不向消费者展示",
        "Brushing in the window stops the score from being shown": "考核期内有刷单，停止展示分数",
    },
    "intervene.hide.fake_review": {
        "Fake reviews in the window hide the score from consumers": "考核期内有虚假评价，分数不向消费者展示",
        "Fake reviews in the window stop the score from being shown": "考核期内有虚假评价，停止展示分数",
    },
    "intervene.cap.brushing": {
        "Repeated brushing caps the score at 60": "多次刷单，分数上限为 60 分"
    },
    "gate.affiliate.crab": {
        "River crabs need a store score of 75 and a product score above 72; no personal stores": "河蟹需店铺体验分 75 且商品分高于 72；个人店除外"
    },
    "gate.affiliate.live_seafood": {
        "Live seafood needs a store score of 75 and a product score of 72": "活体海鲜需店铺体验分 75 且商品分 72"
    },
    "gate.affiliate.perishable_fruit": {
        "Perishable fruit needs a store score of 72 and a product score of 70": "易腐水果需店铺体验分 72 且商品分 70"
    },
    "gate.affiliate.coins": {
        "Coins and mammoth ivory need a store score of 80": "钱币与猛犸象牙需店铺体验分 80"
    },
    "gate.affiliate.tonics": {
        "Cordyceps, ganoderma spore powder and pine pollen need a store score of 75": "冬虫夏草、灵芝孢子粉与松花粉需店铺体验分 75"
    },
    "gate.affiliate.medical_devices": {
        "Medical devices need a store score of 80 and a product score of 75; no personal stores": "医疗器械需店铺体验分 80 且商品分 75；个人店除外",
        "Medical devices need a store score of 80, a product score of 75 and a mean product score of 75 over the last month; flagship, 专营店 and 专卖店 stores only": "医疗器械需店铺体验分 80、商品分 75 且近一个月商品分均值 75；仅限旗舰店、专营店与专卖店",
    },
    "gate.affiliate.cherries": {
        "Cherries need a store score of 72 and a product score of 70": "车厘子需店铺体验分 72 且商品分 70",
        "Cherries need a store score of 72, a product score of 70 and a bad-review rate under 20%": "车厘子需店铺体验分 72、商品分 70 且商品差评率低于 20%",
    },
    "gate.affiliate.tea_gift_box": {
        "Multi-variety tea gift boxes enter only from flagship stores": "多品种茶叶礼盒仅限旗舰店进入"
    },
    "gate.affiliate": {
        "Affiliate (精选联盟) entry needs a store score of 70 and a product score of 65": "进入精选联盟需店铺体验分 70 且商品分 65"
    },
    "gate.mega_sale": {
        "Mega-sale sign-up needs a 7-day average of 70 (or a growth score of 70); no personal stores": "大促报名需 7 日均分 70（或成长期分数 70）；个人店除外"
    },
    "gate.recommendation.counterfeit": {
        "A shop with a counterfeit or confusing-information record stays out of the mall recommendation pool": "有售假或发布混淆信息违规处置记录的店铺不进入商城推荐池"
    },
    "gate.recommendation.violations": {
        "Three or more violations in the last 30 days keep a shop out of the mall recommendation pool": "近 30 天违规处置 3 次及以上的店铺不进入商城推荐池"
    },
    "gate.recommendation": {
        "The mall recommendation pool needs a score of 60": "进入商城推荐池需 60 分",
        "The home-page recommendation pool needs a score of 4.5": "进入首页推荐池需 4.5 分",
    },
    "gate.lucky_bag": {
        "Super lucky-bag prizes need a store score of 80; no personal stores": "超级福袋奖品需店铺体验分 80；个人店除外"
    },
    "gate.lucky_bag_creators": {
        "Prizes given to other creators need 80, product 75, logistics 75 and service 70": "赠予其他达人的奖品需总分 80、商品 75、物流 75、服务 70"
    },
    "gate.authorised_account": {
        "Store authorised accounts need a formal score of 70": "店铺授权账号需正式分数 70"
    },
    "gate.geo_indication": {
        "The geographical-indication label needs a store score of 70 and a product score of 70": "地理标志标签需店铺体验分 70 且商品分 70"
    },
    "gate.qianchuan": {
        "Qianchuan ads are blocked below the control line (assumed 60); unscored shops may advertise": "低于管控线（假定 60 分）不能投千川广告；无分数店铺可投放"
    },
    "gate.seed_entry": {
        "Seed categories (农资园艺 种子) need a store score of 75 to enter; a new shop without a score may": "种子类目（农资园艺 种子）入驻需店铺体验分 75；无分数的新店可入驻"
    },
    "gate.seed_keep": {
        "A seed shop is removed below a store score of 72": "种子店铺体验分低于 72 将被清退"
    },
    "gate.flagship_upgrade": {
        "Upgrading to a flagship store needs a 30-day average at least the industry's and 30 days on the platform": "升级旗舰店需 30 日均分不低于行业均值且入驻满 30 天"
    },
    "tier.dissatisfaction_rate": {
        "Dissatisfaction tiers at 50/40/30/20/10% of rated sessions": "不满意率分档：占评价会话的 50/40/30/20/10%"
    },
    "tier.after_sales_review_minutes": {
        "After-sales review tiers at 48 h/30 h/20 h/10 h/4 h": "售后审核时长分档：48/30/20/10/4 小时"
    },
    "tier.help_seeking_rate": {
        "Help-seeking tiers at 15/10/6/3/1.5% of orders that asked for help": "求助率分档：求助订单的 15/10/6/3/1.5%"
    },
    "floor.help_seeking_rate.big": {
        "Help-seeking scores 80 below 300 orders (flagships and listed industries), <= 3 escalated orders": "求助率保底 80 分：订单少于 300（旗舰店及指定行业），升级求助订单不超过 3 个"
    },
    "floor.help_seeking_rate": {
        "Help-seeking scores 80 below 500 orders with <= 3 escalated orders": "求助率保底 80 分：订单少于 500，升级求助订单不超过 3 个"
    },
    "floor.dissatisfaction_rate": {
        "Dissatisfaction scores 80 with at most 3 rated sessions, whatever the order count": "评价会话不超过 3 个时不满意率保底 80 分，与订单量无关"
    },
    "gate.affiliate.product_60": {
        "Listed categories enter the affiliate programme with a product score of 60": "指定类目商品分 60 即可进入精选联盟"
    },
    "bar.dissatisfied_sessions": {
        "Growth stage downgraded above 3 dissatisfied Feige sessions": "飞鸽不满意会话超过 3 个，成长期分数降档"
    },
    "bar.help_seeking": {
        "Growth stage downgraded above 3 orders escalated to the platform": "升级到平台的求助订单超过 3 个，成长期分数降档"
    },
    "risk.ring.flagged": {
        "The buyer belongs to a flagged ring of linked accounts": "买家属于被标记的关联账号团伙"
    },
    "risk.ring.linked": {
        "The buyer shares private identifiers with two or more other buyers": "买家与另外两个或更多买家共用隐私标识"
    },
    "risk.image.reused": {
        "An evidence photo was already used in an earlier claim": "凭证照片已在更早的申请中使用过"
    },
    "risk.image.listing": {
        "An evidence photo is the merchant's own listing image": "凭证照片是商家自己的商品主图"
    },
    "risk.image.metadata": {
        "An evidence photo carries an AI-generation mark, editing software or a capture time after the claim": "凭证照片带有 AI 生成标记、编辑软件信息或拍摄时间晚于申请"
    },
    "risk.buyer.refund-only-rate": {
        "The buyer asked for refund-only on at least 30% of earlier orders": "买家此前至少 30% 的订单申请过仅退款"
    },
    "risk.buyer.instant-refunds": {
        "The buyer made three or more instant refunds before": "买家此前有三次或更多极速退款"
    },
    "risk.buyer.rejected": {
        "Two or more earlier claims were rejected with the buyer responsible": "此前有两次或更多申请被驳回且买家负责"
    },
    "risk.claim.before-delivery": {
        "Refund-only for a merchant fault asked before the parcel was delivered": "包裹签收前以商家责任申请仅退款"
    },
    "risk.amount.high": {
        "Refund-only on an order of ¥1,000 or more": "订单金额 ¥1,000 及以上的仅退款"
    },
    "risk.trust.history": {"The buyer has five or more earlier orders": "买家此前有五个或更多订单"},
    "risk.trust.small-changed-mind": {
        "A small no-fault request (¥50 or less)": "小额（¥50 及以下）无责申请"
    },
    "risk.band.fast-approve": {"Approve at once at -10 points or below": "-10 分及以下立即同意"},
    "risk.band.review": {"Send to manual review from 30 points": "30 分起转人工审核"},
    "risk.band.intercept": {
        "Intercept (hold the refund and open a case) from 70 points": "70 分起拦截（暂停退款并立案）"
    },
    "tsf.personal-store": {
        "Taobao (personal) stores pay a 0.6% basic software service fee": "淘宝（个人）店铺基础软件服务费 0.6%"
    },
    "tsf.apparel": {
        "Women's wear and apparel pay a 5% category software fee on value excluding shipping": "女装与服饰按不含运费金额收 5% 类目软件服务费"
    },
    "tsf.grain-oil": {
        "Grain and cooking oil pay a 1% category software fee": "粮油类目软件服务费 1%"
    },
    "tsf.snacks": {"Snacks and drinks pay a 2% category software fee": "零食饮料类目软件服务费 2%"},
    "tsf.cosmetics": {"Cosmetics pay a 4% category software fee": "美妆类目软件服务费 4%"},
    "tsf.large-appliance": {
        "Large appliances pay a 2% category software fee": "大家电类目软件服务费 2%"
    },
    "tsf.gold": {"Gold pays a 0.5% category software fee": "黄金类目软件服务费 0.5%"},
    "tsf.gift-cards": {"Gift cards pay a 0.1% category software fee": "礼品卡类目软件服务费 0.1%"},
    "tsf.default": {"Any other category pays a 5% category software fee": "其他类目软件服务费 5%"},
    "refund.tsf": {
        "The software fee is refunded pro rata on refunded orders": "退款订单按比例退还软件服务费"
    },
    "annual.vehicles": {
        "Vehicle dealers and new/used cars pay a ¥100,000 annual fee": "汽车经销商与新车/二手车年费 ¥100,000"
    },
    "annual.real-estate": {"Real estate pays a ¥30,000 annual fee": "房产年费 ¥30,000"},
    "settle.flash-sale-taobao": {
        "Taobao (personal) store orders settle 7 days after the transaction succeeds (flash-sale rule)": "淘宝（个人）店铺订单交易成功后 7 天结算（闪电结算规则）"
    },
    "settle.flash-sale": {
        "Tmall orders settle 3 days after the transaction succeeds (flash-sale rule)": "天猫订单交易成功后 3 天结算（闪电结算规则）"
    },
    "scale.long_window": {
        "Big-ticket categories are measured over 90 days": "大件类目按 90 天考核"
    },
    "stage.minimum": {
        "No score below 30 valid paid orders in the window": "考核期内有效支付订单不足 30 个不出分"
    },
    "w.negative_feedback_rate": {
        "negative feedback rate weighs 50% of product": "负反馈率占商品分的 50%"
    },
    "tier.negative_feedback_rate": {
        "Negative-feedback tiers at 12/9/6/4/2%": "负反馈率分档：12/9/6/4/2%"
    },
    "w.positive_review_rate": {
        "positive review rate weighs 50% of product": "好评率占商品分的 50%"
    },
    "tier.positive_review_rate": {
        "Positive-review tiers at 70/75/80/85/90%": "好评率分档：70/75/80/85/90%"
    },
    "w.pickup_48h_rate": {"pickup 48h rate weighs 40% of logistics": "48 小时揽收率占物流分的 40%"},
    "tier.pickup_48h_rate": {
        "48-hour pickup tiers at 80/85/90/95/98%": "48 小时揽收率分档：80/85/90/95/98%"
    },
    "w.delivery_minutes": {"delivery minutes weighs 40% of logistics": "配送时长占物流分的 40%"},
    "tier.delivery_minutes": {
        "Delivery duration tiers at 96/84/72/60/48 hours": "配送时长分档：96/84/72/60/48 小时"
    },
    "w.logistics_bad_review_rate": {
        "Logistics bad-review rate weighs 20% of logistics, only in the categories that use it": "物流差评率占物流分的 20%，仅适用于使用该指标的类目"
    },
    "tier.logistics_bad_review_rate": {
        "Logistics bad-review tiers at 3/2/1.2/0.6/0.3%": "物流差评率分档：3/2/1.2/0.6/0.3%"
    },
    "w.response_3min_rate": {
        "response 3min rate weighs 30% of service": "3 分钟响应率占服务分的 30%"
    },
    "tier.response_3min_rate": {
        "3-minute response tiers at 60/70/80/90/95%": "3 分钟响应率分档：60/70/80/90/95%"
    },
    "w.cs_satisfaction_rate": {
        "cs satisfaction rate weighs 30% of service": "客服满意度占服务分的 30%"
    },
    "tier.cs_satisfaction_rate": {
        "Satisfaction tiers at 50/60/70/80/90%": "满意度分档：50/60/70/80/90%"
    },
    "w.refund_handling_minutes": {
        "refund handling minutes weighs 20% of service": "退款处理时长占服务分的 20%"
    },
    "tier.refund_handling_minutes": {
        "Refund handling tiers at 48/30/20/10/4 hours": "退款处理时长分档：48/30/20/10/4 小时"
    },
    "w.platform_dispute_rate": {
        "platform dispute rate weighs 20% of service": "平台纠纷率占服务分的 20%"
    },
    "tier.platform_dispute_rate": {
        "Platform help-seeking tiers at 3/2/1.2/0.6/0.3% of paid orders": "平台求助率分档：支付订单的 3/2/1.2/0.6/0.3%"
    },
    "bonus.delivery_installation": {
        "Home-improvement shops with combined delivery and installation (拆送装一体) get +0.1": "家装店铺提供拆送装一体服务加 0.1 分"
    },
    "bonus.free_old_item_removal": {
        "Home-improvement shops with free removal of old items (免费拆旧) get +0.05": "家装店铺提供免费拆旧服务加 0.05 分"
    },
    "bonus.pet_doctor": {
        "Pet shops with a one-to-one pet doctor (1v1宠医) get +0.05": "宠物店铺提供 1v1 宠医服务加 0.05 分"
    },
    "bonus.sf_free_shipping": {
        "Food shops with free SF Express shipping (顺丰包邮) get +0.05": "食品店铺提供顺丰包邮加 0.05 分"
    },
    "bonus.free_size_exchange": {
        "Maternal and infant shops with free size exchange (尺码随心换) get +0.1": "母婴店铺提供尺码随心换加 0.1 分"
    },
    "penalty.counterfeit": {
        "A confirmed counterfeit (出售假冒/盗版商品) cuts the score by 0.1 per case, at most 0.5": "出售假冒/盗版商品经确认，每起扣 0.1 分，最多扣 0.5 分"
    },
    "penalty.false_advertising": {
        "A description or quality mismatch cuts the score by 0.1 per case, at most 0.5": "描述或质量不符每次扣 0.1 分，最多扣 0.5 分"
    },
    "penalty.brand_confusion": {
        "Confusing listings cut the score by 0.1 per case, at most 0.5": "混淆商品信息每次扣 0.1 分，最多扣 0.5 分"
    },
    "penalty.logistics_anomaly": {
        "A logistics-tracking anomaly (fraudulent shipping here) cuts the score by 0.1, at most 0.5": "物流轨迹异常（此处为虚假发货）每次扣 0.1 分，最多扣 0.5 分"
    },
    "ranking.good_service": {
        "Good-service ranking, shops above 4.8 with a characteristic service, top 20 per industry": "好服务榜单：4.8 分以上且有特色服务的店铺，每个行业前 20 名"
    },
    "gate.quality_merchant": {
        "Quality merchants (4.8 and above) get the first benefits (AI fake-image checks, reduced compensation)": "优质商家（4.8 分及以上）优先享受权益（AI 假图识别、减赔）"
    },
    "gate.campaign_signup": {
        "Campaign sign-up needs a score of 4.5 (shops without a score may sign up)": "活动报名需 4.5 分（无分数店铺可报名）"
    },
    "gate.alimama_ads": {
        "Alimama paid ads need a score of 4.0 (shops without a score may advertise)": "阿里妈妈付费推广需 4.0 分（无分数店铺可投放）"
    },
    "gate.quality_store": {"Quality-store selection needs a score of 4.8": "优质店铺评选需 4.8 分"},
    "gate.new_category": {
        "A Tmall shop's new-category application needs a score of 4.6": "天猫店铺申请新类目需 4.6 分"
    },
    "aff.plan.all-creators": {
        "All-creator plans pay inside 5%..50%": "全达人计划佣金率范围 5%–50%"
    },
    "aff.plan.colonel": {
        "Colonel (团长) plans pay the creator the daily rate inside 5%..90%, with the colonel fee at most 90% together": "团长计划按日费率向达人付佣 5%–90%，与团长服务费合计不超过 90%",
        "Colonel (团长) plans pay the creator the daily rate inside 5%..90%": "团长计划按日常佣金率付达人佣金，范围 5%–90%",
    },
    "aff.plan.designated": {
        "Designated-creator, tiered and shop-targeted plans pay inside 5%..80%": "定向、阶梯与店铺定向计划佣金率范围 5%–80%"
    },
    "aff.plan.other": {
        "Platform-campaign, pure-commission and crowd-selected plans pay inside 5%..90%": "平台活动、纯佣与达人自选计划佣金率范围 5%–90%"
    },
    "hold.installation": {
        "From 2026-07-02, merchant-installed orders hold 1% of the goods payment until after-sales ends and 10% (at most ¥300) from shipment until installed, at most 180 days": "自 2026-07-02 起，商家安装的订单冻结 1% 货款至售后期结束，并自发货起冻结 10%（最多 ¥300）至安装完成，最长 180 天"
    },
    "tsf.base.cross-border.specialty.400": {
        "From 2026-07-15, cross-border specialty and franchise stores pay 4% on personal care outside the Mall app and Doubao": "自 2026-07-15 起，跨境专营店与专卖店在抖音商城 App 与豆包以外的个护订单费率 4%"
    },
    "tsf.base.cross-border.specialty.550": {
        "From 2026-07-15, cross-border specialty and franchise stores pay 5.5% on make-up and perfume outside the Mall app and Doubao": "自 2026-07-15 起，跨境专营店与专卖店在抖音商城 App 与豆包以外的彩妆与香水订单费率 5.5%"
    },
    "tsf.base.cross-border.specialty.650": {
        "From 2026-07-15, cross-border specialty and franchise stores pay 6.5% on apparel, shoes & bags and watches & eyewear outside the Mall app and Doubao": "自 2026-07-15 起，跨境专营店与专卖店在抖音商城 App 与豆包以外的服饰、鞋包及钟表眼镜订单费率 6.5%"
    },
}
"""Rule id -> {English title: Chinese title} (one pair per wording the rulebooks use)."""
