"""A mutation harness for the score rulebooks: does moving a confirmed number one step
make a pinning test fail?

A *confirmed* number is a number in a rule (or parameter) without ``assumption: true``:
an effect field (``cap_group`` and ``priority`` are names, not platform numbers, and are
left alone), a parameter's value, or a number written in a rule's ``when`` condition. One
step is 1 in the number's last written digit (70 -> 69 and 71; 4.8 -> 4.7 and 4.9).

For each mutation the shipped rulebooks are copied to a temporary folder with the one
number changed, the package's rulebook folder is pointed at the copy, and the pinning tests
that cover the rule (``PINS``) run in-process on fresh warehouses; the mutation is *caught*
when one of them fails (an assertion, or a refused rulebook).

The per-industry service weights (``w.*`` of the May rulebook, ``svc.*`` of the July one:
1,212 of the mutations) are swept in four batches instead of one run each: every weight of a
rulebook moved the same way at once, the weights pin run once, and a weight mutant counted
caught when a shop's indicator whose weight came from that rule (``weight_rule_id``) shows a
weight other than the notice's. That is exactly the single-mutant verdict: a weight mutation
changes no rule's condition, so every shop keeps the rule it had, and a shop's weight moves
only with its own rule's (checked on a sample by ``test_mutations.py``). A batch the
checker refuses falls back to single runs.

Run the whole sweep (parallel workers, one line per mutation, then the tally and every
survivor with file, rule id, field and direction)::

    PYTHONPATH=. .venv/bin/python -m tests.scoring.mutations 2 > /tmp/score.log

(``--only "BOOK[ RULE-PREFIX]"`` restricts it, ``--resume LOG`` keeps the verdicts an
interrupted sweep printed), or
``MERCHANTRY_MUTATIONS=all .venv/bin/pytest tests/scoring/test_mutations.py -m slow -s``.
"""

from __future__ import annotations

import atexit
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import yaml

from merchantry.kit.errors import MerchantryError
from merchantry.rulebook import library
from merchantry.scoring import inputs, stage
from merchantry.store.warehouse import connect
from tests.rulebook.test_pins_store_subtype import cherries_bad_review_rate as cherries20
from tests.rulebook.test_pins_store_subtype import medical_devices_30_day_product_mean as md30

from . import test_douyin_rules as dr
from . import test_pickup_deadline as pdl
from . import test_pins_douyin as pd
from . import test_pins_gates as pg
from . import test_pins_taobao as pt
from . import test_service_weights as sw
from .market import Market, shipped

SCORE_BOOKS = ("douyin-score-2026-05", "douyin-score-2026-07", "taobao-score-2026")
NOT_NUMBERS = ("cap_group", "priority")
ASSUMED_FIELDS = {
    ("douyin-score-2026-05", "scale"): ("no_data_tier",),
    ("taobao-score-2026", "scale"): (
        "no_data_tier",
        *(f"tier_{k}_cp" for k in range(6)),
    ),
}
"""Fields of a confirmed rule that its note marks as assumed (a scale rule holds both the
published range and window and the assumed tier scores)."""
CONFIRMED_FIELDS = {
    ("taobao-score-2026", "ranking.good_service"): ("min_score_cp", "min_services"),
}
"""Fields of an ``assumption: true`` rule that are confirmed (the good-service list's bar
is published, its length is not)."""
KNOWN_SURVIVORS = frozenset(
    {
        "douyin-score-2026-05 deduct.brushing.points_cp: 1500 -> 1501",
        "douyin-score-2026-05 deduct.fake_review.points_cp: 1500 -> 1501",
    }
)
"""Equivalent mutants: brushing and fake reviews cost 15 "at once, at most 15", so 1501
points under the 1500 cap changes no score (docs/rulebooks.md)."""
_NUMBER = re.compile(r"(?<![\w.'])(\d+(?:\.\d+)?)(?![\w.'])")

Check = Callable[[Market], None]
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


@dataclass(frozen=True, slots=True)
class Mutation:
    """One confirmed number moved one step."""

    book: str
    rule: str
    """Rule id, or ``param:<name>``."""
    field: str
    """Effect field, ``when`` or ``value``."""
    old: str
    new: str
    occurrence: int = 0
    """For a number in a condition: which occurrence of ``old`` in it."""

    @property
    def label(self) -> str:
        nth = f"#{self.occurrence + 1}" if self.occurrence else ""
        return f"{self.book} {self.rule}.{self.field}{nth}: {self.old} -> {self.new}"

    @property
    def where(self) -> str:
        """File, rule id, field and direction, for the survivors' list."""
        way = "up" if Decimal(self.new) > Decimal(self.old) else "down"
        nth = f" (occurrence {self.occurrence + 1})" if self.occurrence else ""
        return f"{self.book}.yaml  {self.rule}  {self.field}{nth} {self.old} -> {self.new} ({way})"

    @property
    def is_weight(self) -> bool:
        """A per-industry service weight (swept in batches)."""
        return self.rule.startswith(("w.", "svc.")) and self.field == "weight_bp"


