"""Stage B: from measures to scores, one SQL statement built from the rulebook.

Input ``_sc_measures`` (one row per shop and date, see :mod:`.inputs`); output
``_sc_result``, the same rows widened step by step (each step is ``SELECT f.*,
<new columns> FROM <previous> AS f``, so rule conditions compile onto ``f`` in
any step):

1. ``sc_rules``: the rule each shop-date gets for every decision (scale, stage,
   an indicator's tiers, floor, weight and growth bar, a dimension's weight, a
   violation's deduction);
2. ``sc_values``: the chosen rules' numbers and every indicator's raw value and
   bad events (integer division rounded half away from zero, :mod:`merchantry.kit.money`);
3. ``sc_tiers``: tier, tier score, floor and weight of every indicator;
4. ``sc_dims``: dimension scores with their bonuses, the weighted total, total
   bonuses, deductions with their caps;
5. ``sc_final``: stage, final score (clamped), display value.

Diagnosis re-runs the very same statement on a copy of one shop's row with one
raw value replaced, which is why values and scores are separate steps.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import sqlglot.expressions as exp

from merchantry.kit.money import div_round_sql
from merchantry.model.tables import VIOLATION_KINDS
from merchantry.rulebook.model import Rule
from merchantry.rulebook.ruleset import RuleSet
from merchantry.rulebook.score_effects import DIMENSIONS, DIRECT_INDICATORS, TIER_COUNT
from merchantry.scoring.display import display_sql
from merchantry.scoring.indicators import INDICATORS, MINUTE_INDICATORS, SECONDS_PER_MINUTE
from merchantry.scoring.inputs import service_column, violation_column
from merchantry.scoring.rules import F, ScoreRules, lit

DIALECT: Final = "duckdb"


def c(name: str) -> exp.Column:
    """A column of the current row ``f``."""
    return exp.column(name, table=F, quoted=True)


def ind(indicator: str, part: str) -> str:
    """Name of an indicator's column: ``product_rating__v``, ``…__tier_rule``…"""
    return f"{indicator}__{part}"


def _sum(terms: Iterable[exp.Expr]) -> exp.Expr:
    total: exp.Expr | None = None
    for term in terms:
        total = term if total is None else exp.Add(this=total, expression=term)
    return lit(0) if total is None else exp.paren(total)


def _when(cond: exp.Expr, then: exp.Expr, other: exp.Expr | None = None) -> exp.Expr:
    case = exp.Case().when(cond, then)
    return case if other is None else case.else_(other)


@dataclass(frozen=True, slots=True)
class Plan:
    """The rule groups of one rulebook, decided once per compile."""

    rules: ScoreRules
    indicators: tuple[str, ...]
    scale: RuleSet
    stage: RuleSet
    tiers: dict[str, RuleSet]
    floors: dict[str, RuleSet]
    weights: dict[str, RuleSet]
    bars: dict[str, RuleSet]
    dims: dict[str, RuleSet]
    deductions: dict[str, RuleSet]
    bonuses: tuple[Rule, ...]
    interventions: tuple[Rule, ...] = ()


def plan_rules(rules: ScoreRules) -> Plan:
    """Group a score rulebook's rules by the decision they take."""
    used = rules.used_indicators

    def by(kind: str, field: str, keys: Iterable[str]) -> dict[str, RuleSet]:
        return {k: rules.group(kind, field, k) for k in keys}

    return Plan(
        rules=rules,
        indicators=used,
        scale=rules.group("score_scale"),
        stage=rules.group("score_stage"),
        tiers=by("score_tier", "indicator", used),
        floors=by("score_floor", "indicator", used),
        weights=by("score_indicator_weight", "indicator", used),
        bars=by("score_growth_bar", "indicator", used),
        dims=by("score_dimension_weight", "dimension", DIMENSIONS),
        deductions=by(
            "score_deduction",
            "violation",
            [k for k in VIOLATION_KINDS if k in rules.keys("score_deduction", "violation")],
        ),
        bonuses=rules.all("score_bonus"),
        interventions=rules.all("score_intervention"),
    )


