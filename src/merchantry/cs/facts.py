"""A shop's own facts, the only things the assistant may say.

Each :class:`Fact` is one short Chinese statement with a stable id (``product:<sku>``,
``returns:<category>``, ``service:<name>``, ``rule:<rule id>``, ``order:<id>``,
``aftersale:<case>``) read from the warehouse or the fee rulebook: the shop's products with
their price, category and after-sales period; the services it switched on (顺丰包邮, 运费险,
尺码随心换 …); the rulebook's settlement rules for each of its categories (chosen by the
rulebook's own compiled rules, :mod:`merchantry.cs.settlement`) and its return-insurance terms;
and, for
one buyer's question, that order's payment, parcel and after-sales status. Money is shown
from integer fen with integer arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

import duckdb

from merchantry.cs.settlement import CategorySettlement, category_settlements
from merchantry.kit.errors import NotFound
from merchantry.rulebook import Rulebook
from merchantry.rulebook.model import Rule

SERVICE_TEXT: Final[dict[str, str]] = {
    "sf_free_shipping": "本店支持顺丰包邮，下单后由顺丰速运免费配送",
    "remote_area_logistics": "本店支持偏远地区物流，新疆、西藏等偏远地区也可发货",
    "return_insurance": "本店商品赠送运费险，退货运费由运费险理赔",
    "bulky_return_insurance": "本店大件商品赠送大件运费险，退货运费由运费险理赔",
    "free_size_exchange": "本店支持尺码随心换，尺码不合适可免费换码",
    "delivery_installation": "本店大件商品提供送装一体服务，送货上门并安装",
    "onsite_installation": "本店提供上门安装服务",
    "free_old_item_removal": "本店提供免费拆旧服务，送新时免费拆走旧件",
    "pet_doctor": "本店提供1对1宠医问诊，由持证宠物医生解答",
}
"""What each switched-on service promises, in the shop's words (``shop_services.service``)."""

LOGISTICS_TEXT: Final[dict[str, str]] = {
    "shipped": "已发货",
    "picked_up": "快递已揽收",
    "delivered": "已签收",
    "receipt_confirmed": "已确认收货",
}
OUTCOME_TEXT: Final[dict[str, str]] = {
    "open": "处理中",
    "approved": "已同意",
    "rejected": "已拒绝",
    "withdrawn": "已撤销",
}
INSURANCE_TERMS: Final[dict[str, str]] = {
    "small": "insurance.terms.small",
    "small_upgraded": "insurance.terms.small-upgraded",
    "bulky": "insurance.terms.bulky",
}


@dataclass(frozen=True, slots=True)
class Fact:
    """One statement the assistant may repeat, and where it comes from."""

    fact_id: str
    kind: str
    """product, returns, service, settlement, insurance, order, aftersale."""
    text: str
    key: str = ""
    """What the fact is about (a SKU, a service, an order id) for direct look-ups."""
    categories: tuple[str, ...] = ()
    """The category ids a settlement fact covers (empty: not category-bound)."""


