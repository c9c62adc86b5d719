"""Governance notices: a restriction or a take-down recorded after a worker built its
pre-publish checker reaches that checker through the operational inbox.

The writer that changes a listing rulebook's governance (``merchantry listings check --db
--ops-db``, an overturn of a listing case) then records the rulebook's whole governance
(:class:`~merchantry.listings.governance.Governance`: restrictions and held listings) as one
inbox row of type ``listing_governance``, keyed by the rulebook, the previous notice and the
content's digest: a run that changed nothing records nothing. The inbox is the one every
worker already follows through its pulse (:mod:`merchantry.ops.pulse`): before each
pre-publish check, :func:`catch_up` asks the pulse for the rows after the checker's position
(from memory while the pulse is fresh and nothing is new, else one read) and applies the
notices among them. So a notice committed at *T* is seen by every check that begins after
*T* + the pulse's bound, on every worker.

Notices are no warehouse events: the drain moves none of them into the warehouse (the
warehouse already holds what they say), the online state and the event desk only step over
them (:func:`merchantry.service.inbox.inbox_events`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from typing import Final

import duckdb
from sqlalchemy import Engine, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from merchantry.kit.errors import InputError
from merchantry.listings.governance import Governance, read_governance
from merchantry.listings.usecases import PrepublishChecker
from merchantry.ops.pulse import Pulse
from merchantry.ops.tables import online_inbox
from merchantry.service.inbox import in_seq_order, utcnow
from merchantry.store.warehouse import table_exists

NOTICE_TYPE: Final = "listing_governance"
"""The inbox event type of a governance notice (no warehouse table has this name)."""


def _latest(engine: Engine, rulebook: str) -> tuple[int, str] | None:
    """(seq, key) of the rulebook's newest notice."""
    with engine.connect() as conn:
        row = conn.execute(
            select(online_inbox.c.seq, online_inbox.c.event_key)
            .where(
                online_inbox.c.event_type == NOTICE_TYPE,
                online_inbox.c.event_key.startswith(rulebook + ":", autoescape=True),
            )
            .order_by(online_inbox.c.seq.desc())
            .limit(1)
        ).first()
    return None if row is None else (int(row[0]), str(row[1]))


def announce(engine: Engine, governance: Governance, key_id: str | None = None) -> int | None:
    """Record ``governance`` as the rulebook's newest notice, unless the newest already says
    the same; its ``seq``, or None when nothing was recorded."""
    body = json.dumps(governance.to_json(), ensure_ascii=False, sort_keys=True)
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:32]
    latest = _latest(engine, governance.rulebook)
    if latest is not None and latest[1].endswith(":" + digest):
        return None
    key = f"{governance.rulebook}:{latest[0] if latest else 0}:{digest}"
    try:
        with engine.begin() as conn:
            in_seq_order(conn)
            result = conn.execute(
                insert(online_inbox).values(
                    event_type=NOTICE_TYPE,
                    event_key=key,
                    body=body,
                    received_at=utcnow(),
                    key_id=key_id,
                )
            )
            seq = result.inserted_primary_key
    except IntegrityError:  # another writer recorded this very notice first
        return None
    return None if seq is None else int(seq[0])


def announce_rulebooks(
    engine: Engine, con: duckdb.DuckDBPyConnection, rulebooks: Iterable[str]
) -> list[int]:
    """Announce each rulebook's governance as the warehouse holds it now; the new ``seq`` s."""
    recorded = []
    for name in rulebooks:
        seq = announce(engine, read_governance(con, name)[name])
        if seq is not None:
            recorded.append(seq)
    return recorded


def rulebook_of(con: duckdb.DuckDBPyConnection, violation_id: str) -> str | None:
    """The listing rulebook that recorded ``violation_id`` (None: not a listing offence)."""
    if not table_exists(con, "listing_offences"):
        return None
    row = con.execute(
        "SELECT rulebook FROM listing_offences WHERE violation_id = ?", [violation_id]
    ).fetchone()
    return None if row is None else str(row[0])


def announce_withdrawal(
    engine: Engine, con: duckdb.DuckDBPyConnection, violation_id: str
) -> int | None:
    """After an overturn withdrew ``violation_id``: announce its rulebook's governance (its
    restrictions and its ban lifted), when it was a listing offence and the operational
    database is the inbox's (it holds ``online_inbox``)."""
    name = rulebook_of(con, violation_id)
    if name is None or not inspect(engine).has_table(online_inbox.name):
        return None
    return announce(engine, read_governance(con, name)[name])


def apply_notices(checker: PrepublishChecker, rows: Sequence[tuple[int, str, str]]) -> int:
    """Apply the governance notices among inbox rows ``(seq, event_type, body)`` (in order)
    and move the checker past every row; how many notices were applied."""
    applied = 0
    for seq, event_type, body in rows:
        if seq <= checker.seq:
            continue
        checker.seq = seq  # first: a malformed notice is refused once, not on every call
        if event_type == NOTICE_TYPE:
            try:
                data = json.loads(body)
            except ValueError as err:
                message = f"inbox row {seq}: a governance notice is not JSON ({err})"
                raise InputError(message) from None
            checker.govern(Governance.from_json(data))
            applied += 1
    return applied


def catch_up(checker: PrepublishChecker, pulse: Pulse) -> int:
    """Bring the checker up to the inbox (see the module note); notices applied."""
    tail = pulse.check(None, checker.seq)
    return apply_notices(checker, tail.rows) if tail.rows else 0
