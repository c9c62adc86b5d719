"""Growth programmes and creator seeding in the console.

A merchant's page (``/console/shops/{shop}/programs``): every programme the shop is in,
each task's progress against its target, rewards granted, held back and still to earn, the
budget left; and the creators whose videos led buyers to its goods (种草). An operator's
page (``/console/op/programs``): per programme the uptake, the cost against the budget and
the effect on participants' GMV against matched non-participants with its interval; and the
seeding incentive's daily figures. Both read the same use cases as the API
(:mod:`merchantry.service.programs`, :mod:`merchantry.service.seeding`) with the same scope
(``programs:read``) and shop rule.
"""

from __future__ import annotations

import time
from typing import Any, Final

import duckdb
from fastapi import APIRouter, Request
from fastapi.responses import Response

from merchantry.api.auth import require_shop
from merchantry.api.times import OptQueryDay
from merchantry.api.warehouse import reading
from merchantry.console.i18n import Translator, pick_lang
from merchantry.console.pages_merchant import Session, need_scope
from merchantry.console.pages_operator import Operator
from merchantry.console.render import ConsoleRoute, render
from merchantry.kit.errors import NotFound
from merchantry.service import console_reads as reads
from merchantry.service import programs, seeding

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

SCOPE: Final = "programs:read"
REPORT_TTL_S: Final = 600.0
"""The operator's report re-estimates every effect (a bootstrap each): kept this long per
published snapshot."""


def _seeding_or_none(read: Any) -> Any:
    """A seeding read, or ``None`` when the seeding stage has not run (the page says so)."""
    try:
        return read()
    except NotFound:
        return None


@router.get("/shops/{shop_id}/programs")
def shop_programmes(
    request: Request,
    shop_id: str,
    principal: Session,
    start: OptQueryDay = None,
    end: OptQueryDay = None,
) -> Response:
    """The shop's programmes (tasks, rewards, budget left) and its seeding creators."""
    need_scope(principal, SCOPE)  # as GET /v1/shops/{shop_id}/programs
    require_shop(principal, shop_id, "read the programmes")
    with reading(request.app.state.settings.warehouse) as con:
        name = reads.shop_name(con, shop_id)
        statuses = programs.shop_status(con, shop_id)
        creators = _seeding_or_none(
            lambda: seeding.shop_seeding(con, shop_id, start=start, end=end, limit=20)
        )
    engine = request.app.state.ops_engine
    live = {s.program: programs.live_budget(engine, s.program).spent_fen for s in statuses}
    return render(
        request,
        "programs.html",
        principal=principal,
        shop_id=shop_id,
        shop_name=name,
        statuses=statuses,
        live=live,
        creators=creators,
        nav="programs",
    )


def _overview(request: Request, con: duckdb.DuckDBPyConnection) -> Any:
    """The programmes' overview, cached per warehouse snapshot for :data:`REPORT_TTL_S`."""
    key = str(request.app.state.settings.warehouse)
    stamp = con.execute("SELECT count(*), max(started_at) FROM stage_runs").fetchone()
    cache: dict[str, tuple[float, object, Any]] = (
        getattr(request.app.state, "console_programmes", None) or {}
    )
    request.app.state.console_programmes = cache
    hit = cache.get(key)
    if hit is not None and hit[1] == stamp and time.monotonic() - hit[0] < REPORT_TTL_S:
        return hit[2]
    found = programs.programmes_overview(con)
    cache[key] = (time.monotonic(), stamp, found)
    return found


@router.get("/op/programs")
def operator_programmes(
    request: Request,
    principal: Operator,
    start: OptQueryDay = None,
    end: OptQueryDay = None,
) -> Response:
    """Per programme: uptake, spend against budget, effect with its interval; and seeding."""
    need_scope(principal, SCOPE)
    with reading(request.app.state.settings.warehouse) as con:
        overview = _overview(request, con)
        daily = _seeding_or_none(lambda: seeding.seeding_overview(con, start=start, end=end))
    t = Translator(pick_lang(request))
    cost_chart = {
        "kind": "bar",
        "x": [t.pick(o.report.title_zh, o.report.title_en) for o in overview],
        "y": [o.report.cost_fen / 100 for o in overview],  # display only: yuan
        "ytitle": t("programs.yuan"),
    }
    seeding_chart = (
        {
            "kind": "bar",
            "x": [d.day.isoformat() for d in daily.days],
            "y": [d.attributed_gmv_fen / 100 for d in daily.days],  # display only: yuan
            "ytitle": t("programs.yuan"),
        }
        if daily is not None
        else None
    )
    return render(
        request,
        "op_programs.html",
        principal=principal,
        overview=overview,
        cost_chart=cost_chart,
        daily=daily,
        seeding_chart=seeding_chart,
        nav="op_programs",
    )
