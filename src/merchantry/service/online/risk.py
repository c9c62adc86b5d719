"""Refund pre-identification from memory: the request features kept up to date by events.

The batch path (:mod:`merchantry.risk.features`) computes a request's features
with window frames over the buyer's and the shop's timelines, ending one row
before the request. Here the same timelines are kept in memory, sorted, and a
request's figures are counts of what lies before it, taken with ``bisect``:

* per buyer: payment times of its orders; its claims keyed ``(requested_at,
  case_id)`` with their refund-only, 秒退 and photo flags; the closing times of
  its claims rejected with the buyer held responsible;
* per shop: payment times of its orders; its claims keyed the same way;
* per photo reference: its first use in any claim (the photo-hash index);
* per order: its first ``delivered`` time; per shop: its listing photos;
* per buyer: its ring in force (``risk_rings`` of the last ring run) and per
  identifier the ring it belongs to.

Ordering follows the batch windows exactly: an order paid at the very moment of
the request counts as before it, a claim at the same moment counts when its
case id sorts first, a rejection only when it closed strictly before. Events may
arrive out of order; counts are taken by time, so the answer depends on what
happened before the request, not on when the service heard of it.

The rules are the risk rulebook's compiled signal predicates
(:func:`merchantry.risk.rules.compile_risk_rules`), evaluated on the feature row
by :mod:`merchantry.service.online.evaluate`; bands, points and reasons come from
:func:`merchantry.risk.decisions.decide`. Nothing is re-derived by hand.
"""

from __future__ import annotations

import bisect
import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

import duckdb
import sqlglot.expressions as exp

from merchantry.risk.decisions import Decision, RiskContext, RiskRequest, combine, decide
from merchantry.risk.features import FAULT_REASONS, INSTANT_MINUTES
from merchantry.risk.model import RiskModel
from merchantry.risk.rings import IDENTIFIER_COLUMNS, ensure_ring_tables
from merchantry.risk.rules import RiskRules
from merchantry.risk.settings import RiskSettings
from merchantry.service.online.evaluate import Fn, compile_expr, date_diff
from merchantry.service.online.facts import ORDER_FIELDS, Reference, order_facts
from merchantry.service.online.rows import rows_of
from merchantry.service.online.trees import OneRowTrees, UnsupportedModel
from merchantry.store.sql import col, fill, lit, table, to_sql

REFUND_ONLY: Final = "refund_only"
_FAULT: Final = frozenset(FAULT_REASONS)
_INSTANT_SECONDS: Final = INSTANT_MINUTES * 60
_RING_IDENTIFIERS: Final = """
SELECT o.buyer_id, p_kind AS kind, o.p_column AS hash
FROM orders AS o JOIN risk_ring_members AS m USING (buyer_id)
WHERE o.p_column IS NOT NULL
"""
"""A ring member's identifiers of one kind (the kind a literal, the column a name)."""


class UnknownOrder(LookupError):
    """The request names an order the state has not seen."""


@dataclass(slots=True)
class _Claim:
    key: tuple[datetime, str]
    refund_only: int
    instant: int
    photo: int