def _rules_step(p: Plan) -> list[tuple[str, exp.Expr]]:
    cols: list[tuple[str, exp.Expr]] = [
        ("scale_rule_id", p.scale.rule_id()),
        ("stage_rule_id", p.stage.rule_id()),
    ]
    for i in p.indicators:
        if i not in DIRECT_INDICATORS:
            cols.append((ind(i, "tier_rule"), p.tiers[i].rule_id()))
        cols.append((ind(i, "floor_rule"), p.floors[i].rule_id()))
        cols.append((ind(i, "weight_rule"), p.weights[i].rule_id()))
        cols.append((ind(i, "bar_rule"), p.bars[i].rule_id()))
    cols += [(f"dim_{d}__rule", p.dims[d].rule_id()) for d in DIMENSIONS]
    cols += [(f"ded_{k}__rule", g.rule_id()) for k, g in p.deductions.items()]
    return cols


SCALE_INTS: Final = ("low_cp", "high_cp", "no_data_tier", *(f"tier_{k}_cp" for k in range(6)))


def _value(i: str) -> tuple[exp.Expr, exp.Expr, exp.Expr, exp.Expr]:
    """(value, bad events, numerator, denominator) of indicator ``i``."""
    spec = INDICATORS[i]
    num = c(spec.numerator)
    den = c(spec.denominator) if spec.denominator else lit(1)
    if not spec.denominator:
        value: exp.Expr = num.copy()
    elif i in MINUTE_INDICATORS:
        value = _when(
            den.copy() > 0,
            div_round_sql(num.copy(), exp.Mul(this=den.copy(), expression=lit(SECONDS_PER_MINUTE))),
        )
    else:
        value = _when(
            den.copy() > 0,
            div_round_sql(exp.Mul(this=num.copy(), expression=lit(spec.scale)), den.copy()),
        )
    if spec.bad_is_gap:
        bad: exp.Expr = exp.Sub(this=den.copy(), expression=c(spec.bad))
    elif spec.bad:
        bad = c(spec.bad)
    else:
        bad = lit(0)
    return value, bad, num, den


def _optional(rule: Rule, name: str) -> exp.Expr:
    value = dict(rule.effect.values).get(name)
    return lit(value) if isinstance(value, int) else exp.cast(exp.Null(), "INTEGER")


def _values_step(p: Plan) -> list[tuple[str, exp.Expr]]:
    scale_rule, stage_rule = c("scale_rule_id"), c("stage_rule_id")
    cols: list[tuple[str, exp.Expr]] = [
        (name, p.scale.lookup_int(scale_rule, name)) for name in SCALE_INTS
    ]
    cols.append(("display_mode", p.scale.lookup_text(scale_rule, "display")))
    cols.append(("platform", p.scale.lookup_text(scale_rule, "platform")))
    cols.append(("min_valid_orders", p.stage.lookup_int(stage_rule, "min_valid_orders")))
    cols.append(("stage_mode", p.stage.lookup_text(stage_rule, "mode")))
    for name in ("growth_score_cp", "downgraded_score_cp", "unlock_after_days"):
        cols.append((name, p.stage.lookup(stage_rule, functools.partial(_optional, name=name))))
    for i in p.indicators:
        value, bad, num, den = _value(i)
        value = exp.func("coalesce", c(ind(i, "override")), value)
        cols += [
            (ind(i, "v"), value),
            (ind(i, "bad"), exp.cast(bad, "BIGINT")),
            (ind(i, "num"), exp.cast(num, "BIGINT")),
            (ind(i, "den"), exp.cast(den, "BIGINT")),
        ]
    return cols


