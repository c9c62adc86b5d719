"""Precision and recall per violation kind against the generator's planted truth.

The truth (``truth/listing_violations.csv``) names each planted listing, its kind and whether it
is a violation or a decoy. For a kind, a *true positive* is a planted violation of that kind
that was flagged with that kind; a *false positive* is any other listing flagged with it (a
decoy, an honest base listing, another kind's plant); a *false negative* a planted violation
of the kind not flagged. Decoys flagged are also counted on their own: they are the hard cases.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from merchantry.kit.errors import Diagnostic, InputError
from merchantry.listings.check import Finding
from merchantry.listings.rulebook import RuleKind


@dataclass(frozen=True, slots=True)
class Planted:
    sku_id: str
    kind: str
    violation: bool


@dataclass(frozen=True, slots=True)
class KindScore:
    kind: str
    planted: int
    decoys: int
    true_positive: int
    false_positive: int
    false_negative: int
    decoys_flagged: int

    @property
    def precision(self) -> float:
        flagged = self.true_positive + self.false_positive
        return self.true_positive / flagged if flagged else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.planted if self.planted else 1.0


def read_truth(path: Path) -> list[Planted]:
    """``truth/listing_violations.csv`` (sku_id, shop_id, kind, planted)."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
    except OSError as err:
        raise InputError(f"{path}: cannot read the truth ({err.strerror or err})") from None
    problems: list[Diagnostic] = []
    result: list[Planted] = []
    kinds = {k.value for k in RuleKind}
    for number, row in enumerate(rows, start=2):
        kind, planted = row.get("kind"), row.get("planted")
        if kind not in kinds:
            problems.append(
                Diagnostic(str(path), number, "bad-value", f"unknown kind {kind!r}", column="kind")
            )
        elif planted not in ("violation", "decoy"):
            problems.append(
                Diagnostic(
                    str(path),
                    number,
                    "bad-value",
                    f"planted must be violation or decoy, not {planted!r}",
                    column="planted",
                )
            )
        else:
            result.append(Planted(str(row["sku_id"]), kind, planted == "violation"))
    if problems:
        raise InputError(f"{path}: {len(problems)} problem(s) in the truth file", problems)
    return result


def score(truth: Sequence[Planted], findings: Iterable[Finding]) -> list[KindScore]:
    """One score per kind that was planted or flagged, in rulebook-kind order."""
    flagged: dict[str, set[str]] = {}
    for f in findings:
        flagged.setdefault(f.kind.value, set()).add(f.sku_id)
    scores: list[KindScore] = []
    for kind in RuleKind:
        positives = {t.sku_id for t in truth if t.kind == kind.value and t.violation}
        decoys = {t.sku_id for t in truth if t.kind == kind.value and not t.violation}
        got = flagged.get(kind.value, set())
        if not positives and not decoys and not got:
            continue
        scores.append(
            KindScore(
                kind.value,
                len(positives),
                len(decoys),
                len(got & positives),
                len(got - positives),
                len(positives - got),
                len(got & decoys),
            )
        )
    return scores
