"""Which fee and ledger rulebook a command runs when it is given none.

A warehouse runs one marketplace's money rules. A command that leaves ``--rulebook`` out
(``close``, ``fees``, ``run``, ``deposit`` …) takes, in this order:

1. the rulebook of the warehouse's last close (``stage_runs``): the journal is kept under it,
   and closing under another would reverse every entry and post it again;
2. with no close yet, the one rulebook the period's fee lines were computed with (a user who
   ran ``fees --rulebook taobao-2026`` and then ``close`` means taobao-2026), when they were
   computed with one only (a simulation leaves two: that says nothing);
3. the rulebook written for the warehouse's marketplace (``marketplace.marketplace_id``
   against each rulebook's ``platform:``) when the default is another platform's;
4. :data:`~merchantry.service.stages.DEFAULT_FEE_RULEBOOK`.

Each choice but the plain default says why, so the command can tell the user what it ran.

A score command given none (:func:`score_rulebook`) takes the one the warehouse's scores were
made under (the score runs, or for a report the rows stored for its date), else the score
rulebook written for the marketplace and in force on the date; among several, the runner's
default when it is one of them; else it asks.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import duckdb

from merchantry.kit.errors import InputError, MerchantryError
from merchantry.rulebook import load_rulebook
from merchantry.rulebook.library import available_names, search_dirs
from merchantry.rulebook.purpose import Stage, stages_of
from merchantry.service.stages import DEFAULT_FEE_RULEBOOK, DEFAULT_SCORE_RULEBOOKS
from merchantry.store.warehouse import table_exists

LAST_CLOSE: Final = """
SELECT substr(stage, length('close:') + 1), period_start, period_end FROM stage_runs
WHERE stage LIKE 'close:%'
ORDER BY started_at DESC, period_end DESC
LIMIT 1
"""

PERIOD_FEE_RULEBOOKS: Final = """
SELECT DISTINCT rulebook FROM fee_lines
WHERE paid_on BETWEEN $start AND $end AND NOT regexp_matches(rulebook, '-set-[0-9a-f]{8}$')
ORDER BY 1 LIMIT 2
"""
"""The rulebooks the period's fee lines were computed with, what-ifs left out (``fees --set``
files its lines under a derived name, :func:`merchantry.simulate.params.derived_name`: a
trial, never the rulebook to close under)."""

MARKETPLACES: Final = "SELECT DISTINCT marketplace_id FROM marketplace ORDER BY 1 LIMIT 2"

MONEY_STAGES: Final = frozenset({Stage.FEES, Stage.LEDGER})


@dataclass(frozen=True, slots=True)
class Chosen:
    """The rulebook a command runs, and why (empty for the plain default)."""

    name: str
    why: str = ""


def money_rulebook(
    con: duckdb.DuckDBPyConnection,
    given: str | None,
    folders: Sequence[Path] = (),
    period: tuple[date, date] | None = None,
) -> Chosen:
    """The fee and ledger rulebook to run: ``given`` when a name was given, else the
    warehouse's (see the module)."""
    if given is not None:
        return Chosen(given)
    last = _rows(con, "stage_runs", LAST_CLOSE)
    if last:
        name, start, end = last[0]
        return Chosen(str(name), f"the rulebook of this warehouse's last close ({start}..{end})")
    if period is not None:
        computed = _rows(con, "fee_lines", PERIOD_FEE_RULEBOOKS, start=period[0], end=period[1])
        if len(computed) == 1:
            return Chosen(
                str(computed[0][0]),
                f"the rulebook the fee lines of {period[0]}..{period[1]} were computed with",
            )
    markets = [str(m) for (m,) in _rows(con, "marketplace", MARKETPLACES) if m]
    default = load_rulebook(DEFAULT_FEE_RULEBOOK, folders)
    if len(markets) != 1 or markets[0] == default.platform:
        return Chosen(DEFAULT_FEE_RULEBOOK)
    market = markets[0]
    own = written_for(market, folders)
    if not own:
        return Chosen(
            DEFAULT_FEE_RULEBOOK,
            f"the default: no fee rulebook is written for this warehouse's marketplace, "
            f"{market} (none says `platform: {market}`)",
        )
    why = f"the fee rulebook written for this warehouse's marketplace, {market}"
    if len(own) > 1 and period is not None:  # the one in force at the period's end, if one
        in_force = written_for(market, folders, MONEY_STAGES, period[1])
        if len(in_force) == 1:
            return Chosen(in_force[0], f"{why}, in force on {period[1]}")
    if len(own) > 1:
        raise InputError(
            f"--rulebook not given, and this warehouse's marketplace, {market}, has "
            f"{len(own)} fee rulebooks: {', '.join(own)}; give --rulebook with one of them"
        )
    return Chosen(own[0], why)


