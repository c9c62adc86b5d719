"""``diagnose_returns``: a shop's (or one SKU's) returns against its categories, their causes
and the fixes that would pay.

Data flow: :mod:`~merchantry.returns.data` reads order counts per SKU and week and the cases
of the shop's categories; :mod:`~merchantry.returns.classify` gives each case a cause;
:mod:`~merchantry.returns.stats` tests refund and return rates per SKU and for the shop, each
cause's rate per SKU, and damage per carrier, against the category (or all carriers);
:mod:`~merchantry.returns.savings` turns every flagged cause into a fix with its saving.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

import duckdb

from merchantry.kit.errors import NotFound
from merchantry.returns import data
from merchantry.returns.causes import CAUSES, Cause
from merchantry.returns.classify import Classification, TextModel, classify_many
from merchantry.returns.data import CaseRow, WeekCount
from merchantry.returns.savings import Money, Suggestion, suggest, total
from merchantry.returns.stats import FDR, RateFinding, Unit, assess

CARRIERS_GROUP = "carriers"
MIN_BASELINE_ORDERS = 300
"""A leaf category with fewer orders than this in the period is compared at its industry's
rate instead (a category one shop has to itself has no baseline of its own)."""


def baseline_groups(counts: Iterable[WeekCount]) -> dict[str, str]:
    """Category -> the group whose rate is its baseline: itself, or ``industry:<code>``."""
    orders: Counter[str] = Counter()
    industry: dict[str, str] = {}
    for c in counts:
        orders[c.category_id] += c.orders
        industry[c.category_id] = c.industry
    return {
        cat: cat if n >= MIN_BASELINE_ORDERS else f"industry:{industry[cat]}"
        for cat, n in orders.items()
    }


@dataclass(frozen=True, slots=True)
class ClassifiedCase:
    """A case with the cause it was put in."""

    case: CaseRow
    result: Classification

    @property
    def money(self) -> Money:
        c = self.case
        return Money(c.refund_fen, c.compensation_fen, c.ad_cost_fen, c.insurance_fen)


@dataclass(frozen=True, slots=True)
class CauseFinding:
    """One SKU's rate of one cause against its category's rate of that cause."""

    sku_id: str
    cause: Cause
    finding: RateFinding


@dataclass(frozen=True, slots=True)
class CauseSummary:
    """A cause in the scope: cases, money, and a few quoted lines."""

    cause: Cause
    cases: int
    money: Money
    quotes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class WeekPoint:
    """One week of the scope: orders, refunds, returns, and the category's rates on the same
    mix of SKUs (what the scope would show at its categories' rates)."""

    week: date
    orders: int
    refunds: int
    returns: int
    expected_refund_rate: float
    expected_return_rate: float


@dataclass(frozen=True, slots=True)
class SkuSeries:
    """One SKU's weeks: its refund and return counts, and its category's rates at the other
    shops in the same weeks."""

    sku_id: str
    category_id: str
    weeks: tuple[WeekPoint, ...]


@dataclass(frozen=True, slots=True)
class Findings:
    """Every test over a set of SKUs: rates, causes and carriers."""

    refunds: tuple[RateFinding, ...]
    returns: tuple[RateFinding, ...]
    causes: tuple[CauseFinding, ...]
    carriers: tuple[RateFinding, ...]
    cases: tuple[ClassifiedCase, ...]


@dataclass(frozen=True, slots=True)
class ReturnDiagnosis:
    """Everything the report, the CLI and the API show for a shop (or one of its SKUs)."""

    shop_id: str
    sku_id: str | None
    start: date
    end: date
    """The period is ``[start, end)`` on payment time."""
    shop_refund: RateFinding | None
    shop_return: RateFinding | None
    findings: Findings
    """Restricted to the scope's SKUs (carriers: all carriers of the scope's categories)."""
    weeks: tuple[WeekPoint, ...]
    causes: tuple[CauseSummary, ...]
    suggestions: tuple[Suggestion, ...]
    fdr: float = FDR
    skus: tuple[SkuSeries, ...] = ()
    """Each SKU of the scope week by week (:func:`sku_series`)."""

    @property
    def orders(self) -> int:
        return sum(w.orders for w in self.weeks)

    @property
    def refunds(self) -> int:
        return sum(w.refunds for w in self.weeks)

    @property
    def returns(self) -> int:
        return sum(w.returns for w in self.weeks)

    @property
    def saving(self) -> Money:
        return total(s.saving for s in self.suggestions)


def classify_cases(
    cases: Sequence[CaseRow], model: TextModel | None = None
) -> list[ClassifiedCase]:
    """Each case's cause from its code and its three texts: the buyer's reason, the review and
    the customer-service agents' notes (identical inputs are classified once)."""

    def key(c: CaseRow) -> tuple[str, str, str, str]:
        return (c.reason_code, c.reason_text, c.review_text, c.cs_notes)

    keys = list(dict.fromkeys(key(c) for c in cases))
    results = classify_many(
        [
            ([("reason_text", text), ("review", review), ("cs_note", notes)], code)
            for code, text, review, notes in keys
        ],
        model=model,
    )
    memo = dict(zip(keys, results, strict=True))
    return [ClassifiedCase(c, memo[key(c)]) for c in cases]


def _sku_totals(counts: Iterable[WeekCount]) -> dict[str, tuple[str, str, int, int, int]]:
    """sku -> (shop, category, orders, refunds, returns)."""
    out: dict[str, tuple[str, str, int, int, int]] = {}
    for c in counts:
        shop, cat, o, f, r = out.get(c.sku_id, (c.shop_id, c.category_id, 0, 0, 0))
        out[c.sku_id] = (shop, cat, o + c.orders, f + c.refunds, r + c.returns)
    return out


def find(
    counts: Sequence[WeekCount],
    classified: Sequence[ClassifiedCase],
    carrier_orders: dict[tuple[str, str], int],
    tested: set[str] | None = None,
    fdr: float = FDR,
) -> Findings:
    """Test the ``tested`` SKUs (default all) against their categories, each cause per SKU,
    and damage per carrier; the false-discovery rate is held per family: refund rates, return
    rates, each cause over the SKUs, carriers."""
    groups = baseline_groups(counts)
    skus = {
        sku: (shop, groups[cat], o, f, r)
        for sku, (shop, cat, o, f, r) in _sku_totals(counts).items()
    }
    refund_units = [Unit(s, v[1], v[3], v[2]) for s, v in skus.items()]
    return_units = [Unit(s, v[1], v[4], v[2]) for s, v in skus.items()]
    per_cause: Counter[tuple[str, Cause]] = Counter(
        (c.case.sku_id, c.result.cause) for c in classified
    )
    cause_units = [
        Unit(f"{s}|{cause.value}", f"{v[1]}|{cause.value}", per_cause[(s, cause)], v[2])
        for s, v in skus.items()
        for cause in CAUSES
    ]
    tested_pairs = None if tested is None else {f"{s}|{c.value}" for s in tested for c in CAUSES}
    carrier_units = _carrier_units(classified, carrier_orders, groups)
    causes = []
    for cause in CAUSES:  # one family per cause: "which SKUs have a sizing problem?"
        family = [u for u in cause_units if u.key.endswith(f"|{cause.value}")]
        for f in assess(family, tested=tested_pairs, fdr=fdr):
            causes.append(CauseFinding(f.key.rsplit("|", 1)[0], cause, f))
    scope = classified if tested is None else [c for c in classified if c.case.sku_id in tested]
    return Findings(
        refunds=tuple(assess(refund_units, tested=tested, fdr=fdr)),
        returns=tuple(assess(return_units, tested=tested, fdr=fdr)),
        causes=tuple(causes),
        carriers=tuple(assess(carrier_units, fdr=fdr)) if carrier_units else (),
        cases=tuple(scope),
    )


def _carrier_units(
    classified: Sequence[ClassifiedCase],
    parcels: dict[tuple[str, str], int],
    groups: dict[str, str],
) -> list[Unit]:
    """Damage per carrier against what the *other* carriers' damage rates would give on the
    same mix of categories (bulky goods break more often whoever carries them)."""
    damage: Counter[tuple[str, str]] = Counter(
        (c.case.carrier, groups.get(c.case.category_id, c.case.category_id))
        for c in classified
        if c.result.cause is Cause.DAMAGED_IN_TRANSIT and c.case.carrier
    )
    sent: Counter[tuple[str, str]] = Counter()
    for (carrier, category), n in parcels.items():
        sent[(carrier, groups.get(category, category))] += n
    by_group: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (carrier, group), n in sent.items():
        by_group[group][0] += damage[(carrier, group)]
        by_group[group][1] += n
    units = []
    for carrier in sorted({c for c, _ in sent}):
        compared = [
            (g, n, by_group[g][0] - damage[(carrier, g)], by_group[g][1] - n)
            for (c, g), n in sent.items()
            if c == carrier and n and by_group[g][1] - n > 0
        ]
        trials = sum(n for _, n, _, _ in compared)
        if trials == 0:
            continue  # no other carrier carries these categories: nothing to compare with
        events = sum(damage[(carrier, g)] for g, _, _, _ in compared)
        expected = sum(n * k / m for _, n, k, m in compared) / trials
        units.append(Unit(carrier, CARRIERS_GROUP, events, trials, expected=expected))
    return units


def suggestions(findings: Findings) -> list[Suggestion]:
    """A fix per flagged SKU × cause, and per flagged carrier the scope ships with; largest
    saving first."""
    money: dict[tuple[str, Cause], list[Money]] = defaultdict(list)
    carrier_money: dict[str, list[Money]] = defaultdict(list)
    for c in findings.cases:
        money[(c.case.sku_id, c.result.cause)].append(c.money)
        if c.result.cause is Cause.DAMAGED_IN_TRANSIT and c.case.carrier:
            carrier_money[c.case.carrier].append(c.money)
    out = [
        suggest(
            f.cause,
            f.sku_id,
            f.finding.events,
            f.finding.trials,
            f.finding.excess_share,
            total(money[(f.sku_id, f.cause)]),
        )
        for f in findings.causes
        if f.finding.flagged
    ]
    for f in findings.carriers:
        if f.flagged and carrier_money.get(f.key):
            spent = carrier_money[f.key]
            out.append(
                suggest(
                    Cause.DAMAGED_IN_TRANSIT,
                    f.key,
                    len(spent),
                    f.trials,
                    f.excess_share,
                    total(spent),
                )
            )
    out.sort(key=lambda s: (-s.saving.total_fen, s.cause.value, s.target))
    return out


def _peer_rates(
    counts: Sequence[WeekCount], shop_id: str
) -> tuple[dict[str, str], dict[tuple[str, date], list[int]]]:
    """Baseline group per category, and (group, week) -> [orders, refunds, returns] of the
    other shops (a shop is not its own baseline)."""
    groups = baseline_groups(counts)
    others: dict[tuple[str, date], list[int]] = defaultdict(lambda: [0, 0, 0])
    for c in counts:
        if c.shop_id != shop_id:
            acc = others[(groups[c.category_id], c.week)]
            acc[0] += c.orders
            acc[1] += c.refunds
            acc[2] += c.returns
    return groups, others


def _points(
    rows: Sequence[WeekCount],
    groups: dict[str, str],
    others: dict[tuple[str, date], list[int]],
) -> list[WeekPoint]:
    """Week points of ``rows`` with the peers' rates on the rows' own mix."""
    mine: dict[date, list[WeekCount]] = defaultdict(list)
    for c in rows:
        mine[c.week].append(c)
    points = []
    for week in sorted(mine):
        week_rows = mine[week]
        orders = sum(r.orders for r in week_rows)
        exp_f = exp_r = 0.0
        for r in week_rows:
            o, f, t = others.get((groups[r.category_id], week), [0, 0, 0])
            if o:
                exp_f += r.orders * f / o
                exp_r += r.orders * t / o
        points.append(
            WeekPoint(
                week,
                orders,
                sum(r.refunds for r in week_rows),
                sum(r.returns for r in week_rows),
                exp_f / orders if orders else 0.0,
                exp_r / orders if orders else 0.0,
            )
        )
    return points


def _weeks(counts: Sequence[WeekCount], scope: set[str], shop_id: str) -> list[WeekPoint]:
    """The scope's weeks, with its categories' rates (without this shop) on its own mix."""
    groups, others = _peer_rates(counts, shop_id)
    return _points([c for c in counts if c.sku_id in scope], groups, others)


def sku_series(counts: Sequence[WeekCount], scope: set[str], shop_id: str) -> list[SkuSeries]:
    """Each SKU of ``scope`` week by week against its category's rates at other shops that
    week; SKUs in id order, weeks in date order (a week without orders is absent)."""
    groups, others = _peer_rates(counts, shop_id)
    by_sku: dict[str, list[WeekCount]] = defaultdict(list)
    for c in counts:
        if c.sku_id in scope:
            by_sku[c.sku_id].append(c)
    return [
        SkuSeries(sku, rows[0].category_id, tuple(_points(rows, groups, others)))
        for sku, rows in sorted(by_sku.items())
    ]


def _scope_rate(
    counts: Sequence[WeekCount], scope: set[str], shop_id: str, field: str
) -> RateFinding | None:
    """The scope's rate against its categories' rates at other shops, on its own mix. Orders
    in a category (or industry) no other shop sells in are left out; ``None`` when that is
    all of them."""
    groups = baseline_groups(counts)
    peers: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    mine: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for c in counts:
        value = c.refunds if field == "refunds" else c.returns
        acc = mine if c.sku_id in scope else peers if c.shop_id != shop_id else None
        if acc is not None:
            acc[groups[c.category_id]][0] += value
            acc[groups[c.category_id]][1] += c.orders
    compared = [g for g, (_, n) in mine.items() if n and peers[g][1]]
    events = sum(mine[g][0] for g in compared)
    trials = sum(mine[g][1] for g in compared)
    if trials == 0:
        return None
    expected = sum(mine[g][1] * peers[g][0] / peers[g][1] for g in compared) / trials
    return assess([Unit(shop_id, "scope", events, trials, expected=expected)])[0]


def _summaries(cases: Sequence[ClassifiedCase]) -> list[CauseSummary]:
    by_cause: dict[Cause, list[ClassifiedCase]] = defaultdict(list)
    for c in cases:
        by_cause[c.result.cause].append(c)
    out = []
    for cause in CAUSES:
        group = by_cause.get(cause, [])
        if not group:
            continue
        quotes = Counter(
            e.quote for c in group for e in c.result.evidence if e.source != "reason_code"
        )
        out.append(
            CauseSummary(
                cause,
                len(group),
                total(c.money for c in group),
                tuple(q for q, _ in quotes.most_common(3)),
            )
        )
    out.sort(key=lambda s: (-s.money.total_fen, -s.cases, s.cause.value))
    return out


def diagnose_returns(
    con: duckdb.DuckDBPyConnection,
    shop_id: str,
    sku_id: str | None = None,
    *,
    start: date | None = None,
    end: date | None = None,
    fees_rulebook: str | None = None,
    model: TextModel | None = None,
    fdr: float = FDR,
) -> ReturnDiagnosis:
    """The diagnosis of ``shop_id`` (or of its SKU ``sku_id``) over ``[start, end)`` (default:
    every order in the warehouse)."""
    shop = con.execute("SELECT 1 FROM shops WHERE shop_id = ?", [shop_id]).fetchone()
    if shop is None:
        raise NotFound(f"shop {shop_id} does not exist in the warehouse")
    if sku_id is not None:
        owner = con.execute("SELECT shop_id FROM products WHERE sku_id = ?", [sku_id]).fetchone()
        if owner is None:
            raise NotFound(f"SKU {sku_id} does not exist in the warehouse")
        if owner[0] != shop_id:
            raise NotFound(f"SKU {sku_id} is not sold by shop {shop_id}")
    first, last = data.period(con, start, end)
    counts = data.week_counts(con, first, last, categories_of=shop_id)
    shop_skus = {c.sku_id for c in counts if c.shop_id == shop_id}
    scope = {sku_id} if sku_id is not None else shop_skus
    classified = classify_cases(
        data.cases(con, first, last, categories_of=shop_id, fees_rulebook=fees_rulebook), model
    )
    carriers = data.carrier_counts(con, first, last, categories_of=shop_id)
    findings = find(counts, classified, carriers, tested=scope, fdr=fdr)
    return ReturnDiagnosis(
        shop_id=shop_id,
        sku_id=sku_id,
        start=first,
        end=last,
        shop_refund=_scope_rate(counts, scope, shop_id, "refunds"),
        shop_return=_scope_rate(counts, scope, shop_id, "returns"),
        findings=findings,
        weeks=tuple(_weeks(counts, scope, shop_id)),
        causes=tuple(_summaries(findings.cases)),
        suggestions=tuple(suggestions(findings)),
        fdr=fdr,
        skus=tuple(sku_series(counts, scope, shop_id)),
    )
