"""The console: merchants and operators use Merchantry in a browser, in Chinese and English.

Served by the API's own FastAPI process under ``/console`` (``install(app)``, called
from :func:`merchantry.api.app.create_app`). Pages are rendered on the server from
Jinja templates; htmx (vendored in ``static/``, with its licence) swaps parts in
place; charts are plotly.js from the installed ``plotly`` package, served locally.
The console holds no domain logic: it calls the same ``service`` use cases and
the same checks (keys, scopes, the shop rule, audit) as the API.

Data flow: login page -> API key checked -> signed session cookie (key id) ->
each page: session -> principal -> scope and shop check -> service read on the
latest warehouse snapshot -> template in the chosen language.
"""

from __future__ import annotations

from functools import cache
from typing import Annotated, Final
from urllib.parse import urlsplit

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import RedirectResponse, Response

from merchantry.console import pages_merchant, pages_operator, pages_programs
from merchantry.console.render import ConsoleRoute, render
from merchantry.console.session import (
    SESSION_COOKIE,
    SESSION_MAX_AGE_S,
    check_csrf,
    current_principal,
    login_principal,
    signer_of,
)
from merchantry.kit.errors import MerchantryError, NotFound
from merchantry.report.assets import plotly_js

__all__ = ["install"]

STATIC: Final = {
    "htmx.min.js": "application/javascript",
    "console.js": "application/javascript",
}

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)


def _home_of(request: Request) -> str:
    principal = current_principal(request)
    if principal is None:
        return "/console/login"
    if principal.is_operator:
        return "/console/op/rulebooks"
    if principal.shop_id:
        return f"/console/shops/{principal.shop_id}/statement"
    return "/console/login?role=integrator"


@router.get("")
@router.get("/")
def home(request: Request) -> Response:
    return RedirectResponse(_home_of(request), status_code=303)


@router.get("/login")
def login_page(request: Request, next: str = "") -> Response:
    return render(request, "login.html", next=_safe_next(next), error=None, principal=None)


def _safe_next(target: str) -> str:
    """Only a path inside the console (never another site)."""
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console"):
        return ""
    return parts.path


@router.post("/login")
def login(
    request: Request,
    key: Annotated[str, Form(max_length=256)] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    try:
        principal = login_principal(request, key)
    except MerchantryError as err:
        return render(
            request,
            "login.html",
            status=401,
            next=_safe_next(next),
            error=str(err),
            principal=None,
        )
    if principal.role == "integrator":
        return render(
            request, "login.html", status=403, next="", error="integrator", principal=None
        )
    target = _safe_next(next) or (
        "/console/op/rulebooks"
        if principal.is_operator
        else f"/console/shops/{principal.shop_id}/statement"
    )
    if not principal.is_operator:
        pages_merchant.warm_diagnosis(request)
    response = RedirectResponse(target, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        signer_of(request).session(principal.key_id),
        max_age=SESSION_MAX_AGE_S,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(request, csrf)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@cache
def _asset(name: str) -> bytes:
    from importlib.resources import files

    return files("merchantry.console").joinpath("static", name).read_bytes()


@cache
def _plotly() -> bytes:
    return plotly_js().encode("utf-8")


@router.get("/static/{name}")
def static(name: str) -> Response:
    headers = {"Cache-Control": "public, max-age=86400"}
    if name == "plotly.min.js":
        return Response(_plotly(), media_type="application/javascript", headers=headers)
    if name not in STATIC:
        return Response("not found", status_code=404, media_type="text/plain")
    return Response(_asset(name), media_type=STATIC[name], headers=headers)


unknown = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)
"""Mounted after every page: a console address that names none."""


@unknown.get("/{rest:path}")
def no_such_page(request: Request) -> Response:
    """A mistyped console address gets the console's own page in the reader's language, not
    the API's JSON."""
    raise NotFound(f"the console has no page {request.url.path}")


def install(app: FastAPI) -> None:
    """Mount the console's pages on the API's application."""
    for module_router in (router, pages_merchant.router, pages_operator.router):
        app.include_router(module_router)
    app.include_router(pages_programs.router)
    app.include_router(unknown)