@dataclass
class RiskState:
    """The timelines, indexes and rings a refund decision reads (see the module note)."""

    orders: dict[str, tuple[Any, ...]] = field(default_factory=dict)
    """order id -> the order's :data:`ORDER_FIELDS` values."""
    buyer_orders: dict[str, list[datetime]] = field(default_factory=dict)
    buyer_claims: dict[str, list[_Claim]] = field(default_factory=dict)
    buyer_rejections: dict[str, list[datetime]] = field(default_factory=dict)
    shop_orders: dict[str, list[datetime]] = field(default_factory=dict)
    shop_claims: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)
    image_first_use: dict[str, datetime] = field(default_factory=dict)
    listing_images: dict[str, set[str]] = field(default_factory=dict)
    delivered: dict[str, datetime] = field(default_factory=dict)
    rings: dict[str, tuple[str, int, bool]] = field(default_factory=dict)
    """buyer -> (ring id, buyers in the ring, flagged) from the ring run in force."""
    ring_identifiers: dict[tuple[str, str], str] = field(default_factory=dict)
    """(identifier kind, hash) -> ring id, for identifiers of ring members."""
    claims: set[str] = field(default_factory=set)
    """Case ids already applied (an event applied twice counts once)."""

    # --- loading -------------------------------------------------------------------------

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, ref: Reference) -> RiskState:
        """Everything from the warehouse (a read-only snapshot will do)."""
        state = cls()
        ensure_ring_tables_if_writable(con)
        cursor = con.execute(
            to_sql(
                exp.select(*[col(f) for f in ORDER_FIELDS])
                .from_(table("orders"))
                .order_by(col("paid_at"), col("order_id"))
            )
        )
        for row in rows_of(cursor):
            state._add_order(tuple(row), keep_sorted=False)
        for shop_id, product in ((p["shop_id"], p) for p in ref.products.values()):
            refs = product.get("image_refs") or ()
            if refs:
                state.listing_images.setdefault(shop_id, set()).update(refs)
        for order_id, at in rows_of(
            con.execute(
                "SELECT order_id, min(event_at) FROM logistics_events WHERE event = 'delivered' "
                "GROUP BY order_id"
            )
        ):
            state.delivered[order_id] = at
        cursor = con.execute(
            "SELECT case_id, order_id, requested_at, type, evidence_images, outcome, "
            "responsible_party, closed_at FROM after_sales ORDER BY requested_at, case_id"
        )
        for case_id, order_id, at, kind, images, outcome, party, closed in rows_of(cursor):
            state.add_claim(
                case_id, order_id, at, kind, images, outcome, party, closed, keep_sorted=False
            )
        state.load_rings(con)
        return state

    def load_rings(self, con: duckdb.DuckDBPyConnection) -> None:
        """The ring run in force: members, sizes, flags, and their identifiers."""
        if not _has_table(con, "risk_rings") or not _has_table(con, "risk_ring_members"):
            self.rings, self.ring_identifiers = {}, {}
            return
        rows = rows_of(
            con.execute(
                "SELECT m.buyer_id, r.ring_id, r.buyers, r.flagged FROM risk_ring_members AS m "
                "JOIN risk_rings AS r USING (ring_id)"
            )
        )
        self.rings = {b: (ring, int(size), bool(flag)) for b, ring, size, flag in rows}
        identifiers: dict[tuple[str, str], str] = {}
        if self.rings:
            selects = [
                fill(_RING_IDENTIFIERS, p_kind=lit(kind), p_column=column)
                for kind, column in IDENTIFIER_COLUMNS.items()
            ]
            query = functools.reduce(lambda a, b: exp.union(a, b, distinct=True), selects)
            for buyer, kind, value in rows_of(con.execute(to_sql(query))):
                identifiers[(kind, value)] = self.rings[buyer][0]
        self.ring_identifiers = identifiers

    # --- updates -------------------------------------------------------------------------

    def _add_order(self, values: tuple[Any, ...], *, keep_sorted: bool = True) -> bool:
        order_id, shop_id, buyer_id = values[0], values[1], values[2]
        if order_id in self.orders:
            return False
        self.orders[order_id] = values
        paid_at = values[5]
        for index, key in ((self.buyer_orders, buyer_id), (self.shop_orders, shop_id)):
            times = index.get(key)
            if times is None:
                index[key] = [paid_at]
            elif keep_sorted:
                bisect.insort(times, paid_at)
            else:
                times.append(paid_at)
        return True

    def add_order(self, order: Mapping[str, Any]) -> bool:
        """An order (a mapping with :data:`ORDER_FIELDS`); False when already known."""
        return self._add_order(tuple(order.get(f) for f in ORDER_FIELDS))

    def add_delivery(self, order_id: str, event: str, at: datetime) -> None:
        if event != "delivered":
            return
        known = self.delivered.get(order_id)
        if known is None or at < known:
            self.delivered[order_id] = at

    def add_claim(
        self,
        case_id: str,
        order_id: str,
        requested_at: datetime,
        kind: str,
        images: Sequence[str] | None,
        outcome: str | None,
        responsible: str | None,
        closed_at: datetime | None,
        *,
        keep_sorted: bool = True,
    ) -> bool:
        """An after-sales request; False when already known or its order is unknown."""
        order = self.orders.get(order_id)
        if order is None or case_id in self.claims:
            return False
        self.claims.add(case_id)
        shop_id, buyer_id, paid_at = order[1], order[2], order[5]
        refund_only = kind == REFUND_ONLY
        instant = refund_only and (requested_at - paid_at).total_seconds() <= _INSTANT_SECONDS
        claim = _Claim((requested_at, case_id), int(refund_only), int(instant), int(bool(images)))
        _put(self.buyer_claims, buyer_id, claim, keep_sorted, key=lambda c: c.key)
        _put(self.shop_claims, shop_id, claim.key, keep_sorted)
        for image in images or ():
            first = self.image_first_use.get(image)
            if first is None or requested_at < first:
                self.image_first_use[image] = requested_at
        if outcome == "rejected" and responsible == "buyer" and closed_at is not None:
            _put(self.buyer_rejections, buyer_id, closed_at, keep_sorted)
        return True

    def add_order_identifiers(self, order: Mapping[str, Any]) -> str | None:
        """The ring an order's identifiers point at (a link for the next ring run), if any."""
        for kind, column in IDENTIFIER_COLUMNS.items():
            value = order.get(column)
            if value is not None and (kind, value) in self.ring_identifiers:
                return self.ring_identifiers[(kind, value)]
        return None

    def finish_loading(self) -> None:
        """Sort the timelines appended out of order while loading."""
        for index in (self.buyer_orders, self.shop_orders, self.buyer_rejections):
            for times in index.values():
                times.sort()
        for claims in self.buyer_claims.values():
            claims.sort(key=lambda c: c.key)
        for keys in self.shop_claims.values():
            keys.sort()

    # --- features ------------------------------------------------------------------------

    def features(self, request: RiskRequest, ref: Reference) -> dict[str, Any]:
        """The feature row of ``request`` as of its arrival (names as ``_risk_features``)."""
        order = self.orders.get(request.order_id)
        if order is None:
            raise UnknownOrder(f"order {request.order_id} of request {request.case_id} is unknown")
        values = dict(zip(ORDER_FIELDS, order, strict=True))
        shop_id, buyer_id, paid_at = order[1], order[2], order[5]
        at, key = request.requested_at, (request.requested_at, request.case_id)
        row = order_facts(values, ref)
        row.update(
            case_id=request.case_id,
            order_id=request.order_id,
            buyer_id=buyer_id,
            shop_id=shop_id,
            requested_at=at,
            request_type=request.type,
            request_reason=request.reason_code,
        )
        prior_orders = bisect.bisect_right(self.buyer_orders.get(buyer_id, ()), at)
        claims = self.buyer_claims.get(buyer_id, ())
        before = bisect.bisect_left(claims, key, key=lambda c: c.key)
        refund_only = instant = photo = 0
        for claim in claims[:before]:
            refund_only += claim.refund_only
            instant += claim.instant
            photo += claim.photo
        rejected = bisect.bisect_left(self.buyer_rejections.get(buyer_id, ()), at)
        ring = self.rings.get(buyer_id)
        images = request.evidence_images
        distinct = set(images)
        reused = sum(
            1 for i in distinct if (first := self.image_first_use.get(i)) is not None and first < at
        )
        listing = len(distinct & self.listing_images.get(shop_id, set()))
        delivered = self.delivered.get(request.order_id)
        before_delivery = delivered is None or delivered > at
        is_refund_only = request.type == REFUND_ONLY
        fault = request.reason_code in _FAULT
        shop_orders = bisect.bisect_right(self.shop_orders.get(shop_id, ()), at)
        shop_claims = bisect.bisect_left(self.shop_claims.get(shop_id, ()), key)
        row.update(
            buyer_prior_orders=prior_orders,
            buyer_prior_claims=before,
            buyer_refund_only_rate_bp=_rate_bp(refund_only, prior_orders),
            buyer_instant_refunds=instant,
            buyer_rejected_claims=rejected,
            buyer_photo_claims=photo,
            ring_size=ring[1] if ring else 1,
            ring_flagged=int(ring[2]) if ring else 0,
            evidence_images=len(images),
            reused_images=reused,
            listing_images=listing,
            image_flags=0,
            request_amount_fen=request.amount_fen,
            minutes_since_payment=date_diff("minute", paid_at, at),
            hours_since_delivery=(
                date_diff("hour", delivered, at)
                if delivered is not None and delivered <= at
                else None
            ),
            before_delivery=int(before_delivery),
            fault_claim_before_delivery=int(before_delivery and is_refund_only and fault),
            refund_only=int(is_refund_only),
            merchant_fault_reason=int(fault),
            shop_prior_orders=shop_orders,
            shop_claim_rate_bp=_rate_bp(shop_claims, shop_orders),
        )
        return row


