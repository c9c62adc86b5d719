"""The operators' score distribution has about ten bands on either platform's scale: 5 points
on Douyin's 50-100, 0.20 on Taobao's 3-5 (bands of 5 points put every Taobao shop in one)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from merchantry.rulebook import load_rulebook
from merchantry.service.console_reads import band_width_cp, score_distribution
from merchantry.store.warehouse import connect


def test_the_band_is_a_tenth_of_the_rulebooks_scale() -> None:
    assert band_width_cp(load_rulebook("douyin-score-2026-07")) == 500
    assert band_width_cp(load_rulebook("taobao-score-2026")) == 20


def test_taobao_scores_spread_over_several_bands(tmp_path: Path) -> None:
    con = connect(tmp_path / "w.duckdb")
    day = date(2026, 10, 1)
    for shop, score in (("A", 482), ("B", 479), ("C", 455), ("D", 401)):
        con.execute(
            "INSERT INTO shop_scores (rulebook, platform, shop_id, score_date, stage, score_cp) "
            "VALUES ('taobao-score-2026', 'taobao', ?, ?, 'formal', ?)",
            [shop, day, score],
        )
    width = band_width_cp(load_rulebook("taobao-score-2026"))
    _, bands = score_distribution(con, "taobao-score-2026", day, width)
    assert [(b.low_cp, b.high_cp, b.shops) for b in bands] == [
        (400, 420, 1),
        (440, 460, 1),
        (460, 480, 1),
        (480, 500, 1),
    ]
