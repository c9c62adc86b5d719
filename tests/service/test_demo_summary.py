"""The demo's summary of policy lines: every line when there are few, otherwise the
lines that move the most money either way and "and N more, net ¥X" for the rest."""

from __future__ import annotations

from merchantry.service.demo import digest_lines
from merchantry.simulate.result import LineSaving


def line(line_id: str, saving_fen: int) -> LineSaving:
    return LineSaving(
        line_id, "douyin-2026", f"line {line_id}", ("commission",), False, 1, 1, 1, saving_fen
    )


def test_few_lines_are_all_listed() -> None:
    lines = [line("a", 500), line("b", -20), line("c", 0)]
    digest = digest_lines(lines, limit=3)
    assert {x.line_id for x in digest.shown} == {"a", "b", "c"}
    assert digest.more == 0
    assert digest.more_line == ""


def test_a_cost_is_never_hidden_behind_smaller_savings_and_the_rest_is_summed() -> None:
    # 12 lines: savings 100..1,200 fen, one line costing merchants ¥50, one tiny cost
    lines = [line(f"s{i:02d}", i * 100) for i in range(1, 13)]
    lines += [line("cost", -5_000), line("tiny", -7)]
    digest = digest_lines(lines, limit=10)
    shown = [x.line_id for x in digest.shown]
    assert shown[0] == "cost"  # the largest amount either way comes first
    assert shown[1:] == [f"s{i:02d}" for i in range(12, 3, -1)]
    assert digest.more == 4  # s01, s02, s03 and tiny
    assert digest.more_net_fen == 100 + 200 + 300 - 7
    assert digest.more_line == "and 4 more, net ¥5.93"
    listed = sum(x.saving_fen for x in digest.shown)
    assert listed + digest.more_net_fen == sum(x.saving_fen for x in lines)


def test_unlisted_lines_that_cost_more_than_they_save_show_a_negative_net() -> None:
    lines = [line("big", 90_000), line("c1", -150), line("c2", -100), line("s1", 40)]
    digest = digest_lines(lines, limit=1)
    assert [x.line_id for x in digest.shown] == ["big"]
    assert digest.more_line == "and 3 more, net -¥2.10"


def test_the_extreme_shops_carry_the_display_their_scale_rule_stored(tmp_path) -> None:
    """The terminal shows each shop's stored consumer display (a rulebook whose scale shows
    tenths of the score, or nothing), not one recomputed from the platform's name."""
    from datetime import date

    from merchantry.service.demo import extreme_shops
    from merchantry.store.warehouse import connect

    con = connect(tmp_path / "w.duckdb")
    day = date(2026, 10, 1)
    for shop, score, shown in (("A", 9_250, 925), ("B", 6_000, None)):
        con.execute(
            "INSERT INTO shop_scores (rulebook, platform, shop_id, score_date, stage, score_cp, "
            "display_tenths) VALUES ('mine', 'douyin', ?, ?, 'formal', ?, ?)",
            [shop, day, score, shown],
        )
    best, worst = extreme_shops(con, "mine", day)
    assert [(s.shop_id, s.display_tenths) for s in best] == [("A", 925), ("B", None)]
    assert [(s.shop_id, s.display_tenths) for s in worst] == [("B", None), ("A", 925)]