def _rate_bp(part: int, whole: int) -> int:
    """``part * 10000 // whole`` in basis points, 0 without a whole (as the batch SQL)."""
    return 0 if whole == 0 else part * 10000 // whole


def _put(
    index: dict[str, list[Any]], owner: str, item: Any, keep_sorted: bool, **sort: Any
) -> None:
    items = index.get(owner)
    if items is None:
        index[owner] = [item]
    elif keep_sorted:
        bisect.insort(items, item, **sort)
    else:
        items.append(item)


def _has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    row = con.execute(
        "SELECT count(*) FROM information_schema.tables WHERE table_name = ?", [name]
    ).fetchone()
    return bool(row and row[0])


def ensure_ring_tables_if_writable(con: duckdb.DuckDBPyConnection) -> None:
    """Ring tables exist once a ring run happened; a writable warehouse gets empty ones."""
    try:
        ensure_ring_tables(con)
    except duckdb.Error:  # a read-only snapshot: missing tables read as "no rings"
        return


@dataclass(frozen=True)
class RiskDecider:
    """Compiled risk rules, settings and model: decides from a feature row."""

    rules: RiskRules
    settings: RiskSettings
    model: RiskModel | None
    signals: tuple[Fn, ...]
    trees: OneRowTrees | None
    """The model's trees for one-row scoring (``None``: no model, or scikit-learn's path)."""

    @classmethod
    def build(
        cls, rules: RiskRules, settings: RiskSettings, model: RiskModel | None
    ) -> RiskDecider:
        compiled = tuple(
            compile_expr(exp.func("coalesce", s.predicate.copy(), exp.false()))
            for s in rules.signals
        )
        trees = None
        if model is not None:
            try:
                trees = OneRowTrees(model)
            except UnsupportedModel:
                trees = None
        return cls(rules, settings, model, compiled, trees)

    def decide(self, request: RiskRequest, features: Mapping[str, Any]) -> Decision:
        """The decision: matched signals, the model's probability, bands and reasons."""
        matched = tuple(bool(fn(features)) for fn in self.signals)
        if self.model is not None and self.trees is not None:
            probability = self.trees.probability_of(features)
            return combine(
                self.rules,
                self.settings,
                request.case_id,
                matched,
                probability,
                self.model.version,
            )
        context = RiskContext(self.rules, self.settings, self.model, features, matched)
        return decide(request, context)
