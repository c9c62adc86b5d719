"""Every money effect of the candidate, so a what-if never reports "¥0, the same" for a
rulebook that moves money.

Fee lines give three effects: **fees** (technical service, commissions, promotion fees and
their refunds), **insurance** premiums and **subsidies** the platform pays. The ledger's rules
give four more, evaluated as a close would (:mod:`merchantry.ledger.whatif`,
:mod:`merchantry.ledger.deposits`):

* **compensation** the platform bears (减赔 moves part of a merchant-paid compensation to it);
* **deposit deductions** for the period's violations;
* **settlement cash flow**: money held longer or shorter. Σ amount × settlement days
  (fen·days) valued at the annual cash rate: ``fen_days × rate_bp / (10,000 × 365)``;
* **deposit cash flow**: the deposits shops must hold at the period's start, valued the same
  way over the period's days.

Each effect has a baseline and a candidate amount (its cost in its own terms), what merchants
gain and what the platform gives up under the candidate; each is rounded once, half away from
zero, so the headline is the exact sum of the rows.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import duckdb

from merchantry.kit.money import div_round, format_bp, format_fen
from merchantry.ledger.deposits import compute_deductions, compute_requirements
from merchantry.ledger.whatif import LedgerTerms, ledger_terms
from merchantry.report import format_points
from merchantry.rulebook import Rulebook
from merchantry.simulate.params import Period

DAYS_PER_YEAR: Final = 365
FEE_GROUPS_SQL: Final = """
SELECT CASE WHEN fee_kind = 'insurance_premium' THEN 'insurance'
            WHEN fee_kind = 'coupon_subsidy' THEN 'subsidies'
            ELSE 'fees' END AS effect,
       coalesce(sum(cost_b), 0), coalesce(sum(cost_c), 0),
       coalesce(sum(platform_b), 0), coalesce(sum(platform_c), 0)
FROM sim_line_diff GROUP BY 1
"""
EFFECT_TITLES: Final = {
    "fees": "费用 / Fees and commissions",
    "insurance": "运费险保费 / Insurance premiums",
    "subsidies": "平台补贴 / Platform subsidies",
    "compensation": "平台承担赔付 / Compensation the platform bears",
    "deposit_deductions": "保证金扣除 / Deposit deductions",
    "settlement_cash_flow": "账期资金占用 / Settlement days (cash flow)",
    "deposit_cash_flow": "保证金资金占用 / Deposits held (cash flow)",
}
"""Every effect, in the order the headline lists them."""


@dataclass(frozen=True, slots=True)
class MoneyEffect:
    """One money effect of a run (a ``sim_effects`` row)."""

    effect: str
    baseline_fen: int
    candidate_fen: int
    merchant_gain_fen: int
    platform_cost_fen: int
    note: str | None

    @property
    def title(self) -> str:
        return EFFECT_TITLES.get(self.effect, self.effect)


@dataclass(frozen=True, slots=True)
class SideTerms:
    """What one side's ledger rules mean for the period."""

    ledger: LedgerTerms
    deposits_required_fen: int
    deductions_fen: int
    deductions: int


def side_terms(con: duckdb.DuckDBPyConnection, book: Rulebook, period: Period) -> SideTerms:
    """``book``'s settlement, compensation and deposit terms over ``period``."""
    terms = ledger_terms(con, book, period.start, period.end)
    compute_requirements(con, book, period.start, write=False)
    required = con.execute("SELECT coalesce(sum(required_fen), 0) FROM ledger_requirements")
    compute_deductions(con, book, period.start, period.end)
    deducted = con.execute(
        "SELECT coalesce(sum(amount_fen), 0), count(amount_fen) FROM ledger_deductions"
    )
    req_row, ded_row = required.fetchone(), deducted.fetchone()
    return SideTerms(
        terms,
        int(req_row[0]) if req_row else 0,
        int(ded_row[0]) if ded_row else 0,
        int(ded_row[1]) if ded_row else 0,
    )


def cash_value(fen_days: int, rate_bp: int) -> int:
    """The value of holding ``fen_days`` fen·days of money at an annual rate, fen."""
    return div_round(fen_days * rate_bp, 10_000 * DAYS_PER_YEAR)


