"""Rendering: the Jinja environment, number formats, and errors as pages.

Pages are rendered on the server; htmx swaps parts of them in place (a filtered
queue, a job's progress) and every link and form also works without it. Money
is integer fen and is only formatted here, never computed.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from datetime import date
from typing import Any, Final

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.routing import APIRoute
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from merchantry.api.errors import status_of, validation_problems
from merchantry.console.i18n import LANG_COOKIE, Translator, pick_lang
from merchantry.console.session import (
    CSRF_COOKIE,
    SESSION_MAX_AGE_S,
    LoginRequired,
    current_principal,
    signer_of,
)
from merchantry.kit.errors import MerchantryError
from merchantry.kit.money import format_fen
from merchantry.kit.paging import PageOutOfRange

PREFIX: Final = "/console"

ENV: Final = Environment(
    loader=PackageLoader("merchantry.console", "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def fixed(value: int | None, places: int) -> str:
    """An integer in hundredths (places=2) or tenths (1) as a decimal, without floats."""
    if value is None:
        return "—"
    sign = "-" if value < 0 else ""
    whole, part = divmod(abs(value), 10**places)
    return f"{sign}{whole:,}.{part:0{places}d}"


def money(fen: int | None) -> str:
    return "—" if fen is None else format_fen(int(fen))


def points(cp: int | None) -> str:
    """Centipoints as points: 9212 -> 92.12."""
    return fixed(cp, 2)


def percent(bp: int | None) -> str:
    """Basis points as a percent: 1234 -> 12.34%."""
    return "—" if bp is None else f"{fixed(bp, 2)}%"


def in_words(t: Translator, value: object) -> str:
    """A value as a person reads it: yes or no for a flag, a dash for nothing, anything else
    as written (Python's ``True``, ``False`` and ``None`` never reach a page)."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return t("value.yes") if value else t("value.no")
    return str(value)


def indicator_value(t: Translator, value: int | None, unit: str) -> str:
    """An indicator's value in the words people use: percent, stars, points, hours."""
    if value is None:
        return t("score.no_data")
    if unit == "bp":
        return percent(value)
    if unit == "0.01 star":
        return f"{fixed(value, 2)} {t('unit.stars')}"
    if unit == "0.01 point":
        return f"{fixed(value, 2)} {t('unit.points')}"
    if unit == "s":
        return f"{value:,} {t('unit.seconds')}"
    if unit == "min":
        if value >= 60:
            return f"{fixed(value * 10 // 60, 1)} {t('unit.hours')}"
        return f"{value:,} {t('unit.minutes')}"
    return f"{value:,} {unit}"


def indicator_name(t: Translator, title: str, code: str) -> str:
    """The indicator's name in the page's language, from its ``中文 / English`` label
    (:func:`merchantry.report.names.label`, which has written in the rulebook's numbers:
    ``48小时揽收率 / 48-hour pickup rate``)."""
    zh, sep, en = title.partition(" / ")
    return t.pick(zh, en) if sep else title or t.code("indicator", code)


def chart_json(spec: dict[str, Any]) -> Markup:
    """A chart's data for ``console.js`` (plotly), safe inside a script element."""
    text = json.dumps(spec, ensure_ascii=False, default=str)
    return Markup(text.replace("</", "<\\/"))


ENV.filters.update(money=money, points=points, percent=percent, fixed=fixed)


def _lang_url(request: Request, lang: str) -> str:
    url = request.url.include_query_params(lang=lang)
    return f"{url.path}?{url.query}"


def render(request: Request, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """A page in the request's language, with the session's principal and a CSRF token."""
    lang = pick_lang(request)
    t = Translator(lang)
    signer = signer_of(request)
    csrf = request.cookies.get(CSRF_COOKIE)
    if not csrf or not signer.csrf_ok(csrf, csrf):
        csrf = signer.new_csrf()
    principal = context.pop("principal", None) or current_principal(request)
    html = ENV.get_template(template).render(
        t=t,
        lang=lang,
        csrf=csrf,
        principal=principal,
        prefix=PREFIX,
        path=request.url.path,
        lang_urls={code: _lang_url(request, code) for code in ("zh", "en")},
        indicator_value=lambda v, u: indicator_value(t, v, u),
        in_words=lambda v: in_words(t, v),
        indicator_name=lambda title, code: indicator_name(t, title, code),
        chart_json=chart_json,
        today=date.today(),
        **context,
    )
    response = HTMLResponse(html, status_code=status)
    secure = request.url.scheme == "https"
    response.set_cookie(
        CSRF_COOKIE, csrf, max_age=SESSION_MAX_AGE_S, httponly=True, samesite="lax", secure=secure
    )
    if request.query_params.get("lang") == lang:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 86400, samesite="lax", secure=secure)
    return response


def error_page(request: Request, err: MerchantryError) -> Response:
    """A refused or failed request as a page (a missing session: to the login page)."""
    if isinstance(err, LoginRequired) or (status_of(err)[0] == 401 and request.method == "GET"):
        login = f"{PREFIX}/login?next={request.url.path}"
        if request.headers.get("HX-Request"):  # a part of a page: the whole page goes to log in
            return Response(status_code=200, headers={"HX-Redirect": login})
        return RedirectResponse(login, status_code=303)
    status, code = status_of(err)
    if isinstance(err, PageOutOfRange):  # said with the pager's words, not an option's
        pages = err.pages or 1
        last = request.url.include_query_params(**{err.param: pages})
        return refusal(
            request,
            status=status,
            code=code,
            message=str(err),
            past_last={
                "page": request.query_params.get(err.param, str(err.page)),
                "pages": pages,
                "url": f"{last.path}?{last.query}",
            },
        )
    return refusal(request, status=status, code=code, message=str(err))


def refusal(request: Request, *, status: int, **context: Any) -> HTMLResponse:
    """The refusal as a page, or, asked for by htmx for a part of a page, in that part's place
    (the whole page when the part has no id). The part is replaced by an element of the same
    id holding the refusal, so the next request (a filter changed again) still finds it, while
    what the part did by itself (a running job's poll every two seconds) stops instead of
    asking again and repeating the refusal. htmx's configuration in ``base.html`` swaps 4xx
    and 5xx answers rather than dropping them."""
    target = request.headers.get("HX-Target")
    if not request.headers.get("HX-Request"):
        return render(request, "error.html", status=status, **context)
    if not target:
        response = render(request, "error.html", status=status, **context)
        response.headers.update({"HX-Retarget": "body", "HX-Reswap": "innerHTML"})
        return response
    response = render(
        request, "_refused_part.html", status=status, level=2, part_id=target, **context
    )
    response.headers.update({"HX-Retarget": f"#{target}", "HX-Reswap": "outerHTML"})
    return response


class ConsoleRoute(APIRoute):
    """A route whose Merchantry errors become console pages instead of JSON bodies."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except MerchantryError as err:
                return error_page(request, err)
            except RequestValidationError as err:  # a page's address a person mistyped
                problems = validation_problems(err)
                message = "; ".join(p.removeprefix("query.") for p in problems)
                return refusal(request, status=422, code="invalid_input", message=message)

        return route
