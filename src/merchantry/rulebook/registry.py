"""Every effect kind, assembled once into a read-only mapping.

The stages declare their kinds as tuples beside their fields and describers
(:mod:`.fee_effects`, :mod:`.ledger_effects`, :mod:`.risk_effects`,
:mod:`.score_effects`); this module puts them together in that order (the order of
the generated reference), and their describers (plain words for ``rulebook explain``)
into :data:`DESCRIBERS`. Nothing registers itself at import time and nothing can be
added later: a new kind is one more entry in its stage's tuple and one in its stage's
describers, and a kind without a describer (or a describer without a kind) is refused
here, at import, naming it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

from merchantry.rulebook.effects import Describer, Effect, EffectKind
from merchantry.rulebook.fee_effects import FEE_DESCRIBERS, FEE_EFFECT_KINDS
from merchantry.rulebook.ledger_effects import LEDGER_DESCRIBERS, LEDGER_EFFECT_KINDS
from merchantry.rulebook.risk_effects import RISK_DESCRIBERS, RISK_EFFECT_KINDS
from merchantry.rulebook.score_effects import SCORE_DESCRIBERS, SCORE_KINDS


def assemble(kinds: Iterable[EffectKind]) -> Mapping[str, EffectKind]:
    """The kinds by name, read-only; a name declared twice is refused, naming it."""
    found: dict[str, EffectKind] = {}
    for kind in kinds:
        if kind.name in found:
            raise ValueError(f"effect kind {kind.name!r} is declared twice")
        found[kind.name] = kind
    return MappingProxyType(found)


EFFECT_KINDS: Final = assemble(
    (*FEE_EFFECT_KINDS, *LEDGER_EFFECT_KINDS, *RISK_EFFECT_KINDS, *SCORE_KINDS)
)
"""Every effect kind by name, in reference order."""


def assemble_describers(
    kinds: Mapping[str, EffectKind], parts: Iterable[Mapping[str, Describer]]
) -> Mapping[str, Describer]:
    """One read-only describer per kind: a kind described twice, a describer for no kind and
    a kind with no describer are each refused, naming them."""
    found: dict[str, Describer] = {}
    for part in parts:
        for name, describer in part.items():
            if name in found:
                raise ValueError(f"effect kind {name!r} is described twice")
            found[name] = describer
    unknown = sorted(set(found) - set(kinds))
    if unknown:
        raise ValueError(f"describers for effect kinds that do not exist: {unknown}")
    missing = [name for name in kinds if name not in found]
    if missing:
        raise ValueError(f"effect kinds without a describer: {missing}")
    return MappingProxyType({name: found[name] for name in kinds})


DESCRIBERS: Final = assemble_describers(
    EFFECT_KINDS, (FEE_DESCRIBERS, LEDGER_DESCRIBERS, RISK_DESCRIBERS, SCORE_DESCRIBERS)
)
"""Every kind's plain-words describer, in reference order."""


def describe_effect(effect: Effect) -> str:
    """The effect in plain words, for ``rulebook explain`` and the fee and simulation output."""
    return DESCRIBERS[effect.kind](effect)
