"""``Idempotency-Key`` for every write: replay the first response, refuse a different body.

A write route takes ``idem: Idempotency = Depends(idempotency)`` and returns
``idem.run(lambda: (status, payload))``. The first request with a key records
itself (key id, idempotency key, a SHA-256 of method, path and body) before the
work runs, so a concurrent duplicate is refused (409) rather than run twice;
its response (status and exact body bytes) is stored when it completes. Later:

* same key, same request -> the stored response, byte for byte, with
  ``Idempotent-Replayed: true``;
* same key, different method, path or body -> 409;
* a request that failed with a refused-request error (4xx) stores nothing, so
  it can be retried with the same key once fixed.

Keys are per API key: two callers cannot collide. Records are kept for
``idempotency_ttl_hours`` (24 by default) and then purged by the dispatcher
thread, which also bounds how long a created key's secret stays in a stored
response.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Depends, Header, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import Response
from sqlalchemy import Engine, delete, select, update
from sqlalchemy.exc import IntegrityError as SqlIntegrityError

from merchantry.api.auth import Principal, authenticate
from merchantry.kit.errors import Conflict, InputError
from merchantry.ops.keys import utcnow
from merchantry.ops.tables import idempotency_records

REPLAYED = "Idempotent-Replayed"


def _fingerprint(method: str, path: str, raw: bytes) -> str:
    try:
        canonical = json.dumps(json.loads(raw), sort_keys=True, separators=(",", ":")).encode()
    except ValueError:
        canonical = raw
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


def _render(payload: Any) -> bytes:
    return json.dumps(jsonable_encoder(payload), ensure_ascii=False, separators=(",", ":")).encode()


@dataclass
class Idempotency:
    """One write request's idempotency record."""

    engine: Engine
    key_id: str
    key: str
    method: str
    path: str
    fingerprint: str

    def _stored(self) -> dict[str, Any] | None:
        query = select(idempotency_records).where(
            idempotency_records.c.key_id == self.key_id,
            idempotency_records.c.idempotency_key == self.key,
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else dict(row)

    def _claim(self) -> Response | None:
        """Record the request, or the stored response to replay instead."""
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    idempotency_records.insert().values(
                        key_id=self.key_id,
                        idempotency_key=self.key,
                        method=self.method,
                        path=self.path,
                        request_sha256=self.fingerprint,
                        created_at=utcnow(),
                    )
                )
            return None
        except SqlIntegrityError:
            pass
        row = self._stored()
        if row is None:  # the first one failed and let go of the key in between
            return self._claim()
        if row["request_sha256"] != self.fingerprint:
            raise Conflict(
                f"Idempotency-Key {self.key} was used with a different request "
                f"({row['method']} {row['path']}); use a new key for a new request"
            )
        if row["status_code"] is None:
            raise Conflict(f"a request with Idempotency-Key {self.key} is still in flight")
        return Response(
            content=str(row["response_body"]).encode(),
            status_code=int(row["status_code"]),
            media_type="application/json",
            headers={REPLAYED: "true"},
        )

    def _release(self) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                delete(idempotency_records).where(
                    idempotency_records.c.key_id == self.key_id,
                    idempotency_records.c.idempotency_key == self.key,
                    idempotency_records.c.status_code.is_(None),
                )
            )

    def run(self, work: Callable[[], tuple[int, Any]]) -> Response:
        """Do ``work`` once per key; its ``(status, payload)`` becomes the stored response."""
        replay = self._claim()
        if replay is not None:
            return replay
        try:
            status, payload = work()
        except BaseException:
            self._release()
            raise
        content = _render(payload)
        with self.engine.begin() as conn:
            conn.execute(
                update(idempotency_records)
                .where(
                    idempotency_records.c.key_id == self.key_id,
                    idempotency_records.c.idempotency_key == self.key,
                )
                .values(status_code=status, response_body=content.decode(), completed_at=utcnow())
            )
        return Response(content=content, status_code=status, media_type="application/json")


async def idempotency(
    request: Request,
    idempotency_key: Annotated[
        str,
        Header(
            alias="Idempotency-Key",
            min_length=1,
            max_length=255,
            description="Any unique string per write (a UUID); a retry sends the same one.",
            examples=["6f1c2d0e-9b7a-4c1e-8f3a-2d5b7e9c0a14"],
        ),
    ],
    principal: Principal = Depends(authenticate),
) -> Idempotency:
    """The dependency every write route takes (the header is required)."""
    if not idempotency_key.strip() or not idempotency_key.isprintable():
        raise InputError("Idempotency-Key must be printable text")
    raw = await request.body()
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return Idempotency(
        request.app.state.ops_engine,
        principal.key_id,
        idempotency_key,
        request.method,
        target[:1024],
        _fingerprint(request.method, target, raw),
    )


def purge(engine: Engine, older_than: timedelta) -> int:
    """Delete records created more than ``older_than`` ago; how many."""
    cutoff = utcnow() - older_than
    with engine.begin() as conn:
        gone = conn.execute(
            delete(idempotency_records).where(idempotency_records.c.created_at < cutoff)
        )
    return int(gone.rowcount or 0)
