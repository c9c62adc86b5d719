"""Recommendation governance for integrators: the post-purchase filter.

``POST /v1/reco/filter`` takes a buyer (their recent orders are read from the
warehouse's published snapshot once per worker, then held in memory; orders posted for them
as events since count at once) and/or the
purchases the recommender knows of, and the candidates it wants to show; it answers
the kept list and each removed candidate with its rule and the purchase it matched.
The catalogue (listings and their near-duplicate clusters) is loaded once per worker
and rulebook.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from merchantry.api.auth import Principal, require_scope
from merchantry.api.body import Body
from merchantry.api.docs import ok
from merchantry.api.settings import ServiceSettings
from merchantry.api.times import PLATFORM, RequestTime, platform_time
from merchantry.api.warehouse import reading
from merchantry.reco.settings import DEFAULT_RULEBOOK, RecoSettings, load_settings
from merchantry.reco.similarity import Listing, parse_attributes, parse_phash
from merchantry.reco.suppression import Candidate, Catalogue, Purchase, filter_candidates
from merchantry.reco.warehouse import load_catalogue
from merchantry.service.online.service import NotReady

router = APIRouter(prefix="/v1", tags=["recommendation"])

MAX_CANDIDATES = 5_000
MAX_PURCHASES = 1_000

FILTER_EXAMPLE: dict[str, Any] = {
    "buyer_id": "B000001361",
    "purchases": [
        {"sku_id": "K00000989", "purchased_at": "2026-10-01T10:47:03", "order_id": "O000000123"}
    ],
    "candidates": [
        {"sku_id": "K00000989"},
        {"sku_id": "K00003786"},
        {"sku_id": "K00003790"},
        {
            "sku_id": "K99000001",
            "category_id": "C03009",
            "title": "【新】【厂家直发】保暖内衣高性价比",
            "price_fen": 6590,
            "brand": "森禾",
            "attributes": ["material=羊毛", "size=M"],
            "image_phash": "c3a1f0e2d4b59687",
        },
    ],
    "at": "2026-10-05T00:00:00",
}


class PurchaseIn(Body):
    sku_id: str = Field(min_length=1, max_length=64)
    purchased_at: RequestTime = Field(description="Payment time (platform local time if naive).")
    order_id: str | None = Field(default=None, max_length=64)


class CandidateIn(Body):
    """A candidate SKU; its listing fields only when the catalogue may not know it yet."""

    model_config = ConfigDict(extra="forbid")

    sku_id: str = Field(min_length=1, max_length=64)
    category_id: str | None = Field(default=None, max_length=64)
    title: str | None = Field(default=None, max_length=500)
    price_fen: int | None = Field(default=None, ge=0, le=10**12)
    spu_id: str | None = Field(default=None, max_length=64)
    brand: str | None = Field(default=None, max_length=64)
    attributes: list[str] = Field(default=[], max_length=50)
    image_phash: str | None = Field(
        default=None, pattern=r"^[0-9a-fA-F]{16}$", description="64-bit pHash, 16 hex digits."
    )


class FilterIn(Body):
    """Who the feed is for and what the recommender wants to show."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [FILTER_EXAMPLE]})

    buyer_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=64,
        description="Buyer: their orders in the warehouse count as purchases.",
    )
    purchases: list[PurchaseIn] = Field(default=[], max_length=MAX_PURCHASES)
    candidates: list[CandidateIn] = Field(min_length=1, max_length=MAX_CANDIDATES)
    at: RequestTime | None = Field(default=None, description="Moment of the request (default now).")
    rulebook: str = Field(default=DEFAULT_RULEBOOK, min_length=1, max_length=128)


class RemovalOut(BaseModel):
    sku_id: str
    rule_id: str = Field(
        description="Window rule that withheld it, e.g. reco-2026:window_days_apparel."
    )
    path: str = Field(description="self, same_spu, image, title, variant or cluster.")
    detail: str
    purchase_sku_id: str
    purchase_order_id: str | None
    purchased_at: datetime
    window_days: int
    until: datetime = Field(description="When it may be shown again.")


FILTER_OUT_EXAMPLE: dict[str, Any] = {
    "rulebook": "reco-2026",
    "kept": ["K00003790"],
    "removed": [
        {
            "sku_id": "K00000989",
            "rule_id": "reco-2026:window_days_apparel",
            "path": "self",
            "detail": "the SKU the buyer bought",
            "purchase_sku_id": "K00000989",
            "purchase_order_id": "O000000123",
            "purchased_at": "2026-10-01T10:47:03",
            "window_days": 30,
            "until": "2026-10-31T10:47:03",
        }
    ],
    "unknown_candidates": [],
    "unknown_purchases": [],
}


