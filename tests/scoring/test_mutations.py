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

from .mutations import (
    KNOWN_SURVIVORS,
    Mutation,
    all_mutations,
    apply,
    checks_for,
    is_caught,
    report,
    sweep,
    weight_batch,
    weight_batches,
)

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


def test_the_weight_batches_hold_each_weight_rule_once_per_direction() -> None:
    """Four batches (two books, two directions), each rule once in each: a batch verdict is
    per rule, so two mutations of one rule in a batch could not be told apart."""
    found = all_mutations()
    batches = weight_batches(found)
    assert len(batches) == 4
    for batch in batches:
        assert len({m.rule for m in batch}) == len(batch)
        assert len({(m.book, m.new > m.old) for m in batch}) == 1
    assert sorted(m.label for b in batches for m in b) == sorted(
        m.label for m in found if m.is_weight
    )
    assert not [m for m in found if m.rule.startswith(("w.", "svc.")) and not m.is_weight]


OPT_IN = pytest.mark.skipif(
    not os.environ.get("MERCHANTRY_MUTATIONS"),
    reason="mutation runs take minutes: set MERCHANTRY_MUTATIONS=all or =N",
)
"""The mutation runs stay out of CI: they are opt-in."""


@pytest.mark.slow
@OPT_IN
def test_a_weight_batch_agrees_with_single_runs(tmp_path: Path) -> None:
    """The batch verdict of a few weight mutations equals running each alone."""
    rng = random.Random(11)
    batch = rng.sample(weight_batches(all_mutations())[-1], 3)
    verdicts = weight_batch(batch, tmp_path)
    assert {label: v is not None for label, v in verdicts.items()} == {
        m.label: is_caught(m, tmp_path) for m in batch
    }


@pytest.mark.slow
@OPT_IN
@pytest.mark.parametrize("label", SAMPLE)
def test_a_sampled_mutation_is_caught(label: str, tmp_path: Path) -> None:
    assert is_caught(_by_label()[label], tmp_path), f"no pinning test caught {label}"


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("MERCHANTRY_MUTATIONS"), reason="set MERCHANTRY_MUTATIONS=all or =N"
)
def test_every_mutation() -> None:
    """Every mutation (``MERCHANTRY_MUTATIONS=all``; the weights in batches, see
    ``mutations.py``), or a seeded sample of N non-weight mutations and every weight one
    (``=N``); prints each result, the tally and each survivor. The known survivors are the
    equivalent mutants listed in docs/rulebooks.md."""
    found = all_mutations()
    wanted = os.environ.get("MERCHANTRY_MUTATIONS", "all")
    chosen = found
    if wanted != "all":
        others = [m for m in found if not m.is_weight]
        rng = random.Random(7)
        chosen = rng.sample(others, min(int(wanted), len(others)))
        chosen += [m for m in found if m.is_weight]
    workers = int(os.environ.get("MERCHANTRY_MUTATION_WORKERS", "2"))
    verdicts = sweep(chosen, workers)
    print("\n" + report(verdicts))
    survivors = {v.mutation.label for v in verdicts if v.caught_by is None}
    assert survivors <= KNOWN_SURVIVORS, report(verdicts)
