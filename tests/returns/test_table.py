"""`diagnose reasons` on any CSV: classes written beside the input's columns; bad input gets
one clear message naming file, row, column and reason."""

from __future__ import annotations

import csv
import gzip
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


def test_a_short_row_is_set_aside_naming_row_and_column(tmp_path: Path) -> None:
    source = _write(tmp_path / "s.csv", [["id", "text"], ["1", "太大了"], ["2"], ["3", "太小了"]])
    summary = classify_table(source, tmp_path / "out.csv", "text")
    assert (summary.rows, summary.set_aside) == (2, 1)
    assert "s.csv:3 [text]: warning: the row has 1 cells" in str(summary.problems[0])
    assert [r["id"] for r in _read(tmp_path / "out.csv")] == ["1", "3"]


def test_a_file_mostly_of_bad_rows_is_refused(tmp_path: Path) -> None:
    source = _write(tmp_path / "s.csv", [["id", "text"], ["1", "太大了"], ["2"], ["3"]])
    with pytest.raises(InputError, match="2 of 3 rows cannot be read") as err:
        classify_table(source, tmp_path / "out.csv", "text")
    assert "s.csv:3 [text]" in str(err.value)
    assert not (tmp_path / "out.csv").exists()


ROWS = [["id", "review"], ["1", "鞋子偏小一码，穿不进去"], ["2", "The box arrived crushed"]]


def test_a_gzip_file_is_read_as_its_csv(tmp_path: Path) -> None:
    plain = _write(tmp_path / "r.csv", ROWS)
    packed = tmp_path / "r.csv.gz"
    packed.write_bytes(gzip.compress(plain.read_bytes()))
    summary = classify_table(packed, tmp_path / "out.csv", "review")
    assert (summary.rows, summary.compressed) == (2, True)
    assert [r["class"] for r in _read(tmp_path / "out.csv")] == ["sizing", "damaged_in_transit"]


def test_a_cut_gzip_file_is_refused_saying_so(tmp_path: Path) -> None:
    text = "id,review\n" + "1,鞋子偏小一码，穿不进去\n" * 5000
    packed = tmp_path / "r.csv.gz"
    whole = gzip.compress(text.encode())
    packed.write_bytes(whole[: len(whole) // 2])
    with pytest.raises(InputError, match=r"r\.csv\.gz: it is gzip-compressed and the stream"):
        classify_table(packed, tmp_path / "out.csv", "review")


def test_a_last_line_cut_mid_character_is_set_aside_and_the_rest_classified(
    tmp_path: Path,
) -> None:
    source = tmp_path / "cut.csv"
    source.write_bytes("id,review\n1,鞋子偏小一码\n2,快递盒被压扁\n3,物流".encode()[:-1])
    summary = classify_table(source, tmp_path / "out.csv", "review")
    assert (summary.rows, summary.set_aside, summary.encoding) == (2, 1, "utf-8-sig")
    assert "cut.csv:4: warning: the file ends inside this line" in str(summary.problems[0])
    assert [r["id"] for r in _read(tmp_path / "out.csv")] == ["1", "2"]


def test_a_last_row_cut_inside_its_quotes_is_set_aside(tmp_path: Path) -> None:
    source = tmp_path / "cut.csv"
    source.write_text('id,review\n1,鞋子偏小一码\n2,"快递盒被压扁，\n杯子', encoding="utf-8")
    summary = classify_table(source, tmp_path / "out.csv", "review")
    assert (summary.rows, summary.set_aside) == (1, 1)
    assert "cut.csv:3: warning: the file ends inside this row's quoted cell" in str(
        summary.problems[0]
    )


PORTUGUESE = [
    "o produto chegou antes do prazo, parabéns pela pontualidade",
    "recebi o produto errado e ninguém responde",
    "tudo ok",
]


def test_texts_in_an_uncovered_language_get_class_unknown_not_a_confident_cause(
    tmp_path: Path,
) -> None:
    rows = [["id", "review"], *[[str(i), t] for i, t in enumerate(PORTUGUESE)], *ROWS[1:]]
    summary = classify_table(_write(tmp_path / "pt.csv", rows), tmp_path / "out.csv", "review")
    out = _read(tmp_path / "out.csv")
    assert [r["class"] for r in out] == ["unknown"] * 3 + ["sizing", "damaged_in_transit"]
    assert [r["confidence"] for r in out[:3]] == ["", "", ""]
    assert "language not covered" in out[0]["evidence"]
    assert summary.unsupported == 3
    assert summary.counts["unknown"] == 3


def test_the_command_warns_on_stderr_about_uncovered_texts_and_set_aside_rows(
    tmp_path: Path,
) -> None:
    rows = [["id", "review"], *[[str(i), t] for i, t in enumerate(PORTUGUESE)], ["9"]]
    source = _write(tmp_path / "pt.csv", rows)
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
    err = " ".join(result.stderr.split())
    assert "3 of 3 texts (100%) are in a language the classifier does not cover" in err
    assert "class `unknown`" in err
    assert "1 row of" in err
    assert "pt.csv:5 [review]: warning: the row has 1 cells" in err
    assert "unknown 3" in result.stdout


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
