"""A mutation harness for the score rulebooks: does moving a confirmed number one step
make a pinning test fail?

A *confirmed* number is a number in a rule (or parameter) without ``assumption: true``:
an effect field (``cap_group`` and ``priority`` are names, not platform numbers, and are
left alone), a parameter's value, or a number written in a rule's ``when`` condition. One
step is 1 in the number's last written digit (70 -> 69 and 71; 4.8 -> 4.7 and 4.9).

For each mutation the shipped rulebooks are copied to a temporary folder with the one
number changed, the package's rulebook folder is pointed at the copy, and the pinning tests
that cover the rule (``PINS``) run in-process on fresh warehouses; the mutation is *caught*
when one of them fails (an assertion, or a refused rulebook). Run everything with
``MERCHANTRY_MUTATIONS=all pytest tests/scoring/test_mutations.py -m slow -s``.
"""

from __future__ import annotations

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
    data = _load(mutation.book)
    if mutation.rule.startswith("param:"):
        data["parameters"][mutation.rule.split(":", 1)[1]]["value"] = _number(mutation.new)
    else:
        rule = next(r for r in data["rules"] if r["id"] == mutation.rule)
        if mutation.field == "when":
            rule["when"] = _nth_replace(
                rule["when"], mutation.old, mutation.new, mutation.occurrence
            )
        else:
            rule["effect"][mutation.field] = _number(mutation.new)
    text = yaml.dump(data, Dumper=_DUMPER, allow_unicode=True, sort_keys=False)
    (folder / f"{mutation.book}.yaml").write_text(text, "utf-8")


def _number(text: str) -> int | float:
    return float(text) if "." in text else int(text)


@contextmanager
def mutated(mutation: Mutation) -> Iterator[None]:
    """Point the package's rulebook folder at a copy with the mutation applied."""
    original = library.shipped_dir
    shipped = original()
    with tempfile.TemporaryDirectory(prefix="merchantry-mut-") as tmp:
        folder = Path(tmp)
        for path in shipped.glob("*.yaml"):
            shutil.copy(path, folder / path.name)
        apply(mutation, folder)
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
    return lambda m: sw.test_every_row_weighs_the_service_indicators_as_the_notice_says(m, rulebook)


def _quality(score: int, passed: bool) -> Check:
    return lambda m: pg.test_taobao_quality_merchant_at_4_8(m, score, passed)


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
    (D05, "param:", (pd.test_an_unanswered_round_counts_600_seconds,)),
    (D05, "pickup.deadline", (lambda m: pdl.test_flower_shops_have_48_hours_to_hand_over(m, D05),)),
    (D05, "gate.affiliate.coins", (pg.test_affiliate_industry_bars,)),
    (D05, "gate.affiliate.tonics", (pg.test_affiliate_industry_bars,)),
    (D05, "gate.affiliate.medical_devices", (pg.test_affiliate_industry_bars, md30)),
    (D05, "gate.affiliate.cherries", (pg.test_affiliate_industry_bars, cherries20)),
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
    (D05, "gate.", (pg.test_recommendation_60_lucky_bag_80_authorised_70_geo_70,)),
    (D07, "svc.", (_weights(D07),)),
    (D07, "floor.", (pd.test_july_80_point_rule_for_help_seeking_and_dissatisfaction,)),
    (TB, "scale", (pt.test_the_score_stays_between_3_and_5, pt.test_30_valid_orders_in_30_days)),
    (TB, "stage.", (pt.test_30_valid_orders_in_30_days,)),
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


def fails(check: Check, database: Path) -> bool:
    """Run one pinning check on a fresh warehouse; True when it fails."""
    con = connect(database)
    try:
        check(Market(con))
    except (AssertionError, MerchantryError):
        return True
    finally:
        con.close()
    return False


def is_caught(mutation: Mutation, workdir: Path) -> bool:
    """Run the mutation's pinning checks on fresh warehouses; True when one fails."""
    with mutated(mutation):
        return any(
            fails(check, workdir / f"m{uuid.uuid4().hex}-{n}.duckdb")
            for n, check in enumerate(checks_for(mutation))
        )


def all_mutations() -> list[Mutation]:
    return [m for book in SCORE_BOOKS for m in confirmed_mutations(book)]
