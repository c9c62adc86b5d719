"""`merchantry score`, `score-report` and `diagnose score`: experience scores, their report
(with the published good-service ranking) and their diagnosis."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Final

import duckdb
import typer
from rich.console import Console
from rich.table import Table

from merchantry.cli.engine import EngineOption, SparkOutOption, SparkTablesOption
from merchantry.cli.options import (
    DATE_FORMATS,
    DEFAULT_DB,
    DbOption,
    RulebookDirsOption,
    check_period,
    command,
    day,
    open_warehouse,
    progress,
    require_shop,
    rulebook_dirs,
    said,
)
from merchantry.kit.errors import InputError
from merchantry.kit.money import format_bp
from merchantry.kit.refusals import DAY_FORM
from merchantry.report import format_points
from merchantry.report.names import Vocabulary, format_value, label
from merchantry.report.page import shop_label
from merchantry.rulebook import Rulebook, load_rulebook
from merchantry.rulebook.purpose import Stage, require_stage
from merchantry.scoring import ScoreRunSummary
from merchantry.scoring.diagnosis import ScoreDiagnosis, diagnose_score
from merchantry.scoring.inputs import label_terms
from merchantry.scoring.report import (
    ranking,
    typical_score,
    write_ranking_csv,
    write_score_report,
)
from merchantry.service.choice import score_rulebook
from merchantry.service.demo import extreme_shops
from merchantry.service.runner import run_stage
from merchantry.service.stages import score_stage
from merchantry.spark.engine import parse_engine
from merchantry.spark.scores import spark_score_stage

diagnose_app = typer.Typer(help="Diagnosis: why a figure is what it is, and what would change it.")


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    command(app, "score", score_command)
    command(app, "score-report", score_report_command)
    app.add_typer(diagnose_app, name="diagnose")
    command(diagnose_app, "score", diagnose_score_command)


def points(cp: int | None) -> str:
    """A score in hundredths as points (87.52, 4.83)."""
    return "-" if cp is None else format_points(cp)


def print_summary(console: Console, con: duckdb.DuckDBPyConnection, s: ScoreRunSummary) -> None:
    """The run in numbers, then the best and worst shops of the last date."""
    console.print(
        f"[bold]{s.rulebook}[/] ({s.platform}) {s.start} – {s.end}: {s.shops:,} shops, "
        f"{s.rows:,} shop-days in {s.seconds:.2f} s. Last day: {s.formal:,} formal, "
        f"{s.growth:,} growth, {s.no_score:,} without a score; "
        f"typical score {points(typical_score(con, s.rulebook, s.end))} "
        f"(median of the formal stage); {s.gates:,} gate rows, {s.ranked:,} ranking rows.",
        highlight=False,
    )
    top, bottom = extreme_shops(con, s.rulebook, s.end)
    table = Table(title=f"Top and bottom shops on {s.end}")
    for column in ("", "店铺 / shop", "行业 / industry", "体验分 / score", "展示分 / display"):
        table.add_column(column)
    for where, rows in (("top", top), ("bottom", bottom)):
        for shop in rows:
            shown = shop.display_tenths  # as the scale rule in force displays it
            table.add_row(
                where,
                shop.label,
                label(Vocabulary.INDUSTRY, shop.industry),
                points(shop.score_cp),
                "-" if shown is None else f"{shown // 10}.{shown % 10} ★",
            )
    console.print(table)
    for warning in s.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)


DATA_END: Final = """
SELECT CAST(greatest(
  (SELECT max(paid_at) FROM orders), (SELECT max(event_at) FROM logistics_events),
  (SELECT max(requested_at) FROM after_sales)) AS DATE)
