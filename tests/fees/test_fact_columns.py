"""The compiled fee query reads a fact relation cut to the columns its steps and lines read.

A rulebook that reads no score leaves out the score series' ASOF join, one that reads no
creator the creators, and so on (``fees.query.compile_fee_query``). These tests hold that,
for every shipped fee rulebook and for a small one whose rule reads a shop score, on a
generated and scored market, the cut query writes the very lines the query over the whole
relation writes, row for row, and that the cut really leaves columns out.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlglot.expressions as exp

from merchantry.fees import query as fee_query
from merchantry.rulebook import check_file
from merchantry.rulebook.checker import load_rulebook
from merchantry.rulebook.facts import fact_relation
from merchantry.rulebook.model import Rulebook
from merchantry.store.sql import run_sql
from merchantry.store.warehouse import connect
from merchantry.synth import DEFAULT_START
from tests.markets import GOLDEN_MINIMAL, SCORED_BOOK, scored_market, scored_rulebook

BOOKS = ("douyin-2026", "taobao-2026", "douyin-2025", "douyin-2022-new-merchant")
DAYS = 10
END = DEFAULT_START + timedelta(days=DAYS - 1)


@pytest.fixture(scope="module")
def scored_book(tmp_path_factory: pytest.TempPathFactory) -> Rulebook:
    return scored_rulebook(tmp_path_factory.mktemp("scored-book"))


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 shops x 10 days, scored on both platforms."""
    return scored_market(tmp_path_factory.mktemp("fee-facts"), shops=8, days=DAYS, seed=7)


def _book(name: str, scored_book: Rulebook) -> Rulebook:
    return scored_book if name == SCORED_BOOK else load_rulebook(name)


def _facts_of(query: exp.Select) -> exp.Query:
    """The innermost fact relation of a compiled fee query (the first step's source)."""
    first = query.args["with_"].expressions[0].this  # fee_match: SELECT f.*, … FROM (facts) AS f
    source = first.args["from_"].this
    assert isinstance(source, exp.Subquery)
    facts = source.this
    assert isinstance(facts, exp.Query)
    return facts


@pytest.mark.parametrize("name", [*BOOKS, SCORED_BOOK])
def test_cut_query_writes_the_same_lines(
    market: Path, name: str, scored_book: Rulebook, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = _book(name, scored_book)
    cut = fee_query.compile_fee_query(book)
    whole_columns = [e.alias_or_name for e in fact_relation().expressions]
    kept = [e.alias_or_name for e in _facts_of(cut).expressions]
    assert set(kept) < set(whole_columns)  # some columns really are left out
    with monkeypatch.context() as patch:
        patch.setattr(fee_query, "fact_sql", lambda only=None, columns=None: fact_relation(only))
        whole = fee_query.compile_fee_query(book)
    assert [e.alias_or_name for e in _facts_of(whole).expressions] == whole_columns
    con = connect(market, read_only=True)
    try:
        params = {"start": DEFAULT_START, "end": END}
        run_sql(con, f"CREATE TEMP TABLE cut AS {cut.sql(dialect='duckdb')}", params)
        run_sql(con, f"CREATE TEMP TABLE whole AS {whole.sql(dialect='duckdb')}", params)
        count = con.execute("SELECT count(*) FROM cut").fetchone()
        assert count is not None
        assert count[0] > 0
        for a, b in (("cut", "whole"), ("whole", "cut")):
            diff = con.execute(
                f"SELECT count(*) FROM (SELECT * FROM {a} EXCEPT ALL SELECT * FROM {b})"
            ).fetchone()
            assert diff == (0,), (name, a, b)
        if name == SCORED_BOOK:  # the score decides: some orders pay more than under minimal
            plain, diagnostics = check_file(GOLDEN_MINIMAL)
            assert plain is not None
            assert diagnostics == []
            sql = fee_query.compile_fee_query(plain).sql(dialect="duckdb")
            run_sql(con, f"CREATE TEMP TABLE plain AS {sql}", params)
            moved = con.execute(
                "SELECT count(*) FILTER (WHERE c.amount_fen > p.amount_fen), count(*) "
                "FROM cut AS c JOIN plain AS p USING (order_id, fee_kind)"
            ).fetchone()
            assert moved is not None
            assert 0 < moved[0] < moved[1]
    finally:
        con.close()


@pytest.mark.parametrize("name", [*BOOKS, SCORED_BOOK])
def test_the_score_join_only_when_a_score_is_read(name: str, scored_book: Rulebook) -> None:
    """The score series' ASOF join stays in a fee query exactly when some step or line of
    it reads a shop score: the test's scored rulebook keeps it, the shipped fee rulebooks
    (none of which reads a score today) do not."""
    query = fee_query.compile_fee_query(_book(name, scored_book))
    columns = {c.name for c in query.find_all(exp.Column)}
    score = any(c.startswith("shop_") and "score" in c for c in columns)
    assert ("ASOF" in query.sql(dialect="duckdb")) == score
    assert score == (name == SCORED_BOOK)
