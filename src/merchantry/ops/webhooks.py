"""Webhooks: endpoints, signed deliveries with retries and back-off, and their log.

Signing follows the Standard Webhooks convention: each message has an id
(``webhook-id``, the same on every retry), a Unix timestamp
(``webhook-timestamp``) and ``webhook-signature: v1,<base64 HMAC-SHA256 of
"id.timestamp.body">`` keyed by the endpoint's secret (``whsec_`` + base64).

Delivery is an outbox: :func:`enqueue` writes one ``pending`` delivery per
subscribed endpoint in the caller's transaction, and :func:`deliver_due` (run
by the service's dispatcher thread) claims due deliveries with a guarded update,
so several workers never send the same attempt twice. A 2xx answer marks it
``delivered``; anything else is retried after ``base_delay * 2**(attempt-1)``
(capped) until ``max_attempts``, then ``failed``. Every attempt is a row in
``webhook_attempts``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Final

import httpx
from sqlalchemy import Engine, select, update
from sqlalchemy.engine import Connection

from merchantry.kit.errors import InputError, NotFound
from merchantry.ops.keys import utcnow
from merchantry.ops.tables import webhook_attempts, webhook_deliveries, webhook_endpoints

EVENT_TYPES: Final = frozenset({"case.state_changed", "payout.scheduled"})
"""Events the service sends: a risk case moved; a shop's payouts for a day are scheduled."""

SECRET_PREFIX: Final = "whsec_"


@dataclass(frozen=True, slots=True)
class DeliverySettings:
    """How hard to try: attempts, back-off and the HTTP timeout."""

    max_attempts: int = 6
    base_delay_s: float = 5.0
    max_delay_s: float = 3600.0
    timeout_s: float = 10.0

    def delay(self, attempt: int) -> timedelta:
        """Wait after failed attempt number ``attempt`` (1-based): doubling, capped."""
        return timedelta(seconds=min(self.base_delay_s * 2 ** (attempt - 1), self.max_delay_s))


@dataclass(frozen=True, slots=True)
class Endpoint:
    endpoint_id: str
    url: str
    event_types: frozenset[str]
    shop_id: str | None
    created_at: datetime
    created_by: str
    disabled_at: datetime | None


@dataclass(frozen=True, slots=True)
class Delivery:
    delivery_id: int
    message_id: str
    endpoint_id: str
    event_type: str
    shop_id: str | None
    state: str
    attempts: int
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    """The ``webhook-signature`` value for one message."""
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def _endpoint(row: Mapping[str, Any]) -> Endpoint:
    return Endpoint(
        str(row["endpoint_id"]),
        str(row["url"]),
        frozenset(str(row["event_types"]).split()),
        row["shop_id"],
        row["created_at"],
        str(row["created_by"]),
        row["disabled_at"],
    )


def _delivery(row: Mapping[str, Any]) -> Delivery:
    return Delivery(
        int(row["delivery_id"]),
        str(row["message_id"]),
        str(row["endpoint_id"]),
        str(row["event_type"]),
        row["shop_id"],
        str(row["state"]),
        int(row["attempts"]),
        row["next_attempt_at"],
        row["last_status"],
        row["last_error"],
        row["created_at"],
        row["finished_at"],
    )


def add_endpoint(
    engine: Engine,
    *,
    url: str,
    event_types: frozenset[str],
    shop_id: str | None,
    created_by: str,
    secret: str | None = None,
) -> tuple[Endpoint, str]:
    """Register an endpoint; returns it and its signing secret (shown once)."""
    problems = []
    if not url.startswith(("http://", "https://")):
        problems.append(f"url must be http(s), not {url!r}")
    unknown = sorted(event_types - EVENT_TYPES)
    if unknown:
        problems.append(
            f"unknown event types {', '.join(unknown)} (known: {', '.join(sorted(EVENT_TYPES))})"
        )
    if not event_types:
        problems.append("subscribe to at least one event type")
    if problems:
        raise InputError("cannot register the webhook endpoint: " + "; ".join(problems))
    endpoint_id = "we_" + secrets.token_hex(8)
    secret = secret or new_secret()
    with engine.begin() as conn:
        conn.execute(
            webhook_endpoints.insert().values(
                endpoint_id=endpoint_id,
                url=url,
                secret=secret,
                event_types=" ".join(sorted(event_types)),
                shop_id=shop_id,
                created_at=utcnow(),
                created_by=created_by,
            )
        )
    return get_endpoint(engine, endpoint_id), secret


def get_endpoint(engine: Engine, endpoint_id: str) -> Endpoint:
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(webhook_endpoints).where(webhook_endpoints.c.endpoint_id == endpoint_id)
            )
            .mappings()
            .first()
        )
    if row is None:
        raise NotFound(f"no webhook endpoint {endpoint_id}")
    return _endpoint(dict(row))


