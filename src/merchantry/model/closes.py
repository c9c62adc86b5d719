"""The close's marks: what each closed period's inputs looked like when it was closed.

``ledger_close_marks`` has one row per rulebook and period closed
(:mod:`merchantry.ledger.daily`): the digest of the period's inputs (a day's chained to
the day before's mark), so re-closing a period whose inputs have not changed reads a few
columns and posts nothing. See ``docs/ledger.md``.
"""

from __future__ import annotations

from merchantry.model.schema import Column, ColumnType, Table

T = ColumnType

LEDGER_CLOSE_MARKS = Table(
    name="ledger_close_marks",
    term_zh="结账标记",
    description=(
        "One row per rulebook and period closed: the digest of the period's inputs (orders "
        "paid, parcel events, after-sales cases, fee lines, violations and scores dated in "
        "it, journal entries other closes booked in it, master tables, overturned entries, "
        "the rulebook); a day's is chained to the previous day's. A period whose digest is "
        "unchanged is not closed again."
    ),
    primary_key=("rulebook", "start_on", "end_on"),
    columns=(
        Column("rulebook", T.TEXT, "Rulebook the period was closed under.", "规则版本"),
        Column("start_on", T.DATE, "First day of the period.", "开始日期"),
        Column("end_on", T.DATE, "Last day of the period.", "结束日期"),
        Column("digest", T.TEXT, "Digest of the period's inputs.", "摘要"),
        Column("close_key", T.TEXT, "The close that posted the period.", "结账批次"),
        Column(
            "postings", T.BIGINT, "Postings the last real close of the period inserted.", "分录数"
        ),
    ),
)
