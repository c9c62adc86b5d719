"""The validation of ingested rows: an ordered tuple of small checks, one signature each.

A check takes a :class:`CheckContext` and returns SQL ``SELECT`` trees, each
yielding the problem rows it finds as ``(_id, column_name, reason, message)``.
Checks never modify anything; the pipeline runs them, records the problems and
decides which rows are accepted. The SQL is built with sqlglot from the table
declarations in :mod:`merchantry.model.tables`.

Two groups run in order:

* :data:`ROW_CHECKS` look at one row at a time. They all run over every row, so
  a row with several independent problems gets all of them listed.
* :data:`RELATION_CHECKS` compare a row with other rows (duplicates, references,
  parents, event sequences). They run one after another over the rows that are
  still candidates, so a row is only compared with rows that are themselves good.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlglot
import sqlglot.expressions as exp

from merchantry.ingest.coerce import (
    TYPE_REASONS,
    fails_to_parse,
    maximum,
    minimum,
    type_problem,
)
from merchantry.ingest.reason import Reason
from merchantry.model.schema import ColumnType, Table
from merchantry.model.tables import table as declared_table
from merchantry.store.sql import DIALECT, col, concat, fill, text, text_list


@dataclass(frozen=True, slots=True)
class CheckContext:
    """What a check may look at."""

    table: Table
    stage: str
    """Staging relation: declared columns as text, plus ``_id`` and ``_problem``."""
    cand: str
    """Candidate relation: typed columns of the rows not yet found bad, plus ``_id``,
    ``_file`` and ``_row``."""
    ranged: tuple[str, ...] = ()
    """Candidate columns whose smallest and largest values the relation checks are given
    as the parameters ``$lo_<column>`` and ``$hi_<column>`` (see :func:`_within_candidates`;
    :func:`ranged_columns` names them). Empty: none are (the checks on Spark)."""


def ranged_columns(table: Table) -> tuple[str, ...]:
    """The columns the relation checks look stored rows up by: the primary key, each
    column that references another table, and the group of an event sequence."""
    wanted = [*table.primary_key]
    wanted += [c.name for c in table.columns if c.references is not None]
    if table.sequence is not None:
        wanted.append(table.sequence.group_by)
    return tuple(dict.fromkeys(wanted))


Check = Callable[[CheckContext], list[exp.Select]]


def _problem(
    ctx_from: str,
    where: exp.Expr,
    column: str | exp.Expr,
    reason: Reason,
    message: exp.Expr,
) -> exp.Select:
    column_expr = text(column) if isinstance(column, str) else column
    return (
        exp.select(
            col("_id"),
            column_expr.as_("column_name"),
            text(reason.value).as_("reason"),
            message.as_("message"),
        )
        .from_(exp.to_table(ctx_from))
        .where(where)
    )


def _shown(value: exp.Expr) -> exp.Expr:
    """A value as quoted text for a message, cut to 80 characters."""
    return concat("'", exp.func("left", exp.cast(value, "VARCHAR"), exp.Literal.number(80)), "'")


def _no_structural_problem() -> exp.Expr:
    return exp.Is(this=col("_problem"), expression=exp.null())


# --- row checks ---------------------------------------------------------------------------


def check_structure(ctx: CheckContext) -> list[exp.Select]:
    """Problems found while reading: encoding, field count, JSON, column set."""
    found = exp.Not(this=_no_structural_problem())
    return [
        exp.select(
            col("_id"),
            col("_column").as_("column_name"),
            col("_problem").as_("reason"),
            col("_detail").as_("message"),
        )
        .from_(exp.to_table(ctx.stage))
        .where(found)
    ]


def check_nulls(ctx: CheckContext) -> list[exp.Select]:
    """A required value is empty."""
    return [
        _problem(
            ctx.stage,
            exp.and_(_no_structural_problem(), exp.Is(this=col(c.name), expression=exp.null())),
            c.name,
            Reason.NULL_VALUE,
            text(f"{c.name} is required but empty"),
        )
        for c in ctx.table.columns
        if not c.nullable
    ]


def check_types(ctx: CheckContext) -> list[exp.Select]:
    """A value that does not parse as its column's type."""
    selects = []
    for c in ctx.table.columns:
        fails = fails_to_parse(c, col(c.name))
        if fails is None:
            continue
        reason, _what = TYPE_REASONS[c.type]
        message = concat(f"{c.name} ", _shown(col(c.name)), " ", type_problem(c, col(c.name)))
        selects.append(
            _problem(ctx.stage, exp.and_(_no_structural_problem(), fails), c.name, reason, message)
        )
    return selects


