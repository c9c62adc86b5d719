"""A merchant's pages: statement, payouts, score, one order, cases and appeals.

Every page that names a shop checks the session may act for it (a merchant: its
own shop; an operator: any) with the API's own rule before reading; pages that
name an object (an order, a case) read it, then check its shop. A refusal is a
403 page, an unknown object a 404 page.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import threading
import time
from calendar import Calendar
from datetime import date, datetime, timedelta
from importlib import import_module
from pathlib import Path
from typing import Annotated, Any, Final

import duckdb
from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse, Response

from merchantry.api import events
from merchantry.api.auth import Principal, require_shop, scope_of
from merchantry.api.times import OptQueryDay
from merchantry.api.warehouse import reading
from merchantry.console.i18n import Translator, pick_lang
from merchantry.console.paging import page_window, shown_page
from merchantry.console.render import ConsoleRoute, render
from merchantry.console.session import check_csrf, require_principal
from merchantry.kit.errors import InputError, MerchantryError, NotFound
from merchantry.kit.paging import page_count
from merchantry.ledger.statements import closed_through
from merchantry.risk.access import AccessDenied
from merchantry.risk.cases import TRANSITIONS, CaseState, get_case
from merchantry.risk.settings import load_settings as load_risk_settings
from merchantry.rulebook.checker import load_rulebook
from merchantry.scoring.diagnosis import ScoreDiagnosis
from merchantry.service import console_reads as reads
from merchantry.service import merchant
from merchantry.service.cases import appeal_case, assignees, case_queue, show_case

router = APIRouter(prefix="/console", route_class=ConsoleRoute, include_in_schema=False)

LINES_PER_PAGE: Final = 100
ORDERS_PER_PAGE: Final = 50
TREND_DAYS: Final = 90
IMAGE_TYPES: Final = {
    b"\x89PNG\r\n\x1a\n": ("png", "image/png"),
    b"\xff\xd8\xff": ("jpg", "image/jpeg"),
    b"GIF87a": ("gif", "image/gif"),
    b"GIF89a": ("gif", "image/gif"),
}
"""Evidence images the console takes, recognised by their first bytes (not their name)."""
MAX_IMAGE_BYTES: Final = 5 * 1024 * 1024
EVIDENCE_PREFIX: Final = "console-evidence/"

Session = Annotated[Principal, Depends(require_principal)]


def need_scope(principal: Principal, scope: str) -> None:
    if scope not in principal.scopes:
        raise AccessDenied(f"key {principal.key_id} lacks the scope {scope}")


def _warehouse(request: Request) -> Any:
    return reading(request.app.state.settings.warehouse)


def _shop_context(con: Any, shop_id: str) -> dict[str, Any]:
    return {"shop_id": shop_id, "shop_name": reads.shop_name(con, shop_id)}


@router.get("/shops/{shop_id}/statement")
def statement(
    request: Request,
    shop_id: str,
    principal: Session,
    rulebook: str | None = None,
    start: OptQueryDay = None,
    end: OptQueryDay = None,
    page: Annotated[int, Query(ge=1)] = 1,
    ledger_page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    need_scope(principal, "statements:read")
    require_shop(principal, shop_id, "read the statement")
    with _warehouse(request) as con:
        ctx = _shop_context(con, shop_id)
        books = reads.fee_rulebooks(con, shop_id)
        if not books:
            raise NotFound(f"shop {shop_id} has no fee lines yet")
        book = rulebook if rulebook in books else books[0]
        first, last = reads.fee_period(con, shop_id, book)
        start, end = start or first, end or last
        fee_window = page_window(page, LINES_PER_PAGE)
        fees = reads.fee_statement(
            con, shop_id, book, start, end, limit=fee_window.limit, offset=fee_window.offset
        )
        ledger_end = max(end, _last_booking(con, shop_id) or end)
        ledger_window = page_window(ledger_page, LINES_PER_PAGE)
        ledger = merchant.statement(
            con, shop_id, start, ledger_end, limit=ledger_window.limit, offset=ledger_window.offset
        )
    return render(
        request,
        "statement.html",
        principal=principal,
        **ctx,
        rulebooks=books,
        rulebook=book,
        fees=fees,
        shown=fees.lines,
        page=shown_page(page, LINES_PER_PAGE, fees.lines_total, "fee lines"),
        pages=page_count(fees.lines_total, LINES_PER_PAGE),
        ledger=ledger,
        ledger_end=ledger_end,
        ledger_shown=ledger.lines,
        ledger_page=shown_page(
            ledger_page, LINES_PER_PAGE, ledger.lines_total, "ledger postings", "ledger_page"
        ),
        ledger_pages=page_count(ledger.lines_total, LINES_PER_PAGE),
        nav="statement",
    )


def _last_booking(con: Any, shop_id: str) -> date | None:
    row = con.execute(
        "SELECT max(booked_on) FROM journal_postings WHERE party = ?", [shop_id]
    ).fetchone()
    return None if row is None else row[0]


def _export_rows(
    request: Request,
    principal: Principal,
    shop_id: str,
    rulebook: str | None,
    start: date | None,
    end: date | None,
    *,
    max_lines: int | None = None,
) -> tuple[reads.FeeStatement, list[list[Any]]]:
    need_scope(principal, "statements:read")
    require_shop(principal, shop_id, "download the statement")
    with _warehouse(request) as con:
        books = reads.fee_rulebooks(con, shop_id)
        if not books:
            raise NotFound(f"shop {shop_id} has no fee lines yet")
        book = rulebook if rulebook in books else books[0]
        first, last = reads.fee_period(con, shop_id, book)
        start, end = start or first, end or last
        if max_lines is not None:  # counted before a line is read
            counted = reads.fee_statement(con, shop_id, book, start, end, limit=0)
            if counted.lines_total > max_lines:
                raise InputError(
                    f"the statement of {start}..{end} has {counted.lines_total:,} fee lines, "
                    f"more than an Excel sheet holds ({max_lines:,} below its header): "
                    "download the CSV instead, or choose a shorter period"
                )
        fees = reads.fee_statement(con, shop_id, book, start, end)
    header = [
        "accrued_on",
        "order_id",
        "fee_kind",
        "payer",
        "payee",
        "base_fen",
        "rate_bp",
        "baseline_fen",
        "saved_fen",
        "amount_fen",
        "rule_id",
        "rule_title",
        "assumption",
        "waiver_rule_id",
        "waiver_title",
    ]
    rows: list[list[Any]] = [header]
    rows += [
        [
            x.accrued_on,
            x.order_id,
            x.fee_kind,
            x.payer,
            x.payee,
            x.base_fen,
            x.rate_bp,
            x.baseline_fen,
            x.saved_fen,
            x.amount_fen,
            x.rule_id,
            x.rule_title,
            x.assumption,
            x.waiver_rule_id or "",
            x.waiver_title or "",
        ]
        for x in fees.lines
    ]
    return fees, rows


def _filename(fees: reads.FeeStatement, suffix: str) -> str:
    return f"statement-{fees.shop_id}-{fees.rulebook}-{fees.start}-{fees.end}.{suffix}"


@router.get("/shops/{shop_id}/statement.csv")
def statement_csv(
    request: Request,
    shop_id: str,
    principal: Session,
    rulebook: str | None = None,
    start: OptQueryDay = None,
    end: OptQueryDay = None,
) -> Response:
    fees, rows = _export_rows(request, principal, shop_id, rulebook, start, end)
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return Response(
        "\ufeff" + out.getvalue(),  # a BOM, so Excel opens the Chinese titles as UTF-8
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_filename(fees, "csv")}"'},
    )


XLSX_MAX_LINES = 1_048_575
"""The most fee lines an Excel sheet holds under its header row (1,048,576 rows a sheet)."""


@router.get("/shops/{shop_id}/statement.xlsx")
def statement_xlsx(
    request: Request,
    shop_id: str,
    principal: Session,
    rulebook: str | None = None,
    start: OptQueryDay = None,
    end: OptQueryDay = None,
) -> Response:
    fees, rows = _export_rows(
        request, principal, shop_id, rulebook, start, end, max_lines=XLSX_MAX_LINES
    )
    openpyxl = import_module("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "fee_lines"
    for row in rows:
        sheet.append(row)
    totals = book.create_sheet("by_fee_kind")
    totals.append(
        ["fee_kind", "payer", "payee", "lines", "baseline_fen", "saved_fen", "amount_fen"]
    )
    for k in fees.by_kind:
        totals.append(
            [k.fee_kind, k.payer, k.payee, k.lines, k.baseline_fen, k.saved_fen, k.amount_fen]
        )
    out = io.BytesIO()
    book.save(out)
    return Response(
        out.getvalue(),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{_filename(fees, "xlsx")}"'},
    )


def _month_start(text: str | None, default: date) -> date:
    if not text:
        return default.replace(day=1)
    try:
        year, month = (int(p) for p in text.split("-"))
        return date(year, month, 1)
    except ValueError as err:
        raise InputError(f"month must read YYYY-MM, not {text!r}") from err


@router.get("/shops/{shop_id}/payouts")
def payouts(
    request: Request,
    shop_id: str,
    principal: Session,
    month: str | None = None,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    need_scope(principal, "payouts:read")
    require_shop(principal, shop_id, "read the payouts")
    with _warehouse(request) as con:
        ctx = _shop_context(con, shop_id)
        every = merchant.payouts_by_day(con, shop_id, date.min, date.max)
        last_closed = closed_through(con)
        dated = [r.settle_on for r in every if r.settle_on is not None]
        first = _month_start(month, min(dated) if dated else date.today())
        after = (first + timedelta(days=32)).replace(day=1)
        orders, total = merchant.payouts_by_order(
            con,
            shop_id,
            date.min,
            date.max,
            limit=ORDERS_PER_PAGE,
            offset=page_window(page, ORDERS_PER_PAGE).offset,
        )
        shown_page(page, ORDERS_PER_PAGE, total, "orders")
        waiting = [o for o in orders if o.status == "awaiting_receipt"]
        expected = (
            reads.expected_payouts(
                con,
                shop_id,
                waiting,
                load_rulebook(waiting[0].rulebook, tuple(request.app.state.settings.rulebook_dirs)),
            )
            if waiting
            else {}
        )
    by_day: dict[date, int] = {}
    for r in every:
        if r.settle_on is not None and first <= r.settle_on < after:
            by_day[r.settle_on] = by_day.get(r.settle_on, 0) + r.amount_fen
    unscheduled = [r for r in every if r.settle_on is None]
    weeks = Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    return render(
        request,
        "payouts.html",
        principal=principal,
        closed_through=last_closed,
        **ctx,
        month=first,
        prev_month=(first - timedelta(days=1)).replace(day=1),
        next_month=after,
        weeks=weeks,
        by_day=by_day,
        month_total=sum(by_day.values()),
        unscheduled=unscheduled,
        orders=orders,
        expected=expected,
        total=total,
        page=page,
        pages=page_count(total, ORDERS_PER_PAGE),
        nav="payouts",
    )


@router.get("/shops/{shop_id}/score")
def score(request: Request, shop_id: str, principal: Session) -> Response:
    need_scope(principal, "scores:read")
    require_shop(principal, shop_id, "read the score")
    platforms = []
    dirs = tuple(request.app.state.settings.rulebook_dirs)
    with _warehouse(request) as con:
        ctx = _shop_context(con, shop_id)
        for book, platform in reads.score_rulebooks(con, shop_id):
            history = merchant.score_history(con, shop_id, book)
            latest = history.latest
            assert latest is not None
            trend = [
                d for d in history.days if d.score_date > latest.score_date - timedelta(TREND_DAYS)
            ]
            platforms.append(
                {
                    "platform": platform,
                    "rulebook": book,
                    "latest": latest,
                    "trend": trend,
                    "chart": _trend_chart(trend),
                    "detail": reads.score_detail(con, shop_id, book, latest.score_date),
                    "titles": reads.indicator_titles(load_rulebook(book, dirs)),
                    "diagnosis": _cached_diagnosis(request, shop_id, book, latest, peek=True),
                }
            )
    if not platforms:
        raise NotFound(f"shop {shop_id} has no experience score yet")
    return render(
        request,
        "score.html",
        principal=principal,
        **ctx,
        platforms=platforms,
        nav="score",
    )


DIAGNOSIS_TTL_S: Final = 600.0
DIAGNOSIS_CACHE_SIZE: Final = 256


def _cached_diagnosis(
    request: Request,
    shop_id: str,
    book: str,
    latest: merchant.ScoreDay,
    *,
    peek: bool = False,
    con: Any = None,
) -> ScoreDiagnosis | None:
    """The score diagnosis's findings (:func:`~merchantry.service.console_reads.score_findings`:
    every what-if in one stage-B query), recomputed at most every ten minutes per shop,
    rulebook and scored day. ``peek`` answers only from the cache (``None`` when not
    computed yet)."""
    cache: dict[tuple[str, str, date], tuple[float, ScoreDiagnosis]] = (
        getattr(request.app.state, "console_diagnoses", None) or {}
    )
    request.app.state.console_diagnoses = cache
    key = (shop_id, book, latest.score_date)
    hit = cache.get(key)
    if hit is not None and time.monotonic() - hit[0] < DIAGNOSIS_TTL_S:
        return hit[1]
    if peek or con is None:
        return None
    dirs = tuple(request.app.state.settings.rulebook_dirs)
    found = reads.score_findings(con, load_rulebook(book, dirs), shop_id, latest.score_date)
    if len(cache) >= DIAGNOSIS_CACHE_SIZE:
        cache.pop(next(iter(cache)))
    cache[key] = (time.monotonic(), found)
    return found


@router.get("/shops/{shop_id}/score/diagnosis")
def diagnosis(request: Request, shop_id: str, rulebook: str, principal: Session) -> Response:
    """Which fixes raise the score most (htmx loads it into the score page; it also works
    as a page of its own)."""
    need_scope(principal, "scores:read")
    require_shop(principal, shop_id, "read the score diagnosis")
    with _warehouse(request) as con:
        ctx = _shop_context(con, shop_id)
        latest = merchant.score_history(con, shop_id, rulebook).latest
        assert latest is not None
        found = _cached_diagnosis(request, shop_id, rulebook, latest, con=con)
    platform = {"rulebook": rulebook, "platform": latest.platform, "diagnosis": found}
    template = "_diagnosis.html" if request.headers.get("HX-Request") else "diagnosis.html"
    return render(request, template, principal=principal, **ctx, p=platform, nav="score")


def _trend_chart(days: list[merchant.ScoreDay]) -> dict[str, Any]:
    return {
        "x": [d.score_date.isoformat() for d in days],
        "y": [None if d.score_cp is None else d.score_cp / 100 for d in days],  # display only
    }


RETURNS_TTL_S: Final = 600.0


@router.get("/shops/{shop_id}/returns")
def returns(
    request: Request,
    shop_id: str,
    principal: Session,
    start: OptQueryDay = None,
    end: OptQueryDay = None,
) -> Response:
    """Why the shop's goods come back: per-SKU rates against the category with intervals,
    causes with the buyers' words, fixes with what each saves, week by week."""
    need_scope(principal, "returns:read")  # as the API's /returns routes
    require_shop(principal, shop_id, "read the return diagnosis")
    cache: dict[tuple[str, date | None, date | None], tuple[float, Any]] = (
        getattr(request.app.state, "console_returns", None) or {}
    )
    request.app.state.console_returns = cache
    key = (shop_id, start, end)
    with _warehouse(request) as con:
        ctx = _shop_context(con, shop_id)
        hit = cache.get(key)
        if hit is not None and time.monotonic() - hit[0] < RETURNS_TTL_S:
            found = hit[1]
        else:
            found = reads.returns_diagnosis(con, shop_id, start=start, end=end)
            if len(cache) >= DIAGNOSIS_CACHE_SIZE:
                cache.pop(next(iter(cache)))
            cache[key] = (time.monotonic(), found)
    refunds = {f.key: f for f in found.findings.refunds}
    skus = [
        {"ret": f, "refund": refunds.get(f.key)}
        for f in sorted(found.findings.returns, key=lambda f: (not f.flagged, -f.rate, f.key))
    ]
    t = Translator(pick_lang(request))
    weeks = [w for w in found.weeks if w.orders]
    chart = {
        "series": [
            {
                "name": t("returns.weekly_series"),
                "x": [w.week.isoformat() for w in weeks],
                "y": [round(100 * w.returns / w.orders, 2) for w in weeks],  # display only
            },
            {
                "name": t("returns.weekly_expected"),
                "x": [w.week.isoformat() for w in weeks],
                "y": [round(100 * w.expected_return_rate, 2) for w in weeks],
            },
        ],
        "ytitle": "%",
    }
    return render(
        request,
        "returns.html",
        principal=principal,
        **ctx,
        d=found,
        skus=skus,
        chart=chart,
        saving_total=sum(s.saving.total_fen for s in found.suggestions),
        rate=_rate,
        nav="returns",
    )