def yuan(fen: int) -> str:
    """Integer fen as ``¥12.90`` (``¥12`` for whole yuan), without floats."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(int(fen)), 100)
    return f"{sign}¥{whole:,}" if part == 0 else f"{sign}¥{whole:,}.{part:02d}"


@dataclass(frozen=True, slots=True)
class ShopFacts:
    shop_id: str
    name: str
    industry: str
    facts: tuple[Fact, ...]

    def of_kind(self, *kinds: str) -> list[Fact]:
        return [f for f in self.facts if f.kind in kinds]

    def by_key(self, kind: str, key: str) -> Fact | None:
        for f in self.facts:
            if f.kind == kind and f.key == key:
                return f
        return None


def _rule_fact(book: Rulebook, rule_id: str, kind: str) -> Fact | None:
    try:
        rule = book.rule(rule_id)
    except KeyError:
        return None
    return Fact(
        f"rule:{rule_id}", kind, f"平台规则（{book.name} {rule_id}）：{rule.title}", rule_id
    )


def shop_facts(
    con: duckdb.DuckDBPyConnection, shop_id: str, book: Rulebook, on: date | None = None
) -> ShopFacts:
    """Every standing fact of ``shop_id`` (products, returns, services, platform terms)."""
    shop = con.execute("SELECT name, industry FROM shops WHERE shop_id = ?", [shop_id]).fetchone()
    if shop is None:
        raise NotFound(f"no shop {shop_id} in the warehouse")
    name, industry = (str(v) for v in shop)
    facts: list[Fact] = []
    products = con.execute(
        "SELECT p.sku_id, p.title, p.price_fen, c.category_id, c.name, c.after_sales_days "
        "FROM products p JOIN categories c USING (category_id) WHERE p.shop_id = ? "
        "ORDER BY p.sku_id",
        [shop_id],
    ).fetchall()
    categories: dict[str, tuple[str, int]] = {}
    for sku, title, price, cat_id, cat_name, days in products:
        facts.append(
            Fact(
                f"product:{sku}",
                "product",
                f"商品「{title}」（{sku}）售价{yuan(int(price))}，属于{cat_name}类目",
                str(sku),
            )
        )
        categories[str(cat_id)] = (str(cat_name), int(days))
    for cat_id, (cat_name, days) in sorted(categories.items()):
        facts.append(
            Fact(
                f"returns:{cat_id}",
                "returns",
                f"{cat_name}类目的商品售后期为{days}天，期内可申请退货退款",
                cat_id,
            )
        )
    day = on or date.today()
    services = con.execute(
        "SELECT DISTINCT service FROM shop_services WHERE shop_id = ? AND enabled_from <= ? "
        "AND (enabled_to IS NULL OR enabled_to >= ?) ORDER BY service",
        [shop_id, day, day],
    ).fetchall()
    for (service,) in services:
        if str(service) in SERVICE_TEXT:
            facts.append(
                Fact(f"service:{service}", "service", SERVICE_TEXT[str(service)], str(service))
            )
    facts += settlement_facts(con, shop_id, book, day)
    active = {str(s[0]) for s in services}
    insured = (["small"] if "return_insurance" in active else []) + (
        ["bulky"] if "bulky_return_insurance" in active else []
    )
    for kind in insured:
        fact = _rule_fact(book, INSURANCE_TERMS[kind], "insurance")
        if fact is not None:
            facts.append(fact)
    return ShopFacts(shop_id, name, industry, tuple(facts))


def settlement_facts(
    con: duckdb.DuckDBPyConnection, shop_id: str, book: Rulebook, on: date
) -> list[Fact]:
    """One fact per settlement rule ``book`` applies to the shop's categories on ``on`` (the
    rulebook's own rules decide, :mod:`merchantry.cs.settlement`), naming the rule, its days
    and the categories it covers; rules that only some orders meet come after, as such."""
    found = category_settlements(con, shop_id, book, on)
    chosen: dict[str, tuple[Rule, list[CategorySettlement]]] = {}
    maybe: dict[str, tuple[Rule, list[CategorySettlement]]] = {}
    for c in found:
        for rule in (c.delay_rule, c.days_rule):
            if rule is not None:
                chosen.setdefault(rule.id, (rule, []))[1].append(c)
        for rule in c.order_rules:
            maybe.setdefault(rule.id, (rule, []))[1].append(c)
    facts = []
    for group, some in ((chosen, False), (maybe, True)):
        for rule_id, (rule, cats) in group.items():
            if some and rule_id in chosen:
                continue
            names = "、".join(c.category_name for c in cats)
            who = f"本店{names}类目中符合该规则条件的订单" if some else f"本店{names}类目的货款"
            facts.append(
                Fact(
                    f"rule:{rule_id}",
                    "settlement",
                    f"平台规则（{book.name} {rule_id}）：{rule.title}。{who}{_settles(rule)}",
                    rule_id,
                    tuple(c.category_id for c in cats),
                )
            )
    return facts


def _settles(rule: Rule) -> str:
    """When money settles under ``rule``, in the assistant's words, from its effect."""
    if rule.effect.kind == "settlement_delay":
        return f"在结算日后再延后{rule.effect.int('business_days')}个工作日结算"
    return f"在确认收货后{rule.effect.int('days')}天结算"


def order_facts(
    con: duckdb.DuckDBPyConnection,
    shop_id: str,
    order_id: str,
    book: Rulebook,
    buyer_id: str | None = None,
) -> list[Fact]:
    """The order's payment, parcel and after-sales status, if it is this shop's (and this
    buyer's, when one is named); empty otherwise."""
    row = con.execute(
        "SELECT o.order_id, o.buyer_id, p.title, o.amount_paid_fen, o.paid_at, o.insurance_type "
        "FROM orders o JOIN products p USING (sku_id) WHERE o.order_id = ? AND o.shop_id = ?",
        [order_id, shop_id],
    ).fetchone()
    if row is None or (buyer_id is not None and str(row[1]) != buyer_id):
        return []
    facts = [
        Fact(
            f"order:{order_id}",
            "order",
            f"订单{order_id}：{row[2]}，实付{yuan(int(row[3]))}，付款时间{_when(row[4])}",
            order_id,
        )
    ]
    events = con.execute(
        "SELECT event, event_at, carrier FROM logistics_events WHERE order_id = ? "
        "AND event_at IS NOT NULL ORDER BY event_at DESC LIMIT 1",
        [order_id],
    ).fetchone()
    if events is None:
        status = "订单尚未发货"
    else:
        carrier = f"（{events[2]}）" if events[2] else ""
        state = LOGISTICS_TEXT.get(str(events[0]), str(events[0]))
        status = f"物流状态：{state}{carrier}，时间{_when(events[1])}"
    facts.append(Fact(f"logistics:{order_id}", "logistics", f"订单{order_id}{status}", order_id))
    case = con.execute(
        "SELECT case_id, type, outcome, amount_fen FROM after_sales WHERE order_id = ? "
        "ORDER BY requested_at DESC LIMIT 1",
        [order_id],
    ).fetchone()
    if case is not None:
        facts.append(
            Fact(
                f"aftersale:{case[0]}",
                "aftersale",
                f"订单{order_id}的售后单{case[0]}申请金额{yuan(int(case[3]))}，"
                f"状态：{OUTCOME_TEXT.get(str(case[2]), str(case[2]))}",
                order_id,
            )
        )
    if row[5] in INSURANCE_TERMS:
        fact = _rule_fact(book, INSURANCE_TERMS[str(row[5])], "insurance")
        if fact is not None:
            facts.append(fact)
    return facts


def _when(value: datetime | None) -> str:
    return "未知" if value is None else value.strftime("%Y-%m-%d %H:%M")