def _tier_of(rule: Rule, value: exp.Expr) -> exp.Expr:
    higher = rule.effect.text("direction") == "higher_better"
    case = exp.Case()
    for k in range(TIER_COUNT - 1, 0, -1):
        cut = lit(rule.effect.int(f"cut_{k}"))
        test = (
            exp.GTE(this=value.copy(), expression=cut)
            if higher
            else exp.LTE(this=value.copy(), expression=cut)
        )
        case = case.when(test, lit(k))
    return case.else_(lit(0))


def _tier_score(tier: exp.Expr) -> exp.Expr:
    case = exp.Case(this=tier)
    for k in range(TIER_COUNT):
        case = case.when(lit(k), c(f"tier_{k}_cp"))
    return case


def _tiers_step(p: Plan) -> list[tuple[str, exp.Expr]]:
    cols: list[tuple[str, exp.Expr]] = []
    for i in p.indicators:
        value = c(ind(i, "v"))
        no_data = exp.cast(c("no_data_tier"), "INTEGER")
        if i in DIRECT_INDICATORS:
            tier: exp.Expr = exp.cast(exp.Null(), "INTEGER")
            tier_cp: exp.Expr = exp.func("coalesce", value.copy(), _tier_score(no_data.copy()))
        else:
            rule_col = c(ind(i, "tier_rule"))
            by_rule = p.tiers[i].lookup(rule_col, functools.partial(_tier_of, value=value))
            tier = _when(
                rule_col.copy().is_(exp.Null()).not_(),
                _when(value.copy().is_(exp.Null()), no_data.copy(), by_rule),
            )
            tier_cp = _tier_score(tier.copy())
        floor_rule = c(ind(i, "floor_rule"))
        floor = p.floors[i]
        max_orders = floor.lookup(floor_rule, functools.partial(_optional, name="max_orders"))
        counted = _when(
            exp.EQ(this=floor.lookup_text(floor_rule, "counts"), expression=lit("base")),
            c(ind(i, "den")),
            c(ind(i, "bad")),
        )
        applies = exp.and_(
            floor_rule.copy().is_(exp.Null()).not_(),
            exp.or_(
                max_orders.copy().is_(exp.Null()),
                exp.LT(this=c("valid_orders"), expression=max_orders),
            ),
            exp.LTE(this=counted, expression=floor.lookup_int(floor_rule, "max_bad_events")),
            tier_cp.copy().is_(exp.Null()).not_(),
        )
        floor_cp = floor.lookup_int(floor_rule, "floor_cp")
        floored = _when(
            exp.EQ(this=floor.lookup_text(floor_rule, "mode"), expression=lit("replace")),
            floor_cp.copy(),
            exp.func("greatest", tier_cp.copy(), floor_cp.copy()),
        )
        score = _when(applies.copy(), floored, tier_cp.copy())
        weight_rule = c(ind(i, "weight_rule"))
        cols += [
            (ind(i, "tier"), tier),
            (ind(i, "tier_cp"), exp.cast(tier_cp, "INTEGER")),
            (ind(i, "cp"), exp.cast(score, "INTEGER")),
            (
                ind(i, "floor_applied"),
                exp.func(
                    "coalesce",
                    exp.and_(applies, exp.NEQ(this=score.copy(), expression=tier_cp.copy())),
                    exp.false(),
                ),
            ),
            (ind(i, "w"), p.weights[i].lookup_int(weight_rule, "weight_bp")),
            (ind(i, "wdim"), p.weights[i].lookup_text(weight_rule, "dimension")),
        ]
    return cols


def _bonus_match(p: Plan, rule: Rule) -> exp.Expr:
    values = dict(rule.effect.values)
    parts = [p.rules.compiled(rule)]
    service = values.get("service", "none")
    if service != "none":
        parts.append(c(service_column(str(service))))
    indicator = values.get("indicator")
    if isinstance(indicator, str):
        at_least = values.get("at_least", 0)
        parts.append(exp.GTE(this=_indicator_value(p, indicator), expression=lit(int(at_least))))
    return exp.func("coalesce", exp.and_(*parts), exp.false())


