"""Fixtures shared by every test package."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from merchantry.kit.settings import DEFAULT_MARKETPLACE, showing
from merchantry.store.warehouse import connect

SHARED_DATA = Path(
    os.environ.get("MERCHANTRY_SHARED_DATA")
    or Path(__file__).resolve().parents[2] / "shared" / "data"
)
"""The public datasets: ``../shared/data`` beside the checkout, or ``$MERCHANTRY_SHARED_DATA``."""


@pytest.fixture(autouse=True)
def _default_marketplace() -> Iterator[None]:
    """Each test starts showing money as a Chinese marketplace does (¥); opening an Olist
    warehouse inside a test switches to R$ for that test only."""
    with showing(DEFAULT_MARKETPLACE):
        yield


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh, empty warehouse file per test."""
    con = connect(tmp_path / "test.duckdb")
    try:
        yield con
    finally:
        con.close()


def shared_data_path(*parts: str) -> Path:
    """A path under ../shared/data, or skip the test with the reason when it is absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"public dataset not available at {path} (it lives outside the repository)")
    return path


def _postgres_bin(name: str) -> Path | None:
    found = shutil.which(name)
    if found:
        return Path(found)
    candidates = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return candidates[-1] if candidates else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A real, throwaway PostgreSQL server for the session, as an SQLAlchemy URL.

    Started with initdb/pg_ctl in a temporary directory on a free loopback port
    (as the ``postgres`` user when the tests run as root, since PostgreSQL
    refuses to run as root). Skips when PostgreSQL is not installed, except
    under CI, where `make test` installs it and its absence is a failure.
    """
    initdb, pg_ctl = _postgres_bin("initdb"), _postgres_bin("pg_ctl")
    if initdb is None or pg_ctl is None:
        message = "PostgreSQL server binaries (initdb, pg_ctl) are not installed"
        if os.environ.get("CI"):
            pytest.fail(message + "; `make test` should have installed them")
        pytest.skip(message)
    # Not under pytest's tmp_path: its parents are private to root, and the server
    # runs as the postgres user, which must reach its data directory.
    base = Path(tempfile.mkdtemp(prefix="merchantry-pg-"))
    data = base / "data"
    prefix: list[str] = []
    if os.geteuid() == 0:
        prefix = ["runuser", "-u", "postgres", "--"]
        shutil.chown(base, user="postgres")
        base.chmod(0o700)
    port = _free_port()
    subprocess.run(
        [*prefix, str(initdb), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    options = f"-p {port} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        [
            *prefix,
            str(pg_ctl),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(base / "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            [*prefix, str(pg_ctl), "-D", str(data), "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


LONGEST_FIRST: tuple[str, ...] = (
    "spark/test_close_parity.py",
    "spark/test_ingest_parity.py",
    "ledger/test_daily.py",
    "report/test_offline_pages.py",
    "cli/test_odd_arguments.py",
    "api/test_schemathesis.py",
    "console/test_browser.py",
    "online/test_parity.py",
    "spark/test_portable.py",
    "bench/test_scale.py",
    "service/test_runner.py",
    "ingest/test_hostile_files.py",
    "bench/test_pipeline.py",
    "scoring/test_diagnosis.py",
    "spark/test_scores_parity.py",
    "ledger/test_crash.py",
)
"""The files that took longest on a fresh clone with two workers (2026-12-03, 40 to 150 s
each), longest first. ``make test`` hands whole files to its workers in collection order; a
long file collected last leaves one worker alone for its whole length at the end, so these
go first and the short files fill the gaps (the longest-first rule of thumb for scheduling)."""


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Move the files of :data:`LONGEST_FIRST` to the front, in that order; every other
    file keeps its place, and the tests of a file keep theirs."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}

    def key(item: pytest.Item) -> int:
        path = item.path.as_posix()
        return next((r for name, r in rank.items() if path.endswith("/tests/" + name)), len(rank))

    items.sort(key=key)  # stable: the original order within each rank
