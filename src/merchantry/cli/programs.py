"""``merchantry programs``: run the growth programmes, show a shop's tasks, report on them.

The work is in :mod:`merchantry.service.programs`; this module parses options and prints.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from merchantry.cli.options import (
    DATE_FORMATS,
    DEFAULT_DB,
    DbOption,
    check_period,
    command,
    money_rulebook_name,
    open_warehouse,
    progress,
    require_shop,
)
from merchantry.cli.run import print_run
from merchantry.kit.errors import Diagnostic, InputError, ProblemsFound
from merchantry.kit.money import format_bp, format_fen
from merchantry.kit.refusals import DAY_FORM
from merchantry.programs import check_programme_file, shipped_programmes
from merchantry.programs.html import effect_line, write_page
from merchantry.programs.rulebook import shipped_programmes_dir
from merchantry.report.names import Vocabulary, label
from merchantry.service.programs import (
    programme_coupons,
    programmes_report,
    run_programmes,
    shop_status,
)

programs_app = typer.Typer(
    help="Growth programmes: tasks, rewards, budgets and their effect.", no_args_is_help=True
)


def run_command(
    start: Annotated[
        datetime,
        typer.Option("--from", formats=DATE_FORMATS, metavar=DAY_FORM, help="First day."),
    ],
    end: Annotated[
        datetime,
        typer.Option("--to", formats=DATE_FORMATS, metavar=DAY_FORM, help="Last day (inclusive)."),
    ],
    program: Annotated[
        list[str] | None,
        typer.Option("--program", help="Only this programme (repeat for several)."),
    ] = None,
    rulebook: Annotated[
        str | None,
        typer.Option(
            "--rulebook",
            metavar="NAME",
            help="Fee rulebook whose journal the rewards join (default: the warehouse's, as "
            "for `merchantry close`).",
        ),
    ] = None,
    force: Annotated[bool, typer.Option(help="Run the programmes even when fresh.")] = False,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Run every programme (tasks, grants, subsidies) over the period, then post the rewards.

    Each programme is a `programs:<name>` stage of the runner: re-running an unchanged
    period changes nothing and posts nothing twice."""
    console = Console()
    check_period(start.date(), end.date())
    names = tuple(program or ())
    unknown = sorted(set(names) - set(shipped_programmes()))
    if unknown:
        raise InputError(
            f"unknown programme {', '.join(unknown)}; shipped: {', '.join(shipped_programmes())}"
        )
    with open_warehouse(db) as con:
        fee_rulebook = money_rulebook_name(con, rulebook, (), (start.date(), end.date()))
        with progress(console, "starting") as step:  # the note above is not drawn over
            done = run_programmes(
                con,
                start.date(),
                end.date(),
                names=names,
                rulebook=fee_rulebook,
                force=force,
                progress=step,
            )
    print_run(console, done.stages)
    through = end.date()
    if done.data_end is not None and done.data_end < through:
        through = done.data_end
        console.print(
            f"note: the data ends on {done.data_end}; the programmes were measured, and "
            f"rewards granted, through {done.data_end}, not {end.date()}",
            highlight=False,
            markup=False,
        )
    console.print(
        f"each programme's figures above run from the programme's start through {through} "
        "(or its window's end, if earlier)",
        highlight=False,
        markup=False,
    )
    period = f"{start.date()}..{end.date()}"
    p = done.postings
    console.print(
        f"reward postings for rewards granted {period}: {p.posted:,} posted, "
        f"{p.reversed:,} reversed, {p.unchanged:,} unchanged",
        highlight=False,
        markup=False,
    )
    s = done.seeding_postings
    console.print(
        f"seeding postings for {period}: {s.posted:,} posted, {s.reversed:,} reversed, "
        f"{s.unchanged:,} unchanged",
        highlight=False,
        markup=False,
    )


