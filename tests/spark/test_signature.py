"""The text an entry's signature hashes, and the keys the close builds from ids, are the
same on Spark as on DuckDB whatever the ids hold.

The journal signs an entry with ``md5(kind || '|' || booked_on || '|' || legs as text)``,
where the legs' text is DuckDB's own cast of a list of structs to VARCHAR: it writes a
text field bare or quoted and escaped by rules of its own. Spark has no such cast; the
statement runner writes DuckDB's text out (``merchantry.spark.legs``). Here the journal's
own statement (``READY``) runs on both engines over legs whose accounts, parties and rule
ids hold quotes, backslashes, brackets, white space at either end, ``null`` in any case,
Chinese and emoji, plus a few hundred drawn from such characters: DuckDB's cast is the
oracle, and every text and signature must be equal.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest

from merchantry.ledger.journal import LEGS_TEXT_MACRO, READY, STAGE_DDL
from merchantry.spark.statements import SparkStatements

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TEXTS: tuple[str, ...] = (
    "merchant_pending",
    "",
    "null",
    "NULL",
    "Null",
    "nullx",
    "it's",
    "back\\slash",
    "both\\'",
    "'",
    "\\",
    '"quoted"',
    "a,b",
    "k:v",
    "x=y",
    "(p)",
    "[l]",
    "{s}",
    " lead",
    "trail ",
    " ",
    "\t",
    "a b",
    "line\nbreak",
    "end\n",
    "\x0bvt",
    "ff\x0c",
    "cr\r",
    "end\u2028",  # a line terminator to Java's `$`, not white space to DuckDB
    "\u3000ideographic space",
    "\u00a0nbsp",
    "抖音小店-旗舰店",
    "店铺'引号",
    "😀🛒",
    "emoji 😀 inside",
    "é",
    "a|b",
    "#@+./-",
)
"""Texts that hit each of DuckDB's quoting rules, and some that must stay bare."""

ALPHABET = "ab '\"\\,:=()[]{}|\t\n 中文😀é\u2028-_"


def drawn(count: int, seed: int = 18) -> list[str]:
    """Texts drawn from :data:`ALPHABET` (a fixed seed: the same cases every run)."""
    rng = random.Random(seed)
    return ["".join(rng.choices(ALPHABET, k=rng.randint(1, 6))) for _ in range(count)]


def staged(texts: list[str]) -> str:
    """``ledger_stage`` rows: one entry per text, the text as account, party and rule id
    of its legs (and a NULL rule id, a zero leg the journal drops)."""
    rows = []
    for i, text in enumerate(texts):
        t = text.replace("'", "''")
        rows.append(
            f"('k{i:04d}', 'sale', 'src-{t}', 'o{i}', 's{i}', DATE '2026-10-0{1 + i % 9}', "
            f"[{{'account': '{t}', 'party': 'shop-{t}', 'amount_fen': -{i + 1}, "
            f"'rule_id': '{t}'}}, "
            f"{{'account': 'merchant_pending', 'party': '{t}', 'amount_fen': {i + 1}, "
            f"'rule_id': NULL}}, "
            f"{{'account': '{t}', 'party': '', 'amount_fen': 0, 'rule_id': 'zero'}}])"
        )
    return "INSERT INTO ledger_stage VALUES " + ",\n".join(rows)


SIGNED = """
SELECT logical_key, ledger_legs_text(legs) AS text, signature,
       md5(source_id || '|' || CAST(booked_on AS VARCHAR)) AS source_key
FROM ledger_ready ORDER BY logical_key
"""


def on_duckdb(con: duckdb.DuckDBPyConnection) -> list[tuple[Any, ...]]:
    con.execute(LEGS_TEXT_MACRO)
    con.execute(READY)
    return [tuple(r) for r in con.execute(SIGNED).fetchall()]


def on_spark(
    spark: SparkSession, con: duckdb.DuckDBPyConnection, scratch: Path
) -> list[tuple[Any, ...]]:
    runner = SparkStatements(spark, con, scratch, "the signature test")
    runner.register("ledger_stage", con.sql("SELECT * FROM ledger_stage").to_arrow_table())
    runner.execute(LEGS_TEXT_MACRO)  # kept; Spark's body of it comes first
    runner.execute(READY)
    return runner.execute(SIGNED).fetchall()


@pytest.fixture
def stage() -> Any:
    con = duckdb.connect()
    try:
        con.execute(STAGE_DDL)
        yield con
    finally:
        con.close()


def test_signatures_of_unusual_ids_are_duckdbs(
    spark: SparkSession, stage: duckdb.DuckDBPyConnection, tmp_path: Path
) -> None:
    texts = [*TEXTS, *drawn(300)]
    stage.execute(staged(texts))
    expected = on_duckdb(stage)
    assert len(expected) == len(texts)
    quoted = [r for r in expected if "\\'" in r[1] or "\\\\" in r[1]]
    assert quoted, "no case exercised DuckDB's escaping"
    bare = next(r[1] for r in expected if r[0] == f"k{TEXTS.index('抖音小店-旗舰店'):04d}")
    assert "'account': 抖音小店-旗舰店," in bare  # DuckDB writes it bare: both must
    got = on_spark(spark, stage, tmp_path)
    mismatched = [(e, g) for e, g in zip(expected, got, strict=True) if e != g]
    assert not mismatched, mismatched[:3]