"""
"""The last day the warehouse holds an event a score reads (payment, shipment, after-sales)."""


def _cut_to_data(con: duckdb.DuckDBPyConnection, book: Rulebook, first: date, last: date) -> date:
    """The last score date to compute: ``last``, or the last day whose window (the longest
    ``window_days`` of the rulebook's scale rules) still holds a day of data, when ``last``
    lies after it (with a warning on stderr). A period that starts after that is refused:
    every shop would get a stored "no score" for days the warehouse knows nothing of."""
    row = con.execute(DATA_END).fetchone()
    end = row[0] if row and isinstance(row[0], date) else None
    if end is None:
        raise InputError(
            "the warehouse holds no orders, shipments or after-sales requests to score; "
            "load data first with `merchantry ingest DIR`"
        )
    window = max((r.effect.int("window_days") for r in book.rules_of("score_scale")), default=30)
    reach = end + timedelta(days=window - 1)
    if first > reach:
        raise InputError(
            f"--date {first} is after the data: its last day is {end} (the last payment, "
            f"shipment or after-sales request the warehouse holds), so no {window}-day score "
            f"window after {reach} holds any; give a date on or before {reach}"
        )
    if last > reach:
        Console(stderr=True).print(
            f"warning: the data ends on {end}: scoring {first}..{reach} (the last day whose "
            f"{window}-day window holds data), not through {last}",
            highlight=False,
            markup=False,
        )
        return reach
    return last


ScoreRulebookOption = Annotated[
    str | None,
    typer.Option(
        "--rulebook",
        metavar="NAME",
        help="Score rulebook. Default: the one the warehouse's scores were made under; else "
        "the one written for its marketplace and in force on the date (douyin-score-2026-07 "
        "among several); the command says which it took.",
    ),
]


def score_command(
    first: Annotated[
        datetime,
        typer.Option("--date", formats=DATE_FORMATS, metavar=DAY_FORM, help="First score date."),
    ],
    to: Annotated[
        datetime | None,
        typer.Option(
            "--to", formats=DATE_FORMATS, metavar=DAY_FORM, help="Last score date (inclusive)."
        ),
    ] = None,
    rulebook: ScoreRulebookOption = None,
    db: DbOption = DEFAULT_DB,
    dirs: RulebookDirsOption = None,
    engine: EngineOption = "duckdb",
    spark_tables: SparkTablesOption = None,
    spark_out: SparkOutOption = None,
) -> None:
    """Score every shop on every date (re-running replaces that rulebook's rows)."""
    console = Console()
    check_period(first.date(), day(to), ("--date", "--to"))
    on_spark = parse_engine(engine, spark_tables, spark_out)
    folders = rulebook_dirs(dirs)
    if rulebook is None:
        with open_warehouse(db, read_only=True) as con:
            rulebook = said(score_rulebook(con, None, folders, first.date()))
    book = load_rulebook(rulebook, folders)
    require_stage(book, (Stage.SCORE,), "merchantry score")
    with open_warehouse(db) as con:
        last = _cut_to_data(con, book, first.date(), (to or first).date())
        with progress(console, f"scoring under {rulebook}") as step:
            outcome = run_stage(
                con,
                score_stage(book) if on_spark is None else spark_score_stage(book, on_spark),
                first.date(),
                last,
                progress=lambda text: step(f"{rulebook}: {text}"),
            )
        if not isinstance(outcome.detail, ScoreRunSummary):
            raise TypeError(f"the score stage reported {type(outcome.detail).__name__}")
        print_summary(console, con, outcome.detail)


def print_diagnosis(console: Console, d: ScoreDiagnosis, terms: Mapping[str, int]) -> None:
    """Findings against the industry median and the ranked actions; ``terms`` are the numbers
    of the diagnosis's rulebook that indicator names quote (:func:`label_terms`)."""
    console.print(
        f"[bold]{shop_label(d.shop_id, d.shop_name)}[/] ({label(Vocabulary.INDUSTRY, d.industry)})"
        f" under {d.rulebook} on {d.score_date}: {label(Vocabulary.SCORE_STAGE, d.stage)}, "
        f"score {points(d.score_cp)}",
        highlight=False,
    )
    if d.stage != "formal":
        console.print(
            "Growth-stage and unscored shops have no indicator diagnosis: reach the minimum "
            "number of valid orders first (成长阶段店铺需先达到有效订单门槛).",
        )
    print_moves(console, d, terms)
    table = Table(title="指标与行业中位数 · Indicators against the industry median")
    for column in (
        "指标 / indicator",
        "本店 / value",
        "行业中位数 / median",
        "指标得分 / score",
        "权重 / weight",
        "达中位数可加 / gain if median",
    ):
        table.add_column(column)
    for f in d.findings:
        table.add_row(
            f.title,
            format_value(f.unit, f.value),
            format_value(f.unit, f.industry_median),
            points(f.indicator_cp),
            "-" if f.weight_bp is None else format_bp(f.weight_bp),
            f"+{points(f.gain_cp)}" if f.gain_cp else "",
        )
    console.print(table)
    for rank, f in enumerate(d.actions, start=1):
        console.print(
            f"{rank}. +{points(f.gain_cp)} {f.title}: {f.action_zh} / {f.action_en}",
            highlight=False,
        )


def print_moves(console: Console, d: ScoreDiagnosis, terms: Mapping[str, int]) -> None:
    """Every deduction, bonus, cap, floor and clamp that moved the score, with its points."""
    if d.stage != "formal":
        return
    if not d.moves:
        console.print(
            "No deduction, bonus, floor or cap moved this score: it is the weighted indicators "
            "alone (无扣分、加分、保底或封顶).",
            highlight=False,
        )
        return
    table = Table(title="扣分、加分、保底与封顶 · What else moved the score")
    for column in ("类型 / kind", "规则 / rule", "移动 / moved", "计入 / applied", "说明 / what"):
        table.add_column(column, justify="right" if column.startswith(("移动", "计入")) else "left")
    for m in d.moves:
        what = m.title
        if m.indicator:
            what = f"{label(Vocabulary.INDICATOR, m.indicator, terms)}: {what}"
        if m.cases:
            what = f"{what} ({m.cases:,} cases)"
        table.add_row(
            label(Vocabulary.ADJUSTMENT, m.kind.value),
            m.rule_id or "-",
            signed_points(m.moved_cp),
            "-" if m.recorded_cp is None else signed_points(m.recorded_cp),
            what,
        )
    console.print(table)
    net = sum(m.moved_cp for m in d.moves)
    console.print(
        f"Together they moved the score {signed_points(net)} (each recomputed alone; where two "
        "touch the same clamp the parts need not add up).",
        highlight=False,
    )


def signed_points(cp: int) -> str:
    """``+1.50``, ``-3.00``, ``0.00``."""
    return f"+{points(cp)}" if cp > 0 else points(cp)


def diagnose_score_command(
    shop: Annotated[str, typer.Option("--shop", help="Shop id.")],
    rulebook: ScoreRulebookOption = None,
    when: Annotated[
        datetime | None,
        typer.Option(
            "--date",
            formats=DATE_FORMATS,
            metavar=DAY_FORM,
            help="Score date (default: latest).",
        ),
    ] = None,
    db: DbOption = DEFAULT_DB,
    dirs: RulebookDirsOption = None,
) -> None:
    """Which indicators cost the shop most against its industry, and what fixing each adds."""
    console = Console()
    folders = rulebook_dirs(dirs)
    with open_warehouse(db) as con:
        require_shop(con, shop)
        chosen = score_rulebook(con, rulebook, folders, day(when), stored=True)
        book = load_rulebook(said(chosen), folders)
        diagnosis = diagnose_score(con, book, shop, day(when))
        print_diagnosis(console, diagnosis, label_terms(book))


def score_report_command(
    when: Annotated[
        datetime,
        typer.Option("--date", formats=DATE_FORMATS, metavar=DAY_FORM, help="Score date."),
    ],
    rulebook: ScoreRulebookOption = None,
    out: Annotated[Path, typer.Option("--out", help="HTML report to write.")] = Path("scores.html"),
    ranking_csv: Annotated[
        Path | None,
        typer.Option("--ranking-csv", help="Also write the good-service ranking as CSV."),
    ] = None,
    db: DbOption = DEFAULT_DB,
    dirs: RulebookDirsOption = None,
) -> None:
    """Report a scored date: distribution, industries, indicators, gates, lowest shops and
    the good-service ranking per industry (HTML with offline charts; ranking also as CSV)."""
    console = Console()
    folders = rulebook_dirs(dirs)
    with open_warehouse(db) as con:
        rulebook = said(score_rulebook(con, rulebook, folders, when.date(), stored=True))
        path = write_score_report(con, rulebook, when.date(), out, rulebook_dirs=folders)
        console.print(f"Report: {path}", highlight=False)
        if ranking_csv is not None:
            ranked = ranking(con, rulebook, when.date())
            write_ranking_csv(ranked, ranking_csv)
            console.print(
                f"Ranking: {len(ranked):,} shops in "
                f"{len({r.industry for r in ranked}):,} industries -> {ranking_csv}",
                highlight=False,
            )
