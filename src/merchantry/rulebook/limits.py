"""The limits a rulebook is held to, so that what ``rulebook check`` passes every stage can run.

Each limit is documented in ``docs/rulebooks.md`` ("Limits"). They bound three things:

* **the file**: its size, how deep its YAML nests (aliases are refused outright: a few lines of
  ``*alias`` can expand into billions of nodes);
* **conditions**: their length and how deeply they nest (parentheses, operator chains), so
  parsing and compiling never exhaust Python's recursion and DuckDB's expression depth;
* **numbers**: every integer an effect, a parameter or a priority takes has a range the stages
  hold in BIGINT arithmetic (amounts times rates times counts, summed over many orders).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from merchantry.rulebook.effects import FieldSpec

MAX_FILE_BYTES: Final = 1_000_000
"""A rulebook file larger than this is refused (the shipped ones are under 40 kB)."""
MAX_YAML_DEPTH: Final = 16
"""Mappings and lists nested deeper than this are refused (a rulebook needs about 5)."""
MAX_CONDITION_CHARS: Final = 4_000
"""A ``when`` longer than this is refused: split the rule, or use ``IN (...)``."""
MAX_CONDITION_DEPTH: Final = 32
"""Nesting of a condition (parentheses, NOT, CASE, function calls), counting a chain of one
operator (``a AND b AND c``) as one level."""
MAX_CONDITION_TERMS: Final = 200
"""Operands in one chain of AND / OR (more belongs in ``IN (...)`` or separate rules)."""

AMOUNT_LIMIT_FEN: Final = 10**13
"""Largest amount (fen, ¥100 billion) a rule may state, and the largest order amount the check
evaluates conditions against. Times a rate in basis points (at most 10,000) it stays far
inside BIGINT (9.2 × 10^18)."""
COUNT_LIMIT: Final = 2**31 - 1
"""Largest count (orders, events, hours, a threshold) a rule may state: a 32-bit integer."""
DAYS_LIMIT: Final = 36_600
"""Largest number of days a rule may state (about 100 years): dates plus it stay dates."""
PARAMETER_LIMIT: Final = AMOUNT_LIMIT_FEN
"""Largest magnitude of a parameter's value (it may stand for an amount)."""
PRIORITY_RANGE: Final = (-1_000_000, 1_000_000)
"""Priorities lie in this range (lower is considered first)."""


def field_maximum(spec: FieldSpec) -> int:
    """The largest value an integer effect field takes: the kind's own maximum, else a ceiling
    by unit (``…_fen`` amounts, ``…days`` periods, anything else a count)."""
    if spec.maximum is not None:
        return spec.maximum
    if spec.name.endswith("_fen"):
        return AMOUNT_LIMIT_FEN
    if spec.name.endswith("days"):
        return DAYS_LIMIT
    return COUNT_LIMIT
