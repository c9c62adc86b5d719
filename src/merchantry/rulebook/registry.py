"""Every effect kind, assembled once into a read-only mapping.

The stages declare their kinds as tuples beside their fields and describers
(:mod:`.fee_effects`, :mod:`.ledger_effects`, :mod:`.risk_effects`,
:mod:`.score_effects`); this module puts them together in that order (the order of
the generated reference). Nothing registers itself at import time and nothing can be
added later: a new kind is one more entry in its stage's tuple.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final

from merchantry.rulebook.effects import EffectKind
from merchantry.rulebook.fee_effects import FEE_EFFECT_KINDS
from merchantry.rulebook.ledger_effects import LEDGER_EFFECT_KINDS
from merchantry.rulebook.risk_effects import RISK_EFFECT_KINDS
from merchantry.rulebook.score_effects import SCORE_KINDS


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