def _indicator_value(p: Plan, indicator: str) -> exp.Expr:
    if indicator in p.indicators:
        return c(ind(indicator, "v"))
    return _value(indicator)[0]


def bonus_column(rule: Rule) -> str:
    return "bonus__" + rule.id.replace(".", "_").replace("-", "_")


def _dims_step(p: Plan) -> list[tuple[str, exp.Expr]]:
    cols: list[tuple[str, exp.Expr]] = []
    for rule in p.bonuses:
        cols.append((bonus_column(rule), _bonus_match(p, rule)))
    return cols


def _bonus_points(p: Plan, target: str) -> exp.Expr:
    return _sum(
        _when(c(bonus_column(r)), lit(r.effect.int("points_cp")), lit(0))
        for r in p.bonuses
        if r.effect.text("target") == target
    )


def _dims2_step(p: Plan) -> list[tuple[str, exp.Expr]]:
    cols: list[tuple[str, exp.Expr]] = []
    for d in DIMENSIONS:
        live = [
            (
                i,
                exp.and_(
                    exp.EQ(this=c(ind(i, "wdim")), expression=lit(d)),
                    c(ind(i, "cp")).is_(exp.Null()).not_(),
                ),
            )
            for i in p.indicators
        ]
        num = _sum(
            _when(cond, exp.Mul(this=c(ind(i, "cp")), expression=c(ind(i, "w"))), lit(0))
            for i, cond in live
        )
        den = _sum(_when(cond.copy(), c(ind(i, "w")), lit(0)) for i, cond in live)
        raw = _when(den.copy() > 0, div_round_sql(num, den))
        with_bonus = exp.func(
            "least", exp.Add(this=raw, expression=_bonus_points(p, d)), c("high_cp")
        )
        cols.append((f"{d}_cp", exp.cast(with_bonus, "INTEGER")))
        cols.append((f"dim_{d}__w", p.dims[d].lookup_int(c(f"dim_{d}__rule"), "weight_bp")))
    cols.append(("bonus_cp", exp.cast(_bonus_points(p, "total"), "INTEGER")))
    for kind, group in p.deductions.items():
        rule_col = c(f"ded_{kind}__rule")
        amount = exp.func(
            "least",
            exp.Mul(
                this=c(violation_column(kind)), expression=group.lookup_int(rule_col, "points_cp")
            ),
            group.lookup_int(rule_col, "cap_cp"),
        )
        cols.append((f"ded_{kind}__cp", exp.cast(exp.func("coalesce", amount, lit(0)), "INTEGER")))
    return cols


def cap_groups(p: Plan) -> dict[int, int]:
    """Shared deduction caps: group -> cap (the checker makes a group's rules agree)."""
    caps: dict[int, int] = {}
    for group in p.deductions.values():
        for rule in group.rules:
            if rule.effect.int("cap_group"):
                caps.setdefault(rule.effect.int("cap_group"), rule.effect.int("cap_cp"))
    return caps


def _in_group(p: Plan, kind: str) -> exp.Expr:
    group = p.deductions[kind]
    return exp.func("coalesce", group.lookup_int(c(f"ded_{kind}__rule"), "cap_group"), lit(0))


def _groups_step(p: Plan) -> list[tuple[str, exp.Expr]]:
    return [
        (
            f"dedgroup_{g}__raw",
            exp.cast(
                _sum(
                    _when(
                        exp.EQ(this=_in_group(p, k), expression=lit(g)), c(f"ded_{k}__cp"), lit(0)
                    )
                    for k in p.deductions
                ),
                "INTEGER",
            ),
        )
        for g in cap_groups(p)
    ]


def _deduction_step(p: Plan) -> list[tuple[str, exp.Expr]]:
    ungrouped = [
        _when(exp.EQ(this=_in_group(p, k), expression=lit(0)), c(f"ded_{k}__cp"), lit(0))
        for k in p.deductions
    ]
    grouped = [
        exp.func("least", c(f"dedgroup_{g}__raw"), lit(cap)) for g, cap in cap_groups(p).items()
    ]
    return [("deduction_cp", exp.cast(_sum([*ungrouped, *grouped]), "INTEGER"))]


