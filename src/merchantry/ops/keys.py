"""API keys: issued once, stored hashed, scoped ``resource:action``, revocable.

A key reads ``mk_<key id>_<secret>``. Only the SHA-256 of the secret is stored
(the secret is 256 random bits, so a fast hash is enough: there is nothing to
guess), and the key id finds the row without scanning. A merchant key names its
one shop and may hold only merchant scopes; operator and integrator keys hold
no shop.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Final

from sqlalchemy import Engine, select, update

from merchantry.kit.errors import InputError, MerchantryError, NotFound
from merchantry.ops.pulse import Pulse
from merchantry.ops.tables import api_keys


class KeyRole(StrEnum):
    """Who holds a key."""

    OPERATOR = "operator"
    """Platform policy, operations and risk staff: every shop, operator actions."""
    MERCHANT = "merchant"
    """A shop's staff or its software: that one shop's figures, cases and appeals."""
    INTEGRATOR = "integrator"
    """The marketplace's own systems: real-time decisions, events in, webhooks."""
    CREATOR = "creator"
    """A creator (达人): their own seeding incentives and commission (``ops/creator_keys.py``)."""


MERCHANT_SCOPES: Final = frozenset(
    {
        "statements:read",
        "payouts:read",
        "scores:read",
        "returns:read",
        "fees:read",
        "cases:read",
        "cases:appeal",
        "fees:quote",
        "deposits:read",
        "deposits:withdraw",
        "insurance:read",
        "cs:ask",
        "cs:route",
        "programs:read",
        "listings:check",
    }
)
"""Everything a merchant key may hold: reads of its own shop, appeals, its own fee quotes."""

OPERATOR_SCOPES: Final = MERCHANT_SCOPES | {
    "rulebooks:read",
    "simulations:run",
    "simulations:read",
    "cases:review",
    "rankings:read",
    "keys:manage",
    "webhooks:manage",
    "payouts:notify",
    "audit:read",
    "reco:filter",
    "cs:staffing",
    "cs:replay",
    "programs:grant",
    "creators:read",
}
"""What an operator key gets when ``--scopes`` is not given."""

INTEGRATOR_SCOPES: Final = frozenset(
    {
        "webhooks:manage",
        "risk:decide",
        "fees:quote",
        "events:write",
        "reco:filter",
        "cs:route",
        "cs:ask",
        "programs:grant",
    }
)
"""What an integrator key gets when ``--scopes`` is not given."""

CREATOR_SCOPES: Final = frozenset({"creators:read"})
"""Everything a creator key may hold: reads of its own creator."""

DEFAULT_SCOPES: Final = {
    KeyRole.OPERATOR: OPERATOR_SCOPES,
    KeyRole.MERCHANT: MERCHANT_SCOPES,
    KeyRole.INTEGRATOR: INTEGRATOR_SCOPES,
    KeyRole.CREATOR: CREATOR_SCOPES,
}

SCOPE_PATTERN: Final = re.compile(r"^[a-z][a-z0-9_-]*:[a-z][a-z0-9_-]*$")
KEY_PATTERN: Final = re.compile(r"^mk_([0-9a-f]{16})_([A-Za-z0-9_-]{20,128})$")


