"""Every kind of rulebook mistake, and the diagnostic (code, line) it gets.

Each test writes a small rulebook, checks it, and looks for the one diagnostic
it is about. The line numbers count from the first line of the YAML text.
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from merchantry.kit.errors import Diagnostic, InputError, Severity
from merchantry.rulebook import check_file, load_rulebook

HEAD = """\
rulebook: {name}
title: Test rulebook
effective: {{from: 2026-01-01, to: 2026-12-31}}
rules:
"""
GOOD_RULE = """\
  - id: base
    title: Everything pays 5%
    effect: {kind: base_rate, rate_bp: 500}
    source: platform-rules.md §3.1
"""


def write(folder: Path, rules: str, *, name: str = "book", head: str = HEAD) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(head.format(name=name) + textwrap.dedent(rules), encoding="utf-8")
    return path


def check(path: Path) -> list[Diagnostic]:
    return check_file(path)[1]


def only(diagnostics: list[Diagnostic], code: str) -> Diagnostic:
    found = [d for d in diagnostics if d.code == code]
    assert len(found) == 1, f"expected one {code}, got {diagnostics}"
    return found[0]


def test_a_good_rulebook_has_no_diagnostics(tmp_path: Path) -> None:
    rulebook, diagnostics = check_file(write(tmp_path, GOOD_RULE))
    assert diagnostics == []
    assert rulebook is not None
    assert [r.id for r in rulebook.rules] == ["base"]


def test_unknown_column_says_did_you_mean(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD_RULE
        + """\
  - id: live
    title: Live orders add 1%
    when: order.secne = 'live'
    effect: {kind: channel_supplement, rate_bp: 100}
    source: x
""",
    )
    d = only(check(path), "unknown-column")
    assert d.line == 11
    assert "order.secne" in d.message
    assert "order.scene" in d.hint


def test_unknown_column_in_a_folded_condition_points_at_the_condition(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD_RULE
        + """\
  - id: live
    title: Live orders add 1%
    when: >-
      order.scene = 'live'
      AND shop.age > 3
    effect: {kind: channel_supplement, rate_bp: 100}
    source: x
""",
    )
    d = only(check(path), "unknown-column")
    assert d.line == 12
    assert "shop.age_days" in d.hint


def test_unknown_function(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD_RULE
        + """\
  - id: odd
    title: Odd
    when: md5(order.order_id) = 'x'
    effect: {kind: channel_supplement, rate_bp: 100}
    source: x
""",
    )
    d = only(check(path), "unknown-function")
    assert (d.line, d.message) == (11, "rule 'odd': function md5() is not allowed")


def test_unknown_value_of_an_enumerated_column(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD_RULE
        + """\
  - id: live
    title: Live
    when: order.scene = 'livestream'
    effect: {kind: channel_supplement, rate_bp: 100}
    source: x
""",
    )
    d = only(check(path), "unknown-value")
    assert d.line == 11
    assert "live" in d.hint


def test_condition_must_be_true_or_false(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD_RULE
        + """\
  - id: sum
    title: Sum
    when: order.goods_fen + 1
    effect: {kind: channel_supplement, rate_bp: 100}
    source: x
""",
    )
    assert only(check(path), "not-boolean").line == 11


def test_bad_effect_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
  - id: base
    title: Base
    effect: {kind: base_rate, rate: 500}
    source: x
""",
    )
    diagnostics = check(path)
    bad = only(diagnostics, "bad-effect-field")
    assert bad.line == 7
    assert "rate_bp" in bad.hint
    assert only(diagnostics, "missing-effect-field").line == 7


def test_unknown_effect_kind(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
  - id: base
    title: Base
    effect: {kind: base_rat, rate_bp: 500}
    source: x
""",
    )
    d = only(check(path), "unknown-effect")
    assert d.line == 7
    assert "base_rate" in d.hint


def test_rate_out_of_range(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
  - id: base
    title: Base
    effect:
      kind: base_rate
      rate_bp: 20000
    source: x
""",
    )
    assert only(check(path), "out-of-range").line == 9


def test_a_rate_out_of_range_through_a_parameter_names_the_parameter(tmp_path: Path) -> None:
    """The error is at the rule that reads the value (line 9), but the number the user typed
    is the parameter's: the message names it and the hint says where to change it."""
    head = HEAD.replace(
        "rules:\n", "parameters:\n  my_rate_bp: {{value: -60, title: Mine, source: x}}\nrules:\n"
    )
    path = write(
        tmp_path,
        """\
  - id: base
    title: Base
    effect: {kind: base_rate, rate_bp: my_rate_bp}
    source: x
""",
        head=head,
    )
    found = only(check(path), "out-of-range")
    assert found.line == 9
    assert "rate_bp = -60 (parameter 'my_rate_bp') is outside 0..10,000" in found.message
    assert found.hint.startswith("change the parameter's value under `parameters`")


