"""The year-long close bench: its bookkeeping by month, and a small run end to end."""

from __future__ import annotations

import shutil
import subprocess
import sys
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from bench.bench_close import child_prepare, close_each_day
from bench.report import parse

from bench import bench_year
from merchantry.store.warehouse import connect

ROOT = Path(__file__).resolve().parents[2]


def test_the_days_are_summed_by_calendar_month() -> None:
    """31 January days of 2 CPU s and 1,000 postings, then 28 February days of 3 CPU s and
    1,000 postings: 2,000 and 3,000 µs a posting, so January is two thirds of February."""
    year = {
        "day_cpu_seconds": [2.0] * 31 + [3.0] * 28,
        "day_postings": [1000] * 59,
        "day_peak_mib": [100.0] * 30 + [250.0] + [120.0] * 28,
    }
    january, february = bench_year.month_rows(year)
    assert (january["days"], february["days"]) == (31, 28)
    assert january["postings"] == 31_000
    assert january["cpu_seconds"] == pytest.approx(62.0)
    assert january["us_per_posting"] == pytest.approx(2000.0)
    assert february["us_per_posting"] == pytest.approx(3000.0)
    assert january["vs_second_month"] == pytest.approx(2 / 3)
    assert february["vs_second_month"] == pytest.approx(1.0)
    assert january["peak_mib"] == 250.0  # the highest after any of its days
    assert february["peak_mib"] == 120.0


def test_a_part_month_counts_the_days_it_has() -> None:
    year = {"day_cpu_seconds": [1.0] * 33, "day_postings": [10] * 33, "day_peak_mib": [1.0] * 33}
    assert [r["days"] for r in bench_year.month_rows(year)] == [31, 2]


def test_growth_is_the_fitted_monthly_rise_from_the_second_month() -> None:
    """µs a posting 5 (January, ramping up, left out), then 10, 11, 12: one µs a month on
    the second month's 10, so 10% a month; flat months grow 0%."""
    rows = [
        {"month": m, "postings": 1.0, "us_per_posting": us}
        for m, us in ((1, 5.0), (2, 10.0), (3, 11.0), (4, 12.0))
    ]
    assert bench_year.growth_per_month(rows) == pytest.approx(0.10)
    flat = [{**r, "us_per_posting": 7.0} for r in rows]
    assert bench_year.growth_per_month(flat) == pytest.approx(0.0)
    assert bench_year.growth_per_month(rows[:2]) is None  # one month after the first: no fit


def test_the_growth_interval_is_students_t_on_the_months_residuals() -> None:
    """Months 2-5 at 10, 12, 11, 13 µs a posting: slope 0.8 µs a month, residuals -0.3, 0.9,
    -0.9, 0.3, so a standard error of sqrt(1.8 / 2 / 5) and, with t(0.975, 2 df) = 4.302653
    from the tables, 0.8 ± 1.8255 µs: -10.3% to +26.3% of February's 10 µs, which holds 0.
    Perfectly straight months have no spread: the interval is the slope itself."""
    rows = [
        {"month": m, "postings": 1.0, "us_per_posting": us}
        for m, us in ((1, 4.0), (2, 10.0), (3, 12.0), (4, 11.0), (5, 13.0))
    ]
    half = 4.302653 * (1.8 / 2 / 5) ** 0.5
    low, high = bench_year.growth_interval(rows) or (None, None)
    assert low == pytest.approx((0.8 - half) / 10, abs=1e-6)
    assert high == pytest.approx((0.8 + half) / 10, abs=1e-6)
    straight = [{**r, "us_per_posting": 10.0 + r["month"]} for r in rows]
    assert bench_year.growth_interval(straight) == pytest.approx((0.1 / 1.2, 0.1 / 1.2))
    assert bench_year.growth_interval(rows[:3]) is None  # two fitted months: no spread to tell