def _rate(value: float) -> str:
    """A rate (a share, not money) as a percent with one decimal, for display."""
    return f"{100 * value:.1f}%"


@router.get("/orders/{order_id}")
def order(request: Request, order_id: str, principal: Session) -> Response:
    need_scope(principal, "fees:read")
    with _warehouse(request) as con:
        fees = merchant.order_fees(con, order_id)
        require_shop(principal, fees.shop_id, "read the fees")
        ctx = _shop_context(con, fees.shop_id)
        try:
            payout = reads.order_payout(con, order_id)
        except NotFound:
            payout = None
    return render(
        request, "order.html", principal=principal, **ctx, fees=fees, payout=payout, nav="order"
    )


@router.get("/shops/{shop_id}/cases")
def cases(
    request: Request,
    shop_id: str,
    principal: Session,
    page: Annotated[int, Query(ge=1)] = 1,
) -> Response:
    need_scope(principal, "cases:read")
    require_shop(principal, shop_id, "read the cases")
    found, total = case_queue(
        request.app.state.ops_engine,
        scope_of(principal),
        shop_id=shop_id,
        sort="-opened_at",
        limit=ORDERS_PER_PAGE,
        offset=page_window(page, ORDERS_PER_PAGE).offset,
    )
    shown_page(page, ORDERS_PER_PAGE, total, "cases")
    with _warehouse(request) as con:
        ctx = _shop_context(con, shop_id)
    return render(
        request,
        "cases.html",
        principal=principal,
        **ctx,
        cases=found,
        total=total,
        page=page,
        pages=page_count(total, ORDERS_PER_PAGE),
        nav="cases",
    )