def _steps(text: str) -> tuple[str, str]:
    value = Decimal(text)
    exponent = value.as_tuple().exponent
    step = Decimal(1).scaleb(exponent if isinstance(exponent, int) else 0)
    return str(value - step), str(value + step)


def _load(book: str) -> dict[str, Any]:
    path = library.shipped_dir() / f"{book}.yaml"
    data = yaml.load(path.read_text("utf-8"), Loader=_LOADER)
    assert isinstance(data, dict)
    return data


def confirmed_mutations(book: str) -> list[Mutation]:
    """Every ±1-step mutation of every confirmed number of a shipped score rulebook."""
    data = _load(book)
    found: list[Mutation] = []
    for name, param in (data.get("parameters") or {}).items():
        if isinstance(param, dict) and not param.get("assumption"):
            value = str(param["value"])
            found += [Mutation(book, f"param:{name}", "value", value, v) for v in _steps(value)]
    for rule in data.get("rules") or []:
        only = CONFIRMED_FIELDS.get((book, rule["id"]))
        if rule.get("assumption") and only is None:
            continue
        for key, value in (rule.get("effect") or {}).items():
            if only is not None and key not in only:
                continue
            if key in NOT_NUMBERS or isinstance(value, bool) or not isinstance(value, int):
                continue
            if key in ASSUMED_FIELDS.get((book, rule["id"]), ()):
                continue
            found += [Mutation(book, rule["id"], key, str(value), v) for v in _steps(str(value))]
        seen: dict[str, int] = {}
        for match in _NUMBER.finditer(str(rule.get("when") or "")):
            text = match.group(1)
            occurrence = seen.get(text, 0)
            seen[text] = occurrence + 1
            found += [Mutation(book, rule["id"], "when", text, v, occurrence) for v in _steps(text)]
    return found


def _nth_replace(text: str, old: str, new: str, occurrence: int) -> str:
    matches = [m for m in _NUMBER.finditer(text) if m.group(1) == old]
    m = matches[occurrence]
    return text[: m.start(1)] + new + text[m.end(1) :]


def apply(mutation: Mutation, folder: Path) -> None:
    """Write the mutated rulebook into ``folder`` (which holds copies of all shipped ones)."""
    apply_all([mutation], folder)


def apply_all(mutations: list[Mutation], folder: Path) -> None:
    """Write one rulebook with every mutation in ``mutations`` (all of one book, each of a
    different number) into ``folder``."""
    books = {m.book for m in mutations}
    assert len(books) == 1, books
    data = _load(mutations[0].book)
    for mutation in mutations:
        if mutation.rule.startswith("param:"):
            data["parameters"][mutation.rule.split(":", 1)[1]]["value"] = _number(mutation.new)
            continue
        rule = next(r for r in data["rules"] if r["id"] == mutation.rule)
        if mutation.field == "when":
            rule["when"] = _nth_replace(
                rule["when"], mutation.old, mutation.new, mutation.occurrence
            )
        else:
            assert rule["effect"][mutation.field] == _number(mutation.old), mutation
            rule["effect"][mutation.field] = _number(mutation.new)
    text = yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False)
    (folder / f"{mutations[0].book}.yaml").write_text(text, "utf-8")


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


@contextmanager
def mutated(mutation: Mutation | list[Mutation]) -> Iterator[None]:
    """Point the package's rulebook folder at a copy with the mutation(s) applied."""
    original = library.shipped_dir
    shipped = original()
    with tempfile.TemporaryDirectory(prefix="merchantry-mut-") as tmp:
        folder = Path(tmp)
        for path in shipped.glob("*.yaml"):
            shutil.copy(path, folder / path.name)
        apply_all(mutation if isinstance(mutation, list) else [mutation], folder)
        library.shipped_dir = lambda: folder  # type: ignore[assignment]
        _clear()
        try:
            yield
        finally:
            library.shipped_dir = original  # type: ignore[assignment]
            _clear()


