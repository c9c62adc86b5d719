"""The listing rulebook: the shipped one is sourced and pinned; bad ones name line and field."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from merchantry.kit.errors import InputError
from merchantry.listings.rulebook import (
    ListingRulebook,
    Penalty,
    Restriction,
    RestrictionKind,
    RuleKind,
    check_listing_rulebook,
    load_listing_rulebook,
    shipped_listing_dir,
)

CATALOGUE = (
    Path(__file__).resolve().parents[3]
    / "shared/reference/rule-texts/douyin-rule-centre-catalogue.json"
)
GOOD_RULE = """\
rulebook: listings-test
effective: {from: 2026-07-13}
rules:
  - id: listing.count
    kind: count_claim
    title: count
    source: {ref: "1", title: t}
    violation: false_advertising
    points: 10
    at_publish: block
    when_live: take_down
"""


def test_shipped_rulebook_has_one_rule_per_kind_each_with_a_source(book: ListingRulebook) -> None:
    assert {r.kind for r in book.rules} == set(RuleKind)
    for rule in book.rules:
        assert rule.source.ref
        assert rule.source.title
        assert not rule.assumption or rule.why.strip(), rule.rule_id


@pytest.mark.skipif(not CATALOGUE.is_file(), reason="the shared rule-centre catalogue is absent")
def test_every_source_is_a_rule_centre_entry_with_that_title(book: ListingRulebook) -> None:
    entries = {e["id"]: e["title"] for e in json.loads(CATALOGUE.read_text(encoding="utf-8"))}
    for rule in book.rules:
        assert entries.get(rule.source.ref) == rule.source.title, rule.rule_id
    for words in book.word_lists.values():
        assert entries.get(words.source.ref) == words.source.title


def test_false_advertising_and_brand_confusion_points_are_ten(book: ListingRulebook) -> None:
    """platform-rules.md §1.5: false advertising and confusing brand information take −10 at
    once (the 2026-09 proposal, quoted the same way by a newsletter)."""
    points = {(r.rule_id, r.violation, r.points) for r in book.rules if r.violation}
    assert points == {
        ("listing.material", "false_advertising", 10),
        ("listing.origin", "false_advertising", 10),
        ("listing.count", "false_advertising", 10),
        ("listing.subsidy-label", "false_advertising", 10),
        ("listing.brand-authorisation", "brand_confusion", 10),
    }


def test_first_tier_of_false_advertising_takes_the_listing_down(book: ListingRulebook) -> None:
    """Rule-centre notice aJmzLewhMq6J: a merchant's first 1-2 false-advertising violations in
    one scene are sanctioned by 商品下架 (take-down)."""
    for rule in book.rules:
        if rule.violation == "false_advertising":
            assert rule.when_live.value == "take_down", rule.rule_id


def test_the_false_advertising_ladder_is_the_notice_s(book: ListingRulebook) -> None:
    """Notice aJmzLewhMq6J (merchant table, from 2026-07-13): in one scene, 1-2 violations
    take the listing down; 3-4 ban it and close presale 15 days; 5-6 ban it with a 3-day
    suspension and a penalty of 10% (500 to 5,000 yuan); 7 and more ban it and clear the
    shop, penalty 1,000 to 20,000 yuan. Every false-advertising rule escalates on it."""
    ladders = {r.escalation for r in book.rules if r.violation == "false_advertising"}
    (ladder,) = ladders
    assert ladder is not None
    assert ladder.source.ref == "aJmzLewhMq6J"
    steps = [(s.from_offence, s.outcome.value) for s in ladder.steps]
    assert steps == [(1, "take_down"), (3, "ban"), (5, "ban"), (7, "ban")]
    assert "15天" in ladder.steps[1].measures
    assert "停业整顿3天" in ladder.steps[2].measures
    assert "500至5000元" in ladder.steps[2].measures
    assert "店铺清退" in ladder.steps[3].measures
    assert "1000至20000元" in ladder.steps[3].measures
    # The measures as enforced: restrictions on the shop and the penalty from the deposit.
    presale, suspended, closed = (
        RestrictionKind.PRESALE_CLOSED,
        RestrictionKind.SUSPENDED,
        RestrictionKind.CLOSED,
    )
    assert [(s.restrictions, s.penalty) for s in ladder.steps] == [
        ((), None),
        ((Restriction(presale, 15),), None),
        (
            (Restriction(presale, None), Restriction(suspended, 3)),
            Penalty(rate_bp=1000, basis_days=30, min_fen=50_000, max_fen=500_000),
        ),
        (
            (Restriction(closed, None),),
            Penalty(rate_bp=1000, basis_days=90, min_fen=100_000, max_fen=2_000_000),
        ),
    ]
    assert ladder.assumption  # the counting window (365 days) is ours


ESCALATED = (
    GOOD_RULE.replace(
        "rules:\n",
        "escalations:\n  fa:\n    source: {ref: '1', title: t}\n    window_days: 365\n"
        "    steps:\n      - {from: 1, outcome: take_down, measures: a}\n"
        "      - {from: 3, outcome: ban, measures: b}\nrules:\n",
    )
    + "    escalation: fa\n"
)


def test_an_escalated_rule_loads() -> None:
    book, problems = check_listing_rulebook(ESCALATED, "t.yaml")
    assert problems == []
    assert book is not None
    ladder = book.rules[0].escalation
    assert ladder is not None
    assert [ladder.step(n).outcome.value for n in (1, 2, 3, 9)] == [
        "take_down",
        "take_down",
        "ban",
        "ban",
    ]


@pytest.mark.parametrize(
    ("old", "new", "code"),
    [
        ("escalation: fa", "escalation: other", "unknown-escalation"),
        ("{from: 3, outcome: ban", "{from: 1, outcome: ban", "bad-step"),
        ("{from: 1, outcome: take_down", "{from: 2, outcome: take_down", "bad-step"),
        ("outcome: ban, measures: b", "outcome: block, measures: b", "bad-outcome"),
        ("window_days: 365", "window_days: 0", "bad-value"),
        ("when_live: take_down", "when_live: warn", "bad-escalation"),
        (
            "measures: b}",
            "measures: b, restrictions: [{kind: frozen, days: 3}]}",
            "unknown-restriction",
        ),
        ("measures: b}", "measures: b, restrictions: [{kind: suspended, days: 0}]}", "bad-value"),
        (
            "measures: b}",
            "measures: b, penalty: {rate_bp: 1000, basis_days: 30, min_fen: 9, max_fen: 5}}",
            "bad-value",
        ),
        ("measures: b}", "measures: b, penalty: {rate_bp: 1000}}", "bad-value"),
        ("measures: b}", "measures: b, fine: 5}", "unknown-field"),
    ],
)
def test_bad_escalations_are_named(old: str, new: str, code: str) -> None:
    book, problems = check_listing_rulebook(ESCALATED.replace(old, new), "bad.yaml")
    assert book is None
    assert code in {p.code for p in problems}, problems


def test_a_step_s_measures_load() -> None:
    text = ESCALATED.replace(
        "measures: b}",
        "measures: b, restrictions: [{kind: presale_closed}, {kind: suspended, days: 3}], "
        "penalty: {rate_bp: 1000, basis_days: 30, min_fen: 50000, max_fen: 500000}}",
    )
    book, problems = check_listing_rulebook(text, "t.yaml")
    assert problems == []
    assert book is not None
    ladder = book.rules[0].escalation
    assert ladder is not None
    step = ladder.step(3)
    assert step.restrictions == (
        Restriction(RestrictionKind.PRESALE_CLOSED, None),
        Restriction(RestrictionKind.SUSPENDED, 3),
    )
    assert step.penalty is not None
    # 10% of ¥30,000 is ¥3,000; of ¥1,000 the floor ¥500; of ¥80,000 the cap ¥5,000.
    assert [step.penalty.amount(x) for x in (3_000_000, 100_000, 8_000_000, 0)] == [
        300_000,
        50_000,
        500_000,
        50_000,
    ]


def test_the_forbidden_word_list_is_versioned(book: ListingRulebook) -> None:
    words = book.word_lists["absolute_terms"]
    assert words.version
    assert {"最", "第一", "国家级"} <= words.words
    assert not words.words & words.exempt


def test_a_good_minimal_rulebook_loads() -> None:
    book, problems = check_listing_rulebook(GOOD_RULE, "t.yaml")
    assert problems == []
    assert book is not None
    assert book.rules[0].kind is RuleKind.COUNT_CLAIM


@pytest.mark.parametrize(
    ("old", "new", "code", "line", "field"),
    [
        ("kind: count_claim", "kind: counting", "unknown-kind", 5, "kind"),
        ("at_publish: block", "at_publish: take_down", "bad-outcome", 10, "at_publish"),
        ('    source: {ref: "1", title: t}\n', "", "missing-source", None, "source"),
        ("points: 10", "points: ten", "bad-points", 9, "points"),
        ("violation: false_advertising", "violation: lying", "unknown-violation", 8, "violation"),
        ("title: count", "title: count\n    colour: red", "unknown-field", 7, "colour"),
        ("points: 10", "points: 10\n    assumption: true", "assumption-without-why", 10, "why"),
    ],
)
def test_bad_rulebooks_name_line_and_field(
    old: str, new: str, code: str, line: int | None, field: str
) -> None:
    text = GOOD_RULE.replace(old, new)
    book, problems = check_listing_rulebook(text, "bad.yaml")
    assert book is None
    found = [p for p in problems if p.code == code]
    assert found, problems
    assert found[0].column is not None
    assert found[0].column.endswith(field)
    if line is not None:
        assert found[0].line == line
    assert found[0].source == "bad.yaml"


def test_malformed_yaml_and_unknown_names_are_input_errors(tmp_path: Path) -> None:
    bad = tmp_path / "b.yaml"
    bad.write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"b\.yaml"):
        load_listing_rulebook(str(bad))
    with pytest.raises(InputError, match="shipped: listings-2026"):
        load_listing_rulebook("listings-1999")


def test_shipped_folder_is_apart_from_the_fee_and_score_rulebooks() -> None:
    assert shipped_listing_dir().name == "listings"
    assert (shipped_listing_dir() / "listings-2026.yaml").is_file()
