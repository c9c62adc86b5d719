"""The measures of an escalation step beyond the listing's own fate: shop restrictions and
the penalty.

From every recorded offence still standing (``listing_offences`` without the withdrawn ones),
numbered in its scene as :func:`~merchantry.listings.escalation.escalate` numbers it, each
step's measures follow:

* **restrictions** (``shop_restrictions``): presale closed, suspended, closed, from the
  offence's time for the step's days (or for good). :func:`restrictions_in_force` is what the
  pre-publish check and the recommendations consult: a restriction holds from its start until
  its end, unless its violation was withdrawn since.
* **penalty** (违约金): the step's share of the listing's paid orders over the days before the
  offence, within its bounds, deducted from the shop's deposit: a ``deposit_penalty`` journal
  entry (deposit to ``platform_penalties``) keyed by the violation, booked on the offence's
  day. Posted through the ledger's staging, so a re-run posts nothing, a changed amount is
  corrected by a reversal and a new revision, and a penalty no longer due (its offence
  withdrawn, or renumbered below the step by an earlier withdrawal) is reversed.
* **frozen goods payments** (冻结违规商品货款): the listing's paid orders over the step's basis
  days before the offence, moved from the shop's settled money (``merchant_available``) to
  ``merchant_held`` on the offence's day (a ``goods_freeze`` entry keyed by the violation),
  and back when the freeze's days end (``goods_freeze_release``, posted by the first run on
  or after that day). A freeze no longer due is reversed, and its release with it.

Every posting is scoped to the rulebook that made it (``post_staged(own_rulebook=True)``):
two listing rulebooks in force side by side each re-derive their own entries, and neither
run compares, so neither reverses, the other's.

:func:`apply_measures` re-derives both from the offences every time it runs (after each
``listings check --db`` and each overturn): nothing is edited by hand, and the same offences
give the same rows and the same journal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Final

import duckdb
import pyarrow as pa

from merchantry.ledger.journal import CloseRef, PostResult, namespace, post_staged, start_stage
from merchantry.listings.escalation import Offence, offence_numbers
from merchantry.listings.holds import HeldListing, derive_holds
from merchantry.listings.restrictions import ShopRestriction
from merchantry.listings.rulebook import ListingRulebook, Outcome, RestrictionKind
from merchantry.listings.warehouse import sources
from merchantry.model.outputs import LISTINGS_KEY_PREFIX
from merchantry.reco.similarity import parse_phash
from merchantry.store.sql import fill_sql, run_sql
from merchantry.store.warehouse import ensure_schema, table_exists, transaction

PENALTY_KIND: Final = "deposit_penalty"
"""Journal entry kind of an escalation penalty (违约金) taken from the deposit."""
FREEZE_KIND: Final = "goods_freeze"
"""Journal entry kind of the goods payments frozen by an escalation step (冻结货款)."""
RELEASE_KIND: Final = "goods_freeze_release"
"""Journal entry kind of a freeze's release when its days end (解冻)."""

BOOKS_SINCE: Final = date(2000, 1, 1)
"""Start of the penalty stage's scope: every penalty entry is in it."""


@dataclass(frozen=True, slots=True)
class PenaltyDue:
    violation_id: str
    shop_id: str
    rule_id: str
    sku_id: str
    booked_on: date
    sales_fen: int
    """The listing's paid orders over the step's basis days before the offence."""
    amount_fen: int


@dataclass(frozen=True, slots=True)
class FreezeDue:
    violation_id: str
    shop_id: str
    rule_id: str
    sku_id: str
    frozen_on: date
    released_on: date
    basis_days: int
    amount_fen: int
    """The listing's paid orders over ``basis_days`` before the offence: what is frozen."""

    @property
    def basis(self) -> str:
        """The amount's basis in words (a merchant sees why this much is frozen)."""
        return (
            f"{self.sku_id}'s paid orders in the {self.basis_days} days before "
            f"{self.frozen_on.isoformat()}, frozen until {self.released_on.isoformat()}"
        )


@dataclass(frozen=True, slots=True)
class MeasureResult:
    restrictions: tuple[ShopRestriction, ...]
    penalties: tuple[PenaltyDue, ...]
    posted: PostResult | None
    """What the penalty and freeze postings did (None: nothing was posted)."""
    freezes: tuple[FreezeDue, ...] = ()
    holds: tuple[HeldListing, ...] = ()


