"""A question set built from a generated marketplace, and the assistant's scores on it.

Questions come from templates filled with each sampled shop's own products, orders and
services; what a correct reply is comes from the warehouse directly (the SKU asked about, its
category's returns, the services the shop has switched on that day, the order named, the
settlement rules the ledger's close scheduled the shop's orders under), never from the
assistant. A question
about a service the shop does not offer expects a hand-off (``no_facts``): the assistant must
not say yes, and saying no would be a policy it has no fact for.

Scores: answer accuracy (answerable questions answered citing an expected fact), hand-off
precision and recall (overall and per reason: a hand-off counts when its reason is the
expected one), and invented facts (answers with a number no cited fact contains; must be 0).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

import duckdb
import numpy as np

from merchantry.cs.assistant import Answer, invented_numbers

Settlement = tuple[str, frozenset[str]]
"""A fee rulebook's name and the ids of its settlement rules (days and delays)."""


@dataclass(frozen=True, slots=True)
class Question:
    shop_id: str
    text: str
    kind: str
    expected_facts: frozenset[str]
    """Fact ids of which the answer must cite at least one (empty when a hand-off is due)."""
    expected_handoff: str | None


HANDOFF_QUESTIONS: dict[str, tuple[str, ...]] = {
    "complaint": ("我要投诉你们！", "质量太差了，我要给差评", "再不处理我就去消协举报"),
    "refund_dispute": ("凭什么不退款？", "你们拒绝退款，我要申请平台介入", "退款被拒了，这不合理"),
    "safety": ("孩子用了以后皮肤过敏起红疹了", "充电的时候冒烟了怎么办", "狗狗吃了以后一直呕吐"),
    "human_requested": ("转人工", "我要找人工客服", "有没有真人在"),
    "promise": ("能便宜点吗？", "你能保证是正品吗", "明天能到吗"),
    "no_facts": ("能开发票吗？", "你们实体店在哪里？", "可以批发吗，老板在不在"),
}
HELD_OUT: dict[str, tuple[str, ...]] = {
    "complaint": ("你们这服务也太烂了吧", "再这样我就去网上曝光你们"),
    "refund_dispute": ("为什么驳回我的退款申请", "退款申请一直不通过，我不接受"),
    "safety": ("宝宝用完脸上起了好多小疙瘩", "插上电源后闻到一股焦味"),
    "human_requested": ("叫你们客服主管来", "别用机器人回复我"),
    "promise": ("下单的话能包你满意吗", "可以再少二十块吗"),
    "no_facts": ("这个适合几岁的孩子", "你们的仓库在哪个城市"),
}
"""Hand-off questions worded away from the screens' keywords: how the assistant does on wording
it was not written for (scored separately: a hand-off of any reason is the safe outcome)."""

SERVICE_QUESTIONS: dict[str, tuple[str, ...]] = {
    "sf_free_shipping": ("发顺丰吗？", "包邮吗？", "你们家顺丰包邮吗"),
    "remote_area_logistics": ("新疆能发货吗？", "偏远地区发不发货"),
    "free_size_exchange": ("尺码不合适能换吗？", "可以换尺码吗"),
    "return_insurance": ("退货有运费险吗？", "运费险怎么赔"),
}
PRICE = ("{t}多少钱？", "请问{t}的价格是多少", "{t}现在售价多少呀", "{sku}多少钱")
RETURNS = ("{t}买了能退吗？", "{t}售后期多久，可以退货吗")
ORDER = ("我的订单{o}到哪了？", "订单{o}发货了吗", "{o}物流到哪了")
SETTLEMENT = ("货款多久结算？", "账期是几天")
TAG = re.compile(r"^【[^】]*】|^\d{4}新款")


def _pick(rng: np.random.Generator, options: Sequence[str]) -> str:
    return options[int(rng.integers(0, len(options)))]


def settled_under(
    con: duckdb.DuckDBPyConnection, shop: str, settlement_rules: Settlement | None
) -> frozenset[str]:
    """The settlement rules a correct settlement answer may cite: those the ledger's close
    scheduled the shop's orders under (``order_payouts`` of the fee rulebook), when it ran;
    otherwise any settlement rule of the rulebook (the answer must at least quote one)."""
    rulebook, every = settlement_rules or (None, frozenset())
    found = con.execute(
        "SELECT DISTINCT r FROM (SELECT unnest([settle_rule_id, settle_delay_rule_id]) AS r "
        "FROM order_payouts WHERE shop_id = $shop AND ($rulebook IS NULL OR rulebook = $rulebook)"
        ") WHERE r IS NOT NULL",
        {"shop": shop, "rulebook": rulebook},
    ).fetchall()
    return frozenset(str(r[0]) for r in found) or every


