"""The rulebook diff as a use case, without a browser: two small rulebooks written here,
whose every difference is known from the text below."""

from __future__ import annotations

from pathlib import Path

import pytest

from merchantry.kit.errors import InputError
from merchantry.rulebook import load_rulebook
from merchantry.service.rulebook_diff import Change, diff_named, diff_rulebooks

BASE = """\
rulebook: test-base
title: Base fees
platform: douyin
effective: {from: 2025-01-01, to: 2025-12-31}
parameters:
  floor_bp:
    value: 60
    title: Floor
    source: test
  old_bp:
    value: 10
    title: Dropped later
    source: test
rules:
  - id: tsf.apparel
    title: Apparel pays 5%
    priority: 50
    when: category.industry = 'apparel'
    effect: {kind: base_rate, rate_bp: 500}
    source: test
  - id: tsf.toys
    title: Toys pay 4%
    priority: 50
    when: category.industry = 'toys'
    effect: {kind: base_rate, rate_bp: 400}
    source: test
  - id: tsf.default
    title: Everything else pays 3%
    priority: 900
    when: 'true'
    effect: {kind: base_rate, rate_bp: 300}
    source: test
"""

CHILD = """\
rulebook: test-child
title: Child fees
platform: douyin
effective: {from: 2026-01-01}
extends: test-base
parameters:
  floor_bp:
    value: 80
    title: Floor
    source: test
rules:
  - id: tsf.apparel
    override: true
    title: Apparel pays 6%
    priority: 50
    when: category.industry = 'apparel'
    effect: {kind: base_rate, rate_bp: 600}
    source: test
  - id: tsf.shoes
    title: Shoes pay 4.5%
    priority: 50
    when: category.industry = 'shoes_bags'
    effect: {kind: base_rate, rate_bp: 450}
    assumption: true
    note: no source yet
disable:
  - tsf.toys
"""


OTHER = """\
rulebook: test-other
title: Another root
platform: douyin
effective: {from: 2025-01-01}
parameters:
  new_bp:
    value: 5
    title: New
    source: test
rules:
  - id: tsf.default
    title: Everything else pays 3%
    priority: 900
    when: 'true'
    effect: {kind: base_rate, rate_bp: 300}
    source: test
"""


@pytest.fixture
def books(tmp_path: Path) -> Path:
    (tmp_path / "test-base.yaml").write_text(BASE, encoding="utf-8")
    (tmp_path / "test-child.yaml").write_text(CHILD, encoding="utf-8")
    (tmp_path / "test-other.yaml").write_text(OTHER, encoding="utf-8")
    return tmp_path


def test_rules_added_removed_and_changed_with_each_number(books: Path) -> None:
    diff = diff_named("test-base", "test-child", [books])
    assert [(r.rule_id, r.change) for r in diff.rules] == [
        ("tsf.shoes", Change.ADDED),
        ("tsf.toys", Change.REMOVED),
        ("tsf.apparel", Change.CHANGED),
    ]
    apparel = diff.of(Change.CHANGED)[0]
    changed = {f.field: (f.before, f.after, f.delta) for f in apparel.fields}
    assert changed["effect.rate_bp"] == (500, 600, 100)
    assert changed["title"] == ("Apparel pays 5%", "Apparel pays 6%", None)
    assert "when" not in changed  # the condition is the same text
    shoes = diff.of(Change.ADDED)[0]
    # an added rule shows its effect's fields (defaults filled in) on the new side only
    assert ("effect.rate_bp", None, 450) in [(f.field, f.before, f.after) for f in shoes.fields]
    assert all(f.before is None for f in shoes.fields)
    toys = diff.of(Change.REMOVED)[0]
    assert ("effect.rate_bp", 400, None) in [(f.field, f.before, f.after) for f in toys.fields]
    assert all(f.after is None for f in toys.fields)
    assert diff.unchanged == 1  # tsf.default, inherited as it was


def test_parameters_and_the_rulebooks_own_fields(books: Path) -> None:
    diff = diff_named("test-base", "test-child", [books])
    assert [(p.name, p.change.value, p.before, p.after) for p in diff.parameters] == [
        ("floor_bp", "changed", 60, 80),
    ]
    other = diff_named("test-base", "test-other", [books])
    assert [(p.name, p.change.value, p.before, p.after) for p in other.parameters] == [
        ("new_bp", "added", None, 5),
        ("floor_bp", "removed", 60, None),
        ("old_bp", "removed", 10, None),
    ]
    assert {r.rule_id for r in other.of(Change.REMOVED)} == {"tsf.apparel", "tsf.toys"}
    header = {f.field: (f.before, f.after) for f in diff.header}
    assert header["effective_from"] == ("2025-01-01", "2026-01-01")
    assert header["effective_to"] == ("2025-12-31", None)
    # one rate and one parameter changed value
    assert diff.numbers_changed == 2


def test_the_diff_reversed_swaps_added_and_removed(books: Path) -> None:
    back = diff_named("test-child", "test-base", [books])
    assert {(r.rule_id, r.change) for r in back.rules} == {
        ("tsf.shoes", Change.REMOVED),
        ("tsf.toys", Change.ADDED),
        ("tsf.apparel", Change.CHANGED),
    }
    rate = next(f for f in back.of(Change.CHANGED)[0].fields if f.field == "effect.rate_bp")
    assert rate.delta == -100


def test_a_rulebook_against_itself_is_refused(books: Path) -> None:
    book = load_rulebook("test-base", [books])
    with pytest.raises(InputError, match="itself"):
        diff_rulebooks(book, book)


def test_the_shipped_2025_and_2026_douyin_rulebooks_differ_as_their_lineage_says() -> None:
    old, new = load_rulebook("douyin-2025"), load_rulebook("douyin-2026")
    diff = diff_rulebooks(old, new)
    ids_old, ids_new = {r.id for r in old.rules}, {r.id for r in new.rules}
    assert {r.rule_id for r in diff.of(Change.ADDED)} == ids_new - ids_old
    assert {r.rule_id for r in diff.of(Change.REMOVED)} == ids_old - ids_new
    assert len(diff.of(Change.CHANGED)) + diff.unchanged == len(ids_old & ids_new)
