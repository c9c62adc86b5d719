"""Every confirmed number of the shipped listing rulebook is pinned on both sides: moved one
step down or up in the YAML, the rulebook either is refused or a pinning test fails.

Confirmed (platform-rules.md §1.5, notice aJmzLewhMq6J): the 10 points of a false-advertising
or brand-confusion violation; the ladder's steps (from the 3rd, 5th and 7th offence in a
scene) and the numbers its measures name (presale closed 15 days, 3-day suspension, penalty
bounds); the notice's effective date. Everything else in the file is `assumption: true`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

import pytest

from merchantry.listings.rulebook import (
    Freeze,
    ListingRulebook,
    check_listing_rulebook,
    shipped_listing_dir,
)
from tests.listings import test_escalation as esc
from tests.listings import test_rulebook as rb

SHIPPED = (shipped_listing_dir() / "listings-2026.yaml").read_text(encoding="utf-8")


def test_the_rulebook_is_in_force_from_the_notice_s_date(book: ListingRulebook) -> None:
    """Notice aJmzLewhMq6J: the changed false-advertising sanctions apply from 2026-07-13."""
    assert book.effective_from == date(2026, 7, 13)


def test_the_goods_payment_freezes_are_the_notice_s(book: ListingRulebook) -> None:
    """Notice aJmzLewhMq6J: the 5-6 step freezes the listing's last 60 days' goods payments
    for 30 days, the 7th step its last 90 days' for 90 days; steps below freeze nothing."""
    rule = next(r for r in book.rules if r.rule_id == "listing.material")
    ladder = rule.escalation
    assert ladder is not None
    freezes = {n: ladder.step(n).freeze for n in (1, 3, 5, 7)}
    assert freezes == {1: None, 3: None, 5: Freeze(60, 30), 7: Freeze(90, 90)}


def _ladder_steps(book: ListingRulebook) -> None:
    for prior, expected in esc.LADDER:
        esc.test_each_step_of_the_ladder(book, prior, expected)


PINS: tuple[Callable[[ListingRulebook], None], ...] = (
    rb.test_false_advertising_and_brand_confusion_points_are_ten,
    rb.test_first_tier_of_false_advertising_takes_the_listing_down,
    rb.test_the_false_advertising_ladder_is_the_notice_s,
    test_the_rulebook_is_in_force_from_the_notice_s_date,
    test_the_goods_payment_freezes_are_the_notice_s,
    _ladder_steps,
)


def _points(rule_id: str) -> tuple[str, str]:
    """The rule's ``points:`` line (a pattern anchored on its id, the line to change)."""
    return (rf"(- id: {re.escape(rule_id)}\n(?:    .*\n)*?    points: )(\d+)", "points")


NUMBERS: list[tuple[str, str]] = [
    *[
        _points(r)
        for r in (
            "listing.material",
            "listing.origin",
            "listing.count",
            "listing.subsidy-label",
            "listing.brand-authorisation",
        )
    ],
    (r"(- from: )(3)(\n        outcome: ban)", "step 3"),
    (r"(- from: )(5)(\n        outcome: ban)", "step 5"),
    (r"(- from: )(7)(\n        outcome: ban)", "step 7"),
    (r"(关闭预售权限)(15)(天\n)", "presale 15 days (text)"),
    (r"(停业整顿)(3)(天)", "suspension 3 days (text)"),
    (r"(10%，)(500)(至5000元)", "penalty floor 500 (text)"),
    (r"(10%，500至)(5000)(元)", "penalty cap 5000 (text)"),
    (r"(10%，)(1000)(至20000元)", "penalty floor 1000 (text)"),
    (r"(10%，1000至)(20000)(元)", "penalty cap 20000 (text)"),
    (r"(presale_closed, days: )(15)(\})", "presale closed 15 days"),
    (r"(suspended, days: )(3)(\})", "suspended 3 days"),
    (r"(rate_bp: )(1000)(, basis_days: 30)", "penalty rate, 5th step"),
    (r"(rate_bp: )(1000)(, basis_days: 90)", "penalty rate, 7th step"),
    (r"(basis_days: )(30)(, min_fen)", "penalty basis 30 days"),
    (r"(basis_days: )(90)(, min_fen)", "penalty basis 90 days"),
    (r"(min_fen: )(50000)(, max_fen)", "penalty floor 500 yuan"),
    (r"(max_fen: )(500000)(\})", "penalty cap 5000 yuan"),
    (r"(min_fen: )(100000)(, max_fen)", "penalty floor 1000 yuan"),
    (r"(max_fen: )(2000000)(\})", "penalty cap 20000 yuan"),
    (r"(effective: \{from: 2026-07-)(13)(\})", "effective day"),
    (r"(freeze: \{basis_days: )(60)(, days: 30\})", "freeze basis 60 days"),
    (r"(freeze: \{basis_days: 60, days: )(30)(\})", "freeze 30 days"),
    (r"(freeze: \{basis_days: )(90)(, days: 90\})", "freeze basis 90 days"),
    (r"(freeze: \{basis_days: 90, days: )(90)(\})", "freeze 90 days"),
]


def _mutations() -> list[tuple[str, str]]:
    out = []
    for pattern, name in NUMBERS:
        for step in (-1, 1):
            out.append((f"{name} {pattern[:28]} {step:+d}", f"{pattern}\0{step}"))
    return out


def _mutate(pattern: str, step: int) -> str:
    found = list(re.finditer(pattern, SHIPPED))
    assert len(found) == 1, f"{pattern} must match once, matched {len(found)}"
    m = found[0]
    number = m.group(2)
    moved = str(int(number) + step).zfill(len(number))
    return SHIPPED[: m.start(2)] + moved + SHIPPED[m.end(2) :]


def test_the_shipped_rulebook_passes_every_pin(book: ListingRulebook) -> None:
    for pin in PINS:
        pin(book)


@pytest.mark.parametrize(("label", "spec"), _mutations(), ids=[m[0] for m in _mutations()])
def test_a_confirmed_number_moved_one_step_is_caught(label: str, spec: str) -> None:
    pattern, step = spec.split("\0")
    book, _ = check_listing_rulebook(_mutate(pattern, int(step)), "mutated.yaml")
    if book is None:
        return  # refused by the checker: caught
    failures = 0
    for pin in PINS:
        try:
            pin(book)
        except AssertionError:
            failures += 1
    assert failures, f"{label}: no pinning test failed"
