"""Open the warehouse, create its tables, run work in one transaction.

DDL is built as sqlglot expressions from the table declarations, never by
gluing strings.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import duckdb
import sqlglot
import sqlglot.expressions as exp

from merchantry.kit.errors import Busy, InputError
from merchantry.kit.settings import (
    DEFAULT_MARKETPLACE,
    Marketplace,
    currency,
    time_zone,
    use_marketplace,
)
from merchantry.model.outputs import ANCHORED_KINDS, APART_KEY_PREFIXES, OUTPUT_TABLES
from merchantry.model.schema import Table
from merchantry.model.system import SYSTEM_TABLES
from merchantry.model.tables import TABLES
from merchantry.model.views import VIEWS, View
from merchantry.store.sql import fill_sql

log = logging.getLogger("merchantry.store.warehouse")

DEFAULT_DB = Path("merchantry.duckdb")

DECLARED_TABLES: Final[tuple[Table, ...]] = (*TABLES, *OUTPUT_TABLES, *SYSTEM_TABLES)
"""Every table the warehouse declares: the events, the stages' outputs, the system's."""
DIALECT = "duckdb"


class WarehouseLocked(Busy):
    """Another process holds the warehouse file (DuckDB allows one writer)."""

    def __init__(self, path: Path | str, pid: int | None, holder: str) -> None:
        self.path = Path(path)
        self.pid = pid
        self.holder = holder
        who = f"process {pid}" if pid is not None else "another process"
        if holder:
            who += f" ({holder})"
        super().__init__(
            f"the warehouse {path} is in use by {who}: DuckDB lets one process write a "
            "warehouse file at a time. Wait for it to finish, or read the last published "
            "snapshot (see docs/architecture.md, 'One writer, published snapshots')."
        )


_LOCK_PID = re.compile(r"Conflicting lock is held in (?P<program>.*?) \(PID (?P<pid>\d+)\)")


QUERY_INTERRUPTED: Final = "Query interrupted"
"""What DuckDB's Python binding raises, as a plain ``RuntimeError``, when Ctrl-C (SIGINT)
arrives while a statement runs; ``connection.interrupt()`` raises ``InterruptException``."""


def interrupted(err: BaseException) -> bool:
    """Whether ``err`` is the user stopping the run (Ctrl-C), in Python or inside DuckDB."""
    if isinstance(err, KeyboardInterrupt | duckdb.InterruptException):
        return True
    return isinstance(err, RuntimeError) and str(err) == QUERY_INTERRUPTED


def process_command_line(pid: int) -> str:
    """A process's command line from ``/proc`` (empty when it cannot be read)."""
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return ""
    return " ".join(part.decode("utf-8", "replace") for part in raw.split(b"\0") if part)


def lock_error(path: Path | str, err: duckdb.Error) -> WarehouseLocked | None:
    """The :class:`WarehouseLocked` for DuckDB's lock error (``None`` for other errors)."""
    text = str(err)
    if "Could not set lock on file" not in text:
        return None
    found = _LOCK_PID.search(text)
    if found is None:
        return WarehouseLocked(path, None, "")
    pid = int(found["pid"])
    return WarehouseLocked(path, pid, process_command_line(pid) or found["program"])


MEMORY_ENV: Final = "MERCHANTRY_MEMORY_LIMIT"
THREADS_ENV: Final = "MERCHANTRY_THREADS"
TEMP_ENV: Final = "MERCHANTRY_TEMP_DIR"
VACUUM_ENV: Final = "MERCHANTRY_VACUUM_TASKS"
DEFAULT_MEMORY_LIMIT: Final = "8GiB"
"""Fits the 24 GiB, 2-core reference machine with room for the OS and a second process."""