def derive_restrictions(
    book: ListingRulebook, offences: Sequence[Offence]
) -> tuple[list[ShopRestriction], list[tuple[Offence, int]]]:
    """Every restriction the standing ``offences`` impose, and the offences whose step has a
    penalty or a freeze (with their numbers)."""
    numbers = offence_numbers(book, offences)
    rules = {r.rule_id: r for r in book.rules}
    restrictions: list[ShopRestriction] = []
    penalised: list[tuple[Offence, int]] = []
    for o in offences:
        number = numbers.get((o.shop_id, o.rule_id, o.sku_id))
        rule = rules.get(o.rule_id)
        if number is None or rule is None or rule.escalation is None:
            continue
        step = rule.escalation.step(number)
        for r in step.restrictions:
            ends = None if r.days is None else o.occurred_at + timedelta(days=r.days)
            restrictions.append(
                ShopRestriction(
                    shop_id=o.shop_id,
                    restriction=r.kind,
                    violation_id=o.violation_id,
                    rule_id=o.rule_id,
                    sku_id=o.sku_id,
                    offence_no=number,
                    starts_at=o.occurred_at,
                    ends_at=ends,
                    measures=step.measures,
                    rulebook=book.name,
                )
            )
        if step.penalty is not None or step.freeze is not None:
            penalised.append((o, number))
    restrictions.sort(key=lambda r: (r.shop_id, r.starts_at, r.violation_id, r.restriction))
    return restrictions, penalised


_SALES = """
SELECT coalesce(sum(amount_paid_fen), 0) FROM orders
WHERE sku_id = $sku AND paid_at >= $since AND paid_at < $until
"""


def _sales(con: duckdb.DuckDBPyConnection, o: Offence, days: int) -> int:
    """The listing's paid orders over the ``days`` before the offence."""
    if not table_exists(con, "orders"):
        return 0
    since = o.occurred_at - timedelta(days=days)
    row = run_sql(con, _SALES, {"sku": o.sku_id, "since": since, "until": o.occurred_at}).fetchone()
    return int(row[0]) if row else 0


def freezes_due(
    con: duckdb.DuckDBPyConnection, book: ListingRulebook, penalised: Sequence[tuple[Offence, int]]
) -> list[FreezeDue]:
    """The goods payments each offence's step freezes, and when they are released."""
    rules = {r.rule_id: r for r in book.rules}
    due: list[FreezeDue] = []
    for o, number in penalised:
        ladder = rules[o.rule_id].escalation
        assert ladder is not None
        freeze = ladder.step(number).freeze
        if freeze is None:
            continue
        day = o.occurred_at.date()
        due.append(
            FreezeDue(
                violation_id=o.violation_id,
                shop_id=o.shop_id,
                rule_id=o.rule_id,
                sku_id=o.sku_id,
                frozen_on=day,
                released_on=day + timedelta(days=freeze.days),
                basis_days=freeze.basis_days,
                amount_fen=_sales(con, o, freeze.basis_days),
            )
        )
    return due


def penalties_due(
    con: duckdb.DuckDBPyConnection, book: ListingRulebook, penalised: Sequence[tuple[Offence, int]]
) -> list[PenaltyDue]:
    """The penalty of each offence: its step's share of the listing's paid orders over the
    basis days before it, within the step's bounds."""
    rules = {r.rule_id: r for r in book.rules}
    due: list[PenaltyDue] = []
    for o, number in penalised:
        ladder = rules[o.rule_id].escalation
        assert ladder is not None
        penalty = ladder.step(number).penalty
        if penalty is None:
            continue
        sales = _sales(con, o, penalty.basis_days)
        due.append(
            PenaltyDue(
                violation_id=o.violation_id,
                shop_id=o.shop_id,
                rule_id=o.rule_id,
                sku_id=o.sku_id,
                booked_on=o.occurred_at.date(),
                sales_fen=sales,
                amount_fen=penalty.amount(sales),
            )
        )
    return due


_STAGE_PENALTY = """
INSERT INTO ledger_stage
SELECT md5($ns || $source), $kind, $source, NULL, $shop, CAST($on AS DATE),
       [ledger_leg('merchant_deposit', $shop, -CAST($amount AS BIGINT), $rule),
        ledger_leg('platform_penalties', '', CAST($amount AS BIGINT), $rule)]
"""


