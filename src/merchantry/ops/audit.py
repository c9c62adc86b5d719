"""The audit log: every write through the service, who, what, when, before and after."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.engine import Connection

from merchantry.ops.keys import utcnow
from merchantry.ops.tables import audit_log


@dataclass(frozen=True, slots=True)
class AuditEntry:
    audit_id: int
    at: datetime
    actor: str
    role: str
    action: str
    resource: str
    shop_id: str | None
    before: Any
    after: Any


def _dump(value: Mapping[str, Any] | None) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


def record(
    target: Engine | Connection,
    *,
    actor: str,
    role: str,
    action: str,
    resource: str,
    shop_id: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> None:
    """Append one audit row; pass a connection to write it in the caller's transaction."""
    values = {
        "at": utcnow(),
        "actor": actor,
        "role": role,
        "action": action,
        "resource": resource,
        "shop_id": shop_id,
        "before": _dump(before),
        "after": _dump(after),
    }
    if isinstance(target, Connection):
        target.execute(audit_log.insert().values(**values))
        return
    with target.begin() as conn:
        conn.execute(audit_log.insert().values(**values))


def entries(
    engine: Engine,
    *,
    resource: str | None = None,
    actor: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditEntry]:
    """Audit rows, newest first, optionally for one resource or actor."""
    query = select(audit_log).order_by(audit_log.c.audit_id.desc())
    if resource is not None:
        query = query.where(audit_log.c.resource == resource)
    if actor is not None:
        query = query.where(audit_log.c.actor == actor)
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit).offset(offset)).mappings().all()
    return [
        AuditEntry(
            int(r["audit_id"]),
            r["at"],
            str(r["actor"]),
            str(r["role"]),
            str(r["action"]),
            str(r["resource"]),
            r["shop_id"],
            None if r["before"] is None else json.loads(r["before"]),
            None if r["after"] is None else json.loads(r["after"]),
        )
        for r in rows
    ]
