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
