"""A stage's own DuckDB statements, run one by one on Spark, their writes loaded back.

The scoring stage is a sequence of statements over a DuckDB connection: temp tables
(``CREATE OR REPLACE TEMP TABLE _sc_grid AS …``), a few ``SELECT``s whose answer the
next statement needs, ``DELETE``s of the period's old rows and ``INSERT``s of the new
ones. :class:`SparkStatements` takes each statement exactly as the DuckDB stage
executes it, binds its parameters, carries it to Spark SQL with
:func:`merchantry.spark.portable.portable` (rewrites, then the refusal check) and runs
it there:

* ``CREATE [TEMP] TABLE x AS q``: ``q`` computed once (checkpointed) as the view ``x``;
  ``CREATE TABLE x (columns)``: an empty view of those columns;
  ``CREATE VIEW``: a view;
* ``SELECT``: collected, for ``fetchone``/``fetchall`` (one over ``information_schema``
  only is asked of the warehouse);
* ``DELETE FROM t WHERE c``: the view ``t`` without those rows, and (``t`` a warehouse
  table) the statement kept to replay on the warehouse;
* ``INSERT INTO t [BY NAME] q`` (or ``VALUES``): ``q``'s rows (cast to ``t``'s columns)
  appended to the view ``t`` and (``t`` a warehouse table) kept as the stage's output;
* ``CREATE MACRO f(…) AS expr``: kept, and each later call of ``f`` replaced by its
  body (:mod:`merchantry.spark.macros`);
* ``BEGIN``/``COMMIT``: nothing (the warehouse write is one transaction at the end).

A warehouse table a statement reads is exported to Parquet (or read from the
``--spark-tables`` directory) the first time it is needed. :meth:`SparkStatements.
write_back` then replays the deletes on the warehouse and loads the appended rows
there (Parquet written by Spark), inside the caller's transaction: the warehouse ends
with the rows the DuckDB stage would have left.

An ``arg_min``/``arg_max`` runs only after a query on the same rows found no ties
(:func:`merchantry.spark.portable.first_value_tie_checks`); with ties the run stops
naming them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Final, cast

import duckdb
import sqlglot
import sqlglot.errors
import sqlglot.expressions as exp

from merchantry.kit.errors import MerchantryError
from merchantry.spark import tables
from merchantry.spark.engine import SparkRunFailed, spark_failure
from merchantry.spark.legs import spark_macros
from merchantry.spark.macros import Macro, expand_macros, macro_of
from merchantry.spark.portable import (
    READ,
    WRITE,
    UnportableSQL,
    Value,
    bind,
    first_value_tie_checks,
    mark_first_values,
    portable,
    tables_read,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

IGNORED: Final = ("BEGIN", "COMMIT", "ROLLBACK")
"""Statements with nothing to do on Spark (the write-back is one transaction)."""


class TiesFound(MerchantryError):
    """``arg_min``/``arg_max`` met two different values at the same first row: DuckDB and
    Spark may each pick another one, so the stage cannot run on Spark with these data."""


@dataclass
class SparkStatements:
    """Runs DuckDB statements on a Spark session (see the module's documentation).

    Quacks like the part of ``duckdb.DuckDBPyConnection`` a stage uses (``execute``,
    ``fetchone``, ``fetchall``); :meth:`as_connection` hands it to the stage's
    functions typed as one.
    """

    spark: SparkSession
    warehouse: duckdb.DuckDBPyConnection
    scratch: Path
    where: str
    source: str | None = None
    """Parquet tables to read (``<source>/<table>``); None: export from ``warehouse``."""
    progress: Callable[[str], None] = lambda _step: None
    """Told each statement's kind and target before it runs."""
    views: set[str] = field(default_factory=set)
    """Temp tables and views the statements created (never exported)."""
    loaded: set[str] = field(default_factory=set)
    deletes: list[tuple[str, Any]] = field(default_factory=list)
    rewritten: set[str] = field(default_factory=set)
    """Warehouse tables a ``DELETE`` chose rows of by a Spark-only view: written back
    whole (their state on Spark) instead of replaying the statement."""
    appended: dict[str, list[DataFrame]] = field(default_factory=dict)
    macros: dict[str, Macro] = field(default_factory=spark_macros)
    """Scalar macros the statements defined (``CREATE MACRO``), expanded where called."""
    description: list[tuple[str]] | None = None
    """The last query's column names (as a DB-API cursor gives them)."""
    _rows: list[tuple[Any, ...]] = field(default_factory=list)
    _version: int = 0
    _parquet: set[str] = field(default_factory=set)
    """Tables whose state is a scan of Parquet (an export, a stored state, unions of
    those): an insert unions its rows with it. Any other state (a checkpointed temp
    table, a view) is stored whole on its first insert: a union of checkpointed frames
    can lose columns in Spark's optimiser, and a view's query would run again at every
    read."""

    row_ids: ClassVar[bool] = False
    """Spark's tables have no ``rowid``: the close's checks
    (:func:`merchantry.ledger.check.journal_mark`) find its entries by its key here."""

    def as_connection(self) -> duckdb.DuckDBPyConnection:
        """This runner where a stage function wants a DuckDB connection: it only calls
        ``execute`` and the fetches, which this class implements for Spark."""
        return cast("duckdb.DuckDBPyConnection", self)

    # --- the connection surface the stage uses --------------------------------------

    def execute(
        self, sql: str, params: Mapping[str, Value] | Sequence[Value] | None = None
    ) -> SparkStatements:
        text = sql.strip().rstrip(";").strip()
        if text.upper().split(maxsplit=1)[0] in IGNORED:
            return self
        try:
            trees = [t for t in sqlglot.parse(text, read=READ) if t is not None]
        except sqlglot.errors.ParseError:
            short = " ".join(text.split())[:120]
            problem = f"DuckDB-only syntax sqlglot cannot parse: {short}"
            raise UnportableSQL(self.where, [problem]) from None
        if len(trees) > 1:  # a script: each statement on its own (a DELETE replays alone)
            for one in trees:
                self.execute(one.sql(dialect=READ), params)
            return self
        if not trees:
            return self
        tree = trees[0]
        macro = macro_of(tree)
        if macro is not None:  # expanded into the statements that call it
            self.macros.setdefault(macro.name, macro)  # a Spark body (legs.py) comes first
            return self
        tree = expand_macros(tree, self.macros)
        bound = bind(tree, params if params is not None else {})
        target = bound.this if isinstance(bound, exp.Create | exp.Delete | exp.Insert) else None
        self.progress(f"{bound.key} {target.name if isinstance(target, exp.Table) else ''}")
        if isinstance(bound, exp.Create):
            self._create(bound)
        elif isinstance(bound, exp.Delete):
            self._delete(bound, sql, params)
        elif isinstance(bound, exp.Insert):
            self._insert(bound)
        elif isinstance(bound, exp.Query) and _catalog_only(bound):
            cursor = self.warehouse.execute(bound.sql(dialect=READ))
            self.description = [(d[0],) for d in cursor.description or ()]
            self._rows = cursor.fetchall()
        elif isinstance(bound, exp.Query):
            frame = self._frame(bound)
            self.description = [(name,) for name in frame.columns]
            self._rows = [tuple(r) for r in frame.collect()]
        else:
            raise UnportableSQL(self.where, [f"{bound.key.upper()} statements are not carried"])
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Value]]) -> SparkStatements:
        """``sql`` once per row of parameters (a stage's few fixed rows; each is a write)."""
        for row in rows:
            self.execute(sql, row)
        return self

    def register(self, name: str, table: Any) -> SparkStatements:
        """A stage's in-memory rows (an Arrow table) as the view ``name`` (through
        Parquet, which keeps the types, also of an empty table)."""
        import pyarrow.parquet as pq

        self._version += 1
        path = self.scratch / "registered" / f"{name}.{self._version}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(table, path)
        self.spark.read.parquet(str(path)).createOrReplaceTempView(name)
        self.views.add(name.lower())
        return self

    def unregister(self, name: str) -> SparkStatements:
        self.spark.catalog.dropTempView(name)
        self.views.discard(name.lower())
        return self

    def fetchone(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return list(self._rows)

    # --- statements -----------------------------------------------------------------

    def _star_replaced(self, tree: exp.Expr) -> exp.Expr:
        """Each ``[t.]* REPLACE (e AS c, …)`` (not Spark SQL) as the star's columns listed,
        ``c`` given its new value in its place: the columns are read from Spark's
        analysis of the same ``SELECT`` with the plain star (innermost first)."""
        tree = tree.copy()
        for select in reversed(list(tree.find_all(exp.Select))):
            listed: list[exp.Expr] = []
            changed = False
            for projection in select.expressions:
                star = projection.this if isinstance(projection, exp.Column) else projection
                if not isinstance(star, exp.Star) or not star.args.get("replace"):
                    listed.append(projection)
                    continue
                table = projection.table if isinstance(projection, exp.Column) else ""
                new = {a.alias.lower(): a for a in star.args["replace"]}
                probe = select.copy()
                plain = exp.Star()
                probe.set("expressions", [exp.Column(this=plain, table=table) if table else plain])
                probe.set("limit", exp.Limit(expression=exp.Literal.number(0)))
                for name in self._frame(probe).columns:
                    kept = new.get(name.lower())
                    column = exp.column(name, table=table or None, quoted=True)
                    listed.append(kept.copy() if kept is not None else column)
                changed = True
            if changed:
                select.set("expressions", listed)
        return tree

    def _sql(self, tree: exp.Expr) -> str:
        """Spark SQL for a query: carried (or refused), the tables it reads registered,
        its first-value ties checked on the data."""
        if any(s.args.get("replace") for s in tree.find_all(exp.Star)):
            tree = self._star_replaced(tree)
        checks = first_value_tie_checks(tree)
        carried = portable(mark_first_values(tree.copy()) if checks else tree, self.where)
        self._register(tables_read(carried))
        for seen, check in checks:
            query = portable(mark_first_values(check), self.where)
            self._register(tables_read(query))
            row = self._run(query.sql(dialect=WRITE)).collect()
            ties = int(row[0][0]) if row else 0
            if ties:
                raise TiesFound(
                    f"{self.where}: {ties:,} groups have two different values at the same "
                    f"first row of {seen}; DuckDB and Spark may pick different ones "
                    "(break the tie in the data or the statement)"
                )
        return carried.sql(dialect=WRITE)

    def _run(self, sql: str) -> DataFrame:
        try:
            return self.spark.sql(sql)
        except Exception as err:  # Py4J/PySpark errors share no base worth naming here
            raise spark_failure(self.where, err) from None

    def _frame(self, query: exp.Expr) -> DataFrame:
        return self._run(self._sql(query))

    def _create(self, tree: exp.Create) -> None:
        name = tree.this.name if isinstance(tree.this, exp.Table) else str(tree.this)
        query = tree.expression
        if query is None and isinstance(tree.this, exp.Schema):  # an empty table
            name = tree.this.this.name
            self.progress(f"create {name}")
            query = exp.select(
                *[
                    exp.alias_(exp.cast(exp.null(), c.args["kind"]), c.name)
                    for c in tree.this.expressions
                    if isinstance(c, exp.ColumnDef)
                ]
            ).where(exp.false())
        if not isinstance(query, exp.Query):
            raise UnportableSQL(self.where, [f"CREATE {name} without a query is not carried"])
        frame = self._frame(query)
        kind = str(tree.args.get("kind") or "").upper()
        if kind != "VIEW":
            frame = self._materialize(frame)
        frame.createOrReplaceTempView(name)
        self._parquet.discard(name.lower())
        self.views.add(name.lower())

    def _materialize(self, frame: DataFrame) -> DataFrame:
        """The frame computed once, its lineage cut (later plans stay small)."""
        try:
            return frame.localCheckpoint(eager=True)
        except Exception as err:  # the checkpoint runs the query
            raise spark_failure(self.where, err) from None

    def _stored(self, frame: DataFrame, table: str) -> DataFrame:
        """The frame written to scratch Parquet and read back: a table's new state.
        (A union of checkpointed frames can lose columns in Spark's optimiser,
        ``NoSuchElementException: key not found``; a cached one keeps its whole lineage,
        which Spark re-plans at every later statement.)"""
        self._version += 1
        path = str(self.scratch / "states" / f"{table}.{self._version}")
        try:
            frame.write.parquet(path)
        except Exception as err:  # the write runs the query
            raise spark_failure(self.where, err) from None
        return self.spark.read.parquet(path)

    def _delete(
        self, tree: exp.Delete, sql: str, params: Mapping[str, Value] | Sequence[Value] | None
    ) -> None:
        table = tree.this.name
        self._register((table,))
        condition = tree.args.get("where")
        if condition is not None:
            keep = exp.not_(exp.func("coalesce", exp.paren(condition.this.copy()), exp.false()))
            kept = exp.select(exp.Star()).from_(exp.to_table(table)).where(keep)
            self._replace(table, self._frame(kept))
        else:
            self._replace(table, self._frame(exp.select(exp.Star()).from_(table).where("FALSE")))
        if table.lower() in self.views:  # a temp table is not the warehouse's
            return
        read = {t.lower() for t in tables_read(condition)} if condition is not None else set()
        if read & self.views:  # the rows are chosen by Spark's own views: write t whole
            self.rewritten.add(table.lower())
        else:
            self.deletes.append((sql, params))

    def _insert(self, tree: exp.Insert) -> None:
        target = tree.this
        if isinstance(target, exp.Schema):
            raise UnportableSQL(self.where, ["INSERT with a column list is not carried"])
        table = target.name
        self._register((table,))
        query = tree.expression
        if isinstance(query, exp.Values):  # literal rows
            query = exp.select(exp.Star()).from_(query.copy())
        if not isinstance(query, exp.Query):
            raise UnportableSQL(self.where, [f"rows for table {table} given without a query"])
        rows = self._frame(query)
        current = self.spark.table(table)
        columns = current.schema.fields
        if tree.args.get("by_name"):
            from pyspark.sql.functions import col, lit

            given = {c.lower(): c for c in rows.columns}
            aligned = rows.select(
                *[
                    (col(given[f.name.lower()]) if f.name.lower() in given else lit(None))
                    .cast(f.dataType)
                    .alias(f.name)
                    for f in columns
                ]
            )
        else:
            if len(rows.columns) != len(columns):
                raise UnportableSQL(
                    self.where,
                    [f"{len(rows.columns)} values given for the {len(columns)} columns of {table}"],
                )
            from pyspark.sql.functions import col

            aligned = rows.toDF(*[f.name for f in columns]).select(
                *[col(f"`{f.name}`").cast(f.dataType).alias(f.name) for f in columns]
            )
        aligned = self._stored(aligned, table)
        if table.lower() not in self.views:  # a temp table's rows stay on Spark
            self.appended.setdefault(table, []).append(aligned)
        if table.lower() in self._parquet:
            # Both sides are Parquet scans: their union is the table's new state without
            # writing the whole table again (which doubled the work of every insert).
            current.unionByName(aligned).createOrReplaceTempView(table)
        else:
            self._replace(table, current.unionByName(aligned))

    def _replace(self, table: str, frame: DataFrame) -> None:
        self._stored(frame, table).createOrReplaceTempView(table)
        self._parquet.add(table.lower())

    # --- tables ---------------------------------------------------------------------

    def _register(self, names: Sequence[str]) -> None:
        wanted = [n for n in names if n.lower() not in self.views and n.lower() not in self.loaded]
        if not wanted:
            return
        root = self.source
        if root is None:
            root = str(self.scratch / "tables")
            tables.export(self.warehouse, wanted, Path(root))
        tables.register(self.spark, root, wanted)
        self.loaded |= {n.lower() for n in wanted}
        self._parquet |= {n.lower() for n in wanted}

    def write_back(self, out: str) -> dict[str, int]:
        """Replay the deletes on the warehouse, then load every table's appended rows
        (inside the caller's transaction); returns the rows loaded per table."""
        for sql, params in self.deletes:
            table = sqlglot.parse_one(sql, read=READ).this.name.lower()
            if table in self.rewritten:
                continue  # replaced whole below
            if params is None:
                self.warehouse.execute(sql)
            else:
                self.warehouse.execute(sql, params)
        loaded: dict[str, int] = {}
        outputs: dict[str, DataFrame] = {}
        for table, frames in self.appended.items():
            frame = frames[0]
            for more in frames[1:]:
                frame = frame.unionByName(more)
            outputs[table] = frame
        for table in self.rewritten:
            self.warehouse.execute(exp.delete(table).sql(dialect=READ))
            outputs[table] = self.spark.table(table)
        for table, frame in outputs.items():
            self._version += 1
            try:
                path = tables.write(frame, out, f"{table}.{self._version}")
            except Exception as err:  # the write runs the last statement
                raise SparkRunFailed(
                    f"Spark failed writing {table} for {self.where}: {err}"
                ) from None
            before = _count(self.warehouse, table)
            tables.load(self.warehouse, path, table, frame.columns)
            loaded[table] = _count(self.warehouse, table) - before
        return loaded


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(
        sqlglot.exp.select(exp.Count(this=exp.Star())).from_(table).sql(dialect=READ)
    ).fetchone()
    return int(row[0]) if row else 0


def _catalog_only(query: exp.Expr) -> bool:
    """A question about the warehouse's tables (``information_schema`` only): the
    warehouse answers it (which tables a stage may read is the warehouse's to say)."""
    found = list(query.find_all(exp.Table))
    return bool(found) and all(t.db.lower() == "information_schema" for t in found)
