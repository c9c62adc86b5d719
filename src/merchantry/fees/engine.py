"""Run the fee stage: compile the rulebook, replace its lines for the period.

``compute_fees`` is the stage's one entry point (the simulator calls it for each
rulebook). Re-running replaces that rulebook's lines for orders paid in the
period (delete + insert in one transaction), so the same run twice gives the
same lines.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.fees.query import compile_fee_query
from merchantry.kit.errors import InputError, IntegrityError
from merchantry.model.outputs import FEE_KINDS, FEE_LINES, RULEBOOK_RULES
from merchantry.rulebook.checker import load_rulebook
from merchantry.rulebook.effects import Stage
from merchantry.rulebook.facts import score_gaps
from merchantry.rulebook.model import Rule, Rulebook
from merchantry.rulebook.registry import describe_effect
from merchantry.store.sql import next_row_id, run_sql, to_sql
from merchantry.store.warehouse import (
    duplicate_keys,
    ensure_schema,
    memory_limit_bytes,
    transaction,
)

DIALECT: Final = "duckdb"

# Orders paid $start..$end (dates, inclusive) are found by a plain range on the stored
# timestamp (midnight of $start to the midnight after $end), never CAST(paid_at AS DATE):
# DuckDB then filters inside the scan and skips row groups whose zone map lies outside.
# A run's own lines are found the same way, by their stored payment day (`paid_on`).

DELETE_LINES: Final = """
DELETE FROM fee_lines
WHERE rulebook = $rulebook AND paid_on BETWEEN $start AND $end
"""
"""The rulebook's lines of orders paid in the period, which a run replaces. Each line
carries its order's payment day, and the lines are appended a run (a batch of payment days)
at a time, so the range prunes to the period's row groups: a daily run no longer reads every
line the rulebook ever wrote, as the semi-join on the period's orders it replaces did
(``orders`` never change once stored, so both find the same lines)."""

TOTALS: Final = """
SELECT fee_kind, count(*), sum(amount_fen), sum(baseline_fen)
FROM fee_lines
WHERE rulebook = $rulebook AND paid_on BETWEEN $start AND $end
GROUP BY fee_kind
"""

WRITTEN_FROM: Final = to_sql(next_row_id("fee_lines"))
"""The first row id a line written from now on can have (one past the largest)."""

PERIOD_TOTALS: Final = """
SELECT fee_kind, count(*), sum(amount_fen), sum(baseline_fen), count(DISTINCT hash(order_id))
FROM fee_lines
WHERE rowid >= $written_from
GROUP BY fee_kind
"""
""":data:`TOTALS` and, per fee kind, how many distinct order hashes its lines have: one pass
over the lines a run wrote gives both the run's totals and its key check. The run's lines
are the rows past :data:`WRITTEN_FROM` taken before it wrote (it deleted the period's lines
of its rulebook first, in the same transaction), a row-id range DuckDB reads without
scanning the lines of earlier days or of other rulebooks. Within one rulebook
and fee kind, a repeated order always repeats its hash, so fewer hashes than lines is the
only way a duplicate key can show; a hash collision can only raise a false alarm, which the
exact check (:func:`period_duplicates`) then clears."""

COLONEL_CAPS: Final = """
CREATE OR REPLACE TEMP TABLE fee_colonel_caps (
  rule_id VARCHAR, ad_period BOOLEAN, min_bp INTEGER, max_bp INTEGER, cap_bp INTEGER
)
"""

COLONEL_CUT: Final = """
SELECT count(*), min(l.order_id), any_value(c.rule_id), any_value(c.cap_bp)
FROM fee_lines AS l
JOIN fee_colonel_caps AS c USING (rule_id)
JOIN orders AS o USING (order_id)
LEFT JOIN order_colonel_fees AS cf USING (order_id)
WHERE l.rulebook = $rulebook AND l.fee_kind = 'affiliate_commission'
  AND l.paid_on BETWEEN $start AND $end
  AND o.paid_at >= CAST($start AS TIMESTAMP)
  AND o.paid_at < CAST($end AS TIMESTAMP) + INTERVAL 1 DAY
  AND least(greatest(CASE WHEN c.ad_period
                          THEN coalesce(o.ad_commission_rate_bp, o.commission_rate_bp)
                          ELSE o.commission_rate_bp END, c.min_bp), c.max_bp)
      + coalesce(cf.colonel_rate_bp, 0) > c.cap_bp
