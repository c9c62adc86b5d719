"""Request bodies and the envelopes of paged responses (with their examples)."""

from __future__ import annotations

from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from merchantry.api.body import Body
from merchantry.api.times import RequestDay
from merchantry.risk.cases import Case
from merchantry.service.cases import Reversal

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a longer list."""

    total: int
    limit: int
    offset: int
    items: list[T]


class AppealIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "note": "The buyer returned the item unused; tracking attached.",
                    "evidence": ["s3://evidence/RC-7c1e/tracking.png"],
                }
            ]
        },
    )

    note: str = Field(max_length=4000, description="The merchant's explanation.")
    evidence: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="References to images or documents (at least a note or one reference).",
    )


class TransitionIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"to": "overturned", "note": "Not brushing: checked."}]},
    )

    to: Literal["under_review", "upheld", "overturned"] = Field(
        description="Where the case goes; overturned reverses the money its decision moved."
    )
    note: str = Field(min_length=1, max_length=4000, description="Why (kept in the audit trail).")


class CaseMoved(BaseModel):
    """A case after a move, and for an overturn the money reversed."""

    case: Case
    reversal: Reversal | None
    """The journal entry that undid the decision's money (an overturn that moved money)."""
    money_note: str
    """For an overturn: what was reversed, or why nothing was. Empty otherwise."""


class SimulationIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "baseline": "douyin-2025",
                    "candidate": "douyin-2026",
                    "start": "2026-03-01",
                    "end": "2026-03-31",
                }
            ]
        },
    )

    baseline: str = Field(min_length=1, max_length=128)
    candidate: str = Field(min_length=1, max_length=128)
    start: RequestDay | None = Field(None, description="Default: the first payment date.")
    end: RequestDay | None = Field(None, description="Default: the last payment date.")


class PayoutNotificationIn(Body):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"date": "2026-03-20"}]}
    )

    date: RequestDay = Field(
        description="Send one payout.scheduled event per shop paid out that day."
    )


class KeyIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "role": "merchant",
                    "shop_id": "S0001",
                    "scopes": ["statements:read", "payouts:read"],
                    "name": "S0001 ERP",
                }
            ]
        },
    )

    role: Literal["operator", "merchant", "integrator"]
    shop_id: str | None = Field(None, min_length=1, max_length=64)
    scopes: list[str] | None = Field(
        None, max_length=50, description="resource:action; default: the role's usual scopes."
    )
    name: str = Field("", max_length=128)


class EndpointIn(Body):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "url": "https://erp.example.com/hooks/merchantry",
                    "event_types": ["case.state_changed", "payout.scheduled"],
                    "shop_id": None,
                }
            ]
        },
    )

    url: str = Field(min_length=8, max_length=2048)
    event_types: list[str] = Field(min_length=1, max_length=10)
    shop_id: str | None = Field(
        None, min_length=1, max_length=64, description="Only this shop's events."
    )


def page(items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
    return {"total": total, "limit": limit, "offset": offset, "items": items}
