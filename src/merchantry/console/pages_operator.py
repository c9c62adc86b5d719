"""An operator's pages: rulebooks and their diff, simulations, the case queue, rankings.

Every page needs an operator's session. Writes (a simulation, a case move) check
the form's CSRF token, go through the same use cases as the API and leave the
same audit row (:func:`merchantry.api.events.written`).
"""

from __future__ import annotations

import tempfile
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Final

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BeforeValidator

from merchantry.api import events
from merchantry.api.auth import Principal, scope_of
from merchantry.api.jobs import get_job
from merchantry.api.times import OptQueryDay
from merchantry.api.warehouse import reading, writing
from merchantry.console.pages_merchant import need_scope
from merchantry.console.render import ConsoleRoute, render
from merchantry.console.session import check_csrf, require_operator
from merchantry.kit.errors import InputError, NotFound
from merchantry.kit.paging import highest_page
from merchantry.report import format_points
from merchantry.risk.cases import CaseState, get_case
from merchantry.rulebook import load_rulebook
from merchantry.service import console_reads as reads
from merchantry.service import operator
from merchantry.service.cases import (
    MINE,
    UNASSIGNED,
    CaseSort,
    assign_case,
    assignees,
    move_case,
    page_cases,
    show_case,
)
from merchantry.service.rulebook_diff import diff_named
from merchantry.simulate import load_result
from merchantry.simulate.report import build_page

router = APIRouter(prefix="/console/op", route_class=ConsoleRoute, include_in_schema=False)

Operator = Annotated[Principal, Depends(require_operator)]
CASES_PER_PAGE: Final = 20


def blank_is_none(value: object) -> object:
    """A form's "any" choice arrives as an empty string: no filter, not an unknown value."""
    return None if value == "" else value


def _dirs(request: Request) -> Any:
    return request.app.state.settings.rulebook_dirs


@router.get("")
def home(request: Request, principal: Operator) -> Response:
    return RedirectResponse("/console/op/rulebooks", status_code=303)


@router.get("/rulebooks")
def rulebooks(request: Request, principal: Operator, on: OptQueryDay = None) -> Response:
    need_scope(principal, "rulebooks:read")
    day = on or date.today()
    books = operator.rulebooks(day, _dirs(request))
    return render(
        request, "op_rulebooks.html", principal=principal, books=books, on=day, nav="rulebooks"
    )


@router.get("/rulebooks/{name}/history")
def history(request: Request, name: str, principal: Operator) -> Response:
    need_scope(principal, "rulebooks:read")
    versions = operator.rulebook_history(name, date.today(), _dirs(request))
    return render(
        request,
        "op_history.html",
        principal=principal,
        name=name,
        versions=versions,
        nav="rulebooks",
    )


@router.get("/diff")
def diff(
    request: Request, principal: Operator, a: str | None = None, b: str | None = None
) -> Response:
    need_scope(principal, "rulebooks:read")
    names = [i.name for i in operator.rulebooks(date.today(), _dirs(request))]
    result = diff_named(a, b, _dirs(request)) if a and b else None
    return render(
        request,
        "op_diff.html",
        principal=principal,
        names=names,
        a=a,
        b=b,
        diff=result,
        nav="diff",
    )


@router.get("/simulations")
def simulations(
    request: Request,
    principal: Operator,
    baseline: str | None = None,
    candidate: str | None = None,
) -> Response:
    need_scope(principal, "simulations:run")
    books = operator.rulebooks(date.today(), _dirs(request))
    fee_books = [b.name for b in books if "score" not in b.name and not b.name.startswith("risk")]
    return render(
        request,
        "op_simulations.html",
        principal=principal,
        names=fee_books,
        baseline=baseline,
        candidate=candidate,
        nav="simulations",
    )


@router.post("/simulations")
def start_simulation(
    request: Request,
    principal: Operator,
    baseline: Annotated[str, Form(min_length=1, max_length=128)],
    candidate: Annotated[str, Form(min_length=1, max_length=128)],
    csrf: Annotated[str, Form()] = "",
    start: Annotated[str, Form()] = "",
    end: Annotated[str, Form()] = "",
) -> Response:
    check_csrf(request, csrf)
    need_scope(principal, "simulations:run")
    if baseline == candidate:
        raise InputError(f"baseline and candidate are the same rulebook ({baseline!r})")
    first, last = _day(start, "start"), _day(end, "end")
    if first and last and last < first:
        raise InputError(f"the period ends ({last}) before it starts ({first})")
    job = request.app.state.jobs.submit_simulation(
        baseline=baseline, candidate=candidate, start=first, end=last, created_by=principal.actor
    )
    events.written(
        request,
        principal,
        action="simulation.start",
        resource=f"job:{job.job_id}",
        after={"baseline": baseline, "candidate": candidate, "start": first, "end": last},
    )
    return RedirectResponse(f"/console/op/simulations/{job.job_id}", status_code=303)


def _day(text: str, what: str) -> date | None:
    if not text.strip():
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError as err:
        raise InputError(f"{what} must be a date (YYYY-MM-DD), not {text!r}") from err


@router.get("/simulations/{job_id}")
def simulation(request: Request, job_id: str, principal: Operator) -> Response:
    need_scope(principal, "simulations:read")
    job = get_job(request.app.state.ops_engine, job_id)
    template = "op_job.html" if request.headers.get("HX-Request") is None else "_job.html"
    return render(request, template, principal=principal, job=job, nav="simulations")


