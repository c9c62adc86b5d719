"""Who is asking: the scope every read of operational risk data is checked against.

A merchant's scope names its shop and sees only what concerns that shop; an
operator's scope sees everything. Checks live in the functions that read the
data (not in a front end), so every caller (API, CLI, console) gets them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from merchantry.kit.errors import AccessDenied as _AccessDenied


class Role(StrEnum):
    """Kind of caller."""

    OPERATOR = "operator"
    """Platform risk or operations staff: full access to raw records."""
    MERCHANT = "merchant"
    """A shop's staff: its own shop's records, other buyers' standing as a level only."""


class AccessDenied(_AccessDenied):
    """The scope does not allow this read or action."""


@dataclass(frozen=True, slots=True)
class Scope:
    """A caller: a role, and for a merchant the one shop it acts for."""

    role: Role
    shop_id: str | None = None
    actor: str = ""
    """Who, for audit trails (user or key id)."""

    def __post_init__(self) -> None:
        if self.role is Role.MERCHANT and not self.shop_id:
            raise AccessDenied("a merchant scope needs its shop id")

    @classmethod
    def operator(cls, actor: str = "operator") -> Scope:
        return cls(Role.OPERATOR, None, actor)

    @classmethod
    def merchant(cls, shop_id: str, actor: str = "") -> Scope:
        return cls(Role.MERCHANT, shop_id, actor or f"merchant:{shop_id}")

    @property
    def is_operator(self) -> bool:
        return self.role is Role.OPERATOR

    def require_operator(self, action: str) -> None:
        if not self.is_operator:
            raise AccessDenied(f"{action} is for platform operators, not {self.actor}")

    def require_shop(self, shop_id: str | None, action: str) -> None:
        """Operators pass; a merchant only for its own shop."""
        if not self.is_operator and shop_id != self.shop_id:
            raise AccessDenied(f"{self.actor} cannot {action} of shop {shop_id}")