def list_endpoints(engine: Engine) -> list[Endpoint]:
    query = select(webhook_endpoints).order_by(webhook_endpoints.c.created_at)
    with engine.connect() as conn:
        return [_endpoint(dict(r)) for r in conn.execute(query).mappings()]


def disable_endpoint(engine: Engine, endpoint_id: str) -> Endpoint:
    """Stop sending to an endpoint (its pending deliveries are abandoned as failed)."""
    get_endpoint(engine, endpoint_id)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            update(webhook_endpoints)
            .where(
                webhook_endpoints.c.endpoint_id == endpoint_id,
                webhook_endpoints.c.disabled_at.is_(None),
            )
            .values(disabled_at=now)
        )
        conn.execute(
            update(webhook_deliveries)
            .where(
                webhook_deliveries.c.endpoint_id == endpoint_id,
                webhook_deliveries.c.state.in_(("pending", "sending")),
            )
            .values(state="failed", last_error="endpoint disabled", finished_at=now)
        )
    return get_endpoint(engine, endpoint_id)


def enqueue(
    conn: Connection,
    event_type: str,
    shop_id: str | None,
    data: Mapping[str, Any],
    key: str | None = None,
) -> list[str]:
    """Queue ``event_type`` for every live endpoint subscribed to it (and to the shop, for a
    shop-bound endpoint), in the caller's transaction; the message ids.

    With ``key`` (what the event is about, e.g. a payout's shop, day and figures) the message
    id is :func:`message_id_for` it, so sending the same thing again (a manual resend) carries
    the id the receiver has already seen and it can drop the repeat; without, a fresh id."""
    if event_type not in EVENT_TYPES:
        raise InputError(f"unknown webhook event type {event_type!r}")
    now = utcnow()
    endpoints = conn.execute(
        select(webhook_endpoints).where(webhook_endpoints.c.disabled_at.is_(None))
    ).mappings()
    ids = []
    for row in endpoints:
        endpoint = _endpoint(dict(row))
        if event_type not in endpoint.event_types:
            continue
        if endpoint.shop_id is not None and endpoint.shop_id != shop_id:
            continue
        message_id = (
            message_id_for(event_type, key) if key is not None else "msg_" + secrets.token_hex(12)
        )
        body = {"type": event_type, "timestamp": now.isoformat() + "Z", "data": dict(data)}
        conn.execute(
            webhook_deliveries.insert().values(
                message_id=message_id,
                endpoint_id=endpoint.endpoint_id,
                event_type=event_type,
                shop_id=shop_id,
                payload=json.dumps(body, sort_keys=True, default=str),
                state="pending",
                attempts=0,
                next_attempt_at=now,
                created_at=now,
            )
        )
        ids.append(message_id)
    return ids


def message_id_for(event_type: str, key: str) -> str:
    """A message id fixed by what the event says (``key``), so a repeat is recognised."""
    return "msg_" + hashlib.sha256(f"{event_type}\n{key}".encode()).hexdigest()[:24]


def enqueue_once(
    conn: Connection,
    event_type: str,
    events: Sequence[tuple[str | None, Mapping[str, Any], str]],
) -> int:
    """Queue ``(shop_id, data, key)`` events as :func:`enqueue` does, in bulk, each at most
    once per endpoint: its message id comes from ``key`` (:func:`message_id_for`), and an
    endpoint that already has that message gets nothing. For events a re-run repeats (a
    close run again over the same period). Returns how many deliveries were queued."""
    if event_type not in EVENT_TYPES:
        raise InputError(f"unknown webhook event type {event_type!r}")
    rows = conn.execute(
        select(webhook_endpoints).where(webhook_endpoints.c.disabled_at.is_(None))
    ).mappings()
    endpoints = [e for e in (_endpoint(dict(r)) for r in rows) if event_type in e.event_types]
    if not endpoints or not events:
        return 0
    now = utcnow()
    ids = [message_id_for(event_type, key) for _, _, key in events]
    sent: set[tuple[str, str]] = set()
    for start in range(0, len(ids), 500):
        chunk = sorted(set(ids[start : start + 500]))
        found = conn.execute(
            select(webhook_deliveries.c.message_id, webhook_deliveries.c.endpoint_id).where(
                webhook_deliveries.c.message_id.in_(chunk)
            )
        ).all()
        sent.update((str(m), str(e)) for m, e in found)
    stamp = now.isoformat() + "Z"
    values = []
    for (shop_id, data, _key), message_id in zip(events, ids, strict=True):
        body = json.dumps(
            {"type": event_type, "timestamp": stamp, "data": dict(data)},
            sort_keys=True,
            default=str,
        )
        for endpoint in endpoints:
            if endpoint.shop_id is not None and endpoint.shop_id != shop_id:
                continue
            if (message_id, endpoint.endpoint_id) in sent:
                continue
            sent.add((message_id, endpoint.endpoint_id))
            values.append(
                {
                    "message_id": message_id,
                    "endpoint_id": endpoint.endpoint_id,
                    "event_type": event_type,
                    "shop_id": shop_id,
                    "payload": body,
                    "state": "pending",
                    "attempts": 0,
                    "next_attempt_at": now,
                    "created_at": now,
                }
            )
    if values:
        conn.execute(webhook_deliveries.insert(), values)
    return len(values)


