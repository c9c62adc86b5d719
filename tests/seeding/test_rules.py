"""The seeding rulebook: the shipped one, its published figures, and what the checker refuses."""

from __future__ import annotations

from pathlib import Path

import pytest

from merchantry.kit.errors import InputError, NotFound
from merchantry.seeding.rules import WINDOW_DAYS, load_rules, parse_rules, shipped_rules_dir

SHIPPED = shipped_rules_dir() / "seeding-2026.yaml"


def test_shipped_rulebook_loads() -> None:
    book = load_rules()
    assert book.name == "seeding-2026"
    assert book.view_window_days in WINDOW_DAYS
    assert book.search_window_days in WINDOW_DAYS
    assert [t.min_gmv_fen for t in book.tiers] == sorted(t.min_gmv_fen for t in book.tiers)


def test_published_figures_are_pinned() -> None:
    """The programme's figures for the end of 2025 (platform-rules.md §3.8, the 2026-01-08
    announcement): 3.67 m creators joined, 620 k paid, 5.32 m videos paid, over ¥100 m of
    watch-then-search GMV a day."""
    book = load_rules()
    pinned = {
        "published.creators_joined": 3_670_000,
        "published.creators_paid": 620_000,
        "published.videos_paid": 5_320_000,
        "published.daily_search_gmv_fen": 100_000_000 * 100,
    }
    for name, value in pinned.items():
        setting = book.setting(name)
        assert (setting.value, setting.assumption) == (value, False), name
        assert setting.source


def test_every_unsourced_setting_is_an_assumption_with_a_note() -> None:
    for name, setting in load_rules().settings:
        assert setting.source or (setting.assumption and setting.note), name
        if not name.startswith("published."):
            assert setting.assumption, f"{name}: the payout formula is not published"


def _problems(text: str) -> list[str]:
    book, found = parse_rules(text, "t.yaml")
    assert book is None
    return [d.code for d in found]


def test_checker_reports_every_problem_at_once() -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace(
        "value: 7\n    assumption: true\n    note: Longest time from the view",
        "value: 5\n    assumption: true\n    note: Longest time from the view",
    )
    text = text.replace("value: last_touch", "value: middle_touch")
    text = text.replace(
        "  max_per_order_fen:\n    value: 5000\n    assumption: true\n",
        "  max_per_order_fen: 5000\n  ignored:\n    value: 1\n    assumption: true\n",
    )
    codes = _problems(text)
    assert codes.count("bad-choice") == 2
    assert "setting-without-provenance" in codes
    assert "unknown-key" in codes


def test_assumption_needs_a_note_and_a_number_a_source() -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "    source: seeds/douyin-2026-nine-policies-news.md"
        " (62万创作者获得分成激励, end of 2025)\n",
        "",
    )
    assert "number-without-source" in _problems(text)


def test_search_window_may_not_exceed_view_window() -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "value: 1\n    assumption: true\n    note: Longest time from the search",
        "value: 14\n    assumption: true\n    note: Longest time from the search",
    )
    assert "search-window-too-long" in _problems(text)


def test_tiers_must_start_at_zero_and_ascend() -> None:
    text = SHIPPED.read_text(encoding="utf-8").replace("value: 30000", "value: 2000")
    assert "tiers-out-of-order" in _problems(text)
    text = SHIPPED.read_text(encoding="utf-8").replace(
        "      min_gmv_fen:\n        value: 0\n", "      min_gmv_fen:\n        value: 10\n"
    )
    assert "first-tier-not-zero" in _problems(text)


def test_unknown_rulebook_and_bad_file(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="seeding-2026"):
        load_rules("seeding-1999")
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="problem"):
        load_rules(str(bad))
