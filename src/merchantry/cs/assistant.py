"""The AI customer-service assistant: answers from the shop's facts, or hands off to a human.

Data flow for one question:

1. **Hand-off screens**, in order: safety (an injury, an allergy, a fire …), complaint, refund
   dispute, a buyer asking for a human, a request for a promise the facts cannot make (a
   discount, a guarantee, a delivery date). Each is a reason code; the question goes to a human
   through the routing rulebook.
2. **Topic**: what kind of fact would answer (a price, the return period, shipping, a service,
   the settlement or insurance terms, an order's status).
3. **Retrieval**: products are ranked by BM25+ (whose term weights stay positive in a
   shop of two products) over jieba tokens of their titles (or found by a
   SKU id in the question); the best one counts only when its title holds the rulebook's
   ``min_coverage_pct`` of the question's words. Services, platform terms and orders are
   found by their key.
4. **Answer** from the facts' own sentences, citing each; when nothing answers, hand off with
   ``no_facts``. The assistant never says "no" to a service it has no fact about: the absence
   of a fact is not a fact.

An optional OpenAI-compatible endpoint (:mod:`merchantry.cs.llm`) may reword the answer; the
rewording is kept only when every number in it appears in a cited fact.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

import jieba
from rank_bm25 import BM25Plus

from merchantry.cs.facts import Fact, ShopFacts

jieba.setLogLevel(logging.WARNING)


class HandoffReason(StrEnum):
    """Why a question goes to a human."""

    NO_FACTS = "no_facts"
    """None of the shop's facts answers it."""
    COMPLAINT = "complaint"
    """The buyer complains or threatens to report."""
    REFUND_DISPUTE = "refund_dispute"
    """The buyer disputes a refund decision."""
    SAFETY = "safety"
    """Someone may be hurt (injury, allergy, fire, poisoning): a human at once."""
    HUMAN_REQUESTED = "human_requested"
    """The buyer asked for a person."""
    PROMISE = "promise"
    """The buyer asks for a discount, a guarantee or a date the facts do not give."""


SCREENS: Final[tuple[tuple[HandoffReason, tuple[str, ...]], ...]] = (
    (
        HandoffReason.SAFETY,
        (
            "过敏",
            "受伤",
            "烫伤",
            "中毒",
            "起火",
            "着火",
            "爆炸",
            "漏电",
            "触电",
            "冒烟",
            "割伤",
            "呕吐",
            "腹泻",
            "拉肚子",
            "送医",
            "医院",
            "窒息",
            "红疹",
            "安全隐患",
        ),
    ),
    (
        HandoffReason.COMPLAINT,
        (
            "投诉",
            "举报",
            "差评",
            "太差",
            "态度差",
            "骗子",
            "欺骗",
            "曝光",
            "12315",
            "工商局",
            "消协",
        ),
    ),
    (
        HandoffReason.REFUND_DISPUTE,
        (
            "不给退",
            "不退款",
            "凭什么不退",
            "拒绝退款",
            "退款被拒",
            "拒绝了我的退款",
            "平台介入",
            "纠纷",
            "不同意退",
        ),
    ),
    (HandoffReason.HUMAN_REQUESTED, ("转人工", "人工客服", "找人工", "真人", "活人")),
    (
        HandoffReason.PROMISE,
        (
            "便宜点",
            "优惠点",
            "打个折",
            "少点钱",
            "保证",
            "承诺",
            "能不能送",
            "送个赠品",
            "明天能到",
            "今天能到",
            "几号能到",
        ),
    ),
)
"""Words that send a question to a human, by reason, in the order they are screened."""

TOPICS: Final[tuple[tuple[str, tuple[str, ...]], ...]] = (
    (
        "order_status",
        (
            "到哪",
            "物流",
            "发货了吗",
            "发货没",
            "什么时候到",
            "签收",
            "快递到",
            "订单状态",
            "售后进度",
            "退款进度",
            "进度",
        ),
    ),
    ("insurance", ("运费险",)),
    ("settlement", ("结算", "账期", "回款", "货款")),
    ("size_exchange", ("换尺码", "尺码随心换", "换码", "尺码不合适")),
    ("install", ("安装", "送装", "拆旧")),
    ("pet_doctor", ("宠医", "兽医", "问诊", "宠物医生")),
    ("shipping", ("包邮", "顺丰", "偏远", "新疆", "西藏", "发什么快递", "运费")),
    ("returns", ("退货", "退换", "售后期", "能退", "可以退", "无理由", "退吗")),
    ("price", ("多少钱", "价格", "售价", "价钱", "几块", "多少元")),
)
"""Topic keywords, first match wins (an order question mentioning 运费 is about the order)."""

