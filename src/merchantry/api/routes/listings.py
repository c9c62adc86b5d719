"""Pre-publish check of one listing: block, warn or publish, with each finding's evidence.

The checker (the listing rulebook, brand authorisations, price bands, the copy index of the
listings already published, shop restrictions and banned or taken-down listings) is built from
the warehouse's published snapshot once per worker and rulebook, then held in memory: a check
costs the listing's own detectors and one index query. Restrictions and take-downs recorded
after it was built arrive as governance notices in the operational inbox, which the worker's
pulse follows (:mod:`merchantry.service.listing_notices`): each check first applies the new
ones. A merchant key checks listings of its own shop only; an operator key any shop.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field

from merchantry.api.auth import Principal, require_scope, require_shop
from merchantry.api.body import Body
from merchantry.api.docs import EXAMPLE_SHOP, ShopId, ok
from merchantry.api.warehouse import reading
from merchantry.listings.check import Finding
from merchantry.listings.claims import Listing, parse_composition
from merchantry.listings.holds import HeldRefusal
from merchantry.listings.rulebook import DEFAULT_RULEBOOK, load_listing_rulebook
from merchantry.listings.usecases import PrepublishChecker, prepublish_checker
from merchantry.reco.similarity import parse_phash
from merchantry.service.inbox import snapshot_mark
from merchantry.service.listing_notices import catch_up

router = APIRouter(prefix="/v1", tags=["listings"])

LISTING_EXAMPLE: dict[str, Any] = {
    "sku_id": "NEW-1",
    "title": "纯羊绒围巾女冬季保暖",
    "price_fen": 19900,
    "category_id": "C03009",
    "industry": "apparel",
    "brand": None,
    "composition": "羊毛:80;涤纶:20",
    "ship_from": "浙江",
    "net_count": None,
    "count_unit": None,
    "subsidy_label": False,
    "image_phash": None,
    "captions": [],
    "presale": False,
    "rulebook": DEFAULT_RULEBOOK,
}
RESULT_EXAMPLE: dict[str, Any] = {
    "shop_id": EXAMPLE_SHOP,
    "sku_id": "NEW-1",
    "decision": "block",
    "rulebook": DEFAULT_RULEBOOK,
    "findings": [
        {
            "kind": "material_claim",
            "rule_id": "listing.material",
            "outcome": "block",
            "points": 10,
            "violation": "false_advertising",
            "evidence": "title says 羊绒; the stated composition (羊毛 80%、涤纶 20%) has no 羊绒",
            "original_sku_id": None,
        }
    ],
    "refusals": [],
    "held": [],
}
HELD_EXAMPLE: dict[str, Any] = {
    "sku_id": "SKU000120",
    "outcome": "ban",
    "rule_id": "listing.material",
    "violation_id": "LV-3f2a9c81d0e4b7a6",
    "case_id": "RC-9b1d2e3f4a5c6d7e",
    "match": "same SKU",
    "reason": "same SKU as SKU000120: SKU000120 of shop S000001 is banned (商品封禁) since "
    "2026-07-20 10:00 for listing.material (offence 3, LV-3f2a9c81d0e4b7a6); a banned listing "
    "and its near-copies stay off sale while the ban stands; appeal: case RC-9b1d2e3f4a5c6d7e",
}


class ListingIn(Body):
    """A listing about to be published: its title and what the merchant states about it."""

    model_config = ConfigDict(json_schema_extra={"examples": [LISTING_EXAMPLE]})

    sku_id: str = Field("NEW", min_length=1, max_length=64)
    title: str = Field(min_length=1, max_length=200)
    price_fen: int = Field(ge=0, le=10**12)
    category_id: str = Field("", max_length=64)
    industry: str = Field("", max_length=64)
    brand: str | None = Field(None, max_length=64)
    composition: str | None = Field(
        None,
        max_length=500,
        description="`material:share;…` in whole percent, e.g. 羊绒:30;羊毛:70",
    )
    ship_from: str | None = Field(None, max_length=64)
    net_count: int | None = Field(None, ge=0, le=10**9)
    count_unit: str | None = Field(None, max_length=16)
    subsidy_label: bool = False
    image_phash: str | None = Field(None, description="Main image perceptual hash, 16 hex digits.")
    captions: list[str] = Field(default_factory=list, max_length=50)
    presale: bool = Field(False, description="A presale listing (预售).")
    rulebook: str = Field(DEFAULT_RULEBOOK, max_length=64, pattern=r"^[a-z0-9][a-z0-9\-]*$")


class FindingOut(BaseModel):
    kind: str
    rule_id: str
    outcome: str
    points: int
    violation: str | None
    evidence: str
    original_sku_id: str | None

    @classmethod
    def of(cls, f: Finding) -> FindingOut:
        return cls(
            kind=f.kind.value,
            rule_id=f.rule_id,
            outcome=f.outcome.value,
            points=f.points,
            violation=f.violation,
            evidence=f.evidence,
            original_sku_id=f.original_sku_id,
        )


class HeldOut(BaseModel):
    """A banned or taken-down listing the new one resubmits, and the case to appeal it."""

    model_config = {"json_schema_extra": {"examples": [HELD_EXAMPLE]}}

    sku_id: str = Field(description="The banned or taken-down listing.")
    outcome: str = Field(description="`ban` or `take_down`.")
    rule_id: str
    violation_id: str
    case_id: str = Field(description="The case through which the merchant appeals it.")
    match: str = Field(description="`same SKU`, or how alike the title or main image is.")
    reason: str

    @classmethod
    def of(cls, r: HeldRefusal) -> HeldOut:
        h = r.held
        return cls(
            sku_id=h.sku_id,
            outcome=h.outcome.value,
            rule_id=h.rule_id,
            violation_id=h.violation_id,
            case_id=h.case_id,
            match=r.match,
            reason=r.reason,
        )


class PrepublishOut(BaseModel):
    shop_id: str
    sku_id: str
    decision: str = Field(description="`block`, `warn` or `publish`.")
    rulebook: str
    findings: list[FindingOut]
    refusals: list[str] = Field(
        default_factory=list,
        description="Restrictions on the shop that refuse the listing (suspended, closed, "
        "presale closed), from repeat offences.",
    )
    held: list[HeldOut] = Field(
        default_factory=list,
        description="Banned listings (or a taken-down one, unchanged) that the listing "
        "resubmits: the same SKU, or the same shop's near-copy. Each refuses it.",
    )


class _Checkers:
    """Per-worker checkers, one per rulebook, built from the published snapshot."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.loaded: dict[str, PrepublishChecker] = {}

    def get(self, request: Request, rulebook: str) -> PrepublishChecker:
        """The rulebook's checker, with the governance notices recorded since applied."""
        with self.lock:
            found = self.loaded.get(rulebook)
            if found is None:
                book = load_listing_rulebook(rulebook)
                with reading(request.app.state.settings.warehouse) as con:
                    found = prepublish_checker(
                        book, con=con, today=date.today(), seq=snapshot_mark(con)
                    )
                self.loaded[rulebook] = found
            catch_up(found, request.app.state.pulse)
            return found


