"""The assistant answers from facts and cites them, or hands off with a reason; one test per
reason; the evaluation on a generated marketplace."""

from __future__ import annotations

from collections.abc import Sequence

import duckdb
import pytest

from merchantry.cs.assistant import Assistant, HandoffReason, invented_numbers
from merchantry.cs.facts import Fact, ShopFacts, yuan
from merchantry.cs.llm import ChatEndpoint, endpoint_from_env
from merchantry.service.cs import assistant_desk, evaluate_assistant, facts_day

FACTS = ShopFacts(
    "S1",
    "萌宠小铺",
    "pet_food",
    (
        Fact(
            "product:K00000001",
            "product",
            "商品「幼猫奶糕粮」（K00000001）售价¥89.90，属于猫粮类目",
            "K00000001",
        ),
        Fact(
            "product:K00000002",
            "product",
            "商品「【爆款】成犬牛肉粮」（K00000002）售价¥129，属于狗粮类目",
            "K00000002",
        ),
        Fact("returns:C1", "returns", "猫粮类目的商品售后期为7天，期内可申请退货退款", "C1"),
        Fact("returns:C2", "returns", "狗粮类目的商品售后期为15天，期内可申请退货退款", "C2"),
        Fact(
            "service:sf_free_shipping",
            "service",
            "本店支持顺丰包邮，下单后由顺丰速运免费配送",
            "sf_free_shipping",
        ),
        Fact(
            "rule:settle.default",
            "settlement",
            "平台规则（douyin-2026 settle.default）：Other shops settle 3 days after receipt",
            "settle.default",
        ),
    ),
)
ORDER = [
    Fact(
        "order:O20261001000001",
        "order",
        "订单O20261001000001：幼猫奶糕粮，实付¥89.90",
        "O20261001000001",
    ),
    Fact(
        "logistics:O20261001000001",
        "logistics",
        "订单O20261001000001物流状态：快递已揽收（中通），时间2026-10-02 09:00",
        "O20261001000001",
    ),
]


def make(router: object = None, rewriter: object = None) -> Assistant:
    return Assistant(
        FACTS,
        min_coverage_pct=60,
        max_facts=3,
        orders=lambda o: ORDER if o == "O20261001000001" else [],
        router=router,  # type: ignore[arg-type]
        rewriter=rewriter,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("question", "cited", "number"),
    [
        ("幼猫奶糕粮多少钱？", ["product:K00000001"], "89.90"),
        ("成犬牛肉粮的价格", ["product:K00000002"], "129"),
        ("K00000002多少钱", ["product:K00000002"], "129"),
        ("幼猫奶糕粮能退吗", ["returns:C1", "product:K00000001"], "7"),
        ("发顺丰吗？", ["service:sf_free_shipping"], None),
        ("货款多久结算", ["rule:settle.default"], "3"),
        (
            "我的订单O20261001000001到哪了？",
            ["order:O20261001000001", "logistics:O20261001000001"],
            "09",
        ),
    ],
)
def test_answers_cite_the_facts_they_use(
    question: str, cited: list[str], number: str | None
) -> None:
    a = make().ask(question)
    assert a.handoff is None, a
    assert [f.fact_id for f in a.citations] == cited
    assert all(f.text in a.text for f in a.citations)
    if number is not None:
        assert number in a.text
    assert invented_numbers(a.text, a.citations) == []


def test_a_listing_tag_in_a_title_is_not_a_topic() -> None:
    """【爆款】 and 【顺丰包邮】 tags are part of a title, not a shipping question."""
    a = make().ask("【爆款】成犬牛肉粮多少钱")
    assert [f.fact_id for f in a.citations] == ["product:K00000002"]


ROUTED: list[str] = []


def router(intent: str) -> tuple[str | None, str | None]:
    ROUTED.append(intent)
    return "S1-kf1", "step.certified"


@pytest.mark.parametrize(
    ("question", "reason", "intent"),
    [
        ("有没有发票？能开发票吗", HandoffReason.NO_FACTS, "presale"),
        ("我要投诉你们，东西太差了", HandoffReason.COMPLAINT, "complaint"),
        ("凭什么不退款？我要平台介入", HandoffReason.REFUND_DISPUTE, "after_sale"),
        ("猫吃了以后一直呕吐", HandoffReason.SAFETY, "complaint"),
        ("转人工", HandoffReason.HUMAN_REQUESTED, "presale"),
        ("能便宜点吗", HandoffReason.PROMISE, "presale"),
    ],
)
def test_each_handoff_reason(question: str, reason: HandoffReason, intent: str) -> None:
    assistant = make(router=router)
    a = assistant.ask(question)
    assert a.handoff is not None
    assert (a.handoff.reason, a.handoff.intent) == (reason, intent)
    assert (a.handoff.agent_id, a.handoff.step_id) == ("S1-kf1", "step.certified")
    assert a.citations == ()
    assert invented_numbers(a.text, ()) == []  # a hand-off promises nothing
    assert assistant.handoffs == {reason.value: 1}