def check_choices(ctx: CheckContext) -> list[exp.Select]:
    """An enumerated value (or list element) outside its allowed values."""
    selects = []
    for c in ctx.table.columns:
        if not c.choices:
            continue
        allowed = text_list(c.choices)
        if c.type is ColumnType.TEXT_LIST:
            bad: exp.Expr = exp.Not(this=exp.func("list_has_all", allowed, col(c.name)))
        else:
            bad = exp.Not(this=exp.In(this=col(c.name), expressions=[text(v) for v in c.choices]))
        where = exp.and_(exp.Not(this=exp.Is(this=col(c.name), expression=exp.null())), bad)
        message = concat(
            f"{c.name} ", _shown(col(c.name)), " is not one of: " + ", ".join(c.choices)
        )
        selects.append(_problem(ctx.cand, where, c.name, Reason.BAD_CHOICE, message))
    return selects


def check_ranges(ctx: CheckContext) -> list[exp.Select]:
    """A number under its minimum (e.g. negative money) or over its maximum (e.g. 6 stars)."""
    selects = []
    for c in ctx.table.columns:
        low, high = minimum(c), maximum(c)
        if low is not None:
            what = "a negative amount" if c.is_money and low == 0 else "below"
            message = concat(
                f"{c.name} ", exp.cast(col(c.name), "VARCHAR"), f" is {what} (minimum {low:,})"
            )
            under = exp.LT(this=col(c.name), expression=exp.Literal.number(low))
            selects.append(_problem(ctx.cand, under, c.name, Reason.BELOW_MINIMUM, message))
        if high is not None:
            bounded = high != c.maximum
            why = (
                f" is above {high:,}, the largest amount every stage can compute "
                "(see docs/ingestion.md)"
                if bounded
                else f" is above the maximum {high:,}"
            )
            message = concat(f"{c.name} ", exp.cast(col(c.name), "VARCHAR"), why)
            over = exp.GT(this=col(c.name), expression=exp.Literal.number(high))
            selects.append(_problem(ctx.cand, over, c.name, Reason.ABOVE_MAXIMUM, message))
    return selects


_WIDE = (ColumnType.INT, ColumnType.BIGINT, ColumnType.MONEY)


def _trusted_condition(table: Table, condition: str) -> exp.Expr:
    """Parse a declared (trusted) SQL condition and quote its column names.

    Numbers are widened to HUGEINT, so that a rule such as the amount identity
    cannot overflow on amounts near the BIGINT limit (those rows are quarantined
    by the range check; the rule must not abort the ingest first).
    """
    tree = sqlglot.parse_one(condition, dialect=DIALECT)

    def quote(node: exp.Expr) -> exp.Expr:
        if not isinstance(node, exp.Column):
            return node
        if node.name not in table.column_names:
            raise KeyError(f"row check of {table.name} names unknown column {node.name!r}")
        ref = exp.column(node.name, quoted=True)
        if table.column(node.name).type in _WIDE:
            return exp.cast(ref, "HUGEINT")
        return ref

    return tree.transform(quote)


