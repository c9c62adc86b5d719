"""Checks on the Olist source rows themselves, before any join.

The Olist mapping joins seven files: an order's lines take its customer, its
payments are summed and shared among its items. A source row that is broken,
repeated or points nowhere would be multiplied or lost by those joins (a
repeated payment row adds money, a repeated order row doubles its lines, a
payment of an unknown order vanishes). So each raw ``_olist_<file>`` table is
checked here first, in order, and every row found is moved to
``_olist_rejects`` (file, row, column, reason, message) and out of the raw
table, so the joins see only good rows:

1. structure: what the CSV reader found (encoding, field count, a missing
   required column, a header separated by ``;``);
2. values the joins and keys rely on: key columns and required values present,
   ``order_status`` one of Olist's statuses (any case), ``order_item_id`` a whole
   number, the order's purchase and estimated delivery times readable;
3. duplicates: a row whose key already appeared earlier in the file (an exact
   repeat or a conflicting one; the first is kept);
4. orphans: an order whose customer, or an item, payment or review whose order,
   is not among the good rows of its parent file;
5. rows nothing uses (``no_sales``): products and sellers with no item, customers
   with no order. The model has nowhere to put them (a product is a SKU of the
   seller that sold it; a shop needs its main category), so they are not loaded,
   and counted.

The rejects reach the ``quarantine`` table with the Olist file stem as
``table_name``. ``docs/olist.md`` lists the rules.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.ingest.coerce import typed_value
from merchantry.ingest.olist_files import BY_KEY, FILES, ORDER_STATUSES, OlistFile
from merchantry.ingest.reason import Reason
from merchantry.model.schema import Column, ColumnType
from merchantry.store.sql import col, fill, text, to_sql

REJECTS: Final = "_olist_rejects"


def raw_name(f: OlistFile) -> str:
    return "_olist_" + f.key


CREATE_REJECTS: Final = """
CREATE OR REPLACE TEMP TABLE _olist_rejects (
  file_key VARCHAR, stem VARCHAR, _file INTEGER, _row BIGINT, _raw VARCHAR, row_key VARCHAR,
  column_name VARCHAR, reason VARCHAR, message VARCHAR, order_id VARCHAR
)
"""

_REJECT: Final = """
INSERT INTO _olist_rejects
SELECT p_file_key, p_stem, _file, _row, _raw, p_row_key, p_column, p_reason, p_message, p_order
FROM p_source
WHERE p_where
"""

_DROP_REJECTED: Final = """
DELETE FROM p_raw WHERE _row IN (SELECT _row FROM _olist_rejects WHERE file_key = p_file_key)
"""


def _row_key(f: OlistFile) -> exp.Expr:
    return exp.func("concat_ws", text(", "), *(col(c) for c in f.key_columns))


def _reject(
    con: duckdb.DuckDBPyConnection,
    f: OlistFile,
    where: str | exp.Expr,
    column: str | exp.Expr | None,
    reason: Reason | exp.Expr,
    message: exp.Expr,
    source: str | exp.Query | None = None,
    order: exp.Expr | None = None,
) -> None:
    """Move the rows of ``f`` (or of ``source``, a query over it) meeting ``where`` to the
    rejects, then out of the raw table. ``order``: the row's Olist order, when not its
    order column."""
    column_expr = (
        exp.null() if column is None else text(column) if isinstance(column, str) else column
    )
    subs = {
        "p_file_key": text(f.key),
        "p_stem": text(f.stem),
        "p_row_key": _row_key(f),
        "p_column": column_expr,
        "p_reason": text(reason.value) if isinstance(reason, Reason) else reason,
        "p_message": message,
        "p_order": order
        if order is not None
        else col(f.order_column)
        if f.order_column
        else exp.null(),
        "p_where": exp.condition(where) if isinstance(where, str) else where,
        "p_source": source if source is not None else raw_name(f),
    }
    con.execute(to_sql(fill(_REJECT, subs)))
    con.execute(to_sql(fill(_DROP_REJECTED, {"p_raw": raw_name(f), "p_file_key": text(f.key)})))


def _shown(name: str) -> exp.Expr:
    """``'value'`` of a column for a message, cut to 60 characters."""
    return exp.func(
        "concat", text("'"), exp.func("left", col(name), exp.Literal.number(60)), text("'")
    )


def _msg(*parts: str | exp.Expr) -> exp.Expr:
    return exp.func("concat", *(text(p) if isinstance(p, str) else p for p in parts))


_ORDER_IN_RAW: Final = """
CASE WHEN split_part(_raw, ',', 1) IN (SELECT order_id FROM _olist_orders WHERE _problem IS NULL)
     THEN split_part(_raw, ',', 1) END
"""
"""The Olist order of an item or payment row that could not be read (a truncated line): its
first field, as Kaggle lays the file out, when that is an order of the orders file. The order's
payment then cannot be told, and its lines say so instead of silently missing the row's money."""