def _weighted_step(p: Plan) -> list[tuple[str, exp.Expr]]:
    num_terms, den_terms = [], []
    for d in DIMENSIONS:
        score, weight = c(f"{d}_cp"), c(f"dim_{d}__w")
        live = exp.and_(score.copy().is_(exp.Null()).not_(), weight.copy().is_(exp.Null()).not_())
        num_terms.append(_when(live, exp.Mul(this=score, expression=weight), lit(0)))
        den_terms.append(_when(live.copy(), weight.copy(), lit(0)))
    num, den = _sum(num_terms), _sum(den_terms)
    return [("weighted_cp", exp.cast(_when(den.copy() > 0, div_round_sql(num, den)), "INTEGER"))]


def _downgraded(p: Plan) -> exp.Expr:
    """Growth stage: a violation some deduction rule covers, or a missed growth bar."""
    cases = _sum(
        _when(c(f"ded_{k}__rule").is_(exp.Null()).not_(), c(violation_column(k)), lit(0))
        for k in p.deductions
    )
    tests: list[exp.Expr] = [exp.GT(this=cases, expression=lit(0))]
    for i in p.indicators:
        if not p.bars[i].rules:
            continue
        rule = c(ind(i, "bar_rule"))
        limit = p.bars[i].lookup_int(rule, "max_bad_events")
        tests.append(
            exp.and_(
                rule.copy().is_(exp.Null()).not_(),
                exp.GT(this=c(ind(i, "bad")), expression=limit),
            )
        )
    return exp.func("coalesce", exp.or_(*tests), exp.false())


def _stage_step(p: Plan) -> list[tuple[str, exp.Expr]]:
    formal = exp.or_(c("stage_rule_id").is_(exp.Null()), c("valid_orders") >= c("min_valid_orders"))
    locked = exp.and_(
        c("unlock_after_days").is_(exp.Null()).not_(),
        c("shop_age_days") > c("unlock_after_days"),
        exp.EQ(this=c("valid_orders"), expression=lit(0)),
    )
    stage = (
        exp.Case()
        .when(exp.EQ(this=c("stage_mode"), expression=lit("excluded")), lit("none"))
        .when(formal, lit("formal"))
        .when(exp.EQ(this=c("stage_mode"), expression=lit("none")), lit("none"))
        .when(locked, lit("none"))
        .else_(lit("growth"))
    )
    return [("stage", stage), ("downgraded", _downgraded(p))]


def _triggered(p: Plan, rule: Rule) -> exp.Expr:
    """An intervention rule holds: its condition and enough violations in the window."""
    cases = exp.GTE(
        this=c(violation_column(rule.effect.text("violation"))),
        expression=lit(rule.effect.int("min_cases")),
    )
    return exp.func("coalesce", exp.and_(p.rules.compiled(rule), cases), exp.false())


def _intervention_step(p: Plan) -> list[tuple[str, exp.Expr]]:
    """``hidden`` (any hide rule holds) and ``cap_cp`` (the lowest cap that holds)."""
    hides = [_triggered(p, r) for r in p.interventions if r.effect.text("action") == "hide"]
    caps = [
        _when(_triggered(p, r), lit(r.effect.int("cap_cp")))
        for r in p.interventions
        if r.effect.text("action") == "cap"
    ]
    hidden: exp.Expr = exp.or_(*hides) if hides else exp.false()
    cap: exp.Expr = exp.cast(exp.Null(), "INTEGER")
    if caps:
        cap = caps[0] if len(caps) == 1 else exp.func("least", *caps)
    return [("hidden", hidden), ("cap_cp", exp.cast(cap, "INTEGER"))]