def post_penalties(
    con: duckdb.DuckDBPyConnection, rulebook: str, due: Sequence[PenaltyDue], on: date
) -> PostResult:
    """Stage every penalty due and post the difference with the journal (inside the caller's
    transaction); a live penalty no longer due is reversed, booked ``on``."""
    start_stage(con)
    for p in due:
        run_sql(
            con,
            _STAGE_PENALTY,
            {
                "ns": namespace(PENALTY_KIND),
                "kind": PENALTY_KIND,
                "source": p.violation_id,
                "shop": p.shop_id,
                "on": p.booked_on,
                "amount": p.amount_fen,
                "rule": p.rule_id,
            },
        )
    last = max([on, *(p.booked_on for p in due)])
    return post_staged(
        con,
        CloseRef(rulebook, f"{LISTINGS_KEY_PREFIX}{rulebook}"),
        kinds=(PENALTY_KIND,),
        start=BOOKS_SINCE,
        end=last,
        own_rulebook=True,
    )


_STAGE_FREEZE = """
INSERT INTO ledger_stage
SELECT md5($ns || $source), $kind, $source, NULL, $shop, CAST($on AS DATE),
       [ledger_leg($from, $shop, -CAST($amount AS BIGINT), $rule),
        ledger_leg($to, $shop, CAST($amount AS BIGINT), $rule)]
"""


def post_freezes(
    con: duckdb.DuckDBPyConnection, rulebook: str, due: Sequence[FreezeDue], on: date
) -> PostResult:
    """Stage every freeze due and, once its days have ended by ``on``, its release; post the
    difference with the journal (inside the caller's transaction). A freeze or release no
    longer due is reversed, booked ``on``."""
    ref = CloseRef(rulebook, f"{LISTINGS_KEY_PREFIX}{rulebook}")
    last = max([on, *(f.frozen_on for f in due)])
    result: PostResult | None = None
    for kind, source, target in (
        (FREEZE_KIND, "merchant_available", "merchant_held"),
        (RELEASE_KIND, "merchant_held", "merchant_available"),
    ):
        start_stage(con)
        for f in due:
            day = f.frozen_on if kind == FREEZE_KIND else f.released_on
            if day > on and kind == RELEASE_KIND:
                continue  # not released yet: a later run posts it
            run_sql(
                con,
                _STAGE_FREEZE,
                {
                    "ns": namespace(kind),
                    "kind": kind,
                    "source": f.violation_id,
                    "shop": f.shop_id,
                    "on": day,
                    "amount": f.amount_fen,
                    "rule": f.rule_id,
                    "from": source,
                    "to": target,
                },
            )
        posted = post_staged(
            con, ref, kinds=(kind,), start=BOOKS_SINCE, end=last, own_rulebook=True
        )
        result = posted if result is None else result + posted
    assert result is not None
    return result


def _write_restrictions(
    con: duckdb.DuckDBPyConnection, rulebook: str, rows: Sequence[ShopRestriction]
) -> None:
    table = pa.table(
        {
            "rulebook": [rulebook] * len(rows),
            "shop_id": [r.shop_id for r in rows],
            "restriction": [r.restriction.value for r in rows],
            "violation_id": [r.violation_id for r in rows],
            "rule_id": [r.rule_id for r in rows],
            "sku_id": [r.sku_id for r in rows],
            "offence_no": pa.array([r.offence_no for r in rows], pa.int32()),
            "starts_at": pa.array([r.starts_at for r in rows], pa.timestamp("us")),
            "ends_at": pa.array([r.ends_at for r in rows], pa.timestamp("us")),
            "measures": [r.measures for r in rows],
        }
    )
    con.execute("DELETE FROM shop_restrictions WHERE rulebook = ?", [rulebook])
    con.register("_lv_restrictions", table)
    con.execute("INSERT INTO shop_restrictions BY NAME SELECT * FROM _lv_restrictions")
    con.unregister("_lv_restrictions")


_LISTED = """
SELECT p.sku_id, p.title, l.image_phash FROM products AS p
LEFT JOIN p_listing_claims AS l USING (sku_id)
WHERE list_contains($skus, p.sku_id)
"""


def _listed(
    con: duckdb.DuckDBPyConnection, offences: Sequence[Offence]
) -> dict[str, tuple[str, int | None]]:
    """SKU -> (title, main image hash) of the offences' listings."""
    if not offences or not table_exists(con, "products"):
        return {}
    sql = fill_sql(_LISTED, sources(con, "listing_claims"))
    rows = run_sql(con, sql, {"skus": sorted({o.sku_id for o in offences})}).fetchall()
    return {str(s): (str(t), parse_phash(h, f"listing_claims {s} image_phash")) for s, t, h in rows}


