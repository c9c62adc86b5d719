"""The vocabulary for declaring tables: :class:`Column` and :class:`Table`.

A declaration says what a column holds, in which unit, what the platforms call
it, and which values are legal. Ingestion turns those facts into checks; the
warehouse turns them into DDL; the docs generator into ``docs/data-model.md``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ColumnType(StrEnum):
    """Logical column types. Each maps to one DuckDB type (:attr:`sql`)."""

    TEXT = "text"
    """Unicode text (VARCHAR)."""
    INT = "int"
    """32-bit integer: counts, seconds, days, ratings, basis points (INTEGER)."""
    MONEY = "money"
    """Integer fen, 1 yuan = 100 fen (BIGINT). Never a float."""
    BIGINT = "bigint"
    """64-bit integer that is not money, e.g. summed seconds (BIGINT)."""
    BOOL = "bool"
    """true / false (BOOLEAN)."""
    DATE = "date"
    """Calendar date, platform local time (Asia/Shanghai), no zone stored (DATE)."""
    TIMESTAMP = "timestamp"
    """Date and time, platform local time (Asia/Shanghai), no zone stored (TIMESTAMP)."""
    TEXT_LIST = "text_list"
    """A list of text values; in CSV, written as values separated by ``|`` (VARCHAR[])."""

    @property
    def sql(self) -> str:
        """The DuckDB type that stores this logical type."""
        return _SQL_TYPES[self]


_SQL_TYPES: dict[ColumnType, str] = {
    ColumnType.TEXT: "VARCHAR",
    ColumnType.INT: "INTEGER",
    ColumnType.MONEY: "BIGINT",
    ColumnType.BIGINT: "BIGINT",
    ColumnType.BOOL: "BOOLEAN",
    ColumnType.DATE: "DATE",
    ColumnType.TIMESTAMP: "TIMESTAMP",
    ColumnType.TEXT_LIST: "VARCHAR[]",
}


@dataclass(frozen=True, slots=True)
class Column:
    """One column of an event table."""

    name: str
    type: ColumnType
    description: str
    term_zh: str = ""
    """The platforms' Chinese term for this field, for the glossary."""
    unit: str = ""
    nullable: bool = False
    choices: tuple[str, ...] = ()
    """Legal values for an enumerated text column (empty: any text)."""
    minimum: int | None = None
    maximum: int | None = None
    references: str | None = None
    """``"table.column"`` this column must match (a foreign key)."""

    @property
    def is_money(self) -> bool:
        return self.type is ColumnType.MONEY

    @property
    def sql_type(self) -> str:
        return self.type.sql


@dataclass(frozen=True, slots=True)
class TimeOrder:
    """A rule that one timestamp may not come before another.

    ``later`` must be at or after ``earlier``. Each side is ``column`` of this
    table or ``table.column`` of the table reached through ``via`` (a column of
    this table that references the other table's key).
    """

    earlier: str
    later: str
    via: str | None = None


@dataclass(frozen=True, slots=True)
class RowCheck:
    """A consistency rule over one row, written as a trusted SQL boolean expression.

    The expression is ours (never user input); ingestion parses it with sqlglot
    and quarantines rows for which it is false, naming ``column`` and ``message``.
    """

    name: str
    sql: str
    column: str
    message: str


@dataclass(frozen=True, slots=True)
class EventSequence:
    """Events of one parent that must happen in a fixed order.

    Rows sharing ``group_by`` are ordered by ``order``; an event whose
    ``time_column`` is earlier than that of an event listed before it is out of
    order (e.g. delivered before shipped).
    """

    group_by: str
    kind_column: str
    time_column: str
    order: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """An event table of the marketplace model."""

    name: str
    description: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...]
    term_zh: str = ""
    time_order: tuple[TimeOrder, ...] = ()
    row_checks: tuple[RowCheck, ...] = ()
    sequence: EventSequence | None = None
    load_after: tuple[str, ...] = field(default=())
    """Tables that must be loaded first (their keys are referenced here)."""
    index_key: bool = True
    """Keep the primary key as a database index. Bulk stage outputs (millions of
    lines replaced per run) set this to False: their key is still unique, but it
    is verified after each write (``store.warehouse.duplicate_keys``) because an
    index makes DuckDB's bulk inserts and deletes several times slower."""

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)