def _clear() -> None:
    inputs.measure_statements.cache_clear()
    stage.stage_b_sql.cache_clear()
    shipped.cache_clear()


def _weights(rulebook: str) -> Check:
    def test_every_row_weighs_the_service_indicators_as_the_notice_says(m: Market) -> None:
        sw.test_every_row_weighs_the_service_indicators_as_the_notice_says(m, rulebook)

    return test_every_row_weighs_the_service_indicators_as_the_notice_says


def _quality(score: int, passed: bool) -> Check:
    def test_taobao_quality_merchant_at_4_8(m: Market) -> None:
        pg.test_taobao_quality_merchant_at_4_8(m, score, passed)

    return test_taobao_quality_merchant_at_4_8


D05, D07, TB = SCORE_BOOKS
PINS: tuple[tuple[str, str, tuple[Check, ...]], ...] = (
    # (rulebook, rule-id prefix, checks), first matching prefix wins
    (
        D05,
        "scale",
        (
            pd.test_the_six_tier_scores,
            pd.test_stage_window_minimum_growth_scores_unlock_and_scope,
            dr.test_the_score_is_clamped_at_50,
            dr.test_the_remote_area_bonus_adds_3_to_logistics_capped_at_100,
            dr.test_a_perfect_shop_scores_87_20_with_the_80_point_rule,
        ),
    ),
    (D05, "stage.", (pd.test_stage_window_minimum_growth_scores_unlock_and_scope,)),
    (
        D05,
        "floor.",
        (
            pd.test_the_80_point_rule_below_500_orders_with_at_most_3_bad_events,
            pd.test_the_300_order_list_flagships_and_education,
        ),
    ),
    (D05, "bonus.", (pd.test_the_remote_area_bonus_adds_exactly_3_with_one_clean_remote_order,)),
    (D05, "deduct.", (pd.test_deductions_3_per_case_capped_at_15_and_15_at_once,)),
    (D05, "w.", (_weights(D05),)),
    (
        D05,
        "param:pickup_clock_",
        (pd.test_the_pickup_clock_of_an_order_paid_from_18_00_to_06_00_starts_at_06_00,),
    ),
    (D05, "param:service_", (pd.test_feige_sessions_count_when_started_from_08_00_to_22_59,)),
    (
        D05,
        "param:review_clock_",
        (pd.test_july_review_time_of_a_request_made_from_23_00_to_08_00_starts_at_08_00,),
    ),
    (D05, "param:", (pd.test_an_unanswered_round_counts_600_seconds,)),
    (
        D05,
        "pickup.deadline.qic",
        (lambda m: pdl.test_qic_inspected_orders_have_48_hours_to_hand_over(m, D05),),
    ),
    (D05, "pickup.deadline", (lambda m: pdl.test_flower_shops_have_48_hours_to_hand_over(m, D05),)),
    (D05, "gate.affiliate.coins", (pg.test_affiliate_industry_bars,)),
    (D05, "gate.affiliate.tonics", (pg.test_affiliate_industry_bars,)),
    (D05, "gate.affiliate.medical_devices", (pg.test_affiliate_industry_bars, md30)),
    (D05, "gate.affiliate.cherries", (pg.test_affiliate_industry_bars, cherries20)),
    (
        D05,
        "gate.affiliate.crab",
        (
            pg.test_affiliate_fresh_categories,
            pg.test_affiliate_crabs_fewer_than_3_severe_violations_in_180_days,
        ),
    ),
    (D05, "gate.affiliate.", (pg.test_affiliate_fresh_categories,)),
    (D05, "gate.affiliate", (pg.test_affiliate_70_and_product_65,)),
    (D05, "gate.mega_sale", (pg.test_mega_sale_7_day_average_70_or_growth_70_not_personal,)),
    (D05, "gate.lucky_bag_creators", (pg.test_lucky_bag_prizes_for_other_creators,)),
    (D05, "gate.seed", (pg.test_seed_categories_enter_at_75_and_leave_below_72,)),
    (
        D05,
        "gate.flagship",
        (pg.test_flagship_upgrade_needs_a_30_day_mean_at_least_the_industry_and_30_days,),
    ),
    (
        D05,
        "gate.recommendation.",
        (
            pg.test_recommendation_pool_fewer_than_3_violations_in_30_days,
            pg.test_recommendation_pool_refuses_a_counterfeit_or_confusion_record,
        ),
    ),
    (D05, "gate.", (pg.test_recommendation_60_lucky_bag_80_authorised_70_geo_70,)),
    (D07, "svc.", (_weights(D07),)),
    (D07, "floor.", (pd.test_july_80_point_rule_for_help_seeking_and_dissatisfaction,)),
    (TB, "scale", (pt.test_the_score_stays_between_3_and_5, pt.test_30_valid_orders_in_30_days)),
    (TB, "stage.", (pt.test_30_valid_orders_in_30_days,)),
    (TB, "param:service_", (pt.test_wangwang_rounds_count_when_started_from_08_00_to_22_59,)),
    (TB, "param:", (pt.test_48_hour_pickup_and_3_minute_reply,)),
    (
        TB,
        "ranking.",
        (pg.test_taobao_good_service_list_takes_shops_strictly_above_4_8_with_a_service,),
    ),
    (TB, "gate.quality_merchant", (_quality(480, True), _quality(479, False))),
)
"""Which pinning checks cover which rules (the checks are the test functions themselves)."""


