"""The one rule-set compiler: first match, rule id and matched flags, run on real DuckDB.

The rulebook below is written as a rule author would; each test evaluates the compiled
trees over a small fact table and compares with what the rules say by hand.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import pytest
import sqlglot.expressions as exp

from merchantry.fees.compiler import APPLIED_ELSEWHERE, TRANSLATED, Compiler
from merchantry.fees.query import compile_fee_query
from merchantry.rulebook import EFFECT_KINDS, CompileError, Effect, Stacking, check_file
from merchantry.rulebook.effects import Stage
from merchantry.rulebook.model import Rulebook
from merchantry.rulebook.ruleset import RuleSet, fact_column, literal

BOOK = """\
rulebook: ruleset-test
title: Three base rates, two supplements, one waiver
effective: {from: 2026-01-01}
rules:
  - id: base.live
    title: Live orders pay 3%
    when: order.scene = 'live'
    effect: {kind: base_rate, rate_bp: 300}
    source: test
  - id: base.big
    title: Big orders pay 4%
    when: order.amount_paid_fen >= 10000
    effect: {kind: base_rate, rate_bp: 400}
    source: test
  - id: base.other
    title: Everything else pays 2%
    priority: 900
    effect: {kind: base_rate, rate_bp: 200}
    source: test
  - id: supp.mall
    title: Mall app adds 1%
    when: order.entry_point = 'mall_app'
    stacking: add
    effect: {kind: channel_supplement, rate_bp: 100}
    source: test
  - id: supp.big
    title: Big orders add 0.5%
    when: order.amount_paid_fen >= 10000
    stacking: add
    effect: {kind: channel_supplement, rate_bp: 50}
    source: test
  - id: waiver.card
    title: Product cards keep 0.6%
    when: order.scene = 'product_card'
    effect: {kind: fee_waiver, mode: floor, rate_bp: 60}
    source: test
