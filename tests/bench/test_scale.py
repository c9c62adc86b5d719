"""The long run's bookkeeping: slopes, the disk a size needs, and the fee stage's record."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import pytest
from bench.report import Result, parse

from bench import bench_close, scale

ROOT = Path(__file__).resolve().parents[2]


def test_slope_reads_the_exponent_of_a_power_law() -> None:
    xs = [1e6, 1e7, 1e8]
    assert scale.slope(xs, [3 * x**1.5 for x in xs]) == pytest.approx(1.5)
    assert scale.slope(xs, [7.0, 7.0, 7.0]) == pytest.approx(0.0)
    assert scale.slope([1e6], [2.0]) is None


def test_disk_needed_scales_the_stages_own_largest_run() -> None:
    rows: list[dict[str, object]] = [
        # recorded before rows carried a stage: the close's
        {"orders": 1_000_000, "disk_peak_mib": 500.0, "baseline_db_mib": 100.0},
        {"orders": 10_000_000, "disk_peak_mib": 8000.0, "baseline_db_mib": 1000.0},
        {"stage": "fees", "orders": 1_000_000, "disk_peak_mib": 200.0},
    ]
    # the close: the 10 M run's 9,000 MiB per 10 M orders, a fifth added
    assert scale.disk_needed_mib(rows, 100_000_000) == pytest.approx(9000 * 10 * 1.2)
    assert scale.disk_needed_mib(rows, 100_000_000, "fees") == pytest.approx(200 * 100 * 1.2)
    assert scale.disk_needed_mib(rows[:2], 100_000_000, "fees") is None


def test_disk_needed_by_the_month_at_once_says_nothing_of_the_days() -> None:
    """A month closed at once spills a month's work; closed day by day it does not, so the
    100 M-order daily run is judged by daily runs only (and, with none recorded, started)."""
    month = {"orders": 10_000_000, "mode": "month", "disk_peak_mib": 22_000.0}
    daily = {"orders": 1_000_000, "mode": "daily", "disk_peak_mib": 300.0}
    assert scale.disk_needed_mib([month], 100_000_000, "close", "daily") is None
    assert scale.disk_needed_mib([month, daily], 100_000_000, "close", "daily") == (
        pytest.approx(300 * 100 * 1.2)
    )
    assert scale.disk_needed_mib([month, daily], 100_000_000) == pytest.approx(22_000 * 12)


def test_the_fee_bench_reports_what_the_long_run_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = _fee_bench(tmp_path, "--stage-days", "31")
    # every generated order is paid in March, so the month's run prices all of them
    assert result.extra["orders_in_period"] == 20000
    assert result.extra["period"] == "2026-03-01..2026-03-31"
    assert result.rows == result.baseline_rows
    assert result.rows > 20000
    assert float(str(result.extra["cpu_seconds"])) > 0
    assert float(str(result.extra["disk_peak_mib"])) > 0
    assert "MiB" in str(result.extra["memory_limit"])  # DuckDB shows the limit it applied
    assert not (tmp_path / "fees.duckdb").exists()  # the bench removes its warehouse

    args = argparse.Namespace(stage="fees", mode="month", memory="1GB")
    row = scale._row(args, 20000, result)
    assert row["stage"] == "fees"
    assert row["lines"] == result.rows
    assert row["cpu_seconds"] == result.extra["cpu_seconds"]
    assert row["baseline_cpu_seconds"] == result.extra["baseline_cpu_seconds"]

    chart = tmp_path / "scale.html"
    monkeypatch.setattr(scale, "CHART", chart)
    cpu = float(str(row["cpu_seconds"]))
    bigger = {**row, "orders": 40000, "cpu_seconds": 2 * cpu, "baseline_cpu_seconds": None}
    notes = scale.chart([row, bigger])
    assert "fee stage CPU s (slope 1.00)" in notes
    # the baseline's CPU of one size only: its line has no slope
    assert "fee stage baseline CPU s;" in notes
    assert "close" not in notes.replace("fee stage", "")  # no close rows, no close lines
    assert "fee stage CPU s" in chart.read_text()
    # a second mode: each mode its own line, named by it
    daily = {**row, "mode": "daily", "cpu_seconds": 3 * cpu}
    days = {**daily, "orders": 200000, "cpu_seconds": 300 * cpu}
    notes = scale.chart([row, bigger, daily, days])
    assert "fee stage (the month at once) CPU s (slope 1.00)" in notes
    assert "fee stage (day by day) CPU s (slope 2.00)" in notes


def _fee_bench(tmp_path: Path, *extra: str) -> Result:
    command = [
        sys.executable, "-m", "bench.bench_fees", "--orders", "20000", "--stage-only",
        "--stage-repeat", "1", "--layout", "paid", "--db", str(tmp_path / "fees.duckdb"), *extra,
    ]  # fmt: skip
    env = {"MERCHANTRY_MEMORY_LIMIT": "1GB", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    [result] = parse(done.stdout)
    return result


def test_the_fee_bench_by_day_writes_what_one_run_over_the_days_writes(tmp_path: Path) -> None:
    whole = _fee_bench(tmp_path, "--stage-days", "4")
    daily = _fee_bench(tmp_path, "--stage-days", "4", "--by-day")
    assert daily.rows == whole.rows
    assert daily.extra["orders_in_period"] == whole.extra["orders_in_period"]
    assert 0 < int(str(whole.extra["orders_in_period"])) < 20000  # four days of the month
    assert whole.extra["day_cpu_seconds"] == []
    day_cpu = daily.extra["day_cpu_seconds"]
    assert isinstance(day_cpu, list)
    assert len(day_cpu) == 4
    assert all(float(c) > 0 for c in day_cpu)


def test_a_stage_out_of_memory_says_so_and_leaves_no_warehouse(tmp_path: Path) -> None:
    where = tmp_path / "scratch"
    where.mkdir()
    command = [
        sys.executable, "-m", "bench.bench_fees", "--orders", "200000", "--stage-only",
        "--stage-repeat", "1", "--db", str(where / "fees.duckdb"),
    ]  # fmt: skip
    env = {"MERCHANTRY_MEMORY_LIMIT": "5MB", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 1
    assert "bench_fees: out of memory under MERCHANTRY_MEMORY_LIMIT=5MB" in done.stderr
    assert "Traceback" not in done.stderr
    assert list(where.iterdir()) == []  # the warehouse, its WAL and its spill are gone


def test_the_fee_bench_never_removes_a_file_it_did_not_make(tmp_path: Path) -> None:
    """``--db`` naming a file that is already there (a user's warehouse): refused with a
    message, exit 2, and the file left as it was. A scratch warehouse a killed run left
    (its marker beside it) is removed and made again."""
    mine = tmp_path / "mine.duckdb"
    mine.write_bytes(b"a warehouse of mine")
    command = [
        sys.executable, "-m", "bench.bench_fees", "--orders", "2000", "--stage-only",
        "--stage-repeat", "1", "--db", str(mine),
    ]  # fmt: skip
    env = {"MERCHANTRY_MEMORY_LIMIT": "1GB", "PATH": "/usr/bin:/bin"}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 2
    assert f"--db {mine}: a file is already there" in done.stderr
    assert "Traceback" not in done.stderr
    assert mine.read_bytes() == b"a warehouse of mine"

    left = tmp_path / "left.duckdb"
    left.write_bytes(b"not a warehouse")  # what a killed run leaves: the file and the marker
    (tmp_path / "left.duckdb.bench-scratch").touch()
    assert _fee_bench(tmp_path, "--db", str(left)).rows > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mine.duckdb"]


def _close_bench(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "bench.bench_close", "--orders", "3000", "--shops", "50",
        "--memory", "1GB", "--keep", str(tmp_path), *extra,
    ]  # fmt: skip
    env = {"PATH": "/usr/bin:/bin"}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_the_close_bench_closes_the_first_days_only(tmp_path: Path) -> None:
    """``--days``: the first days of March closed one at a time (as at 100 M orders, where
    the whole month does not fit the disk), each day's figures recorded, then re-closed."""
    done = _close_bench(
        tmp_path, "--mode", "daily", "--days", "2", "--layout", "paid", "--alone", "2"
    )
    assert done.returncode == 0, done.stderr[-2000:]
    [result] = parse(done.stdout)
    first, again = result.extra["daily close"], result.extra["daily re-close"]
    # --alone 2: March 2 closed in a copy of the input with nothing closed before it books
    # on March 2 only, and stands beside the daily run's March 2
    [alone], [history] = result.extra["alone"], result.extra["history"]
    assert isinstance(alone, dict)
    assert isinstance(history, dict)
    assert alone["day"] == history["day"] == 2
    assert alone["booked_on"] == ["2026-03-02"]
    assert 0 < history["postings_alone"] == alone["postings"]
    assert "2026-03-02 alone:" in done.stderr
    assert isinstance(first, dict)
    assert isinstance(again, dict)
    assert first["days"] == 2
    assert len(first["day_cpu_seconds"]) == len(first["day_peak_mib"]) == 2
    assert all(n > 0 for n in first["day_postings"])
    assert sum(first["day_postings"]) == first["postings"] == result.rows
    assert history["postings_with_history"] == first["day_postings"][1]
    assert again["postings"] == 0  # the two days re-closed post nothing
    assert again["skipped"] == 2
    assert "2026-03-02:" in done.stderr  # each day shown as it ends
    assert "2026-03-03:" not in done.stderr
    assert list(tmp_path.iterdir()) == []  # the scratch warehouses are gone


def test_the_close_bench_floor_writes_the_closes_own_rows(tmp_path: Path) -> None:
    """``--floor``: every row the close wrote, inserted again into empty tables with nothing
    computed, so the floor's counts are the close's and its cost a part of it."""
    done = _close_bench(tmp_path, "--mode", "month", "--floor")
    assert done.returncode == 0, done.stderr[-2000:]
    [result] = parse(done.stdout)
    closed, floor = result.extra["month close"], result.extra["floor"]
    assert isinstance(closed, dict)
    assert isinstance(floor, dict)
    assert floor["postings"] == closed["postings"] == result.rows > 0
    rows = floor["rows"]
    assert isinstance(rows, dict)
    assert rows["journal_entries"] == closed["entries"] > 0
    assert rows["order_payouts"] == 3000  # one payout row per order of the month
    assert 0 < float(str(floor["cpu_seconds"])) < float(str(closed["cpu_seconds"]))
    assert "the best a close writing them can reach" in done.stdout
    assert list(tmp_path.iterdir()) == []  # the floor's warehouse is removed too


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (("--mode", "daily", "--days", "0"), "--days 0: March has days 1 to 31"),
        (("--mode", "daily", "--days", "32"), "--days 32: March has days 1 to 31"),
        (("--mode", "month", "--days", "3"), "give it with --mode daily"),
        (("--mode", "month", "--alone", "3"), "--alone compares days of the daily close"),
        (("--mode", "daily", "--days", "2", "--alone", "1,5"), "closes days 1 to 2 only"),
        (("--mode", "daily", "--alone", "8,x"), "give days of March as numbers"),
        (("--mode", "daily", "--alone", "0"), "March has days 1 to 31"),
    ],
)
def test_the_close_bench_refuses_days_it_cannot_close(
    tmp_path: Path, extra: tuple[str, ...], says: str
) -> None:
    done = _close_bench(tmp_path, *extra)
    assert done.returncode == 2
    assert says in done.stderr
    assert "Traceback" not in done.stderr


