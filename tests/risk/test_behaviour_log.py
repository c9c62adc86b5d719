"""Reading behaviour logs as exported in the wild: case, timestamp forms, headers, column
order, bad lines and cut files are read, set aside with their line numbers, or refused in
words; never answered with zeros or with milliseconds read as seconds."""

from __future__ import annotations

import gzip
from datetime import datetime, timedelta
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.kit.errors import ExitCode, InputError
from merchantry.risk.behaviour_log import (
    LogReading,
    SetAsideReason,
    TimeForm,
    read_behaviour_log,
)
from merchantry.risk.brushing import BrushingReport, find_brushing
from merchantry.risk.settings import RiskSettings

T0 = datetime(2026, 3, 1, 10, 0)
EPOCH = datetime(1970, 1, 1)

# A brusher (three blind buys in 40 minutes) and a shopper who looked before each buy.
EVENTS: list[tuple[str, str, str, datetime]] = [
    ("brusher", "I0", "buy", T0),
    ("brusher", "I1", "buy", T0 + timedelta(minutes=20)),
    ("brusher", "I2", "buy", T0 + timedelta(minutes=40)),
    ("shopper", "J0", "pv", T0 - timedelta(hours=2)),
    ("shopper", "J0", "buy", T0),
    ("shopper", "J1", "cart", T0 - timedelta(hours=1)),
    ("shopper", "J1", "buy", T0 + timedelta(minutes=20)),
]


def seconds(at: datetime) -> str:
    return str(int((at - EPOCH).total_seconds()))


def lines(stamp=seconds, behaviour=str, events=EVENTS) -> list[str]:
    """UserBehavior lines: user, item, category, behaviour, timestamp."""
    return [f"{u},{i},77,{behaviour(b)},{stamp(at)}" for u, i, b, at in events]


def write(tmp_path: Path, rows: list[str], name: str = "log.csv", end: str = "\n") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(rows) + end, encoding="utf-8")
    return path


def read(path: Path) -> tuple[LogReading, BrushingReport]:
    con = duckdb.connect()
    try:
        reading = read_behaviour_log(con, path)
        return reading, find_brushing(con, RiskSettings())
    finally:
        con.close()


def figures(report: BrushingReport) -> tuple[int, int, int, list[str]]:
    return (
        report.accounts,
        report.buys,
        report.blind_buys,
        [a.user_id for a in report.flagged],
    )


EXPECTED = (2, 5, 3, ["brusher"])


def test_the_plain_layout_is_read_as_before(tmp_path):
    reading, report = read(write(tmp_path, lines()))
    assert figures(report) == EXPECTED
    assert (reading.events, reading.set_aside, reading.header) == (7, (), False)
    assert reading.time_form is TimeForm.SECONDS


def test_behaviours_in_any_letter_case_are_read(tmp_path):
    reading, report = read(write(tmp_path, lines(behaviour=str.upper)))
    assert figures(report) == EXPECTED
    assert reading.set_aside == ()


@pytest.mark.parametrize(
    ("stamp", "form"),
    [
        (lambda at: seconds(at) + "000", TimeForm.MILLISECONDS),
        (lambda at: f"{at:%Y-%m-%d %H:%M:%S}", TimeForm.DATETIME),
        (lambda at: f"{at:%Y-%m-%dT%H:%M:%S}", TimeForm.DATETIME),
    ],
)
def test_milliseconds_and_datetimes_are_detected_not_misread_as_seconds(tmp_path, stamp, form):
    reading, report = read(write(tmp_path, lines(stamp=stamp)))
    assert reading.time_form is form
    assert figures(report) == EXPECTED


def test_a_timestamp_in_another_form_than_the_file_s_is_set_aside_not_misread(tmp_path):
    rows = lines()
    rows.append(f"late,I9,77,buy,{seconds(T0)}000")  # milliseconds among seconds
    reading, report = read(write(tmp_path, rows))
    assert figures(report) == EXPECTED
    (aside,) = reading.set_aside
    assert (aside.reason, aside.rows, aside.first_lines) == (SetAsideReason.TIMESTAMP, 1, (8,))


def test_timestamps_in_no_known_form_are_refused_naming_the_column_and_a_value(tmp_path):
    path = write(tmp_path, lines(stamp=lambda at: f"{at:%d/%m/%Y}"))
    with pytest.raises(InputError, match=r"column 5 \(timestamp\).*'01/03/2026'"):
        read(path)