@router.get("/cases/{case_id}")
def case(request: Request, case_id: str, principal: Session) -> Response:
    need_scope(principal, "cases:read")
    view = show_case(request.app.state.ops_engine, scope_of(principal), case_id)
    with _warehouse(request) as con:
        ctx = _shop_context(con, view.case.shop_id)
        context = None
        if principal.is_operator and view.case.subject.value == "after_sales_request":
            try:
                context = reads.case_context(con, view.case.subject_id)
            except NotFound:
                context = None
        money = reads.entry_legs(con, view.case.ledger_entry_id)
    standing = None
    if context is not None and view.case.buyer_id is not None:
        settings = request.app.state.settings
        standing = reads.buyer_standing(
            request.app.state.ops_engine,
            view.case.buyer_id,
            context.request["requested_at"],
            load_risk_settings(settings.risk_rulebook, tuple(settings.rulebook_dirs)),
        )
    return render(
        request,
        "case.html",
        principal=principal,
        **ctx,
        view=view,
        context=context,
        standing=standing,
        money=money,
        moves=sorted(m.value for m in TRANSITIONS[view.case.state]),
        people=assignees(request.app.state.ops_engine) if principal.is_operator else [],
        can_appeal=view.case.state in (CaseState.OPEN, CaseState.UPHELD)
        and "cases:appeal" in principal.scopes
        and not principal.is_operator,
        nav="cases",
    )