"""
"""Affiliate lines whose creator rate (held in the plan range) plus the colonel fee passes the
rule's ``with_colonel_max_bp``: the stage cut the creator's rate to fit."""

ORDERS_IN_PERIOD: Final = """
SELECT count(*) FROM orders
WHERE paid_at >= CAST($start AS TIMESTAMP) AND paid_at < CAST($end AS TIMESTAMP) + INTERVAL 1 DAY
"""

ORDERS_BY_DAY: Final = """
SELECT CAST(paid_at AS DATE) AS paid_on, count(*) FROM orders
WHERE paid_at >= CAST($start AS TIMESTAMP) AND paid_at < CAST($end AS TIMESTAMP) + INTERVAL 1 DAY
GROUP BY paid_on ORDER BY paid_on
"""
"""The period's orders per payment day: how the run is cut into batches, and its order count."""

BYTES_PER_ORDER: Final = 800
"""Memory budgeted per order of a batch. The fee query materializes one row per order (the
columns its lines read) and hash-joins the order facts; over a whole month under an 8 GB
limit it peaked at 801 MiB of resident memory for 1 M orders and 5,057 MiB for 10 M (about
530 bytes an order), and at 100 M it stood at the limit and spilled 23.5 GB
(docs/performance.md, round of 2026-12-03). 800 bytes keeps a batch under the limit with
room for the connection's other buffers: about 10 M orders under the default 8 GiB."""

MIN_BATCH_ORDERS: Final = 10_000
"""A floor, so that a tiny memory limit does not cut a run into thousands of statements."""


@dataclass(frozen=True, slots=True)
class KindTotal:
    """Totals of one fee kind in a run."""

    fee_kind: str
    lines: int
    amount_fen: int
    baseline_fen: int

    @property
    def saved_fen(self) -> int:
        """What waivers took off (baseline − charged)."""
        return self.baseline_fen - self.amount_fen


@dataclass(frozen=True, slots=True)
class FeeRunSummary:
    """What one fee run did."""

    rulebook: str
    start: date
    end: date
    orders: int
    lines: int
    totals: tuple[KindTotal, ...]
    """One entry per fee kind that produced lines, in ``FEE_KINDS`` order."""
    seconds: float
    warnings: tuple[str, ...] = ()

    def total(self, fee_kind: str) -> KindTotal:
        for total in self.totals:
            if total.fee_kind == fee_kind:
                return total
        return KindTotal(fee_kind, 0, 0, 0)


@dataclass(frozen=True, slots=True)
class Batch:
    """Consecutive payment days whose orders one statement of the run computes."""

    start: date
    end: date
    orders: int


def plan_batches(days: Sequence[tuple[date, int]], most: int) -> list[Batch]:
    """Cut ``days`` (payment day, orders that day; in date order, days without orders left
    out) into runs of consecutive days holding at most ``most`` orders each; a day holding
    more is a batch of its own (a day is never split: its orders are one range of
    ``paid_at``). Every day is in exactly one batch, in order."""
    if most < 1:
        raise ValueError(f"a batch holds at least one order, not {most}")
    batches: list[Batch] = []
    first: date | None = None
    last: date | None = None
    held = 0
    for day, orders in days:
        if first is not None and last is not None and held + orders > most:
            batches.append(Batch(first, last, held))
            first = None
        if first is None:
            first, held = day, 0
        last = day
        held += orders
    if first is not None and last is not None:
        batches.append(Batch(first, last, held))
    return batches


