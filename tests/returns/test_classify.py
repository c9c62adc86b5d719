"""The reason classifier on hand-written texts of every cause, in Chinese and English.

None of these sentences is in the packaged lexicon (a test checks), so they measure how the
model generalises, not what it memorised.
"""

from __future__ import annotations

import pytest

from merchantry.returns.causes import CAUSES, Cause
from merchantry.returns.classify import classify_case, classify_texts, clauses
from merchantry.returns.lexicon import PHRASES

EXAMPLES: list[tuple[str, Cause]] = [
    ("平时穿L码，这件L穿上像M，胳膊都抬不起来", Cause.SIZING),
    ("鞋子小了半码，走路磨脚后跟", Cause.SIZING),
    ("The jacket runs two sizes small, could not zip it up", Cause.SIZING),
    ("图片里是米白色，到手是发黄的灰色，和描述差太远", Cause.NOT_AS_DESCRIBED),
    ("宣传说是羊毛的，标签上写的聚酯纤维", Cause.NOT_AS_DESCRIBED),
    ("Listing photos show a wooden frame but it is plastic", Cause.NOT_AS_DESCRIBED),
    ("用了三天吹风机就不出热风了，质量太次", Cause.QUALITY),
    ("衣服洗了一次就严重掉色还起球", Cause.QUALITY),
    ("The blender stopped working after one week, poor quality", Cause.QUALITY),
    ("快递送到时纸箱被压塌了，里面的碗碎了两个", Cause.DAMAGED_IN_TRANSIT),
    ("包裹外面全湿了，东西泡坏了", Cause.DAMAGED_IN_TRANSIT),
    ("The parcel arrived crushed and the vase inside was broken", Cause.DAMAGED_IN_TRANSIT),
    ("下单一个星期了还没发货，催了也没用", Cause.LATE_DELIVERY),
    ("物流停在中转站五天没动", Cause.LATE_DELIVERY),
    ("It has been two weeks and the order still has not shipped", Cause.LATE_DELIVERY),
    ("我买的是红色的，寄来一件蓝色的", Cause.WRONG_OR_MISSING_ITEM),
    ("套装应该有三件，只收到两件，少了裤子", Cause.WRONG_OR_MISSING_ITEM),
    ("I ordered the 64GB model but received the 32GB one", Cause.WRONG_OR_MISSING_ITEM),
    ("联系客服两天都没人回复，售后一直推脱", Cause.SERVICE),
    ("商家态度很差，还说是我自己弄坏的，拒绝处理", Cause.SERVICE),
    ("The seller was rude and refused to help with my return", Cause.SERVICE),
    ("昨天买的今天就便宜了三十块，也不给补差价", Cause.PRICE),
    ("同样的东西别的店便宜一半", Cause.PRICE),
    ("The same item is half the price in another store", Cause.PRICE),
    ("不小心多拍了一件，不需要了", Cause.CHANGED_MIND),
    ("家里人已经买过了，用不上", Cause.CHANGED_MIND),
    ("I changed my mind and do not need it anymore", Cause.CHANGED_MIND),
    ("宝贝收到了，挺满意的", Cause.OTHER),
    ("详见图片", Cause.OTHER),
    ("Everything was fine, thanks", Cause.OTHER),
]


def test_examples_are_not_in_the_lexicon() -> None:
    seeds = {p for phrases in PHRASES.values() for p in phrases}
    assert not [text for text, _ in EXAMPLES if text in seeds]


def test_every_cause_has_chinese_and_english_examples() -> None:
    for cause in CAUSES:
        texts = [t for t, c in EXAMPLES if c is cause]
        assert any(any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in texts), cause
        assert any(t.isascii() for t in texts), cause


@pytest.mark.parametrize(
    ("text", "cause"), EXAMPLES, ids=[f"{c.value}-{i}" for i, (_, c) in enumerate(EXAMPLES)]
)
def test_hand_written_example_is_classified(text: str, cause: Cause) -> None:
    result = classify_texts([text])[0]
    assert result.cause is cause, (text, result)
    assert 0 < result.confidence <= 1


def test_evidence_quotes_clauses_of_the_text() -> None:
    text = "物流挺快的。但是鞋码偏小一码，脚趾顶得疼，想退"
    result = classify_texts([text])[0]
    assert result.cause is Cause.SIZING
    assert result.evidence
    for e in result.evidence:
        assert e.quote in clauses(text)
    assert all("物流" not in e.quote for e in result.evidence)  # the clause about logistics
    # is not quoted as evidence of sizing


def test_the_buyers_words_outweigh_a_quick_reason_code() -> None:
    """A buyer who picks 'changed mind' from the menu but writes that the parcel was crushed
    has a transit problem."""
    result = classify_case([("reason_text", "快递箱被压扁了，里面的杯子裂了")], "changed_mind")
    assert result.cause is Cause.DAMAGED_IN_TRANSIT


def test_a_reason_code_alone_gives_its_cause_and_says_so() -> None:
    result = classify_case([("reason_text", "")], "wrong_size")
    assert result.cause is Cause.SIZING
    assert [e.source for e in result.evidence] == ["reason_code"]


def test_nothing_to_go_on_is_other() -> None:
    result = classify_case([], None)
    assert result.cause is Cause.OTHER
    assert result.evidence == ()


def test_identical_texts_get_identical_answers() -> None:
    a, b = classify_texts(["尺码偏大一号", "尺码偏大一号"])
    assert a == b
