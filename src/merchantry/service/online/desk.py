"""Checking posted events with the ingest's own checks, before they are recorded.

An :class:`EventDesk` is one worker's in-memory DuckDB database with the
warehouse's schema, holding what the relation checks compare against: the
reference tables in full, and the keys and times of the event tables (order ids
and payment times, logistics events, after-sales, review and session ids), loaded
from the warehouse and kept up to date from the inbox. Posted events go through
the ingest path unchanged: written as JSON lines, staged by
:func:`merchantry.ingest.stage.stage_jsonl`, checked and split by
:func:`merchantry.ingest.validate.load_table` (every row check, then duplicates,
references, time order and event sequences). Accepted rows come back typed, as
the warehouse would store them; refused ones with the quarantine's column,
reason and message.
"""

from __future__ import annotations

import json
import tempfile
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import duckdb
import pyarrow as pa
import sqlglot.expressions as exp

from merchantry.ingest.quarantine import ensure_tables
from merchantry.ingest.stage import FilePart, create_stage, stage_jsonl
from merchantry.ingest.validate import Source, load_table, register_sources
from merchantry.model.schema import Table
from merchantry.model.tables import TABLES_BY_NAME
from merchantry.service.inbox import INBOX_PATH_PREFIX, InboxEvent, Refusal, event_key
from merchantry.store.sql import col, to_sql
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


@dataclass(frozen=True, slots=True)
class Checked:
    """One posted batch, split."""

    accepted: tuple[tuple[int, str, dict[str, Any]], ...]
    """(position in the batch, event key, typed row) of every accepted event."""
    refused: tuple[Refusal, ...]


class EventDesk:
    """Validates posted events against the warehouse plus the inbox (see the module note)."""

    def __init__(self) -> None:
        self.con = duckdb.connect()
        ensure_schema(self.con)
        ensure_tables(self.con)
        self.seq = 0

    def load(self, source: duckdb.DuckDBPyConnection) -> None:
        """Copy what the checks need from the warehouse behind ``source``."""
        for name, columns in COPIED.items():
            table = TABLES_BY_NAME[name]
            wanted = columns or table.column_names
            listed = ", ".join(f'"{c}"' for c in wanted)
            data = source.sql(f'SELECT {listed} FROM "{name}"').to_arrow_table()
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

    def catch_up(self, events: Sequence[InboxEvent]) -> None:
        """Add inbox events (from any worker) the desk has not seen; ignores known keys."""
        by_table: dict[str, list[dict[str, Any]]] = {}
        for event in events:
            if event.seq > self.seq:
                by_table.setdefault(event.event_type, []).append(event.row)
                self.seq = event.seq
        for name, rows in by_table.items():
            table = TABLES_BY_NAME[name]
            empty = self.con.sql(f'SELECT * FROM "{name}" LIMIT 0').to_arrow_table()
            assert empty is not None
            data = pa.Table.from_pylist(
                [{c: r.get(c) for c in table.column_names} for r in rows], schema=empty.schema
            )
            self._insert(table, table.column_names, data)

    def check(self, table: Table, events: Sequence[Any]) -> Checked:
        """Stage, check and split ``events`` (parsed JSON values) for ``table``."""
        lines = [json.dumps(e, ensure_ascii=False) for e in events]
        ingest_id = f"{INBOX_PATH_PREFIX}{uuid.uuid4().hex}"
        source = f"{INBOX_PATH_PREFIX}{table.name}"
        with tempfile.TemporaryDirectory(prefix="merchantry-events-") as tmp:
            path = Path(tmp) / f"{table.name}.jsonl"
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
            create_stage(self.con, STAGE, table)
            stage_jsonl(self.con, STAGE, table, path, FilePart(0, 0), lambda _n: None)
        register_sources(self.con, [Source(0, source)])
        self.con.execute("BEGIN TRANSACTION")
        try:
            load_table(self.con, table, STAGE, [Source(0, source)], ingest_id)
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
            self.con.execute(f"DROP TABLE IF EXISTS {STAGE}")
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
