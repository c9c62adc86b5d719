"""Buyer integrity file (账号诚信档案): abuse events with decay, and a level per buyer.

Taobao/Tmall's 2025 integrity system (platform-rules.md §2.2) lets merchants
report abnormal refund-only requests, swapped or fake returns and edited
photos; after review the platform may limit the account. Here each abuse
event carries points (rulebook parameters); points halve every
``integrity_half_life_days``; the decayed sum sets the level:

* **A** normal: below ``integrity_level_b_points``;
* **B** watch: below ``integrity_level_c_points``;
* **C** restricted: at or above it.

Merchants see a buyer's *level* only (:func:`buyer_level`); raw events are for
operators, and a merchant reading raw events gets only those at its own shop
(:func:`buyer_records`): never another shop's data.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import duckdb
from sqlalchemy import Engine, func, select
from sqlalchemy.dialects import postgresql, sqlite

from merchantry.risk.access import Scope
from merchantry.risk.settings import RiskSettings
from merchantry.risk.store import integrity_events
from merchantry.rulebook.columns import INSTANT_REFUND_MINUTES


class AbuseKind(StrEnum):
    """What a buyer did that counts against its integrity."""

    REJECTED_CLAIM = "rejected_claim"
    """An after-sales claim rejected with the buyer held responsible (malicious claim)."""
    RING_MEMBER = "ring_member"
    """The buyer belongs to a flagged ring of linked accounts (platform-wide, no shop)."""
    INSTANT_REFUND_ABUSE = "instant_refund_abuse"
    """An instant refund beyond the tolerated number in the window
    (``integrity_instant_refund_window_days``)."""
    REUSED_IMAGE = "reused_image"
    """A claim whose evidence photo was already used in an earlier claim."""


class Level(StrEnum):
    """A buyer's standing, the only thing merchants see."""

    A = "A"
    """Normal."""
    B = "B"
    """Watch: decisions look closer (no fast approval by default)."""
    C = "C"
    """Restricted: refund-only requests go to review; purchases may be limited."""


@dataclass(frozen=True, slots=True)
class AbuseEvent:
    """One event in a buyer's file."""

    buyer_id: str
    kind: AbuseKind
    occurred_at: datetime
    points: int
    source_ref: str
    shop_id: str | None = None


@dataclass(frozen=True, slots=True)
class IntegrityView:
    """What a merchant may know about a buyer: a level, nothing else."""

    buyer_id: str
    level: Level
    as_of: datetime


def points_for(kind: AbuseKind, settings: RiskSettings) -> int:
    return {
        AbuseKind.REJECTED_CLAIM: settings.integrity_points_rejected_claim,
        AbuseKind.RING_MEMBER: settings.integrity_points_ring_member,
        AbuseKind.INSTANT_REFUND_ABUSE: settings.integrity_points_instant_refund_abuse,
        AbuseKind.REUSED_IMAGE: settings.integrity_points_reused_image,
    }[kind]


def decayed_points(events: Iterable[AbuseEvent], at: datetime, settings: RiskSettings) -> float:
    """Σ points × ½^(age / half-life) over events that happened by ``at``."""
    half_life = settings.integrity_half_life_days * 86_400.0
    total = 0.0
    for event in events:
        age = (at - event.occurred_at).total_seconds()
        if age >= 0:
            total += event.points * 0.5 ** (age / half_life)
    return total


def level_for(points: float, settings: RiskSettings) -> Level:
    if points >= settings.integrity_level_c_points:
        return Level.C
    if points >= settings.integrity_level_b_points:
        return Level.B
    return Level.A


def record_events(engine: Engine, events: Sequence[AbuseEvent]) -> int:
    """Add events to the file; an event already recorded (same buyer, kind, source) is skipped.

    One multi-row ``INSERT … ON CONFLICT DO NOTHING`` (SQLite and PostgreSQL
    both have it), so re-deriving events from the warehouse is idempotent.
    Returns how many events were new.
    """
    rows = [
        {
            "buyer_id": e.buyer_id,
            "shop_id": e.shop_id,
            "kind": e.kind.value,
            "occurred_at": e.occurred_at,
            "points": e.points,
            "source_ref": e.source_ref,
        }
        for e in events
    ]
    if not rows:
        return 0
    insert = postgresql.insert if engine.dialect.name == "postgresql" else sqlite.insert
    count = select(func.count()).select_from(integrity_events)
    with engine.begin() as conn:
        before = conn.execute(count).scalar_one()
        conn.execute(insert(integrity_events).on_conflict_do_nothing(), rows)
        after = conn.execute(count).scalar_one()
    return int(after - before)


