"""Ctrl-C inside a DuckDB statement is told apart from a failure, in both forms DuckDB raises."""

from __future__ import annotations

import os
import signal
import threading

import duckdb
import pytest

from merchantry.store.warehouse import interrupted

LONG = "SELECT count(*) FROM range(100000000000) AS a"


def _raised_by(stop: threading.Timer, con: duckdb.DuckDBPyConnection) -> BaseException:
    stop.start()
    try:
        con.execute(LONG)
    except BaseException as err:  # the point is to see what arrives
        return err
    finally:
        stop.cancel()
    pytest.fail("the statement finished before it was interrupted")


def test_sigint_during_a_statement_is_an_interruption() -> None:
    con = duckdb.connect()
    # pytest-xdist workers ignore SIGINT; a terminal's Ctrl-C reaches Python's default handler
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        err = _raised_by(threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)), con)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert interrupted(err), repr(err)


def test_interrupt_from_another_thread_is_an_interruption() -> None:
    con = duckdb.connect()
    err = _raised_by(threading.Timer(0.3, con.interrupt), con)
    assert isinstance(err, duckdb.InterruptException)
    assert interrupted(err)


def test_other_errors_are_not() -> None:
    con = duckdb.connect()
    with pytest.raises(duckdb.Error) as failed:
        con.execute("SELECT * FROM no_such_table")
    assert not interrupted(failed.value)
    assert not interrupted(RuntimeError("Query failed"))
    assert interrupted(KeyboardInterrupt())
