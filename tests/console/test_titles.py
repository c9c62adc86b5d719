"""Rule and rulebook titles, and the engine's errors, in Chinese on the console."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from merchantry.console.errors_zh import FALLBACK, error_zh
from merchantry.console.rule_titles import (
    reason_text,
    rule_title,
    rule_title_zh,
    rulebook_title_zh,
)
from merchantry.console.rules_zh import RULE_TITLES
from merchantry.kit.refusals import refused
from merchantry.rulebook.library import shipped_dir

CJK_START = "\u4e00"


def _shipped() -> list[tuple[str, dict[str, object]]]:
    """Every shipped rulebook file's own text (a rule is defined in exactly one file)."""
    return [
        (path.stem, yaml.safe_load(path.read_text(encoding="utf-8")))
        for path in sorted(shipped_dir().glob("*.yaml"))
    ]


def test_every_rule_of_every_shipped_rulebook_has_a_chinese_title() -> None:
    missing = []
    rules = 0
    for name, book in _shipped():
        for rule in book.get("rules") or []:  # type: ignore[attr-defined]
            rules += 1
            zh = rule_title_zh(rule["id"], rule["title"])
            if zh is None or not any(ch >= CJK_START for ch in zh):
                missing.append((name, rule["id"], rule["title"]))
    assert rules > 500  # the score rulebooks' hundreds of per-category weights are in
    assert missing == []


def test_every_shipped_rulebook_has_a_chinese_title() -> None:
    found = {name: rulebook_title_zh(name, str(book["title"])) for name, book in _shipped()}
    assert [name for name, zh in found.items() if zh is None] == []


def test_a_changed_english_title_is_not_given_a_stale_translation() -> None:
    assert rule_title_zh("settle.default", "Other shops settle 3 days after confirmed receipt")
    changed = "Other shops settle 2 days after confirmed receipt"
    assert rule_title_zh("settle.default", changed) is None
    assert rule_title("zh", "settle.default", changed) == changed  # English, not blank
    assert rule_title("en", "settle.default", changed) == changed
    assert rule_title("zh", "no.such.rule", None) == "no.such.rule"


def test_a_category_weight_is_translated_from_its_pattern() -> None:
    title = "女装 (flagship) Feige response time 25% of service"
    zh = rule_title_zh("w.response.womens_wear.flagship", title)
    assert zh == "女装（旗舰店）飞鸽平均响应时长占服务体验 25%"
    assert rule_title_zh("x", "女装 (flagship) no_such_indicator 25% of service") is None


@pytest.mark.parametrize(
    ("message", "zh"),
    [
        ("key k123 lacks the scope cases:review", "密钥 k123 没有 cases:review 权限"),
        (
            "key k9 cannot read the statement of shop S000002",
            "密钥 k9 无权查看或操作店铺 S000002 的数据",
        ),
        ("no risk case RC-1", "没有风控案件 RC-1"),
        (
            "case RC-7 is closed; it can move to nothing (final), not upheld",
            "案件 RC-7 当前状态为 closed，只能转为 nothing (final)，不能转为 upheld",
        ),
        (
            "the period ends (2026-01-01) before it starts (2026-02-01)",
            "结束日期（2026-01-01）早于开始日期（2026-02-01）",
        ),
    ],
)
def test_engine_errors_read_in_chinese(message: str, zh: str) -> None:
    assert error_zh(message) == zh


@pytest.mark.parametrize(
    ("error", "zh"),
    [
        ({"type": "int_parsing", "input": "ten", "loc": ("query", "page")}, "page：'ten' 不是整数"),
        (
            {"type": "date_from_datetime_parsing", "input": "2026-13-01", "loc": ("query", "end")},
            "end：'2026-13-01' 不是日期，应写作 YYYY-MM-DD",
        ),
        (
            {"type": "greater_than_equal", "input": "0", "ctx": {"ge": 1}, "loc": ("query", "p")},
            "p：0 小于允许的最小值 1",
        ),
        (
            {
                "type": "enum",
                "input": "x",
                "ctx": {"expected": "'a' or 'b'"},
                "loc": ("query", "s"),
            },
            "s：'x' 不在可选值之中（'a' or 'b'）",
        ),
    ],
)
def test_a_value_refused_in_an_address_reads_in_chinese(error: dict[str, Any], zh: str) -> None:
    """A mistyped address's refusal (``where: the value …``, as a console page words it from
    the request's check) reads in Chinese on a Chinese page, not after the English lead-in."""
    message = f"{error['loc'][-1]}: {refused(error)}"
    assert error_zh(message) == zh


def test_an_unknown_error_keeps_its_words_after_a_chinese_lead_in() -> None:
    assert error_zh("something new broke") == FALLBACK.format(message="something new broke")


def test_the_rulebook_files_are_where_the_test_reads_them() -> None:
    assert Path(shipped_dir(), "douyin-2026.yaml").is_file()


def test_a_decisions_reason_names_its_rule_in_chinese() -> None:
    reason = "risk.ring.flagged (+40): The buyer belongs to a flagged ring of linked accounts"
    assert reason_text("zh", reason) == "risk.ring.flagged (+40): 买家属于被标记的关联账号团伙"
    assert reason_text("en", reason) == reason
    assert reason_text("zh", "confirmed violation") == "confirmed violation"


def test_a_rendered_title_finds_its_translated_template() -> None:
    """Stored titles are rendered ("… 10% of it"): the Chinese is the translated template
    filled with the same values, for every templated title that has a translation."""
    checked = 0
    for rule_id, titles in RULE_TITLES.items():
        for english, chinese in titles.items():
            names = re.findall(r"\{((?:param\.)?[a-z_][a-z0-9_]*)\}", english)
            if not names:
                continue
            rendered, expected = english, chinese
            for k, name in enumerate(names):
                value = f"{k + 3}%" if k % 2 == 0 else f"¥{k + 1},500"
                rendered = rendered.replace("{" + name + "}", value)
                expected = expected.replace("{" + name + "}", value)
            assert rule_title_zh(rule_id, rendered) == expected, (rule_id, rendered)
            checked += 1
    assert checked >= 2
    assert rule_title_zh("colonel.fee", "Something no rulebook says") is None
