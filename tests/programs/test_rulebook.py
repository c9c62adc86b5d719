"""The programme rulebook format: every problem at once with line and key; provenance."""

from __future__ import annotations

from datetime import date

import pytest

from merchantry.kit.errors import InputError, NotFound
from merchantry.programs import load_programme, parse_programme, shipped_programmes

GOOD = """\
program: p
title_zh: 测试
title_en: Test
platform: douyin
window: {from: 2026-01-01, to: 2026-12-31, assumption: true, note: test}
tasks:
  - id: t1
    title: one order
    kind: orders
    count: {value: 1, source: test}
    rewards:
      - kind: cash
        amount_fen: {value: 100, source: test}
"""


def test_a_good_rulebook_loads() -> None:
    p, problems = parse_programme(GOOD, "p.yaml")
    assert p is not None
    assert problems == []
    assert p.window.start == date(2026, 1, 1)
    assert p.task("t1").n("count") == 1


def test_every_problem_is_reported_at_once_with_line_and_key() -> None:
    text = """\
program: p
title_zh: 测试
title_en: Test
platform: douyin
window: {from: 2026-02-01, to: 2026-01-01, source: x}
colour: red
eligibility:
  tags_any: {values: [pets_only], source: x}
tasks:
  - id: t1
    title: one order
    kind: orders
    count: 3
    rewards:
      - kind: traffic_coupon
        amount_fen: {value: 100, assumption: true}
  - id: t2
    title: bad kind
    kind: watch_ads
    count: {value: 1, source: x}
  - id: t3
    title: cash that expires
    kind: orders
    count: {value: 1, source: x}
    rewards:
      - {kind: cash, amount_fen: {value: 1, source: x}, expiry_days: {value: 3, source: x}}
"""
    p, problems = parse_programme(text, "p.yaml")
    assert p is None
    found = {(d.code, d.line) for d in problems}
    assert ("span-reversed", 5) in found
    assert ("unknown-key", 6) in found
    assert ("unknown-name", 8) in found
    assert ("number-without-provenance", 13) in found
    assert ("coupon-without-expiry", 15) in found
    assert ("assumption-without-note", 16) in found
    assert ("unknown-task-kind", 19) in found
    assert ("cash-with-expiry", 26) in found
    keys = {d.column for d in problems}
    assert "tasks.t1.count" in keys
    assert all(d.source == "p.yaml" for d in problems)


def test_a_number_needs_a_source_or_an_assumption() -> None:
    text = GOOD.replace("{value: 100, source: test}", "{value: 100}")
    p, problems = parse_programme(text, "p.yaml")
    assert p is None
    assert [d.code for d in problems] == ["number-without-source"]
    assert problems[0].line == 13


def test_malformed_yaml_names_the_line() -> None:
    p, problems = parse_programme("program: [\n", "p.yaml")
    assert p is None
    assert problems[0].code == "bad-yaml"
    assert problems[0].line is not None


def test_the_file_name_must_match_the_programme() -> None:
    p, problems = parse_programme(GOOD, "other.yaml")
    assert p is None
    assert problems[0].code == "name-mismatch"


def test_unknown_programme_names_the_shipped_ones() -> None:
    with pytest.raises(NotFound, match="douyin-2026-coupon-subsidy"):
        load_programme("no-such-programme")


def test_a_bad_file_is_refused_with_its_problems(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "p.yaml"
    path.write_text(GOOD.replace("kind: orders", "kind: nope"), encoding="utf-8")
    with pytest.raises(InputError, match=r"p.yaml:9.*unknown task condition"):
        load_programme(str(path))


def test_every_shipped_programme_loads_and_says_where_each_number_comes_from() -> None:
    names = shipped_programmes()
    assert len(names) == 9
    for name in names:
        p = load_programme(name)
        for key, number in p.numbers():
            assert number.source or (number.assumption and number.note), (name, key)


SOURCED: dict[str, dict[str, int]] = {
    "douyin-2022-beidou-apparel": {
        "tasks.beidou-star.amount_fen": 1_000_000,
        "tasks.month-100k.amount_fen": 10_000_000,
        "tasks.month-1m.amount_fen": 100_000_000,
    },
    "douyin-2022-hot-category-incentive": {
        "tasks.hot-ten-orders.within_days": 30,
        "tasks.hot-daily-sales.within_days": 30,
        "tasks.hot-ten-orders.rewards[1].amount_fen": 50_000,
        "caps.ad_coupon": 100_000,
        "caps.commission_discount": 50_000,
    },
    "douyin-2022-new-merchant-rights": {"caps.traffic_coupon": 50_000},
    "douyin-2026-coupon-subsidy": {"budget.total_fen": 1_000_000_000_000},
}
"""Every sourced (non-assumed) number of the shipped programmes. A sourced number added to a
rulebook fails this test until it is pinned here and by a behaviour test at its boundary."""


def test_every_sourced_number_is_pinned() -> None:
    found = {
        name: {k: n.value for k, n in load_programme(name).numbers() if not n.assumption}
        for name in shipped_programmes()
    }
    assert {k: v for k, v in found.items() if v} == SOURCED


def test_sourced_date_spans_are_pinned() -> None:
    rights = load_programme("douyin-2022-new-merchant-rights").eligibility.entered
    assert rights is not None
    assert not rights.assumption
    assert (rights.start, rights.end) == (date(2022, 5, 10), date(2022, 7, 9))
    hot = load_programme("douyin-2022-hot-category-incentive").eligibility.entered
    assert hot is not None
    assert (hot.start, hot.end) == (date(2022, 5, 10), date(2022, 7, 9))
    beidou = load_programme("douyin-2022-beidou-apparel").window
    assert not beidou.assumption
    assert (beidou.start, beidou.end) == (
        date(2022, 1, 1),
        date(2022, 12, 31),
    )
    escort = load_programme("douyin-2022-resumption-escort").window
    assert escort.start == date(2022, 5, 15)
