"""The compiled fee query reads a fact relation cut to the columns its steps and lines read.

A rulebook that reads no score leaves out the score series' ASOF join, one that reads no
creator the creators, and so on (``fees.query.compile_fee_query``). These tests hold that,
for every shipped fee rulebook on a generated and scored market, the cut query writes the
very lines the query over the whole relation writes, row for row, and that the cut really
leaves columns out.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import sqlglot.expressions as exp

from merchantry.fees import query as fee_query
from merchantry.ingest import ingest_dir
from merchantry.rulebook.checker import load_rulebook
from merchantry.rulebook.facts import fact_relation
from merchantry.scoring.stage import score_shops
from merchantry.store.sql import run_sql
from merchantry.store.warehouse import connect
from merchantry.synth import DEFAULT_START, generate

BOOKS = ("douyin-2026", "taobao-2026", "douyin-2025", "douyin-2022-new-merchant")
DAYS = 10
END = DEFAULT_START + timedelta(days=DAYS - 1)


@pytest.fixture(scope="module")
def market(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """8 shops x 10 days, scored on both platforms."""
    root = tmp_path_factory.mktemp("fee-facts")
    generate(root / "data", shops=8, days=DAYS, seed=7, progress=False)
    db = root / "market.duckdb"
    con = connect(db)
    try:
        ingest_dir(con, root / "data", progress=False)
        score_shops(con, "douyin-score-2026-07", DEFAULT_START, END)
        score_shops(con, "taobao-score-2026", DEFAULT_START, END)
    finally:
        con.close()
    return db


def _facts_of(query: exp.Select) -> exp.Query:
    """The innermost fact relation of a compiled fee query (the first step's source)."""
    first = query.args["with_"].expressions[0].this  # fee_match: SELECT f.*, … FROM (facts) AS f
    source = first.args["from_"].this
    assert isinstance(source, exp.Subquery)
    facts = source.this
    assert isinstance(facts, exp.Query)
    return facts


@pytest.mark.parametrize("name", BOOKS)
def test_cut_query_writes_the_same_lines(
    market: Path, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    book = load_rulebook(name)
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
    finally:
        con.close()


def test_the_score_join_only_when_a_score_is_read() -> None:
    """The score series' ASOF join stays in a fee query exactly when some step or line of
    it reads a shop score (no shipped fee rule does today, so none has it)."""
    for name in BOOKS:
        query = fee_query.compile_fee_query(load_rulebook(name))
        columns = {c.name for c in query.find_all(exp.Column)}
        score = any(c.startswith("shop_") and "score" in c for c in columns)
        assert ("ASOF" in query.sql(dialect="duckdb")) == score, name