def test_waiver_mode_needs_its_field(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD_RULE
        + """\
  - id: cut
    title: Cut
    effect: {kind: fee_waiver, mode: multiply}
    source: x
""",
    )
    d = only(check(path), "bad-effect-field")
    assert "factor_bp" in d.message


def test_an_insurance_window_that_ends_before_it_starts(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD_RULE
        + """\
  - id: cover
    title: Cover
    effect: {kind: insurance_terms, claim_cap_fen: 2400, claim_days: 90,
             max_return_rate_pct: 80, window_from_days: 15, window_to_days: 45}
    source: x
""",
    )
    d = only(check(path), "bad-effect-field")
    assert d.line == 12  # the line that names window_to_days
    assert "window_from_days must be more than window_to_days" in d.message


def test_stacking_that_does_not_apply_to_the_kind(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD_RULE
        + """\
  - id: cut
    title: Cut
    stacking: add
    effect: {kind: fee_waiver, mode: floor, rate_bp: 60}
    source: x
""",
    )
    d = only(check(path), "bad-stacking")
    assert d.line == 9
    assert "best, stack" in d.hint


def test_overlapping_rule_ids(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_RULE + GOOD_RULE)
    d = only(check(path), "duplicate-rule-id")
    assert d.line == 9
    assert "line 5" in d.message


def test_missing_source_or_assumption(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
  - id: base
    title: Base
    effect: {kind: base_rate, rate_bp: 500}
""",
    )
    d = only(check(path), "missing-provenance")
    assert d.line == 5
    assert "assumption: true" in d.hint


def test_assumption_needs_a_note(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
  - id: base
    title: Base
    effect: {kind: base_rate, rate_bp: 500}
    assumption: true
""",
    )
    assert only(check(path), "assumption-needs-note").line == 8


def test_effective_window_that_ends_before_it_starts(tmp_path: Path) -> None:
    head = "rulebook: {name}\ntitle: T\neffective: {{from: 2026-05-01, to: 2026-01-01}}\nrules:\n"
    d = only(check(write(tmp_path, GOOD_RULE, head=head)), "bad-date")
    assert d.line == 3


def test_a_date_that_is_not_a_date(tmp_path: Path) -> None:
    head = "rulebook: {name}\ntitle: T\neffective:\n  from: 2026-13-45\nrules:\n"
    d = only(check(write(tmp_path, GOOD_RULE, head=head)), "bad-date")
    assert d.line == 4
    assert "YYYY-MM-DD" in d.hint


def test_unknown_parent(tmp_path: Path) -> None:
    write(tmp_path, GOOD_RULE, name="douyin-base")
    head = HEAD.replace("rules:", "extends: douyin-bass\nrules:")
    d = only(check(write(tmp_path, "", head=head, name="child")), "unknown-parent")
    assert d.line == 4
    assert "douyin-base" in d.hint


def test_a_missing_parent_does_not_hide_the_files_own_mistakes(tmp_path: Path) -> None:
    """Correcting `extends` must not uncover a second round of errors: what is wrong in the
    file whatever its parent says is reported with the unknown parent; what only the
    missing parent could settle (its parameters, the rules it defines) is not."""
    head = HEAD.replace("rules:", "extends: no-such-parent\nrules:")
    rules = """\
  - id: broken
    title: Live orders add 1%
    when: order.scene = 'live' AND
    effect: {kind: channel_supplement, rate_bp: 100}
    source: x
  - id: too-much
    title: Far too much
    effect: {kind: channel_supplement, rate_bp: 400000}
    source: x
  - id: inherited-number
    title: Uses the parent's parameter
    when: order.goods_fen > param.parent_floor_fen
    effect: {kind: channel_supplement, rate_bp: 100}
    source: x
  - id: base
    override: true
    title: Replaces the parent's base rate
    effect: {kind: base_rate, rate_bp: 500}
    source: x
"""
    found = check(write(tmp_path, rules, head=head, name="child"))
    assert only(found, "unknown-parent").line == 4
    syntax = only(found, "condition-syntax")
    assert syntax.line == 8
    assert "AND has nothing after it" in syntax.message
    assert only(found, "out-of-range").line == 13
    assert [d for d in found if d.code in ("unknown-parameter", "unknown-override")] == []


@pytest.mark.parametrize(
    ("condition", "said"),
    [
        ("order.goods_fen > 1 AND", "AND has nothing after it (line 1, column 23)"),
        ("order.goods_fen >", "> has nothing after it"),
        ("NOT", "NOT has nothing after it"),
        ("order.goods_fen BETWEEN 1", "BETWEEN needs both bounds"),
        ("order.scene = 'it''s", "quoted text starting at column 15 ('it''s) has no closing '"),
    ],
)
def test_a_condition_that_does_not_parse_is_told_in_the_writers_words(
    tmp_path: Path, condition: str, said: str
) -> None:
    rules = f"""\
  - id: odd
    title: Odd
    when: "{condition}"
    effect: {{kind: base_rate, rate_bp: 500}}
    source: x
"""
    d = only(check(write(tmp_path, rules)), "condition-syntax")
    assert said in d.message
    assert "<class" not in d.message
    assert "sqlglot" not in d.message