def orders_per_batch(con: duckdb.DuckDBPyConnection) -> int:
    """How many orders one statement of a fee run may compute under the connection's memory
    limit (:data:`BYTES_PER_ORDER` each, at least :data:`MIN_BATCH_ORDERS`)."""
    return max(MIN_BATCH_ORDERS, memory_limit_bytes(con) // BYTES_PER_ORDER)


@functools.lru_cache(maxsize=32)
def _compiled(rulebook: Rulebook) -> exp.Select:
    """The compiled fee query, once per (immutable, hashable) rulebook value; callers copy it."""
    return compile_fee_query(rulebook)


@functools.lru_cache(maxsize=32)
def fee_lines_sql(rulebook: Rulebook) -> str:
    """The compiled fee query as DuckDB SQL (parameters ``$start``, ``$end``)."""
    return _compiled(rulebook).sql(dialect=DIALECT)


@functools.lru_cache(maxsize=32)
def _insert_sql(rulebook: Rulebook) -> str:
    """INSERT of the compiled query (compiled once for both texts)."""
    columns = [exp.to_identifier(c.name, quoted=True) for c in FEE_LINES.columns]
    insert = exp.Insert(
        this=exp.Schema(this=exp.to_table(FEE_LINES.name), expressions=columns),
        expression=_compiled(rulebook).copy(),
    )
    return insert.sql(dialect=DIALECT)


def _rule_rows(rulebook: Rulebook) -> list[tuple[object, ...]]:
    return [
        (
            rulebook.name,
            r.id,
            r.title,
            r.effect.kind,
            r.effect_kind.fee_kind,
            describe_effect(r.effect),
            r.when,
            r.priority,
            r.stacking.value,
            r.provenance.source or None,
            r.provenance.assumption,
            r.provenance.note or None,
            r.origin,
        )
        for r in rulebook.rules
    ]


def write_rulebook_rules(con: duckdb.DuckDBPyConnection, rulebook: Rulebook) -> None:
    """Replace ``rulebook_rules`` rows of this rulebook (inside the caller's transaction)."""
    con.execute("DELETE FROM rulebook_rules WHERE rulebook = ?", [rulebook.name])
    rows = _rule_rows(rulebook)
    if not rows:
        return
    # one statement with every row (executemany ran one statement per rule: seconds for a
    # few hundred rules on a busy machine, more than the fee lines of a day)
    values = exp.Values(
        expressions=[
            exp.Tuple(expressions=[exp.Placeholder() for _ in RULEBOOK_RULES.columns]) for _ in rows
        ]
    )
    insert = exp.insert(values, RULEBOOK_RULES.name)
    con.execute(insert.sql(dialect=DIALECT), [value for row in rows for value in row])


def compute_fees(
    con: duckdb.DuckDBPyConnection,
    rulebook: str,
    start: date,
    end: date,
    *,
    rulebook_dirs: Sequence[Path] = (),
) -> FeeRunSummary:
    """Compute fee lines for orders paid ``start``..``end`` (inclusive) under ``rulebook``.

    Raises ``NotFound`` for an unknown rulebook and ``InputError`` (with every
    diagnostic) for a bad one, before touching the warehouse.
    """
    if end < start:
        raise InputError(f"period ends ({end}) before it starts ({start})")
    book = load_rulebook(rulebook, rulebook_dirs)
    return run_rulebook(con, book, start, end)


def _feeds_fee_lines(rule: Rule) -> bool:
    kind = rule.effect_kind
    return kind.stage is Stage.FEES and kind.fee_kind is not None


def period_duplicates(con: duckdb.DuckDBPyConnection, rulebook: str, start: date, end: date) -> int:
    """Duplicate (rulebook, order, fee kind) keys among the lines of orders paid
    ``start``..``end``: the only lines a run of that period writes, so the only place it
    can have made a duplicate. Checking the rulebook's whole history instead made every
    daily fee run cost a group-by of every line ever written."""

    def day(value: date) -> exp.Expr:
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.Type.DATE)

    scope = exp.and_(
        exp.column("rulebook").eq(exp.Literal.string(rulebook)),
        exp.Between(this=exp.column("paid_on"), low=day(start), high=day(end)),
    )
    return duplicate_keys(con, FEE_LINES, scope)


def colonel_cut_warning(
    con: duckdb.DuckDBPyConnection, book: Rulebook, start: date, end: date
) -> str | None:
    """A warning naming the orders of the period whose creator commission was cut because the
    creator's rate plus the colonel (团长) fee passed the plan's bound, or None."""
    caps = [
        (
            r.id,
            r.effect.text("rate") == "ad_period",
            r.effect.int("min_rate_bp"),
            r.effect.int("max_rate_bp"),
            r.effect.int("with_colonel_max_bp"),
        )
        for r in book.rules
        if r.effect.kind == "affiliate_commission"
        and "with_colonel_max_bp" in {k for k, _ in r.effect.values}
    ]
    if not caps:
        return None
    con.execute(COLONEL_CAPS)
    con.executemany("INSERT INTO fee_colonel_caps VALUES (?, ?, ?, ?, ?)", caps)
    params = {"rulebook": book.name, "start": start, "end": end}
    row = run_sql(con, COLONEL_CUT, params).fetchone()
    if row is None or not row[0]:
        return None
    count, first, rule, cap = int(row[0]), row[1], row[2], int(row[3])
    return (
        f"{count:,} affiliate orders paid {start}..{end} (first {first}) offered the creator a "
        f"rate that with the colonel fee passes {cap / 100:g}% (rule {rule}): the creator's "
        "commission was cut to the bound less the colonel fee, which can be below the plan's "
        "lowest rate; the platform refuses such plans, so check the order data"
    )


