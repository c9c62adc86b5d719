"""`merchantry reco`: post-purchase suppression, near-duplicate clusters, the quality-aware
boost and its replay, AIGC creatives and their bandit."""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from merchantry.cli.options import (
    DEFAULT_DB,
    MOMENT_FORMATS,
    DbOption,
    RulebookDirsOption,
    command,
    open_warehouse,
    progress,
    require_buyer,
    rulebook_dirs,
)
from merchantry.kit.errors import InputError
from merchantry.kit.refusals import MOMENT_FORM
from merchantry.reco.bandit import ArmRates, simulate
from merchantry.reco.candidates import read_candidates, read_purchases
from merchantry.reco.creatives import LlmSettings
from merchantry.reco.evaluate import evaluate, read_truth
from merchantry.reco.settings import DEFAULT_RULEBOOK, BoostSettings, RecoSettings, load_settings
from merchantry.reco.suppression import FilterResult
from merchantry.reco.usecases import (
    boost_items,
    creatives_for,
    filter_for_buyer,
    replay_sessions,
    update_clusters,
)
from merchantry.reco.warehouse import load_catalogue

RULEBOOK = Annotated[str, typer.Option("--rulebook", help="Reco rulebook (windows, weights).")]
JSON = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def register(app: typer.Typer) -> None:
    """Add this module's commands to `app`."""
    group = typer.Typer(
        help="Recommendation governance: suppression, clusters, boost, creatives.",
        no_args_is_help=True,
    )
    command(group, "filter", filter_command)
    command(group, "clusters", clusters_command)
    command(group, "evaluate", evaluate_command)
    command(group, "boost", boost_command)
    command(group, "replay", replay_command)
    command(group, "creatives", creatives_command)
    command(group, "bandit", bandit_command)
    app.add_typer(group, name="reco")


def _settings(name: str, dirs: list[Path] | None) -> RecoSettings:
    return load_settings(name, rulebook_dirs(dirs))


def _console() -> Console:
    """Markup off: ids, titles and copy are printed as they are (``[x]`` stays visible)."""
    return Console(highlight=False, soft_wrap=True, markup=False)


def filter_result_json(result: FilterResult, rulebook: str) -> dict[str, Any]:
    """The JSON shape of a filter answer (the API answers the same)."""
    return {
        "rulebook": rulebook,
        "kept": result.kept,
        "removed": [
            {
                "sku_id": r.sku_id,
                "rule_id": r.rule_id,
                "path": r.path,
                "detail": r.detail,
                "purchase_sku_id": r.purchase_sku_id,
                "purchase_order_id": r.purchase_order_id,
                "purchased_at": r.purchased_at.isoformat(sep=" "),
                "window_days": r.window_days,
                "until": r.until.isoformat(sep=" "),
            }
            for r in result.removed
        ],
        "unknown_candidates": result.unknown_candidates,
        "unknown_purchases": result.unknown_purchases,
    }


def filter_command(
    candidates: Annotated[
        Path, typer.Option("--candidates", help="Candidate file: CSV or JSONL, a sku_id per row.")
    ],
    buyer: Annotated[
        str | None, typer.Option("--buyer", help="Buyer id: their orders are read from --db.")
    ] = None,
    purchases: Annotated[
        Path | None,
        typer.Option("--purchases", help="Extra purchases: CSV/JSONL of sku_id, purchased_at."),
    ] = None,
    at: Annotated[
        datetime | None,
        typer.Option(
            "--at",
            formats=MOMENT_FORMATS,
            metavar=MOMENT_FORM,
            help="Moment of the request (default: now).",
        ),
    ] = None,
    db: DbOption = Path(DEFAULT_DB),
    rulebook: RULEBOOK = DEFAULT_RULEBOOK,
    dirs: RulebookDirsOption = None,
    as_json: JSON = False,
) -> None:
    """Withhold what a buyer just bought and its near-duplicates; say why for each."""
    if buyer is None and purchases is None:
        raise InputError("give --buyer (orders read from --db) or --purchases FILE, or both")
    settings = _settings(rulebook, dirs)
    wanted = read_candidates(candidates)
    given = read_purchases(purchases) if purchases is not None else []
    now = at or datetime.now().replace(microsecond=0)
    console = _console()
    with open_warehouse(db, read_only=True) as con:
        if buyer is not None and not given:  # purchases given stand for a buyer's history
            require_buyer(con, buyer)
        with progress(console, "reading the catalogue", enabled=not as_json):
            catalogue, stored = load_catalogue(con, settings)
        result, used = filter_for_buyer(
            con, catalogue, settings, wanted, buyer_id=buyer, purchases=given, now=now
        )
    if as_json:
        typer.echo(json.dumps(filter_result_json(result, settings.rulebook), ensure_ascii=False))
        return
    if not stored:
        console.print(
            "[dim]clusters computed now (run `merchantry reco clusters` to store)[/]", markup=True
        )
    console.print(
        f"{len(used)} purchase(s) considered at {now}; {len(result.kept)} kept, "
        f"{len(result.removed)} removed"
    )
    if result.removed:
        table = Table("candidate", "rule", "path", "why", "purchase", "bought", "until")
        for r in result.removed:
            table.add_row(
                r.sku_id,
                r.rule_id,
                r.path,
                r.detail,
                r.purchase_order_id or r.purchase_sku_id,
                str(r.purchased_at),
                str(r.until),
            )
        console.print(table)
    for label, items in (
        ("kept but unknown to the catalogue", result.unknown_candidates),
        ("purchases of unknown SKUs (they withhold nothing)", result.unknown_purchases),
    ):
        if items:
            console.print(f"{label}: {', '.join(items[:20])}")