def _write_holds(
    con: duckdb.DuckDBPyConnection, rulebook: str, rows: Sequence[HeldListing]
) -> None:
    table = pa.table(
        {
            "rulebook": [rulebook] * len(rows),
            "violation_id": [h.violation_id for h in rows],
            "shop_id": [h.shop_id for h in rows],
            "sku_id": [h.sku_id for h in rows],
            "rule_id": [h.rule_id for h in rows],
            "outcome": [h.outcome.value for h in rows],
            "offence_no": pa.array([h.offence_no for h in rows], pa.int32()),
            "since": pa.array([h.since for h in rows], pa.timestamp("us")),
            "title": [h.title for h in rows],
            "image_phash": [
                None if h.image_phash is None else f"{h.image_phash:016x}" for h in rows
            ],
        }
    )
    con.execute("DELETE FROM listing_holds WHERE rulebook = ?", [rulebook])
    con.register("_lv_holds", table)
    try:
        con.execute("INSERT INTO listing_holds BY NAME SELECT * FROM _lv_holds")
    finally:
        con.unregister("_lv_holds")


_HOLDS = """
SELECT rulebook, violation_id, shop_id, sku_id, rule_id, outcome, offence_no, since, title,
       image_phash
FROM p_listing_holds
WHERE violation_id NOT IN (SELECT violation_id FROM p_withdrawn_violations)
  AND ($rulebook IS NULL OR rulebook = $rulebook)
ORDER BY shop_id, since, sku_id, rule_id
"""


def read_holds(con: duckdb.DuckDBPyConnection, rulebook: str | None = None) -> list[HeldListing]:
    """Listings banned or taken down and not withdrawn (every rulebook's, or ``rulebook``'s)."""
    if not table_exists(con, "listing_holds"):
        return []
    sql = fill_sql(_HOLDS, sources(con, "listing_holds", "withdrawn_violations"))
    rows = run_sql(con, sql, {"rulebook": rulebook}).fetchall()
    return [
        HeldListing(
            str(b),
            str(v),
            str(s),
            str(k),
            str(r),
            Outcome(str(o)),
            int(n),
            t,
            str(title),
            parse_phash(h, "listing_holds image_phash"),
        )
        for b, v, s, k, r, o, n, t, title, h in rows
    ]


def apply_measures(
    con: duckdb.DuckDBPyConnection,
    book: ListingRulebook,
    offences: Sequence[Offence],
    on: date,
) -> MeasureResult:
    """Re-derive the restrictions and penalties of the standing ``offences`` (withdrawn ones
    already left out), replace the rulebook's ``shop_restrictions`` rows and post the
    penalties, in one transaction. ``on``: the day a penalty no longer due is reversed."""
    ensure_schema(con)
    restrictions, penalised = derive_restrictions(book, offences)
    due = penalties_due(con, book, penalised)
    frozen = freezes_due(con, book, penalised)
    holds = derive_holds(book, offences, _listed(con, offences))
    with transaction(con):
        _write_restrictions(con, book.name, restrictions)
        _write_holds(con, book.name, holds)
        posted = post_penalties(con, book.name, due, on)
        posted += post_freezes(con, book.name, frozen, on)
    return MeasureResult(tuple(restrictions), tuple(due), posted, tuple(frozen), tuple(holds))


_IN_FORCE = """
SELECT shop_id, restriction, violation_id, rule_id, sku_id, offence_no, starts_at, ends_at,
       measures, rulebook
FROM p_shop_restrictions
WHERE violation_id NOT IN (SELECT violation_id FROM p_withdrawn_violations)
  AND ($at IS NULL OR ends_at IS NULL OR ends_at > $at)
  AND ($rulebook IS NULL OR rulebook = $rulebook)
ORDER BY shop_id, starts_at, violation_id, restriction
"""


def read_restrictions(
    con: duckdb.DuckDBPyConnection, at: datetime | None = None, rulebook: str | None = None
) -> list[ShopRestriction]:
    """Restrictions not withdrawn (and, with ``at``, not ended by then), every rulebook's (or
    ``rulebook``'s)."""
    if not table_exists(con, "shop_restrictions"):
        return []
    sql = fill_sql(_IN_FORCE, sources(con, "shop_restrictions", "withdrawn_violations"))
    rows = run_sql(con, sql, {"at": at, "rulebook": rulebook}).fetchall()
    return [
        ShopRestriction(
            str(s), RestrictionKind(str(k)), str(v), str(r), str(sku), int(n), a, e, str(m), str(b)
        )
        for s, k, v, r, sku, n, a, e, m, b in rows
    ]
