"""Generated markets that more than one test folder builds the same way."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from merchantry.fees import run_rulebook
from merchantry.ingest import ingest_dir
from merchantry.rulebook import check_file
from merchantry.rulebook.model import Rulebook
from merchantry.scoring.stage import score_shops
from merchantry.store.warehouse import connect
from merchantry.synth import DEFAULT_START, generate

SCORE_RULEBOOKS = ("douyin-score-2026-07", "taobao-score-2026")
GOLDEN_MINIMAL = Path(__file__).parent / "rulebook" / "golden" / "minimal.yaml"
SCORED_BOOK = "scored"
"""The name of :func:`scored_rulebook`'s rulebook."""


def scored_rulebook(root: Path) -> Rulebook:
    """The golden minimal rulebook plus a 1% supplement for shops scoring 75 or more (a
    generated market's experience scores fall on both sides of it), written under ``root``:
    a fee rulebook whose lines depend on a shop score."""
    text = GOLDEN_MINIMAL.read_text(encoding="utf-8").replace(
        "rulebook: minimal", f"rulebook: {SCORED_BOOK}"
    )
    text += """  - id: channel.good-shops
    title: Shops scoring 75 or more add 1%
    when: shop.experience_score >= 75
    effect: {kind: channel_supplement, rate_bp: 100}
    source: test
"""
    path = root / f"{SCORED_BOOK}.yaml"
    path.write_text(text, encoding="utf-8")
    book, diagnostics = check_file(path)
    assert diagnostics == [], diagnostics
    assert book is not None
    return book


def ingested_market(root: Path, *, shops: int, days: int, seed: int) -> Path:
    """A market of ``shops`` x ``days`` from :data:`~merchantry.synth.DEFAULT_START`,
    generated under ``root/data`` and ingested into ``root/market.duckdb``; returns the
    warehouse's path."""
    generate(root / "data", shops=shops, days=days, seed=seed, progress=False)
    db = root / "market.duckdb"
    con = connect(db)
    try:
        ingest_dir(con, root / "data", progress=False)
    finally:
        con.close()
    return db


def scored_market(
    root: Path, *, shops: int, days: int, seed: int, fee_rulebooks: Sequence[Rulebook] = ()
) -> Path:
    """A market of ``shops`` x ``days`` from :data:`~merchantry.synth.DEFAULT_START`,
    generated, ingested into ``root/market.duckdb``, scored on both platforms every day, and
    with the fee lines of ``fee_rulebooks``; returns the warehouse's path."""
    end = DEFAULT_START + timedelta(days=days - 1)
    db = ingested_market(root, shops=shops, days=days, seed=seed)
    con = connect(db)
    try:
        for name in SCORE_RULEBOOKS:
            score_shops(con, name, DEFAULT_START, end)
        for book in fee_rulebooks:
            run_rulebook(con, book, DEFAULT_START, end)
    finally:
        con.close()
    return db