def check_row_rules(ctx: CheckContext) -> list[exp.Select]:
    """A declared row rule (``Table.row_checks``) that is false; NULL counts as passing."""
    selects = []
    for rule in ctx.table.row_checks:
        condition = _trusted_condition(ctx.table, rule.sql)
        fails = exp.Not(this=exp.Coalesce(this=exp.paren(condition), expressions=[exp.true()]))
        message = text(f"[{rule.name}] {rule.message}")
        selects.append(_problem(ctx.cand, fails, rule.column, Reason.ROW_CHECK, message))
    return selects


def check_local_time_order(ctx: CheckContext) -> list[exp.Select]:
    """A time in the row before an earlier time of the same row (``requested_at <= closed_at``)."""
    selects = []
    for rule in ctx.table.time_order:
        if rule.via is not None or "." in rule.earlier or "." in rule.later:
            continue
        where = exp.LT(this=col(rule.later), expression=col(rule.earlier))
        message = concat(
            f"{rule.later} ",
            exp.cast(col(rule.later), "VARCHAR"),
            f" is before {rule.earlier} ",
            exp.cast(col(rule.earlier), "VARCHAR"),
        )
        selects.append(_problem(ctx.cand, where, rule.later, Reason.TIME_ORDER, message))
    return selects


_SPACES = r"\x{00A0}\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}"
INVISIBLE_PATTERN = "[\\p{Cc}\\p{Cf}" + _SPACES + "]"
"""Control, format (zero-width, bidi marks, BOM) and non-ASCII space characters."""
ENDS_PATTERN = r"^[\s\p{Z}]|[\s\p{Z}]$"
SUSPICIOUS_ID_PATTERN = ENDS_PATTERN + "|" + INVISIBLE_PATTERN


def is_id_column(table: Table, name: str) -> bool:
    """Keys, references and ``*_id`` text columns: values that name a row."""
    column = table.column(name)
    return column.type is ColumnType.TEXT and (
        name in table.primary_key or column.references is not None or name.endswith("_id")
    )


def check_ids(ctx: CheckContext) -> list[exp.Select]:
    """An id with spaces at its ends, or a control, invisible or non-ASCII space character.

    Such an id would be stored as a new key that looks exactly like an existing
    one (``'s1 '``, ``'s1\u200b'``), so it is refused rather than trimmed.
    """
    selects = []
    for c in ctx.table.columns:
        if not is_id_column(ctx.table, c.name):
            continue
        value = col(c.name)
        hidden = exp.func("regexp_extract", value.copy(), text(INVISIBLE_PATTERN))
        has_hidden = exp.NEQ(this=hidden, expression=text(""))
        codepoint = exp.func("printf", text("U+%04X"), exp.func("unicode", hidden.copy()))
        message = concat(
            f"{c.name} ",
            _shown(value.copy()),
            exp.Case(
                ifs=[
                    exp.If(
                        this=has_hidden.copy(),
                        true=concat(" holds an invisible or control character ", codepoint),
                    )
                ],
                default=text(" has a space at its start or end"),
            ),
            "; ids must match exactly, so this would be a new key that looks like another",
        )
        suspicious = exp.func("regexp_matches", value.copy(), text(SUSPICIOUS_ID_PATTERN))
        where = exp.and_(_no_structural_problem(), suspicious)
        selects.append(_problem(ctx.stage, where, c.name, Reason.BAD_ID, message))
    return selects


ROW_CHECKS: tuple[Check, ...] = (
    check_structure,
    check_nulls,
    check_ids,
    check_types,
    check_choices,
    check_ranges,
    check_row_rules,
    check_local_time_order,
)
"""Checks of one row in isolation, in reporting order."""


# --- relation checks ----------------------------------------------------------------------


def _key_text(table: Table, alias: str | None = None) -> exp.Expr:
    parts = [exp.cast(col(k, alias), "VARCHAR") for k in table.primary_key]
    return exp.func("concat_ws", text(", "), *parts)


def _key_match(table: Table, left: str, right: str) -> exp.Expr:
    return exp.and_(
        *(exp.EQ(this=col(k, left), expression=col(k, right)) for k in table.primary_key)
    )


