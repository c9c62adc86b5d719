"""How well the return diagnosis works: planted truth and labelled public text.

* :func:`planted`: over a generated marketplace, the SKUs flagged for sizing and for not as
  described, and the carriers flagged for damage, against ``truth/sizing_skus.csv``,
  ``truth/misdescribed_skus.csv`` and ``truth/damaging_carriers.csv`` (precision, recall).
* :func:`olist_complaints`: the same text model (jieba tokens + logistic regression) trained on
  a stratified 70% of Olist's labelled review comments (Portuguese) and scored on the held-out
  30%: accuracy and macro-F1 for the class, the subclass and the subclass mapped to causes.
* :func:`chinese_sentiment`: the model trained on 70% of ChineseNlpCorpus'
  online_shopping_10_cats reviews, accuracy on the held-out 30%, overall and per category.

``python -m merchantry.returns.evaluate planted|olist|reviews …`` prints the figures that
docs/returns.md quotes. Nothing here ships data: the paths are arguments.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import duckdb
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import train_test_split

from merchantry.kit.errors import NotFound
from merchantry.returns import data
from merchantry.returns.causes import Cause
from merchantry.returns.classify import TextModel
from merchantry.returns.diagnosis import classify_cases, find

SEED: Final = 20261201
BUSY_ORDERS: Final = 100
TEST_SHARE: Final = 0.3

OLIST_SUBCLASS_CAUSE: Final[dict[str, Cause]] = {
    "atrasado": Cause.LATE_DELIVERY,
    "entrega_parcial": Cause.WRONG_OR_MISSING_ITEM,
    "diferente_do_anunciado": Cause.NOT_AS_DESCRIBED,
    "baixa_qualidade": Cause.QUALITY,
    "devolucao": Cause.CHANGED_MIND,
    "outro_entrega": Cause.LATE_DELIVERY,
    "outro_pedido": Cause.OTHER,
    "satisfeito": Cause.OTHER,
    "antes_prazo": Cause.OTHER,
}
"""Olist's subclasses in the diagnosis' causes (``devolucao``, a return asked, is the
buyer's decision; ``outro_entrega`` another delivery problem)."""


@dataclass(frozen=True, slots=True)
class Detection:
    """Planted units found: precision and recall."""

    name: str
    truth: frozenset[str]
    flagged: frozenset[str]
    busy: frozenset[str] = frozenset()
    """Planted units with at least :data:`BUSY_ORDERS` orders (enough to tell)."""
    also: frozenset[str] = frozenset()
    """Units another plant gives the same cause (SKUs of planted poor-quality shops, whose
    not-as-described rate the generator also multiplies): a flag there is not a false one."""

    @property
    def precision_with_also(self) -> float:
        flagged = self.flagged
        return len(flagged & (self.truth | self.also)) / len(flagged) if flagged else 1.0

    @property
    def hits(self) -> int:
        return len(self.truth & self.flagged)

    @property
    def precision(self) -> float:
        return self.hits / len(self.flagged) if self.flagged else 1.0

    @property
    def recall(self) -> float:
        return self.hits / len(self.truth) if self.truth else 1.0

    @property
    def busy_recall(self) -> float:
        """Recall among the planted units with enough orders to tell."""
        return len(self.busy & self.flagged) / len(self.busy) if self.busy else 1.0

    def __str__(self) -> str:
        return (
            f"{self.name}: {len(self.truth)} planted, {len(self.flagged)} flagged, "
            f"{self.hits} right; precision {self.precision:.3f}, recall {self.recall:.3f}; "
            f"recall {self.busy_recall:.3f} over the {len(self.busy)} with "
            f"≥ {BUSY_ORDERS} orders"
            + (
                f"; precision {self.precision_with_also:.3f} counting {len(self.also)} units "
                "another plant gives the same cause"
                if self.also
                else ""
            )
        )


def _truth(path: Path, column: str) -> frozenset[str]:
    if not path.exists():
        raise NotFound(f"truth file {path} does not exist (generate with `merchantry generate`)")
    with path.open(encoding="utf-8", newline="") as f:
        return frozenset(row[column] for row in csv.DictReader(f))


def planted(
    con: duckdb.DuckDBPyConnection,
    truth_dir: Path,
    start: date | None = None,
    end: date | None = None,
) -> list[Detection]:
    """Every SKU and carrier of the warehouse tested; flagged against planted truth."""
    first, last = data.period(con, start, end)
    counts = data.week_counts(con, first, last)
    classified = classify_cases(data.cases(con, first, last))
    carriers = data.carrier_counts(con, first, last)
    findings = find(counts, classified, carriers)
    orders: dict[str, int] = {}
    for (carrier, _), n in carriers.items():
        orders[carrier] = orders.get(carrier, 0) + n
    for c in counts:
        orders[c.sku_id] = orders.get(c.sku_id, 0) + c.orders

    def detection(
        name: str,
        truth: frozenset[str],
        flagged: frozenset[str],
        also: frozenset[str] = frozenset(),
    ) -> Detection:
        busy = frozenset(k for k in truth if orders.get(k, 0) >= BUSY_ORDERS)
        return Detection(name, truth, flagged, busy, also)

    poor_shops = _truth(truth_dir / "poor_quality_shops.csv", "shop_id")
    poor_skus = frozenset(
        sku for sku, shop in {(c.sku_id, c.shop_id) for c in counts} if shop in poor_shops
    )

    def flagged(cause: Cause) -> frozenset[str]:
        return frozenset(
            c.sku_id for c in findings.causes if c.cause is cause and c.finding.flagged
        )

    return [
        detection(
            "sizing SKUs", _truth(truth_dir / "sizing_skus.csv", "sku_id"), flagged(Cause.SIZING)
        ),
        detection(
            "misdescribed SKUs",
            _truth(truth_dir / "misdescribed_skus.csv", "sku_id"),
            flagged(Cause.NOT_AS_DESCRIBED),
            poor_skus,
        ),
        detection(
            "damaging carriers",
            _truth(truth_dir / "damaging_carriers.csv", "carrier"),
            frozenset(f.key for f in findings.carriers if f.flagged),
        ),
    ]


@dataclass(frozen=True, slots=True)
class TextScore:
    """A held-out score of a text model."""

    name: str
    train: int
    test: int
    accuracy: float
    macro_f1: float
    per_group: tuple[tuple[str, int, float], ...] = ()
    """(group, test rows, accuracy) when the data has groups (categories)."""

    def __str__(self) -> str:
        head = (
            f"{self.name}: train {self.train:,}, held-out {self.test:,}; "
            f"accuracy {self.accuracy:.3f}, macro-F1 {self.macro_f1:.3f}"
        )
        rows = [f"  {g}: {n:,} rows, accuracy {a:.3f}" for g, n, a in self.per_group]
        return "\n".join([head, *rows])


def _read_gz_csv(path: Path) -> list[dict[str, str]]:
    if not path.exists():
        raise NotFound(f"dataset {path} does not exist")
    with gzip.open(path, "rb") as f:
        text = f.read().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _score(
    name: str,
    texts: Sequence[str],
    labels: Sequence[str],
    groups: Sequence[str] | None = None,
) -> TextScore:
    index = list(range(len(texts)))
    train, test = train_test_split(
        index, test_size=TEST_SHARE, random_state=SEED, stratify=list(labels)
    )
    model = TextModel().fit([texts[i] for i in train], [labels[i] for i in train])
    predicted = model.predict([texts[i] for i in test])
    truth = [labels[i] for i in test]
    per_group: list[tuple[str, int, float]] = []
    if groups is not None:
        for g in sorted({groups[i] for i in test}):
            rows = [k for k, i in enumerate(test) if groups[i] == g]
            per_group.append(
                (
                    g,
                    len(rows),
                    accuracy_score([truth[k] for k in rows], [predicted[k] for k in rows]),
                )
            )
    return TextScore(
        name,
        len(train),
        len(test),
        float(accuracy_score(truth, predicted)),
        float(f1_score(truth, predicted, average="macro")),
        tuple(per_group),
    )


def olist_complaints(path: Path) -> list[TextScore]:
    """Class, subclass, and subclass as cause, each trained on 70% and scored on 30%."""
    rows = [r for r in _read_gz_csv(path) if r.get("most_voted_class")]
    texts = [
        f"{r.get('review_comment_title') or ''} {r.get('review_comment_message') or ''}".strip()
        for r in rows
    ]
    subclass = [r["most_voted_subclass"] for r in rows]
    return [
        _score("Olist class (3)", texts, [r["most_voted_class"] for r in rows]),
        _score("Olist subclass (9)", texts, subclass),
        _score(
            "Olist subclass as causes",
            texts,
            [OLIST_SUBCLASS_CAUSE[s].value for s in subclass],
        ),
    ]


def chinese_sentiment(path: Path, limit: int | None = None) -> TextScore:
    """Positive/negative on the 10-category review set (``limit`` rows, stratified, when
    given: a quicker run)."""
    rows = [r for r in _read_gz_csv(path) if (r.get("review") or "").strip()]
    if limit is not None and limit < len(rows):
        keep, _ = train_test_split(
            list(range(len(rows))),
            train_size=limit,
            random_state=SEED,
            stratify=[f"{r['cat']}{r['label']}" for r in rows],
        )
        rows = [rows[i] for i in sorted(keep)]
    return _score(
        "online_shopping_10_cats sentiment",
        [r["review"] for r in rows],
        [r["label"] for r in rows],
        [r["cat"] for r in rows],
    )


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m merchantry.returns.evaluate")
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("planted", help="planted causes of a generated marketplace")
    p.add_argument("--db", type=Path, required=True)
    p.add_argument("--truth", type=Path, required=True, help="the generator's truth/ folder")
    o = sub.add_parser("olist", help="Olist complaint classes (Portuguese)")
    o.add_argument("path", type=Path)
    r = sub.add_parser("reviews", help="Chinese review sentiment")
    r.add_argument("path", type=Path)
    r.add_argument("--limit", type=int, default=None)
    args = parser.parse_args(argv)
    if args.what == "planted":
        con = duckdb.connect(str(args.db), read_only=True)
        try:
            for d in planted(con, args.truth):
                print(d)
        finally:
            con.close()
    elif args.what == "olist":
        for s in olist_complaints(args.path):
            print(s)
    else:
        print(chinese_sentiment(args.path, args.limit))


if __name__ == "__main__":
    main()