def status_command(
    shop: Annotated[str, typer.Option("--shop", help="Shop id.")],
    db: DbOption = DEFAULT_DB,
) -> None:
    """A shop's programmes: each task's progress, rewards granted and pending, budget left."""
    console = Console()
    with open_warehouse(db, read_only=True) as con:
        require_shop(con, shop)
        statuses = shop_status(con, shop)
    if not statuses:
        console.print(
            f"Shop {shop} takes part in no programme (run `merchantry programs run` first).",
            highlight=False,
            markup=False,
        )
        return
    for s in statuses:
        table = Table(title=escape(f"{s.title_zh} / {s.title_en} ({s.program}), as of {s.as_of}"))
        for column in ("task 任务", "condition 条件", "progress 进度", "state 状态", "rewards"):
            table.add_column(column)
        for t in s.tasks:
            state = label(Vocabulary.TASK_STATE, t.state)
            if t.completed_on:
                state += f" {t.completed_on}"
            if t.status_label:
                state += f" [{t.status_label}]"
            table.add_row(
                escape(t.title),
                escape(label(Vocabulary.TASK_KIND, t.kind)),
                f"{t.progress:,} / {t.target:,}",
                escape(state),  # a status label in brackets is text, not markup
                escape(
                    "\n".join(
                        f"{label(Vocabulary.REWARD_KIND, kind)} {format_fen(fen)}"
                        for kind, fen in t.rewards
                    )
                ),
            )
        console.print(table)
        left = [
            f"granted 已发 {format_fen(s.granted_fen)}",
            f"held by caps or budget 未发 {format_fen(s.held_fen)}",
            f"pending 待完成 {format_fen(s.pending_fen)}",
        ]
        if s.merchant_left_fen is not None:
            left.append(f"your budget left 个人额度剩余 {format_fen(s.merchant_left_fen)}")
        if s.budget_left_fen is not None:
            left.append(f"programme budget left 计划预算剩余 {format_fen(s.budget_left_fen)}")
        console.print("  " + "; ".join(left), highlight=False, markup=False)
        if s.coupons is not None:
            c = s.coupons
            console.print(
                f"  coupons 券: redeemed 已核销 {format_fen(c.redeemed_fen)}; expired 已过期 "
                f"{format_fen(c.expired_fen)}; still held 未使用 {format_fen(c.outstanding_fen)}",
                highlight=False,
                markup=False,
            )


def report_command(
    out: Annotated[
        Path | None, typer.Option("--out", help="Also write the HTML report here.", dir_okay=False)
    ] = None,
    program: Annotated[
        list[str] | None,
        typer.Option("--program", help="Only this programme (repeat for several)."),
    ] = None,
    db: DbOption = DEFAULT_DB,
) -> None:
    """Uptake, cost per programme, status cohorts, and the effect on participants' GMV.

    The effect is a difference in differences against matched non-participants with a 95%
    bootstrap interval (docs/programs.md)."""
    console = Console()
    with open_warehouse(db, read_only=True) as con:
        reports = programmes_report(con, tuple(program or ()))
    if not reports:
        console.print("No programme has run yet: run `merchantry programs run` first.")
        return
    table = Table(title="Growth programmes 增长计划")
    for column in ("programme 计划", "eligible", "participants", "uptake", "cost 成本", "effect"):
        table.add_column(column)
    for r in reports:
        table.add_row(
            escape(f"{r.title_zh} / {r.title_en}"),
            f"{r.eligible:,}",
            f"{r.participants:,}",
            format_bp(r.uptake_bp),
            format_fen(r.cost_fen),
            escape(effect_line(r)),
        )
    console.print(table)
    for r in reports:
        for label_text, n in r.statuses:
            console.print(
                f"  {r.title_zh}: {label_text} {n:,} shops", highlight=False, markup=False
            )
    with open_warehouse(db, read_only=True) as con:
        coupons = programme_coupons(con, tuple(program or ()))
    if coupons:
        money = Table(title="Programme coupons 计划券 (journal)")
        for column in ("programme 计划", "coupons", "issued 发放", "redeemed 核销", "expired 过期"):
            money.add_column(column)
        money.add_column("outstanding 未用")
        for c in coupons:
            money.add_row(
                escape(c.program),
                f"{c.coupons:,}",
                format_fen(c.issued_fen),
                format_fen(c.redeemed_fen),
                format_fen(c.expired_fen),
                format_fen(c.outstanding_fen),
            )
        console.print(money)
    if out is not None:
        period = f"{len(reports)} programmes"
        console.print(
            f"Report: {write_page(reports, out, period=period)}", highlight=False, markup=False
        )


def check_command(
    files: Annotated[
        list[Path] | None, typer.Argument(help="Programme rulebooks (default: the shipped ones).")
    ] = None,
) -> None:
    """Check programme rulebooks: every problem with file, line and key."""
    console = Console()
    paths = files or [shipped_programmes_dir() / f"{n}.yaml" for n in shipped_programmes()]
    problems: list[Diagnostic] = []
    for path in paths:
        found, diagnostics = check_programme_file(path)
        problems += diagnostics
        if found is not None:
            assumed = sum(1 for _k, n in found.numbers() if n.assumption)
            console.print(
                f"{path}: ok ({len(found.tasks)} tasks, {len(found.numbers())} numbers, "
                f"{assumed} assumed)",
                highlight=False,
                markup=False,
            )
    if problems:
        raise ProblemsFound(f"{len(problems)} problem(s) in programme rulebooks", problems)


def register(app: typer.Typer) -> None:
    """Add the ``programs`` group to ``app``."""
    command(programs_app, "run", run_command)
    command(programs_app, "status", status_command)
    command(programs_app, "report", report_command)
    command(programs_app, "check", check_command)
    app.add_typer(programs_app, name="programs")