def test_extends_cycle(tmp_path: Path) -> None:
    for name, parent in (("a", "b"), ("b", "a")):
        write(
            tmp_path,
            GOOD_RULE,
            name=name,
            head=HEAD.replace("rules:", f"extends: {parent}\nrules:"),
        )
    d = only(check(tmp_path / "a.yaml"), "extends-cycle")
    assert "a -> b -> a" in d.message


def test_redefining_a_parent_rule_needs_override(tmp_path: Path) -> None:
    write(tmp_path, GOOD_RULE, name="parent")
    head = HEAD.replace("rules:", "extends: parent\nrules:")
    d = only(check(write(tmp_path, GOOD_RULE, head=head, name="child")), "duplicate-rule-id")
    assert d.line == 6
    assert "override: true" in d.hint


def test_override_of_nothing(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        GOOD_RULE
        + """\
  - id: ghost
    override: true
    title: Ghost
    effect: {kind: base_rate, rate_bp: 100}
    source: x
""",
    )
    assert only(check(path), "unknown-override").line == 9


def test_disable_of_an_unknown_rule(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD_RULE + "disable: [bsae]\n")
    d = only(check(path), "unknown-rule")
    assert d.line == 9
    assert "base" in d.hint


def test_unknown_top_level_key(tmp_path: Path) -> None:
    head = HEAD.replace("rules:", "extend: x\nrules:")
    d = only(check(write(tmp_path, GOOD_RULE, head=head)), "unknown-key")
    assert d.line == 4
    assert "extends" in d.hint


def test_unknown_parameter_in_an_effect(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
  - id: base
    title: Base
    effect: {kind: base_rate, rate_bp: base_rat_bp}
    source: x
""",
    )
    assert only(check(path), "unknown-parameter").line == 7


def test_name_and_file_name_disagree_is_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "other.yaml"
    path.write_text(HEAD.format(name="book") + GOOD_RULE, encoding="utf-8")
    rulebook, diagnostics = check_file(path)
    assert only(diagnostics, "name-mismatch").severity is Severity.WARNING
    assert rulebook is not None


def test_every_mistake_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
  - id: base
    title: Base
    when: order.secne = 'live'
    effect: {kind: base_rate, rate_bp: 500}
  - id: base
    title: Again
    effect: {kind: base_rate, rate_bp: 500}
    source: x
  - id: cut
    title: Cut
    when: read_csv('/etc/passwd') IS NOT NULL
    effect: {kind: fee_waiver, mode: floor, rate_bp: 60, colour: red}
    source: x
""",
    )
    codes = sorted(d.code for d in check(path))
    assert codes == [
        "bad-effect-field",
        "duplicate-rule-id",
        "missing-provenance",
        "unknown-column",
        "unknown-function",
    ]


def test_loading_a_bad_rulebook_raises_with_every_diagnostic(tmp_path: Path) -> None:
    write(
        tmp_path,
        """\
  - id: base
    title: Base
    when: order.secne = 'live'
    effect: {kind: base_rat, rate_bp: 500}
""",
    )
    with pytest.raises(InputError) as raised:
        load_rulebook("book", [tmp_path])
    codes = {d.code for d in raised.value.diagnostics}
    assert codes == {"unknown-column", "unknown-effect", "missing-provenance"}


def test_malformed_yaml_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "book.yaml"
    path.write_text("rulebook: book\ntitle: [unclosed\nrules: []\n", encoding="utf-8")
    d = only(check(path), "yaml-syntax")
    assert d.line is not None
    assert d.line >= 2


def test_one_mistake_gets_one_diagnostic_not_its_follow_ons(tmp_path: Path) -> None:
    """A parameter whose value is not a number is refused at its line; the rule using it is
    not also told the parameter is unknown. A rate written as '5%' is a mistyped number, not
    an unknown parameter's name. A rule without an id is told it has none."""
    head = HEAD.replace(
        "rules:\n",
        "parameters:\n  my_rate_bp:\n    value: seventy\n    assumption: true\n    note: x\n"
        "rules:\n",
    )
    path = write(
        tmp_path,
        """\
        - id: uses
          title: Uses the parameter
          effect: {kind: base_rate, rate_bp: my_rate_bp}
          source: t
        - id: percent
          title: Written as a percentage
          effect: {kind: base_rate, rate_bp: "5%"}
          source: t
        - title: No id
          effect: {kind: base_rate, rate_bp: 500}
          source: t
        """,
        head=head,
    )
    found = check(path)
    assert sorted(d.code for d in found) == ["bad-effect-value", "bad-parameter", "bad-rule-id"]
    assert only(found, "bad-parameter").line == 6
    percent = only(found, "bad-effect-value")
    assert (percent.line, percent.column) == (16, "rate_bp")
    assert "'5%'" in percent.message
    assert "5% is 500" in percent.message
    no_id = only(found, "bad-rule-id")
    assert "has no id" in no_id.message
    assert no_id.line == 18