def _checkers(request: Request) -> _Checkers:
    state = getattr(request.app.state, "listings", None)
    if state is None:
        state = request.app.state.listings = _Checkers()
    return state


@router.post(
    "/shops/{shop_id}/listings/check",
    response_model=PrepublishOut,
    summary="Pre-publish check of one listing: block, warn or publish",
    responses=ok(RESULT_EXAMPLE),
)
def check_listing(
    shop_id: ShopId,
    payload: ListingIn,
    request: Request,
    principal: Annotated[Principal, Depends(require_scope("listings:check"))],
) -> PrepublishOut:
    """A read (nothing is written, so no Idempotency-Key): the listing against every rule of
    the listing rulebook and against the listings other shops published before."""
    require_shop(principal, shop_id, "check listings")
    listing = Listing(
        sku_id=payload.sku_id,
        shop_id=shop_id,
        title=payload.title,
        price_fen=payload.price_fen,
        category_id=payload.category_id,
        industry=payload.industry,
        brand=payload.brand,
        composition=parse_composition(payload.composition, "composition")
        if payload.composition is not None
        else None,
        ship_from=payload.ship_from,
        net_count=payload.net_count,
        count_unit=payload.count_unit,
        subsidy_label=payload.subsidy_label,
        image_phash=parse_phash(payload.image_phash, "image_phash"),
        captions=tuple(payload.captions),
        presale=payload.presale,
    )
    # a notice applied meanwhile by another request swaps whole indexes: no lock needed
    result = _checkers(request).get(request, payload.rulebook).check(listing)
    return PrepublishOut(
        shop_id=shop_id,
        sku_id=listing.sku_id,
        decision=result.decision,
        rulebook=payload.rulebook,
        findings=[FindingOut.of(f) for f in result.findings],
        refusals=[r.describe() for r in result.refusals],
        held=[HeldOut.of(r) for r in result.held],
    )
