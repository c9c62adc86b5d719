"""The daily close leaves DuckDB's merging of row groups to the commit of a month's last day
(``store.warehouse.merges_at_month_end``): the days before keep one row group per day's
append, the month's end merges them, and an operator's ``MERCHANTRY_VACUUM_TASKS`` holds on
every day instead."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from merchantry.fees import run_rulebook
from merchantry.ledger.daily import close_days
from merchantry.store.warehouse import VACUUM_ENV, connect
from tests.ledger.bulk import fill
from tests.ledger.factories import journal_dump, ledger_rulebook

START, TENTH, END = date(2026, 3, 1), date(2026, 3, 10), date(2026, 3, 31)
TABLES = ("journal_entries", "journal_postings", "order_payouts")


def _prepared(path: Path) -> duckdb.DuckDBPyConnection:
    con = connect(path)
    fill(con, orders=240, shops=12)
    run_rulebook(con, ledger_rulebook(), START, END)
    # every commit checkpoints, as a day of a large marketplace's close does (its write-ahead
    # log passes DuckDB's 16 MiB threshold); a few hundred orders would otherwise never
    con.execute("SET checkpoint_threshold = '1KB'")
    return con


def _row_groups(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    found: dict[str, int] = {}
    for table in TABLES:
        row = con.execute(
            "SELECT count(DISTINCT row_group_id) FROM pragma_storage_info(?)", [table]
        ).fetchone()
        assert row is not None
        found[table] = int(row[0])
    return found


def _vacuum_tasks(con: duckdb.DuckDBPyConnection) -> str:
    row = con.execute("SELECT current_setting('max_vacuum_tasks')").fetchone()
    assert row is not None
    return str(row[0])


def test_the_days_of_a_month_are_merged_at_its_last_day(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(VACUUM_ENV, raising=False)
    held = _prepared(tmp_path / "held.duckdb")
    default = _vacuum_tasks(held)
    book = ledger_rulebook()

    close_days(held, book, START, TENTH)
    # a row group per day's append: nothing merged at the ten commits
    assert _row_groups(held) == dict.fromkeys(TABLES, 10)
    assert _vacuum_tasks(held) == default  # DuckDB's own setting is back between closes
    threshold = held.execute("SELECT current_setting('checkpoint_threshold')").fetchone()
    assert threshold == ("1000 bytes",)  # and the threshold the connection had

    close_days(held, book, TENTH.replace(day=11), END)
    # the 31st's commit merged the month: a few hundred rows fit one group a table
    assert _row_groups(held) == dict.fromkeys(TABLES, 1)

    monkeypatch.setenv(VACUUM_ENV, default)  # the operator asks for DuckDB's merging daily
    daily = _prepared(tmp_path / "daily.duckdb")
    close_days(daily, book, START, TENTH)
    assert all(groups <= 2 for groups in _row_groups(daily).values())
    close_days(daily, book, TENTH.replace(day=11), END)
    assert journal_dump(daily) == journal_dump(held)  # merging moves rows, never changes one


def test_an_operators_setting_of_none_is_kept_at_the_month_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(VACUUM_ENV, "0")
    con = _prepared(tmp_path / "w.duckdb")
    days = close_days(con, ledger_rulebook(), START, END)
    posted = sum(1 for day in days if day.postings)
    # the 31st merged nothing either: a group per day that appended rows stays
    groups = _row_groups(con)
    assert posted > 20
    assert groups["journal_postings"] == groups["journal_entries"] == posted
    assert groups["order_payouts"] > 1
    assert _vacuum_tasks(con) == "0"


def test_a_day_closed_by_a_process_of_its_own_is_merged_at_the_month_end_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A daily job closes one day and exits. A small day's write-ahead log stays below
    DuckDB's threshold, so its commit does not checkpoint; the checkpoint comes when the
    warehouse is closed. That one too must hold the merges back to the month's last day
    (else the daily job rewrites the month's row groups every day)."""
    monkeypatch.delenv(VACUUM_ENV, raising=False)
    path = tmp_path / "w.duckdb"
    con = connect(path)
    fill(con, orders=240, shops=12)
    run_rulebook(con, ledger_rulebook(), START, END)
    con.close()
    book = ledger_rulebook()
    day = START
    while day <= TENTH:
        job = connect(path)  # a process a day: opened, one day closed, closed
        close_days(job, book, day, day)
        job.close()
        day = day.replace(day=day.day + 1)
    con = connect(path)
    assert not path.with_name(path.name + ".wal").exists()  # every day's rows in the file
    assert _row_groups(con) == dict.fromkeys(TABLES, 10)
    con.close()
    day = TENTH.replace(day=11)
    while day <= END:
        job = connect(path)
        close_days(job, book, day, day)
        job.close()
        day = day.replace(day=day.day + 1) if day < END else END.replace(month=4, day=1)
    con = connect(path)
    assert _row_groups(con) == dict.fromkeys(TABLES, 1)


class _Timing:
    """A proxy that runs every statement on a DuckDB connection and counts them, as a
    profiler timing the close statement by statement does."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self._con = con
        self.statements = 0

    def execute(self, sql: object, *args: object, **kwargs: object) -> object:
        self.statements += 1
        return self._con.execute(sql, *args, **kwargs)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> object:
        return getattr(self._con, name)


def test_a_connection_wrapped_by_a_profiler_holds_the_merges_back_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closes run through a proxy are closes of the same warehouse: exempted from the hold,
    their commits merged the month's row groups every day, and a profile of the close timed
    those merges as the close's own cost."""
    monkeypatch.delenv(VACUUM_ENV, raising=False)
    con = _prepared(tmp_path / "w.duckdb")
    default = _vacuum_tasks(con)
    timed = _Timing(con)
    close_days(timed, ledger_rulebook(), START, TENTH)  # type: ignore[arg-type]
    assert timed.statements > 100
    assert _row_groups(con) == dict.fromkeys(TABLES, 10)
    assert _vacuum_tasks(con) == default  # DuckDB's own setting is back
