"""One error root, one HTTP status mapping, one error body.

Every refused request raises a :class:`~merchantry.kit.errors.MerchantryError`
subclass; :func:`status_of` maps it (walking the class's ancestors, so a new
subclass inherits its parent's status) and :func:`install` turns it into
``{"error": {"code", "message", "diagnostics"}}``. FastAPI's own validation
errors get the same body with status 422.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any, Final, get_args, get_origin

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException

from merchantry.kit.errors import (
    Conflict,
    InputError,
    IntegrityError,
    MerchantryError,
    NotFound,
)
from merchantry.kit.refusals import refused
from merchantry.risk.access import AccessDenied
from merchantry.risk.cases import InvalidTransition
from merchantry.store.warehouse import WarehouseLocked


class Unauthenticated(MerchantryError):
    """No key, or a key that is malformed, unknown or revoked."""


class Unavailable(MerchantryError):
    """Something the request needs is not there right now (no warehouse, a busy writer)."""


STATUS: Final[dict[type[MerchantryError], tuple[int, str]]] = {
    Unauthenticated: (401, "unauthenticated"),
    AccessDenied: (403, "access_denied"),
    NotFound: (404, "not_found"),
    Conflict: (409, "conflict"),
    InvalidTransition: (409, "invalid_transition"),
    IntegrityError: (409, "conflict"),
    InputError: (422, "invalid_input"),
    Unavailable: (503, "unavailable"),
    WarehouseLocked: (503, "warehouse_locked"),
}


def status_of(err: MerchantryError) -> tuple[int, str]:
    """HTTP status and error code of a Merchantry error (400 for an unmapped one)."""
    for cls in type(err).__mro__:
        if cls in STATUS:
            return STATUS[cls]
    return 400, "bad_request"


class ErrorDetail(BaseModel):
    code: str
    message: str
    diagnostics: list[str] = []


class ErrorBody(BaseModel):
    """Every error the API returns."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": {
                        "code": "access_denied",
                        "message": "key 3f9a... cannot read the statement of shop S0002",
                        "diagnostics": [],
                    }
                }
            ]
        }
    )

    error: ErrorDetail


def body(code: str, message: str, diagnostics: list[str] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "diagnostics": diagnostics or []}}


def _example(status: int, code: str, message: str) -> dict[str, Any]:
    return {
        "model": ErrorBody,
        "content": {"application/json": {"example": body(code, message)}},
    }


COMMON: Final[dict[int | str, dict[str, Any]]] = {
    401: _example(401, "unauthenticated", "send an API key: Authorization: Bearer mk_…"),
    403: _example(403, "access_denied", "this key lacks the scope statements:read"),
    422: _example(422, "invalid_input", "query parameter 'start': invalid date"),
}
"""Responses every authenticated route can give."""

NOT_FOUND: Final[dict[int | str, dict[str, Any]]] = {
    404: _example(404, "not_found", "no shop 'S9999' in the warehouse")
}
CONFLICT: Final[dict[int | str, dict[str, Any]]] = {
    409: _example(409, "conflict", "Idempotency-Key k-1 was used with a different request")
}
UNAVAILABLE: Final[dict[int | str, dict[str, Any]]] = {
    503: _example(503, "unavailable", "the warehouse merchantry.duckdb is not there yet")
}


def _merchantry_error(_request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, MerchantryError)
    status, code = status_of(err)
    diagnostics = [str(d) for d in getattr(err, "diagnostics", ())]
    message = str(err).split("\n", 1)[0] if diagnostics else str(err)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body(code, message, diagnostics), status_code=status, headers=headers)


def _validation_error(_request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, RequestValidationError)
    problems = validation_problems(err)
    message = problems[0] if len(problems) == 1 else f"{len(problems)} problems with the request"
    return JSONResponse(body("invalid_input", message, problems), status_code=422)


def validation_problems(err: RequestValidationError) -> list[str]:
    """Each problem FastAPI found with a request, as ``where: what`` in plain words."""
    problems = []
    for e in err.errors():
        if e.get("type") == "json_invalid":  # pydantic says "body.0: JSON decode error"
            problems.append(_not_json(e))
            continue
        if e.get("type") == "missing" and tuple(e.get("loc", ())) == ("body",):
            problems.append("the request has no body: send a JSON object")
            continue
        where = ".".join(str(p) for p in e.get("loc", ()))
        problems.append(f"{where}: {refused(e, name=str((e.get('loc') or ('',))[-1]))}")
    return problems