def test_the_history_share_is_the_extra_cpu_per_posting_a_day_costs_after_its_past() -> None:
    """10 CPU s for 1,000 postings after the days before, 8 CPU s for 900 alone: 10 ms and
    8.89 ms a posting, so the past cost 1 − 8.89 ÷ 10 = 11.1% of the day."""
    daily = {"day_cpu_seconds": [5.0, 10.0], "day_postings": [400, 1000]}
    alone = [{"day": 2, "cpu_seconds": 8.0, "postings": 900}]
    [row] = bench_close.history_rows(daily, alone)
    assert row["cpu_with_history"] == 10.0
    assert row["postings_alone"] == 900
    assert row["history_share"] == pytest.approx(1 - (8 / 900) / (10 / 1000))
    assert row["history_share"] == pytest.approx(0.1111, abs=1e-4)


def test_the_day_ingest_bench_adds_a_day_the_checks_accept_after_its_history(
    tmp_path: Path,
) -> None:
    import duckdb

    from bench import bench_ingest_day as day_bench

    history, day = 3000, 300
    made = day_bench.child_history(tmp_path / "h.duckdb", history, with_orders=True)
    assert float(str(made["db_mib"])) > 0
    rows = day_bench.make_day(tmp_path / "day", history, day)
    # a review for every third order: the day's ids go on from the history's
    assert rows == day + 4 * day + len(range(history, history + day, 3))
    got = day_bench.child_ingest(tmp_path / "h.duckdb", tmp_path / "day")
    assert got["rows"] == rows  # child_ingest stops on any quarantined row
    con = duckdb.connect(str(tmp_path / "h.duckdb"), read_only=True)
    try:
        orders, first_day = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE CAST(paid_at AS DATE) = DATE '2025-04-01')"
            " FROM orders"
        ).fetchall()[0]
        events = con.execute("SELECT count(*) FROM logistics_events").fetchall()[0][0]
    finally:
        con.close()
    assert (orders, first_day, events) == (history + day, day, 4 * (history + day))
    base = day_bench.child_history(tmp_path / "e.duckdb", history, with_orders=False)
    assert float(str(base["db_mib"])) > 0
    plain = day_bench.child_baseline(tmp_path / "e.duckdb", tmp_path / "day")
    assert float(str(plain["cpu_seconds"])) > 0