def _within_candidates(stored: exp.Expr, ctx: CheckContext, column: str) -> exp.Expr | None:
    """``stored BETWEEN $lo_<column> AND $hi_<column>`` (the candidates' smallest and largest
    ``column``), or ``None`` when ``column`` is not among ``ctx.ranged``.

    Added beside an equality of ``stored`` with a candidate's ``column``, it changes no
    answer (an equal value lies within the candidates' range), but it is a range DuckDB
    prunes a stored table's row groups by (their zone maps), which the equality inside a
    join is not, nor a range bounded by subqueries once the look-up is decorrelated: a
    day's keys are found among the row groups of the days they name, not in every row
    group of the history, when keys grow with time as order numbers do (random keys lose
    nothing but the two values' look-up)."""
    if column not in ctx.ranged:
        return None
    return exp.Between(
        this=stored,
        low=exp.Placeholder(this=f"lo_{column}"),
        high=exp.Placeholder(this=f"hi_{column}"),
    )


def check_warehouse_duplicates(ctx: CheckContext) -> list[exp.Select]:
    """The primary key is already stored by an earlier ingest."""
    t = ctx.table
    ranged = [_within_candidates(col(k, "s"), ctx, k) for k in t.primary_key]
    stored = (
        exp.select("1")
        .from_(exp.to_table(t.name).as_("s"))
        .where(exp.and_(_key_match(t, "s", "c"), *ranged))
    )
    message = concat(
        ", ".join(t.primary_key) + " ", _shown(_key_text(t, "c")), f" is already stored in {t.name}"
    )
    select = (
        exp.select(
            col("_id", "c"),
            text(t.primary_key[0]).as_("column_name"),
            text(Reason.DUPLICATE_IN_WAREHOUSE.value).as_("reason"),
            message.as_("message"),
        )
        .from_(exp.to_table(ctx.cand).as_("c"))
        .where(exp.Exists(this=stored))
    )
    return [select]


def _window(
    func: exp.Expr, partition: list[exp.Expr], order: list[str] | None = None
) -> exp.Window:
    ordered = exp.Order(expressions=[exp.Ordered(this=col(o)) for o in order]) if order else None
    return exp.Window(this=func, partition_by=partition, order=ordered)


def check_batch_duplicates(ctx: CheckContext) -> list[exp.Select]:
    """The primary key appeared earlier in the same file, or in an earlier file of this ingest.

    The first occurrence (lowest file number, then lowest row) is kept. The windows
    that rank the occurrences run only over rows whose key occurs more than once (a
    grouping finds them): sorting every candidate cost about four times as much, and a
    repeated key is rare.
    """
    t = ctx.table
    key = [col(k) for k in t.primary_key]
    repeated = (
        exp.select(*(col(k) for k in t.primary_key))
        .from_(exp.to_table(ctx.cand))
        .group_by(*(col(k) for k in t.primary_key))
        .having(exp.GT(this=exp.Count(this=exp.Star()), expression=exp.Literal.number(1)))
    )
    same_key = exp.and_(
        *(exp.NullSafeEQ(this=col(k, "k"), expression=col(k, "c")) for k in t.primary_key)
    )
    repeats = exp.Exists(this=exp.select("1").from_(repeated.subquery("k")).where(same_key))
    inner = (
        exp.select(
            col("_id"),
            _shown(_key_text(t)).as_("key_text"),
            _window(exp.RowNumber(), [col("_file"), *key], ["_row"]).as_("rn_file"),
            _window(exp.Min(this=col("_row")), [col("_file"), *key]).as_("first_row"),
            _window(exp.RowNumber(), list(key), ["_file", "_row"]).as_("rn_batch"),
        )
        .from_(exp.to_table(ctx.cand).as_("c"))
        .where(repeats)
    )
    in_file = exp.GT(this=col("rn_file"), expression=exp.Literal.number(1))
    names = ", ".join(t.primary_key) + " "
    reason = exp.Case(
        ifs=[exp.If(this=in_file, true=text(Reason.DUPLICATE_IN_FILE.value))],
        default=text(Reason.DUPLICATE_IN_BATCH.value),
    )
    message = exp.Case(
        ifs=[
            exp.If(
                this=in_file.copy(),
                true=concat(
                    names,
                    col("key_text"),
                    " already appears at row ",
                    exp.cast(col("first_row"), "VARCHAR"),
                    " of this file",
                ),
            )
        ],
        default=concat(
            names, col("key_text"), " already appears in an earlier file of this ingest"
        ),
    )
    select = (
        exp.select(
            col("_id"),
            text(t.primary_key[0]).as_("column_name"),
            reason.as_("reason"),
            message.as_("message"),
        )
        .from_(inner.subquery("d"))
        .where(exp.GT(this=col("rn_batch"), expression=exp.Literal.number(1)))
    )
    return [select]