def evidence_dir(request: Request) -> Path:
    return Path(f"{request.app.state.settings.warehouse}.evidence")


def _image_kind(data: bytes) -> tuple[str, str]:
    for magic, kind in IMAGE_TYPES.items():
        if data.startswith(magic):
            return kind
    raise InputError("the evidence must be a PNG, JPEG or GIF image")


@router.post("/cases/{case_id}/appeal")
def appeal(
    request: Request,
    case_id: str,
    principal: Session,
    note: Annotated[str, Form(max_length=2000)] = "",
    csrf: Annotated[str, Form()] = "",
    image: Annotated[UploadFile | None, File()] = None,
) -> Response:
    check_csrf(request, csrf)
    need_scope(principal, "cases:appeal")
    engine = request.app.state.ops_engine
    scope = scope_of(principal)
    get_case(engine, scope, case_id)  # the shop check, before any evidence is written
    refs = []
    if image is not None and image.filename:
        data = image.file.read(MAX_IMAGE_BYTES + 1)
        if len(data) > MAX_IMAGE_BYTES:
            raise InputError(f"the image is larger than {MAX_IMAGE_BYTES // 1024 // 1024} MB")
        suffix, _ = _image_kind(data)
        name = f"{hashlib.sha256(data).hexdigest()[:32]}.{suffix}"
        folder = evidence_dir(request) / case_id
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        refs.append(f"{EVIDENCE_PREFIX}{case_id}/{name}")
    record = events.case_recorder(request, principal, action="case.appeal", zone=lambda c: c)
    appeal_case(engine, scope, case_id, refs, note.strip(), datetime.now(), record=record)
    events.wake(request)
    return RedirectResponse(f"/console/cases/{case_id}", status_code=303)


