"""Which stage a rulebook is for, so a command given the wrong kind says so.

A rulebook's purpose follows from its rules' effect kinds: fee kinds (those that feed a
fee line) are run by ``fees``, settlement/deposit/compensation kinds by the ledger's
``close``, ``score_*`` kinds by ``score`` and ``risk_*`` kinds by ``risk``. A score rulebook
given to ``fees`` is refused with this message instead of failing deep in the compiler.
"""

from __future__ import annotations

from collections.abc import Collection

from merchantry.kit.errors import InputError
from merchantry.rulebook.effects import EffectKind
from merchantry.rulebook.effects import Stage as Stage  # re-exported: the commands name it
from merchantry.rulebook.library import available_names, find_rulebook, search_dirs
from merchantry.rulebook.model import Rulebook
from merchantry.rulebook.registry import EFFECT_KINDS

COMMANDS = {
    Stage.FEES: "merchantry fees",
    Stage.LEDGER: "merchantry close",
    Stage.SCORE: "merchantry score",
    Stage.RISK: "merchantry risk score",
}


def stage_of(kind: EffectKind) -> Stage:
    """The stage that applies rules of ``kind``."""
    return kind.stage


def stages_of(book: Rulebook) -> set[Stage]:
    """Every stage with at least one rule in ``book``."""
    return {stage_of(EFFECT_KINDS[r.effect.kind]) for r in book.rules}


def require_stage(book: Rulebook, wanted: Collection[Stage], command: str) -> None:
    """Refuse ``book`` for ``command`` when it has no rule for any of the ``wanted`` stages."""
    has = stages_of(book)
    if has & set(wanted):
        return
    kinds = ", ".join(sorted(s.value for s in has)) or "no"
    runs = "; ".join(f"`{COMMANDS[s]} --rulebook {book.name}`" for s in sorted(has))
    fitting = [name for name in available_names(search_dirs()) if _is_for(name, wanted)]
    raise InputError(
        f"rulebook {book.name!r} has {kinds} rules, and `{command}` needs "
        f"{' or '.join(sorted(s.value for s in wanted))} rules"
        + (f"; run it with {runs}" if runs else "")
        + (f"; rulebooks for `{command}`: {', '.join(fitting)}" if fitting else "")
    )


def _is_for(name: str, wanted: Collection[Stage]) -> bool:
    """Whether the shipped rulebook ``name`` has rules for ``wanted`` (by its kinds only)."""
    from merchantry.rulebook.checker import check_file

    path = find_rulebook(name, search_dirs())
    if path is None:
        return False
    book, _ = check_file(path)
    return book is not None and bool(stages_of(book) & set(wanted))
