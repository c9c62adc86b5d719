"""People's sessions: an API key exchanged for a signed cookie, CSRF tokens, who is asking.

A person logs in with an API key (the same keys the API takes, issued by
``merchantry keys create``). The key is checked once; the session cookie then
carries only its id, signed with the console's secret (itsdangerous) and
timestamped, so it expires after :data:`SESSION_MAX_AGE_S`. Every request
re-reads the key by id, so revoking a key ends its sessions at once.

CSRF: every form carries a token equal to the ``merchantry_csrf`` cookie
(double submit, the cookie signed so it cannot be planted unsigned); every POST
is refused (403) unless both are present, equal and validly signed. Cookies are
HttpOnly and SameSite=Lax.

The secret is ``MERCHANTRY_CONSOLE_SECRET`` when set; otherwise a random one
kept in a file beside the warehouse (created once, mode 0600), so every worker
of one service signs with the same secret and sessions survive a restart.
"""

from __future__ import annotations

import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from fastapi import Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from merchantry.api.auth import Principal
from merchantry.api.errors import Unauthenticated
from merchantry.kit.errors import NotFound
from merchantry.ops.keys import get_key, verify_key
from merchantry.risk.access import AccessDenied

SESSION_COOKIE: Final = "merchantry_session"
CSRF_COOKIE: Final = "merchantry_csrf"
CSRF_FIELD: Final = "csrf"
SESSION_MAX_AGE_S: Final = 8 * 3600
"""A working day: a session older than this must log in again."""
SECRET_ENV: Final = "MERCHANTRY_CONSOLE_SECRET"


class LoginRequired(Unauthenticated):
    """A console page was asked for without a valid session (the console redirects to login)."""


def console_secret(warehouse: Path) -> str:
    """The signing secret: the environment's, or the one kept beside the warehouse."""
    given = os.environ.get(SECRET_ENV)
    if given:
        return given
    path = Path(f"{warehouse}.console-secret")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="ascii").strip()
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secrets.token_hex(32))
    return path.read_text(encoding="ascii").strip()


@dataclass(frozen=True)
class Signer:
    """Signs and checks the session and CSRF cookies."""

    secret: str

    def _serializer(self, salt: str) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt=salt)

    def session(self, key_id: str) -> str:
        return str(self._serializer("session").dumps({"key_id": key_id}))

    def session_key_id(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            data = self._serializer("session").loads(cookie, max_age=SESSION_MAX_AGE_S)
        except BadSignature:
            return None
        key_id = data.get("key_id") if isinstance(data, dict) else None
        return key_id if isinstance(key_id, str) else None

    def new_csrf(self) -> str:
        return str(self._serializer("csrf").dumps(secrets.token_urlsafe(16)))

    def csrf_ok(self, cookie: str | None, form: str | None) -> bool:
        if not cookie or not form or not hmac.compare_digest(cookie, form):
            return False
        try:
            self._serializer("csrf").loads(cookie, max_age=SESSION_MAX_AGE_S)
        except BadSignature:
            return False
        return True


def signer_of(request: Request) -> Signer:
    signer = getattr(request.app.state, "console_signer", None)
    if signer is None:
        signer = Signer(console_secret(request.app.state.settings.warehouse))
        request.app.state.console_signer = signer
    return signer


def login_principal(request: Request, presented: str) -> Principal:
    """The principal of a key typed on the login page (401 when it is not valid)."""
    key = verify_key(request.app.state.ops_engine, presented.strip())
    if key is None:
        raise Unauthenticated("the API key is malformed, unknown or revoked")
    return Principal(key.key_id, key.role.value, key.shop_id, key.scopes)


def current_principal(request: Request) -> Principal | None:
    """Who the session cookie stands for, or ``None`` (no cookie, expired, key revoked)."""
    key_id = signer_of(request).session_key_id(request.cookies.get(SESSION_COOKIE))
    if key_id is None:
        return None
    try:
        key = get_key(request.app.state.ops_engine, key_id)
    except NotFound:
        return None
    if key.revoked_at is not None:
        return None
    return Principal(key.key_id, key.role.value, key.shop_id, key.scopes)


def require_principal(request: Request) -> Principal:
    """A FastAPI dependency: the session's principal, or :class:`LoginRequired`."""
    principal = current_principal(request)
    if principal is None:
        raise LoginRequired("log in with an API key first")
    return principal


def require_operator(request: Request) -> Principal:
    principal = require_principal(request)
    if not principal.is_operator:
        raise AccessDenied(f"key {principal.key_id} is not an operator's")
    return principal


def check_csrf(request: Request, token: str | None) -> None:
    """Refuse (403) a form whose CSRF token does not match the cookie."""
    if not signer_of(request).csrf_ok(request.cookies.get(CSRF_COOKIE), token):
        raise AccessDenied("the form's CSRF token is missing or stale; reload the page")