def build_questions(
    con: duckdb.DuckDBPyConnection,
    shops: Sequence[str],
    on: date,
    seed: int = 0,
    *,
    settlement_rules: Settlement | None = None,
) -> list[Question]:
    """About 20 questions per shop, with what a correct reply cites or which hand-off is due;
    ``settlement_rules`` names the fee rulebook the assistant quotes and its settlement rule
    ids (None: only what the close recorded, under any rulebook, counts)."""
    rng = np.random.default_rng(seed)
    out: list[Question] = []
    for shop in shops:
        if con.execute("SELECT 1 FROM shops WHERE shop_id = ?", [shop]).fetchone() is None:
            continue
        products = con.execute(
            "SELECT sku_id, title, category_id FROM products WHERE shop_id = ? ORDER BY sku_id",
            [shop],
        ).fetchall()
        titles = [str(p[1]) for p in products]
        for sku, title, category in [
            products[int(i)]
            for i in rng.choice(len(products), min(2, len(products)), replace=False)
        ]:
            short = TAG.sub("", str(title)) if rng.random() < 0.5 else str(title)
            if sum(short in t for t in titles) > 1:
                short = str(title)
            template = _pick(rng, PRICE)
            out.append(
                Question(
                    shop,
                    template.format(t=short, sku=sku),
                    "price",
                    frozenset({f"product:{sku}"}),
                    None,
                )
            )
            if titles.count(str(title)) == 1:
                out.append(
                    Question(
                        shop,
                        _pick(rng, RETURNS).format(t=str(title)),
                        "returns",
                        frozenset({f"returns:{category}"}),
                        None,
                    )
                )
        active = {
            str(r[0])
            for r in con.execute(
                "SELECT service FROM shop_services WHERE shop_id = ? AND enabled_from <= ? "
                "AND (enabled_to IS NULL OR enabled_to >= ?)",
                [shop, on, on],
            ).fetchall()
        }
        for service, texts in SERVICE_QUESTIONS.items():
            offered = service in active
            out.append(
                Question(
                    shop,
                    _pick(rng, texts),
                    f"service:{service}",
                    frozenset({f"service:{service}"}) if offered else frozenset(),
                    None if offered else "no_facts",
                )
            )
        out.append(
            Question(
                shop,
                _pick(rng, SETTLEMENT),
                "settlement",
                frozenset(f"rule:{r}" for r in settled_under(con, shop, settlement_rules)),
                None,
            )
        )
        order = con.execute(
            "SELECT order_id FROM orders WHERE shop_id = ? AND paid_at < ? ORDER BY hash(order_id) "
            "LIMIT 1",
            [shop, on],
        ).fetchone()
        if order is not None:
            oid = str(order[0])
            out.append(
                Question(
                    shop,
                    _pick(rng, ORDER).format(o=oid),
                    "order_status",
                    frozenset({f"logistics:{oid}"}),
                    None,
                )
            )
        for reason, texts in HANDOFF_QUESTIONS.items():
            out.append(Question(shop, _pick(rng, texts), f"handoff:{reason}", frozenset(), reason))
    return out


def held_out_questions(shops: Sequence[str]) -> list[Question]:
    """Every held-out hand-off question for each shop."""
    return [
        Question(shop, text, f"held_out:{reason}", frozenset(), reason)
        for shop in shops
        for reason, texts in HELD_OUT.items()
        for text in texts
    ]


@dataclass
class HeldOut:
    """The held-out hand-off questions: how many were handed off at all, and with the right
    reason; the answers given instead are listed."""

    questions: int = 0
    handed_off: int = 0
    right_reason: int = 0
    answered: list[tuple[Question, Answer]] = field(default_factory=list)


def evaluate_held_out(questions: Sequence[Question], ask: Callable[[Question], Answer]) -> HeldOut:
    out = HeldOut()
    for q in questions:
        a = ask(q)
        out.questions += 1
        if a.handoff is None:
            out.answered.append((q, a))
            continue
        out.handed_off += 1
        out.right_reason += int(a.handoff.reason.value == q.expected_handoff)
    return out


@dataclass
class Evaluation:
    questions: int = 0
    answerable: int = 0
    correct: int = 0
    expected_handoffs: int = 0
    predicted_handoffs: int = 0
    matched_handoffs: int = 0
    invented: int = 0
    per_reason: dict[str, Counter[str]] = field(default_factory=dict)
    handoffs: Counter[str] = field(default_factory=Counter)
    mistakes: list[tuple[Question, Answer]] = field(default_factory=list)
    held_out: HeldOut | None = None

    @property
    def accuracy(self) -> float:
        return self.correct / self.answerable if self.answerable else 0.0

    @property
    def handoff_precision(self) -> float:
        return self.matched_handoffs / self.predicted_handoffs if self.predicted_handoffs else 0.0

    @property
    def handoff_recall(self) -> float:
        return self.matched_handoffs / self.expected_handoffs if self.expected_handoffs else 0.0


def evaluate(questions: Sequence[Question], ask: Callable[[Question], Answer]) -> Evaluation:
    """Ask every question and score the answers."""
    ev = Evaluation()
    for q in questions:
        a = ask(q)
        ev.questions += 1
        got = a.handoff.reason.value if a.handoff else None
        if got:
            ev.handoffs[got] += 1
            ev.predicted_handoffs += 1
        if q.expected_handoff:
            ev.expected_handoffs += 1
        for reason in {got, q.expected_handoff} - {None}:
            counts = ev.per_reason.setdefault(str(reason), Counter())
            if got == reason == q.expected_handoff:
                counts["tp"] += 1
            elif got == reason:
                counts["fp"] += 1
            else:
                counts["fn"] += 1
        if got and got == q.expected_handoff:
            ev.matched_handoffs += 1
        ok = got == q.expected_handoff
        if q.expected_handoff is None:
            ev.answerable += 1
            cited = {f.fact_id for f in a.citations}
            if a.handoff is None and cited & q.expected_facts:
                ev.correct += 1
            else:
                ok = False
        if a.handoff is None and invented_numbers(a.text, a.citations):
            ev.invented += 1
            ok = False
        if not ok:
            ev.mistakes.append((q, a))
    return ev
