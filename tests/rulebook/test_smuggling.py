"""SQL smuggled into a condition is refused at check time and never runs.

A rule's ``when`` is user input that ends up inside the fee query. Each attempt
below must be refused with a diagnostic, and a fee run with such a rulebook
must fail before touching the warehouse.
"""

from __future__ import annotations

import textwrap
from datetime import date
from pathlib import Path

import duckdb
import pytest

from merchantry.fees import compute_fees
from merchantry.kit.errors import InputError
from merchantry.rulebook import check_condition

ATTEMPTS = {
    "second statement": ("1=1; DROP TABLE orders", "statement-separator"),
    "trailing separator": ("order.goods_fen > 0;", "statement-separator"),
    "subquery": ("order.goods_fen > (SELECT max(goods_fen) FROM orders)", "subquery"),
    "IN subquery": ("order.order_id IN (SELECT order_id FROM orders)", "subquery"),
    "EXISTS": ("EXISTS (SELECT 1 FROM shops)", "subquery"),
    "file read": ("read_csv('/etc/passwd') IS NOT NULL", "unknown-function"),
    "table function in IN": ("order.order_id IN (SELECT * FROM read_parquet('x'))", "subquery"),
    "line comment hiding a statement": (
        "order.goods_fen > 0 -- ; DROP TABLE orders",
        "comment-not-allowed",
    ),
    "block comment": ("order.goods_fen > 0 /* */; DELETE FROM orders", "statement-separator"),
    "table-qualified column": ("main.orders.goods_fen > 0", "table-reference"),
    "undeclared table as namespace": ("orders.goods_fen > 0", "unknown-column"),
    "system function": ("current_setting('threads') = '1'", "unknown-function"),
    "pragma-like call": ("pragma_version() IS NULL", "unknown-function"),
}


@pytest.mark.parametrize("name", sorted(ATTEMPTS))
def test_smuggling_attempt_is_refused(name: str) -> None:
    text, code = ATTEMPTS[name]
    tree, problems = check_condition(text, {})
    assert tree is None
    assert code in {p.code for p in problems}


def test_a_string_that_looks_like_sql_stays_a_string() -> None:
    tree, problems = check_condition("shop.region = 'x''; DROP TABLE orders; --'", {})
    assert problems == []
    assert tree is not None


def test_a_fee_run_with_a_smuggling_rulebook_fails_before_touching_the_warehouse(
    warehouse: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    (tmp_path / "evil.yaml").write_text(
        textwrap.dedent("""\
        rulebook: evil
        title: Evil
        effective: {from: 2026-01-01}
        rules:
          - id: base
            title: Base
            when: "1=1; DROP TABLE orders"
            effect: {kind: base_rate, rate_bp: 500}
            source: x
        """),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as raised:
        compute_fees(
            warehouse, "evil", date(2026, 1, 1), date(2026, 1, 31), rulebook_dirs=[tmp_path]
        )
    assert [d.code for d in raised.value.diagnostics] == ["statement-separator"]
    tables = {
        r[0]
        for r in warehouse.execute("SELECT table_name FROM information_schema.tables").fetchall()
    }
    assert "orders" in tables
