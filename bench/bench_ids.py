"""What the journal's ids cost as text: the close's writes and joins over md5 digests stored
as 32-character hex text (as ``journal_entries`` and ``journal_postings`` hold entry ids,
logical keys and signatures) against the same digests as 16-byte BLOBs and as 128-bit
integers (``UHUGEINT``).

The close's month at once spends about a third of its CPU writing its rows (10.9 of 31 CPU s
at 1 M orders, profiled 2026-12-07), and writing them with nothing computed already costs
1.4–1.7 times the baseline insert (``bench_close --floor``); the digests are the widest and
least compressible columns. This
bench measures how much of that, and of the joins and groupings by id the close's look-ups
and checks run, the representation costs. Nothing here changes the journal: it is the
measurement a change of the ids' type would rest on (docs/performance.md, round of
2026-12-07 05:35).

* **entries**: ``--entries`` rows of an entry id, a logical key and a signature (md5 of
  distinct texts) with the other columns of an entry (kind, order, shop, day);
* **postings**: ``--legs`` rows per entry carrying its entry id, an account, a party and an
  amount;
* each representation's rows are inserted into an empty table of the warehouse and
  checkpointed (CPU seconds of the process, the best of ``--repeat``); then postings are
  grouped by entry id, joined to their entries, and entries without postings are looked for
  (all of them have some).

The text representation is the baseline (what the journal stores). Every representation
must give the same counts, or the bench stops. Run: ``python -m bench.bench_ids
--entries 2000000``.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Final

import duckdb
from rich.console import Console
from rich.table import Table

from bench.report import Result, cpu_seconds, emit, peak_mib

REPRESENTATIONS: Final = {
    "text": "{}",
    "blob": "unhex({})",
    "uhugeint": "CAST('0x' || {} AS UHUGEINT)",
}
"""How each representation is made from the hex text of a digest (the first is the
baseline: the text itself)."""

BLOCK_BYTES: Final = 262_144
"""DuckDB's storage block (the file grows and is read by these)."""

ENTRIES: Final = """
CREATE TEMP TABLE src_entries_text AS
SELECT md5('e' || i) AS entry_id, md5('k' || i) AS logical_key, md5('s' || i) AS signature,
       CASE i % 4 WHEN 0 THEN 'sale' WHEN 1 THEN 'settlement' WHEN 2 THEN 'fee_refund'
            ELSE 'refund' END AS kind,
       'O' || (i // 2) AS order_id, 'S' || (i % 20000) AS shop_id,
       DATE '2026-03-01' + CAST(i % 31 AS INTEGER) AS booked_on
FROM range($entries) AS t(i)
"""

POSTINGS: Final = """
CREATE TEMP TABLE src_postings_text AS
SELECT e.entry_id, CAST(l AS INTEGER) AS leg,
       CASE l WHEN 1 THEN 'merchant_pending' WHEN 2 THEN 'platform_revenue'
              ELSE 'buyer_paid' END AS account,
       e.shop_id AS party, CAST(1000 + l * 7 AS BIGINT) AS amount_fen
FROM src_entries_text AS e, range(1, $legs + 1) AS r(l)
"""


def _cpu(
    con: duckdb.DuckDBPyConnection,
    statements: list[str],
    repeat: int,
    setup: tuple[str, ...] | list[str] = (),
) -> float:
    """The least CPU seconds ``statements`` took over ``repeat`` runs, ``setup`` run untimed
    before each."""
    best = float("inf")
    for _ in range(repeat):
        for sql in setup:
            con.execute(sql)
        began = cpu_seconds()
        for sql in statements:
            con.execute(sql)
        best = min(best, cpu_seconds() - began)
    return best