_SIZE = re.compile(r"^\s*\d+(\.\d+)?\s*(B|[KMGT]i?B)\s*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Resources:
    """What one warehouse connection may use: DuckDB's ``memory_limit`` (beyond it, operators
    that can spill write to ``temp_directory``; those that cannot fail with an out-of-memory
    error), its worker ``threads`` (``None``: one per core) and where it spills (``None``:
    DuckDB's default, ``<warehouse>.tmp`` next to the file)."""

    memory_limit: str = DEFAULT_MEMORY_LIMIT
    threads: int | None = None
    temp_directory: Path | None = None
    vacuum_tasks: int | None = None
    """DuckDB's ``max_vacuum_tasks``: how many merges of row groups (dropping deleted rows,
    joining the part-filled groups each day's appends leave) one checkpoint may do (``None``:
    DuckDB's default, except that the daily close holds the merges back to a month's last day,
    :func:`merges_at_month_end`). Set, it holds for every checkpoint of every stage."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Resources:
        """The settings from ``MERCHANTRY_MEMORY_LIMIT`` (e.g. ``8GiB``, ``512MB``),
        ``MERCHANTRY_THREADS``, ``MERCHANTRY_TEMP_DIR`` and ``MERCHANTRY_VACUUM_TASKS``; unset
        ones take the defaults.
        A malformed value is refused naming the variable."""
        env = os.environ if env is None else env
        memory = env.get(MEMORY_ENV, "").strip() or DEFAULT_MEMORY_LIMIT
        if not _SIZE.match(memory):
            raise InputError(
                f"{MEMORY_ENV}={memory!r} is not a size: give a number and a unit, "
                "e.g. 8GiB, 6GB or 512MB"
            )
        threads_text = env.get(THREADS_ENV, "").strip()
        threads: int | None = None
        if threads_text:
            if not threads_text.isdigit() or int(threads_text) < 1:
                raise InputError(f"{THREADS_ENV}={threads_text!r} is not a whole number ≥ 1")
            threads = int(threads_text)
        temp = env.get(TEMP_ENV, "").strip()
        vacuum_text = env.get(VACUUM_ENV, "").strip()
        vacuum: int | None = None
        if vacuum_text:
            if not vacuum_text.isdigit():
                raise InputError(f"{VACUUM_ENV}={vacuum_text!r} is not a whole number ≥ 0")
            vacuum = int(vacuum_text)
        return cls(memory, threads, Path(temp) if temp else None, vacuum)


def apply_resources(con: duckdb.DuckDBPyConnection, resources: Resources | None = None) -> None:
    """Bound ``con`` by ``resources`` (default: :meth:`Resources.from_env`): every stage opens
    the warehouse through :func:`connect`, so every stage runs under these limits."""
    res = resources or Resources.from_env()
    con.execute("SET memory_limit = ?", [res.memory_limit.replace(" ", "")])
    if res.threads is not None:
        con.execute("SET threads = ?", [res.threads])
    if res.temp_directory is not None:
        res.temp_directory.mkdir(parents=True, exist_ok=True)
        con.execute("SET temp_directory = ?", [str(res.temp_directory)])
    if res.vacuum_tasks is not None:
        con.execute("SET max_vacuum_tasks = ?", [res.vacuum_tasks])


@contextmanager
def merges_at_month_end(con: duckdb.DuckDBPyConnection, *, month_end: bool) -> Iterator[None]:
    """Hold back DuckDB's merging of row groups for one day's close unless it closes the last
    day of a month: a checkpoint (at the close's commit) then merges nothing on other days
    and, on the month's last day, merges the month's part-filled groups (each day's append
    leaves one) and the payout rows replaced over it in one go, as DuckDB's default does.

    Merged every day, the same rows are rewritten day after day as the part-filled groups
    fill: a year of 12 M orders closed day by day cost 1,825 CPU s that way and 1,539 merged
    at month ends, the file the same size (docs/performance.md, round of 2026-12-05 12:20).
    Never merged, the tables keep a row group per day and the payout rows the close deletes
    (9% more file over that year). This does nothing when the operator set
    ``MERCHANTRY_VACUUM_TASKS`` (:class:`Resources`: that value holds every day). Afterwards
    DuckDB's own setting is back. Anything that runs statements on a DuckDB connection gets
    the same (a profiler's proxy timing each statement included: exempted, its closes merged
    every day at the commit, which cost 3.6–4.3 CPU s of a 1 M-order month's March 15th and
    once passed for the close's own cost; docs/performance.md, round of 2026-12-07 05:35).

    The close's commit checkpoints whatever the day's size (``checkpoint_threshold`` 0 for
    the day, then as it was): a small day's write-ahead log stays below DuckDB's threshold,
    and its checkpoint came when the warehouse was closed, after this setting was reset, so a
    daily job of a process a day merged the month's row groups every day anyway. Whatever a
    commit leaves in the log, the warehouse's closing still checkpoints, as before."""
    if Resources.from_env().vacuum_tasks is not None:
        yield
        return
    [(threshold,)] = con.execute("SELECT current_setting('checkpoint_threshold')").fetchall()
    if not month_end:
        con.execute("SET max_vacuum_tasks = 0")
    con.execute("SET checkpoint_threshold = '0B'")
    try:
        yield
    finally:
        con.execute("RESET max_vacuum_tasks")
        con.execute("SET checkpoint_threshold = ?", [threshold])


_SHOWN_SIZE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([KMGTPE]?i?B|bytes)\s*$", re.IGNORECASE)
_UNIT_POWER = {"": 0, "K": 1, "M": 2, "G": 3, "T": 4, "P": 5, "E": 6}


def memory_limit_bytes(con: duckdb.DuckDBPyConnection) -> int:
    """The connection's ``memory_limit`` in bytes, read back from DuckDB (which shows it as,
    e.g., ``5.5 GiB`` for ``6GB``: one decimal, cut rather than rounded, so up to 2% below
    what was set). A stage that sizes its batches by it follows whatever limit the connection
    runs under."""
    row = con.execute("SELECT current_setting('memory_limit')").fetchone()
    shown = str(row[0]) if row else ""
    found = _SHOWN_SIZE.match(shown)
    if found is None:
        raise ValueError(f"DuckDB showed its memory_limit as {shown!r}, not a size")
    number, unit = float(found.group(1)), found.group(2).upper()
    prefix = "" if unit in ("B", "BYTES") else unit[0]
    base = 1024 if "I" in unit[1:] else 1000
    return int(number * base ** _UNIT_POWER[prefix])


def out_of_memory(err: BaseException) -> str | None:
    """What to tell a user whose statement ran out of memory under the limit (``None`` for
    any other error): the limit in force, DuckDB's own first line, and what to change."""
    if not isinstance(err, duckdb.OutOfMemoryException):
        return None
    limit = os.environ.get(MEMORY_ENV, "").strip() or f"{DEFAULT_MEMORY_LIMIT} (the default)"
    first = str(err).splitlines()[0] if str(err) else type(err).__name__
    return (
        f"out of memory under {MEMORY_ENV}={limit}: {first}. DuckDB spills sorts, joins and "
        f"aggregates to disk beyond the limit, but this statement needed more: raise "
        f"{MEMORY_ENV} (e.g. 8GiB), or set {THREADS_ENV}=1 so fewer threads hold memory at once"
    )


def connect(
    path: Path | str = DEFAULT_DB,
    *,
    read_only: bool = False,
    resources: Resources | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open (creating if needed) the warehouse file and make sure its tables exist.

    The connection is bounded by ``resources`` (default: the ``MERCHANTRY_MEMORY_LIMIT``,
    ``MERCHANTRY_THREADS`` and ``MERCHANTRY_TEMP_DIR`` settings; see :class:`Resources`).

    Raises :class:`WarehouseLocked`, naming the process that holds the file and its
    command line, when another process has it open for writing (or, for a writer,
    open at all).
    """
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as err:
        locked = lock_error(path, err)
        if locked is None:
            raise
        raise locked from None
    try:
        apply_resources(con, resources)
    except BaseException:
        con.close()
        raise
    if not read_only:
        ensure_schema(con)
    else:
        derive_missing(con)
    use_marketplace(read_marketplace(con))
    return con


def derive_missing(con: duckdb.DuckDBPyConnection) -> None:
    """On a read-only connection, a temporary view for each :data:`DERIVED` table the
    warehouse does not have yet (it was made before the table existed) over a source it has
    (none when the source lacks a column the query reads: a file older still, which only
    opening it for writing brings up to date)."""
    for name, (source, query) in DERIVED.items():
        if not table_exists(con, name) and table_exists(con, source):
            view = exp.Create(
                this=exp.to_table(name),
                kind="VIEW",
                expression=sqlglot.parse_one(query, read=DIALECT),
                replace=True,
                properties=exp.Properties(expressions=[exp.TemporaryProperty()]),
            )
            try:
                con.execute(view.sql(dialect=DIALECT))
            except duckdb.BinderException:
                continue  # its source lacks a column it reads (declared later): no view


def read_marketplace(con: duckdb.DuckDBPyConnection) -> Marketplace:
    """The marketplace the warehouse holds (its ``marketplace`` row): currency and time zone.

    No row (or no table yet) is the default Chinese marketplace; two rows mean two
    marketplaces were mixed in one warehouse, which is refused with both named.
    """
    if not table_exists(con, "marketplace"):
        return DEFAULT_MARKETPLACE
    rows = con.execute(
        "SELECT marketplace_id, name, currency, time_zone FROM marketplace ORDER BY 1"
    ).fetchall()
    if not rows:
        return DEFAULT_MARKETPLACE
    if len(rows) > 1:
        held = ", ".join(f"{m} ({c}, {z})" for m, _n, c, z in rows)
        raise InputError(
            f"the warehouse holds {len(rows)} marketplaces ({held}); one warehouse holds one "
            "marketplace, so its amounts share one currency and its times one zone"
        )
    marketplace_id, name, code, zone = rows[0]
    time_zone(str(zone))  # a zone this system does not know is refused here, by name
    return Marketplace(str(marketplace_id), str(name), currency(str(code)), str(zone))


@functools.lru_cache(maxsize=1024)
def create_table_sql(
    table: Table, *, name: str | None = None, if_not_exists: bool = True, replace: bool = False
) -> str:
    """``CREATE TABLE`` for a declared table (primary key included); ``replace``: ``CREATE OR
    REPLACE``, for a table a run rewrites whole. Cached: the tables are declared once, and
    building the statements through sqlglot cost a new warehouse 0.2 s of its 0.3 s."""
    columns: list[exp.Expression] = [
        exp.ColumnDef(
            this=exp.to_identifier(col.name, quoted=True),
            kind=exp.DataType.build(col.sql_type, dialect=DIALECT),
        )
        for col in table.columns
    ]
    if table.primary_key and table.index_key:  # a log (quarantine) has no key
        columns.append(
            exp.PrimaryKey(
                expressions=[exp.to_identifier(k, quoted=True) for k in table.primary_key]
            )
        )
    create = exp.Create(
        this=exp.Schema(this=exp.to_table(name or table.name), expressions=columns),
        kind="TABLE",
        exists=if_not_exists and not replace,
        replace=replace,
    )
    return create.sql(dialect=DIALECT)


def create_view_sql(view: View) -> str:
    """``CREATE OR REPLACE VIEW`` for a declared view, built through sqlglot."""
    create = exp.Create(
        this=exp.to_table(view.name),
        kind="VIEW",
        replace=True,
        expression=sqlglot.parse_one(view.select, dialect=DIALECT),
    )
    return create.sql(dialect=DIALECT)


@functools.cache
def _view_statement(view: View) -> str:
    return create_view_sql(view)


def _add_new_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Give a warehouse made before a column was declared that column: a nullable one empty,
    one derived from other stored columns (:data:`DERIVED_COLUMNS`) filled by its query.

    E.g. ``orders.ship_by_at``: an older file keeps its rows, which simply have no promise;
    ``fee_lines.paid_on``: each older line gets its order's payment day.
    """
    present: dict[str, set[str]] = {}
    for table_name, column_name in con.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema()"
    ).fetchall():
        present.setdefault(str(table_name), set()).add(str(column_name))
    for table in DECLARED_TABLES:
        for col in table.columns:
            fill = DERIVED_COLUMNS.get((table.name, col.name))
            if col.name in present.get(table.name, {col.name}) or (not col.nullable and not fill):
                continue
            alter = exp.Alter(
                this=exp.to_table(table.name),
                kind="TABLE",
                actions=[
                    exp.ColumnDef(
                        this=exp.to_identifier(col.name, quoted=True),
                        kind=exp.DataType.build(col.sql_type, dialect=DIALECT),
                    )
                ],
            )
            if not fill:
                con.execute(alter.sql(dialect=DIALECT))
                continue
            # once per warehouse, over every row of the table: say so before the wait
            log.warning(
                "filling %s.%s for the rows stored before it existed (once; a large "
                "warehouse takes a while)",
                table.name,
                col.name,
            )
            # the column and its values in one transaction: stopped halfway (Ctrl-C, a
            # kill), the file keeps neither, and the next open fills it again rather than
            # keep a column whose older rows were never filled
            with transaction(con):
                con.execute(alter.sql(dialect=DIALECT))
                con.execute(fill)


def by_a_period_close(column: str = "close_key") -> exp.Expr:
    """``column`` is the key of a period's close, not of entries posted apart from one
    (:data:`~merchantry.model.outputs.APART_KEY_PREFIXES`; none holds a ``LIKE`` wildcard)."""
    name = exp.column(column)
    return exp.not_(exp.or_(*(name.like(exp.Literal.string(f"{p}%")) for p in APART_KEY_PREFIXES)))


UNDATED_ENTRIES: Final = fill_sql(
    "SELECT e.entry_id, e.logical_key, e.kind FROM journal_entries AS e"
    " WHERE e.order_paid_on IS NULL AND (list_contains(p_kinds, e.kind)"
    " OR (e.kind = 'reversal' AND e.reverses IN (SELECT entry_id FROM journal_entries"
    " WHERE order_paid_on IS NULL AND list_contains(p_kinds, kind))))",
    p_kinds=exp.convert(sorted(ANCHORED_KINDS)),
)
"""The entries ``journal_undated`` indexes (:data:`~merchantry.model.outputs.JOURNAL_UNDATED`):
those of the :data:`~merchantry.model.outputs.ANCHORED_KINDS` that carry no payment day, and
the reversals of them (a reversal carries the day of the entry it reverses)."""


DAYLESS_ENTRIES: Final = (
    "SELECT entry_id, logical_key, kind, booked_on, rulebook, signature, reverses"
    " FROM journal_entries WHERE order_paid_on IS NULL"
)
"""The entries ``journal_dayless`` holds the header of
(:data:`~merchantry.model.outputs.JOURNAL_DAYLESS`): every one without a payment day."""

DERIVED: Final[Mapping[str, tuple[str, str]]] = {
    "journal_movements": (
        "journal_postings",
        "SELECT account, party, booked_on, entry_kind, sum(amount_fen) AS amount_fen, "
        "count(*) AS postings FROM journal_postings "
        "GROUP BY account, party, booked_on, entry_kind",
    ),
    # no month's opening balances yet is a true state (a balance then sums every movement;
    # the first close that needs a month's makes them), so an older warehouse gets none
    "journal_balances": (
        "journal_movements",
        "SELECT account, party, CAST(NULL AS DATE) AS as_of, amount_fen, "
        "CAST(NULL AS DATE) AS last_on, CAST(NULL AS BOOLEAN) AS opening "
        "FROM journal_movements WHERE FALSE",
    ),
    # each shop with up to two of the closes that posted it (the first and last key: two
    # distinct ones whenever there are two or more), as the close keeps it
    "journal_shops": (
        "journal_entries",
        fill_sql(
            "SELECT shop_id, unnest(list_distinct([min(close_key), max(close_key)])) AS close_key"
            " FROM journal_entries WHERE shop_id IS NOT NULL AND close_key IS NOT NULL"
            " AND p_by_a_close GROUP BY shop_id",
            p_by_a_close=by_a_period_close(),
        ),
    ),
    # the entries of anchored kinds without a payment day, and their reversals
    "journal_undated": ("journal_entries", UNDATED_ENTRIES),
    # the header of every entry without a payment day
    "journal_dayless": ("journal_entries", DAYLESS_ENTRIES),
}
"""Tables derived from another one: the table each is derived from, and the query that
derives it. A warehouse made before such a table existed gets it filled by that query when
first opened for writing (:func:`ensure_schema`), so the derived rows always agree with
their source; opened read-only, it reads a temporary view of the same query instead
(:func:`connect`), slower but the same answer (``journal_movements``: the postings by day)."""


DERIVED_STALE: Final[Mapping[str, exp.Expr]] = {
    # until 2026-12-06 the index held the keys of entries posted apart from a close too
    "journal_shops": exp.not_(by_a_period_close()),
}
"""Rows an older version of a :data:`DERIVED` table held that the current one never does:
a warehouse holding any gets the table derived again from its source when opened for
writing (:func:`ensure_schema`; once, since the rows it derives have none)."""

DERIVED_COLUMNS: Final[Mapping[tuple[str, str], str]] = {
    ("fee_lines", "paid_on"): (
        "UPDATE fee_lines SET paid_on = CAST(o.paid_at AS DATE) FROM orders AS o "
        "WHERE o.order_id = fee_lines.order_id"
    ),
    ("journal_entries", "order_paid_on"): ";".join(
        (
            fill_sql(
                "UPDATE journal_entries SET order_paid_on = CAST(o.paid_at AS DATE)"
                " FROM orders AS o WHERE o.order_id = journal_entries.order_id"
                " AND list_contains(p_kinds, journal_entries.kind)",
                p_kinds=exp.convert(sorted(ANCHORED_KINDS)),
            ),
            "UPDATE journal_entries SET order_paid_on = r.order_paid_on"
            " FROM journal_entries AS r WHERE r.entry_id = journal_entries.reverses",
        )
    ),
    ("journal_postings", "order_paid_on"): (
        "UPDATE journal_postings SET order_paid_on = e.order_paid_on FROM journal_entries AS e "
        "WHERE e.entry_id = journal_postings.entry_id AND e.order_paid_on IS NOT NULL"
    ),
}
"""Columns declared after warehouses had rows, whose values follow from rows already stored:
the statement that fills each when it is added (``fee_lines.paid_on``: the line's order's
payment day, what the fee stage writes on every new line; orders never change once stored;
``journal_entries.order_paid_on``: the same day on the :data:`ANCHORED_KINDS`, as the close
writes it, and a reversal the reversed entry's; ``journal_postings.order_paid_on``: its
entry's, so the entries are filled first, as :data:`DECLARED_TABLES` lists them)."""


def _derive(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Fill the :data:`DERIVED` table ``name`` from its source."""
    body = sqlglot.parse_one(DERIVED[name][1], read=DIALECT)
    assert isinstance(body, exp.Select)
    columns = [exp.to_identifier(c, quoted=True) for c in body.named_selects]
    fill = exp.insert(body, exp.to_table(name), columns=columns)
    con.execute(fill.sql(dialect=DIALECT))


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    """Create every declared event, output and system table that does not exist yet,
    and (re)create the declared views over them."""
    present = {
        str(row[0])
        for row in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE NOT temporary "
            "AND database_name = current_database() AND schema_name = current_schema()"
        ).fetchall()
    }
    # only the missing ones: generating ~50 statements through sqlglot costs about a
    # second on this machine, which every daily close paid, even one with nothing to do
    derived = []  # made after the columns are added: a query may read one of them
    for table in DECLARED_TABLES:
        if table.name not in present:
            if DERIVED.get(table.name, ("", ""))[0] in present:
                derived.append(table)  # from rows this warehouse already holds
            else:
                con.execute(create_table_sql(table))
    for name, stale in DERIVED_STALE.items():
        held = exp.select("1").from_(exp.to_table(name)).where(stale).limit(1)
        if name in present and con.execute(held.sql(dialect=DIALECT)).fetchone():
            with transaction(con):  # ensure_schema runs outside any caller's transaction
                con.execute(exp.delete(exp.to_table(name)).sql(dialect=DIALECT))
                _derive(con, name)
    if present:  # tables made just now have every declared column already
        _add_new_columns(con)
    for table in derived:  # made and filled at once: stopped halfway, the next open does both
        with transaction(con):
            con.execute(create_table_sql(table))
            _derive(con, table.name)
    stored = dict(
        con.execute(
            "SELECT view_name, comment FROM duckdb_views() WHERE NOT internal AND schema_name = "
            "current_schema()"
        ).fetchall()
    )
    for view in VIEWS:
        statement = _view_statement(view)
        digest = hashlib.sha256(statement.encode()).hexdigest()[:16]
        if stored.get(view.name) == digest:
            continue  # unchanged: replacing it would be a needless catalog write
        con.execute(statement)
        comment = exp.Comment(
            this=exp.to_table(view.name), kind="VIEW", expression=exp.Literal.string(digest)
        )
        con.execute(comment.sql(dialect=DIALECT))


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[duckdb.DuckDBPyConnection]:
    """Run a block atomically: everything commits, or nothing does.

    A process killed inside the block leaves the file as it was before it.
    """
    con.execute("BEGIN TRANSACTION")
    try:
        yield con
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def duplicate_keys(
    con: duckdb.DuckDBPyConnection, table: Table, where: exp.Expr | None = None
) -> int:
    """How many primary-key values occur more than once (optionally among rows matching ``where``).

    The check behind tables whose key is not indexed (``Table.index_key=False``).
    """
    keys = [exp.column(k, quoted=True) for k in table.primary_key]
    groups = exp.select(*keys).from_(exp.to_table(table.name)).group_by(*keys)
    groups = groups.having(
        exp.GT(this=exp.func("count", exp.Star()), expression=exp.Literal.number(1))
    )
    if where is not None:
        groups = groups.where(where)
    query = exp.select(exp.func("count", exp.Star())).from_(groups.subquery("dup"))
    row = con.execute(query.sql(dialect=DIALECT)).fetchone()
    return int(row[0]) if row else 0


def table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(row and row[0])


def row_count(con: duckdb.DuckDBPyConnection, name: str) -> int:
    query = exp.select(exp.func("count", exp.Star())).from_(exp.to_table(name))
    row = con.execute(query.sql(dialect=DIALECT)).fetchone()
    return int(row[0]) if row else 0
