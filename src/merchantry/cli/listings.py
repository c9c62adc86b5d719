"""`merchantry listings`: check listings (a file, the warehouse, one before publication),
report violations for operators, and score detection against planted truth."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from merchantry.cli.options import (
    DEFAULT_DB,
    DbOption,
    command,
    open_warehouse,
    progress,
    require_shop,
)
from merchantry.kit.errors import ExitCode, InputError
from merchantry.listings.cases import open_listing_cases
from merchantry.listings.check import Finding, check_catalogue
from merchantry.listings.claims import Listing, parse_composition
from merchantry.listings.evaluate import read_truth, score
from merchantry.listings.inputs import read_authorisations_file, read_listings_file
from merchantry.listings.rulebook import DEFAULT_RULEBOOK, load_listing_rulebook
from merchantry.listings.rules import make_context
from merchantry.listings.usecases import (
    ListingReport,
    ReportRow,
    check_warehouse,
    listing_report,
    prepublish_checker,
)
from merchantry.reco.similarity import parse_phash
from merchantry.report.names import Vocabulary, label
from merchantry.risk.access import Scope
from merchantry.risk.store import DEFAULT_URL, open_store
from merchantry.service.listing_notices import announce_rulebooks

RULEBOOK = Annotated[
    str,
    typer.Option("--rulebook", help="Listing rulebook: a shipped name or a YAML file path."),
]
JSON = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    group = typer.Typer(
        help="Listing governance: false claims, forbidden words, brands, copies.",
        no_args_is_help=True,
    )
    command(group, "check", check_command)
    command(group, "report", report_command)
    command(group, "evaluate", evaluate_command)
    command(group, "cases", cases_command)
    app.add_typer(group, name="listings")


def _console() -> Console:
    return Console(highlight=False, soft_wrap=True)


def _finding_json(f: Finding) -> dict[str, Any]:
    data = asdict(f)
    data["kind"] = f.kind.value
    data["outcome"] = f.outcome.value
    return data


def _print_findings(console: Console, findings: tuple[Finding, ...] | list[Finding]) -> None:
    if not findings:
        console.print("no violations found")
        return
    table = Table("SKU", "shop", "violation", "outcome", "points", "evidence")
    for f in findings:
        table.add_row(
            escape(f.sku_id),
            escape(f.shop_id),
            escape(label(Vocabulary.LISTING_VIOLATION, f.kind.value)),
            escape(label(Vocabulary.LISTING_OUTCOME, f.outcome.value)),
            str(f.points),
            escape(f.evidence),
        )
    console.print(table)


def check_command(
    file: Annotated[
        Path | None,
        typer.Argument(help="Listings file (CSV with a header, or JSON Lines) to check."),
    ] = None,
    shop: Annotated[
        str | None,
        typer.Option(
            "--shop",
            help="With --title: check one new listing of this shop before publication; "
            "without: check the shop's listings in the warehouse.",
        ),
    ] = None,
    title: Annotated[str | None, typer.Option("--title", help="Title of the new listing.")] = None,
    price_fen: Annotated[int, typer.Option("--price-fen", min=0, help="Price, fen.")] = 0,
    sku: Annotated[str, typer.Option("--sku", help="SKU id of the new listing.")] = "NEW",
    category: Annotated[str, typer.Option("--category", help="Category id.")] = "",
    industry: Annotated[str, typer.Option("--industry", help="Industry code.")] = "",
    brand: Annotated[str | None, typer.Option("--brand", help="Declared brand.")] = None,
    composition: Annotated[
        str | None, typer.Option("--composition", help="Composition, e.g. 羊绒:30;羊毛:70.")
    ] = None,
    ship_from: Annotated[
        str | None, typer.Option("--ship-from", help="Ship-from province.")
    ] = None,
    net_count: Annotated[
        int | None, typer.Option("--net-count", min=0, help="Stated count.")
    ] = None,
    count_unit: Annotated[str | None, typer.Option("--count-unit", help="Unit, e.g. 抽.")] = None,
    subsidy_label: Annotated[
        bool, typer.Option("--subsidy-label", help="The listing carries the 国补 label.")
    ] = False,
    image_phash: Annotated[
        str | None, typer.Option("--image-phash", help="Main image hash, 16 hex digits.")
    ] = None,
    presale: Annotated[
        bool, typer.Option("--presale", help="A presale listing (refused while presale is closed).")
    ] = False,
    authorisations: Annotated[
        Path | None,
        typer.Option("--authorisations", help="Brand authorisations CSV (for a FILE check)."),
    ] = None,
    db: DbOption = Path(DEFAULT_DB),
    rulebook: RULEBOOK = DEFAULT_RULEBOOK,
    as_json: JSON = False,
    ops_db: Annotated[
        str | None,
        typer.Option(
            "--ops-db",
            envvar="MERCHANTRY_OPS_URL",
            help="Operational database (SQLAlchemy URL) whose inbox the API's workers follow: "
            "a warehouse check announces the rulebook's restrictions and banned or taken-down "
            "listings there, so running pre-publish checkers see them at once.",
        ),
    ] = None,
) -> None:
    """Check listings: a FILE (batch), the warehouse (--db; writes results), one shop's
    listings (--shop), or one new listing before publication (--shop and --title).

    Exit code 1 when a new listing is blocked."""
    book = load_listing_rulebook(rulebook)
    console = _console()
    if file is not None and (shop or title):
        raise InputError("give a FILE or --shop (with --title for a new listing), not both")
    if file is not None:
        listings = read_listings_file(file)
        auths = read_authorisations_file(authorisations) if authorisations else []
        ctx = make_context(book, auths, listings, today=date.today())
        result = check_catalogue(listings, ctx, live=False)
        if as_json:
            print(
                json.dumps(
                    {
                        "checked": result.checked,
                        "findings": [_finding_json(f) for f in result.findings],
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
            return
        _print_findings(console, result.findings)
        console.print(f"{result.checked:,} listing(s) checked, {len(result.findings):,} finding(s)")
        return
    if title is not None:
        if shop is None:
            raise InputError("--title needs --shop (the shop publishing the listing)")
        listing = Listing(
            sku_id=sku,
            shop_id=shop,
            title=title,
            price_fen=price_fen,
            category_id=category,
            industry=industry,
            brand=brand,
            composition=parse_composition(composition, "--composition")
            if composition is not None
            else None,
            ship_from=ship_from,
            net_count=net_count,
            count_unit=count_unit,
            subsidy_label=subsidy_label,
            image_phash=parse_phash(image_phash, "--image-phash"),
            presale=presale,
        )
        # the warehouse says which shops, categories and industries exist, and holds the
        # published listings, restrictions and bans a new listing is checked against
        with open_warehouse(db, read_only=True) as con:
            require_shop(con, shop)  # the message every command gives an unknown shop
            checker = prepublish_checker(book, con=con, today=date.today())
        outcome = checker.check(listing)
        if as_json:
            print(
                json.dumps(
                    {
                        "decision": outcome.decision,
                        "findings": [_finding_json(f) for f in outcome.findings],
                        "refusals": [r.describe() for r in outcome.refusals],
                        "held": [
                            {"case_id": r.held.case_id, "reason": r.reason} for r in outcome.held
                        ],
                    },
                    ensure_ascii=False,
                    indent=2,
                )
            )
        else:
            _print_findings(console, list(outcome.findings))
            for refusal in outcome.refusals:
                console.print(f"refused: {refusal.describe()}", markup=False)
            for held in outcome.held:
                console.print(f"refused: {held.reason}", markup=False)
            console.print(f"decision: {outcome.decision}", markup=False)
        if outcome.blocked:
            raise typer.Exit(ExitCode.PROBLEMS_FOUND)
        return
    with (
        open_warehouse(db, read_only=shop is not None) as con,
        progress(console, "checking listings"),
    ):
        if shop is not None:
            require_shop(con, shop)
        result = check_warehouse(
            con, book, shop_id=shop, write=shop is None, at=datetime.now().replace(microsecond=0)
        )
        if shop is None and ops_db is not None:
            engine = open_store(ops_db)
            try:
                announce_rulebooks(engine, con, [book.name])
            finally:
                engine.dispose()
    if as_json:
        print(
            json.dumps(
                {
                    "checked": result.checked,
                    "findings": [_finding_json(f) for f in result.findings],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    _print_findings(console, result.findings)
    written = "" if shop else f"; written to listing_violations ({escape(book.name)})"
    console.print(
        f"{result.checked:,} listing(s) checked, {len(result.findings):,} finding(s), "
        f"{len(result.clusters)} linked-shop cluster(s){written}"
    )


def _rows_table(
    title: str, first: str, rows: tuple[ReportRow, ...], vocabulary: Vocabulary | None
) -> Table:
    table = Table(first, "listings", "take-downs", "blocks", "warnings", "points", title=title)
    for r in rows:
        key = label(vocabulary, r.key) if vocabulary else r.key
        table.add_row(
            escape(key),
            str(r.listings),
            str(r.take_downs),
            str(r.blocks),
            str(r.warnings),
            str(r.points),
        )
    return table


def report_command(
    db: DbOption = Path(DEFAULT_DB),
    rulebook: RULEBOOK = DEFAULT_RULEBOOK,
    top: Annotated[int, typer.Option("--top", min=1, help="Shops shown.")] = 20,
    as_json: JSON = False,
) -> None:
    """Violations by kind, industry and shop, repeat offenders and linked-shop clusters."""
    name = load_listing_rulebook(rulebook).name
    with open_warehouse(db, read_only=True) as con:
        report: ListingReport = listing_report(con, name)
    if as_json:
        print(json.dumps(asdict(report), ensure_ascii=False, indent=2))
        return
    console = _console()
    console.print(
        _rows_table("by kind 按违规类型", "violation", report.by_kind, Vocabulary.LISTING_VIOLATION)
    )
    console.print(
        _rows_table("by industry 按行业", "industry", report.by_industry, Vocabulary.INDUSTRY)
    )
    console.print(_rows_table("by shop 按店铺", "shop", report.by_shop[:top], None))
    console.print(
        _rows_table("repeat offenders 多次违规店铺", "shop", report.repeat_offenders, None)
    )
    clusters = Table("cluster", "linked shops", "copies", title="linked-shop clusters 关联店铺团伙")
    for cluster_id, shops, copies in report.clusters:
        clusters.add_row(escape(cluster_id), escape(", ".join(shops)), str(copies))
    console.print(clusters)


def evaluate_command(
    truth: Annotated[
        list[Path],
        typer.Option(
            "--truth",
            help="A truth file of the generator (truth/listing_violations.csv, "
            "truth/caption_claims.csv); repeat for several.",
        ),
    ],
    db: DbOption = Path(DEFAULT_DB),
    rulebook: RULEBOOK = DEFAULT_RULEBOOK,
    as_json: JSON = False,
) -> None:
    """Precision and recall per violation kind against the generator's planted truth."""
    book = load_listing_rulebook(rulebook)
    planted = [p for path in truth for p in read_truth(path)]
    console = _console()
    with open_warehouse(db, read_only=True) as con, progress(console, "checking listings"):
        result = check_warehouse(con, book, write=False)
    scores = score(planted, result.findings)
    if as_json:
        print(
            json.dumps(
                [asdict(s) | {"precision": s.precision, "recall": s.recall} for s in scores],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    table = Table(
        "violation", "planted", "decoys", "TP", "FP", "FN", "decoys flagged", "precision", "recall"
    )
    for s in scores:
        table.add_row(
            escape(label(Vocabulary.LISTING_VIOLATION, s.kind)),
            str(s.planted),
            str(s.decoys),
            str(s.true_positive),
            str(s.false_positive),
            str(s.false_negative),
            str(s.decoys_flagged),
            f"{s.precision:.3f}",
            f"{s.recall:.3f}",
        )
    console.print(table)
    console.print(f"{result.checked:,} listings checked")


def cases_command(
    db: DbOption = Path(DEFAULT_DB),
    store: Annotated[
        str,
        typer.Option(
            "--ops-db",
            envvar="MERCHANTRY_OPS_URL",
            help="Operational database (SQLAlchemy URL) holding the cases.",
        ),
    ] = DEFAULT_URL,
    rulebook: RULEBOOK = DEFAULT_RULEBOOK,
) -> None:
    """Open a case (appealable; see `merchantry risk cases`) for every take-down and warning
    stored by `listings check --db`. Run it after the close, so a case names its deduction."""
    name = load_listing_rulebook(rulebook).name
    engine = open_store(store)
    with open_warehouse(db, read_only=True) as con:
        count = open_listing_cases(engine, con, Scope.operator("cli"), name, datetime.now())
    _console().print(f"{count:,} listing case(s) open or already open")
