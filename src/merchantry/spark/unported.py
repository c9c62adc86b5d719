"""The close's statements checked for Spark before anything runs (the check's findings).

``--engine spark`` on ``merchantry close`` first runs the portability check over the
statements the stage runs (its module-level SQL, as DuckDB executes it: a template
filled the way the stage fills it, each scalar macro expanded into its callers with
Spark's own body where :mod:`merchantry.spark.legs` gives one) and refuses with every
construct it finds, so the answer names what cannot be carried instead of a Spark error
halfway through a run. Nothing found: the close runs on Spark
(:mod:`merchantry.spark.close`).

A module whose templates are filled at run time (placeholders standing for list items
or expressions) exposes ``filled_statements()``, the name of each template to its filled
text; the check reads those instead of the bare templates. A macro definition is not
checked on its own: its body is checked where it is called (a call expanded in place),
which is where it runs.
"""

from __future__ import annotations

import importlib
from collections import Counter
from typing import Final

import sqlglot
import sqlglot.errors

from merchantry.spark.legs import spark_macros
from merchantry.spark.macros import expand_macros, macro_of, macros_in
from merchantry.spark.portable import UnportableSQL, problems_of, rewrite

STAGE_MODULES: Final[dict[str, tuple[str, ...]]] = {
    "close": (
        "merchantry.ledger.postings",
        "merchantry.ledger.journal",
        "merchantry.ledger.balances",
        "merchantry.ledger.settlement",
        "merchantry.ledger.deposits",
        "merchantry.ledger.annual",
        "merchantry.ledger.overturns",
        "merchantry.ledger.rewards",
        "merchantry.ledger.seeding",
        "merchantry.ledger.reserve",
        "merchantry.ledger.shops",
    ),
}
"""Where each stage's statements live (the stages run by statement on Spark)."""

_VERBS: Final = ("SELECT", "INSERT", "CREATE", "DELETE")


def _statements(module: str) -> list[tuple[str, str]]:
    """(constant name, statement) of every SQL text constant of ``module``, templates
    as the module fills them (``filled_statements()``)."""
    found = []
    loaded = importlib.import_module(module)
    filled_by = getattr(loaded, "filled_statements", None)
    filled: dict[str, str] = filled_by() if callable(filled_by) else {}
    for name, value in vars(loaded).items():
        if not name.isupper() or not isinstance(value, str):
            continue
        value = filled.get(name, value)
        if not any(verb in value.upper() for verb in _VERBS):
            continue
        found += [(name, s) for s in value.split(";") if s.strip()]
    return found


def stage_problems(stage: str) -> list[str]:
    """One line per SQL constant of ``stage`` that cannot be carried: the constructs
    (with counts) the check refuses in it, after the stage's own scalar macros are
    expanded (:mod:`merchantry.spark.macros`; Spark's body first, as the statement
    runner does): a call is named by what its macro's body uses."""
    lines: list[str] = []
    by_module = {module: _statements(module) for module in STAGE_MODULES[stage]}
    macros = {
        **macros_in(text for statements in by_module.values() for _, text in statements),
        **spark_macros(),
    }
    for module, statements in by_module.items():
        short = module.removeprefix("merchantry.")
        for name, statement in statements:
            try:
                tree = sqlglot.parse_one(statement, read="duckdb")
            except sqlglot.errors.ParseError:
                lines.append(f"{short}.{name}: DuckDB-only syntax sqlglot cannot parse")
                continue
            if macro_of(tree) is not None:
                continue  # checked where it is called, expanded (a call is what runs)
            tree = expand_macros(tree, macros)
            counts = Counter(p.construct for p in problems_of(rewrite(tree)))
            if counts:
                found = ", ".join(f"{c} ×{n}" if n > 1 else c for c, n in sorted(counts.items()))
                lines.append(f"{short}.{name}: {found}")
    return lines


def require_portable(stage: str) -> None:
    """Nothing, or :class:`UnportableSQL` naming every construct of ``stage`` that Spark
    would run with another meaning (checked before any session starts)."""
    problems = stage_problems(stage)
    if problems:
        raise UnportableSQL(f"the {stage} stage on Spark (docs/scale.md)", problems)
