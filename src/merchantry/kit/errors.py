"""One exception root, and one diagnostic record for problems in user input.

Two channels, as in sqlglot and beancount:

* **Diagnostics** describe problems in what a user gave us (a rulebook, an input
  file). They are collected, never raised one at a time, so the user sees every
  problem at once, each with its source, line, column, code and a hint.
* **Exceptions** (subclasses of :class:`MerchantryError`) are for refused
  requests and for bugs. Their messages name the objects involved.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    """How bad a diagnostic is."""

    ERROR = "error"
    """The input cannot be used until this is fixed."""
    WARNING = "warning"
    """The input works, but probably not as its author meant."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem in user input, located as precisely as we can."""

    source: str
    """File path (or other name) of the input."""
    line: int | None
    """1-based line (or row number for tabular input); ``None`` when unknown."""
    code: str
    """Stable machine-readable code, e.g. ``unknown-column``."""
    message: str
    """What is wrong, naming the offending object."""
    hint: str = ""
    """How to fix it."""
    column: str | None = None
    """Column name (tabular input) or key path (YAML), when known."""
    severity: Severity = Severity.ERROR

    def __str__(self) -> str:
        where = self.source
        if self.line is not None:
            where += f":{self.line}"
        if self.column:
            where += f" [{self.column}]"
        text = f"{where}: {self.severity.value}: {self.message} ({self.code})"
        if self.hint:
            text += f"\n    hint: {self.hint}"
        return text


def has_errors(diagnostics: Iterable[Diagnostic]) -> bool:
    """True when any diagnostic is an error (warnings alone do not block)."""
    return any(d.severity is Severity.ERROR for d in diagnostics)


class MerchantryError(Exception):
    """Root of every exception Merchantry raises on purpose."""

    exit_code: int = 1


class InputError(MerchantryError):
    """User input is unusable; carries every diagnostic found."""

    exit_code = 2

    def __init__(self, summary: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        self.diagnostics = tuple(diagnostics)
        lines = [summary, *(str(d) for d in self.diagnostics)]
        super().__init__("\n".join(lines))


class NotFound(MerchantryError):
    """A named object (rulebook, shop, table, run) does not exist."""

    exit_code = 3


class IntegrityError(MerchantryError):
    """An invariant of stored data is broken (unbalanced entry, duplicate key...)."""

    exit_code = 4