def _year_bench(tmp_path: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable, "-m", "bench.bench_year", "--orders-per-month", "600", "--shops", "20",
        "--memory", "1GB", "--keep", str(tmp_path), *extra,
    ]  # fmt: skip
    env = {"PATH": "/usr/bin:/bin"}
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def test_the_year_bench_closes_every_day_and_recloses_none(tmp_path: Path) -> None:
    done = _year_bench(tmp_path, "--months", "2", "--process", "year")
    assert done.returncode == 0, done.stderr[-2000:]
    [result] = parse(done.stdout)
    year, again = result.extra["year"], result.extra["re-close"]
    assert isinstance(year, dict)
    assert isinstance(again, dict)
    assert year["days"] == 59  # January 1 to February 28, a close each
    day_postings = year["day_postings"]
    assert isinstance(day_postings, list)
    # what the days reported is what the journal holds, counted in the warehouse
    assert sum(day_postings) == year["postings"] == year["journal_postings"] == result.rows
    months = result.extra["by_month"]
    assert isinstance(months, list)
    assert [m["days"] for m in months] == [31, 28]
    assert sum(m["postings"] for m in months) == result.rows
    assert again["postings"] == 0  # every unchanged day is recognised and posts nothing
    assert again["skipped"] == 59
    assert again["journal_postings"] == year["journal_postings"]
    # the default --alone: the 15th of the second (and last) month, closed with no history
    [alone] = result.extra["alone"]
    [history] = result.extra["history"]
    assert isinstance(alone, dict)
    assert isinstance(history, dict)
    assert alone["date"] == "2026-02-15"
    assert history["day"] == 46
    assert history["postings_with_history"] == day_postings[45] > 0
    assert 0 < history["postings_alone"] == alone["postings"]
    assert "2026-02-28:" in done.stderr  # each day shown as it ends
    assert "re-close ÷ first close" in done.stdout
    assert list(tmp_path.iterdir()) == []  # the scratch warehouses are gone


