"""What the programmes did: uptake, cost, status cohorts, and the effect on participants' GMV.

**Effect (difference in differences on a matched control).** For a programme shops sign up
to, a participant is every shop that signed up and was admitted, whether or not it went on
to complete a task (intention to treat), and its event day is the day it started (its
sign-up day). Counting only the shops that completed a task would select on the outcome: a
task such as "twenty orders" is completed by the shops whose sales rose after they signed up,
so the estimate would rise with the noise (on generated data with a planted +30%, +39.7%
instead of +31.7% on one seed). For a programme without sign-up, a participant is a shop
that completed a task and its event day the day it first did; that estimate is descriptive
(completion follows the sales it measures) and the report says so.

For each participant, ``k`` days before the event (the pre window) and ``k`` days from it
(the post window) are compared, ``k`` being :data:`WINDOW_DAYS` or what the data allows on
both sides. Its controls are the :data:`MATCHES` non-participants (shops that never took
part) whose mean daily GMV over the *same calendar* pre window is nearest on a log scale,
from its own industry when it has that many (matching with replacement). Each participant
gives the change of its log daily GMV from the pre to the post window minus the mean change
of its controls (``log1p`` of the window means): the calendar (weekdays, season) cancels,
and so do a level difference the matching left and a market trend that moves shops in
proportion to their size.

**Weights.** A small shop's change over two 14-day windows is mostly noise: a few orders
more or less move its log GMV by tens of percent. So the pairs are weighted by the inverse
of their expected variance (the participant's plus the mean of its controls' divided by
their number), from a variance model fitted on the *controls only*: their squared
deviations of change (within industry, against the pre level) regressed on one over their
pre-window orders (a floor that more orders do not shrink, and a part that falls as
``1 / orders``). The weights use only pre-window orders, never the outcome, so they change
how much each pair counts, not what a pair says. With one effect for every shop the
estimand is the same; when the effect differs between shops it leans towards the shops
whose change is measured precisely (the floor keeps the largest from dominating).

The relative effect is ``exp(weighted mean) − 1`` over the pairs, and the fen-a-day effect
that share of the participants' mean pre-window GMV. The 95% interval is a percentile
bootstrap over pairs (:data:`BOOTSTRAP` resamples, fixed seed, so a report is reproducible).
``bench/bench_programme_effect.py`` compares this design with the single unweighted match
it replaced, and with the others tried, on markets with +30% and with nothing planted.
Estimates are statistics shown in fen, never posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import duckdb
import numpy as np

from merchantry.programs.rulebook import Programme

WINDOW_DAYS: Final = 14
MATCHES: Final = 4
"""Controls matched to each participant, from its industry, with replacement (one control
doubled the noise of each pair)."""
MIN_WINDOW_DAYS: Final = 3
BOOTSTRAP: Final = 2_000
SEED: Final = 20_260_108

DAILY_GMV: Final = """
SELECT o.shop_id, CAST(o.paid_at AS DATE) AS day, sum(o.goods_fen) AS gmv, count(*) AS n
FROM orders AS o GROUP BY ALL
"""

SHOPS: Final = "SELECT shop_id, industry FROM shops"

PARTICIPANTS: Final = """
SELECT shop_id, min(completed_on) AS first_done, min(started_on) AS started_on
FROM program_tasks WHERE program = ? AND state = 'completed' GROUP BY shop_id
"""

ADMITTED: Final = """
SELECT shop_id, min(started_on) AS started_on FROM program_tasks WHERE program = ?
GROUP BY shop_id
"""

SIGNED_UP: Final = "SELECT DISTINCT shop_id FROM program_signups WHERE program = ?"

TOUCHED: Final = (
    "SELECT DISTINCT shop_id FROM program_tasks WHERE program = ? AND state <> 'in_progress'"
)


@dataclass(frozen=True, slots=True)
class Effect:
    """The difference-in-differences estimate for one programme."""

    pairs: int
    window_days: int
    """The widest ``k`` used (each pair uses what its event day allows, at most this)."""
    effect_fen_per_day: int
    low_fen_per_day: int
    high_fen_per_day: int
    effect_bp: int
    """Relative effect on participants' daily GMV, basis points (1 500 = +15%)."""
    low_bp: int
    high_bp: int
    pre_fen_per_day: int
    """Participants' mean daily GMV before (the base of the relative effect)."""
    control_gap_bp: int
    """Matched controls' pre-window GMV against the participants', bp (0 = perfect match)."""
    by_signup: bool = True
    """Participants are every signed-up shop (intention to treat, a causal estimate); when
    ``False``, the shops that completed a task (descriptive: selected on the outcome)."""

    def covers_bp(self, value_bp: int) -> bool:
        return self.low_bp <= value_bp <= self.high_bp


