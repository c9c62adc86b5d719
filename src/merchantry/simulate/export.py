"""A stored simulation as files an analyst opens: CSV (one file per sheet) or one Excel workbook.

Sheets: ``effects`` (every money effect, the headline's rows), ``lines`` (by policy line),
``segments`` (by segment dimension and value) and ``shops`` (every shop, not only the top
ones). Amounts are integer fen, as stored, with a yuan column beside each amount for reading;
rows come straight from the ``sim_*`` tables of the run, so a file shows exactly what the
tables hold.
"""

from __future__ import annotations

import csv
from decimal import Decimal
from importlib import import_module
from pathlib import Path
from typing import Any, Final

import duckdb

from merchantry.kit.errors import InputError, NotFound

SHEETS: Final = {
    "effects": (
        "SELECT effect, baseline_fen, candidate_fen, merchant_gain_fen, platform_cost_fen, note "
        "FROM sim_effects WHERE run_id = ? ORDER BY effect"
    ),
    "lines": (
        "SELECT line_rulebook, line_id, title, fee_kinds, assumption, lines, orders, shops, "
        "saving_fen FROM sim_by_line WHERE run_id = ? ORDER BY saving_fen DESC, line_id"
    ),
    "segments": (
        "SELECT dimension, segment, shops, orders, gmv_fen, baseline_cost_fen, "
        "candidate_cost_fen, saving_fen FROM sim_by_segment WHERE run_id = ? "
        "ORDER BY dimension, saving_fen DESC, segment"
    ),
    "shops": (
        "SELECT shop_id, shop_name, industry, store_type, tenure, size, orders, gmv_fen, "
        "baseline_cost_fen, candidate_cost_fen, saving_fen, saving_share_bp "
        "FROM sim_shop_savings WHERE run_id = ? ORDER BY saving_fen DESC, shop_id"
    ),
}
"""Each sheet's query (one ``?``: the run id)."""
EXCEL_SUFFIX: Final = ".xlsx"
CENT: Final = Decimal("0.01")


def sheet_rows(con: duckdb.DuckDBPyConnection, run_id: str, sheet: str) -> list[list[Any]]:
    """The sheet's header, then its rows, each ``…_fen`` column followed by its yuan value."""
    cursor = con.execute(SHEETS[sheet], [run_id])
    names = [str(d[0]) for d in cursor.description]
    money = [i for i, n in enumerate(names) if n.endswith("_fen")]
    header: list[Any] = []
    for i, name in enumerate(names):
        header.append(name)
        if i in money:
            header.append(name.removesuffix("_fen") + "_yuan")
    rows: list[list[Any]] = [header]
    for row in cursor.fetchall():
        out: list[Any] = []
        for i, value in enumerate(row):
            out.append(value)
            if i in money:
                out.append(None if value is None else (Decimal(value) / 100).quantize(CENT))
        rows.append(out)
    return rows


def export(con: duckdb.DuckDBPyConnection, run_id: str, target: Path) -> list[Path]:
    """Write the run's sheets to ``target``: an ``.xlsx`` workbook, or else a folder of CSV
    files (``effects.csv``, ``lines.csv``, ``segments.csv``, ``shops.csv``). Returns the
    files written."""
    found = con.execute("SELECT count(*) FROM sim_runs WHERE run_id = ?", [run_id]).fetchone()
    if not found or not found[0]:
        raise NotFound(f"no simulation run {run_id!r} in the warehouse")
    if target.suffix.lower() == EXCEL_SUFFIX:
        return [_excel(con, run_id, target)]
    if target.suffix:
        raise InputError(
            f"--export {target}: give a folder for CSV files or a {EXCEL_SUFFIX} workbook"
        )
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for sheet in SHEETS:
        path = target / f"{sheet}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle).writerows(sheet_rows(con, run_id, sheet))
        written.append(path)
    return written


def _excel(con: duckdb.DuckDBPyConnection, run_id: str, path: Path) -> Path:
    try:
        openpyxl = import_module("openpyxl")
    except ImportError:
        raise InputError(
            "Excel export needs the openpyxl package (pip install openpyxl); "
            "or export CSV files to a folder"
        ) from None
    if not path.parent.is_dir():
        raise NotFound(f"folder {path.parent} does not exist")
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in SHEETS:
        page = book.create_sheet(sheet)
        for row in sheet_rows(con, run_id, sheet):
            page.append(row)
        page.freeze_panes = "A2"
    book.save(path)
    return path