def _side(con: duckdb.DuckDBPyConnection, name: str, repeat: int) -> dict[str, float | int]:
    """One representation: its writes timed, its joins timed and counted."""
    made = REPRESENTATIONS[name]
    ids = ("entry_id", "logical_key", "signature")
    if name != "text":  # the text sources are the ones made first
        con.execute(
            f"CREATE TEMP TABLE src_entries_{name} AS SELECT * REPLACE ("
            + ", ".join(f"{made.format(c)} AS {c}" for c in ids)
            + ") FROM src_entries_text"
        )
        con.execute(
            f"CREATE TEMP TABLE src_postings_{name} AS SELECT * REPLACE "
            f"({made.format('entry_id')} AS entry_id) FROM src_postings_text"
        )
    writes = {}
    for table in ("entries", "postings"):
        target = f"{table}_{name}"
        writes[table] = _cpu(
            con,
            [f"INSERT INTO {target} FROM src_{table}_{name}", "CHECKPOINT"],
            repeat,
            setup=[
                f"CREATE OR REPLACE TABLE {target} AS FROM src_{table}_{name} LIMIT 0",
                "CHECKPOINT",
            ],
        )
    blocks = {
        table: con.execute(
            "SELECT count(DISTINCT block_id) FROM pragma_storage_info(?) WHERE persistent",
            [f"{table}_{name}"],
        ).fetchone()
        for table in ("entries", "postings")
    }
    block_mib = BLOCK_BYTES / 2**20
    queries = {
        "group": f"SELECT count(*) FROM (SELECT entry_id, sum(amount_fen) FROM postings_{name}"
        " GROUP BY entry_id)",
        "join": f"SELECT count(*) FROM postings_{name} JOIN entries_{name} USING (entry_id)",
        "anti": f"SELECT count(*) FROM entries_{name} WHERE entry_id NOT IN "
        f"(SELECT entry_id FROM postings_{name})",
    }
    found: dict[str, float | int] = {
        "entries_write": writes["entries"],
        "postings_write": writes["postings"],
        **{
            f"{table}_mib": round(int(row[0]) * block_mib, 1) if row else 0.0
            for table, row in blocks.items()
        },
    }
    for key, sql in queries.items():
        found[key] = _cpu(con, [sql], repeat)
        row = con.execute(sql).fetchone()
        found[f"{key}_rows"] = int(row[0]) if row else -1
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=2_000_000)
    parser.add_argument("--legs", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--memory", default="6GB")
    args = parser.parse_args()
    if args.entries < 1 or args.legs < 1 or args.repeat < 1:
        parser.error("--entries, --legs and --repeat must be at least 1")
    console = Console(width=140)
    with tempfile.TemporaryDirectory() as tmp:
        con = duckdb.connect(str(Path(tmp) / "ids.duckdb"))
        con.execute("SET threads = 2")
        con.execute("SET memory_limit = ?", [args.memory])
        con.execute("SET preserve_insertion_order = false")
        con.execute(ENTRIES, {"entries": args.entries})
        con.execute(POSTINGS, {"legs": args.legs})
        sides = {}
        for name in REPRESENTATIONS:
            console.print(f"  {name} …")
            sides[name] = _side(con, name, args.repeat)
        con.close()
    counts = {k for k in sides["text"] if k.endswith("_rows")}
    for name, side in sides.items():
        differ = [k for k in counts if side[k] != sides["text"][k]]
        if differ:
            raise SystemExit(f"{name} counts differ from text: {differ}")
    postings = args.entries * args.legs
    if sides["text"]["join_rows"] != postings or sides["text"]["anti_rows"] != 0:
        raise SystemExit("the joins did not find every posting's entry")
    table = Table(
        title=f"ids as text, BLOB and UHUGEINT: {args.entries:,} entries, "
        f"{postings:,} postings (CPU s, best of {args.repeat})"
    )
    table.add_column("")
    for name in REPRESENTATIONS:
        table.add_column(name, justify="right")
        if name != "text":
            table.add_column(f"text ÷ {name}", justify="right")
    for key in (
        "entries_write",
        "postings_write",
        "group",
        "join",
        "anti",
        "entries_mib",
        "postings_mib",
    ):
        cells = []
        for name in REPRESENTATIONS:
            value = sides[name][key]
            cells.append(f"{value:,.1f}" if key.endswith("_mib") else f"{value:.3f}")
            if name != "text":
                base = sides["text"][key]
                cells.append(f"{float(base) / float(value):.2f}×" if value else "-")
        table.add_row(key.replace("_mib", " MiB (blocks)").replace("_", " "), *cells)
    console.print(table)
    text_writes = float(sides["text"]["entries_write"]) + float(sides["text"]["postings_write"])
    int_writes = float(sides["uhugeint"]["entries_write"]) + float(
        sides["uhugeint"]["postings_write"]
    )
    emit(
        Result(
            bench="bench_ids",
            rows=postings,
            seconds=int_writes,
            peak_mib=peak_mib(),
            baseline_seconds=text_writes,
            baseline_rows=postings,
            extra={"sides": sides, "entries": args.entries, "legs": args.legs},
        )
    )


if __name__ == "__main__":
    main()
