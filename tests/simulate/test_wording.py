"""Policy lines are worded as the platforms word them: saved, returned, or cost more."""

from __future__ import annotations

import pytest

from merchantry.simulate import LineSaving
from merchantry.simulate.wording import line_sentence


def _line(kinds: tuple[str, ...], saving_fen: int) -> LineSaving:
    return LineSaving(
        line_id="r",
        line_rulebook="b",
        title="Policy",
        fee_kinds=kinds,
        assumption=False,
        lines=1,
        orders=1,
        shops=1,
        saving_fen=saving_fen,
    )


@pytest.mark.parametrize(
    ("kinds", "saving", "verb"),
    [
        (("promotion_fee_refund",), 800, "returned ¥8.00"),
        (("fee_refund", "technical_service_fee"), 800, "saved merchants ¥8.00"),
        (("technical_service_fee",), 800, "saved merchants ¥8.00"),
        (("insurance_premium",), -800, "cost merchants ¥8.00 more"),
    ],
)
def test_line_wording(kinds: tuple[str, ...], saving: int, verb: str) -> None:
    assert verb in line_sentence(_line(kinds, saving))


@pytest.mark.parametrize(
    ("saving", "giveup", "english", "chinese"),
    [
        (12_345, 500, "merchants save ¥123.45; the platform gives up ¥5.00", "商家节省 ¥123.45"),
        (
            -93_240_863,
            -1,
            "merchants pay ¥932,408.63 more; the platform collects ¥0.01 more",
            "商家多付 ¥932,408.63",
        ),
        (0, 0, "merchants pay the same; the platform's net is unchanged", "商家支出不变"),
    ],
)
def test_headline_phrases_follow_the_sign(saving, giveup, english, chinese):
    from merchantry.simulate.wording import merchants_phrase, merchants_phrase_zh, platform_phrase

    assert f"{merchants_phrase(saving)}; {platform_phrase(giveup)}" == english
    assert merchants_phrase_zh(saving) == chinese