def _load(engine: Engine, buyer_id: str, shop_id: str | None) -> list[AbuseEvent]:
    query = select(integrity_events).where(integrity_events.c.buyer_id == buyer_id)
    if shop_id is not None:
        query = query.where(integrity_events.c.shop_id == shop_id)
    query = query.order_by(integrity_events.c.occurred_at, integrity_events.c.event_id)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [
        AbuseEvent(
            r["buyer_id"],
            AbuseKind(r["kind"]),
            r["occurred_at"],
            int(r["points"]),
            r["source_ref"],
            r["shop_id"],
        )
        for r in rows
    ]


def buyer_level(
    engine: Engine, scope: Scope, buyer_id: str, at: datetime, settings: RiskSettings
) -> IntegrityView:
    """The buyer's level at ``at``: the merchant-facing view (any scope may ask)."""
    del scope  # every scope may see a level; the parameter keeps call sites uniform
    events = _load(engine, buyer_id, None)
    return IntegrityView(buyer_id, level_for(decayed_points(events, at, settings), settings), at)


def buyer_records(engine: Engine, scope: Scope, buyer_id: str) -> list[AbuseEvent]:
    """Raw events: all of them for an operator, only the scope's own shop's for a merchant."""
    return _load(engine, buyer_id, None if scope.is_operator else scope.shop_id)


_REJECTED = """
SELECT o.buyer_id, o.shop_id, a.case_id, a.closed_at
FROM after_sales AS a JOIN orders AS o USING (order_id)
WHERE a.outcome = 'rejected' AND a.responsible_party = 'buyer' AND a.closed_at < $as_of
"""

_REUSED = """
WITH uses AS (
    SELECT a.case_id, o.buyer_id, o.shop_id, a.requested_at, unnest(a.evidence_images) AS image
    FROM after_sales AS a JOIN orders AS o USING (order_id) WHERE a.requested_at < $as_of
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY image ORDER BY requested_at, case_id) AS nth
    FROM uses
)
SELECT buyer_id, shop_id, case_id, min(requested_at) FROM ranked WHERE nth > 1
GROUP BY buyer_id, shop_id, case_id
"""

_INSTANT = """
WITH instant AS (
    SELECT o.buyer_id, o.shop_id, a.case_id, a.requested_at
    FROM after_sales AS a JOIN orders AS o USING (order_id)
    WHERE a.type = 'refund_only' AND a.outcome = 'approved' AND a.requested_at < $as_of
      AND a.requested_at <= o.paid_at + to_minutes($minutes)
),
counted AS (
    SELECT *, count(*) OVER (
        PARTITION BY buyer_id ORDER BY requested_at
        RANGE BETWEEN to_days(CAST($window_days AS INTEGER)) PRECEDING AND CURRENT ROW)
        AS in_window
    FROM instant
)
SELECT buyer_id, shop_id, case_id, requested_at FROM counted WHERE in_window > $tolerated
"""

_RINGS = """
SELECT m.buyer_id, NULL, m.ring_id, $as_of FROM risk_ring_members AS m
JOIN risk_rings AS r USING (ring_id) WHERE r.flagged
"""


def derive_events(
    con: duckdb.DuckDBPyConnection, settings: RiskSettings, as_of: datetime
) -> list[AbuseEvent]:
    """Abuse events found in the warehouse up to ``as_of`` (rings: the last ring run)."""
    found: list[AbuseEvent] = []
    queries: list[tuple[AbuseKind, str, dict[str, object]]] = [
        (AbuseKind.REJECTED_CLAIM, _REJECTED, {"as_of": as_of}),
        (AbuseKind.REUSED_IMAGE, _REUSED, {"as_of": as_of}),
        (
            AbuseKind.INSTANT_REFUND_ABUSE,
            _INSTANT,
            {
                "as_of": as_of,
                "minutes": INSTANT_REFUND_MINUTES,
                "tolerated": settings.integrity_instant_refunds_tolerated,
                "window_days": settings.integrity_instant_refund_window_days,
            },
        ),
    ]
    has_rings = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = 'risk_ring_members'"
    ).fetchone()
    if has_rings and has_rings[0]:
        queries.append((AbuseKind.RING_MEMBER, _RINGS, {"as_of": as_of}))
    for kind, sql, params in queries:
        points = points_for(kind, settings)
        for buyer_id, shop_id, ref, at in con.execute(sql, params).fetchall():
            found.append(AbuseEvent(buyer_id, kind, at, points, ref, shop_id))
    return found
