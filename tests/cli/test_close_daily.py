"""`merchantry close --daily`: the period closed one day at a time from the command line,
posting what the period closed at once posts, skipping unchanged days when run again, and
saying so when the days before the first were never closed."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.ledger import daily
from merchantry.store.warehouse import connect
from tests.ledger.bulk import fill
from tests.ledger.factories import HERE, TEST_RULEBOOK, add_order, journal_dump


def _warehouse(path: Path) -> Path:
    con = connect(path)
    fill(con, orders=160, shops=8)
    con.close()
    return path


def _close(db: Path, *args: str) -> tuple[int, str]:
    book = ("--rulebook", TEST_RULEBOOK, "--dir", str(HERE), "--db", str(db))
    result = CliRunner().invoke(app, ["close", *args, *book], env={"COLUMNS": "200"})
    return result.exit_code, result.output


def _dump(db: Path) -> list[tuple[object, ...]]:
    con = connect(db)
    try:
        return journal_dump(con)
    finally:
        con.close()


def test_a_period_closed_day_by_day_posts_what_it_posts_at_once(tmp_path: Path) -> None:
    at_once, daily = _warehouse(tmp_path / "m.duckdb"), _warehouse(tmp_path / "d.duckdb")
    period = ("--from", "2026-03-01", "--to", "2026-03-12")

    code, _ = _close(at_once, *period)
    assert code == 0
    code, out = _close(daily, *period, "--daily")
    assert code == 0, out
    assert "warning" not in out
    assert "settlement" in out  # the kinds posted, summed over the days
    assert "sale" in out
    dump = _dump(daily)
    assert len(dump) > 500
    con = connect(daily)
    try:  # closed one day at a time: a mark for each of the 12 days, none for the period
        marks = con.execute("SELECT start_on, end_on FROM ledger_close_marks").fetchall()
    finally:
        con.close()
    assert len(marks) == 12
    assert all(start == end for start, end in marks)
    assert dump == _dump(at_once)

    code, again = _close(daily, *period, "--daily")  # nothing changed: every day skipped
    assert code == 0
    assert "0 posted, 0 reversed" in again
    assert "nothing to post: all 12 days were closed before with the same inputs" in again
    assert "entry kind" not in again  # no empty table of kinds
    assert _dump(daily) == dump

    code, again = _close(at_once, *period)  # at once, again: the journal holds it all
    assert code == 0
    assert "nothing to post: the journal already holds the" in again


def test_a_day_whose_inputs_changed_is_closed_again_and_the_others_are_counted_skipped(
    tmp_path: Path,
) -> None:
    db = _warehouse(tmp_path / "w.duckdb")
    period = ("--from", "2026-03-01", "--to", "2026-03-04", "--daily")
    code, out = _close(db, *period)
    assert code == 0, out
    con = connect(db)
    try:  # a late order of the 3rd arrives
        add_order(con, "LATE", datetime(2026, 3, 3, 18), 12_000, shop_id="S1")
    finally:
        con.close()
    code, out = _close(db, *period, "--refresh-fees")
    assert code == 0, out
    assert "2 of 4 days skipped (inputs unchanged since their last close)" in out
    assert "sale" in out  # the late order's sale, posted by the 3rd's close
    assert "nothing to post" not in out


def test_a_first_day_with_unclosed_days_before_it_is_a_warning(tmp_path: Path) -> None:
    db = _warehouse(tmp_path / "w.duckdb")
    code, out = _close(db, "--from", "2026-03-12", "--to", "2026-03-13", "--daily")
    assert code == 0, out
    assert "warning: 2026-03-12: no close under ledger-test covers the days before" in out
    assert "close from 2026-03-01 first" in out
    assert "2026-03-13: no close" not in out  # the 12th was closed before the 13th


def test_daily_is_refused_on_another_engine(tmp_path: Path) -> None:
    db = _warehouse(tmp_path / "w.duckdb")
    period = ("--from", "2026-03-01", "--to", "2026-03-02", "--daily")
    code, out = _close(db, *period, "--engine", "local[2]")
    assert code == 2
    assert "--daily closes day by day in the warehouse" in out
    assert "Traceback" not in out
    assert _dump(db) == []


def test_ctrl_c_names_the_day_it_stopped_in_and_the_days_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _warehouse(tmp_path / "w.duckdb")
    real = daily.close_day

    def close_day(con, book, day, **kw):  # type: ignore[no-untyped-def]
        if day == date(2026, 3, 3):  # the user presses Ctrl-C while the 3rd closes
            raise KeyboardInterrupt
        return real(con, book, day, **kw)

    monkeypatch.setattr(daily, "close_day", close_day)
    code, out = _close(db, "--from", "2026-03-01", "--to", "2026-03-05", "--daily")
    assert code == 130
    assert "interrupted while closing 2026-03-03: 2026-03-01 to 2026-03-02 stay closed" in out
    assert "nothing was committed" not in out
    assert "error" not in out  # the user stopped it; nothing went wrong
    con = connect(db)
    try:
        assert con.execute("SELECT count(*) FROM ledger_close_marks").fetchone() == (2,)
    finally:
        con.close()

    monkeypatch.setattr(daily, "close_day", real)
    code, out = _close(db, "--from", "2026-03-01", "--to", "2026-03-05", "--daily")
    assert code == 0, out
    con = connect(db)
    try:
        assert con.execute("SELECT count(*) FROM ledger_close_marks").fetchone() == (5,)
    finally:
        con.close()


def test_a_deposit_review_day_no_month_has_is_refused_naming_the_file(tmp_path: Path) -> None:
    """A rulebook that moves the deposit review to the 31st (February has none) closes
    nothing: the close names the file and the parameter and exits as for any input mistake."""
    db = _warehouse(tmp_path / "w.duckdb")
    books = tmp_path / "books"
    books.mkdir()
    mine = books / "my-fees.yaml"
    mine.write_text(
        "rulebook: my-fees\n"
        "title: Douyin 2026 with the deposit review on the 31st\n"
        "extends: douyin-2026\n"
        "effective: {from: 2026-01-08}\n"
        "parameters:\n"
        "  deposit_review_day:\n"
        "    value: 31\n"
        "    assumption: true\n"
        "    note: a mistake\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        app,
        ["close", "--from", "2026-03-01", "--to", "2026-03-31", "--rulebook", "my-fees",
         "--rulebook-dir", str(books), "--db", str(db)],
        env={"COLUMNS": "200"},
    )  # fmt: skip
    printed = " ".join(result.output.split())
    assert result.exit_code == 2, result.output
    assert str(mine) in printed
    assert "deposit_review_day is 31: a deposit review day (a day every month has) is 1 to 28" in (
        printed
    )
    con = connect(db)
    try:
        assert con.execute("SELECT count(*) FROM journal_entries").fetchone() == (0,)
    finally:
        con.close()