@dataclass(frozen=True, slots=True)
class ProgrammeReport:
    program: str
    title_zh: str
    title_en: str
    eligible: int
    """Shops the programme admitted (with a task row)."""
    participants: int
    """Shops that completed a task."""
    granted_fen: int
    held_fen: int
    rewards: int
    subsidised_orders: int
    subsidy_fen: int
    statuses: tuple[tuple[str, int], ...]
    """Status label (北斗之星, 月入10万…) and how many shops earned it."""
    effect: Effect | None
    """``None`` when fewer than two pairs had a pre and a post window."""

    @property
    def cost_fen(self) -> int:
        return self.granted_fen + self.subsidy_fen

    @property
    def uptake_bp(self) -> int:
        return self.participants * 10_000 // self.eligible if self.eligible else 0


def programme_report(con: duckdb.DuckDBPyConnection, programme: Programme) -> ProgrammeReport:
    """Uptake, cost, cohorts and effect of ``programme`` from its stored run."""
    name = programme.name
    eligible, participants = (
        int(v)
        for v in _one(
            con,
            "SELECT count(DISTINCT shop_id), count(DISTINCT shop_id) FILTER "
            "(WHERE state = 'completed') FROM program_tasks WHERE program = ?",
            name,
        )
    )
    granted, held, rewards = (
        int(v)
        for v in _one(
            con,
            "SELECT coalesce(sum(amount_fen), 0), coalesce(sum(held_fen), 0), "
            "count(*) FILTER (WHERE amount_fen > 0) FROM program_rewards WHERE program = ?",
            name,
        )
    )
    orders, subsidy = (
        int(v)
        for v in _one(
            con,
            "SELECT count(*) FILTER (WHERE charged_fen > 0), coalesce(sum(charged_fen), 0) "
            "FROM program_order_subsidies WHERE program = ?",
            name,
        )
    )
    statuses = tuple(
        (str(label), int(n))
        for label, n in con.execute(
            "SELECT status_label, count(DISTINCT shop_id) FROM program_tasks "
            "WHERE program = ? AND status_label IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1",
            [name],
        ).fetchall()
    )
    return ProgrammeReport(
        program=name,
        title_zh=programme.title_zh,
        title_en=programme.title_en,
        eligible=eligible,
        participants=participants,
        granted_fen=granted,
        held_fen=held,
        rewards=rewards,
        subsidised_orders=orders,
        subsidy_fen=subsidy,
        statuses=statuses,
        effect=estimate_effect(con, programme),
    )


