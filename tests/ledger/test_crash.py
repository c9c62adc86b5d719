"""A close killed at any point leaves the journal as it was; the next run completes it.

A real subprocess runs the close and is killed with SIGKILL after a random delay,
several times; after each kill the journal is either untouched or complete, and a
final uninterrupted run gives exactly the journal of a reference run that was never
interrupted.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

from merchantry.fees import run_rulebook
from merchantry.store.warehouse import connect
from tests.ledger.bulk import fill
from tests.ledger.factories import close, journal_dump, ledger_rulebook

ROOT = Path(__file__).resolve().parents[2]
WORKER = """
import sys
from datetime import date
from merchantry.store.warehouse import connect
from tests.ledger.factories import close
con = connect(sys.argv[1])
print("closing", flush=True)
close(con, date(2026, 3, 1), date(2026, 3, 31))
con.close()
"""


def _dump(path: Path) -> list[tuple[object, ...]]:
    con = connect(path)
    try:
        return journal_dump(con)
    finally:
        con.close()


@pytest.mark.slow
def test_killed_closes_leave_the_journal_as_before(tmp_path: Path) -> None:
    base = tmp_path / "base.duckdb"
    con = connect(base)
    fill(con, orders=30_000, shops=40)
    run_rulebook(con, ledger_rulebook(), date(2026, 3, 1), date(2026, 3, 31))
    con.close()
    victim = tmp_path / "victim.duckdb"
    shutil.copy(base, victim)

    reference = tmp_path / "reference.duckdb"
    shutil.copy(base, reference)
    con = connect(reference)
    began = time.perf_counter()
    close(con, date(2026, 3, 1), date(2026, 3, 31))
    seconds = time.perf_counter() - began
    con.close()
    expected = _dump(reference)
    assert expected

    rng = random.Random(20260301)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    killed = 0
    for _ in range(5):
        with subprocess.Popen(
            [sys.executable, "-c", WORKER, str(victim)],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        ) as worker:
            assert worker.stdout is not None
            assert worker.stdout.readline().strip() == "closing"
            time.sleep(rng.uniform(0.0, seconds * 0.9))  # somewhere inside the close
            worker.send_signal(signal.SIGKILL)
            killed += worker.wait() == -signal.SIGKILL
        assert _dump(victim) in ([], expected)
    assert killed >= 3  # the kills really did interrupt closes

    con = connect(victim)
    close(con, date(2026, 3, 1), date(2026, 3, 31))
    con.close()
    assert _dump(victim) == expected