@pytest.mark.parametrize(
    "question",
    [
        "包邮吗？新疆能发吗",
        "尺码不合适能换吗",
        "有运费险吗",
        "我的订单O99999999999到哪了",
        "金毛犬粮多少钱",
    ],
)
def test_no_fact_no_answer(question: str) -> None:
    """No remote-area, size-exchange or insurance fact, an unknown order, an unknown product:
    the assistant hands off instead of saying yes or no."""
    a = make().ask(question)
    assert a.handoff is not None
    assert a.handoff.reason is HandoffReason.NO_FACTS


def test_safety_goes_first_even_in_a_price_question() -> None:
    a = make().ask("幼猫奶糕粮多少钱？我家猫吃了过敏")
    assert a.handoff is not None
    assert a.handoff.reason is HandoffReason.SAFETY


def test_a_rewording_with_an_invented_number_is_dropped() -> None:
    def liar(question: str, draft: str, facts: Sequence[Fact]) -> str:
        return "亲，幼猫奶糕粮今天只要¥59！"

    def faithful(question: str, draft: str, facts: Sequence[Fact]) -> str:
        return "亲亲，幼猫奶糕粮售价¥89.90哦～"

    lied = make(rewriter=liar).ask("幼猫奶糕粮多少钱？")
    assert lied.fluent is False
    assert "59" not in lied.text
    kept = make(rewriter=faithful).ask("幼猫奶糕粮多少钱？")
    assert (kept.fluent, kept.text) == (True, "亲亲，幼猫奶糕粮售价¥89.90哦～")


def test_invented_numbers_are_caught() -> None:
    facts = FACTS.facts[:1]
    assert invented_numbers("售价¥89.90", facts) == []
    assert invented_numbers("售价¥79.90，7天无理由", facts) == ["79.90", "7"]


def test_no_model_is_configured_without_the_environment() -> None:
    assert endpoint_from_env({}) is None
    configured = endpoint_from_env(
        {"MERCHANTRY_CS_LLM_URL": "http://127.0.0.1:9/v1", "MERCHANTRY_CS_LLM_MODEL": "qwen"}
    )
    assert configured == ChatEndpoint("http://127.0.0.1:9/v1", "qwen", "")


def test_money_is_shown_from_integer_fen() -> None:
    assert [yuan(8990), yuan(12900), yuan(5), yuan(123456789)] == [
        "¥89.90",
        "¥129",
        "¥0.05",
        "¥1,234,567.89",
    ]


@pytest.mark.slow
def test_facts_come_from_the_warehouse_and_the_rulebook(
    market_con: duckdb.DuckDBPyConnection,
) -> None:
    day = facts_day(market_con)
    shop, sku, price = market_con.execute(
        "SELECT shop_id, sku_id, price_fen FROM products ORDER BY sku_id LIMIT 1"
    ).fetchone()
    desk = assistant_desk(market_con, day, use_model=False)
    a = desk.ask(shop, f"{sku}多少钱？")
    assert a.handoff is None
    assert a.citations[0].fact_id == f"product:{sku}"
    assert yuan(price) in a.text
    assert desk.ask(shop, "我要投诉").handoff is not None
    assert desk.handoffs == {"complaint": 1}


@pytest.mark.slow
def test_the_evaluation_on_a_generated_marketplace(market_con: duckdb.DuckDBPyConnection) -> None:
    ev = evaluate_assistant(market_con, facts_day(market_con), sample=30, seed=3)
    assert ev.questions >= 400
    assert ev.invented == 0
    assert ev.accuracy >= 0.95, ev.mistakes[:5]
    assert ev.handoff_precision >= 0.95
    assert ev.handoff_recall >= 0.95
    assert set(ev.per_reason) >= {
        "no_facts",
        "complaint",
        "refund_dispute",
        "safety",
        "human_requested",
        "promise",
    }
    assert sum(ev.handoffs.values()) == ev.predicted_handoffs
    # Wording the screens were not written for: never answered (a hand-off is the safe side);
    # the reason is often no_facts rather than the right one.
    assert ev.held_out is not None
    assert ev.held_out.questions == 30 * 12
    assert ev.held_out.answered == []