def _logged_close(orders: int, cpu: float, bench: str = "close") -> str:
    """A close bench's output as a log keeps it: progress, then its one result line."""
    from dataclasses import asdict

    from bench.report import TAG

    side = {"cpu_seconds": cpu, "disk_peak_mib": 900.0, "spill_peak_mib": 0.0, "days": 31}
    result = Result(
        bench=bench,
        rows=orders * 5,
        seconds=cpu / 2,
        peak_mib=6000.0,
        baseline_seconds=cpu / 20,
        baseline_rows=orders * 5,
        extra={
            "orders": orders,
            "mode": "daily close",
            "memory": "7GB",
            "daily close": side,
            "baseline": {"cpu_seconds": 9.0},
        },
    )
    return f"preparing {orders:,} orders …\n2026-03-01: 1.0 s\n{TAG}{json.dumps(asdict(result))}\n"


def test_a_logged_run_is_recorded_as_the_run_itself_would_be(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--record LOG``: a run made by hand (100 M orders, hours, kept in a log) goes into
    the results and the chart as if bench.scale had run it, under the size, mode and memory
    limit the log says (not the command line's defaults); a log without one finished result,
    or with another bench's, is refused in a line."""
    monkeypatch.setattr(scale, "RESULTS", tmp_path / "results.json")
    monkeypatch.setattr(scale, "CHART", tmp_path / "scale.html")
    earlier = {"stage": "close", "orders": 1_000_000, "mode": "daily", "cpu_seconds": 40.0}
    scale.RESULTS.write_text(json.dumps([earlier]))
    log = tmp_path / "run.log"
    log.write_text(_logged_close(100_000_000, 4000.0))
    # the command line's --mode (month) and --orders are not the logged run's: the log wins
    argv = ["scale", "--mode", "month", "--orders", "5", "--record", str(log)]
    monkeypatch.setattr(sys, "argv", argv)
    scale.main()
    rows = json.loads(scale.RESULTS.read_text())
    assert [(r["orders"], r["mode"], r["cpu_seconds"]) for r in rows] == [
        (1_000_000, "daily", 40.0),
        (100_000_000, "daily", 4000.0),
    ]
    assert rows[1]["postings"] == 500_000_000
    assert rows[1]["memory_limit"] == "7GB"
    assert rows[1]["baseline_cpu_seconds"] == 9.0
    # 40 → 4,000 CPU s for 100× the orders: slope 1
    assert "close CPU s (slope 1.00)" in capsys.readouterr().out

    other = tmp_path / "other.log"
    other.write_text(_logged_close(1000, 1.0, bench="bench_scores"))
    log.write_text("preparing 100,000,000 orders …\n2026-03-01: 1.0 s\nKilled\n")
    for argv, says in (
        (["--record", str(log)], "0 result lines in it"),
        (["--record", str(other)], "('bench_scores') is not one the long run records"),
        (["--record", str(tmp_path / "none.log")], "no such file"),
    ):
        monkeypatch.setattr(sys, "argv", ["scale", *argv])
        with pytest.raises(SystemExit) as stopped:
            scale.main()
        assert stopped.value.code == 2
        assert says in capsys.readouterr().err
    assert len(json.loads(scale.RESULTS.read_text())) == 2  # nothing recorded by a refusal
