"""Detection against the generator's planted truth: every planted violation found, decoys kept."""

from __future__ import annotations

import csv
from pathlib import Path

from merchantry.listings.evaluate import read_truth, score
from merchantry.listings.rulebook import ListingRulebook, RuleKind
from merchantry.listings.usecases import check_warehouse
from merchantry.store.warehouse import connect


def test_each_kind_is_planted_with_decoys_and_found(
    market: tuple[Path, Path], book: ListingRulebook
) -> None:
    data, db = market
    truth = read_truth(data / "truth" / "listing_violations.csv") + read_truth(
        data / "truth" / "caption_claims.csv"
    )
    con = connect(db, read_only=True)
    try:
        result = check_warehouse(con, book, write=False)
    finally:
        con.close()
    scores = {s.kind: s for s in score(truth, result.findings)}
    assert set(scores) == {k.value for k in RuleKind}
    for kind, s in scores.items():
        assert s.planted >= 3, kind
        assert s.decoys >= 3, kind
        assert s.recall == 1.0, (kind, s)
        assert s.decoys_flagged == 0, (kind, s)
        if kind != "copied_listing":
            assert s.precision == 1.0, (kind, s)
    # Copies: a base listing whose generated, generic title another shop put up more than a
    # day earlier can still be flagged (a known limit at this small scale; docs/listings.md).
    assert scores["copied_listing"].precision >= 0.85
    with (data / "truth" / "listing_copy_clusters.csv").open(encoding="utf-8") as handle:
        planted = {row["sku_id"] for row in csv.DictReader(handle)}
    clustered = {sku for c in result.clusters for sku in c.copies}
    assert planted
    assert planted <= clustered


def test_scores_count_what_they_claim() -> None:
    from merchantry.listings.check import Finding
    from merchantry.listings.evaluate import Planted
    from merchantry.listings.rulebook import Outcome

    def flag(sku: str, kind: RuleKind) -> Finding:
        return Finding(sku, "S", kind, "r", Outcome.BLOCK, 0, None, "e")

    truth = [
        Planted("A", "count_claim", True),
        Planted("B", "count_claim", False),
        Planted("C", "count_claim", True),
    ]
    (s,) = score(
        truth,
        [
            flag("A", RuleKind.COUNT_CLAIM),
            flag("B", RuleKind.COUNT_CLAIM),
            flag("Z", RuleKind.COUNT_CLAIM),
        ],
    )
    assert (s.true_positive, s.false_positive, s.false_negative, s.decoys_flagged) == (1, 2, 1, 1)
    assert (s.precision, s.recall) == (1 / 3, 1 / 2)