def clusters_command(
    db: DbOption = Path(DEFAULT_DB),
    rulebook: RULEBOOK = DEFAULT_RULEBOOK,
    dirs: RulebookDirsOption = None,
    images: Annotated[
        Path | None,
        typer.Option(
            "--images",
            help="Folder the products' image_refs are under: hash main images that have no "
            "image_phash in product_profiles.",
        ),
    ] = None,
) -> None:
    """Build or update the near-duplicate clusters (`reco_clusters`) from `products`."""
    settings = _settings(rulebook, dirs)
    console = _console()
    with open_warehouse(db) as con, progress(console, "clustering products"):
        written = update_clusters(con, settings, images)
    console.print(
        f"{written.skus:,} SKUs in {written.clusters:,} clusters "
        f"({written.multi_clusters:,} with near-duplicates); {written.written:,} row(s) "
        f"written, {written.removed:,} removed"
    )


def evaluate_command(
    truth: Annotated[Path, typer.Option("--truth", help="truth/reco_pairs.csv of the generator.")],
    db: DbOption = Path(DEFAULT_DB),
    rulebook: RULEBOOK = DEFAULT_RULEBOOK,
    dirs: RulebookDirsOption = None,
) -> None:
    """Precision and recall of similarity and of the filter against planted truth."""
    settings = _settings(rulebook, dirs)
    pairs = read_truth(truth)
    console = _console()
    with open_warehouse(db, read_only=True) as con, progress(console, "evaluating"):
        catalogue, _ = load_catalogue(con, settings)
        result = evaluate(pairs, catalogue, settings)
    table = Table("judgement", "pairs", "TP", "FP", "FN", "TN", "precision", "recall")
    for label, s in (("near-duplicate", result.similarity), ("filter (window > 0)", result.filter)):
        total = s.true_positive + s.false_positive + s.false_negative + s.true_negative
        table.add_row(
            label,
            str(total),
            str(s.true_positive),
            str(s.false_positive),
            str(s.false_negative),
            str(s.true_negative),
            f"{s.precision:.3f}",
            f"{s.recall:.3f}",
        )
    console.print(table)
    kinds = ", ".join(f"{k} {v:.3f}" for k, v in result.similarity_by_kind.items())
    console.print(f"judged near-duplicate, share per kind: {kinds}")
    console.print(f"removals after the window ended: {result.expired_removed}")


def boost_command(
    sku: Annotated[list[str], typer.Option("--sku", help="SKU to weigh (repeatable).")],
    buyer: Annotated[str | None, typer.Option("--buyer", help="Buyer (return risk).")] = None,
    db: DbOption = Path(DEFAULT_DB),
    rulebook: RULEBOOK = DEFAULT_RULEBOOK,
    dirs: RulebookDirsOption = None,
    as_json: JSON = False,
) -> None:
    """The quality-aware rerank weight of each SKU, signal by signal."""
    settings = _settings(rulebook, dirs)
    with open_warehouse(db, read_only=True) as con:
        if buyer is not None:  # as `reco filter` refuses it: not weighed as a new buyer
            require_buyer(con, buyer)
        boosts = boost_items(con, settings, sku, buyer)
    if as_json:
        typer.echo(json.dumps([asdict(b) for b in boosts], ensure_ascii=False))
        return
    console = _console()
    table = Table("sku", "weight bp", "tier", "signal", "rule", "raw bp", "applied bp", "why")
    for b in boosts:
        for i, c in enumerate(b.contributions or ()):
            table.add_row(
                b.sku_id if i == 0 else "",
                str(b.weight_bp) if i == 0 else "",
                b.tier if i == 0 else "",
                c.signal,
                c.rule_id,
                str(c.raw_bp),
                f"{c.bp}{' (capped)' if c.capped else ''}",
                c.text,
            )
        if not b.contributions:
            table.add_row(b.sku_id, str(b.weight_bp), b.tier, "-", "-", "0", "0", "no signal")
        if b.total_capped:
            table.add_row("", "", "", "total", "boost_total_cap_bp", "", "capped", "")
    console.print(table)


