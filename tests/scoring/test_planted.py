"""The generator's planted late-shipping and poor-quality shops land at the bottom.

Precision and recall of the bottom k formal-stage shops (k = planted shops with a
formal score) against the planted set; the figures for bigger markets are in
docs/scoring.md.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from merchantry.ingest import ingest_dir
from merchantry.scoring import score_shops
from merchantry.store.warehouse import connect
from merchantry.synth import DEFAULT_START, generate

DAYS = 35
LAST = DEFAULT_START + timedelta(days=DAYS)


def planted(out: Path) -> set[str]:
    found: set[str] = set()
    for name in ("late_shipping_shops", "poor_quality_shops"):
        with (out / "truth" / f"{name}.csv").open(encoding="utf-8") as f:
            found |= {row["shop_id"] for row in csv.DictReader(f)}
    return found


@pytest.fixture(scope="module")
def scored(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[duckdb.DuckDBPyConnection, set[str]]]:
    out = tmp_path_factory.mktemp("market")
    generate(out, shops=120, days=DAYS, seed=11, progress=False)
    con = connect(out / "w.duckdb")
    ingest_dir(con, out, progress=False)
    for rulebook in ("douyin-score-2026-07", "taobao-score-2026"):
        score_shops(con, rulebook, LAST)
    yield con, planted(out)
    con.close()


def bottom_k(con: duckdb.DuckDBPyConnection, rulebook: str, truth: set[str]) -> tuple[float, float]:
    rows = con.execute(
        "SELECT shop_id FROM shop_scores WHERE rulebook = ? AND score_date = ? "
        "AND stage = 'formal' ORDER BY score_cp, shop_id",
        [rulebook, LAST],
    ).fetchall()
    formal = [str(r[0]) for r in rows]
    k = len(truth & set(formal))
    hits = len(truth & set(formal[:k]))
    return hits / k, hits / len(truth)


@pytest.mark.slow
@pytest.mark.parametrize("rulebook", ["douyin-score-2026-07", "taobao-score-2026"])
def test_planted_shops_fill_the_bottom_of_the_ranking(
    scored: tuple[duckdb.DuckDBPyConnection, set[str]], rulebook: str
) -> None:
    con, truth = scored
    precision, recall = bottom_k(con, rulebook, truth)
    assert len(truth) == 12
    assert precision >= 0.6, precision
    assert recall >= 0.6, recall