def _not_json(error: Mapping[str, Any]) -> str:
    """Where the body stops being JSON, in words (FastAPI gives the character offset)."""
    at = error.get("loc", ("body", 0))[-1]
    reason = str((error.get("ctx") or {}).get("error", "")).strip()
    said = f"the body is not JSON ({reason}" if reason else "the body is not JSON ("
    return said + (", " if reason else "") + f"at character {at}); send a JSON object"


def _http_error(_request: Request, err: Exception) -> JSONResponse:
    assert isinstance(err, StarletteHTTPException)
    if err.status_code == 400:  # a body that is not JSON: bad input, like any other
        return JSONResponse(body("invalid_input", str(err.detail)), status_code=422)
    code = {404: "not_found", 405: "method_not_allowed"}.get(err.status_code, "http_error")
    return JSONResponse(
        body(code, str(err.detail)), status_code=err.status_code, headers=err.headers
    )


def _is_list(annotation: Any) -> bool:
    if get_origin(annotation) in (list, tuple, set, frozenset):
        return True
    return any(_is_list(a) for a in get_args(annotation) if a is not type(None))


SYNONYMS: Final = {
    "from": "start",
    "to": "end",
    "since": "start",
    "until": "end",
    "shop": "shop_id",
    "page": "offset",
    "per_page": "limit",
    "size": "limit",
    "day": "date",
}
"""Names a caller may reach for (the CLI says ``--from``/``--to``) and the parameter a route
takes instead: the refusal of an unknown parameter suggests it when the route takes it."""


def _route_query(request: Request) -> tuple[set[str], set[str]]:
    """The route's query parameters (by the name a caller sends) and those that take lists."""
    names: set[str] = set()
    lists: set[str] = set()
    pending = [getattr(request.scope.get("route"), "dependant", None)]
    while pending:
        dependant = pending.pop()
        if dependant is None:
            continue
        for field in dependant.query_params:
            names.add(field.alias)
            if _is_list(field.field_info.annotation):
                lists.add(field.alias)
        pending.extend(dependant.dependencies)
    return names, lists


def _unknown_message(request: Request, unknown: list[str], known: set[str]) -> str:
    hints = []
    for name in unknown:
        near = SYNONYMS.get(name.lower())
        if near not in known:
            close = difflib.get_close_matches(name, sorted(known), n=1, cutoff=0.6)
            near = close[0] if close else None
        hints.append(f"{name!r}" + (f" (did you mean {near!r}?)" if near else ""))
    route = getattr(request.scope.get("route"), "path", request.url.path)
    takes = f"takes {', '.join(sorted(known))}" if known else "takes no query parameters"
    noun = "parameter" if len(unknown) == 1 else "parameters"
    return f"unknown query {noun} {', '.join(hints)}: {route} {takes}"


async def single_valued_query(request: Request) -> None:
    """Refuse an API query parameter the route does not take, and one given twice unless
    the route takes a list of it.

    FastAPI would silently ignore the first (a misspelt filter, ``/v1/cases?shop=…`` for
    ``shop_id``, would answer every shop's cases) and keep the last value of the second;
    a caller should hear which parameter is not meant (422), as the OpenAPI document says.
    The console's pages (outside ``/v1/``) keep taking what a browser adds (``lang``, a
    campaign's tags).
    """
    names = [k for k, _ in request.query_params.multi_items()]
    if not names:
        return
    known, lists = _route_query(request)
    if request.url.path.startswith("/v1/"):
        unknown = sorted(set(names) - known)
        if unknown:
            raise InputError(_unknown_message(request, unknown, known))
    repeated = {k for k in names if names.count(k) > 1}
    single = sorted(repeated - lists)
    if single:
        raise InputError(f"query parameter {', '.join(single)} takes one value, not several")


def install(app: FastAPI) -> None:
    """Register the handlers on ``app``."""
    app.add_exception_handler(MerchantryError, _merchantry_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
