"""Render ``docs/data-model.md`` from the table declarations.

Run ``python -m merchantry.model.docs > docs/data-model.md``; a test fails when
the committed file differs from what this renders, so the docs stay true.
"""

from __future__ import annotations

from merchantry.model.outputs import OUTPUT_TABLES
from merchantry.model.schema import Column, Table
from merchantry.model.system import SYSTEM_TABLES
from merchantry.model.tables import TABLES

INTRO = """\
# Data model

Generated from `src/merchantry/model/` by `python -m merchantry.model.docs`; do not edit by hand.

Conventions:
- **Money** is integer **fen** (1 yuan = 100 fen) in `BIGINT` columns. No float ever holds money.
  The `*_fen` columns hold minor units of the marketplace's currency (`marketplace.currency`):
  fen for CNY, centavos for BRL (Olist); amounts are shown in that currency (¥, R$).
- **Rates** are integer **basis points** (bp): 1 bp = 0.01%, so 0.6% = 60 bp and 5% = 500 bp.
- **Times** are the marketplace's local wall-clock time, stored without an offset; the zone is
  `marketplace.time_zone` (Asia/Shanghai for Douyin and Taobao, America/Sao_Paulo for Olist). A
  warehouse without a `marketplace` row is CNY and Asia/Shanghai. See "Promises, lateness, zones"
  in `docs/ingestion.md`.
- **Lists** (`VARCHAR[]`) are written in CSV as values separated by `|`.
- In CSV an empty field is NULL; booleans are `true` / `false`.
- Ingestion checks every rule below; a row that breaks one goes to quarantine with the reason
  (see `docs/ingestion.md`). Chinese terms are paired with English names in `docs/glossary.md`.
"""


def _escape(text: str) -> str:
    return text.replace("|", "\\|")


def _rules(col: Column) -> str:
    parts: list[str] = []
    if not col.nullable:
        parts.append("required")
    if col.choices:
        parts.append("one of " + ", ".join(f"`{c}`" for c in col.choices))
    if col.minimum is not None:
        parts.append(f"≥ {col.minimum:,}")
    if col.maximum is not None:
        parts.append(f"≤ {col.maximum:,}")
    if col.references:
        parts.append(f"→ `{col.references}`")
    return "; ".join(parts)


def render_table(table: Table) -> str:
    """One table's section: description, key, columns, and its consistency rules."""
    lines = [
        f"## `{table.name}` ({table.term_zh})" if table.term_zh else f"## `{table.name}`",
        "",
        table.description,
        "",
        (
            "Primary key: "
            + ", ".join(f"`{k}`" for k in table.primary_key)
            + ("." if table.index_key else " (unique; verified after each write, not indexed).")
            if table.primary_key
            else "No primary key (a log)."
        ),
        "",
        "| column | type | unit | meaning | platform term | rules |",
        "|---|---|---|---|---|---|",
    ]
    for col in table.columns:
        lines.append(
            f"| `{col.name}` | {col.sql_type} | {col.unit} | {_escape(col.description)} "
            f"| {col.term_zh} | {_escape(_rules(col))} |"
        )
    checks: list[str] = []
    for order in table.time_order:
        via = f" (through `{order.via}`)" if order.via else ""
        checks.append(f"- `{order.earlier}` ≤ `{order.later}`{via}")
    if table.sequence is not None:
        seq = table.sequence
        chain = " ≤ ".join(seq.order)
        checks.append(
            f"- per `{seq.group_by}`, `{seq.time_column}` follows the order of "
            f"`{seq.kind_column}`: {chain}"
        )
    for check in table.row_checks:
        checks.append(f"- {check.message} (`{check.name}`)")
    if checks:
        lines += ["", "Consistency rules:", "", *checks]
    lines.append("")
    return "\n".join(lines)


def render() -> str:
    """The whole of ``docs/data-model.md``."""
    parts = [INTRO, "# Event tables (input)", ""]
    parts += [render_table(t) for t in TABLES]
    parts += ["# Stage output tables", ""]
    parts += [render_table(t) for t in OUTPUT_TABLES]
    parts += ["# System tables", ""]
    parts += [render_table(t) for t in SYSTEM_TABLES]
    return "\n".join(parts).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