def check_references(ctx: CheckContext) -> list[exp.Select]:
    """A referenced row exists neither in the warehouse nor among this ingest's accepted rows.

    Tables load parents first, and accepted rows are inserted before the next
    table is checked, so "in the warehouse" already covers this ingest's parents.
    A self-reference (a category's parent) may also point at another candidate;
    the pipeline repeats this check until no more rows drop out.
    """
    selects = []
    for c in ctx.table.columns:
        if c.references is None:
            continue
        ref_table, ref_col = c.references.split(".")
        target = exp.EQ(this=col(ref_col, "r"), expression=col(c.name, "c"))
        ranged = _within_candidates(col(ref_col, "r"), ctx, c.name)
        stored = (
            exp.select("1")
            .from_(exp.to_table(ref_table).as_("r"))
            .where(exp.and_(target.copy(), ranged))
        )
        missing: exp.Expr = exp.Not(this=exp.Exists(this=stored))
        if ref_table == ctx.table.name:
            sibling = exp.select("1").from_(exp.to_table(ctx.cand).as_("r")).where(target.copy())
            missing = exp.and_(missing, exp.Not(this=exp.Exists(this=sibling)))
        present = exp.Not(this=exp.Is(this=col(c.name, "c"), expression=exp.null()))
        alike = (
            exp.select(exp.Min(this=col(ref_col, "r2")))
            .from_(exp.to_table(ref_table).as_("r2"))
            .where(
                exp.EQ(
                    this=exp.Lower(this=col(ref_col, "r2")),
                    expression=exp.Lower(this=col(c.name, "c")),
                )
            )
        )
        hint = exp.Case(
            ifs=[
                exp.If(
                    this=exp.Not(
                        this=exp.Is(this=exp.paren(alike.subquery()), expression=exp.null())
                    ),
                    true=concat(
                        " (", _shown(exp.paren(alike.copy().subquery())), " differs only in case)"
                    ),
                )
            ]
        )
        message = concat(f"{c.name} ", _shown(col(c.name, "c")), f" not found in {ref_table}", hint)
        selects.append(
            exp.select(
                col("_id", "c"),
                text(c.name).as_("column_name"),
                text(Reason.MISSING_REFERENCE.value).as_("reason"),
                message.as_("message"),
            )
            .from_(exp.to_table(ctx.cand).as_("c"))
            .where(exp.and_(present, missing))
        )
    return selects


