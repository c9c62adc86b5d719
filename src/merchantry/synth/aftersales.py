"""After-sales cases and reviews, following from each order's cause and journey.

The reason a buyer picks matches the cause that was drawn (a sizing problem
gives ``wrong_size``, a ring claim a quality-sounding reason backed by images
the ring reuses); ratings fall when something went wrong. A case asked after
the end of the data window does not exist yet; one that would close after it
is still ``open``.
"""

from __future__ import annotations

import dataclasses
from typing import Final

import numpy as np
import pyarrow as pa

from merchantry.synth import texts
from merchantry.synth.buyers import EVIDENCE_RING_BASE, GRADE, RING_IMAGES, SALT_EVIDENCE
from merchantry.synth.fulfilment import CAUSE, NONE, Journey
from merchantry.synth.orders import OrderBatch, timestamps
from merchantry.synth.population import Population
from merchantry.synth.vector import (
    IntArray,
    blank_where,
    choose,
    choose_rows,
    concat_text,
    hex_strings,
    ids,
    mix,
    pick,
    round_share,
)

REASONS: Final = (
    "quality",
    "not_as_described",
    "wrong_size",
    "damaged",
    "wrong_item",
    "late_delivery",
    "fake_product",
    "changed_mind",
    "other",
)
TYPES: Final = ("refund_only", "return_refund", "exchange")
OUTCOMES: Final = ("open", "approved", "rejected", "withdrawn")
PARTIES: Final = ("merchant", "logistics", "buyer", "platform", "undetermined")

_TYPE_BY_CAUSE: Final = np.cumsum(
    np.array(
        [
            (1.00, 0.00, 0.00),  # instant
            (1.00, 0.00, 0.00),  # ring
            (0.15, 0.85, 0.00),  # changed_mind
            (0.40, 0.50, 0.10),  # quality
            (0.30, 0.65, 0.05),  # not_as_described
            (0.05, 0.55, 0.40),  # wrong_size
            (0.55, 0.35, 0.10),  # damaged
            (0.20, 0.40, 0.40),  # wrong_item
            (1.00, 0.00, 0.00),  # late_delivery
            (0.30, 0.70, 0.00),  # fake_product
            (0.50, 0.50, 0.00),  # other
            (0.50, 0.50, 0.00),  # abuse (drawn again per grade below)
        ]
    ),
    axis=1,
)
_REASON_BY_CAUSE: Final = np.array([7, -1, 7, 0, 1, 2, 3, 4, 5, 6, 8, -1])
"""Reason code index per cause; a ring's or lone abuser's (-1) is drawn below."""
_PARTY_BY_CAUSE: Final = np.array([2, 0, 2, 0, 0, 2, 1, 0, 0, 0, 2, 0])
_CAREFUL_REASONS: Final = np.array([0, 1, 2, 3, 4])
"""A careful abuser spreads its claims evenly over the quality-like reasons."""
_MIMIC_REASONS: Final = np.array([0, 2, 3, 1])
_MIMIC_WEIGHTS: Final = (0.35, 0.30, 0.20, 0.15)
"""A mimic's reasons follow honest claims: quality, size, damage, not as described."""
_EVIDENCE_CAUSES: Final = np.array(
    [
        CAUSE[c]
        for c in (
            "quality",
            "not_as_described",
            "damaged",
            "wrong_item",
            "fake_product",
            "wrong_size",
            "abuse",
        )
    ]
)
_RESOLVE_HOURS: Final = np.array([0.05, 24.0, 96.0])
"""Typical hours to close: refund-only, return-refund, exchange."""

_REASON_FLAT = [t for r in REASONS for t in texts.REASON_TEXTS[r]]
_REASON_START = np.cumsum([0] + [len(texts.REASON_TEXTS[r]) for r in REASONS])[:-1]
_REASON_LEN = np.array([len(texts.REASON_TEXTS[r]) for r in REASONS])


