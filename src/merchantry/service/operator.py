"""An operator's reads: rulebooks in force and their history, rankings.

Rulebooks come from the shipped folder (and any extra folders the service is
given); each is checked once per process and cached by file and modification
time. Rankings read the warehouse. (The case queue is
:func:`merchantry.service.cases.case_queue`.)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb

from merchantry.kit.errors import NotFound
from merchantry.rulebook import Rulebook, load_rulebook
from merchantry.rulebook.library import available_names, find_rulebook, search_dirs
from merchantry.scoring.report import RankedShop, ranking
from merchantry.store.warehouse import table_exists

_CACHE: dict[tuple[str, float], Rulebook] = {}


def _load(name: str, dirs: Sequence[Path]) -> Rulebook:
    path = find_rulebook(name, search_dirs(dirs))
    if path is None:
        return load_rulebook(name, dirs)  # raises NotFound with a hint
    key = (str(path), path.stat().st_mtime)
    if key not in _CACHE:
        _CACHE[key] = load_rulebook(name, dirs)
    return _CACHE[key]


@dataclass(frozen=True, slots=True)
class RulebookInfo:
    """A rulebook, when it is in force, and what it is built on."""

    name: str
    title: str
    effective_from: date
    effective_to: date | None
    lineage: tuple[str, ...]
    rules: int
    assumptions: int
    """Rules whose numbers no source confirms (an operator should set them)."""
    in_force: bool


def _info(book: Rulebook, on: date) -> RulebookInfo:
    in_force = book.in_force(on)
    return RulebookInfo(
        book.name,
        book.title,
        book.effective_from,
        book.effective_to,
        book.lineage,
        len(book.rules),
        sum(1 for r in book.rules if r.provenance.assumption),
        in_force,
    )


def rulebooks(
    on: date, dirs: Sequence[Path] = (), *, in_force_only: bool = False
) -> list[RulebookInfo]:
    """Every rulebook known, with whether it is in force on ``on``, by name."""
    infos = [_info(_load(name, dirs), on) for name in available_names(search_dirs(dirs))]
    return [i for i in infos if i.in_force or not in_force_only]


@dataclass(frozen=True, slots=True)
class RuleChange:
    """How a rule differs from the rulebook a version extends."""

    rule_id: str
    change: str
    """added, removed or changed."""
    title: str


@dataclass(frozen=True, slots=True)
class RulebookVersion:
    info: RulebookInfo
    changes: tuple[RuleChange, ...]
    """Against its parent (empty for the root of the lineage)."""


def _changes(book: Rulebook, parent: Rulebook | None) -> tuple[RuleChange, ...]:
    if parent is None:
        return ()
    before = {r.id: r for r in parent.rules}
    after = {r.id: r for r in book.rules}
    found = [RuleChange(i, "added", after[i].title) for i in after if i not in before]
    found += [RuleChange(i, "removed", before[i].title) for i in before if i not in after]
    found += [
        RuleChange(i, "changed", after[i].title)
        for i in after
        if i in before
        and (after[i].effect, after[i].when, after[i].priority)
        != (before[i].effect, before[i].when, before[i].priority)
    ]
    return tuple(sorted(found, key=lambda c: (c.change, c.rule_id)))


def rulebook_history(name: str, on: date, dirs: Sequence[Path] = ()) -> list[RulebookVersion]:
    """The rulebook and every version it extends, newest first, each with what changed
    against the one before it, plus every later rulebook that extends it."""
    book = _load(name, dirs)
    later = [
        _load(n, dirs)
        for n in available_names(search_dirs(dirs))
        if n != name and name in _load(n, dirs).lineage
    ]
    chain = [_load(n, dirs) for n in book.lineage]
    versions = sorted(
        {b.name: b for b in [*later, *chain]}.values(),
        key=lambda b: (b.effective_from, len(b.lineage)),
        reverse=True,
    )
    out = []
    for b in versions:
        parent = _load(b.lineage[1], dirs) if len(b.lineage) > 1 else None
        out.append(RulebookVersion(_info(b, on), _changes(b, parent)))
    return out


def rankings(
    con: duckdb.DuckDBPyConnection,
    rulebook: str,
    day: date | None,
    industry: str | None = None,
) -> tuple[date, list[RankedShop]]:
    """The good-service ranking of a day (default: the latest ranked), best first."""
    if not table_exists(con, "service_rankings"):
        raise NotFound("the warehouse has no service_rankings yet; run `merchantry score`")
    if day is None:
        row = con.execute(
            "SELECT max(score_date) FROM service_rankings WHERE rulebook = ?", [rulebook]
        ).fetchone()
        if row is None or row[0] is None:
            raise NotFound(f"no ranking under {rulebook}; run `merchantry score` with it")
        day = row[0]
    assert day is not None
    ranked = [r for r in ranking(con, rulebook, day) if industry is None or r.industry == industry]
    return day, ranked
