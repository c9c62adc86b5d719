"""The console over the API's generated marketplace: in-process for page checks, and a real
uvicorn server for the browser.

The warehouse is the API tests' (``tests/api/conftest.py``: 24 shops x 14 days run through
the real stages, cases opened from the risk decisions and deposit deductions); the
in-process client is the API fixture's own ``TestClient``.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from tests.api.conftest import Api, build_api, market_db, open_cases

from merchantry.ops import open_ops
from merchantry.ops.keys import KeyRole, create_key

__all__ = ["Api", "market_db"]

CHROMIUM = Path("/usr/bin/chromium")


PYTHON_REPR = re.compile(
    r"(?:>|→|: )\s*(?:True|False|None|\[&#39;[^<]*|\(&#39;[^<]*|\{&#39;[^<]*)\s*<"
)
"""A Python value printed as Python into a page people read (a bool, None, a list, a dict)."""


def login(client: TestClient, key: str) -> None:
    """Log the client in through the login form (CSRF token from the page)."""
    page = client.get("/console/login")
    token = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    answer = client.post("/console/login", data={"key": key, "csrf": token}, follow_redirects=False)
    assert answer.status_code == 303, answer.text


def csrf_of(html: str) -> str:
    return html.split('name="csrf" value="', 1)[1].split('"', 1)[0]


@pytest.fixture
def api(tmp_path: Path, market_db: Path) -> Iterator[Api]:
    """The API (and the console in it) on SQLite, webhooks not dispatched."""
    yield from build_api(
        tmp_path, market_db, f"sqlite:///{tmp_path / 'ops.sqlite'}", dispatcher=False
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A real ``uvicorn`` serving the API and the console, and a key per role."""

    url: str
    engine: Engine
    warehouse: Path
    operator_key: str
    victim: str
    other: str
    victim_key: str


def require_chromium() -> None:
    """Skip without Debian's Chromium, except under CI, where its absence is a failure."""
    if CHROMIUM.exists():
        return
    message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)"
    if os.environ.get("CI"):
        pytest.fail(message + "; CI must install it")
    pytest.skip(message)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, market_db: Path) -> Iterator[Server]:
    require_chromium()
    root = tmp_path_factory.mktemp("console-server")
    warehouse = root / "w.duckdb"
    shutil.copy(market_db, warehouse)
    ops_url = f"sqlite:///{root / 'ops.sqlite'}"
    engine = open_ops(ops_url)
    open_cases(engine, warehouse)
    with engine.connect() as conn:
        victim = str(
            conn.execute(
                text(
                    "SELECT shop_id FROM risk_cases WHERE ledger_entry_id IS NOT NULL "
                    "GROUP BY shop_id ORDER BY count(*) DESC, shop_id LIMIT 1"
                )
            ).scalar_one()
        )
        other = str(
            conn.execute(
                text(
                    "SELECT shop_id FROM risk_cases WHERE shop_id <> :v "
                    "GROUP BY shop_id ORDER BY count(*) DESC, shop_id LIMIT 1"
                ),
                {"v": victim},
            ).scalar_one()
        )
    operator = create_key(engine, role=KeyRole.OPERATOR, created_by="test").secret_key
    victim_key = create_key(
        engine, role=KeyRole.MERCHANT, shop_id=victim, created_by="test"
    ).secret_key
    port = _free_port()
    env = {
        **os.environ,
        "MERCHANTRY_WAREHOUSE": str(warehouse),
        "MERCHANTRY_OPS_URL": ops_url,
        "MERCHANTRY_DISPATCHER": "false",
    }
    log = (root / "server.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "merchantry.api.app:app_from_env",
            "--factory",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180
    try:
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                err = (root / "server.log").read_text(errors="replace")
                pytest.fail(f"the console's server did not start: {err[-2000:]}")
            time.sleep(0.5)
        yield Server(url, engine, warehouse, operator, victim, other, victim_key)
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        engine.dispose()