def test_a_process_a_day_posts_what_one_process_posts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--process day`` (the default: each day's close a process of its own) and one
    process closing the same days of the same input, each day's rows arriving just before
    it, post the same postings day for day and leave the same journal, which holds what the
    days reported."""
    monkeypatch.chdir(ROOT)  # the children run ``python -m bench.bench_year``
    one = tmp_path / "one.duckdb"
    child_prepare(one, 600, 20, "1GB", "paid", keys=True, first=bench_year.FIRST, days=31)
    con = connect(one)
    bench_year.hold_back(con)
    con.close()
    apart = tmp_path / "apart.duckdb"
    shutil.copyfile(one, apart)
    last = date(2026, 1, 6)
    args = ["--memory", "1GB", "--arrive", "daily"]
    by_day = bench_year.year_day_by_process(apart, bench_year.FIRST, last, True, args)
    in_one = close_each_day(one, "1GB", bench_year.FIRST, last, before_day=bench_year.arrive)
    assert by_day["days"] == in_one["days"] == 6
    assert by_day["day_postings"] == in_one["day_postings"]
    assert sum(by_day["day_postings"]) == by_day["journal_postings"] > 0  # type: ignore[arg-type]
    assert by_day["entries"] == in_one["entries"]
    assert all(c > 0 for c in by_day["day_cpu_seconds"])  # type: ignore[attr-defined]
    dumps = []
    for db in (one, apart):
        con = connect(db)
        dumps.append(
            con.execute(
                "SELECT entry_id, kind, booked_on, signature FROM journal_entries ORDER BY 1"
            ).fetchall()
        )
        con.close()
    assert dumps[0] == dumps[1]


CATALOGUE = ("main.products", "main.creators")


def test_each_days_input_arrives_just_before_its_close(tmp_path: Path) -> None:
    """``--arrive daily``: the prepared rows dated in the run wait aside (the shops opened
    before it stay); moving in January 1 to 10, then the 11th, leaves in the warehouse exactly
    the rows dated up to that day, counted against the rows held back, and none of a later
    day. Shops joining during the run (``--joining``) arrive on their opening day, and so do
    the products listed and the creators signed each day."""
    db = tmp_path / "w.duckdb"
    child_prepare(db, 600, 20, "1GB", "paid", keys=True, first=bench_year.FIRST, days=59)
    con = connect(db)
    con.execute(bench_year.JOINING, {"first": bench_year.FIRST, "per_day": 3, "days": 59})
    held = {
        name: con.execute(f"SELECT count(*) FROM {name}").fetchone()
        for name, _ in bench_year.ARRIVING
    }
    catalogue = [con.execute(f"SELECT count(*) FROM {n}").fetchone() for n in CATALOGUE]
    bench_year.hold_back(con)
    bench_year.list_later(con, 3, 59, 20, arriving=True)
    assert [con.execute(f"SELECT count(*) FROM {n}").fetchone() for n in CATALOGUE] == catalogue
    before = {"first": datetime.combine(bench_year.FIRST, datetime.min.time())}
    for name, column in bench_year.ARRIVING:
        kept = con.execute(f"SELECT count(*) FROM main.{name}").fetchone()
        dated_before = con.execute(
            f"SELECT count(*) FROM main.{name} WHERE {column} < $first", before
        ).fetchone()
        assert kept == dated_before  # only what was there before the run stays
        waiting = con.execute(f"SELECT count(*) FROM arriving.{name}").fetchone()
        assert kept is not None
        assert waiting is not None
        assert (kept[0] + waiting[0],) == held[name]
    assert con.execute("SELECT count(*) FROM main.shops").fetchone() == (20,)
    assert con.execute("SELECT count(*) FROM main.orders").fetchone() == (0,)
    for day, since in ((date(2026, 1, 10), bench_year.FIRST), (date(2026, 1, 11), None)):
        bench_year.arrive(con, day, since=since)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time())
        for name, column in bench_year.ARRIVING:
            inside = con.execute(
                f"SELECT count(*) FROM main.{name} WHERE {column} >= $first", before
            ).fetchone()
            due = con.execute(
                f"SELECT count(*) FROM arriving.{name} WHERE {column} < ?", [end]
            ).fetchone()
            assert inside == due, (name, day)
            later = con.execute(f"SELECT count(*) FROM main.{name} WHERE {column} >= ?", [end])
            assert later.fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM main.shops").fetchone() == (20 + 3 * 11,)
    grown = [con.execute(f"SELECT count(*) FROM {n}").fetchone() for n in CATALOGUE]
    assert grown == [(c[0] + 3 * 11,) for c in catalogue if c is not None]
    assert con.execute(  # every new SKU belongs to a shop already open
        "SELECT count(*) FROM products WHERE shop_id NOT IN (SELECT shop_id FROM shops)"
    ).fetchone() == (0,)
    orders = con.execute("SELECT count(*) FROM main.orders").fetchone()
    assert orders is not None
    assert 0 < orders[0] < held["orders"][0]  # type: ignore[index]


@pytest.mark.parametrize(
    ("extra", "says"),
    [
        (("--months", "13"), "--months 13: a year has months 1 to 12"),
        (("--months", "0"), "--months 0: a year has months 1 to 12"),
        (("--months", "2", "--alone", "3"), "--alone 3: the run closes months 1 to 2 only"),
        (("--alone", "x"), "give months as numbers"),
        (("--orders-per-month", "0"), "give at least 1"),
        (("--keep", "/no/such/folder"), "no such folder"),
    ],
)
def test_the_year_bench_refuses_what_it_cannot_close(
    tmp_path: Path, extra: tuple[str, ...], says: str
) -> None:
    command = [sys.executable, "-m", "bench.bench_year", *extra]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert says in done.stderr
    assert "Traceback" not in done.stderr
