"""Repeat offences: the n-th violation of a shop in one scene gets the ladder's n-th step.

A rule with an escalation (``escalations`` in the rulebook) counts a shop's violations of that
rule (its scene, 同一场景): each offence's number is one more than the shop's offences of the
rule in the ``window_days`` before it. Offences already recorded (``listing_offences``, kept
across runs; withdrawn ones left out, see ``withdrawn_violations``) keep their time, so a
re-run gives every offence the same number; offences found now are ordered after them, by
publication time and SKU. The step for the number decides the live outcome (take down, ban)
and its measures go into the evidence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from merchantry.listings.check import Finding
from merchantry.listings.rulebook import RECORDED_OUTCOMES, ListingRule, ListingRulebook


@dataclass(frozen=True, slots=True)
class Offence:
    """A recorded violation of one rule by one shop (a row of ``listing_offences``)."""

    shop_id: str
    rule_id: str
    sku_id: str
    occurred_at: datetime
    violation_id: str = ""
    first_no: int = 0
    """Its number when recorded: orders the offences recorded at one time as they were
    numbered then (publication order), so a re-run numbers them alike."""


_Key = tuple[datetime, tuple[int, int, datetime], str]
"""(time, tie-break, SKU): recorded offences by their first number, new ones after them by
publication time."""


def _number(
    scenes: Mapping[tuple[str, str], list[_Key]],
    rules: Mapping[str, ListingRule],
) -> dict[tuple[str, str, str], int]:
    """Each offence's number: one more than the scene's offences in the window before it."""
    numbers: dict[tuple[str, str, str], int] = {}
    for (shop, rule_id), offences in scenes.items():
        ladder = rules[rule_id].escalation
        assert ladder is not None
        window = timedelta(days=ladder.window_days)
        offences.sort()
        for k, (when, _, sku) in enumerate(offences):
            before = sum(1 for other, _, _ in offences[:k] if other >= when - window)
            numbers[(shop, rule_id, sku)] = before + 1
    return numbers


def _scenes(
    history: Sequence[Offence], rules: Mapping[str, ListingRule]
) -> dict[tuple[str, str], list[_Key]]:
    scenes: dict[tuple[str, str], list[_Key]] = defaultdict(list)
    for o in history:
        if o.rule_id in rules:
            key = (o.occurred_at, (0, o.first_no, datetime.min), o.sku_id)
            scenes[(o.shop_id, o.rule_id)].append(key)
    return scenes


def offence_numbers(
    book: ListingRulebook, history: Sequence[Offence]
) -> dict[tuple[str, str, str], int]:
    """(shop, rule, SKU) -> number of each recorded offence of an escalated rule, as
    :func:`escalate` numbers it."""
    rules = {r.rule_id: r for r in book.rules if r.escalation is not None}
    return _number(_scenes(history, rules), rules)


def escalate(
    findings: Sequence[Finding],
    book: ListingRulebook,
    history: Sequence[Offence],
    at: datetime,
    published: Mapping[str, datetime | None] | None = None,
) -> list[Finding]:
    """``findings`` with each recorded live finding of an escalated rule numbered and given
    its step's outcome; other findings unchanged. ``history``: earlier offences (any rule);
    findings not among them happen ``at``, ordered by ``published`` time then SKU."""
    rules = {r.rule_id: r for r in book.rules if r.escalation is not None}
    known = {(o.shop_id, o.rule_id, o.sku_id): o.occurred_at for o in history}
    scenes = _scenes(history, rules)
    escalated = [
        f for f in findings if f.rule_id in rules and f.outcome in RECORDED_OUTCOMES and f.violation
    ]
    chosen = {(f.shop_id, f.rule_id, f.sku_id) for f in escalated}
    for f in escalated:
        if (f.shop_id, f.rule_id, f.sku_id) not in known:
            when = (published or {}).get(f.sku_id) or datetime.min
            scenes[(f.shop_id, f.rule_id)].append((at, (1, 0, when), f.sku_id))
    numbers = _number(scenes, rules)
    out: list[Finding] = []
    for f in findings:
        key = (f.shop_id, f.rule_id, f.sku_id)
        number = numbers.get(key)
        ladder = rules[f.rule_id].escalation if f.rule_id in rules else None
        if number is None or ladder is None or key not in chosen:
            out.append(f)
            continue
        step = ladder.step(number)
        out.append(
            replace(
                f,
                outcome=step.outcome,
                offence=number,
                evidence=f"{f.evidence}; offence {number} in this scene within "
                f"{ladder.window_days} days: {step.measures}",
            )
        )
    return out