def written_for(
    market: str | None,
    folders: Sequence[Path] = (),
    stages: Collection[Stage] = MONEY_STAGES,
    on: date | None = None,
) -> list[str]:
    """The rulebooks with rules for ``stages`` whose ``platform:`` (their own or a
    parent's) is ``market`` (any, for None), and in force on ``on`` when given, by name; a
    file that does not check is left out."""
    found: list[str] = []
    for name in available_names(search_dirs(folders)):
        try:
            book = load_rulebook(name, folders)
        except MerchantryError:
            continue
        if (market is not None and book.platform != market) or not stages_of(book) & set(stages):
            continue
        if on is None or book.in_force(on):
            found.append(name)
    return found


def _rows(
    con: duckdb.DuckDBPyConnection, table: str, sql: str, **params: object
) -> list[tuple[object, ...]]:
    """``sql``'s rows, or none when ``table`` is not in the warehouse (an older file)."""
    if not table_exists(con, table):
        return []
    return con.execute(sql, params).fetchall() if params else con.execute(sql).fetchall()


SCORE_RUNS: Final = """
SELECT DISTINCT substr(stage, length('score:') + 1) FROM stage_runs
WHERE stage LIKE 'score:%' ORDER BY 1
"""

SCORED_ON: Final = """
SELECT DISTINCT rulebook FROM shop_scores WHERE $day IS NULL OR score_date = $day ORDER BY 1
"""


def score_rulebook(
    con: duckdb.DuckDBPyConnection,
    given: str | None,
    folders: Sequence[Path] = (),
    on: date | None = None,
    *,
    stored: bool = False,
) -> Chosen:
    """The score rulebook to run or read: ``given`` when a name was given, else the one the
    warehouse's scores were made under (``stored``: the rows of ``shop_scores`` on ``on``,
    for a report; else the score runs of ``stage_runs``), else the one written for the
    warehouse's marketplace and in force on ``on``; the runner's default
    (:data:`~merchantry.service.stages.DEFAULT_SCORE_RULEBOOKS`) among several. Several
    with no default among them are refused, named."""
    if given is not None:
        return Chosen(given)
    default = DEFAULT_SCORE_RULEBOOKS[0]
    if stored:
        names = [str(n) for (n,) in _rows(con, "shop_scores", SCORED_ON, day=on)]
        what = f"the scores stored{f' for {on}' if on else ''}"
    else:
        names = [str(n) for (n,) in _rows(con, "stage_runs", SCORE_RUNS)]
        what = "this warehouse's score runs"
    if names:
        return _one_of(names, default, f"the score rulebook of {what}", what)
    markets = [str(m) for (m,) in _rows(con, "marketplace", MARKETPLACES) if m]
    platform = load_rulebook(default, folders).platform
    market = markets[0] if len(markets) == 1 else platform
    in_force = written_for(market, folders, (Stage.SCORE,), on)
    if not in_force and market == platform:  # as `merchantry run` scores, whatever the day
        return Chosen(
            default, f"the default: none of {market}'s score rulebooks is in force on {on}"
        )
    if not in_force:
        raise InputError(
            f"--rulebook not given, and no score rulebook is written for this warehouse's "
            f"marketplace, {market}{f', in force on {on}' if on else ''}; give --rulebook "
            f"(score rulebooks: {', '.join(written_for(None, folders, (Stage.SCORE,)))})"
        )
    return _one_of(
        in_force,
        default,
        f"the score rulebook written for this warehouse's marketplace, {market}"
        + (f", in force on {on}" if on else ""),
        f"the score rulebooks of {market}" + (f" in force on {on}" if on else ""),
    )


def _one_of(names: list[str], default: str, why: str, what: str) -> Chosen:
    if len(names) == 1:
        return Chosen(names[0], why)
    if default in names:
        return Chosen(default, f"the default among {what} ({', '.join(names)})")
    raise InputError(
        f"--rulebook not given, and {what} are {len(names)}: {', '.join(names)}; "
        "give --rulebook with one of them"
    )


def run_score_rulebooks(
    con: duckdb.DuckDBPyConnection, folders: Sequence[Path] = (), on: date | None = None
) -> tuple[tuple[str, ...], str]:
    """The score rulebooks ``merchantry run`` keeps fresh when none is named, and why (empty
    when they are the runner's default): every one the warehouse's score runs used, else the
    one :func:`score_rulebook` takes for the marketplace on ``on``."""
    names = tuple(str(n) for (n,) in _rows(con, "stage_runs", SCORE_RUNS))
    if names:
        why = "the score rulebooks of this warehouse's score runs"
    else:
        chosen = score_rulebook(con, None, folders, on)
        names, why = (chosen.name,), chosen.why
    return names, "" if names == DEFAULT_SCORE_RULEBOOKS else why