@router.get("/evidence/{case_id}/{name}")
def evidence(request: Request, case_id: str, name: str, principal: Session) -> Response:
    need_scope(principal, "cases:read")
    get_case(request.app.state.ops_engine, scope_of(principal), case_id)  # the shop check
    folder = evidence_dir(request) / case_id
    path = folder / name
    if path.parent != folder or not path.is_file():
        raise NotFound(f"case {case_id} has no evidence file {name!r}")
    _, media = _image_kind(path.read_bytes()[:16])
    return FileResponse(path, media_type=media)


_WARMED: set[str] = set()
_WARMING = threading.Lock()


def warm_diagnosis(request: Request) -> None:
    """Compile the score diagnosis's query for every scored rulebook in the background, once
    per process (seconds each), so a merchant's first score page does not wait for it."""
    settings = request.app.state.settings

    def warm() -> None:
        with _WARMING:
            try:
                with reading(settings.warehouse) as con:
                    books = [
                        str(r[0])
                        for r in con.execute("SELECT DISTINCT rulebook FROM shop_scores").fetchall()
                    ]
            except (MerchantryError, duckdb.Error):
                return  # no warehouse or no scores yet: nothing to warm
            for name in books:
                if name not in _WARMED:
                    _WARMED.add(name)
                    with contextlib.suppress(MerchantryError):
                        reads.warm_score_diagnosis(load_rulebook(name, settings.rulebook_dirs))

    threading.Thread(target=warm, name="console-warm-diagnosis", daemon=True).start()
