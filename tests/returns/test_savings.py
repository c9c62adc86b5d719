"""The savings arithmetic, worked by hand: integer fen, half away from zero, per component."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from merchantry.returns.causes import Cause
from merchantry.returns.savings import FIXES, Money, suggest, total
from merchantry.returns.stats import Unit, assess


def test_saving_is_the_excess_share_of_each_component() -> None:
    """10 sizing cases on 100 orders where the category has 5 per 100: half the cases are
    excess, so half of each component is saved; 333 fen halves to 166.5 and rounds to 167."""
    money = Money(refund_fen=120_001, compensation_fen=333, ad_cost_fen=4_500, insurance_fen=0)
    s = suggest(Cause.SIZING, "K1", 10, 100, (10 * 100 - 100 * 5, 10 * 100), money)
    assert s.saving == Money(60_001, 167, 2_250, 0)  # 120,001 / 2 = 60,000.5 -> 60,001
    assert s.saving.total_fen == 62_418
    assert s.fix is FIXES[Cause.SIZING]


def test_excess_share_comes_from_the_finding_in_integers() -> None:
    """40 returns on 200 orders against 30 on 300 elsewhere (10%): expected 20, so 20 of the
    40 (a half) are excess; the ratio is exact integers, not a float."""
    units = [Unit("A", "C", 40, 200), Unit("B", "C", 30, 300)]
    finding = next(f for f in assess(units) if f.key == "A")
    assert (finding.base_events, finding.base_trials) == (30, 300)
    part, whole = finding.excess_share
    assert (part, whole) == (40 * 300 - 200 * 30, 40 * 300)
    assert part * 2 == whole


def test_no_excess_saves_nothing() -> None:
    units = [Unit("A", "C", 5, 200), Unit("B", "C", 30, 300)]
    finding = next(f for f in assess(units) if f.key == "A")
    assert finding.excess_share == (0, 1)
    s = suggest(Cause.QUALITY, "A", 5, 200, finding.excess_share, Money(10_000, 0, 0, 0))
    assert s.saving == Money()


def test_total_adds_every_component() -> None:
    assert total([Money(1, 2, 3, 4), Money(10, 20, 30, 40)]) == Money(11, 22, 33, 44)
    assert Money(11, 22, 33, 44).total_fen == 110


@given(
    st.integers(0, 10**9),
    st.integers(1, 1_000),
    st.integers(0, 1_000),
)
def test_a_saving_never_exceeds_the_money_and_is_integer(fen: int, whole: int, part: int) -> None:
    part = min(part, whole)
    saved = Money(fen, fen, 0, 0).share(part, whole)
    assert isinstance(saved.refund_fen, int)
    assert 0 <= saved.refund_fen <= fen
    # rounding is at most half a fen per component
    assert abs(saved.refund_fen * whole - fen * part) * 2 <= whole
