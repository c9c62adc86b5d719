"""Effect kinds: what a rule does when its condition holds.

Each kind is one small :class:`EffectKind` value: its typed fields, the stacking
modes it allows, the stage that applies it and the fee kind it feeds. The kinds
live with their stage (:mod:`.fee_effects`, :mod:`.ledger_effects`,
:mod:`.risk_effects`, :mod:`.score_effects`), each a tuple; :mod:`.registry`
assembles them into the read-only :data:`~merchantry.rulebook.registry.EFFECT_KINDS`.
This module imports none of them, so there is no import cycle. The
checker validates a rule's ``effect`` mapping against it; the fee stage's query
builder reads the checked :class:`Effect`.

Stacking (see ``docs/rulebooks.md``): when several rules of the same effect kind
match one order,

* ``first`` - the first in precedence order (``priority`` ascending, then the
  order rules appear in the resolved rulebook) decides; the others are ignored;
* ``add`` - every matching ``add`` rule adds its rate on top of the ``first`` one;
* ``best`` - only the most favourable waiver applies (Douyin: "only one waiver
  per order: the largest");
* ``stack`` - the waiver applies on top of the earlier ones, in precedence order.

"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Stacking(StrEnum):
    """How rules of one effect kind combine on the same order."""

    FIRST = "first"
    """The first matching rule by precedence wins; later matches are ignored."""
    ADD = "add"
    """The rule's rate is added on top of whatever else matched."""
    BEST = "best"
    """Only the largest waiver among matching ``best`` rules applies."""
    STACK = "stack"
    """The waiver applies on top of the earlier ones, in precedence order."""


class Stage(StrEnum):
    """The stage that applies a kind of rule, and the command that runs it."""

    FEES = "fees"
    """Fee lines: rates, waivers, commissions, premiums, subsidies (``merchantry fees``)."""
    LEDGER = "ledger"
    """Settlement days, deposits, compensation (``merchantry close``)."""
    SCORE = "score"
    """Experience scores (``merchantry score``)."""
    RISK = "risk"
    """Refund and complaint risk (``merchantry risk``)."""


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of an effect."""

    name: str
    description: str
    choices: tuple[str, ...] = ()
    """For a text field: the legal values. Empty means an integer field."""
    minimum: int = 0
    maximum: int | None = None
    required: bool = True
    default: int | str | None = None

    @property
    def is_text(self) -> bool:
        return bool(self.choices)


EffectValue = int | str
Check = Callable[[Mapping[str, EffectValue]], list[tuple[str, str]]]


def _no_check(_values: Mapping[str, EffectValue]) -> list[tuple[str, str]]:
    return []


@dataclass(frozen=True, slots=True)
class EffectKind:
    """A kind of effect: its fields, stacking and the fee line it feeds."""

    name: str
    summary: str
    fields: tuple[FieldSpec, ...]
    stackings: tuple[Stacking, ...]
    fee_kind: str | None = None
    """The ``fee_lines.fee_kind`` it produces or changes; ``None`` for declared-only kinds."""
    stage: Stage = Stage.FEES
    """The stage that applies rules of this kind."""
    check: Check = field(default=_no_check)
    """Cross-field check: returns ``(field, message)`` pairs."""

    @property
    def default_stacking(self) -> Stacking:
        return self.stackings[0]

    def field_spec(self, name: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None


@dataclass(frozen=True, slots=True)
class Effect:
    """A checked effect: its kind and every field's value (defaults filled in)."""

    kind: str
    values: tuple[tuple[str, EffectValue], ...]

    def get(self, name: str) -> EffectValue:
        for key, value in self.values:
            if key == name:
                return value
        raise KeyError(f"effect {self.kind!r} has no field {name!r}")

    def int(self, name: str) -> int:
        value = self.get(name)
        if not isinstance(value, int):
            raise TypeError(f"effect {self.kind!r} field {name!r} is not a number")
        return value

    def text(self, name: str) -> str:
        return str(self.get(name))


def bp_text(value: int) -> str:
    """Basis points as a percentage: 60 -> 0.6%, 500 -> 5%."""
    whole, part = divmod(value, 100)
    return f"{whole}%" if part == 0 else f"{whole}.{part:02d}".rstrip("0") + "%"


Describer = Callable[[Effect], str]
"""An effect in plain words (``rulebook explain``): each stage's module declares one per kind
beside the kind, and :mod:`.registry` assembles them (:func:`~.registry.describe_effect`)."""
