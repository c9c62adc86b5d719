"""Provinces, county codes, carriers and how far parcels travel.

Shops cluster where Chinese e-commerce supply does (Guangdong, Zhejiang,
Jiangsu, Fujian, Shandong); buyers spread with population. Remote regions
(Xinjiang, Tibet, Qinghai, and to a lesser degree Inner Mongolia, Gansu,
Ningxia, Hainan) add transit days, which is what a delivery-time indicator
must learn to separate from a slow merchant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final


@dataclass(frozen=True, slots=True)
class Province:
    """A province-level region."""

    name: str
    code: str
    """First two digits of its administrative division codes."""
    shop_weight: float
    buyer_weight: float
    extra_transit_hours: int
    """Hours added to a parcel's transit into this region."""


PROVINCES: Final[tuple[Province, ...]] = (
    Province("北京", "11", 3.0, 2.5, 0),
    Province("天津", "12", 1.0, 1.5, 0),
    Province("河北", "13", 3.0, 5.0, 0),
    Province("山西", "14", 0.6, 2.5, 6),
    Province("内蒙古", "15", 0.4, 1.7, 24),
    Province("辽宁", "21", 1.2, 3.0, 6),
    Province("吉林", "22", 0.6, 1.7, 12),
    Province("黑龙江", "23", 0.8, 2.2, 18),
    Province("上海", "31", 5.0, 2.5, 0),
    Province("江苏", "32", 9.0, 6.0, 0),
    Province("浙江", "33", 16.0, 4.5, 0),
    Province("安徽", "34", 2.0, 4.3, 0),
    Province("福建", "35", 7.0, 3.0, 0),
    Province("江西", "36", 1.2, 3.2, 6),
    Province("山东", "37", 6.0, 7.2, 0),
    Province("河南", "41", 3.0, 7.0, 0),
    Province("湖北", "42", 2.2, 4.1, 0),
    Province("湖南", "43", 1.6, 4.7, 6),
    Province("广东", "44", 22.0, 9.0, 0),
    Province("广西", "45", 1.0, 3.6, 12),
    Province("海南", "46", 0.4, 0.7, 24),
    Province("重庆", "50", 1.2, 2.3, 6),
    Province("四川", "51", 2.2, 5.9, 12),
    Province("贵州", "52", 0.5, 2.7, 18),
    Province("云南", "53", 1.0, 3.4, 24),
    Province("西藏", "54", 0.1, 0.3, 96),
    Province("陕西", "61", 1.0, 2.8, 12),
    Province("甘肃", "62", 0.4, 1.8, 30),
    Province("青海", "63", 0.1, 0.4, 72),
    Province("宁夏", "64", 0.2, 0.5, 30),
    Province("新疆", "65", 0.3, 1.8, 84),
)

REMOTE_PROVINCES: Final = ("新疆", "西藏", "青海")
"""Where transit is slowest; the realism tests compare these with the rest."""

BELT_COUNTIES: Final[tuple[tuple[str, str], ...]] = (
    ("浙江", "330782"),  # Yiwu: small commodities
    ("福建", "350582"),  # Jinjiang: shoes and sportswear
    ("浙江", "330481"),  # Haining: leather
    ("江苏", "320583"),  # Kunshan: electronics
    ("广东", "441900"),  # Dongguan: manufacturing
    ("山东", "371300"),  # Linyi: wholesale logistics
)
"""Real county-level codes of well-known industry belts (产业带), for tagged shops."""

CARRIERS: Final = (
    "中通快递",
    "圆通速递",
    "韵达快递",
    "申通快递",
    "极兔速递",
    "顺丰速运",
    "京东物流",
    "邮政EMS",
)
CARRIER_WEIGHTS: Final = (24.0, 20.0, 16.0, 12.0, 12.0, 8.0, 5.0, 3.0)
BULKY_CARRIERS: Final = ("京东物流", "德邦快递", "日日顺物流")