def replay_command(
    candidate: Annotated[str, typer.Option("--candidate", help="Candidate reco rulebook.")] = (
        DEFAULT_RULEBOOK
    ),
    baseline: Annotated[
        str, typer.Option("--baseline", help="Baseline rulebook, or `neutral` (no boost).")
    ] = "neutral",
    sessions: Annotated[int, typer.Option("--sessions", min=1, help="Sessions to replay.")] = 2000,
    seed: Annotated[int, typer.Option("--seed", help="Seed of relevance and sampling.")] = 0,
    db: DbOption = Path(DEFAULT_DB),
    dirs: RulebookDirsOption = None,
) -> None:
    """Exposure and expected returns per shop tier: candidate rulebook against baseline."""
    cand = _settings(candidate, dirs)
    base = (
        ("neutral", BoostSettings.neutral())
        if baseline == "neutral"
        else (baseline, _settings(baseline, dirs).boost)
    )
    console = _console()
    with open_warehouse(db, read_only=True) as con, progress(console, "replaying sessions"):
        report = replay_sessions(
            con, base, (cand.rulebook, cand.boost), sessions=sessions, seed=seed
        )
    table = Table(
        "shop tier", "items", "exposure ‰ baseline", "exposure ‰ candidate",
        "returns /1000 exp. baseline", "returns /1000 exp. candidate",
    )  # fmt: skip
    for t in report.tiers:
        table.add_row(
            t.tier,
            str(t.items),
            str(t.baseline_exposure_pm),
            str(t.candidate_exposure_pm),
            f"{t.baseline_returns_per_1000:.1f}",
            f"{t.candidate_returns_per_1000:.1f}",
        )
    console.print(f"{report.sessions:,} sessions: {report.baseline} → {report.candidate}")
    console.print(table)
    console.print(
        f"expected returns per 1,000 exposures: {report.baseline_returns_per_1000:.1f} → "
        f"{report.candidate_returns_per_1000:.1f}"
    )


def creatives_command(
    sku: Annotated[str, typer.Option("--sku", help="SKU to write copy for.")],
    db: DbOption = Path(DEFAULT_DB),
    as_json: JSON = False,
) -> None:
    """Copy variants of a product from its attributes and reviews, after the claim guard.

    Uses the OpenAI-compatible endpoint in MERCHANTRY_CREATIVES_LLM_URL when set."""
    with open_warehouse(db, read_only=True) as con:
        _, split = creatives_for(con, sku, LlmSettings.from_env())
    if as_json:
        shown = [asdict(v) for v in split.shown]
        blocked = [
            {**asdict(v), "unsupported": [asdict(c) for c in claims]} for v, claims in split.blocked
        ]
        typer.echo(json.dumps({"shown": shown, "blocked": blocked}, ensure_ascii=False))
        return
    console = _console()
    table = Table("variant", "kind", "text")
    for v in split.shown:
        table.add_row(v.template_id, v.kind, v.text)
    console.print(table)
    for v, claims in split.blocked:
        words = ", ".join(f"{c.kind} {c.text}" for c in claims)
        console.print(f"blocked {v.template_id}: unsupported {words}")


def _rates(text: str) -> dict[str, ArmRates]:
    rates: dict[str, ArmRates] = {}
    for part in text.split(","):
        name, _, values = part.partition("=")
        click, _, convert = values.partition(":")
        try:
            rates[name.strip()] = ArmRates(float(click), float(convert))
        except ValueError:
            raise InputError(
                f"--rates: {part!r} is not name=click_rate:conversion_rate "
                "(e.g. A=0.05:0.10,B=0.06:0.12)"
            ) from None
    return rates


def bandit_command(
    rates: Annotated[
        str,
        typer.Option("--rates", help="Known rates per variant: A=click:conversion,B=…"),
    ] = "A=0.040:0.10,B=0.050:0.10,C=0.045:0.14",
    impressions: Annotated[int, typer.Option("--impressions", min=1)] = 50_000,
    seed: Annotated[int, typer.Option("--seed")] = 0,
) -> None:
    """Simulate Thompson sampling against equal allocation in a world of known rates."""
    result = simulate(_rates(rates), impressions, seed)
    console = _console()
    console.print(
        f"{result.impressions:,} impressions: conversions {result.thompson_conversions:,} "
        f"(Thompson) vs {result.equal_conversions:,} (equal), uplift {result.uplift_pct:+.1f}%"
    )
    console.print(
        f"expected regret: {result.thompson_regret:,.1f} (Thompson) vs "
        f"{result.equal_regret:,.1f} (equal) conversions"
    )
    shares = ", ".join(f"{k} {v:.1%}" for k, v in result.shares.items())
    console.print(
        f"Thompson's shares: {shares}; best variant in the last tenth: "
        f"{result.last_tenth_best_share:.1%}"
    )
