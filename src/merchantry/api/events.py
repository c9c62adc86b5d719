"""What every write leaves behind: an audit row, and the webhooks its change triggers.

Both go in one transaction of the operational database, so a change is never
audited without its webhook queued or the other way round.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from sqlalchemy.engine import Connection

from merchantry.api.auth import Principal
from merchantry.ops import audit
from merchantry.ops.webhooks import enqueue
from merchantry.risk.cases import Case
from merchantry.service.cases import Recorder


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
    webhook_key: str | None = None,
) -> None:
    """Audit a write (and queue its webhook) in one transaction; wake the dispatcher.

    ``webhook_key`` fixes the webhook's message id (see :func:`~merchantry.ops.webhooks.
    enqueue`): the same subject sent again gets the same id."""
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
            enqueue(conn, event_type, shop_id, data, webhook_key)
    if webhook is not None and request.app.state.dispatcher is not None:
        request.app.state.dispatcher.wake()


def case_recorder(
    request: Request, principal: Principal, *, action: str, zone: Callable[[Case], Case]
) -> Recorder:
    """Audit a case move in the transaction that queues its webhook (the service's
    :func:`~merchantry.service.cases.move_case` / ``appeal_case`` call it), and wake the
    dispatcher once that transaction has committed."""

    def record(conn: Connection, before: Case, after: Case) -> None:
        audit.record(
            conn,
            actor=principal.actor,
            role=principal.role,
            action=action,
            resource=f"case:{after.case_id}",
            shop_id=after.shop_id,
            before=as_json(zone(before)),
            after=as_json(zone(after)),
        )

    return record


def wake(request: Request) -> None:
    """Tell the dispatcher a webhook is waiting (it also polls)."""
    if request.app.state.dispatcher is not None:
        request.app.state.dispatcher.wake()