def checks_for(mutation: Mutation) -> tuple[Check, ...]:
    for book, prefix, checks in PINS:
        if book == mutation.book and mutation.rule.startswith(prefix):
            return checks
    return ()


_TEMPLATE: list[Path] = []
"""A warehouse file with every table made, once per process (see :func:`_fresh`)."""


def _fresh(database: Path) -> duckdb.DuckDBPyConnection:
    """A fresh warehouse at ``database``, copied from one made once per process (making the
    tables costs seconds on a busy machine; copying the file, milliseconds)."""
    if not _TEMPLATE:
        where = Path(tempfile.mkdtemp(prefix="merchantry-schema-"))
        atexit.register(shutil.rmtree, where, True)
        connect(where / "schema.duckdb").close()
        _TEMPLATE.append(where / "schema.duckdb")
    shutil.copy(_TEMPLATE[0], database)
    return connect(database)


def fails(check: Check, database: Path) -> bool:
    """Run one pinning check on a fresh warehouse; True when it fails."""
    con = _fresh(database)
    try:
        check(Market(con))
    except (AssertionError, MerchantryError):
        return True
    finally:
        con.close()
    return False


def is_caught(mutation: Mutation, workdir: Path) -> bool:
    """Run the mutation's pinning checks on fresh warehouses; True when one fails."""
    return catcher(mutation, workdir) is not None


def catcher(mutation: Mutation, workdir: Path) -> str | None:
    """The name of the first of the mutation's pinning checks that fails, or ``None``."""
    with mutated(mutation):
        for n, check in enumerate(checks_for(mutation)):
            if fails(check, workdir / f"m{uuid.uuid4().hex}-{n}.duckdb"):
                return _name(check)
    return None


def _name(check: Check) -> str:
    return str(getattr(check, "__name__", check))


def weight_rules_off_the_notice(book: str, database: Path) -> set[str]:
    """Score every weights-table shop under ``book`` as the rulebook folder now stands; the
    rules whose weight some shop's indicator carries other than the notice says."""
    con = _fresh(database)
    try:
        market = Market(con)
        sw.score_every_row(market, book)
        applied = sw.applied_weights(market, book)
    finally:
        con.close()
    expected = sw.notice_weights(book)
    if set(applied) != set(expected) or any(
        set(got) != set(expected[shop]) for shop, got in applied.items()
    ):
        raise AssertionError("the weights pin scored other shops or indicators than it places")
    return {
        rule
        for shop, got in applied.items()
        for indicator, (weight, rule) in got.items()
        if weight != expected[shop][indicator]
    }


def weight_batch(batch: list[Mutation], workdir: Path) -> dict[str, str | None]:
    """Verdicts of a batch of weight mutations of one book, each of a different rule (see
    the module's note): {label: catching check or None}. Falls back to one run each when
    the checker refuses the batch."""
    assert all(m.is_weight for m in batch)
    assert len({m.rule for m in batch}) == len(batch)
    book = batch[0].book
    try:
        with mutated(batch):
            off = weight_rules_off_the_notice(book, workdir / f"b{uuid.uuid4().hex}.duckdb")
    except MerchantryError:
        return {m.label: catcher(m, workdir) for m in batch}
    name = _name(_weights(book))
    return {m.label: (f"{name} (batch)" if m.rule in off else None) for m in batch}


def weight_batches(mutations: list[Mutation]) -> list[list[Mutation]]:
    """The weight mutations grouped by book and direction (one per rule in each group)."""
    groups: dict[tuple[str, bool], list[Mutation]] = {}
    for m in mutations:
        if m.is_weight:
            groups.setdefault((m.book, Decimal(m.new) > Decimal(m.old)), []).append(m)
    return list(groups.values())


