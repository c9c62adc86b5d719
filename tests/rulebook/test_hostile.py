"""Hostile rulebooks: each would pass a shape check and then crash a stage (or the checker
itself). Each now fails `rulebook check` with its file, line, a code and a hint.

For the conditions that fail at run time, the test first shows the failure is real: the
condition, compiled exactly as the fee and ledger stages compile it, makes DuckDB raise on a
real warehouse holding one ordinary order. The checker must then refuse the rulebook.
"""

from __future__ import annotations

import textwrap
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import Diagnostic, ExitCode, InputError, NotFound, Severity
from merchantry.rulebook import check_condition, check_file, compile_condition, load_rulebook
from merchantry.rulebook.facts import FACT_SQL
from merchantry.rulebook.library import shipped_dir
from merchantry.rulebook.limits import (
    AMOUNT_LIMIT_FEN,
    MAX_CONDITION_DEPTH,
    MAX_CONDITION_TERMS,
    MAX_YAML_DEPTH,
)
from merchantry.store.warehouse import connect
from tests.ledger.factories import add_category, add_order, add_shop

HEAD = """\
rulebook: {name}
title: Hostile
effective: {{from: 2026-01-01}}
"""


def rule(when: str, *, title: str = "Everything pays 5%", effect: str = "") -> str:
    effect = effect or "{kind: base_rate, rate_bp: 500}"
    return (
        "rules:\n  - id: r\n    title: " + title + "\n    when: " + when + "\n"
        "    effect: " + effect + "\n    assumption: true\n    note: test\n"
    )


def write(folder: Path, body: str, name: str = "hostile") -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(HEAD.format(name=name) + textwrap.dedent(body), encoding="utf-8")
    return path


def refused(path: Path, code: str) -> Diagnostic:
    """The rulebook is refused with exactly one ``code`` diagnostic, located and hinted."""
    book, diagnostics = check_file(path)
    assert book is None, diagnostics
    found = [d for d in diagnostics if d.code == code]
    assert len(found) == 1, diagnostics
    assert found[0].severity is Severity.ERROR
    assert found[0].source == str(path)
    assert found[0].line is not None
    assert found[0].hint
    return found[0]


# --- YAML


def test_an_alias_bomb_is_refused_at_its_first_alias(tmp_path: Path):
    bomb = "\n".join(
        [f"a0: &a0 [{', '.join(['x'] * 10)}]"]
        + [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 9)]
    )
    path = write(tmp_path, "note:\n" + textwrap.indent(bomb, "  ") + "\n" + rule("TRUE"))
    found = refused(path, "yaml-alias")
    assert found.line == 6  # the first *a0, on the line of a1


def test_even_one_alias_anywhere_is_refused(tmp_path: Path):
    path = write(
        tmp_path,
        rule("TRUE").replace("note: test", "note: &n test")
        + "  - id: s\n    title: S\n    effect: {kind: base_rate, rate_bp: 100}\n"
        "    assumption: true\n    note: *n\n",
    )
    assert refused(path, "yaml-alias").line == 15


@pytest.mark.parametrize("depth", [MAX_YAML_DEPTH + 1, 50_000])
def test_deep_yaml_is_a_diagnostic_not_a_recursion_error(tmp_path: Path, depth: int):
    path = write(tmp_path, rule("TRUE").replace("note: test", "note: " + "[" * depth + "]" * depth))
    assert refused(path, "too-deep").line == 10


def test_a_huge_file_is_refused_before_it_is_parsed(tmp_path: Path):
    path = write(tmp_path, rule("TRUE") + "# " + "x" * 1_100_000 + "\n")
    book, diagnostics = check_file(path)
    assert book is None
    assert [d.code for d in diagnostics] == ["too-large"]


# --- conditions: shape


def test_deep_parentheses_are_a_diagnostic(tmp_path: Path):
    depth = MAX_CONDITION_DEPTH + 1
    path = write(tmp_path, rule('"' + "(" * depth + "order.is_gift" + ")" * depth + '"'))
    assert refused(path, "condition-too-deep").line == 7


def test_thousands_of_parentheses_do_not_exhaust_the_recursion(tmp_path: Path):
    path = write(tmp_path, rule('"' + "(" * 1_900 + "TRUE" + ")" * 1_900 + '"'))
    assert refused(path, "condition-too-deep").line == 7


def test_a_long_chain_of_not_is_a_diagnostic(tmp_path: Path):
    path = write(tmp_path, rule('"' + "NOT " * 900 + 'order.is_gift"'))
    assert refused(path, "condition-too-deep").line == 7


