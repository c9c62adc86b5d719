"""`merchantry keys create` prints a key once; `merchantry serve` answers with it over HTTP."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from merchantry.cli.main import app
from merchantry.ops import open_ops
from merchantry.ops.audit import entries


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _issue(ops: str, *args: str) -> str:
    result = CliRunner().invoke(app, ["keys", "create", "--ops-db", ops, *args])
    assert result.exit_code == 0, result.output
    return result.output.strip().splitlines()[-1]


def test_keys_create_prints_the_key_once_and_refuses_a_bad_request(tmp_path: Path) -> None:
    ops = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    key = _issue(ops, "--role", "merchant", "--shop", "S1", "--scopes", "payouts:read")
    assert key.startswith("mk_")
    listed = CliRunner().invoke(app, ["keys", "list", "--ops-db", ops], env={"COLUMNS": "200"})
    assert "payouts:read" in listed.output
    assert key not in listed.output
    refused = CliRunner().invoke(
        app, ["keys", "create", "--ops-db", ops, "--role", "merchant", "--scopes", "keys:manage"]
    )
    assert refused.exit_code != 0
    assert "needs --shop" in str(refused.exception) + refused.output
    engine = open_ops(ops)
    logged = [(e.action, e.after["scopes"]) for e in entries(engine)]
    engine.dispose()
    assert logged == [("key.create", ["payouts:read"])]


@pytest.mark.slow
def test_serve_runs_two_workers_over_the_warehouse(tmp_path: Path, market_db: Path) -> None:
    db = tmp_path / "w.duckdb"
    shutil.copy(market_db, db)
    ops = f"sqlite:///{tmp_path / 'ops.sqlite'}"
    operator = _issue(ops, "--role", "operator")
    port = _free_port()
    command = [sys.executable, "-m", "merchantry.cli.main", "serve", "--db", str(db)]
    command += ["--ops-db", ops, "--port", str(port), "--workers", "2"]
    log = (tmp_path / "serve.log").open("w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 150
        while True:
            try:
                health = httpx.get(f"{base}/health", timeout=1)
                break
            except httpx.TransportError:
                assert server.poll() is None, (tmp_path / "serve.log").read_text()
                assert time.monotonic() < deadline, "the server did not start in 150 s"
                time.sleep(0.3)
        assert health.json() == {"status": "ok", "ops_database": "ok", "warehouse": True}
        # a worker's first listing checks every shipped rulebook (cached after): 6-8 s on the
        # shared machine under load, while the worker also builds its online state
        listed = httpx.get(
            f"{base}/v1/rulebooks", headers={"Authorization": f"Bearer {operator}"}, timeout=90
        )
        assert listed.status_code == 200
        assert "douyin-2026" in listed.text
        assert httpx.get(f"{base}/v1/rulebooks", timeout=10).status_code == 401
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log.close()