def check_structure(con: duckdb.DuckDBPyConnection, f: OlistFile) -> None:
    """What the reader found: broken encoding, wrong field count, a missing column."""
    order: exp.Expr | None = None
    if f.key in ("items", "payments"):
        order = exp.maybe_parse(_ORDER_IN_RAW, dialect="duckdb")
    _reject(
        con, f, "_problem IS NOT NULL", col("_column"), col("_problem"), col("_detail"), order=order
    )


def check_required_values(con: duckdb.DuckDBPyConnection, f: OlistFile) -> None:
    """An empty key column (the row cannot be matched), or an empty value the mapping needs."""
    needed = dict.fromkeys([*f.key_columns, *_VALUES_NEEDED.get(f.key, ())])
    for name in needed:
        _reject(
            con,
            f,
            exp.Is(this=col(name), expression=exp.null()),
            name,
            Reason.NULL_VALUE,
            _msg(f"{name} is required but empty"),
        )


_VALUES_NEEDED: Final[dict[str, tuple[str, ...]]] = {
    "orders": ("customer_id", "order_status", "order_purchase_timestamp"),
    "items": ("product_id", "seller_id"),
}
"""Values without which a row cannot be mapped, besides the key."""

_TIMESTAMP = Column("t", ColumnType.TIMESTAMP, "")

_TIMES_CHECKED: Final[dict[str, tuple[str, ...]]] = {
    "orders": ("order_purchase_timestamp", "order_estimated_delivery_date"),
}
"""Times of the orders file that every line of the order carries: a bad one is the orders
row's problem (named there), not its items'."""


def check_values(con: duckdb.DuckDBPyConnection, f: OlistFile) -> None:
    """Status, item number and the order's own times, where the file has them."""
    if f.key == "orders":
        # a status in another case is Olist's status: read it in lower case
        con.execute(
            to_sql(
                fill(
                    "UPDATE _olist_orders SET order_status = lower(trim(order_status)) "
                    "WHERE lower(trim(order_status)) IN p_statuses",
                    {"p_statuses": exp.Tuple(expressions=[text(s) for s in ORDER_STATUSES])},
                )
            )
        )
        allowed = exp.In(this=col("order_status"), expressions=[text(s) for s in ORDER_STATUSES])
        _reject(
            con,
            f,
            exp.Not(this=allowed),
            "order_status",
            Reason.BAD_CHOICE,
            _msg(
                "order_status ",
                _shown("order_status"),
                " is not one of Olist's statuses: " + ", ".join(ORDER_STATUSES),
            ),
        )
    if f.key == "items":
        _reject(
            con,
            f,
            "NOT regexp_full_match(order_item_id, '[1-9][0-9]*')",
            "order_item_id",
            Reason.BAD_INTEGER,
            _msg(
                "order_item_id ",
                _shown("order_item_id"),
                " is not a whole number from 1 (Olist numbers an order's items 1, 2, 3...)",
            ),
        )
    for name in _TIMES_CHECKED.get(f.key, ()):
        typed = typed_value(_TIMESTAMP, col(name))
        bad = exp.and_(
            exp.Not(this=exp.Is(this=col(name), expression=exp.null())),
            exp.Is(this=typed, expression=exp.null()),
        )
        _reject(
            con,
            f,
            bad,
            name,
            Reason.BAD_TIMESTAMP,
            _msg(
                f"{name} ",
                _shown(name),
                " is not a time written YYYY-MM-DD HH:MM:SS (as Olist writes it)",
            ),
        )
        normal = exp.func("strftime", typed_value(_TIMESTAMP, col(name)), text("%Y-%m-%d %H:%M:%S"))
        present = exp.Not(this=exp.Is(this=col(name), expression=exp.null()))
        con.execute(to_sql(exp.update(raw_name(f), {name: normal}, where=present)))


_DUPLICATES: Final = """
SELECT *,
  row_number() OVER (PARTITION BY p_keys ORDER BY _row) AS _rn,
  first_value(_row) OVER (PARTITION BY p_keys ORDER BY _row) AS _first_row,
  CAST(list_value(p_values) AS VARCHAR) IS NOT DISTINCT FROM
    first_value(CAST(list_value(p_values) AS VARCHAR)) OVER (PARTITION BY p_keys ORDER BY _row)
    AS _exact
FROM p_raw
"""


def check_duplicates(con: duckdb.DuckDBPyConnection, f: OlistFile) -> None:
    """A key seen on an earlier row of the file: the first row is kept, the repeat is
    quarantined before any join can multiply it."""
    ranked = fill(
        _DUPLICATES,
        {
            "p_keys": [col(c) for c in f.key_columns],
            "p_values": [col(c) for c in f.header],
            "p_raw": raw_name(f),
        },
    )
    assert isinstance(ranked, exp.Query)
    keys = ", ".join(f.key_columns)
    first = exp.cast(col("_first_row"), "VARCHAR")
    message = exp.Case(
        ifs=[
            exp.If(
                this=col("_exact"),
                true=_msg(
                    "an exact duplicate of row ",
                    first,
                    f" of {f.stem} (same {keys}, same values): the first is kept, the repeat "
                    "is not counted twice",
                ),
            )
        ],
        default=_msg(
            f"{keys} ",
            _row_key(f),
            " already appears at row ",
            first,
            f" of {f.stem} with other values: the first is kept",
        ),
    )
    source = exp.select("*").from_(ranked.subquery("d"))
    _reject(con, f, "_rn > 1", f.key_columns[0], Reason.DUPLICATE_IN_FILE, message, source)


