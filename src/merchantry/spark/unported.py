"""Stages whose SQL does not yet go to Spark, and exactly why (the check's own findings).

``--engine spark`` on ``merchantry close`` runs the portability
check over the statements the stage runs (its module-level SQL, as DuckDB executes it)
and refuses with every construct it finds, so the answer names the work left instead of
a Spark parse error halfway through a run. When a stage is carried (a Spark path
generated from the same rulebook), it leaves this table.
"""

from __future__ import annotations

import importlib
from collections import Counter
from typing import Final

import sqlglot
import sqlglot.errors

from merchantry.spark.macros import expand_macros, macro_of, macros_in
from merchantry.spark.portable import UnportableSQL, problems_of, rewrite

STAGE_MODULES: Final[dict[str, tuple[str, ...]]] = {
    "close": (
        "merchantry.ledger.postings",
        "merchantry.ledger.journal",
        "merchantry.ledger.settlement",
        "merchantry.ledger.deposits",
        "merchantry.ledger.annual",
        "merchantry.ledger.overturns",
        "merchantry.ledger.rewards",
        "merchantry.ledger.seeding",
        "merchantry.ledger.reserve",
    ),
}
"""Where each unported stage's statements live."""

_VERBS: Final = ("SELECT", "INSERT", "CREATE", "DELETE")


def _statements(module: str) -> list[tuple[str, str]]:
    """(constant name, statement) of every SQL text constant of ``module``."""
    found = []
    for name, value in vars(importlib.import_module(module)).items():
        if not name.isupper() or not isinstance(value, str):
            continue
        if not any(verb in value.upper() for verb in _VERBS):
            continue
        found += [(name, s) for s in value.split(";") if s.strip()]
    return found


def stage_problems(stage: str) -> list[str]:
    """One line per SQL constant of ``stage`` that cannot be carried: the constructs
    (with counts) the check refuses in it, after the stage's own scalar macros are
    expanded (:mod:`merchantry.spark.macros`): a macro is named by what its body uses."""
    lines: list[str] = []
    by_module = {module: _statements(module) for module in STAGE_MODULES[stage]}
    macros = macros_in(text for statements in by_module.values() for _, text in statements)
    for module, statements in by_module.items():
        short = module.removeprefix("merchantry.")
        for name, statement in statements:
            try:
                tree = sqlglot.parse_one(statement, read="duckdb")
            except sqlglot.errors.ParseError:
                lines.append(f"{short}.{name}: DuckDB-only syntax sqlglot cannot parse")
                continue
            if macro_of(tree) is not None:
                tree = tree.expression  # the body is what a call carries
            tree = expand_macros(tree, macros)
            counts = Counter(p.construct for p in problems_of(rewrite(tree)))
            if counts:
                found = ", ".join(f"{c} ×{n}" if n > 1 else c for c, n in sorted(counts.items()))
                lines.append(f"{short}.{name}: {found}")
    return lines


def refuse(stage: str) -> UnportableSQL:
    """The refusal for ``--engine spark`` on a stage not carried to Spark yet."""
    problems = stage_problems(stage)
    return UnportableSQL(
        f"the {stage} stage (not carried to Spark yet; docs/scale.md)",
        problems or ["its statements are not yet assembled for Spark"],
    )
