"""Parameters of a simulation: segment thresholds, the run identity, and ``--set`` overrides.

The thresholds are business choices, not facts from the platforms; they are
documented in ``docs/simulator.md`` and can be set on the command line.

``--set NAME=VALUE`` changes a simulator setting or a parameter of the candidate rulebook
(``merchantry fees --set`` one of the priced rulebook's). A parameter change is written as a
child rulebook (``extends:`` the original, only the set parameters) under a name derived from
the values, so its results are filed apart from the original's and the usual checks apply; a
name that is not a parameter is refused with did-you-mean.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from datetime import date
from pathlib import Path
from typing import Final

import yaml

from merchantry.kit.errors import InputError, Severity
from merchantry.kit.ids import stable_key
from merchantry.rulebook import Rulebook
from merchantry.rulebook.bounds import parameter_problems
from merchantry.rulebook.checker import check_file

DEFAULT_NEW_SHOP_DAYS: Final = 90
"""A shop opened fewer than this many days before the period start counts as new."""
DEFAULT_SMALL_BELOW_FEN: Final = 5_000_000
"""GMV in the period below ¥50,000: a small merchant."""
DEFAULT_KEY_ACCOUNT_FROM_FEN: Final = 100_000_000
"""GMV in the period of ¥1,000,000 or more: a key account (KA)."""
DEFAULT_CASH_RATE_BP: Final = 300
"""Annual rate (3%) at which money held longer or shorter is valued: settlement days and
deposits. A business choice, roughly China's one-year loan prime rate in 2025; set your own
cost of capital with ``--cash-rate``."""


@dataclass(frozen=True, slots=True)
class SegmentParams:
    """Where the merchant segments split. GMV is what buyers paid in the period."""

    new_shop_days: int = DEFAULT_NEW_SHOP_DAYS
    small_below_fen: int = DEFAULT_SMALL_BELOW_FEN
    key_account_from_fen: int = DEFAULT_KEY_ACCOUNT_FROM_FEN
    cash_rate_bp: int = DEFAULT_CASH_RATE_BP
    """Annual rate, bp, valuing money held longer or shorter (settlement days, deposits)."""

    def __post_init__(self) -> None:
        if self.new_shop_days < 0:
            raise InputError(f"new_shop_days must be >= 0, got {self.new_shop_days}")
        if not 0 <= self.cash_rate_bp <= 10_000:
            raise InputError(f"the annual cash rate must be 0%..100%, got {self.cash_rate_bp} bp")
        if not 0 <= self.small_below_fen <= self.key_account_from_fen:
            raise InputError(
                "thresholds must satisfy 0 <= small_below_fen <= key_account_from_fen, got "
                f"{self.small_below_fen} and {self.key_account_from_fen}"
            )

    def to_json(self) -> str:
        """Stable JSON text, stored with the run."""
        return json.dumps(asdict(self), sort_keys=True)


@dataclass(frozen=True, slots=True)
class Period:
    """Inclusive range of payment dates of the orders replayed."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InputError(f"period ends ({self.end}) before it starts ({self.start})")


def derive_run_id(
    baseline: str, candidate: str, period: Period, contents: tuple[str, str] = ("", "")
) -> str:
    """The run id: the same rulebooks (by name and content digest) over the same period
    always get the same id; a rulebook of the same name with other content gets another."""
    if contents == ("", ""):
        return stable_key("simulate", baseline, candidate, period.start, period.end)
    return stable_key(
        "simulate", baseline, *contents[:1], candidate, *contents[1:], period.start, period.end
    )


SETTING_NAMES: Final = tuple(f.name for f in fields(SegmentParams))
"""Simulator settings ``--set`` may change (besides the candidate rulebook's parameters)."""


