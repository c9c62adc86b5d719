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
from enum import IntEnum, StrEnum


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


class ExitCode(IntEnum):
    """What the ``merchantry`` command's exit status means (one code per kind of outcome).

    The table in ``docs/cli.md`` is this enum; a test holds them together.
    """

    OK = 0
    """The command did what was asked."""
    PROBLEMS_FOUND = 1
    """The command ran and found problems it lists (``rulebook check``, ``ledger-check``, a
    statement that does not reconcile), or a refusal with no more specific code."""
    INPUT = 2
    """What was given cannot be used: an option, an argument or a file (also Typer's own
    usage errors: a missing option, an invalid choice), or a setting (a memory limit too
    small for a statement that cannot spill)."""
    NOT_FOUND = 3
    """A named thing does not exist: a warehouse, a folder, a rulebook, a shop, a case, a run."""
    INTEGRITY = 4
    """Stored data breaks an invariant (an unbalanced entry, a duplicate key)."""
    ACCESS_DENIED = 5
    """The caller's scope does not allow the action (a merchant acting on another shop)."""
    CONFLICT = 6
    """The request contradicts what is stored: a case move its state forbids, results stored
    for a rulebook of different content (re-run with ``--replace``)."""
    BUSY = 7
    """The warehouse is held by another process; nothing was done."""
    INTERNAL = 70
    """A bug: the command failed in a way it does not expect (please report it)."""
    INTERRUPTED = 130
    """Interrupted with Ctrl-C: nothing was committed, or, in a run that commits in steps
    (a close day by day), the message names the steps that stay committed."""
    OUTPUT_CLOSED = 141
    """The reader of the output went away (``merchantry statement … | head``): the command
    stopped there, quietly, as a shell's own commands do (128 + SIGPIPE); a warehouse it was
    writing commits all at once, so either the work was committed before the output or none."""


class MerchantryError(Exception):
    """Root of every exception Merchantry raises on purpose."""

    exit_code: int = ExitCode.PROBLEMS_FOUND


class InputError(MerchantryError, ValueError):
    """User input is unusable; carries every diagnostic found.

    Also a ``ValueError``: a caller that validated values with ``except ValueError`` keeps
    working when a check is upgraded to this error.
    """

    exit_code = ExitCode.INPUT

    def __init__(self, summary: str, diagnostics: Sequence[Diagnostic] = ()) -> None:
        self.diagnostics = tuple(diagnostics)
        lines = [summary, *(str(d) for d in self.diagnostics)]
        super().__init__("\n".join(lines))


class ProblemsFound(InputError):
    """A check command ran and found the problems it lists (``programs check``, ``seeding
    check``): exit 1, as ``rulebook check`` and ``cs check``, not the exit 2 of input a
    command could not use."""

    exit_code = ExitCode.PROBLEMS_FOUND


class NotFound(MerchantryError):
    """A named object (warehouse, folder, rulebook, shop, table, run) does not exist."""

    exit_code = ExitCode.NOT_FOUND


class IntegrityError(MerchantryError):
    """An invariant of stored data is broken (unbalanced entry, duplicate key...)."""

    exit_code = ExitCode.INTEGRITY


class AccessDenied(MerchantryError):
    """The caller's scope does not allow this read or action."""

    exit_code = ExitCode.ACCESS_DENIED


class Conflict(MerchantryError):
    """The request contradicts stored state (e.g. stored results of other content)."""

    exit_code = ExitCode.CONFLICT


class Busy(MerchantryError):
    """A resource (the warehouse file) is held by another process."""

    exit_code = ExitCode.BUSY


class Interrupted(MerchantryError):
    """Ctrl-C in a run that commits in steps: the message says what stayed committed."""

    exit_code = ExitCode.INTERRUPTED


class StepFailed(MerchantryError):
    """A run that commits in steps stopped at one: the message names the step and what the
    steps before it committed; the exit code is the cause's."""

    def __init__(self, message: str, cause: MerchantryError) -> None:
        super().__init__(message)
        self.exit_code = cause.exit_code


INTERRUPTED_MESSAGE = (
    "interrupted: stopped before finishing; nothing was committed to the warehouse"
)
"""The one line Ctrl-C prints, wherever it lands (inside a command or while they load)."""