def _one(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> tuple[int, ...]:
    row = con.execute(sql, list(params)).fetchone()
    assert row is not None
    return tuple(int(v) for v in row)


def estimate_effect(
    con: duckdb.DuckDBPyConnection,
    programme: Programme,
    *,
    matches: int = MATCHES,
    adjust: bool = False,
    weighted: bool = True,
) -> Effect | None:
    """Difference in differences on a matched control (see the module docstring).

    ``matches``, ``adjust`` and ``weighted`` are the design, variable so that
    ``bench/bench_programme_effect.py`` can compare designs on the same markets:
    ``matches=1, weighted=False`` is the estimator this one replaced; ``adjust`` moves each
    control by the controls' slope of change on pre level (Abadie–Imbens bias correction),
    which was tried and is off: the slope, steep among small shops, extrapolated to the
    largest ones."""
    if programme.signup_required:
        rows = con.execute(ADMITTED, [programme.name]).fetchall()
        events = {str(shop): started for shop, started in rows}
        signed = {str(r[0]) for r in con.execute(SIGNED_UP, [programme.name]).fetchall()}
        touched = set(events) | signed  # a signed-up shop is never a control
    else:
        rows = con.execute(PARTICIPANTS, [programme.name]).fetchall()
        events = {str(shop): first for shop, first, _ in rows}
        touched = {str(r[0]) for r in con.execute(TOUCHED, [programme.name]).fetchall()}
    if len(events) < 2:
        return None
    span = con.execute(
        "SELECT CAST(min(paid_at) AS DATE), CAST(max(paid_at) AS DATE) FROM orders"
    ).fetchone()
    if span is None or span[0] is None:
        return None
    first_day, last_day = span
    industries = {str(s): str(i) for s, i in con.execute(SHOPS).fetchall()}
    shops = sorted(industries)
    index = {s: i for i, s in enumerate(shops)}
    days = (last_day - first_day).days + 1
    gmv = np.zeros((len(shops), days), dtype=np.float64)
    count = np.zeros((len(shops), days), dtype=np.float64)
    for shop, day, value, n in con.execute(DAILY_GMV).fetchall():
        if str(shop) in index:
            gmv[index[str(shop)], (day - first_day).days] = float(value)
            count[index[str(shop)], (day - first_day).days] = float(n)
    controls = np.array([s not in touched and s not in events for s in shops], dtype=bool)
    if not controls.any():
        return None
    ctl_rows = np.flatnonzero(controls)
    ctl_industry = np.array([industries[shops[i]] for i in ctl_rows])
    windows: dict[tuple[int, int], _Window] = {}
    did: list[float] = []
    weights: list[float] = []
    pre_p: list[float] = []
    pre_c: list[float] = []
    widest = 0
    for shop, event in sorted(events.items()):
        e = (event - first_day).days
        k = min(WINDOW_DAYS, e, days - e)
        if k < MIN_WINDOW_DAYS or shop not in index:
            continue
        widest = max(widest, k)
        w = windows.get((e, k))
        if w is None:
            w = windows[(e, k)] = _window(gmv[ctl_rows], count[ctl_rows], ctl_industry, e, k)
        row = gmv[index[shop]]
        pre, post = row[e - k : e].mean(), row[e : e + k].mean()
        level = float(np.log1p(pre))
        distance = np.abs(w.level - level)
        same = ctl_industry == industries[shop]
        if same.sum() >= matches:  # enough of its industry: only those
            distance = np.where(same, distance, np.inf)
        best = np.argsort(distance, kind="stable")[:matches]
        expected = w.change[best] + (w.slope * (level - w.level[best]) if adjust else 0.0)
        did.append(float(np.log1p(post)) - level - float(expected.mean()))
        own = w.variance(float(count[index[shop], e - k : e].sum()))
        theirs = float(np.mean([w.variance(float(n)) for n in w.orders[best]])) / len(best)
        weights.append(1.0 / (own + theirs) if weighted else 1.0)
        pre_p.append(pre)
        pre_c.append(float(np.expm1(w.level[best]).mean()))
    if len(did) < 2 or sum(weights) <= 0:
        return None
    d, wt, base = np.array(did), np.array(weights), np.array(pre_p)
    rng = np.random.default_rng(SEED)
    draws = rng.integers(0, len(d), size=(BOOTSTRAP, len(d)))
    boot = (d[draws] * wt[draws]).sum(axis=1) / np.maximum(wt[draws].sum(axis=1), 1e-12)
    mean_base = max(float(base.mean()), 1.0)

    def rel(log_ratio: float) -> float:
        return float(np.expm1(log_ratio))

    point = float((d * wt).sum() / wt.sum())
    effect, low, high = rel(point), rel(np.percentile(boot, 2.5)), rel(np.percentile(boot, 97.5))
    return Effect(
        pairs=len(d),
        window_days=widest,
        effect_fen_per_day=round(effect * mean_base),
        low_fen_per_day=round(low * mean_base),
        high_fen_per_day=round(high * mean_base),
        effect_bp=round(effect * 10_000),
        low_bp=round(low * 10_000),
        high_bp=round(high * 10_000),
        pre_fen_per_day=round(mean_base),
        control_gap_bp=round((float(np.mean(pre_c)) - mean_base) / mean_base * 10_000),
        by_signup=programme.signup_required,
    )


@dataclass(frozen=True, slots=True)
class _Window:
    """The controls over one pre and post window."""

    level: np.ndarray
    """``log1p`` of each control's mean daily GMV over the pre window."""
    change: np.ndarray
    """Its change of ``log1p`` mean daily GMV from the pre to the post window."""
    orders: np.ndarray
    """Its orders in the pre window."""
    slope: float
    """How that change moves with the pre level among controls of the same industry."""
    floor: float
    """The variance of a change that more orders do not shrink (shops differ)."""
    per_order: float
    """The variance of a change that shrinks with the orders (1 / orders)."""

    def variance(self, orders: float) -> float:
        """The expected variance of a change for a shop with ``orders`` pre-window orders."""
        return self.floor + self.per_order / max(orders, 1.0)


def _window(ctl: np.ndarray, counts: np.ndarray, industry: np.ndarray, e: int, k: int) -> _Window:
    level = np.log1p(ctl[:, e - k : e].mean(axis=1))
    change = np.log1p(ctl[:, e : e + k].mean(axis=1)) - level
    orders = counts[:, e - k : e].sum(axis=1)
    x, y = level.copy(), change.copy()
    for name in np.unique(industry):  # within industry: its own level and trend cancel
        at = industry == name
        x[at] -= x[at].mean()
        y[at] -= y[at].mean()
    spread = float((x * x).sum())
    slope = float((x * y).sum() / spread) if spread > 0 else 0.0
    # the controls' squared residuals against 1 / orders: a variance model for the weights
    squared = (y - slope * x) ** 2
    design = np.column_stack([np.ones_like(orders), 1.0 / np.maximum(orders, 1.0)])
    (floor, per_order), *_ = np.linalg.lstsq(design, squared, rcond=None)
    floor = max(float(floor), 1e-3)
    return _Window(level, change, orders, slope, floor, max(float(per_order), 0.0))