@router.get("/simulations/{job_id}/report")
def simulation_report(request: Request, job_id: str, principal: Operator) -> Response:
    """The simulator's own full report (its offline charts inlined) for a finished job."""
    need_scope(principal, "simulations:read")
    job = get_job(request.app.state.ops_engine, job_id)
    if job.state != "done" or not job.result:
        raise NotFound(f"simulation {job_id} has no report yet ({job.state})")
    with reading(request.app.state.settings.warehouse) as con:
        result = load_result(con, str(job.result["run_id"]))
    with tempfile.TemporaryDirectory() as folder:
        path = build_page(result).render(Path(folder) / "report.html")
        html = path.read_text(encoding="utf-8")
    return HTMLResponse(html)


@router.get("/cases")
def cases(
    request: Request,
    principal: Operator,
    state: Annotated[CaseState | None, BeforeValidator(blank_is_none)] = None,
    shop: str | None = None,
    sort: CaseSort = CaseSort.RISK,
    page: Annotated[int, Query(ge=1)] = 1,
    who: Annotated[str, Query(max_length=160)] = "",
) -> Response:
    need_scope(principal, "cases:read")
    engine = request.app.state.ops_engine
    found = page_cases(
        engine,
        scope_of(principal),
        state=state,
        shop_id=shop or None,
        assignee=who or None,
        sort=sort,
        page=min(page, highest_page(CASES_PER_PAGE)),
        per_page=CASES_PER_PAGE,
    )  # past the last: PageOutOfRange, shown as the console's own refusal
    template = "_queue.html" if request.headers.get("HX-Request") else "op_cases.html"
    return render(
        request,
        template,
        principal=principal,
        queue=found,
        state=state.value if state else "",
        shop=shop or "",
        sort=sort.value,
        who=who,
        mine=MINE,
        unassigned=UNASSIGNED,
        people={a.actor: a.name for a in assignees(engine)},
        states=list(CaseState),
        sorts=list(CaseSort),
        nav="queue",
    )


@router.get("/cases/{case_id}/preview")
def preview(request: Request, case_id: str, principal: Operator, to: CaseState) -> Response:
    """What a move would do, money first, before the reviewer confirms it."""
    need_scope(principal, "cases:review")
    view = show_case(request.app.state.ops_engine, scope_of(principal), case_id)
    with reading(request.app.state.settings.warehouse) as con:
        legs = reads.entry_legs(con, view.case.ledger_entry_id)
    back = sum(abs(n) for _, n in legs) // 2
    return render(
        request,
        "op_confirm.html",
        principal=principal,
        view=view,
        to=to,
        legs=legs,
        back_fen=back,
        nav="queue",
    )


@router.post("/cases/{case_id}/move")
def move(
    request: Request,
    case_id: str,
    principal: Operator,
    to: Annotated[CaseState, Form()],
    csrf: Annotated[str, Form()] = "",
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    check_csrf(request, csrf)
    need_scope(principal, "cases:review")
    engine = request.app.state.ops_engine
    settings = request.app.state.settings
    scope = scope_of(principal)
    before = get_case(engine, scope, case_id)
    now = datetime.now()
    text = note.strip() or f"{to.value} by {principal.actor} in the console"
    record = events.case_recorder(request, principal, action="case.transition", zone=lambda c: c)
    if to is CaseState.OVERTURNED and before.ledger_entry_id is not None:
        with writing(settings.warehouse, settings.warehouse_write_wait_s) as con:
            move_case(engine, scope, case_id, to, text, now, con, record=record)
    else:
        move_case(engine, scope, case_id, to, text, now, record=record)
    events.wake(request)
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)


@router.post("/cases/{case_id}/assign")
def assign(
    request: Request,
    case_id: str,
    principal: Operator,
    csrf: Annotated[str, Form()] = "",
    to: Annotated[str, Form(max_length=160)] = "",
) -> Response:
    """Assign the case to an operator (``to``: ``me``, an operator's ``key:<id>``, or empty
    to release it); the audit trail and the audit log record it."""
    check_csrf(request, csrf)
    need_scope(principal, "cases:review")
    assign_case(
        request.app.state.ops_engine,
        scope_of(principal),
        case_id,
        to.strip() or None,
        datetime.now(),
        record=events.case_recorder(request, principal, action="case.assign", zone=lambda c: c),
    )
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)


@router.get("/rankings")
def rankings(
    request: Request,
    principal: Operator,
    rulebook: str | None = None,
    industry: str | None = None,
) -> Response:
    need_scope(principal, "rankings:read")
    with reading(request.app.state.settings.warehouse) as con:
        books = [
            str(r[0])
            for r in con.execute(
                "SELECT DISTINCT rulebook FROM shop_scores ORDER BY rulebook"
            ).fetchall()
        ]
        if not books:
            raise NotFound("no shop has a score yet; run `merchantry score`")
        book = rulebook if rulebook in books else books[-1]
        try:
            day, ranked = operator.rankings(con, book, None, industry or None)
        except NotFound:
            day, ranked = None, []
        width = reads.band_width_cp(load_rulebook(book, _dirs(request)))
        dist_day, bands = reads.score_distribution(con, book, None, width)
    chart = {
        "x": [f"{format_points(b.low_cp)}–{format_points(b.high_cp)}" for b in bands],
        "y": [b.shops for b in bands],
        "kind": "bar",
    }
    return render(
        request,
        "op_rankings.html",
        principal=principal,
        books=books,
        rulebook=book,
        industry=industry or "",
        day=day,
        ranked=ranked,
        dist_day=dist_day,
        bands=bands,
        chart=chart,
        band_points=format_points(width),
        nav="rankings",
    )


@router.get("/shops")
def shops(request: Request, principal: Operator, q: str = "") -> Response:
    need_scope(principal, "statements:read")
    hits = []
    if q.strip():
        with reading(request.app.state.settings.warehouse) as con:
            hits = reads.find_shops(con, q)
    return render(request, "op_shops.html", principal=principal, q=q, hits=hits, nav="shops")
