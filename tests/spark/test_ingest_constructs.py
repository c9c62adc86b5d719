"""Ingest's own constructs on both engines: each carried one gives DuckDB's answer on
tricky inputs, and what cannot be carried is refused by name.

Regular expressions (RE2 against Java), ``printf`` (fmt against Java's Formatter),
``unicode``, the JSON typing of a list column (yyjson against a regular expression) and
``list_has_all`` (against ``FORALL``); the values are the ones where the engines part:
a final line break, a vertical tab, a format character newer than Java's Unicode, lone
surrogates, trailing commas, NULL elements.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pytest
import sqlglot
import sqlglot.expressions as exp

from merchantry.ingest.checks import INVISIBLE_PATTERN, SUSPICIOUS_ID_PATTERN
from merchantry.ingest.coerce import fails_to_parse
from merchantry.model.schema import ColumnType
from merchantry.model.tables import TABLES
from merchantry.spark import tables
from merchantry.spark.ingest import require_portable_checks
from merchantry.spark.portable import UnportableSQL, to_spark
from merchantry.spark.regex import UnsupportedRegex, java_pattern
from merchantry.store.sql import col

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TEXTS = (
    "s1",
    "s1 ",
    " s1",
    "s1\n",
    "a\nb",
    "s1\x0b",
    "s\x0b1",
    "a\u200bb",
    "\u0890x",  # Cf since Unicode 14: Java 17 (Unicode 13) does not know it
    "x\u00a0",
    "\u3000x",
    "\ufeffs",
    "é",
    "😀",
    "a\tb",
    "ab\r\n",
    "",
    "12",
    " 12",
    "12a",
    "+5",
    "-0",
    "99999999999",
    "1.5",
    "2026-3-1",
    "2026/03/01",
    "2026-02-30",
    "2026-03-01 8:05",
    "2026-03-01T08:05:07.123456",
    "2026-03-01 08:05:07.1234567",
    "2026-03-01 24:00:00",
    "1969-12-31 23:59:59",
    "2099-12-31 23:59:59",
    "2100-01-01",
    "2026-03-01x",
    '["a", "b"]',
    ' [ "a" ] ',
    '["a",]',
    '["a" , ]',
    "[,]",
    '["a",,]',
    "[]",
    '\r\n[ "a"\t]',
    "\x0c[]",
    '["\\ud83d\\ude00"]',
    '["\\udc00"]',
    '["\\ud83d\\u0041"]',
    '["\\ud800\\udc00"]',
    '["\\uD7FF", "\\uE000", "\\u0000", "\\/", "\\"\\\\"]',
    '["\\a"]',
    '["\\U00e9"]',
    '["a"]\n',
    '["a"] x',
    '["\x00"]',
    '["a\tb"]',
    '["a\x7fb"]',
    "[null]",
    '["a", null]',
    "[1]",
    '[["a"]]',
    "{}",
    '"a"',
    '["a""b"]',
    "[NaN]",
    '["é😀", "中文"]',
    '["' + "x" * 20000 + '", "' + "\\n" * 3000 + '"]',
)
"""Inputs where RE2 and Java, DuckDB's and Spark's casts, or yyjson and a naive JSON
reading part ways."""


@pytest.fixture(scope="module")
def con(tmp_path_factory: pytest.TempPathFactory, spark: SparkSession) -> duckdb.DuckDBPyConnection:
    """``texts(id, v)`` and ``lists(id, l)`` on both engines."""
    root: Path = tmp_path_factory.mktemp("ingest-constructs")
    db = duckdb.connect()
    db.execute("CREATE TABLE texts (id INTEGER, v VARCHAR)")
    db.executemany("INSERT INTO texts VALUES (?, ?)", [(i, t) for i, t in enumerate(TEXTS)])
    db.execute("INSERT INTO texts VALUES (?, NULL)", [len(TEXTS)])
    db.execute(
        """
        CREATE TABLE lists AS SELECT * FROM (VALUES
          (1, ['rural', 'brand']), (2, ['rural', 'vip']), (3, []), (4, NULL),
          (5, ['brand', NULL]), (6, [NULL]), (7, ['Brand']), (8, ['']), (9, ['brand', 'brand'])
        ) AS t(id, l)
        """
    )
    tables.export(db, ["texts", "lists"], root)
    tables.register(spark, root, ["texts", "lists"])
    return db


def both(
    con: duckdb.DuckDBPyConnection, spark: SparkSession, sql: str | exp.Expr
) -> tuple[Any, Any]:
    """(DuckDB's rows, Spark's rows of the carried query)."""
    tree = sqlglot.parse_one(sql, read="duckdb") if isinstance(sql, str) else sql
    duck = [tuple(r) for r in con.execute(tree.sql(dialect="duckdb")).fetchall()]
    carried = [tuple(r) for r in spark.sql(to_spark(tree, "test")).collect()]
    return duck, carried


def test_the_id_patterns_match_as_on_duckdb(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    sql = (
        f"SELECT id, regexp_matches(v, '{SUSPICIOUS_ID_PATTERN}'), "
        f"regexp_extract(v, '{INVISIBLE_PATTERN}'), "
        f"printf('U+%04X', unicode(regexp_extract(v, '{INVISIBLE_PATTERN}'))) "
        "FROM texts ORDER BY id"
    )
    duck, carried = both(con, spark, sql)
    assert carried == duck
    flagged = {TEXTS[r[0]] for r in duck if r[0] < len(TEXTS) and r[1]}
    assert {"s1 ", "s1\n", "s1\x0b", "\u0890x", "x\u00a0", "\ufeffs"} <= flagged
    assert "U+0890" in {r[3] for r in duck}  # found by DuckDB's Unicode, and so by Spark


def test_the_end_anchor_and_the_dot_are_duckdbs(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    sql = (
        "SELECT id, regexp_matches(v, '1$'), regexp_matches(v, '^a.b$'), "
        "regexp_matches(v, '\\s$') FROM texts ORDER BY id"
    )
    duck, carried = both(con, spark, sql)
    assert carried == duck
    plain = sqlglot.transpile(sql, read="duckdb", write="spark")[0]
    assert [tuple(r) for r in spark.sql(plain).collect()] != duck  # the trap: Java's `$`


def test_the_type_checks_agree_on_every_column_type(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    """``fails_to_parse`` (strict patterns, then the casts; lists: the JSON typing) for
    one column of each type that can fail, over every tricky text."""
    columns = {}
    for table in TABLES:
        for c in table.columns:
            columns.setdefault(c.type, c)
    kinds = [k for k in ColumnType if k in columns and k is not ColumnType.TEXT]
    verdicts = [
        exp.alias_(fails, f"c{i}")
        for i, kind in enumerate(kinds)
        if (fails := fails_to_parse(columns[kind], col("v"))) is not None
    ]
    assert len(verdicts) >= 6
    query = exp.select(col("id"), *verdicts).from_("texts").order_by("id")
    duck, carried = both(con, spark, query)
    assert carried == duck
    lists = kinds.index(ColumnType.TEXT_LIST)
    accepted = {TEXTS[r[0]] for r in duck if r[0] < len(TEXTS) and r[lists + 1] is False}
    assert {'["a",]', "[]", '["\\ud800\\udc00"]', '["a"]\n'} <= accepted
    assert not accepted & {'["\\udc00"]', "[,]", "[null]", '["a"] x', "\x0c[]", "[1]"}


def test_printf_writes_as_duckdb(con: duckdb.DuckDBPyConnection, spark: SparkSession) -> None:
    sql = (
        "SELECT id, printf('U+%04X|%d|%x|%s|%s|%%', unicode(v), length(v), -id, v, 'é') "
        "FROM texts ORDER BY id"
    )
    duck, carried = both(con, spark, sql)
    assert carried == duck
    assert duck[-1][1] is None  # NULL in, NULL out (Java would write "null")


def test_list_has_all_answers_as_duckdb(
    con: duckdb.DuckDBPyConnection, spark: SparkSession
) -> None:
    sql = (
        "SELECT id, list_has_all(['rural', 'brand'], l), list_has_all([], l) FROM lists ORDER BY id"
    )
    duck, carried = both(con, spark, sql)
    assert carried == duck
    assert duck[4][1] is True  # a NULL element is ignored


@pytest.mark.parametrize(
    ("pattern", "construct"),
    [
        ("\\bs1", "\\b (a word boundary"),
        ("(?i)s1", "a group with flags"),
        ("[[:alpha:]]", "a POSIX class"),
        ("(a)\\1", "\\1"),
        ("\\p{Foo}", "unknown to RE2"),
        ("a{,2}", "not a repetition"),
    ],
)
def test_a_pattern_outside_the_subset_is_refused_by_name(pattern: str, construct: str) -> None:
    with pytest.raises(UnsupportedRegex, match=construct.replace("\\", "\\\\").replace("(", "\\(")):
        java_pattern(pattern)
    tree = exp.select(exp.func("regexp_matches", col("v"), exp.Literal.string(pattern)))
    with pytest.raises(UnportableSQL, match="regular expression"):
        to_spark(tree.from_("texts"), "test")


def test_other_refusals_name_the_construct() -> None:
    for sql, named in (
        ("SELECT regexp_matches(v, v) FROM texts", "a pattern that is not a literal"),
        ("SELECT regexp_matches(v, 'a', 'i') FROM texts", "options"),
        ("SELECT printf('%.2f', 1.5)", "printf conversion '%.2f'"),
        ("SELECT regexp_replace(v, 'a', 'b') FROM texts", "regular expression"),
    ):
        with pytest.raises(UnportableSQL, match=named.replace(".", "\\.").replace("(", "\\(")):
            to_spark(sqlglot.parse_one(sql, read="duckdb"), "test")


def test_every_ingest_check_is_carried() -> None:
    require_portable_checks()
