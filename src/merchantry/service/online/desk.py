"""Checking posted events with the ingest's own checks, before they are recorded.

An :class:`EventDesk` is one worker's in-memory DuckDB database with the
warehouse's schema, holding what the relation checks compare against: the
reference tables in full, and the keys and times of the event tables (order ids
and payment times, logistics events, after-sales, review and session ids), loaded
from the warehouse and kept up to date from the inbox. Posted events are staged
as the ingest stages a JSONL file, then checked and split by
:func:`merchantry.ingest.validate.load_table` unchanged (every row check, then
duplicates, references, time order and event sequences). Accepted rows come back
typed, as the warehouse would store them; refused ones with the quarantine's
column, reason and message.

Staging: the events are already parsed JSON, so a batch of plain objects (declared
keys; text, integer, true/false or null values; text or a list of text for list
columns) is staged from Python (:func:`stage_rows`) with the very text
:func:`~merchantry.ingest.stage.stage_jsonl` would give each cell (its SQL costs
about 2 ms a row). Any other batch (an unknown key, a nested value, a float …)
goes through ``stage_jsonl`` itself, which names the problem as ``ingest`` does.
A test holds the two to the same staged rows.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa
import sqlglot.expressions as exp

from merchantry.ingest.quarantine import ensure_tables
from merchantry.ingest.stage import BOOKKEEPING, FilePart, create_stage, stage_jsonl
from merchantry.ingest.validate import Source, load_table, register_sources
from merchantry.model.schema import ColumnType, Table
from merchantry.model.tables import TABLES_BY_NAME
from merchantry.service.inbox import INBOX_PATH_PREFIX, InboxEvent, Refusal, event_key
from merchantry.store.sql import col, ident, select_from, to_sql
from merchantry.store.warehouse import ensure_schema

STAGE: Final = "_online_stage"

COPIED: Final[dict[str, tuple[str, ...] | None]] = {
    "categories": None,
    "shops": None,
    "products": None,
    "creators": None,
    "orders": ("order_id", "shop_id", "buyer_id", "paid_at"),
    "logistics_events": ("order_id", "event", "event_at"),
    "after_sales": ("case_id", "order_id", "requested_at"),
    "reviews": ("review_id", "order_id", "created_at"),
    "cs_sessions": ("session_id", "shop_id", "started_at"),
}
"""Tables the checks read, and the columns of each they need (``None``: all)."""


INT64: Final = 2**63


def _cell(value: Any, is_list: bool) -> tuple[bool, str | None]:
    """``(plain, text)``: the staged text of one JSON value, as ``stage_jsonl`` stages it
    (``json_extract_string``, empty text as NULL; a list column's text split on ``|`` or
    its array, as compact JSON). ``plain`` is False for a value only the SQL path stages."""
    if value is None:
        return True, None
    if isinstance(value, str):
        if value == "":
            return True, None
        if is_list:
            return True, json.dumps(value.split("|"), ensure_ascii=False, separators=(",", ":"))
        return True, value
    if is_list:
        if isinstance(value, list) and all(
            isinstance(v, str) and not any(ord(ch) < 0x20 for ch in v) for v in value
        ):
            return True, json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        return False, None
    if isinstance(value, bool):
        return True, "true" if value else "false"
    if isinstance(value, int) and -INT64 <= value < INT64:
        return True, str(value)
    return False, None


def stage_rows(table: Table, events: Sequence[Any], lines: Sequence[str]) -> pa.Table | None:
    """The staging rows of ``events`` (parsed JSON, one per line of ``lines``), or
    ``None`` when one of them needs the SQL path (see the module note)."""
    lists = {c.name for c in table.columns if c.type is ColumnType.TEXT_LIST}
    declared = set(table.column_names)
    values: dict[str, list[str | None]] = {name: [] for name in table.column_names}
    for event in events:
        if not isinstance(event, dict) or not declared.issuperset(event):
            return None
        for name, cells in values.items():
            plain, cell = _cell(event.get(name), name in lists)
            if not plain:
                return None
            cells.append(cell)
    n = len(events)
    rows = list(range(1, n + 1))
    nothing = pa.nulls(n, pa.string())
    columns: dict[str, pa.Array] = {
        "_id": pa.array(rows, pa.int64()),
        "_file": pa.array([0] * n, pa.int32()),
        "_row": pa.array(rows, pa.int64()),
        "_raw": pa.array(list(lines), pa.string()),
        "_problem": nothing,
        "_column": nothing,
        "_detail": nothing,
    }
    assert tuple(columns) == tuple(name for name, _ in BOOKKEEPING)
    columns.update({name: pa.array(cells, pa.string()) for name, cells in values.items()})
    return pa.table(columns)


@dataclass(frozen=True, slots=True)
class Checked:
    """One posted batch, split."""

    accepted: tuple[tuple[int, str, dict[str, Any]], ...]
    """(position in the batch, event key, typed row) of every accepted event."""
    refused: tuple[Refusal, ...]


class EventDesk:
    """Validates posted events against the warehouse plus the inbox (see the module note)."""

    def __init__(self) -> None:
        self.con = duckdb.connect(config={"threads": 1})
        ensure_schema(self.con)
        ensure_tables(self.con)
        self.seq = 0

    def close(self) -> None:
        """Close the desk's in-memory database (a replaced or stopped worker's desk)."""
        self.con.close()

    def load(self, source: duckdb.DuckDBPyConnection) -> None:
        """Copy what the checks need from the warehouse behind ``source``."""
        for name, columns in COPIED.items():
            table = TABLES_BY_NAME[name]
            wanted = columns or table.column_names
            data = source.sql(select_from(name, wanted)).to_arrow_table()
            self._insert(table, wanted, data)

    def _insert(self, table: Table, columns: Sequence[str], data: pa.Table) -> None:
        self.con.register("_online_rows", data)
        try:
            names = [exp.to_identifier(c, quoted=True) for c in columns]
            statement = exp.Insert(
                this=exp.Schema(this=exp.to_table(table.name), expressions=names),
                expression=exp.select(*names).from_("_online_rows"),
            ).sql(dialect="duckdb")
            self.con.execute(statement.replace("INSERT INTO", "INSERT OR IGNORE INTO", 1))
        finally:
            self.con.unregister("_online_rows")

    def catch_up(self, events: Sequence[InboxEvent], held: Container[int] = ()) -> None:
        """Add inbox events (from any worker) the desk has not seen; ignores known keys.

        ``held``: sequence numbers of events this desk accepted itself (its check
        already inserted them), which only move ``seq`` on."""
        by_table: dict[str, list[dict[str, Any]]] = {}
        for event in events:
            if event.seq in held:
                self.seq = max(self.seq, event.seq)
            elif event.seq > self.seq:
                if event.event_type in TABLES_BY_NAME:  # not a notice for other readers
                    by_table.setdefault(event.event_type, []).append(event.row)
                self.seq = event.seq
        for name, rows in by_table.items():
            table = TABLES_BY_NAME[name]
            empty = self.con.sql(f"SELECT * FROM {ident(name)} LIMIT 0").to_arrow_table()
            assert empty is not None
            data = pa.Table.from_pylist(
                [{c: r.get(c) for c in table.column_names} for r in rows], schema=empty.schema
            )
            self._insert(table, table.column_names, data)

    def stage(self, table: Table, events: Sequence[Any], lines: Sequence[str]) -> None:
        """(Re)create the staging table holding ``events`` (see the module note)."""
        create_stage(self.con, STAGE, table)
        rows = stage_rows(table, events, lines)
        if rows is not None:
            self.con.register("_online_rows", rows)
            try:
                self.con.execute(f"INSERT INTO {ident(STAGE)} BY NAME SELECT * FROM _online_rows")
            finally:
                self.con.unregister("_online_rows")
            return
        with tempfile.TemporaryDirectory(prefix="merchantry-events-") as tmp:
            path = Path(tmp) / f"{table.name}.jsonl"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            stage_jsonl(self.con, STAGE, table, path, FilePart(0, 0), lambda _n: None)

    def check(self, table: Table, events: Sequence[Any]) -> Checked:
        """Stage, check and split ``events`` (parsed JSON values) for ``table``."""
        lines = [json.dumps(e, ensure_ascii=False) for e in events]
        ingest_id = f"{INBOX_PATH_PREFIX}{uuid.uuid4().hex}"
        source = f"{INBOX_PATH_PREFIX}{table.name}"
        self.stage(table, events, lines)
        register_sources(self.con, [Source(0, source)])
        self.con.execute("BEGIN TRANSACTION")
        try:
            load_table(self.con, table, STAGE, [Source(0, source)], ingest_id, probe=True)
            problems = self.con.execute(
                "SELECT row_number, row_key, column_name, reason, message FROM quarantine "
                "WHERE ingest_id = ? ORDER BY row_number",
                [ingest_id],
            ).fetchall()
            bad_rows = {int(r[0]) for r in problems}
            match = exp.and_(*[col(k, "t").eq(col(k, "s")) for k in table.primary_key])
            staged = (
                exp.select(col("_row", "s"), exp.column(exp.Star(), table="t"))
                .from_(exp.alias_(exp.table_(exp.to_identifier(table.name, quoted=True)), "t"))
                .join(exp.alias_(exp.to_table(STAGE), "s", table=True), on=match)
                .order_by(col("_row", "s"))
            )
            cursor = self.con.execute(to_sql(staged))
            names = [d[0] for d in cursor.description][1:]
            found = [(int(r[0]), dict(zip(names, r[1:], strict=True))) for r in cursor.fetchall()]
            self.con.execute("DELETE FROM quarantine WHERE ingest_id = ?", [ingest_id])
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        finally:
            self.con.execute(f"DROP TABLE IF EXISTS {ident(STAGE)}")
        accepted = tuple(
            (row - 1, event_key(table, values) or "", values)
            for row, values in found
            if row not in bad_rows
        )
        refused = tuple(
            Refusal(
                int(row) - 1,
                key or _key_of(table, events[int(row) - 1]),
                column,
                reason,
                message,
                lines[int(row) - 1],
            )
            for row, key, column, reason, message in problems
        )
        if len(accepted) + len(refused) != len(events):
            raise RuntimeError(
                f"{len(events)} {table.name} events checked, but {len(accepted)} accepted "
                f"and {len(refused)} refused"
            )
        return Checked(accepted, refused)


def _key_of(table: Table, event: Any) -> str | None:
    return event_key(table, event) if isinstance(event, Mapping) else None
