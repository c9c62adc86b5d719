"""Rule titles and assumption flags, read from the fee stage's ``rulebook_rules``.

The rulebook compiler owns that table; its exact columns may change, so this
module looks at what is there and degrades gracefully: without a title the
rule id is the title; without an assumption flag nothing is flagged. Fee-kind
lines (differences no rule explains) get bilingual names from
:data:`FEE_KIND_NAMES`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Final

import duckdb
import sqlglot.expressions as exp

from merchantry.report.names import FEE_KINDS
from merchantry.store.warehouse import DIALECT, table_exists

RULES_TABLE: Final = "rulebook_rules"
TITLE_COLUMNS: Final = ("title", "title_en", "name", "title_zh")
"""Candidate title columns, most preferred first."""
ASSUMPTION_COLUMNS: Final = ("assumption", "is_assumption", "assumed", "has_assumption")
SOURCE_COLUMNS: Final = ("source", "source_url", "sources")
NOTE_COLUMNS: Final = ("note", "notes", "assumption_note")

FEE_KIND_NAMES: Final = {code: name.label for code, name in FEE_KINDS.items()}
"""Names for policy lines that fall back to a fee kind."""


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What the report says about one rule."""

    rulebook: str
    rule_id: str
    title: str
    assumption: bool | None
    """``None`` when the catalogue does not say."""
    source: str = ""
    note: str = ""
    """What the rulebook says about the assumption or the source."""


def _columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()
    return {str(r[0]) for r in rows}


def _first(present: set[str], options: Iterable[str]) -> str | None:
    return next((name for name in options if name in present), None)


def read_rules(
    con: duckdb.DuckDBPyConnection, rulebooks: Iterable[str]
) -> dict[tuple[str, str], RuleInfo]:
    """Every rule of ``rulebooks`` the catalogue knows, keyed by (rulebook, rule_id)."""
    if not table_exists(con, RULES_TABLE):
        return {}
    present = _columns(con, RULES_TABLE)
    if not {"rulebook", "rule_id"} <= present:
        return {}
    title_col = _first(present, TITLE_COLUMNS)
    flag_col = _first(present, ASSUMPTION_COLUMNS)
    source_col = _first(present, SOURCE_COLUMNS)
    note_col = _first(present, NOTE_COLUMNS)
    null = exp.Null()
    selected: list[exp.Expression] = [
        exp.column("rulebook"),
        exp.column("rule_id"),
        exp.cast(exp.column(title_col), "VARCHAR") if title_col else null,
        exp.cast(exp.column(flag_col), "BOOLEAN") if flag_col else null.copy(),
        exp.cast(exp.column(source_col), "VARCHAR") if source_col else null.copy(),
        exp.cast(exp.column(note_col), "VARCHAR") if note_col else null.copy(),
    ]
    names = sorted(set(rulebooks))
    query = (
        exp.select(*selected)
        .from_(RULES_TABLE)
        .where(exp.column("rulebook").isin(*[exp.Literal.string(n) for n in names]))
    )
    found: dict[tuple[str, str], RuleInfo] = {}
    rows = con.execute(query.sql(DIALECT)).fetchall()
    for rulebook, rule_id, title, flag, source, note in rows:
        key = (str(rulebook), str(rule_id))
        found[key] = RuleInfo(
            rulebook=key[0],
            rule_id=key[1],
            title=str(title) if title else key[1],
            assumption=None if flag is None else bool(flag),
            source=str(source) if source else "",
            note=str(note) if note else "",
        )
    return found


def line_title(line_id: str, rulebook: str, rules: dict[tuple[str, str], RuleInfo]) -> str:
    """Title of a policy line: the rule's title, a fee kind's name, or the id itself."""
    if line_id.startswith("kind:"):
        kind = line_id.removeprefix("kind:")
        return FEE_KIND_NAMES.get(kind, kind)
    info = rules.get((rulebook, line_id))
    return info.title if info else line_id
