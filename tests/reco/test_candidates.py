"""Candidate and purchase files: every bad row named with file, row, column and reason."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from merchantry.kit.errors import InputError, NotFound
from merchantry.reco.candidates import read_candidates, read_purchases


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_plain_list_and_listings_are_read(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "c.csv",
        "sku_id,category_id,title,price_fen,attributes,image_phash\n"
        "K1,,,,,\n"
        "K2,C03009,法式连衣裙,15900,size=M|colour=红色,c3a1f0e2d4b59687\n",
    )
    first, second = read_candidates(path)
    assert first.sku_id == "K1"
    assert first.listing is None
    assert second.listing is not None
    assert second.listing.attributes == {"size": "M", "colour": "红色"}
    assert second.listing.image_phash == 0xC3A1F0E2D4B59687
    jsonl = _write(tmp_path, "c.jsonl", '{"sku_id": "K1"}\n\n{"sku_id": "K2", "score": 0.3}\n')
    assert [c.sku_id for c in read_candidates(jsonl)] == ["K1", "K2"]


def test_every_bad_row_is_named_at_once(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        "bad.csv",
        "sku_id,title,category_id,price_fen,image_phash\n"
        ",a,C1,100,\n"  # line 2: no sku
        "K2,a,C1,-5,\n"  # line 3: negative price
        "K3,a,C1,12.5,\n"  # line 4: not whole fen
        "K4,a,,100,\n"  # line 5: listing without its category
        "K5,a,C1,100,zz\n"  # line 6: bad hash
        "K6,,,,\n"
        "K6,,,,\n",  # line 8: duplicate
    )
    with pytest.raises(InputError) as caught:
        read_candidates(path)
    found = {(d.line, d.column, d.code) for d in caught.value.diagnostics}
    assert found == {
        (2, "sku_id", "missing-value"),
        (3, "price_fen", "bad-value"),
        (4, "price_fen", "bad-value"),
        (5, "category_id", "missing-value"),
        (6, "image_phash", "bad-value"),
        (8, "sku_id", "duplicate-candidate"),
    }
    assert all(d.source == str(path) for d in caught.value.diagnostics)
    assert "is already row 7" in str(caught.value)


def test_unknown_columns_bad_json_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="unknown column 'skuid'"):
        read_candidates(_write(tmp_path, "a.csv", "skuid\nK1\n"))
    with pytest.raises(InputError, match="not JSON"):
        read_candidates(_write(tmp_path, "b.jsonl", '{"sku_id": "K1"}\n{oops\n'))
    with pytest.raises(InputError, match="empty file"):
        read_candidates(_write(tmp_path, "c.csv", ""))
    with pytest.raises(InputError, match="no candidates"):
        read_candidates(_write(tmp_path, "d.csv", "sku_id\n"))
    (tmp_path / "e.csv").write_bytes("sku_id\n连衣裙\n".encode("gb18030"))
    with pytest.raises(InputError, match="not UTF-8"):
        read_candidates(tmp_path / "e.csv")
    with pytest.raises(NotFound):
        read_candidates(tmp_path / "missing.csv")


def test_purchases(tmp_path: Path) -> None:
    path = _write(tmp_path, "p.csv", "sku_id,purchased_at,order_id\nK1,2026-10-01 10:00:00,O1\n")
    (p,) = read_purchases(path)
    assert p.purchased_at == datetime(2026, 10, 1, 10)
    assert p.order_id == "O1"
    bad = _write(tmp_path, "q.csv", "sku_id,purchased_at\nK1,yesterday\n")
    with pytest.raises(InputError) as caught:
        read_purchases(bad)
    ((d),) = caught.value.diagnostics
    assert (d.line, d.column) == (2, "purchased_at")
