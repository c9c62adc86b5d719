"""Every need rule and every relaxation step of the shipped routing rulebook.

Agents are built by hand so each test shows the case it decides: who holds which skill,
badge, language and seat, and how long the buyer has waited."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, datetime

import pytest

from merchantry.cs.routing import Consultation, round_robin, route
from merchantry.cs.rules import RoutingRules
from tests.cs.conftest import NOON, agent


def ask(
    industry: str, intent: str, waited: int = 0, language: str = "zh", at: datetime = NOON
) -> Consultation:
    return Consultation("S1", industry, intent, at, language, waited)


@pytest.mark.parametrize(
    ("industry", "intent", "need", "skills", "badge"),
    [
        ("pet_food", "presale", "need.pet", ("pet_care",), "pet_adviser"),
        ("pet_other", "after_sale", "need.pet", ("pet_care",), "pet_adviser"),
        (
            "baby",
            "presale",
            "need.maternal-infant",
            ("maternal_infant",),
            "maternal_infant_adviser",
        ),
        ("makeup", "after_sale", "need.beauty", ("beauty",), "makeup_artist"),
        ("skincare", "presale", "need.beauty", ("beauty",), "makeup_artist"),
        ("apparel", "presale", "need.sizing", ("presale", "sizing"), None),
        ("digital_3c", "presale", "need.electronics", ("presale", "electronics"), None),
        ("large_appliance", "after_sale", "need.install", ("home_install",), None),
        ("apparel", "after_sale", "need.after-sale", ("after_sale",), None),
        ("pet_food", "complaint", "need.after-sale", ("after_sale",), None),
        ("toys", "order_status", "need.logistics", ("logistics",), None),
        ("pet_food", "order_status", "need.logistics", ("logistics",), None),
        ("toys", "presale", "need.presale", ("presale",), None),
    ],
)
def test_each_need_rule_selects_its_skills_and_badge(
    rules: RoutingRules,
    industry: str,
    intent: str,
    need: str,
    skills: tuple[str, ...],
    badge: str | None,
) -> None:
    found = rules.need_for(industry, intent)
    assert found is not None
    assert (found.id, found.skills, found.certification) == (need, skills, badge)


def test_a_certified_agent_wins_over_a_better_uncertified_one(rules: RoutingRules) -> None:
    crew = [
        agent("star", skills={"pet_care": 5}, quality=9_900),
        agent("vet", skills={"pet_care": 3}, quality=6_000, badge="pet_adviser"),
    ]
    d = route(rules, ask("pet_food", "presale"), crew, {})
    assert (d.agent_id, d.step_id, d.certified) == ("vet", "step.certified", True)
    assert d.relaxations == ()


def test_among_certified_agents_the_best_quality_wins(rules: RoutingRules) -> None:
    crew = [
        agent("vet-a", skills={"pet_care": 4}, quality=7_000, badge="pet_adviser"),
        agent("vet-b", skills={"pet_care": 4}, quality=8_000, badge="pet_adviser"),
    ]
    assert route(rules, ask("pet_food", "presale"), crew, {}).agent_id == "vet-b"


def test_quality_ties_go_to_the_lighter_load(rules: RoutingRules) -> None:
    crew = [agent("a", skills={"presale": 3}), agent("b", skills={"presale": 3})]
    assert route(rules, ask("toys", "presale"), crew, {"a": 2, "b": 1}).agent_id == "b"


def test_the_certified_step_wants_level_3(rules: RoutingRules) -> None:
    """min_level 3: a certified agent at level 2 is not enough in the first step."""
    crew = [
        agent("vet", skills={"pet_care": 2}, badge="pet_adviser"),
        agent("other", skills={"pet_care": 4}),
    ]
    d = route(rules, ask("pet_food", "presale"), crew, {})
    assert (d.agent_id, d.step_id) == ("other", "step.skilled")
    crew[0] = replace(crew[0], skills={"pet_care": 3})
    assert route(rules, ask("pet_food", "presale"), crew, {}).agent_id == "vet"


def test_a_busy_certified_agent_makes_the_buyer_wait_until_the_step_relaxes(
    rules: RoutingRules,
) -> None:
    crew = [
        agent("vet", skills={"pet_care": 4}, badge="pet_adviser", capacity=2),
        agent("other", skills={"pet_care": 4}),
    ]
    busy = {"vet": 2}
    d = route(rules, ask("pet_food", "presale", waited=19), crew, busy)
    assert (d.agent_id, d.step_id, d.retry_after_seconds) == (None, "step.certified", 1)
    d = route(rules, ask("pet_food", "presale", waited=20), crew, busy)
    assert (d.agent_id, d.step_id) == ("other", "step.skilled")
    assert [(r.from_step, r.to_step) for r in d.relaxations] == [("step.certified", "step.skilled")]
    assert "waited 20 s" in d.relaxations[0].reason


def test_after_45_seconds_one_needed_skill_is_enough(rules: RoutingRules) -> None:
    crew = [agent("sizer", skills={"sizing": 2}), agent("busy", skills={"presale": 5, "sizing": 5})]
    load = {"busy": 3}
    assert route(rules, ask("apparel", "presale", waited=44), crew, load).agent_id is None
    d = route(rules, ask("apparel", "presale", waited=45), crew, load)
    assert (d.agent_id, d.step_id) == ("sizer", "step.partial")
    assert len(d.relaxations) == 2


def test_after_90_seconds_any_agent_and_any_language(rules: RoutingRules) -> None:
    crew = [
        agent("zh-only", skills={"presale": 1}),
        agent("en", skills={"presale": 5}, languages=("en",), capacity=1),
    ]
    busy = {"en": 1}
    waiting = route(rules, ask("toys", "presale", waited=89, language="en"), crew, busy)
    assert (waiting.agent_id, waiting.step_id, waiting.retry_after_seconds) == (
        None,
        "step.partial",
        1,
    )
    d = route(rules, ask("toys", "presale", waited=90, language="en"), crew, busy)
    assert (d.agent_id, d.step_id) == ("zh-only", "step.any")
    assert d.retry_after_seconds is None


def test_a_step_nobody_could_meet_is_skipped_at_once_and_logged(
    rules: RoutingRules, caplog: pytest.LogCaptureFixture
) -> None:
    crew = [agent("plain", skills={"pet_care": 3})]
    with caplog.at_level(logging.INFO, logger="merchantry.cs.routing"):
        d = route(rules, ask("pet_food", "presale"), crew, {})
    assert (d.agent_id, d.step_id) == ("plain", "step.skilled")
    assert d.relaxations[0].reason == (
        "no agent of the shop has an active pet_adviser badge and all of pet_care at level ≥ 3 "
        "and language zh"
    )
    assert "step.certified -> step.skilled" in caplog.text


def test_the_language_step_is_skipped_when_nobody_speaks_it(rules: RoutingRules) -> None:
    crew = [agent("zh", skills={"presale": 5})]
    d = route(rules, ask("toys", "presale", language="en"), crew, {})
    assert (d.agent_id, d.step_id) == ("zh", "step.any")
    crew.append(agent("en", skills={"presale": 1}, languages=("zh", "en"), quality=100))
    assert route(rules, ask("toys", "presale", language="en"), crew, {}).agent_id == "en"


def test_full_agents_and_agents_off_shift_are_not_chosen(rules: RoutingRules) -> None:
    crew = [
        agent("full", skills={"presale": 5}, capacity=1, quality=9_000),
        agent("night", skills={"presale": 5}, hours=(20, 24), quality=8_000),
        agent("free", skills={"presale": 5}, quality=1_000),
    ]
    assert route(rules, ask("toys", "presale"), crew, {"full": 1}).agent_id == "free"


def test_agents_of_another_shop_are_never_chosen(rules: RoutingRules) -> None:
    crew = [
        agent("mine", skills={"presale": 1}, quality=1),
        agent("theirs", shop="S2", skills={"presale": 5}, quality=9_999),
    ]
    assert route(rules, ask("toys", "presale"), crew, {}).agent_id == "mine"


def test_an_expired_badge_does_not_count(rules: RoutingRules) -> None:
    crew = [
        agent(
            "vet",
            skills={"pet_care": 4},
            badge="pet_adviser",
            expires=date(2026, 10, 19),
            quality=9_000,
        ),
        agent("other", skills={"pet_care": 4}),
    ]
    d = route(rules, ask("pet_food", "presale"), crew, {})
    assert d.step_id == "step.skilled"
    assert d.certified is False
    on_expiry_day = ask("pet_food", "presale", at=datetime(2026, 10, 19, 12))
    assert route(rules, on_expiry_day, crew, {}).step_id == "step.certified"


def test_nobody_free_at_the_last_step_stays_queued(rules: RoutingRules) -> None:
    crew = [agent("a", capacity=1)]
    d = route(rules, ask("toys", "presale", waited=600), crew, {"a": 1})
    assert (d.agent_id, d.step_id, d.retry_after_seconds) == (None, "step.any", None)


def test_round_robin_takes_turns_and_skips_full_agents() -> None:
    crew = [agent("a", capacity=1), agent("b"), agent("c")]
    c = ask("toys", "presale")
    assert round_robin(c, crew, {}, 0) == "a"
    assert round_robin(c, crew, {"a": 1}, 0) == "b"
    assert round_robin(c, crew, {}, 2) == "c"
    assert round_robin(c, crew, {"a": 1, "b": 3, "c": 3}, 0) is None