def draw_cases(
    rng: np.random.Generator,
    pop: Population,
    batch: OrderBatch,
    journey: Journey,
    end: int,
) -> tuple[pa.Table, Journey]:
    """The after_sales rows, and the journey without receipts that refunds pre-empted."""
    rows = np.flatnonzero(journey.cause < NONE)
    cause = journey.cause[rows]
    m = rows.size
    hour = 3600
    paid = batch.paid[rows]
    shipped = journey.shipped[rows]
    delivered = journey.delivered[rows]

    after_delivery = delivered + rng.exponential(36.0 * hour, m).astype(np.int64)
    before_ship = paid + np.maximum(
        (rng.uniform(0.05, 0.9, m) * np.maximum(shipped - paid, 600)).astype(np.int64), 60
    )
    requested = np.where(shipped < 0, before_ship, after_delivery)
    instant = cause == CAUSE["instant"]
    requested = np.where(instant, paid + rng.integers(30, 900, m), requested)
    late = cause == CAUSE["late_delivery"]
    pick_mid = (shipped + journey.picked_up[rows]) // 2
    requested = np.where(late, pick_mid, requested)

    exists = requested < end
    rows, cause, requested, paid = rows[exists], cause[exists], requested[exists], paid[exists]
    m = rows.size
    instant = cause == CAUSE["instant"]
    late = cause == CAUSE["late_delivery"]
    kind = np.where(journey.shipped[rows] < 0, 0, choose_rows(rng, _TYPE_BY_CAUSE, cause)).astype(
        np.int64
    )
    ring = cause == CAUSE["ring"]
    grade = pop.buyers.grade[batch.buyer[rows]]
    careful = (cause == CAUSE["abuse"]) & (grade == GRADE["careful"])
    mimic = (cause == CAUSE["abuse"]) & ~careful
    reason = _REASON_BY_CAUSE[cause]
    reason = np.where(ring, np.array([0, 1, 3])[choose(rng, (5, 3, 2), m)], reason)
    reason = np.where(careful, _CAREFUL_REASONS[rng.integers(0, _CAREFUL_REASONS.size, m)], reason)
    reason = np.where(mimic, _MIMIC_REASONS[choose(rng, _MIMIC_WEIGHTS, m)], reason)
    shipped_rows = journey.shipped[rows] >= 0
    kind = np.where(careful & shipped_rows, np.where(rng.random(m) < 0.6, 0, 1), kind)
    kind = np.where(mimic & shipped_rows, np.where(rng.random(m) < 0.3, 0, 1), kind)

    amount_paid = batch.amount_paid[rows]
    partial = (kind == 0) & np.isin(reason, [0, 3]) & (rng.random(m) < 0.3) & ~ring
    amount = np.where(partial, round_share(amount_paid, rng.integers(30, 71, m) * 100), amount_paid)
    amount = np.where(kind == 2, 0, amount).astype(np.int64)

    outcome = 1 + choose(rng, (0.82, 0.08, 0.10), m)
    outcome = np.where(instant | ring, np.where(rng.random(m) < 0.92, 1, 3), outcome)
    hours = _RESOLVE_HOURS[kind] * rng.lognormal(0.0, 0.6, m)
    closed = requested + np.maximum((hours * hour).astype(np.int64), 10)
    closed = np.where(instant, requested + rng.integers(10, 300, m), closed)
    still_open = closed >= end
    outcome = np.where(still_open, 0, outcome).astype(np.int64)

    party = _PARTY_BY_CAUSE[cause]
    sizing_sku = pop.sku_sizing[batch.sku[rows]]
    party = np.where((cause == CAUSE["wrong_size"]) & sizing_sku & (rng.random(m) < 0.6), 0, party)
    party = np.where((cause == CAUSE["damaged"]) & (rng.random(m) < 0.3), 0, party)
    party = np.where(ring & (rng.random(m) < 0.3), 4, party)
    party = np.where(outcome == 2, 2, np.where(outcome == 0, 4, party)).astype(np.int64)

    escalated = rng.random(m) < np.where(outcome == 2, 0.30, 0.04)
    approved = outcome == 1
    compensation = np.where(
        approved & late,
        rng.integers(3, 11, m) * 100,
        np.where(approved & (cause == CAUSE["fake_product"]), amount_paid, 0),
    )
    compensation = np.where(
        approved & (cause == CAUSE["damaged"]) & (rng.random(m) < 0.2),
        rng.integers(5, 21, m) * 100,
        compensation,
    ).astype(np.int64)

    text_index = _REASON_START[reason] + rng.integers(0, 1 << 30, m) % _REASON_LEN[reason]
    has_text = rng.random(m) < 0.85
    suffix = pick(texts.REASON_SUFFIXES, rng.integers(0, len(texts.REASON_SUFFIXES), m))
    reason_text = blank_where(concat_text(pick(_REASON_FLAT, text_index), suffix), ~has_text)

    case_keys = batch.day * 100_000_000 + rows
    evidence = _draw_evidence(rng, pop, batch, rows, cause, ring, case_keys)

    # A refund or return that went ahead (or is pending) pre-empts the receipt.
    preempt = np.zeros(batch.size, dtype=bool)
    preempt[rows] = (kind < 2) & (outcome <= 1) & (requested < journey.confirmed[rows])
    confirmed = np.where(preempt, np.int64(-1), journey.confirmed)

    table = pa.table(
        {
            "case_id": ids(f"AS{batch.tag}", rows + 1, 8),
            "order_id": batch.order_ids.take(pa.array(rows)),
            "requested_at": timestamps(requested),
            "type": pick(TYPES, kind),
            "reason_code": pick(REASONS, reason),
            "reason_text": reason_text,
            "evidence_images": evidence,
            "amount_fen": pa.array(amount, pa.int64()),
            "compensation_fen": pa.array(compensation, pa.int64()),
            "outcome": pick(OUTCOMES, outcome),
            "responsible_party": pick(PARTIES, party),
            "closed_at": pa.array(closed * 1_000_000, pa.timestamp("us"), mask=still_open),
            "escalated": pa.array(escalated),
        }
    )
    return table, dataclasses.replace(journey, confirmed=confirmed)


