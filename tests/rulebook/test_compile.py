"""Conditions compile through the AST to DuckDB SQL; golden files freeze the output.

``golden/<case>.when`` holds a condition as a rule author writes it;
``golden/<case>.sql`` the SQL the compiler must produce. To accept a deliberate
change, run with ``MERCHANTRY_UPDATE_GOLDEN=1`` and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlglot.expressions as exp

from merchantry.rulebook import CompileError, check_condition, compile_condition
from merchantry.rulebook.columns import CONDITION_COLUMNS

GOLDEN = Path(__file__).parent / "golden"
PARAMS = {"new_merchant_days": 90}
UPDATE = os.environ.get("MERCHANTRY_UPDATE_GOLDEN") == "1"


def compiled(text: str) -> str:
    tree, problems = check_condition(text, PARAMS)
    assert problems == []
    assert tree is not None
    return compile_condition(tree, PARAMS).sql(dialect="duckdb", pretty=True) + "\n"


def assert_golden(path: Path, actual: str) -> None:
    if UPDATE:
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"no golden file {path.name}; run with MERCHANTRY_UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8")


@pytest.mark.parametrize("case", sorted(p.stem for p in GOLDEN.glob("*.when")))
def test_condition_compiles_to_its_golden_sql(case: str) -> None:
    text = (GOLDEN / f"{case}.when").read_text(encoding="utf-8")
    assert_golden(GOLDEN / f"{case}.sql", compiled(text))


def test_every_column_rewrites_onto_its_fact_column() -> None:
    for column in CONDITION_COLUMNS:
        tree, problems = check_condition(f"{column.name} IS NULL", {})
        assert problems == []
        assert tree is not None
        sql = compile_condition(tree, {}).sql(dialect="duckdb")
        assert sql == f'("f"."{column.fact_column}" IS NULL)'


def test_parameters_become_literals() -> None:
    assert "90" in compiled("shop.age_days <= param.new_merchant_days")


def test_the_compiler_refuses_what_it_cannot_translate() -> None:
    # The checker would never pass this; the compiler must still fail loudly on its own.
    tree = exp.EQ(
        this=exp.func("read_csv", exp.Literal.string("x")), expression=exp.Literal.number(1)
    )
    with pytest.raises(CompileError, match="no translation rule for READ"):
        compile_condition(tree, {})


def test_the_compiler_refuses_an_undeclared_column() -> None:
    tree = exp.EQ(this=exp.column("secret", table="shop"), expression=exp.Literal.number(1))
    with pytest.raises(CompileError, match=r"shop\.secret"):
        compile_condition(tree, {})


def test_comments_never_reach_the_sql() -> None:
    tree, _ = check_condition("order.goods_fen > 0", {})
    assert tree is not None
    tree.comments = ["*/ DROP TABLE orders; /*"]
    assert "DROP" not in compile_condition(tree, {}).sql(dialect="duckdb")


def test_a_small_rulebook_compiles_to_its_golden_fee_query() -> None:
    from merchantry.fees.query import compile_fee_query
    from merchantry.rulebook import check_file

    rulebook, diagnostics = check_file(GOLDEN / "minimal.yaml")
    assert diagnostics == []
    assert rulebook is not None
    sql = compile_fee_query(rulebook).sql(dialect="duckdb", pretty=True) + "\n"
    assert_golden(GOLDEN / "fee_query_minimal.sql", sql)