def list_deliveries(
    engine: Engine,
    *,
    endpoint_id: str | None = None,
    state: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[Delivery]:
    query = select(webhook_deliveries).order_by(webhook_deliveries.c.delivery_id.desc())
    if endpoint_id is not None:
        query = query.where(webhook_deliveries.c.endpoint_id == endpoint_id)
    if state is not None:
        query = query.where(webhook_deliveries.c.state == state)
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit).offset(offset)).mappings().all()
    return [_delivery(dict(r)) for r in rows]


def attempts_of(engine: Engine, delivery_id: int) -> list[dict[str, Any]]:
    query = (
        select(webhook_attempts)
        .where(webhook_attempts.c.delivery_id == delivery_id)
        .order_by(webhook_attempts.c.attempt)
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def _claim(engine: Engine, now: datetime, lease: timedelta, limit: int) -> list[dict[str, Any]]:
    """Due deliveries this worker now owns (a lost worker's lease runs out and frees them)."""
    due = (
        select(webhook_deliveries, webhook_endpoints.c.url, webhook_endpoints.c.secret)
        .join(webhook_endpoints)
        .where(
            webhook_deliveries.c.state.in_(("pending", "sending")),
            webhook_deliveries.c.next_attempt_at <= now,
        )
        .order_by(webhook_deliveries.c.next_attempt_at, webhook_deliveries.c.delivery_id)
        .limit(limit)
    )
    claimed = []
    with engine.begin() as conn:
        for row in conn.execute(due).mappings().all():
            took = conn.execute(
                update(webhook_deliveries)
                .where(
                    webhook_deliveries.c.delivery_id == row["delivery_id"],
                    webhook_deliveries.c.state == row["state"],
                    webhook_deliveries.c.attempts == row["attempts"],
                )
                .values(state="sending", next_attempt_at=now + lease)
            )
            if took.rowcount == 1:
                claimed.append(dict(row))
    return claimed


def _send(client: httpx.Client, row: Mapping[str, Any]) -> tuple[int | None, str | None]:
    body = str(row["payload"]).encode()
    timestamp = int(time.time())
    headers = {
        "content-type": "application/json",
        "webhook-id": str(row["message_id"]),
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(str(row["secret"]), str(row["message_id"]), timestamp, body),
    }
    try:
        response = client.post(str(row["url"]), content=body, headers=headers)
    except httpx.HTTPError as err:
        return None, f"{type(err).__name__}: {err}"
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}: {response.text[:200]}"


def deliver_due(
    engine: Engine,
    client: httpx.Client,
    settings: DeliverySettings,
    *,
    limit: int = 50,
) -> int:
    """Send every due delivery once; the number of attempts made."""
    now = utcnow()
    lease = timedelta(seconds=settings.timeout_s * 2 + 1)
    made = 0
    for row in _claim(engine, now, lease, limit):
        began = time.perf_counter()
        status, error = _send(client, row)
        took = int((time.perf_counter() - began) * 1000)
        attempt = int(row["attempts"]) + 1
        done = utcnow()
        values: dict[str, Any] = {"attempts": attempt, "last_status": status, "last_error": error}
        if error is None:
            values |= {"state": "delivered", "next_attempt_at": None, "finished_at": done}
        elif attempt >= settings.max_attempts:
            values |= {"state": "failed", "next_attempt_at": None, "finished_at": done}
        else:
            values |= {"state": "pending", "next_attempt_at": done + settings.delay(attempt)}
        with engine.begin() as conn:
            conn.execute(
                webhook_attempts.insert().values(
                    delivery_id=row["delivery_id"],
                    attempt=attempt,
                    at=done,
                    status_code=status,
                    error=error,
                    duration_ms=took,
                )
            )
            conn.execute(
                update(webhook_deliveries)
                .where(
                    webhook_deliveries.c.delivery_id == row["delivery_id"],
                    webhook_deliveries.c.state == "sending",
                )
                .values(**values)
            )
        made += 1
    return made


def pending_count(engine: Engine) -> int:
    """Deliveries not yet delivered or given up."""
    query = select(webhook_deliveries.c.delivery_id).where(
        webhook_deliveries.c.state.in_(("pending", "sending"))
    )
    with engine.connect() as conn:
        return len(conn.execute(query).all())
