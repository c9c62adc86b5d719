"""The reco commands and endpoint on a generated marketplace, judged against its truth."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.reco.evaluate import evaluate, read_truth
from merchantry.reco.settings import RecoSettings
from merchantry.reco.usecases import update_clusters
from merchantry.reco.warehouse import load_catalogue
from merchantry.store.warehouse import connect

pytestmark = pytest.mark.slow


@pytest.fixture
def db(tmp_path: Path, market: tuple[Path, Path]) -> Path:
    copy = tmp_path / "w.duckdb"
    shutil.copy(market[1], copy)
    return copy


def test_planted_near_duplicates_are_found_and_lookalikes_kept(
    market: tuple[Path, Path], settings: RecoSettings
) -> None:
    data, db = market
    pairs = read_truth(data / "truth" / "reco_pairs.csv")
    assert {p.kind for p in pairs} == {"relisted", "same_spu", "variant", "lookalike", "complement"}
    con = connect(db, read_only=True)
    try:
        catalogue, stored = load_catalogue(con, settings)
    finally:
        con.close()
    assert not stored  # nothing stored yet: clustered on the fly
    result = evaluate(pairs, catalogue, settings)
    assert result.similarity.precision >= 0.97
    assert result.similarity.recall >= 0.9
    assert result.similarity_by_kind["complement"] == 0.0
    assert result.filter.precision >= 0.97
    assert result.filter.recall >= 0.9
    assert result.expired_removed == 0
    assert 0 < result.filter_pairs < result.pairs  # grocery anchors have no window


def test_clusters_are_stored_and_updated_incrementally(db: Path, settings: RecoSettings) -> None:
    con = connect(db)
    try:
        first = update_clusters(con, settings)
        assert first.written == first.skus > 0
        again = update_clusters(con, settings)
        assert again.written == 0  # re-running changes nothing
        sku, shop, category, title, price = con.execute(
            "SELECT p.sku_id, shop_id, category_id, title, price_fen FROM products p "
            "JOIN reco_clusters c USING (sku_id) WHERE c.path = 'self' ORDER BY sku_id LIMIT 1"
        ).fetchone()
        con.execute(
            "INSERT INTO products VALUES ('K99999999', ?, ?, ?, ?, NULL)",
            [shop, category, "【补货】" + title, price],
        )
        con.execute(
            "INSERT INTO product_profiles SELECT 'K99999999', spu_id, brand, attributes, "
            "image_phash, content_quality FROM product_profiles WHERE sku_id = ?",
            [sku],
        )
        grown = update_clusters(con, settings)
        assert grown.skus == first.skus + 1
        assert grown.written == 1  # only the new product's row (the cluster keeps its name)
        row = con.execute(
            "SELECT cluster_id, matched_sku_id FROM reco_clusters WHERE sku_id = 'K99999999'"
        ).fetchone()
        assert row == (sku, sku)
        catalogue, stored = load_catalogue(con, settings)
        assert stored
        assert catalogue.clusters["K99999999"] == sku
    finally:
        con.close()


def _buyer_with_withheld_purchase(db: Path) -> tuple[str, str, str]:
    con = connect(db, read_only=True)
    try:
        row = con.execute(
            "SELECT o.buyer_id, o.sku_id, "
            "strftime(o.paid_at + INTERVAL 1 DAY, '%Y-%m-%d %H:%M:%S') "
            "FROM orders o JOIN products p USING (sku_id) JOIN categories c USING (category_id) "
            "WHERE c.industry = 'apparel' ORDER BY o.order_id LIMIT 1"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return str(row[0]), str(row[1]), str(row[2])


def test_cli_filter_boost_replay_creatives_and_bandit(db: Path, tmp_path: Path) -> None:
    buyer, sku, at = _buyer_with_withheld_purchase(db)
    candidates = tmp_path / "c.csv"
    candidates.write_text(f"sku_id\n{sku}\nK00000001\nK404\n", encoding="utf-8")
    runner = CliRunner()
    base = ["--db", str(db)]
    result = runner.invoke(
        app,
        [
            "reco",
            "filter",
            "--buyer",
            buyer,
            "--candidates",
            str(candidates),
            "--at",
            at,
            "--json",
            *base,
        ],
    )
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    (removed,) = [r for r in answer["removed"] if r["sku_id"] == sku]
    assert removed["rule_id"] == "reco-2026:window_days_apparel"
    assert removed["purchase_sku_id"] == sku
    assert "K404" in answer["kept"]
    assert answer["unknown_candidates"] == ["K404"]

    bad = tmp_path / "bad.csv"
    bad.write_text("sku_id,price_fen\nK1,abc\n", encoding="utf-8")
    result = runner.invoke(
        app, ["reco", "filter", "--buyer", buyer, "--candidates", str(bad), *base]
    )
    assert result.exit_code == 2
    assert f"{bad}:2" in result.output
    assert "price_fen" in result.output

    result = runner.invoke(app, ["reco", "boost", "--sku", sku, "--json", *base])
    assert result.exit_code == 0, result.output
    (weight,) = json.loads(result.output)
    assert weight["sku_id"] == sku
    assert weight["weight_bp"] == 10_000 + sum(c["bp"] for c in weight["contributions"])

    result = runner.invoke(app, ["reco", "replay", "--sessions", "200", *base])
    assert result.exit_code == 0, result.output
    assert "expected returns per 1,000 exposures" in result.output

    result = runner.invoke(app, ["reco", "creatives", "--sku", sku, "--json", *base])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)["shown"]
    assert shown
    assert {v["source"] for v in shown} == {"template"}

    result = runner.invoke(app, ["reco", "bandit", "--impressions", "2000"])
    assert result.exit_code == 0, result.output
    assert "uplift" in result.output
    result = runner.invoke(app, ["reco", "bandit", "--rates", "A=x"])
    assert result.exit_code == 2


def test_main_images_are_hashed_from_files_when_profiles_lack_a_hash(
    db: Path, tmp_path: Path, settings: RecoSettings
) -> None:
    from PIL import Image, ImageDraw

    from merchantry.reco.similarity import parse_phash, phash_file
    from merchantry.reco.usecases import with_image_hashes
    from merchantry.reco.warehouse import read_listings

    con = connect(db)
    try:
        sku, ref = con.execute(
            "SELECT sku_id, image_refs[1] FROM products WHERE len(image_refs) > 0 "
            "ORDER BY sku_id LIMIT 1"
        ).fetchone()
        con.execute("UPDATE product_profiles SET image_phash = NULL WHERE sku_id = ?", [sku])
        path = tmp_path / "images" / ref
        path.parent.mkdir(parents=True)
        picture = Image.new("RGB", (128, 128), "white")
        ImageDraw.Draw(picture).ellipse((20, 30, 90, 110), fill=(200, 30, 40))
        picture.save(path)
        listings = with_image_hashes(con, read_listings(con), tmp_path / "images")
        (hashed,) = [x for x in listings if x.sku_id == sku]
        assert hashed.image_phash == parse_phash(phash_file(path))
        assert update_clusters(con, settings, tmp_path / "images").skus == len(listings)
    finally:
        con.close()