class FilterOut(BaseModel):
    """Kept candidates in their order; every removal with its rule and matched purchase."""

    model_config = ConfigDict(json_schema_extra={"examples": [FILTER_OUT_EXAMPLE]})

    rulebook: str
    kept: list[str]
    removed: list[RemovalOut]
    unknown_candidates: list[str] = Field(description="Kept; the catalogue does not know them.")
    unknown_purchases: list[str] = Field(description="Purchased SKUs the catalogue does not know.")


class _RecoState:
    """Per-worker catalogue and recent purchases, loaded once per rulebook."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded: dict[str, tuple[RecoSettings, Catalogue, dict[str, list[Purchase]]]] = {}

    def get(
        self, settings: ServiceSettings, rulebook: str
    ) -> tuple[RecoSettings, Catalogue, dict[str, list[Purchase]]]:
        with self.lock:
            found = self.loaded.get(rulebook)
            if found is None:
                reco = load_settings(rulebook, tuple(settings.rulebook_dirs))
                with reading(settings.warehouse) as con:
                    catalogue, _ = load_catalogue(con, reco)
                    catalogue.warm()
                    longest = max([*reco.windows.values(), 0])
                    rows = con.execute(
                        "SELECT buyer_id, sku_id, paid_at, order_id FROM orders WHERE paid_at > "
                        "(SELECT max(paid_at) FROM orders) - to_days(?::INTEGER) ORDER BY paid_at",
                        [longest],
                    ).fetchall()
                purchases: dict[str, list[Purchase]] = {}
                for buyer, sku, paid, order in rows:
                    purchases.setdefault(str(buyer), []).append(
                        Purchase(str(sku), paid, str(order))
                    )
                found = self.loaded[rulebook] = (reco, catalogue, purchases)
            return found


def _state(request: Request) -> _RecoState:
    state = getattr(request.app.state, "reco", None)
    if state is None:
        state = request.app.state.reco = _RecoState()
    return state


def _posted(request: Request, buyer_id: str) -> list[Purchase]:
    """The buyer's orders posted as events (``POST /v1/events/orders``) since this worker's
    real-time state was built: they count at once, before any snapshot holds them."""
    online = getattr(request.app.state, "online", None)
    if online is None:
        return []
    try:
        posted = online.posted_purchases(buyer_id)
    except NotReady:
        return []
    return [Purchase(sku, _naive(paid), order) for order, sku, paid in posted]


def _naive(value: datetime) -> datetime:
    return platform_time(value)


def _candidate(c: CandidateIn) -> Candidate:
    if c.category_id is None or c.title is None or c.price_fen is None:
        return Candidate(c.sku_id)
    listing = Listing(
        c.sku_id,
        c.category_id,
        c.title,
        c.price_fen,
        spu_id=c.spu_id,
        brand=c.brand,
        attributes=parse_attributes(c.attributes),
        image_phash=parse_phash(c.image_phash),
    )
    return Candidate(c.sku_id, listing)


@router.post(
    "/reco/filter",
    response_model=FilterOut,
    responses=ok(FILTER_OUT_EXAMPLE),
    summary="Post-purchase filter: withhold bought items and their near-duplicates",
)
def filter_feed(
    payload: FilterIn,
    request: Request,
    _principal: Annotated[Principal, Depends(require_scope("reco:filter"))],
) -> FilterOut:
    """A read (nothing is written, so no Idempotency-Key): the buyer's recent orders plus
    the given purchases, against the candidates, under the rulebook's windows."""
    reco, catalogue, recent = _state(request).get(request.app.state.settings, payload.rulebook)
    now = _naive(payload.at) if payload.at else datetime.now(PLATFORM).replace(tzinfo=None)
    purchases = [Purchase(p.sku_id, _naive(p.purchased_at), p.order_id) for p in payload.purchases]
    if payload.buyer_id is not None:
        try:
            earliest = now - timedelta(days=max([*reco.windows.values(), 0]))
        except OverflowError:
            earliest = datetime.min
        held = recent.get(payload.buyer_id, []) + _posted(request, payload.buyer_id)
        seen = {p.order_id for p in purchases if p.order_id is not None}
        for p in held:
            if earliest < p.purchased_at <= now and (p.order_id is None or p.order_id not in seen):
                purchases.append(p)
                if p.order_id is not None:
                    seen.add(p.order_id)
    result = filter_candidates(
        purchases, [_candidate(c) for c in payload.candidates], catalogue, reco, now
    )
    return FilterOut(
        rulebook=reco.rulebook,
        kept=result.kept,
        removed=[
            RemovalOut(
                sku_id=r.sku_id,
                rule_id=r.rule_id,
                path=r.path,
                detail=r.detail,
                purchase_sku_id=r.purchase_sku_id,
                purchase_order_id=r.purchase_order_id,
                purchased_at=r.purchased_at,
                window_days=r.window_days,
                until=r.until,
            )
            for r in result.removed
        ],
        unknown_candidates=result.unknown_candidates,
        unknown_purchases=result.unknown_purchases,
    )