def parse_settings(pairs: Sequence[str]) -> dict[str, int]:
    """``--set NAME=VALUE`` pairs as a mapping; a value is an integer in the parameter's own
    unit (``_bp`` basis points, ``_fen`` minor units, days…). Refuses anything else, and a
    name given twice."""
    found: dict[str, int] = {}
    for pair in pairs:
        name, sep, text = pair.partition("=")
        name, text = name.strip(), text.strip().replace("_", "").replace(",", "")
        if not sep or not name:
            raise InputError(
                f"--set {pair!r}: write NAME=VALUE, e.g. --set chengfang_rate_bp=50 "
                "(`merchantry rulebook explain NAME` lists a rulebook's parameters)"
            )
        try:
            value = int(text)
        except ValueError:
            raise InputError(
                f"--set {pair!r}: {text!r} is not a whole number; a parameter's value is an "
                "integer in its own unit (bp, fen, days)"
            ) from None
        if name in found:
            raise InputError(f"--set names {name!r} twice ({found[name]} and {value})")
        found[name] = value
    return found


def _unknown(name: str, rulebook: str, known: Sequence[str]) -> InputError:
    close = difflib.get_close_matches(name, list(known), n=3, cutoff=0.6)
    hint = (
        "did you mean " + " or ".join(repr(c) for c in close) + "?"
        if close
        else "known: " + (", ".join(sorted(known)) or "none")
    )
    return InputError(f"--set: {rulebook} has no parameter {name!r}; {hint}")


def split_settings(
    values: Mapping[str, int], book: Rulebook, *, simulator: bool
) -> tuple[dict[str, int], dict[str, int]]:
    """(simulator settings, rulebook parameters) from ``--set`` values; a name that is neither
    a parameter of ``book`` nor (when ``simulator``) a simulator setting is an error with
    did-you-mean."""
    own = book.parameter_values
    settings = {k: v for k, v in values.items() if simulator and k in SETTING_NAMES}
    rest = {k: v for k, v in values.items() if k not in settings}
    known = [*own, *(SETTING_NAMES if simulator else ())]
    for name in rest:
        if name not in own:
            where = f"{book.name} (or the simulator's settings)" if simulator else book.name
            raise _unknown(name, where, known)
    for problem in parameter_problems({**own, **rest}):
        if set(problem.names) & set(rest):
            raise InputError(f"--set: {book.name}, {problem.message}")
    return settings, rest


def derived_name(base: str, values: Mapping[str, int]) -> str:
    """The name results of ``base`` with ``values`` set are filed under: the same settings
    always get the same name, other settings another (``douyin-2026-set-1a2b3c4d``)."""
    key = stable_key("set", base, *(f"{k}={v}" for k, v in sorted(values.items())))
    return f"{base}-set-{key[:8].lower()}"


def write_derived(
    book: Rulebook, values: Mapping[str, int], folder: Path, dirs: Sequence[Path] = ()
) -> str:
    """Write a child of ``book`` that changes only ``values`` (its parameters) into ``folder``
    and return its name: the rulebook machinery (inheritance, checks, content keys) does the
    rest, so results are never filed under the parent's name. Refused
    (:class:`~merchantry.kit.errors.InputError`, naming the ``--set`` values, not the
    temporary file nor the parent's line) when the values make the rulebook fail its checks
    (a rate out of range where a rule uses the parameter); ``dirs``: where the parent's own
    parents are found."""
    name = derived_name(book.name, values)
    changed = ", ".join(f"{k}={v}" for k, v in sorted(values.items()))
    document = {
        "rulebook": name,
        "title": f"{book.title} (what-if: {changed})",
        "effective": {
            "from": book.effective_from.isoformat(),
            **({"to": book.effective_to.isoformat()} if book.effective_to else {}),
        },
        "extends": book.name,
        "parameters": {
            k: {
                "value": v,
                "title": f"{k} set with --set (was {book.parameter_values[k]})",
                "assumption": True,
                "note": "A what-if value given on the command line, not a platform's figure.",
            }
            for k, v in sorted(values.items())
        },
    }
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), encoding="utf-8")
    _, found = check_file(path, dirs)
    problems = [d.message for d in found if d.severity is Severity.ERROR]
    if problems:
        raise InputError(
            f"--set {changed}: {book.name} would not pass its checks: " + "; ".join(problems)
        )
    return name
