"""The long run's bookkeeping: slopes, the disk a size needs, and the fee stage's record."""

from __future__ import annotations

import argparse
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
    bigger = {**row, "orders": 40000, "seconds": 2 * float(str(row["seconds"]))}
    notes = scale.chart([row, bigger])
    assert "fee stage seconds (slope 1.00)" in notes
    assert "close" not in notes.replace("fee stage", "")  # no close rows, no close lines
    assert "fee stage seconds" in chart.read_text()


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
