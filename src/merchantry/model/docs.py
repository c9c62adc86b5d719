"""Render ``docs/data-model.md`` from the table declarations.

Run ``python -m merchantry.model.docs > docs/data-model.md``; a test fails when
the committed file differs from what this renders, so the docs stay true.
"""

from __future__ import annotations

from merchantry.model.outputs import OUTPUT_TABLES
from merchantry.model.risk import RISK_TABLES
from merchantry.model.schema import Column, Table
from merchantry.model.simulation import ALL_SIM_TABLES
from merchantry.model.system import SYSTEM_TABLES
from merchantry.model.tables import TABLES
from merchantry.model.views import VIEWS, View

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
  warehouse without a `marketplace` row is CNY and Asia/Shanghai. See "Promises, lateness and
  zones" below.
- **Lists** (`VARCHAR[]`) are written in CSV as values separated by `|`.
- In CSV an empty field is NULL; booleans are `true` / `false`.
- Ingestion checks every rule below; a row that breaks one goes to quarantine with the reason
  (see `docs/ingestion.md`). Chinese terms are paired with English names in `docs/glossary.md`.
"""


PROMISES = """\
## Promises, lateness and zones

**Promises.** An order line carries what the platform promised the buyer at checkout:
`ship_by_at` (承诺发货时间, the latest carrier pickup) and `promised_delivery_at` (承诺送达 /
预计送达). Douyin's in-stock deadline is 23:59:59 of the day after payment (the generator uses
it); Olist's are `shipping_limit_date` and `order_estimated_delivery_date`. Both are nullable:
a source without promises leaves them empty and lateness is then undefined, never guessed.

**Lateness** has one definition, the view `order_fulfilment` (below): *late shipped* is a
carrier hand-over (`picked_up`, else `shipped`) after `ship_by_at`; *late delivered* is a
`delivered` event after `promised_delivery_at`. Both compare stored times as they are, so an
Olist estimate given as a day at 00:00 counts a delivery later that day as late (as the raw
data reads: 414 of the sample's 5,164 delivered orders; comparing calendar days would give
342). For a score date D, an order still awaiting its hand-over (neither picked up nor delivered)
whose `ship_by_at` is before D is late as well:
`late_shipped OR (awaiting_hand_over AND ship_by_at < D)`. Which score indicator
uses which flag is in `docs/scoring.md`.

**Zones: decision.** Times are stored as the marketplace's **local wall-clock time**
(`TIMESTAMP`, no offset) and the zone is stored once, in `marketplace.time_zone`. Platform rules
are written in local time (a deadline "by 23:59:59 the next day", a daily score, a settlement
day), so local storage keeps every day boundary a plain `CAST(... AS DATE)`; the zone turns a
stored time into an instant when one is needed (`event_at AT TIME ZONE` / `timezone(zone, ...)`
in DuckDB, `Marketplace.instant` in Python). One warehouse holds one marketplace: an ingest
that would mix two (e.g. Olist into a CNY warehouse) is refused. Limit: in a zone with daylight
saving (São Paulo until 2019) the repeated autumn hour is ambiguous in local time; Olist records
local times, so nothing finer is known anyway.

**Currency.** Every `*_fen` column holds minor units of `marketplace.currency`; amounts are
shown with that currency's symbol (`merchantry.kit.settings`, `kit.money.format_fen`): an Olist
warehouse prints `R$`, a Douyin or Taobao one `¥`. Amounts are never converted between
currencies.
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


def render_view(view: View) -> str:
    """One view's section: what it means and its columns (its SQL is in the code)."""
    lines = [
        f"## `{view.name}` ({view.term_zh})",
        "",
        view.description,
        "",
        "Defined in `src/merchantry/model/views.py`; created with the tables.",
        "",
        "| column | meaning |",
        "|---|---|",
    ]
    lines += [f"| `{name}` | {_escape(meaning)} |" for name, meaning in view.columns]
    lines.append("")
    return "\n".join(lines)


RISK_INTRO = (
    "Written by `merchantry risk rings` and `merchantry risk score`, which create them on "
    "first use; a warehouse where risk never ran has none."
)
SIMULATION_INTRO = (
    "Written by `merchantry simulate`, which creates them on first use; every row but "
    "`sim_rulebooks` belongs to one run (`run_id`), which a re-run replaces."
)


def render() -> str:
    """The whole of ``docs/data-model.md``."""
    parts = [INTRO, PROMISES, "# Event tables (input)", ""]
    parts += [render_table(t) for t in TABLES]
    parts += ["# Views", ""]
    parts += [render_view(v) for v in VIEWS]
    parts += ["# Stage output tables", ""]
    parts += [render_table(t) for t in OUTPUT_TABLES]
    parts += ["# Risk tables", "", RISK_INTRO, ""]
    parts += [render_table(t) for t in RISK_TABLES]
    parts += ["# Simulation tables", "", SIMULATION_INTRO, ""]
    parts += [render_table(t) for t in ALL_SIM_TABLES]
    parts += ["# System tables", ""]
    parts += [render_table(t) for t in SYSTEM_TABLES]
    return "\n".join(parts).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
