"""The pinning tests catch a confirmed number moved one step (see ``mutations.py``).

Fast: the harness finds the confirmed numbers and writes a mutated rulebook the checker
accepts. Slow: a fixed sample of mutations, each of which some pinning test must catch.
``MERCHANTRY_MUTATIONS=all`` runs every non-weight mutation and a sample of weight ones,
and prints the tally.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from merchantry.kit.errors import has_errors
from merchantry.rulebook import library
from merchantry.rulebook.checker import check_file

from .mutations import Mutation, all_mutations, apply, checks_for, fails, is_caught

SAMPLE = (
    "douyin-score-2026-05 stage.growth.min_valid_orders: 30 -> 31",
    "douyin-score-2026-05 floor.product_rating.big.max_bad_events: 3 -> 4",
    "douyin-score-2026-05 gate.affiliate.when: 65 -> 66",
    "douyin-score-2026-07 floor.dissatisfaction_rate.max_bad_events: 3 -> 4",
    "douyin-score-2026-07 svc.help.jade.all.weight_bp: 2000 -> 1999",
    "taobao-score-2026 ranking.good_service.min_score_cp: 480 -> 479",
)
"""A few mutations the slow suite re-checks (the pinning tests themselves run unmutated in
the ordinary suite, so a failure here means the mutation was not caught)."""


def _by_label() -> dict[str, Mutation]:
    return {m.label: m for m in all_mutations()}


def test_the_harness_finds_confirmed_numbers_and_writes_valid_rulebooks(tmp_path: Path) -> None:
    found = _by_label()
    assert set(SAMPLE) <= set(found)
    # assumptions are not mutated: the assumed tier cut-offs and dimension weights
    assert not [m for m in found.values() if m.rule.startswith(("tier.", "weight."))]
    assert all(checks_for(m) for m in found.values()), "a confirmed rule with no pinning test"
    mutation = found[SAMPLE[0]]
    apply(mutation, tmp_path)
    book, problems = check_file(tmp_path / f"{mutation.book}.yaml", [library.shipped_dir()])
    assert not has_errors(problems)
    assert book is not None
    stage = next(r for r in book.rules if r.id == "stage.growth")
    assert stage.effect.int("min_valid_orders") == 31


@pytest.mark.slow
@pytest.mark.parametrize("label", SAMPLE)
def test_a_sampled_mutation_is_caught(label: str, tmp_path: Path) -> None:
    assert is_caught(_by_label()[label], tmp_path), f"no pinning test caught {label}"


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("MERCHANTRY_MUTATIONS"), reason="set MERCHANTRY_MUTATIONS=all or =N"
)
def test_every_mutation(tmp_path: Path) -> None:
    """Every mutation of a number other than the service weights plus 20 weight ones
    (``MERCHANTRY_MUTATIONS=all``), or a seeded sample of N non-weight and N/5 weight
    mutations (``=N``); prints each result and the tally."""
    found = all_mutations()
    weights = [m for m in found if m.rule.startswith(("w.", "svc."))]
    others = [m for m in found if m not in weights]
    wanted = os.environ.get("MERCHANTRY_MUTATIONS", "all")
    rng = random.Random(7)
    if wanted == "all":
        chosen = others + rng.sample(weights, 20)
    else:
        n = int(wanted)
        chosen = rng.sample(others, min(n, len(others))) + rng.sample(weights, max(1, n // 5))
    checks = {id(c): c for m in chosen for c in checks_for(m)}
    broken = [n for n, c in enumerate(checks.values()) if fails(c, tmp_path / f"base{n}.duckdb")]
    assert not broken, "a pinning check fails on the shipped rulebooks"
    survivors = []
    for m in chosen:
        caught = is_caught(m, tmp_path)
        print(("caught  " if caught else "SURVIVED"), m.label, flush=True)
        if not caught:
            survivors.append(m.label)
    print(f"\nmutations caught: {len(chosen) - len(survivors)} of {len(chosen)}")
    for label in survivors:
        print("  survived:", label)
    assert not survivors
