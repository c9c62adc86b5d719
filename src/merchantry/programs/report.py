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
proportion to their size. The relative effect is ``exp(mean) − 1`` over the pairs, and the
fen-a-day effect that share of the participants' mean pre-window GMV. The 95% interval is a
percentile bootstrap over pairs (:data:`BOOTSTRAP` resamples, fixed seed, so a report is
reproducible). Estimates are statistics shown in fen, never posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import duckdb
import numpy as np

from merchantry.programs.rulebook import Programme

WINDOW_DAYS: Final = 14
MATCHES: Final = 1
"""Controls matched to each participant (their changes averaged). One is noisy (+19.7%
against a planted +30% on seed 11), but five pulled in controls far smaller than the
participants, whose sales move differently: −17% [−31, −2] on a market with nothing planted
(seed 3), where one control gives an interval around 0."""
MIN_WINDOW_DAYS: Final = 3
BOOTSTRAP: Final = 2_000
SEED: Final = 20_260_108

DAILY_GMV: Final = """
SELECT o.shop_id, CAST(o.paid_at AS DATE) AS day, sum(o.goods_fen) AS gmv
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


def estimate_effect(con: duckdb.DuckDBPyConnection, programme: Programme) -> Effect | None:
    """Difference in differences on a matched control (see the module docstring)."""
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
        "SELECT min(CAST(paid_at AS DATE)), max(CAST(paid_at AS DATE)) FROM orders"
    ).fetchone()
    if span is None or span[0] is None:
        return None
    first_day, last_day = span
    industries = {str(s): str(i) for s, i in con.execute(SHOPS).fetchall()}
    shops = sorted(industries)
    index = {s: i for i, s in enumerate(shops)}
    days = (last_day - first_day).days + 1
    gmv = np.zeros((len(shops), days), dtype=np.float64)
    for shop, day, value in con.execute(DAILY_GMV).fetchall():
        if str(shop) in index:
            gmv[index[str(shop)], (day - first_day).days] = float(value)
    controls = np.array([s not in touched and s not in events for s in shops], dtype=bool)
    if not controls.any():
        return None
    ctl_rows = np.flatnonzero(controls)
    ctl_industry = np.array([industries[shops[i]] for i in ctl_rows])
    did: list[float] = []
    pre_p: list[float] = []
    pre_c: list[float] = []
    widest = 0
    for shop, event in sorted(events.items()):
        e = (event - first_day).days
        k = min(WINDOW_DAYS, e, days - e)
        if k < MIN_WINDOW_DAYS or shop not in index:
            continue
        widest = max(widest, k)
        row = gmv[index[shop]]
        pre_ctl = gmv[ctl_rows, e - k : e].mean(axis=1)
        post_ctl = gmv[ctl_rows, e : e + k].mean(axis=1)
        pre = row[e - k : e].mean()
        distance = np.abs(np.log1p(pre_ctl) - np.log1p(pre))
        same = ctl_industry == industries[shop]
        if same.sum() >= MATCHES:  # enough of its industry: only those
            distance = np.where(same, distance, np.inf)
        best = np.argsort(distance, kind="stable")[:MATCHES]
        post = row[e : e + k].mean()
        change_ctl = np.log1p(post_ctl[best]) - np.log1p(pre_ctl[best])
        did.append(np.log1p(post) - np.log1p(pre) - float(change_ctl.mean()))
        pre_p.append(pre)
        pre_c.append(float(pre_ctl[best].mean()))
    if len(did) < 2:
        return None
    d, base = np.array(did), np.array(pre_p)
    rng = np.random.default_rng(SEED)
    boot = d[rng.integers(0, len(d), size=(BOOTSTRAP, len(d)))].mean(axis=1)
    mean_base = max(float(base.mean()), 1.0)

    def rel(log_ratio: float) -> float:
        return float(np.expm1(log_ratio))

    effect, low, high = rel(d.mean()), rel(np.percentile(boot, 2.5)), rel(np.percentile(boot, 97.5))
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