TOPIC_INTENT: Final[dict[str, str]] = {
    "order_status": "order_status",
    "returns": "after_sale",
    "insurance": "after_sale",
}
REASON_INTENT: Final[dict[HandoffReason, str]] = {
    HandoffReason.COMPLAINT: "complaint",
    HandoffReason.REFUND_DISPUTE: "after_sale",
    HandoffReason.SAFETY: "complaint",
}
ORDER_ID = re.compile(r"(?<![A-Za-z0-9])[A-Z]\d{10,20}(?![0-9])")
SKU_ID = re.compile(r"(?<![A-Za-z0-9])K\d{6,12}(?![0-9])")
TAGS = re.compile(r"【[^】]*】")
"""Listing tags in product titles (【顺丰包邮】…): a title quoted in a question is no topic."""
NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
STOP: Final = frozenset(
    [
        "的",
        "了",
        "吗",
        "呢",
        "吧",
        "啊",
        "呀",
        "请问",
        "你好",
        "您好",
        "我",
        "你",
        "这个",
        "那个",
        "是",
        "有",
        "在",
        "么",
        "多少",
        "？",
        "?",
        "，",
        ",",
        "。",
        "！",
        "!",
    ]
)


@dataclass(frozen=True, slots=True)
class Handoff:
    """A question passed to a human, why, and which agent routing picked (if any)."""

    reason: HandoffReason
    detail: str
    intent: str
    agent_id: str | None = None
    step_id: str | None = None


@dataclass(frozen=True, slots=True)
class Answer:
    """What the assistant said, the facts it cited, or the hand-off."""

    shop_id: str
    question: str
    topic: str | None
    text: str
    citations: tuple[Fact, ...]
    handoff: Handoff | None
    fluent: bool = False
    """The wording came from the configured language model (and passed the number check)."""

    @property
    def answered(self) -> bool:
        return self.handoff is None


def tokens(text: str) -> list[str]:
    """jieba search-mode tokens without stop words and punctuation."""
    return [t for t in jieba.cut_for_search(text) if t.strip() and t not in STOP]


def invented_numbers(text: str, facts: Sequence[Fact]) -> list[str]:
    """Numbers in ``text`` that no cited fact contains (empty: nothing was invented)."""
    sources = " ".join(f.text for f in facts)
    return [n for n in NUMBER.findall(text) if n not in sources]


class ProductIndex:
    """BM25 over a shop's product facts."""

    def __init__(self, products: Sequence[Fact]) -> None:
        self.products = list(products)
        corpus = [tokens(f.text.split("售价")[0]) or ["_"] for f in self.products]
        self.bm25 = BM25Plus(corpus) if corpus else None

    def best(self, question: str, min_coverage: float) -> tuple[Fact | None, float]:
        """The best-ranked product and the share of the query's words its title holds; no
        product when that share is below ``min_coverage``."""
        if self.bm25 is None:
            return None, 0.0
        query = tokens(question)
        if not query:
            return None, 0.0
        scores = self.bm25.get_scores(query)
        words = set(query)

        def coverage(i: int) -> float:
            title = self.products[i].text.split("售价")[0]
            return sum(1 for t in words if t in title) / len(words)

        best = max(
            range(len(scores)), key=lambda i: (scores[i], coverage(i), -len(self.products[i].text))
        )
        share = coverage(best)
        return (self.products[best], share) if share >= min_coverage else (None, share)


Router = Callable[[str], tuple[str | None, str | None]]
"""``intent -> (agent_id, step_id)``: hands a consultation to routing."""
Rewriter = Callable[[str, str, Sequence[Fact]], str | None]
"""``(question, draft, facts) -> reworded answer`` (an optional language model)."""
OrderLookup = Callable[[str], list[Fact]]