def all_mutations() -> list[Mutation]:
    return [m for book in SCORE_BOOKS for m in confirmed_mutations(book)]


@dataclass(frozen=True, slots=True)
class Verdict:
    mutation: Mutation
    caught_by: str | None


def _baseline(index: int) -> str | None:
    """The name of the ``index``-th distinct pinning check if it fails unmutated."""
    check = _distinct_checks()[index]
    with tempfile.TemporaryDirectory(prefix="merchantry-base-") as tmp:
        return _name(check) if fails(check, Path(tmp) / "base.duckdb") else None


def _distinct_checks() -> list[Check]:
    return list({id(c): c for _, _, checks in PINS for c in checks}.values())


def _one(mutation: Mutation) -> list[Verdict]:
    with tempfile.TemporaryDirectory(prefix="merchantry-run-") as tmp:
        return [Verdict(mutation, catcher(mutation, Path(tmp)))]


def _batch(batch: list[Mutation]) -> list[Verdict]:
    with tempfile.TemporaryDirectory(prefix="merchantry-run-") as tmp:
        verdicts = weight_batch(batch, Path(tmp))
    return [Verdict(m, verdicts[m.label]) for m in batch]


def _task(item: Mutation | list[Mutation]) -> list[Verdict]:
    return _batch(item) if isinstance(item, list) else _one(item)


def sweep(
    chosen: list[Mutation], workers: int, echo: bool = True, done: dict[str, Verdict] | None = None
) -> list[Verdict]:
    """Every chosen mutation's verdict: the weight ones in batches, the others one by one,
    over ``workers`` processes; first every pinning check must pass unmutated. ``done``:
    verdicts an interrupted sweep (whose baseline passed) already printed."""
    from concurrent.futures import ProcessPoolExecutor

    done = done or {}
    verdicts = [done[m.label] for m in chosen if m.label in done]
    todo = [m for m in chosen if m.label not in done]
    tasks: list[Mutation | list[Mutation]] = [*weight_batches(todo)]
    tasks += [m for m in todo if not m.is_weight]
    for v in verdicts if echo else []:
        print(_line(v), flush=True)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        if not done:
            broken = [b for b in pool.map(_baseline, range(len(_distinct_checks()))) if b]
            if broken:
                raise AssertionError(f"pinning checks fail on the shipped rulebooks: {broken}")
        for found in pool.map(_task, tasks):
            for v in found:
                verdicts.append(v)
                if echo:
                    print(_line(v), flush=True)
    return verdicts


def _line(v: Verdict) -> str:
    state = f"caught by {v.caught_by}" if v.caught_by else "SURVIVED"
    return f"{state:60} {v.mutation.label}"


_LINE = re.compile(
    r"^(?:caught by (?P<by>.+?)|SURVIVED)\s+(?P<label>(?:douyin|taobao)-score-\S+ .+)$"
)


def _resumed(log: Path) -> dict[str, Verdict]:
    """The verdicts printed in ``log`` by an earlier run of :func:`sweep`."""
    labels = {m.label: m for m in all_mutations()}
    found: dict[str, Verdict] = {}
    for line in log.read_text("utf-8").splitlines():
        match = _LINE.match(line)
        if match and match["label"] in labels:
            found[match["label"]] = Verdict(labels[match["label"]], match["by"])
    return found


def report(verdicts: list[Verdict]) -> str:
    weights = [v for v in verdicts if v.mutation.is_weight]
    survivors = [v for v in verdicts if v.caught_by is None]
    lines = [
        f"{len(verdicts)} mutations of confirmed score numbers ({len(weights)} service "
        f"weights, swept in batches); {len(verdicts) - len(survivors)} caught by a pin; "
        f"{len(survivors)} survived",
        *(f"  survived: {v.mutation.where}" for v in survivors),
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    """``python -m tests.scoring.mutations [WORKERS] [--only "BOOK[ RULE-PREFIX]"]``."""
    args = list(argv)
    only = ""
    if "--only" in args:
        at = args.index("--only")
        only = args[at + 1]
        del args[at : at + 2]
    done: dict[str, Verdict] = {}
    if "--resume" in args:
        at = args.index("--resume")
        done = _resumed(Path(args[at + 1]))
        del args[at : at + 2]
    workers = int(args[0]) if args else 1
    chosen = [m for m in all_mutations() if f"{m.book} {m.rule}".startswith(only)]
    print(report(sweep(chosen, workers, done=done)), flush=True)
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))
