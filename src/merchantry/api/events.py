"""What every write leaves behind: an audit row, and the webhooks its change triggers.

Both go in one transaction of the operational database, so a change is never
audited without its webhook queued or the other way round.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder

from merchantry.api.auth import Principal
from merchantry.ops import audit
from merchantry.ops.webhooks import enqueue
from merchantry.risk.cases import Case


def as_json(value: Any) -> Any:
    """A dataclass or model as plain JSON values (for audit before/after)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return jsonable_encoder(value)


def written(
    request: Request,
    principal: Principal,
    *,
    action: str,
    resource: str,
    shop_id: str | None = None,
    before: Any = None,
    after: Any = None,
    webhook: tuple[str, Mapping[str, Any]] | None = None,
) -> None:
    """Audit a write (and queue its webhook) in one transaction; wake the dispatcher."""
    engine = request.app.state.ops_engine
    with engine.begin() as conn:
        audit.record(
            conn,
            actor=principal.actor,
            role=principal.role,
            action=action,
            resource=resource,
            shop_id=shop_id,
            before=None if before is None else as_json(before),
            after=None if after is None else as_json(after),
        )
        if webhook is not None:
            event_type, data = webhook
            enqueue(conn, event_type, shop_id, data)
    if webhook is not None and request.app.state.dispatcher is not None:
        request.app.state.dispatcher.wake()


def case_event(before: Case, after: Case, note: str) -> tuple[str, dict[str, Any]]:
    """The ``case.state_changed`` webhook of a move."""
    return (
        "case.state_changed",
        {
            "case_id": after.case_id,
            "shop_id": after.shop_id,
            "subject": after.subject.value,
            "subject_id": after.subject_id,
            "from_state": before.state.value,
            "to_state": after.state.value,
            "note": note,
            "amount_fen": after.amount_fen,
            "reversal_entry_id": after.reversal_entry_id,
        },
    )
