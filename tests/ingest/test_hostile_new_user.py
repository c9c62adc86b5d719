"""Hostile input a new user plausibly makes with a spreadsheet, beyond the held-out corpus's
classes: an Excel export (byte-order mark, CRLF), a title line above the header, translated
or renamed columns, amounts written as money (¥, thousands separators, yuan), dates in the
forms a spreadsheet shows, blank lines. Each row is accounted for, or the file is refused
naming the file, the row, the column and the reason; never a traceback."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import duckdb
import pytest

from tests.ingest.dataset import valid_dataset
from tests.ingest.hostile import Case, quarantined_as, run_case, stored
from tests.ingest.hostile_cases import assert_accounted

FED = len(valid_dataset()["orders"])


def _orders_text(directory: Path) -> str:
    return (directory / "orders.csv").read_text(encoding="utf-8")


def _rewrite(change: Callable[[list[list[str]]], None]) -> Callable[[Path], None]:
    """Rewrites orders.csv field by field (row 0 is the header)."""

    def build(directory: Path) -> None:
        rows = list(csv.reader(io.StringIO(_orders_text(directory))))
        change(rows)
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        (directory / "orders.csv").write_text(out.getvalue(), encoding="utf-8")

    return build


def _set(column: str, values: dict[int, str]) -> Callable[[list[list[str]]], None]:
    def change(rows: list[list[str]]) -> None:
        at = rows[0].index(column)
        for row, value in values.items():
            rows[row][at] = value

    return change


def _excel_export(directory: Path) -> None:
    text = _orders_text(directory).replace("\n", "\r\n")
    (directory / "orders.csv").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))


def _title_line(directory: Path) -> None:
    text = _orders_text(directory)
    width = text.split("\n", 1)[0].count(",")
    (directory / "orders.csv").write_text("订单明细 2025年3月" + "," * width + "\n" + text)


def _translated_header(rows: list[list[str]]) -> None:
    rows[0][rows[0].index("order_id")] = "订单号"


def _blank_lines(directory: Path) -> None:
    lines = _orders_text(directory).rstrip("\n").split("\n")
    (directory / "orders.csv").write_text("\n".join([lines[0], lines[1], "", *lines[2:]]) + "\n")


CASES = [
    Case(
        "excel-bom-crlf",
        "new-user",
        "orders.csv",
        FED,
        _excel_export,
        checks=[stored("orders", "o1", "goods_fen", 5900)],
    ),
    Case(
        "title-line-above-header",
        "new-user",
        "orders.csv",
        FED + 1,
        _title_line,
        refused=True,
        says=["row 1 column order_id", "remove any title line above it", "订单明细"],
    ),
    Case(
        "translated-column-name",
        "new-user",
        "orders.csv",
        FED,
        _rewrite(_translated_header),
        refused=True,
        says=["file has no column order_id", "'订单号'", "was a column renamed?"],
    ),
    Case(
        "tab-separated-csv",
        "new-user",
        "orders.csv",
        FED,
        lambda d: (d / "orders.csv").write_text(_orders_text(d).replace(",", "\t")),
        refused=True,
        says=["separated by a tab", "CSV files must use commas"],
    ),
    Case(
        "amounts-written-as-money",
        "new-user",
        "orders.csv",
        FED,
        _rewrite(_set("goods_fen", {1: "¥5,900", 2: "59.00"})),
        args=["--max-bad-share", "1"],
        checks=[quarantined_as("bad_integer")],
    ),
    Case(
        "dates-as-a-spreadsheet-shows-them",
        "new-user",
        "orders.csv",
        FED,
        _rewrite(_set("paid_at", {1: "2025/3/1 10:00", 2: "01-03-2025 11:00:00"})),
        args=["--max-bad-share", "1"],
        checks=[
            stored("orders", "o1", "paid_at", datetime(2025, 3, 1, 10)),
            quarantined_as("bad_timestamp"),
        ],
    ),
    Case(
        "blank-line-between-rows",
        "new-user",
        "orders.csv",
        FED + 1,
        _blank_lines,
        args=["--max-bad-share", "1"],
        checks=[quarantined_as("wrong_field_count")],
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_a_spreadsheet_users_file_is_accounted_for_or_refused_saying_why(
    case: Case, tmp_path: Path
) -> None:
    assert_accounted(case, tmp_path)


def test_the_quarantine_names_row_column_and_what_was_expected(tmp_path: Path) -> None:
    """The quarantined amounts and dates say which column, and what form was expected."""
    outcome = run_case(CASES[4], tmp_path / "money")
    assert not outcome.failures, outcome.failures
    outcome = run_case(CASES[5], tmp_path / "dates")
    assert not outcome.failures, outcome.failures
    for folder, words in (
        ("money", ("goods_fen '¥5,900'", "whole number of fen")),
        ("dates", ("paid_at '01-03-2025 11:00:00'", "expected YYYY-MM-DD")),
    ):
        con = duckdb.connect(str(tmp_path / folder / "w.duckdb"), read_only=True)
        try:
            found = con.execute(
                "SELECT row_number, column_name, message FROM quarantine "
                "WHERE source_file LIKE '%orders.csv'"
            ).fetchall()
        finally:
            con.close()
        assert found, folder
        text = " ".join(str(m) for _, _, m in found)
        for word in words:
            assert word in text, (folder, found)
        assert all(1 <= int(r) <= FED and c for r, c, _ in found), found
