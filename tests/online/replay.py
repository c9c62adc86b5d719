"""Replaying a warehouse's events through the API, in time order.

Events are read from a full warehouse, ordered by when they happened (payment,
logistics event, after-sales request, review, session start; parents first on a
tie) and posted in chunks: each chunk's events grouped by type, orders first, so
a child never arrives before its order. The after-sales requests of a chunk are
decided once the chunk is in: everything before each request has been posted
(and some things after it, which a point-in-time state must ignore).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Final

import duckdb
from fastapi.testclient import TestClient

TIME_COLUMN: Final = {
    "orders": "paid_at",
    "logistics_events": "event_at",
    "after_sales": "requested_at",
    "reviews": "created_at",
    "cs_sessions": "started_at",
}
"""Each replayed table, in parent-first order, with the column saying when it happened."""


def as_json(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return value


@dataclass(frozen=True, slots=True)
class Event:
    at: datetime
    rank: int
    kind: str
    body: dict[str, Any]


def events_in_time_order(con: duckdb.DuckDBPyConnection) -> list[Event]:
    """Every replayed event of the warehouse, ordered by (time, parent first, table key)."""
    events: list[Event] = []
    for rank, (table, column) in enumerate(TIME_COLUMN.items()):
        cursor = con.execute(f'SELECT * FROM "{table}"')
        names = [d[0] for d in cursor.description]
        at = names.index(column)
        for row in cursor.fetchall():
            body = {n: as_json(v) for n, v in zip(names, row, strict=True)}
            events.append(Event(row[at], rank, table, body))
    events.sort(key=lambda e: (e.at, e.rank))
    return events


def chunks(events: list[Event], size: int) -> Iterator[list[Event]]:
    for start in range(0, len(events), size):
        yield events[start : start + size]


def post(client: TestClient, key: str, kind: str, bodies: list[dict[str, Any]]) -> Any:
    """POST one batch of events; returns the response (any status)."""
    return client.post(
        f"/v1/events/{kind}",
        json={"events": bodies},
        headers={"Authorization": f"Bearer {key}", "Idempotency-Key": uuid.uuid4().hex},
    )


def post_chunk(client: TestClient, key: str, chunk: list[Event]) -> None:
    """Post a chunk grouped by table, parents first; every event must be accepted."""
    for kind in TIME_COLUMN:
        bodies = [e.body for e in chunk if e.kind == kind]
        if bodies:
            response = post(client, key, kind, bodies)
            assert response.status_code == 200, response.text[:2000]
            assert response.json()["accepted"] == len(bodies)