def fee_effects(con: duckdb.DuckDBPyConnection) -> list[MoneyEffect]:
    """Fees, insurance and subsidies from the paired fee lines (``sim_line_diff``)."""
    found = {str(r[0]): [int(v) for v in r[1:]] for r in con.execute(FEE_GROUPS_SQL).fetchall()}
    effects = []
    for effect in ("fees", "insurance", "subsidies"):
        cost_b, cost_c, platform_b, platform_c = found.get(effect, [0, 0, 0, 0])
        effects.append(
            MoneyEffect(effect, cost_b, cost_c, cost_b - cost_c, platform_b - platform_c, None)
        )
    return effects


def _days(terms: LedgerTerms) -> str:
    mean = terms.mean_days_hundredths
    return "-" if mean is None else format_points(mean)


def ledger_effects(
    sides: Sequence[SideTerms | None], period: Period, rate_bp: int
) -> list[MoneyEffect]:
    """Compensation, deductions and the two cash-flow effects; zero, with a note, when a
    side's rulebook could not be loaded (only its fee lines were given)."""
    base, cand = sides
    if base is None or cand is None:
        missing = "the baseline" if base is None else "the candidate"
        note = f"not priced: {missing}'s rulebook is not on the rulebook search path"
        return [
            MoneyEffect(e, 0, 0, 0, 0, note)
            for e in (
                "compensation",
                "deposit_deductions",
                "settlement_cash_flow",
                "deposit_cash_flow",
            )
        ]
    rate = f"valued at {format_bp(rate_bp)} a year"
    b, c = base.ledger, cand.ledger
    settle_b, settle_c = cash_value(b.fen_days, rate_bp), cash_value(c.fen_days, rate_bp)
    days = (period.end - period.start).days + 1
    held_b = cash_value(base.deposits_required_fen * days, rate_bp)
    held_c = cash_value(cand.deposits_required_fen * days, rate_bp)
    return [
        MoneyEffect(
            "compensation",
            b.platform_borne_fen,
            c.platform_borne_fen,
            c.platform_borne_fen - b.platform_borne_fen,
            c.platform_borne_fen - b.platform_borne_fen,
            f"{c.compensation_cases:,} merchant-paid compensation cases, "
            f"{format_fen(c.compensation_fen)}",
        ),
        MoneyEffect(
            "deposit_deductions",
            base.deductions_fen,
            cand.deductions_fen,
            base.deductions_fen - cand.deductions_fen,
            base.deductions_fen - cand.deductions_fen,
            f"{base.deductions:,} → {cand.deductions:,} violations deducted",
        ),
        MoneyEffect(
            "settlement_cash_flow",
            settle_b,
            settle_c,
            settle_b - settle_c,
            settle_b - settle_c,
            f"mean wait {_days(b)} → {_days(c)} days on {format_fen(c.settled_amount_fen)} "
            f"settled; {rate}",
        ),
        MoneyEffect(
            "deposit_cash_flow",
            held_b,
            held_c,
            held_b - held_c,
            held_b - held_c,
            f"deposits required {format_fen(base.deposits_required_fen)} → "
            f"{format_fen(cand.deposits_required_fen)}, held {days} days; {rate}",
        ),
    ]


def write_effects(
    con: duckdb.DuckDBPyConnection, run_id: str, effects: Sequence[MoneyEffect]
) -> None:
    con.executemany(
        "INSERT INTO sim_effects VALUES (?, ?, ?, ?, ?, ?, ?)",
        [[run_id, *dataclasses.astuple(e)] for e in effects],
    )


def read_effects(con: duckdb.DuckDBPyConnection, run_id: str) -> tuple[MoneyEffect, ...]:
    rows = con.execute(
        "SELECT effect, baseline_fen, candidate_fen, merchant_gain_fen, platform_cost_fen, note "
        "FROM sim_effects WHERE run_id = ?",
        [run_id],
    ).fetchall()
    order = list(EFFECT_TITLES)
    found = [MoneyEffect(str(r[0]), int(r[1]), int(r[2]), int(r[3]), int(r[4]), r[5]) for r in rows]
    return tuple(sorted(found, key=lambda e: order.index(e.effect) if e.effect in order else 99))