_ORPHANS: Final = """
SELECT c.*, r._row AS _parent_row, r.reason AS _parent_reason
FROM p_raw AS c
LEFT JOIN (
  SELECT row_key, min(_row) AS _row, arg_min(reason, _row) AS reason FROM _olist_rejects
  WHERE file_key = p_parent_key GROUP BY row_key
) AS r ON r.row_key = c.p_column
WHERE c.p_column NOT IN (SELECT p_parent_column FROM p_parent WHERE p_parent_column IS NOT NULL)
"""

_PARENTS: Final[dict[str, tuple[str, str, str]]] = {
    "orders": ("customer_id", "customers", "customer_id"),
    "items": ("order_id", "orders", "order_id"),
    "payments": ("order_id", "orders", "order_id"),
    "reviews": ("order_id", "orders", "order_id"),
}
"""File -> (column, parent file, parent column): a row whose parent is not a good row."""


def check_orphans(con: duckdb.DuckDBPyConnection, f: OlistFile) -> None:
    """A row whose parent (an order's customer; an item's, payment's or review's order) is
    not in the parent file, or was quarantined there (named with its row and reason)."""
    if f.key not in _PARENTS:
        return
    column, parent_key, parent_column = _PARENTS[f.key]
    parent = BY_KEY[parent_key]
    source = fill(
        _ORPHANS,
        {
            "p_raw": raw_name(f),
            "p_column": column,
            "p_parent_key": text(parent_key),
            "p_parent": raw_name(parent),
            "p_parent_column": parent_column,
        },
    )
    assert isinstance(source, exp.Query)
    message = exp.Case(
        ifs=[
            exp.If(
                this=exp.Not(this=exp.Is(this=col("_parent_row"), expression=exp.null())),
                true=_msg(
                    f"{column} ",
                    _shown(column),
                    " is on row ",
                    exp.cast(col("_parent_row"), "VARCHAR"),
                    f" of {parent.stem}, which was quarantined (",
                    col("_parent_reason"),
                    ")",
                ),
            )
        ],
        default=_msg(f"{column} ", _shown(column), f" is not in {parent.stem}"),
    )
    _reject(
        con,
        f,
        "TRUE",
        column,
        Reason.MISSING_REFERENCE,
        message,
        exp.select("*").from_(source.subquery("o")),
    )


_UNUSED: Final[dict[str, tuple[str, str, str, str]]] = {
    "products": ("product_id", "items", "product_id", "no order item sells it"),
    "sellers": ("seller_id", "items", "seller_id", "it sold no order item"),
    "customers": ("customer_id", "orders", "customer_id", "no order is theirs"),
}


def check_unused(con: duckdb.DuckDBPyConnection, f: OlistFile) -> None:
    """A product, seller or customer no good item or order uses: not loaded, counted."""
    if f.key not in _UNUSED:
        return
    column, user_key, user_column, why = _UNUSED[f.key]
    user = BY_KEY[user_key]
    where = fill(
        "p_column NOT IN (SELECT p_user_column FROM p_user WHERE p_user_column IS NOT NULL)",
        {"p_column": column, "p_user_column": user_column, "p_user": raw_name(user)},
    )
    _reject(
        con,
        f,
        where,
        column,
        Reason.NO_SALES,
        _msg(
            f"{column} ",
            _shown(column),
            f" is not loaded: {why} in {user.stem} "
            "(among its rows read without a problem), and the model has no place for it alone",
        ),
    )


SOURCE_CHECKS: Final = (
    check_structure,
    check_required_values,
    check_values,
    check_duplicates,
    check_orphans,
    check_unused,
)
"""In this order, each over every file (in :data:`FILES` order) before the next."""


def check_sources(con: duckdb.DuckDBPyConnection, files: Sequence[OlistFile] = FILES) -> None:
    """Run every source check, leaving the good rows in the raw tables and the others in
    ``_olist_rejects``."""
    con.execute(CREATE_REJECTS)
    for check in SOURCE_CHECKS:
        for f in files:
            check(con, f)


_TO_QUARANTINE: Final = """
INSERT INTO quarantine
SELECT $ingest_id, s.path, r.stem, r._row, r.row_key, r.column_name, r.reason, r.message, r._raw
FROM _olist_rejects AS r JOIN _ingest_sources AS s ON s.file_no = r._file
"""


def quarantine_rejects(con: duckdb.DuckDBPyConnection, ingest_id: str) -> None:
    """Write the rejected source rows to ``quarantine``, table name = the Olist file stem."""
    con.execute(_TO_QUARANTINE, {"ingest_id": ingest_id})
