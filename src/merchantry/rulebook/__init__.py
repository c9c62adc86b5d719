"""Rulebooks: YAML policies checked, resolved and compiled to SQL.

Data flow: ``<name>.yaml`` -> :mod:`parse` (shape, provenance, dates) ->
:mod:`checker` (``extends`` chain, conditions via :mod:`condition`, effects via
the :mod:`effects` registry) -> :class:`Rulebook` (immutable) -> the stages
compile its conditions with :func:`compile_condition` into DuckDB expressions.
"""

from merchantry.rulebook.checker import check_file, check_files, load_rulebook
from merchantry.rulebook.condition import CompileError, check_condition, compile_condition
from merchantry.rulebook.effects import Effect, EffectKind, Stacking
from merchantry.rulebook.model import Parameter, Provenance, Rule, Rulebook
from merchantry.rulebook.registry import EFFECT_KINDS

__all__ = [
    "EFFECT_KINDS",
    "CompileError",
    "Effect",
    "EffectKind",
    "Parameter",
    "Provenance",
    "Rule",
    "Rulebook",
    "Stacking",
    "check_condition",
    "check_file",
    "check_files",
    "compile_condition",
    "load_rulebook",
]
