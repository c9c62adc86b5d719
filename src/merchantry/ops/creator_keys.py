"""Creator keys: API keys that act for one creator (达人), issued by an operator.

A creator key is an ordinary API key (``api_keys``: hashed secret, scopes, revocation)
with the role ``creator``; ``creator_keys`` names the one creator it acts for. Both rows are
written in one transaction, so a creator key never exists without its creator. A creator
key holds only :data:`~merchantry.ops.keys.CREATOR_SCOPES` and no shop, so every shop route
refuses it; the creator routes (``api/routes/creators.py``) serve it its own creator only.
The generic key issuing (``POST /v1/keys``, ``keys.create_key``) refuses the role.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Final

from sqlalchemy import Column, Engine, Index, MetaData, String, Table, select

from merchantry.kit.errors import InputError
from merchantry.ops.keys import (
    CREATOR_SCOPES,
    SCOPE_PATTERN,
    ApiKey,
    IssuedKey,
    KeyRole,
    utcnow,
)
from merchantry.ops.tables import api_keys

metadata = MetaData()

creator_keys = Table(
    "creator_keys",
    metadata,
    Column("key_id", String(32), primary_key=True, comment="the creator key (api_keys)"),
    Column("creator_id", String(64), nullable=False, comment="the one creator it acts for"),
    Index("ix_creator_keys_creator_id", "creator_id"),
)

CREATOR_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def create_creator_key(
    engine: Engine,
    *,
    creator_id: str,
    scopes: frozenset[str] | None = None,
    name: str = "",
    created_by: str,
) -> IssuedKey:
    """Issue a key for ``creator_id``; the secret is returned once, as for any key."""
    chosen = CREATOR_SCOPES if scopes is None else scopes
    problems = []
    if not CREATOR_ID.match(creator_id):
        problems.append(f"creator id {creator_id!r} is not an id (letters, digits, . _ -)")
    bad = sorted(s for s in chosen if not SCOPE_PATTERN.match(s))
    if bad:
        problems.append(f"scopes must read resource:action, not {', '.join(bad)}")
    beyond = sorted(s for s in chosen - CREATOR_SCOPES if SCOPE_PATTERN.match(s))
    if beyond:
        allowed = ", ".join(sorted(CREATOR_SCOPES))
        problems.append(
            f"a creator key cannot hold {', '.join(beyond)} (creator scopes: {allowed})"
        )
    if not chosen:
        problems.append("a key needs at least one scope")
    if problems:
        raise InputError("cannot issue the key: " + "; ".join(problems))
    key_id, secret, now = secrets.token_hex(8), secrets.token_urlsafe(32), utcnow()
    label = name or f"creator {creator_id}"
    with engine.begin() as conn:
        conn.execute(
            api_keys.insert().values(
                key_id=key_id,
                secret_sha256=hashlib.sha256(secret.encode()).hexdigest(),
                role=KeyRole.CREATOR.value,
                shop_id=None,
                scopes=" ".join(sorted(chosen)),
                name=label,
                created_at=now,
                created_by=created_by,
            )
        )
        conn.execute(creator_keys.insert().values(key_id=key_id, creator_id=creator_id))
    key = ApiKey(key_id, KeyRole.CREATOR, None, chosen, label, now, created_by, None)
    return IssuedKey(key, f"mk_{key_id}_{secret}")


def creator_of(engine: Engine, key_id: str) -> str | None:
    """The creator a creator key acts for (``None`` for any other key)."""
    query = select(creator_keys.c.creator_id).where(creator_keys.c.key_id == key_id)
    with engine.connect() as conn:
        found = conn.execute(query).scalar_one_or_none()
    return None if found is None else str(found)