def check_parent_time_order(ctx: CheckContext) -> list[exp.Select]:
    """A time before a time of the parent row (``orders.paid_at <= logistics event_at``)."""
    selects = []
    for rule in ctx.table.time_order:
        if rule.via is None:
            continue
        via = ctx.table.column(rule.via)
        assert via.references is not None, f"{ctx.table.name}.{rule.via} references nothing"
        parent, parent_key = via.references.split(".")
        sides = {}
        for side in (rule.earlier, rule.later):
            if "." in side:
                table_name, column_name = side.split(".")
                declared_table(table_name).column(column_name)
                sides[side] = col(column_name, "p")
            else:
                sides[side] = col(side, "c")
        join = exp.and_(
            exp.EQ(this=col(parent_key, "p"), expression=col(rule.via, "c")),
            _within_candidates(col(parent_key, "p"), ctx, rule.via),
        )
        where = exp.LT(this=sides[rule.later], expression=sides[rule.earlier])
        later_name = rule.later.split(".")[-1]
        message = concat(
            f"{rule.later} ",
            exp.cast(sides[rule.later], "VARCHAR"),
            f" is before {rule.earlier} ",
            exp.cast(sides[rule.earlier], "VARCHAR"),
            f" of {rule.via} ",
            _shown(col(rule.via, "c")),
        )
        selects.append(
            exp.select(
                col("_id", "c"),
                text(later_name).as_("column_name"),
                text(Reason.TIME_ORDER.value).as_("reason"),
                message.as_("message"),
            )
            .from_(exp.to_table(ctx.cand).as_("c"))
            .join(exp.to_table(parent).as_("p"), on=join)
            .where(where)
        )
    return selects


_SEQUENCE = """
WITH ev AS (
  SELECT _id, p_group AS g, p_kind AS kind, p_time AS t, TRUE AS is_new FROM p_cand
  UNION ALL
  SELECT NULL, s.p_group, s.p_kind, s.p_time, FALSE FROM p_target AS s
  WHERE s.p_group IN (SELECT DISTINCT p_group FROM p_cand) AND p_ranged
), ranked AS (
  SELECT *, p_rank AS r FROM ev
)
SELECT n._id, p_time_name AS column_name, 'sequence_order' AS reason,
  concat(n.kind, ' at ', CAST(n.t AS VARCHAR), ' is out of order with ',
         arg_min(concat(CASE WHEN o.is_new THEN '' ELSE 'stored ' END, o.kind, ' at ',
                        CAST(o.t AS VARCHAR)), o.r)) AS message
FROM ranked AS n
JOIN ranked AS o ON o.g = n.g AND o._id IS DISTINCT FROM n._id
WHERE n.is_new AND ((o.r < n.r AND o.t > n.t) OR (NOT o.is_new AND o.r > n.r AND o.t < n.t))
GROUP BY n._id, n.kind, n.t
"""


def check_sequence(ctx: CheckContext) -> list[exp.Select]:
    """An event earlier than an event that must precede it, within one group.

    Events already stored count too. Between two new events the one later in
    the sequence is blamed (delivered before shipped quarantines ``delivered``);
    a new event that contradicts a stored one is blamed, since the stored one
    was accepted before. The stored events are found through the candidates'
    distinct groups (a day's events name each order several times; probing the
    stored table against every repeat cost five times as much at 10 M orders), and within
    the candidates' range of groups (see :func:`_within_candidates`).
    """
    seq = ctx.table.sequence
    if seq is None:
        return []
    rank = exp.Case(
        this=col("kind"),
        ifs=[exp.If(this=text(k), true=exp.Literal.number(i)) for i, k in enumerate(seq.order)],
    )
    tree = fill(
        _SEQUENCE,
        {
            "p_group": seq.group_by,
            "p_kind": seq.kind_column,
            "p_time": seq.time_column,
            "p_cand": ctx.cand,
            "p_target": ctx.table.name,
            "p_rank": rank,
            "p_time_name": text(seq.time_column),
            "p_ranged": _within_candidates(col(seq.group_by, "s"), ctx, seq.group_by) or exp.true(),
        },
    )
    assert isinstance(tree, exp.Select)
    return [tree]


RELATION_CHECKS: tuple[Check, ...] = (
    check_warehouse_duplicates,
    check_batch_duplicates,
    check_references,
    check_parent_time_order,
    check_sequence,
)
"""Checks against other rows, run one after another on the surviving candidates."""

REPEATED_CHECKS: frozenset[Check] = frozenset({check_references})
"""Relation checks run again until they find nothing new (for self-references)."""
