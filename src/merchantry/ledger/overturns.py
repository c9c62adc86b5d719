"""Overturned decisions: reverse their money once, and never post it again.

The risk stage records in ``overturned_entries`` each journal entry whose
decision a case overturned (a deposit deduction for a violation that was not
one, …). It does not touch the journal: sibling stages meet in tables. Here the
ledger reverses the *money event* behind each recorded entry, that is the live
entry of its ``logical_key`` (a later revision if the close has corrected the
entry since), with its own reversal mechanism (:func:`~merchantry.ledger.journal.post_reversals`),
booked on the overturn's date. The close, for its part, drops every staged
target whose key is overturned (:mod:`merchantry.ledger.journal`), so a re-close
or ``--refresh-fees`` leaves the reversal standing.

Each reversal carries ``close_key = 'overturn:' || case_id``, which is how a
case finds the reversal that undid its money (:func:`overturn_reversals`).
"""

from __future__ import annotations

from datetime import date
from typing import Final

import duckdb

from merchantry.ledger.journal import REVERSAL_KIND, post_reversals
from merchantry.model.outputs import OVERTURN_KEY_PREFIX
from merchantry.store.sql import run_sql
from merchantry.store.warehouse import ensure_schema, transaction

DUE: Final = """
CREATE OR REPLACE TEMP TABLE ledger_reverse AS
SELECT entry_id, booked_on, rulebook, close_key
FROM (
  SELECT live.entry_id,
         greatest(coalesce(CAST($booked_on AS DATE), o.booked_on), live.booked_on) AS booked_on,
         live.rulebook, $prefix || o.case_id AS close_key,
         row_number() OVER (PARTITION BY live.entry_id ORDER BY o.booked_on, o.case_id) AS nth
  FROM overturned_entries AS o
  JOIN journal_entries AS named ON named.entry_id = o.entry_id
  JOIN journal_entries AS live ON live.logical_key = named.logical_key
  WHERE live.kind <> $reversal
    AND live.entry_id NOT IN (SELECT reverses FROM journal_entries WHERE reverses IS NOT NULL)
)
WHERE nth = 1
ORDER BY entry_id
"""
"""The live entry of each overturned event, once: the earliest overturn naming it wins
(``case_id`` is the key of ``overturned_entries``, so the window's order is total and
both engines pick the same row)."""

UNKNOWN: Final = """
SELECT o.case_id, o.entry_id FROM overturned_entries AS o
WHERE o.entry_id NOT IN (SELECT entry_id FROM journal_entries) ORDER BY o.case_id
"""

REVERSALS: Final = """
SELECT substr(close_key, length($prefix) + 1), entry_id FROM journal_entries
WHERE kind = $reversal AND starts_with(close_key, $prefix)
ORDER BY close_key, booked_on, entry_id
"""


def apply_overturns(con: duckdb.DuckDBPyConnection, *, booked_on: date | None = None) -> int:
    """Reverse the live entry of every overturned money event not yet reversed; the count.

    Idempotent: a reversed entry is no longer live, so a second call posts nothing.
    ``booked_on`` books every reversal on that date instead of each overturn's own
    (never before the entry it reverses). Runs in its own transaction. Overturns
    naming an entry the journal does not hold are left alone (see
    :func:`unknown_overturns`).
    """
    ensure_schema(con)
    with transaction(con):
        return reverse_overturned(con, booked_on=booked_on)


def reverse_overturned(con: duckdb.DuckDBPyConnection, *, booked_on: date | None = None) -> int:
    """:func:`apply_overturns` inside the caller's transaction (the close calls this first)."""
    params = {"booked_on": booked_on, "prefix": OVERTURN_KEY_PREFIX, "reversal": REVERSAL_KIND}
    run_sql(con, DUE, params)
    return post_reversals(con)


def unknown_overturns(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    """``(case_id, entry_id)`` of overturns whose entry is not in the journal."""
    return [(str(c), str(e)) for c, e in con.execute(UNKNOWN).fetchall()]


def overturn_reversals(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Case id -> id of the reversal an overturn posted (the latest, if several)."""
    rows = run_sql(con, REVERSALS, {"prefix": OVERTURN_KEY_PREFIX, "reversal": REVERSAL_KIND})
    return {str(case): str(entry) for case, entry in rows.fetchall()}