"""

ROWS = [
    # order id, scene, entry point, amount paid
    ("o1", "live", "mall_app", 20000),
    ("o2", "search", "douyin_app", 20000),
    ("o3", "product_card", "mall_app", 500),
    ("o4", None, None, None),
]


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Rulebook:
    path: Path = tmp_path_factory.mktemp("ruleset") / "ruleset-test.yaml"
    path.write_text(BOOK, encoding="utf-8")
    rulebook, problems = check_file(path)
    assert [p for p in problems if p.severity == "error"] == []
    assert rulebook is not None
    return rulebook


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    db = duckdb.connect()
    db.execute(
        "CREATE TABLE facts (order_order_id VARCHAR, order_scene VARCHAR, "
        "order_entry_point VARCHAR, order_amount_paid_fen BIGINT)"
    )
    db.executemany("INSERT INTO facts VALUES (?, ?, ?, ?)", ROWS)
    return db


def evaluate(con: duckdb.DuckDBPyConnection, value: exp.Expr) -> dict[str, object]:
    """``value`` for each order of the fact table."""
    query = (
        exp.select(fact_column("order_order_id"), exp.alias_(value, "v"))
        .from_(exp.alias_(exp.to_table("facts"), "f", table=True))
        .order_by(fact_column("order_order_id"))
    )
    return dict(con.execute(query.sql(dialect="duckdb")).fetchall())


def test_first_match_follows_precedence(book: Rulebook, con: duckdb.DuckDBPyConnection) -> None:
    base = RuleSet.of(book, "base_rate")
    assert [r.id for r in base] == ["base.live", "base.big", "base.other"]
    # o1 is live and big: live comes first; o4 has no scene and no amount: the default
    assert evaluate(con, base.rule_id()) == {
        "o1": "base.live",
        "o2": "base.big",
        "o3": "base.other",
        "o4": "base.other",
    }
    assert evaluate(con, base.int_field("rate_bp")) == {"o1": 300, "o2": 400, "o3": 200, "o4": 200}
    assert evaluate(con, base.index()) == {"o1": 1, "o2": 2, "o3": 3, "o4": 3}


def test_no_match_is_null_and_a_guard_narrows(
    book: Rulebook, con: duckdb.DuckDBPyConnection
) -> None:
    waiver = RuleSet.of(book, "fee_waiver")
    assert evaluate(con, waiver.rule_id()) == {
        "o1": None,
        "o2": None,
        "o3": "waiver.card",
        "o4": None,
    }
    assert evaluate(con, RuleSet.of(book, "coupon_subsidy").rule_id()) == dict.fromkeys(
        ["o1", "o2", "o3", "o4"]
    )
    base = RuleSet.of(book, "base_rate")
    # a guard on the first rule only: o1 falls through to the next matching rule
    guarded = base.rule_id(extra=lambda r: exp.false() if r.id == "base.live" else None)
    assert evaluate(con, guarded)["o1"] == "base.big"


def test_rule_id_lookup_reads_the_chosen_rules_numbers(
    book: Rulebook, con: duckdb.DuckDBPyConnection
) -> None:
    base = RuleSet.of(book, "base_rate")
    chosen = exp.paren(base.rule_id())
    assert evaluate(con, base.lookup_int(chosen, "rate_bp")) == {
        "o1": 300,
        "o2": 400,
        "o3": 200,
        "o4": 200,
    }
    by_position = base.position_lookup(exp.paren(base.index()), lambda r: literal(r.id))
    assert evaluate(con, by_position) == evaluate(con, base.rule_id())


def test_matched_flags_and_added(book: Rulebook, con: duckdb.DuckDBPyConnection) -> None:
    supplements = RuleSet.of(book, "channel_supplement", stacking=Stacking.ADD)
    flags = dict(supplements.flags())
    ids = {r.id: r for r in supplements}
    assert evaluate(con, flags[ids["supp.mall"]]) == {
        "o1": True,
        "o2": False,
        "o3": True,
        "o4": False,
    }
    assert evaluate(con, flags[ids["supp.big"]]) == {
        "o1": True,
        "o2": True,
        "o3": False,
        "o4": False,
    }
    total = supplements.added(lambda r: literal(r.effect.int("rate_bp")))
    assert evaluate(con, total) == {"o1": 150, "o2": 50, "o3": 100, "o4": 0}


def test_a_set_filters_by_stacking_and_by_predicate(book: Rulebook) -> None:
    assert not RuleSet.of(book, "channel_supplement", stacking=Stacking.FIRST)
    big = RuleSet.of(book, "base_rate", where=lambda r: r.effect.int("rate_bp") >= 300)
    assert [r.id for r in big] == ["base.live", "base.big"]
    with pytest.raises(KeyError, match=r"base\.other"):
        big.condition(book.rule("base.other"))


def _with_rule_changed(book: Rulebook, rule_id: str, **changes: object) -> Rulebook:
    rules = tuple(
        dataclasses.replace(r, **changes) if r.id == rule_id else r  # type: ignore[arg-type]
        for r in book.rules
    )
    return dataclasses.replace(book, rules=rules)


def test_the_fee_compiler_refuses_an_effect_kind_it_cannot_translate(book: Rulebook) -> None:
    odd = _with_rule_changed(book, "base.big", effect=Effect("surcharge_rebate", ()))
    with pytest.raises(CompileError, match=r"base\.big.*effect kind 'surcharge_rebate'"):
        compile_fee_query(odd)


def test_the_fee_compiler_refuses_a_stacking_it_cannot_translate(book: Rulebook) -> None:
    odd = _with_rule_changed(book, "base.live", stacking=Stacking.ADD)
    with pytest.raises(CompileError, match=r"base\.live.*stacking 'add' of 'base_rate'"):
        Compiler(odd)


def test_every_fee_stage_kind_has_a_translation() -> None:
    for kind in EFFECT_KINDS.values():
        if kind.stage is not Stage.FEES or kind.name in APPLIED_ELSEWHERE:
            continue
        assert kind.name in TRANSLATED, f"{kind.name} has no translation in the fee compiler"
        assert set(kind.stackings) <= TRANSLATED[kind.name], kind.name
