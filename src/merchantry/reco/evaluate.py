"""Judging suppression against planted truth (``truth/reco_pairs.csv``).

Each truth row pairs an anchor SKU with a planted listing and its kind: ``relisted``,
``same_spu`` and ``variant`` must be withheld after the anchor is bought; ``lookalike``
and ``complement`` must be kept. Two judgements:

- **similarity**: is the planted listing found to be the anchor's near-duplicate (same
  cluster)? Precision and recall over all pairs, recall per kind.
- **filter**: the anchor is bought a day before; is the planted listing removed? Only
  pairs whose anchor's industry has a window count (a window of 0 withholds nothing by
  design), plus a check that a purchase past its window withholds nothing.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from merchantry.kit.errors import InputError, NotFound
from merchantry.reco.settings import RecoSettings
from merchantry.reco.suppression import Catalogue, Purchase, filter_candidates

DUPLICATE_KINDS = frozenset({"relisted", "same_spu", "variant"})
KEPT_KINDS = frozenset({"lookalike", "complement"})


@dataclass(frozen=True, slots=True)
class Pair:
    anchor: str
    sku: str
    kind: str


@dataclass(frozen=True, slots=True)
class Scores:
    true_positive: int
    false_positive: int
    false_negative: int
    true_negative: int

    @property
    def precision(self) -> float:
        found = self.true_positive + self.false_positive
        return self.true_positive / found if found else 1.0

    @property
    def recall(self) -> float:
        wanted = self.true_positive + self.false_negative
        return self.true_positive / wanted if wanted else 1.0


@dataclass(frozen=True, slots=True)
class Evaluation:
    pairs: int
    similarity: Scores
    similarity_by_kind: dict[str, float]
    """Share of pairs of each kind judged near-duplicates (recall for duplicate kinds,
    false-positive rate for the kept kinds)."""
    filter: Scores
    filter_pairs: int
    expired_removed: int
    """Removals when the purchase is one day past its window (must be 0)."""


def read_truth(path: Path) -> list[Pair]:
    if not path.is_file():
        raise NotFound(f"{path}: no such truth file (run `merchantry generate` first)")
    pairs = []
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        needed = {"anchor_sku_id", "sku_id", "kind"}
        if not needed <= set(reader.fieldnames or ()):
            raise InputError(f"{path}: needs columns {', '.join(sorted(needed))}")
        for row in reader:
            pairs.append(Pair(row["anchor_sku_id"], row["sku_id"], row["kind"]))
    return pairs


def _score(judged: list[tuple[bool, bool]]) -> Scores:
    c = Counter(judged)
    return Scores(c[(True, True)], c[(True, False)], c[(False, True)], c[(False, False)])


def evaluate(pairs: list[Pair], catalogue: Catalogue, settings: RecoSettings) -> Evaluation:
    """Similarity and filter precision and recall over the planted pairs."""
    missing = sorted({p.sku for p in pairs} - set(catalogue.clusters))
    if missing:
        raise InputError(
            f"{len(missing)} planted SKUs are not in the warehouse (e.g. {missing[0]}): "
            "ingest the generated directory the truth came from"
        )
    clusters = catalogue.clusters
    sim: list[tuple[bool, bool]] = []
    per_kind: dict[str, list[bool]] = {}
    filt: list[tuple[bool, bool]] = []
    expired = 0
    bought = datetime(2026, 1, 1, 12, 0)
    for pair in pairs:
        same = clusters[pair.anchor] == clusters[pair.sku]
        duplicate = pair.kind in DUPLICATE_KINDS
        sim.append((same, duplicate))
        per_kind.setdefault(pair.kind, []).append(same)
        anchor = catalogue.features(pair.anchor)
        assert anchor is not None
        days, _ = settings.window_days(catalogue.industry_of.get(anchor.listing.category_id))
        if days <= 0:
            continue
        purchase = [Purchase(pair.anchor, bought, None)]
        inside = filter_candidates(
            purchase, [pair.sku], catalogue, settings, bought + timedelta(days=1)
        )
        filt.append((bool(inside.removed), duplicate))
        after = filter_candidates(
            purchase, [pair.sku], catalogue, settings, bought + timedelta(days=days, seconds=1)
        )
        expired += len(after.removed)
    return Evaluation(
        pairs=len(pairs),
        similarity=_score(sim),
        similarity_by_kind={k: sum(v) / len(v) for k, v in sorted(per_kind.items())},
        filter=_score(filt),
        filter_pairs=len(filt),
        expired_removed=expired,
    )