@dataclass(frozen=True, slots=True)
class ApiKey:
    """A stored key (never its secret)."""

    key_id: str
    role: KeyRole
    shop_id: str | None
    scopes: frozenset[str]
    name: str
    created_at: datetime
    created_by: str
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A key just created: ``secret_key`` is shown once and never stored."""

    key: ApiKey
    secret_key: str


def utcnow() -> datetime:
    """Naive UTC now, as the operational tables store times."""
    return datetime.now(UTC).replace(tzinfo=None)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _row_key(row: dict[str, object]) -> ApiKey:
    return ApiKey(
        str(row["key_id"]),
        KeyRole(str(row["role"])),
        None if row["shop_id"] is None else str(row["shop_id"]),
        frozenset(str(row["scopes"]).split()),
        str(row["name"]),
        row["created_at"],  # type: ignore[arg-type]
        str(row["created_by"]),
        row["revoked_at"],  # type: ignore[arg-type]
    )


def check_key_request(role: KeyRole, shop_id: str | None, scopes: frozenset[str]) -> None:
    """Raise ``InputError`` naming every problem with a key about to be issued."""
    problems = []
    if role is KeyRole.CREATOR:
        problems.append("a creator key acts for one creator: issue it with create_creator_key")
    if role is KeyRole.MERCHANT and not shop_id:
        problems.append("a merchant key needs --shop (the one shop it acts for)")
    if role is not KeyRole.MERCHANT and shop_id:
        problems.append(f"an {role.value} key sees every shop; drop --shop {shop_id}")
    bad = sorted(s for s in scopes if not SCOPE_PATTERN.match(s))
    if bad:
        problems.append(f"scopes must read resource:action, not {', '.join(bad)}")
    if role is KeyRole.MERCHANT:
        beyond = sorted(s for s in scopes - MERCHANT_SCOPES if SCOPE_PATTERN.match(s))
        if beyond:
            allowed = ", ".join(sorted(MERCHANT_SCOPES))
            problems.append(
                f"a merchant key cannot hold {', '.join(beyond)} (merchant scopes: {allowed})"
            )
    if not scopes:
        problems.append("a key needs at least one scope")
    if problems:
        raise InputError("cannot issue the key: " + "; ".join(problems))


def create_key(
    engine: Engine,
    *,
    role: KeyRole,
    shop_id: str | None = None,
    scopes: frozenset[str] | None = None,
    name: str = "",
    created_by: str,
) -> IssuedKey:
    """Issue a key; the returned ``secret_key`` is the only time the secret exists in clear."""
    chosen = DEFAULT_SCOPES[role] if scopes is None else scopes
    check_key_request(role, shop_id, chosen)
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            api_keys.insert().values(
                key_id=key_id,
                secret_sha256=_digest(secret),
                role=role.value,
                shop_id=shop_id,
                scopes=" ".join(sorted(chosen)),
                name=name or f"{role.value} key",
                created_at=now,
                created_by=created_by,
            )
        )
    key = ApiKey(key_id, role, shop_id, chosen, name or f"{role.value} key", now, created_by, None)
    return IssuedKey(key, f"mk_{key_id}_{secret}")


def verify_key(engine: Engine, presented: str) -> ApiKey | None:
    """The live key ``presented`` is, or ``None`` (malformed, unknown, wrong secret, revoked)."""
    match = KEY_PATTERN.match(presented.strip())
    if match is None:
        return None
    key_id, secret = match.groups()
    with engine.connect() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().first()
    if row is None or row["revoked_at"] is not None:
        return None
    if not hmac.compare_digest(str(row["secret_sha256"]), _digest(secret)):
        return None
    return _row_key(dict(row))


def get_key(engine: Engine, key_id: str) -> ApiKey:
    with engine.connect() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.key_id == key_id)).mappings().first()
    if row is None:
        raise NotFound(f"no API key {key_id}")
    return _row_key(dict(row))


def list_keys(engine: Engine, *, limit: int = 100, offset: int = 0) -> list[ApiKey]:
    query = select(api_keys).order_by(api_keys.c.created_at, api_keys.c.key_id)
    with engine.connect() as conn:
        rows = conn.execute(query.limit(limit).offset(offset)).mappings().all()
    return [_row_key(dict(r)) for r in rows]


def revoke_key(engine: Engine, key_id: str) -> ApiKey:
    """Revoke a key (a second revoke keeps the first time)."""
    key = get_key(engine, key_id)
    if key.revoked_at is None:
        with engine.begin() as conn:
            conn.execute(
                update(api_keys)
                .where(api_keys.c.key_id == key_id, api_keys.c.revoked_at.is_(None))
                .values(revoked_at=utcnow())
            )
    return get_key(engine, key_id)


class KeyVerifier:
    """:func:`verify_key` for a server: each key's secret is checked once per process.

    A verified key is kept in memory (keyed by the presented string, so a wrong secret
    never matches a cached entry). Whether it is still live comes from the worker's
    :class:`~merchantry.ops.pulse.Pulse`: from memory while its watcher is fresh, else
    one indexed read, so a revocation by any process, worker or the CLI is refused within
    the pulse's bound (at once with the bound 0); the process that revokes refuses the key
    at once (:meth:`revoked`). A key not in the cache (first use, or after the cache
    filled) goes through :func:`verify_key`.
    """

    MAX_KEYS: Final = 10_000

    def __init__(self, engine: Engine, pulse: Pulse | None = None) -> None:
        self.engine = engine
        self.pulse = pulse if pulse is not None else Pulse(engine, bound_s=0)
        self._verified: dict[str, ApiKey] = {}
        self._lock = threading.Lock()

    def cached(self, presented: str) -> ApiKey | None:
        """The key ``presented`` was verified as, if it is in memory (its liveness not
        checked: the caller checks it, e.g. in the same read as the inbox's tail)."""
        return self._verified.get(presented)

    def verify(self, presented: str) -> ApiKey | None:
        """The live key ``presented`` is, or ``None`` (malformed, unknown, wrong, revoked)."""
        key = self._verified.get(presented)
        if key is not None:
            if self.pulse.check(key.key_id, None).live:
                return key
            self.forget(key.key_id)
            return None
        key = verify_key(self.engine, presented)
        if key is not None:
            with self._lock:
                if len(self._verified) >= self.MAX_KEYS:
                    self._verified.clear()
                self._verified[presented] = key
        return key

    def revoked(self, key_id: str) -> None:
        """This process revoked ``key_id``: refuse it from now on."""
        self.pulse.revoked_here(key_id)
        self.forget(key_id)

    def forget(self, key_id: str) -> None:
        """Drop every cached entry of ``key_id``."""
        with self._lock:
            for presented in [p for p, k in self._verified.items() if k.key_id == key_id]:
                del self._verified[presented]


class RevokedKey(MerchantryError):
    """The key a call came with was revoked (found in the same read as the inbox's tail)."""