def test_a_header_names_the_columns_in_any_order(tmp_path):
    rows = ["timestamp,behavior_type,category_id,item_id,user_id"]
    rows += [f"{seconds(at)},{b},77,{i},{u}" for u, i, b, at in EVENTS]
    reading, report = read(write(tmp_path, rows))
    assert reading.header
    assert reading.columns == (5, 4, 2, 1)
    assert figures(report) == EXPECTED


def test_a_header_without_a_timestamp_column_is_refused_naming_it(tmp_path):
    path = write(tmp_path, ["user_id,item_id,category_id,behavior,when", *lines()])
    with pytest.raises(InputError, match="no column for the timestamp"):
        read(path)


def test_headerless_columns_out_of_order_are_refused_saying_where_they_seem_to_be(tmp_path):
    rows = [f"{seconds(at)},{u},{i},77,{b}" for u, i, b, at in EVENTS]
    with pytest.raises(InputError, match="behaviours in column 5; timestamps in column 1"):
        read(write(tmp_path, rows))


def test_bad_lines_are_set_aside_counted_with_line_numbers_and_the_rest_is_read(tmp_path):
    rows = lines()
    rows[1:1] = [
        "garbage line",
        "u9,I9,77,click," + seconds(T0),
        "u9,I9,77,buy,notanumber",
        ",I9,77,buy," + seconds(T0),
    ]
    rows.append("shopper,J9")  # a cut last line, without its line end
    reading, report = read(write(tmp_path, rows, end=""))
    assert figures(report) == EXPECTED
    assert reading.events == 7
    assert reading.lines == 12
    found = {s.reason: (s.rows, s.first_lines, s.examples) for s in reading.set_aside}
    assert found == {
        SetAsideReason.SHORT: (2, (2, 12), ("garbage line", "shopper,J9")),
        SetAsideReason.BEHAVIOUR: (1, (3,), ("click",)),
        SetAsideReason.TIMESTAMP: (1, (4,), ("notanumber",)),
        SetAsideReason.NO_ID: (1, (5,), ()),
    }


def test_a_file_with_no_event_is_an_error_not_zero_results(tmp_path):
    with pytest.raises(InputError, match="empty"):
        read(write(tmp_path, [], end=""))
    path = write(tmp_path, lines(behaviour=lambda _b: "click"))
    with pytest.raises(InputError, match=r"no event read from 7 lines.*7 unknown behaviour"):
        read(path)


def test_a_file_mostly_set_aside_is_refused(tmp_path):
    rows = lines()[:3] + ["u,I,77,click," + seconds(T0)] * 4
    with pytest.raises(InputError, match="4 of 7 lines could not be read"):
        read(write(tmp_path, rows))


def test_gzip_is_read_by_its_bytes(tmp_path):
    path = tmp_path / "log.csv.gz"
    path.write_bytes(gzip.compress(("\n".join(lines()) + "\n").encode()))
    assert figures(read(path)[1]) == EXPECTED


def run(*args: str):
    return CliRunner().invoke(app, ["risk", "brushing", *args], env={"COLUMNS": "250"})


def test_a_truncated_gzip_is_an_input_error_naming_the_file(tmp_path):
    whole = gzip.compress(("\n".join(lines() * 2000) + "\n").encode())
    path = tmp_path / "cut.csv.gz"
    path.write_bytes(whole[: len(whole) // 2])
    result = run(str(path))
    assert result.exit_code == ExitCode.INPUT, result.output
    assert "internal error" not in result.output
    assert f"{path}: the gzip stream is cut" in result.output


def test_the_command_reports_the_layout_and_the_lines_set_aside(tmp_path):
    rows = [*lines(), "u9,I9,77,click," + seconds(T0), "garbage line"]
    result = run(write(tmp_path, rows).as_posix())
    assert result.exit_code == 0, result.output
    out = " ".join(result.output.split())
    assert "no header, comma-separated; columns user 1, item 2, behaviour 4, timestamp 5" in out
    assert "2 of 9 lines of" in out
    assert "1 unknown behaviour ('click') at line 8" in out
    assert "1 too few fields ('garbage line') at line 9" in out
    assert "7 events, 2 accounts" in out
    assert "1 accounts flagged; 2 lines set aside" in out


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ([], "the file is empty"),
        ([f"{seconds(at)},{u},{i},77,{b}" for u, i, b, at in EVENTS], "no header line"),
        (lines(behaviour=str.title)[:1] + ["x"] * 3, "could not be read as events"),
    ],
)
def test_the_command_refuses_unusable_logs_without_a_traceback(tmp_path, rows, words):
    result = run(write(tmp_path, rows, end="\n" if rows else "").as_posix())
    assert result.exit_code == ExitCode.INPUT, result.output
    assert words in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert "Error:" not in result.output