def _draw_evidence(
    rng: np.random.Generator,
    pop: Population,
    batch: OrderBatch,
    rows: IntArray,
    cause: IntArray,
    ring: np.ndarray,
    case_keys: IntArray,
) -> pa.Array:
    """Evidence photo refs: fresh per honest claim, recycled within a ring."""
    m = rows.size
    has = ring | (np.isin(cause, _EVIDENCE_CAUSES) & (rng.random(m) < 0.7))
    count = np.where(has, rng.integers(1, 4, m), 0)
    offsets = np.concatenate([[0], np.cumsum(count)]).astype(np.int32)
    total = int(offsets[-1])
    owner = np.repeat(np.arange(m), count)
    slot = np.arange(total) - offsets[:-1][owner]
    ring_no = pop.buyers.ring[batch.buyer[rows]][owner]
    ring_key = EVIDENCE_RING_BASE + ring_no * RING_IMAGES + rng.integers(0, RING_IMAGES, total)
    honest_key = case_keys[owner] * 4 + slot
    keys = np.where(ring[owner], ring_key, honest_key)
    names = concat_text(
        pa.array(np.full(total, "ev/", dtype=object), pa.string()),
        hex_strings(mix(keys, SALT_EVIDENCE)),
        pa.array(np.full(total, ".jpg", dtype=object), pa.string()),
    )
    return pa.ListArray.from_arrays(pa.array(offsets), names, mask=pa.array(~has))


_GOOD = (texts.REVIEW_OPENERS_GOOD, texts.REVIEW_BODIES_GOOD, texts.REVIEW_CLOSERS_GOOD)
_MID = (texts.REVIEW_OPENERS_MID, texts.REVIEW_BODIES_MID, texts.REVIEW_CLOSERS_MID)
_BAD = (texts.REVIEW_OPENERS_BAD, texts.REVIEW_BODIES_BAD, texts.REVIEW_CLOSERS_BAD)
_BAD_CAUSES: Final = np.array(
    [
        CAUSE[c]
        for c in ("ring", "quality", "not_as_described", "damaged", "wrong_item", "fake_product")
    ]
)
_RATING_CDF: Final = np.cumsum(
    np.array(
        [
            (0.02, 0.02, 0.06, 0.18, 0.72),  # nothing went wrong
            (0.55, 0.30, 0.10, 0.04, 0.01),  # a quality-type problem
            (0.10, 0.25, 0.35, 0.20, 0.10),  # wrong size, late
            (0.15, 0.15, 0.25, 0.25, 0.20),  # poor-quality shop, no case
        ]
    ),
    axis=1,
)


def draw_reviews(
    rng: np.random.Generator, pop: Population, batch: OrderBatch, journey: Journey, end: int
) -> pa.Table:
    """Reviews written after delivery; ratings track what went wrong."""
    n = batch.size
    delivered = journey.delivered
    cause = journey.cause
    trouble = cause < NONE
    writes = (delivered >= 0) & (rng.random(n) < np.where(trouble, 0.45, 0.22))
    created = delivered + rng.exponential(40.0 * 3600, n).astype(np.int64)
    rows = np.flatnonzero(writes & (created < end))
    m = rows.size
    c = cause[rows]
    profile = np.where(
        np.isin(c, _BAD_CAUSES),
        1,
        np.where(np.isin(c, [CAUSE["wrong_size"], CAUSE["late_delivery"]]), 2, 0),
    )
    poor = pop.shop_quality[batch.shop[rows]] > 1.0
    profile = np.where((profile == 0) & poor & (rng.random(m) < 0.5), 3, profile)
    rating = 1 + choose_rows(rng, _RATING_CDF, profile)

    waited = (delivered[rows] - batch.paid[rows]) / 3600.0
    logistics = np.clip(5 - np.floor(np.maximum(waited - 48.0, 0.0) / 36.0), 1, 5)
    logistics = np.where(rng.random(m) < 0.15, np.clip(logistics - 1, 1, 5), logistics)
    no_logistics = rng.random(m) < 0.1

    tone = np.where(rating >= 4, 0, np.where(rating == 3, 1, 2))
    text = _compose(rng, tone)
    silent = rng.random(m) < 0.2
    text = blank_where(text, silent)
    return pa.table(
        {
            "review_id": ids(f"R{batch.tag}", rows + 1, 8),
            "order_id": batch.order_ids.take(pa.array(rows)),
            "rating": pa.array(rating, pa.int32()),
            "logistics_rating": pa.array(logistics.astype(np.int64), pa.int32(), mask=no_logistics),
            "text": text,
            "created_at": timestamps(created[rows]),
        }
    )


def _compose(rng: np.random.Generator, tone: IntArray) -> pa.Array:
    """Review sentences: opener + body + closer, from the fragments of the tone."""
    m = tone.size
    parts = []
    for position in range(3):
        groups = [_GOOD[position], _MID[position], _BAD[position]]
        flat = [t for g in groups for t in g]
        starts = np.cumsum([0] + [len(g) for g in groups])[:-1]
        sizes = np.array([len(g) for g in groups])
        index = starts[tone] + rng.integers(0, 1 << 30, m) % sizes[tone]
        parts.append(pick(flat, index))
    return concat_text(*parts)
