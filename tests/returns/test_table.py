"""`diagnose reasons` on any CSV: classes written beside the input's columns; bad input gets
one clear message naming file, row, column and reason."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import ExitCode, InputError, NotFound
from merchantry.returns.table import classify_table

runner = CliRunner()


def _write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as f:
        csv.writer(f).writerows(rows)
    return path


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_rows_keep_their_columns_and_get_a_class(tmp_path: Path) -> None:
    source = _write(
        tmp_path / "export.csv",
        [
            ["order", "备注", "amount"],
            ["o1", "鞋子偏小一码，穿不进去", "12900"],
            ["o2", "快递盒被压扁，杯子碎了", "3900"],
            ["o3", "", "100"],
        ],
    )
    summary = classify_table(source, tmp_path / "out.csv", "备注")
    rows = _read(tmp_path / "out.csv")
    assert summary.rows == 3
    assert list(rows[0]) == ["order", "备注", "amount", "class", "confidence", "evidence"]
    assert [r["order"] for r in rows] == ["o1", "o2", "o3"]
    assert [r["class"] for r in rows] == ["sizing", "damaged_in_transit", "other"]
    assert "偏小" in rows[0]["evidence"]
    assert 0 < float(rows[0]["confidence"]) <= 1


def test_a_gb18030_file_from_excel_is_read(tmp_path: Path) -> None:
    source = _write(tmp_path / "gbk.csv", [["text"], ["等了两周还没发货"]], encoding="gb18030")
    summary = classify_table(source, tmp_path / "out.csv", "text")
    assert summary.encoding == "gb18030"
    assert _read(tmp_path / "out.csv")[0]["class"] == "late_delivery"


def test_missing_column_names_the_file_and_the_columns(tmp_path: Path) -> None:
    source = _write(tmp_path / "a.csv", [["id", "comment"], ["1", "太小了"]])
    with pytest.raises(InputError) as err:
        classify_table(source, tmp_path / "out.csv", "reason")
    message = str(err.value)
    assert "a.csv:1 [reason]" in message
    assert "no column 'reason'" in message
    assert "'comment'" in message
    assert not (tmp_path / "out.csv").exists()


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match=r"nope\.csv does not exist"):
        classify_table(tmp_path / "nope.csv", tmp_path / "out.csv", "text")


def test_undecodable_bytes_name_the_line(tmp_path: Path) -> None:
    source = tmp_path / "bad.csv"
    source.write_bytes("text\n尺码偏小\n".encode() + b"\xff\xfe broken\n")
    with pytest.raises(InputError) as err:
        classify_table(source, tmp_path / "out.csv", "text", encoding="utf-8")
    assert "bad.csv:3" in str(err.value)
    assert "not valid utf-8" in str(err.value)
    assert "byte 0xff" in str(err.value)


def test_short_row_names_row_and_column(tmp_path: Path) -> None:
    source = _write(tmp_path / "s.csv", [["id", "text"], ["1", "太大了"], ["2"]])
    with pytest.raises(InputError) as err:
        classify_table(source, tmp_path / "out.csv", "text")
    assert "s.csv:3 [text]" in str(err.value)


def test_output_columns_may_not_overwrite_input(tmp_path: Path) -> None:
    source = _write(tmp_path / "c.csv", [["text", "class"], ["太大了", "x"]])
    with pytest.raises(InputError, match="already has a column 'class'"):
        classify_table(source, tmp_path / "out.csv", "text")


def test_command_line_writes_the_file_and_reports_counts(tmp_path: Path) -> None:
    source = _write(tmp_path / "r.csv", [["review"], ["发错颜色了"], ["The box arrived crushed"]])
    result = runner.invoke(
        app,
        [
            "diagnose",
            "reasons",
            "--in",
            str(source),
            "--text-column",
            "review",
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "2 rows" in result.output
    assert [r["class"] for r in _read(tmp_path / "o.csv")] == [
        "wrong_or_missing_item",
        "damaged_in_transit",
    ]


def test_command_line_error_is_one_message_and_an_exit_code(tmp_path: Path) -> None:
    source = _write(tmp_path / "r.csv", [["review"], ["发错颜色了"]])
    result = runner.invoke(
        app,
        [
            "diagnose",
            "reasons",
            "--in",
            str(source),
            "--text-column",
            "text",
            "--out",
            str(tmp_path / "o.csv"),
        ],
    )
    assert result.exit_code == ExitCode.INPUT
    assert "Traceback" not in result.output
    assert "no column 'text'" in result.output