def test_a_very_long_and_chain_is_a_diagnostic(tmp_path: Path):
    chain = " AND ".join(["TRUE"] * (MAX_CONDITION_TERMS + 1))
    found = refused(write(tmp_path, rule(f'"{chain}"')), "condition-too-long")
    assert str(MAX_CONDITION_TERMS + 1) in found.message


def test_a_long_but_flat_chain_within_the_limit_passes(tmp_path: Path):
    chain = " AND ".join(["order.goods_fen > 0"] * 60)
    book, diagnostics = check_file(write(tmp_path, rule(f'"{chain}"')))
    assert diagnostics == []
    assert book is not None


# --- conditions that fail when run


@pytest.fixture
def warehouse(tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """One ordinary order: live scene, no shipping charged, a large but storable amount."""
    con = connect(tmp_path / "w.duckdb")
    add_category(con)
    add_shop(con)
    add_order(con, "O1", datetime(2026, 3, 2, 10), AMOUNT_LIMIT_FEN // 10)
    yield con
    con.close()


def crashes_a_stage(con: duckdb.DuckDBPyConnection, when: str) -> None:
    """The condition, compiled as the stages compile it, makes DuckDB raise on the order."""
    tree, problems = check_condition(when, {})
    assert tree is not None, problems
    sql = compile_condition(tree, {}, fact_alias="f").sql(dialect="duckdb")
    with pytest.raises(duckdb.Error):
        con.execute(
            f"SELECT {sql} FROM ({FACT_SQL}) AS f",
            {"start": date(2026, 3, 1), "end": date(2026, 3, 31)},
        ).fetchall()


@pytest.mark.parametrize(
    ("when", "code"),
    [
        ("CAST(order.scene AS INT) = 1", "runtime-cast"),
        ("order.goods_fen % order.shipping_fen = 0", "runtime-division-by-zero"),
        ("order.goods_fen // order.shipping_fen > 1", "runtime-division-by-zero"),
        ("order.goods_fen * 100000000 > 1", "runtime-overflow"),
        ("date_diff('fortnight', shop.opened_date, order.paid_date) > 2", "runtime-date-part"),
    ],
)
def test_a_condition_that_fails_when_run_fails_the_check(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path, when: str, code: str
):
    crashes_a_stage(warehouse, when)
    found = refused(write(tmp_path, rule(f'"{when}"')), code)
    assert found.line == 7
    assert found.column == "when"
    assert "fails when run" in found.message


def test_the_failing_values_are_named(tmp_path: Path):
    found = refused(write(tmp_path, rule('"CAST(order.scene AS INT) = 1"')), "runtime-cast")
    assert "order.scene = " in found.message


@pytest.mark.parametrize(
    "when",
    [
        "order.goods_fen * 2 > 100000",
        "order.quantity * 100 > 50",  # quantity is at most 100,000 in the data model
        "order.goods_fen % order.quantity = 0",  # quantity is at least 1
        "order.goods_fen // nullif(order.shipping_fen, 0) > 3",
        "date_diff('day', shop.opened_date, order.paid_date) < 90",
        "CAST(order.paid_at AS DATE) >= DATE '2026-01-08'",
    ],
)
def test_safe_arithmetic_is_not_refused(tmp_path: Path, when: str):
    book, diagnostics = check_file(write(tmp_path, rule(f'"{when}"')))
    assert diagnostics == []
    assert book is not None


# --- extends, names and numbers


@pytest.mark.parametrize("parent", ["../outside", "/etc/passwd", "sub/dir", "Douyin-2025"])
def test_extends_takes_a_name_never_a_path(tmp_path: Path, parent: str):
    (tmp_path / "outside.yaml").write_text("rulebook: outside\n", encoding="utf-8")
    inner = tmp_path / "inner"
    inner.mkdir()
    path = write(inner, f"extends: {parent}\n" + rule("TRUE"))
    assert refused(path, "bad-parent").line == 4


def test_a_path_is_not_a_rulebook_name():
    with pytest.raises(NotFound):
        load_rulebook("../rulebooks/douyin-2026")


@pytest.mark.parametrize(
    ("effect", "line_text"),
    [
        (
            "{kind: deposit_tier, deposit_fen: 100000000000000000, min_gmv_fen: 0, max_gmv_fen: 1}",
            "deposit_fen",
        ),
        (
            "{kind: deposit_deduction, violation: brushing, amount_fen: 9223372036854775807}",
            "amount_fen",
        ),
        ("{kind: settlement_days, days: 100000}", "days"),
    ],
)
def test_every_effect_number_has_a_range_the_stages_hold(
    tmp_path: Path, effect: str, line_text: str
):
    found = refused(write(tmp_path, rule("TRUE", title="Big", effect=effect)), "out-of-range")
    assert found.column == line_text


def test_a_priority_and_a_parameter_have_ranges(tmp_path: Path):
    body = (
        "parameters:\n  huge: {value: 100000000000000000000, assumption: true, note: x}\n"
        + rule("TRUE").replace(
            "    assumption: true\n", "    priority: 10000000000\n    assumption: true\n", 1
        )
    )
    book, diagnostics = check_file(write(tmp_path, body))
    assert book is None
    ranges = sorted(d.line for d in diagnostics if d.code == "out-of-range")
    assert ranges == [5, 11], diagnostics


def test_the_check_and_the_cli_agree_a_hostile_rulebook_never_reaches_fees(tmp_path: Path):
    db = tmp_path / "w.duckdb"
    con = connect(db)
    add_category(con)
    add_shop(con)
    add_order(con, "O1", datetime(2026, 3, 2, 10), 10_000)
    con.close()
    folder = tmp_path / "rules"
    folder.mkdir()
    path = write(folder, rule('"order.goods_fen % order.shipping_fen = 0"'))
    result = CliRunner().invoke(
        app,
        [
            "fees",
            "--rulebook",
            "hostile",
            "--from",
            "2026-03-01",
            "--to",
            "2026-03-31",
            "--db",
            str(db),
            "--rulebook-dir",
            str(folder),
        ],
        env={"COLUMNS": "250"},
    )
    assert result.exit_code == ExitCode.INPUT, result.output
    assert f"{path}:7" in result.output
    assert "nullif" in result.output  # the hint
    assert "Traceback" not in result.output


# --- titles and overrides


def test_a_title_template_takes_the_number_from_the_rule(tmp_path: Path):
    body = rule("TRUE", title="Everything pays {rate_bp}").replace("500", "450")
    book, diagnostics = check_file(write(tmp_path, body))
    assert diagnostics == []
    assert book is not None
    assert book.rule("r").title == "Everything pays 4.5%"


def test_a_title_whose_number_disagrees_with_the_effect_is_a_warning(tmp_path: Path):
    book, diagnostics = check_file(write(tmp_path, rule("TRUE").replace("500", "400")))
    assert book is not None  # a warning does not block
    (found,) = diagnostics
    assert found.code == "title-number"
    assert found.severity is Severity.WARNING
    assert "5%" in found.message
    assert "rate_bp = 400" in found.message


def test_a_title_number_that_is_the_conditions_is_not_flagged(tmp_path: Path):
    body = rule("shop.age_days < 90", title="New shops pay 5% for their first 90 days")
    assert check_file(write(tmp_path, body))[1] == []


def test_an_unknown_placeholder_is_an_error(tmp_path: Path):
    found = refused(write(tmp_path, rule("TRUE", title="Pays {rate}")), "title-placeholder")
    assert "rate_bp" in found.hint


def test_a_misspelt_parameter_override_is_an_error_with_did_you_mean(tmp_path: Path):
    parent = write(
        tmp_path,
        "parameters:\n  base_rate_bp: {value: 500, assumption: true, note: x}\n"
        "rules:\n  - id: r\n    title: Everything pays the base rate\n"
        "    effect: {kind: base_rate, rate_bp: base_rate_bp}\n"
        "    assumption: true\n    note: test\n",
        name="parent",
    )
    child = write(
        tmp_path,
        "extends: parent\nparameters:\n  base_rat_bp: {value: 400, assumption: true, note: x}\n",
        name="child",
    )
    assert check_file(parent)[1] == []
    found = refused(child, "unknown-parameter")
    assert found.line == 6
    assert "'base_rate_bp'" in found.hint


def test_a_file_declaring_another_name_is_refused_by_name(tmp_path: Path):
    """`my-copy.yaml` saying `rulebook: douyin-2026` would store its results as the shipped
    rulebook's: loading it by name is refused, naming the line to change."""
    (tmp_path / "my-copy.yaml").write_text(
        (Path(shipped_dir()) / "douyin-2026.yaml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    with pytest.raises(InputError) as refused_:
        load_rulebook("my-copy", [tmp_path])
    assert "declares `rulebook: douyin-2026`" in str(refused_.value)
    assert "set `rulebook: my-copy`" in str(refused_.value)