def _score_step() -> list[tuple[str, exp.Expr]]:
    total = exp.Sub(
        this=exp.Add(this=c("weighted_cp"), expression=c("bonus_cp")),
        expression=c("deduction_cp"),
    )
    cap = exp.func("coalesce", c("cap_cp"), c("high_cp"))
    formal = exp.func("greatest", c("low_cp"), exp.func("least", c("high_cp"), cap.copy(), total))
    growth = exp.func(
        "least", _when(c("downgraded"), c("downgraded_score_cp"), c("growth_score_cp")), cap
    )
    score = (
        exp.Case()
        .when(exp.EQ(this=c("stage"), expression=lit("formal")), formal)
        .when(exp.EQ(this=c("stage"), expression=lit("growth")), growth)
    )
    return [("score_cp", exp.cast(score, "INTEGER"))]


def _step(source: exp.Expr, columns: list[tuple[str, exp.Expr]]) -> exp.Select:
    select = exp.select(exp.Column(this=exp.Star(), table=exp.to_identifier(F)))
    for name, value in columns:
        select = select.select(exp.alias_(value, name, quoted=True, copy=False), copy=False)
    return select.from_(exp.alias_(source, F, table=True), copy=False)


RESULT_COLUMNS: Final = (
    "shop_id", "score_date", "industry", "platform", "stage", "valid_orders", "product_cp",
    "logistics_cp", "service_cp", "weighted_cp", "bonus_cp", "deduction_cp", "score_cp",
    "special_services", "stage_rule_id", "scale_rule_id", "hidden", "cap_cp",
)  # fmt: skip
INDICATOR_PARTS: Final = (
    "wdim", "v", "num", "den", "bad", "tier", "tier_cp", "floor_applied", "cp", "w",
    "floor_rule", "weight_rule",
)  # fmt: skip


def result_columns(plan: Plan) -> list[str]:
    """The columns of ``_sc_result`` the writers and the diagnosis read (not the
    intermediate ones: keeping them would multiply the memory stage B needs)."""
    names = list(RESULT_COLUMNS)
    for i in plan.indicators:
        names += [ind(i, part) for part in INDICATOR_PARTS]
        if i not in DIRECT_INDICATORS:
            names.append(ind(i, "tier_rule"))
    names += [bonus_column(r) for r in plan.bonuses]
    for kind in plan.deductions:
        names += [violation_column(kind), f"ded_{kind}__cp", f"ded_{kind}__rule"]
    names += [f"dedgroup_{g}__raw" for g in cap_groups(plan)]
    return names


def compile_scores(plan: Plan, source: str = "_sc_measures") -> exp.Select:
    """The whole of stage B over ``source`` as one query.

    A non-NULL ``<indicator>__override`` column of ``source`` replaces that indicator's
    raw value (diagnosis: "what if it were at the industry median?"); bad events and
    everything else stay as measured.
    """
    steps = [
        ("sc_rules", _rules_step(plan)),
        ("sc_values", _values_step(plan)),
        ("sc_tiers", _tiers_step(plan)),
        ("sc_bonus", _dims_step(plan)),
        ("sc_dims", _dims2_step(plan)),
        ("sc_groups", _groups_step(plan)),
        ("sc_deduction", _deduction_step(plan)),
        ("sc_weighted", _weighted_step(plan)),
        ("sc_stage", _stage_step(plan)),
        ("sc_intervene", _intervention_step(plan)),
        ("sc_score", _score_step()),
    ]
    display = _when(
        c("hidden"),
        exp.cast(exp.Null(), "INTEGER"),
        display_sql(c("score_cp"), c("display_mode"), c("stage")),
    )
    final = exp.select(
        *[c(name) for name in result_columns(plan)],
        exp.alias_(display, "display_tenths"),
    ).from_(exp.alias_(exp.to_table(steps[-1][0]), F, table=True))
    previous: exp.Expr = exp.to_table(source)
    for name, columns in steps:
        final = final.with_(name, as_=_step(previous, columns), copy=False)
        previous = exp.to_table(name)
    return final