def _no_orders(con: duckdb.DuckDBPyConnection, start: date, end: date) -> str:
    """The warning of a period no order was paid in, saying where the orders are."""
    row = con.execute("SELECT min(paid_at)::DATE, max(paid_at)::DATE FROM orders").fetchone()
    if row is None or row[0] is None:
        return "no orders were paid in the period: the warehouse holds no orders (ingest first)"
    return (
        f"no orders were paid in {start}..{end}: the warehouse's orders were paid "
        f"{row[0]}..{row[1]}"
    )


def run_rulebook(
    con: duckdb.DuckDBPyConnection,
    book: Rulebook,
    start: date,
    end: date,
    *,
    batch_orders: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> FeeRunSummary:
    """:func:`compute_fees` for an already loaded rulebook.

    The period's lines are written in batches of consecutive payment days holding at most
    ``batch_orders`` orders each (default :func:`orders_per_batch`: what the connection's
    memory limit holds), all in one transaction: a month of 100 M orders is about ten
    statements of 10 M orders, each within memory, rather than one that spills. A fee line
    depends only on its own order's facts, so the lines do not depend on the cut (held by
    ``tests/fees/test_batches.py``). ``progress`` is told each batch when there are several.
    """
    began = time.perf_counter()
    ensure_schema(con)
    warnings = []
    if start < book.effective_from or (book.effective_to is not None and end > book.effective_to):
        window = f"{book.effective_from}..{book.effective_to or 'open'}"
        warnings.append(
            f"period {start}..{end} is outside {book.name}'s effective window {window} "
            "(fine for a what-if replay)"
        )
    warnings += score_gaps(con, book, start, end, _feeds_fee_lines)
    period = {"start": start, "end": end}
    named = {"rulebook": book.name, **period}
    insert = _insert_sql(book)
    days = [(row[0], int(row[1])) for row in run_sql(con, ORDERS_BY_DAY, period).fetchall()]
    if not days:
        warnings.append(_no_orders(con, start, end))
    most = orders_per_batch(con) if batch_orders is None else batch_orders
    batches = plan_batches(days, most)
    sums: dict[str, KindTotal] = {}
    with transaction(con):
        con.execute(DELETE_LINES, named)
        for number, batch in enumerate(batches, 1):
            if progress is not None and len(batches) > 1:
                progress(
                    f"fees under {book.name}: orders paid {batch.start}..{batch.end} "
                    f"({batch.orders:,}; batch {number} of {len(batches)})"
                )
            written_from = con.execute(WRITTEN_FROM).fetchone()
            con.execute(insert, {"start": batch.start, "end": batch.end})
            mark = {"written_from": written_from[0] if written_from else 0}
            rows = con.execute(PERIOD_TOTALS, mark).fetchall()
            if any(r[1] > r[4] for r in rows):  # fewer order hashes than lines in some fee kind
                duplicates = period_duplicates(con, book.name, batch.start, batch.end)
                if duplicates:  # rolls the run back: a bug in the compiled query, never user input
                    raise IntegrityError(
                        f"fee run for {book.name} wrote {duplicates} duplicate "
                        "(order, fee kind) keys"
                    )
            for kind, lines, amount, baseline, _ in rows:
                had = sums.get(kind, KindTotal(kind, 0, 0, 0))
                sums[kind] = KindTotal(
                    kind,
                    had.lines + int(lines),
                    had.amount_fen + int(amount),
                    had.baseline_fen + int(baseline),
                )
        write_rulebook_rules(con, book)
    cut = colonel_cut_warning(con, book, start, end)
    if cut is not None:
        warnings.append(cut)
    totals = tuple(sums[k] for k in FEE_KINDS if k in sums)
    return FeeRunSummary(
        rulebook=book.name,
        start=start,
        end=end,
        orders=sum(orders for _, orders in days),
        lines=sum(t.lines for t in totals),
        totals=totals,
        seconds=time.perf_counter() - began,
        warnings=tuple(warnings),
    )