class Assistant:
    """Answers one shop's questions from its facts."""

    def __init__(
        self,
        facts: ShopFacts,
        *,
        min_coverage_pct: int,
        max_facts: int,
        orders: OrderLookup | None = None,
        router: Router | None = None,
        rewriter: Rewriter | None = None,
    ) -> None:
        self.facts = facts
        self.min_coverage = min_coverage_pct / 100
        self.max_facts = max_facts
        self.orders = orders
        self.router = router
        self.rewriter = rewriter
        self.index = ProductIndex(facts.of_kind("product"))
        self.handoffs: Counter[str] = Counter()

    def ask(self, question: str) -> Answer:
        text = question.strip()
        for reason, words in SCREENS:
            hit = next((w for w in words if w in text), None)
            if hit is not None:
                return self._handoff(text, None, reason, f"the question mentions {hit!r}")
        plain = TAGS.sub(" ", text)
        topic = next((t for t, words in TOPICS if any(w in plain for w in words)), None)
        cited = self._facts_for(topic, text)
        if not cited:
            why = (
                f"no fact of the shop answers a {topic} question"
                if topic
                else ("no fact of the shop matches the question")
            )
            return self._handoff(text, topic, HandoffReason.NO_FACTS, why)
        cited = cited[: self.max_facts]
        draft = "您好，根据本店信息：" + "；".join(f.text for f in cited) + "。"
        fluent = False
        if self.rewriter is not None:
            reworded = self.rewriter(text, draft, cited)
            if reworded and not invented_numbers(reworded, cited):
                draft, fluent = reworded, True
        return Answer(self.facts.shop_id, text, topic, draft, tuple(cited), None, fluent)

    def _facts_for(self, topic: str | None, text: str) -> list[Fact]:
        f = self.facts
        order_ids = ORDER_ID.findall(text)
        if topic == "order_status" or (order_ids and topic in (None, "insurance", "returns")):
            found = self.orders(order_ids[0]) if order_ids and self.orders else []
            if topic == "insurance":
                return [x for x in found if x.kind == "insurance"]
            if topic == "returns":
                return [x for x in found if x.kind in ("aftersale", "order")]
            return [x for x in found if x.kind in ("logistics", "order", "aftersale")]
        if topic == "settlement":
            terms = f.of_kind("settlement")
            product = self._product(text)
            if product is not None:  # the rules of that product's category
                category = self._category_of(product)
                return [x for x in terms if category in x.categories] + [product]
            return terms
        if topic == "insurance":
            service = [x for x in f.of_kind("service") if "insurance" in x.key]
            return service + f.of_kind("insurance") if service else []
        if topic == "size_exchange":
            return _some(f.by_key("service", "free_size_exchange"))
        if topic == "pet_doctor":
            return _some(f.by_key("service", "pet_doctor"))
        if topic == "install":
            key = "free_old_item_removal" if "拆旧" in text else "delivery_installation"
            return _some(f.by_key("service", key) or f.by_key("service", "onsite_installation"))
        if topic == "shipping":
            remote = any(w in text for w in ("偏远", "新疆", "西藏"))
            key = "remote_area_logistics" if remote else "sf_free_shipping"
            return _some(f.by_key("service", key))
        product = self._product(text)
        if topic == "returns":
            if product is not None:
                category = self._category_of(product)
                return [x for x in f.of_kind("returns") if x.key == category] + [product]
            returns = f.of_kind("returns")
            return returns if len(returns) == 1 else []
        return _some(product)

    def _product(self, text: str) -> Fact | None:
        sku = SKU_ID.findall(text)
        if sku:
            return self.facts.by_key("product", sku[0])
        query = text
        for _, words in TOPICS:
            for w in words:
                query = query.replace(w, " ")
        best, _ = self.index.best(query, self.min_coverage)
        return best

    def _category_of(self, product: Fact) -> str:
        """The category id of a product fact (its returns fact shares the category name)."""
        name = product.text.rsplit("属于", 1)[-1].removesuffix("类目")
        for fact in self.facts.of_kind("returns"):
            if fact.text.startswith(f"{name}类目"):
                return fact.key
        return ""

    def _handoff(self, text: str, topic: str | None, reason: HandoffReason, detail: str) -> Answer:
        intent = REASON_INTENT.get(reason) or TOPIC_INTENT.get(topic or "", "presale")
        agent, step = self.router(intent) if self.router else (None, None)
        self.handoffs[reason.value] += 1
        words = {
            HandoffReason.NO_FACTS: "这个问题我没有查到本店的确切信息",
            HandoffReason.COMPLAINT: "非常抱歉给您带来不好的体验",
            HandoffReason.REFUND_DISPUTE: "您的退款问题需要人工核实",
            HandoffReason.SAFETY: "您的安全最重要，请先停止使用该商品",
            HandoffReason.HUMAN_REQUESTED: "好的",
            HandoffReason.PROMISE: "这个需要人工客服为您确认",
        }[reason]
        handoff = Handoff(reason, detail, intent, agent, step)
        return Answer(
            self.facts.shop_id, text, topic, f"{words}，正在为您转接人工客服。", (), handoff
        )


def _some(fact: Fact | None) -> list[Fact]:
    return [fact] if fact is not None else []
