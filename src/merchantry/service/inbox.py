"""The inbox: events posted to the API, in order, until they are drained into the warehouse.

The warehouse is one DuckDB file with one writer, and the API runs several worker
processes, so an accepted event is first recorded in the operational database
(SQLAlchemy; SQLite or PostgreSQL):

* ``online_inbox``: one row per accepted event, numbered by ``seq`` (the order
  every worker applies them in), unique per ``(event_type, event_key)`` so an
  event id is recorded once and a replay finds the first result;
* ``online_quarantine``: every refused event, with the column, reason and message
  of its first problem (the same checks as ``merchantry ingest``), once per
  distinct body.

Each worker reads ``seq > last seen`` (one indexed range query) before it answers,
so its online state includes every accepted event. :func:`drain_inbox`, run by the
warehouse's one writer (a stage, a job, ``merchantry``), moves the undrained
events into the warehouse tables through the ingest path (``ingest_dir`` on JSONL
files: the same checks, a second time, against the full warehouse), copies the
refused ones into the warehouse ``quarantine`` table, and records the last ``seq``
it moved in ``online_inbox_marks`` inside the warehouse, so a state rebuilt from a
warehouse snapshot knows which inbox events that snapshot already holds.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import duckdb
from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from merchantry.ingest import ingest_dir
from merchantry.ingest.quarantine import ensure_tables
from merchantry.model.schema import ColumnType
from merchantry.model.schema import Table as DeclaredTable
from merchantry.model.system import QUARANTINE_COLUMNS
from merchantry.model.tables import TABLES, TABLES_BY_NAME
from merchantry.ops.migrate import reader
from merchantry.ops.reads import PreparedRead
from merchantry.ops.tables import online_inbox, online_quarantine
from merchantry.store.sql import insert_values

MARKS_DDL: Final = (
    "CREATE TABLE IF NOT EXISTS online_inbox_marks (drained_through BIGINT, "
    "ingest_id VARCHAR, drained_at TIMESTAMP)"
)
"""Warehouse table: the last inbox ``seq`` each drain moved (the highest is in force)."""

INBOX_PATH_PREFIX: Final = "api:"


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --- values -----------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def to_json(row: Mapping[str, Any]) -> str:
    """A typed row as JSON (times and dates in ISO form, the ingest's text form; tuples
    as arrays)."""
    return json.dumps(dict(row), ensure_ascii=False, default=_plain)


@lru_cache(maxsize=64)
def _typed_columns(table: DeclaredTable) -> tuple[tuple[str, ...], ...]:
    """(every column, timestamp columns, date columns) of ``table``."""
    return (
        table.column_names,
        tuple(c.name for c in table.columns if c.type is ColumnType.TIMESTAMP),
        tuple(c.name for c in table.columns if c.type is ColumnType.DATE),
    )


def from_json(table: DeclaredTable, body: str) -> dict[str, Any]:
    """A row stored by :func:`to_json` back as typed values."""
    raw = json.loads(body)
    names, stamps, dates = _typed_columns(table)
    row = {name: raw.get(name) for name in names}
    for name in stamps:
        if row[name] is not None:
            row[name] = datetime.fromisoformat(row[name])
    for name in dates:
        if row[name] is not None:
            row[name] = date.fromisoformat(row[name])
    return row


def event_key(table: DeclaredTable, row: Mapping[str, Any]) -> str | None:
    """The event id: its primary key as text (as quarantine's ``row_key``), if complete."""
    parts = [row.get(k) for k in table.primary_key]
    if any(p is None or p == "" for p in parts):
        return None
    return ", ".join(str(p) for p in parts)


# --- reading ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class InboxEvent:
    seq: int
    event_type: str
    row: dict[str, Any]


def read_since(engine: Engine, seq: int, *, limit: int | None = None) -> list[InboxEvent]:
    """Accepted events after ``seq``, in order (one range query on the primary key)."""
    query = (
        select(online_inbox.c.seq, online_inbox.c.event_type, online_inbox.c.body)
        .where(online_inbox.c.seq > seq)
        .order_by(online_inbox.c.seq)
    )
    if limit is not None:
        query = query.limit(limit)
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    return [
        InboxEvent(int(s), str(t), from_json(TABLES_BY_NAME[str(t)], str(b))) for s, t, b in rows
    ]


class InboxReader:
    """:func:`read_since` on one long-lived DBAPI connection per thread.

    A worker reads the inbox before every answer; going through the pool and the
    statement machinery each time costs more than the query. The statement is
    compiled once by SQLAlchemy for the engine's dialect, then run on the thread's
    own connection (autocommit reads: every call sees the newest committed rows).
    :meth:`close` closes every thread's connection (a connection left to the garbage
    collector is never closed).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._read = PreparedRead(
            engine,
            select(online_inbox.c.seq, online_inbox.c.event_type, online_inbox.c.body)
            .where(online_inbox.c.seq > bindparam("after"))
            .order_by(online_inbox.c.seq),
        )

    def read_since(
        self, seq: int, known: Mapping[int, dict[str, Any]] | None = None
    ) -> list[InboxEvent]:
        """Events after ``seq``; bodies of the ``known`` ones (seq -> typed row, this
        process's own events) are not parsed again."""
        return inbox_events(self._read.all({"after": seq}), known)

    def close(self) -> None:
        """Close every thread's connection; a later read opens a new one."""
        self._read.close_all()


def inbox_events(
    rows: Iterable[Sequence[Any]], known: Mapping[int, dict[str, Any]] | None = None
) -> list[InboxEvent]:
    """Inbox rows ``(seq, event_type, body)`` as events; bodies of the ``known`` ones
    (seq -> typed row, this process's own events) are not parsed again."""
    have = known or {}
    events = []
    for s, t, b in rows:
        row = have.get(int(s))  # one lookup: the owner may forget it meanwhile
        if row is None:
            table = TABLES_BY_NAME.get(str(t))
            # a notice for other readers (the listing checkers' governance notices): no row
            row = {} if table is None else from_json(table, str(b))
        events.append(InboxEvent(int(s), str(t), row))
    return events


def last_seq(engine: Engine) -> int:
    with engine.connect() as conn:
        value = conn.execute(
            select(online_inbox.c.seq).order_by(online_inbox.c.seq.desc()).limit(1)
        ).scalar()
    return int(value or 0)


def recorded(engine: Engine, event_type: str, keys: Sequence[str]) -> dict[str, int]:
    """Which of ``keys`` are already in the inbox, with their ``seq``."""
    if not keys:
        return {}
    found: dict[str, int] = {}
    with reader(engine).connect() as conn:
        for start in range(0, len(keys), 500):
            chunk = list(keys[start : start + 500])
            rows = conn.execute(
                select(online_inbox.c.event_key, online_inbox.c.seq).where(
                    online_inbox.c.event_type == event_type, online_inbox.c.event_key.in_(chunk)
                )
            ).all()
            found.update({str(k): int(s) for k, s in rows})
    return found


# --- writing ----------------------------------------------------------------------------


INBOX_LOCK: Final = 7_305_113_912
"""PostgreSQL advisory lock held by each transaction that records events."""


def _in_seq_order(conn: Connection) -> None:
    """Make this transaction's ``seq`` s commit in order (PostgreSQL).

    Workers read ``seq > last seen``; if a transaction holding ``seq`` 10 committed after
    one holding 11, a worker that read 11 first would never see 10. Recording takes an
    advisory lock first, so ``seq`` s are drawn and committed one transaction at a time.
    SQLite writes one transaction at a time anyway."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INBOX_LOCK})


in_seq_order: Final = _in_seq_order
"""For other writers of the inbox (the listing governance notices)."""


def record_accepted(
    engine: Engine,
    event_type: str,
    rows: Sequence[tuple[str, Mapping[str, Any]]],
    key_id: str | None,
    inserted: set[str] | None = None,
    known: Mapping[str, int] | None = None,
) -> dict[str, int]:
    """Append accepted events ``(key, typed row)``; returns key -> seq for every key.

    An event another worker recorded first keeps its first ``seq`` (the unique
    constraint decides the race; this worker's copy is dropped). ``inserted``, when
    given, receives the keys this call recorded (their rows are the ones stored).
    ``known``: what :func:`recorded` said of these keys a moment ago (saves reading it
    again; a key recorded since by another worker is still caught by the constraint).
    """
    mine = inserted if inserted is not None else set()
    now = utcnow()
    keys = [k for k, _ in rows]
    result = dict(known) if known is not None else recorded(engine, event_type, keys)
    fresh = [(k, r) for k, r in rows if k not in result]
    if fresh:
        try:
            with engine.begin() as conn:
                _in_seq_order(conn)
                drawn = conn.execute(
                    insert(online_inbox).returning(online_inbox.c.event_key, online_inbox.c.seq),
                    [
                        {
                            "event_type": event_type,
                            "event_key": k,
                            "body": to_json(r),
                            "received_at": now,
                            "key_id": key_id,
                        }
                        for k, r in fresh
                    ],
                ).all()
            mine.update(k for k, _ in fresh)
            result.update({str(k): int(s) for k, s in drawn})
        except IntegrityError:  # a race on the unique key: one by one, the first stands
            for k, r in fresh:
                try:
                    with engine.begin() as conn:
                        _in_seq_order(conn)
                        conn.execute(
                            insert(online_inbox).values(
                                event_type=event_type,
                                event_key=k,
                                body=to_json(r),
                                received_at=now,
                                key_id=key_id,
                            )
                        )
                    mine.add(k)
                except IntegrityError:  # the other worker's row stands
                    continue
            result = recorded(engine, event_type, keys)
    return {k: result[k] for k in keys if k in result}


@dataclass(frozen=True, slots=True)
class Refusal:
    """One refused event: where and why (the ingest's checks)."""

    index: int
    """Position of the event in the posted batch (0-based)."""
    event_key: str | None
    column_name: str | None
    reason: str
    message: str
    body: str


def record_refused(
    engine: Engine, event_type: str, refusals: Sequence[Refusal], key_id: str | None
) -> None:
    """Quarantine refused events, once per distinct body."""
    now = utcnow()
    for refusal in refusals:
        digest = hashlib.sha256(refusal.body.encode()).hexdigest()
        exists = select(online_quarantine.c.quarantine_id).where(
            online_quarantine.c.event_type == event_type,
            online_quarantine.c.body_sha256 == digest,
        )
        try:
            with engine.begin() as conn:
                if conn.execute(exists).first() is not None:
                    continue
                conn.execute(
                    insert(online_quarantine).values(
                        event_type=event_type,
                        event_key=refusal.event_key,
                        column_name=refusal.column_name,
                        reason=refusal.reason,
                        message=refusal.message,
                        body=refusal.body,
                        body_sha256=digest,
                        received_at=now,
                        key_id=key_id,
                    )
                )
        except IntegrityError:  # the same body, recorded by a concurrent request
            continue


# --- draining ---------------------------------------------------------------------------


def drained_through(con: duckdb.DuckDBPyConnection) -> int:
    """The last inbox ``seq`` the warehouse holds (0: none)."""
    con.execute(MARKS_DDL)
    row = con.execute("SELECT max(drained_through) FROM online_inbox_marks").fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def snapshot_mark(con: duckdb.DuckDBPyConnection) -> int:
    """:func:`drained_through` on a read-only connection (no table yet: 0)."""
    try:
        row = con.execute("SELECT max(drained_through) FROM online_inbox_marks").fetchone()
    except duckdb.CatalogException:
        return 0
    return int(row[0]) if row and row[0] is not None else 0


@dataclass(frozen=True, slots=True)
class DrainRun:
    """What one drain moved."""

    events: int
    accepted: int
    quarantined: int
    refused_copied: int
    through_seq: int
    ingest_id: str | None


def _undrained(engine: Engine, after: int, limit: int) -> list[tuple[int, str, str]]:
    query = (
        select(online_inbox.c.seq, online_inbox.c.event_type, online_inbox.c.body)
        .where(online_inbox.c.seq > after, online_inbox.c.drained_at.is_(None))
        .order_by(online_inbox.c.seq)
        .limit(limit)
    )
    with engine.connect() as conn:
        return [(int(s), str(t), str(b)) for s, t, b in conn.execute(query).all()]


def _mark_drained(engine: Engine, through: int) -> None:
    with engine.begin() as conn:
        conn.execute(
            update(online_inbox)
            .where(online_inbox.c.seq <= through, online_inbox.c.drained_at.is_(None))
            .values(drained_at=utcnow())
        )


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def drain_inbox(
    engine: Engine, con: duckdb.DuckDBPyConnection, *, limit: int = 1_000_000
) -> DrainRun:
    """Move undrained inbox events into the warehouse through ``ingest_dir``.

    Must run where the warehouse is writable (its one writer). Re-running after a
    crash moves nothing twice: events at or below the warehouse's mark are only
    marked drained in the inbox.
    """
    mark = drained_through(con)
    _mark_drained(engine, mark)
    rows = _undrained(engine, mark, limit)
    refused = _copy_refusals(engine, con)
    if not rows:
        return DrainRun(0, 0, 0, refused, mark, None)
    through = rows[-1][0]
    by_table: dict[str, list[str]] = {}
    for _seq, event_type, body in rows:
        by_table.setdefault(event_type, []).append(body)
    with tempfile.TemporaryDirectory(prefix="merchantry-inbox-") as tmp:
        folder = Path(tmp)
        for table in TABLES:
            bodies = by_table.get(table.name)
            if bodies:
                # named by table and seq range, so the file's digest is unique to its content
                path = folder / f"{table.name}-{rows[0][0]:012d}.jsonl"
                path.write_text("\n".join(bodies) + "\n", encoding="utf-8")
        report = ingest_dir(con, folder, progress=False)
    con.execute(MARKS_DDL)
    con.execute(
        "INSERT INTO online_inbox_marks VALUES (?, ?, ?)", [through, report.ingest_id, utcnow()]
    )
    _mark_drained(engine, through)
    accepted = sum(f.accepted for f in report.files)
    quarantined = sum(f.quarantined for f in report.files)
    return DrainRun(len(rows), accepted, quarantined, refused, through, report.ingest_id)


def _copy_refusals(engine: Engine, con: duckdb.DuckDBPyConnection) -> int:
    """Refused API events into the warehouse ``quarantine`` table (then marked drained)."""
    query = (
        select(online_quarantine)
        .where(online_quarantine.c.drained_at.is_(None))
        .order_by(online_quarantine.c.quarantine_id)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    if not rows:
        return 0
    ensure_tables(con)
    names = [c.name for c in QUARANTINE_COLUMNS]
    values = []
    for r in rows:
        record = {
            "ingest_id": f"{INBOX_PATH_PREFIX}{r['quarantine_id']}",
            "source_file": f"{INBOX_PATH_PREFIX}{r['event_type']}",
            "table_name": r["event_type"],
            "row_number": int(r["quarantine_id"]),
            "row_key": r["event_key"],
            "column_name": r["column_name"],
            "reason": r["reason"],
            "message": r["message"],
            "raw": r["body"],
        }
        values.append([record[n] for n in names])
    con.executemany(insert_values("quarantine", names), values)
    last = max(int(r["quarantine_id"]) for r in rows)
    with engine.begin() as conn:
        conn.execute(
            update(online_quarantine)
            .where(
                online_quarantine.c.quarantine_id <= last,
                online_quarantine.c.drained_at.is_(None),
            )
            .values(drained_at=utcnow())
        )
    return len(rows)
